"""Roster import: report before writing, partial failure, idempotent re-import, bad files, failed rows back."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from zhijia.core.crypto import keyed_hash
from zhijia.core.errors import NotFound, ValidationFailed
from zhijia.members import imports
from zhijia.members.models import Membership, RosterImport, Worker
from zhijia.members.tests.factories import apply, person

pytestmark = pytest.mark.django_db


def _csv(rows, header=("姓名", "身份证号", "手机号", "职业", "工作单位", "工作地行政区划代码")) -> io.BytesIO:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return io.BytesIO(buf.getvalue().encode("utf-8-sig"))


def _row(i, **change):
    p = person(i)
    row = {"name": p["name"], "id": p["id_number"], "phone": p["phone"], "occ": "快递员", "emp": "燕房物流",
           "region": ""} | change
    return [row["name"], row["id"], row["phone"], row["occ"], row["emp"], row["region"]]


@pytest.fixture
def staff(city, make_staff):
    return make_staff("fs", city.fangshan)


def _upload(staff, union, data, name="roster.csv", capture=None):
    with capture(execute=True):
        item = imports.roster_import_create(staff, union_id=union.pk, filename=name, fileobj=data)
    return RosterImport.objects.get(pk=item.pk)


def _commit(staff, item, capture):
    with capture(execute=True):
        imports.roster_import_commit(staff, import_id=item.pk)
    return RosterImport.objects.get(pk=item.pk)


def test_report_then_commit_good_rows_land_bad_rows_come_back(city, staff, django_capture_on_commit_callbacks):
    p1 = person(21)
    bad_check = p1["id_number"][:17] + ("0" if p1["id_number"][17] != "0" else "1")
    rows = [_row(20), _row(21, id=bad_check), _row(22, phone="12345"), _row(23, name=""), _row(24),
            _row(20, name="重复的人"), _row(25, occ="宇航员"), _row(26, id="110111199002301234"), _row(27, occ="")]
    item = _upload(staff, city.chengguan, _csv(rows), capture=django_capture_on_commit_callbacks)
    # The report: nothing written yet, reasons by row and field
    assert item.status == "validated" and item.total_rows == 9 and item.good_rows == 3 and item.bad_rows == 6
    assert Worker.objects.count() == 0
    errors = {r.row_no: r.errors for r in item.rows.filter(ok=False)}
    assert "身份证号：身份证号校验位不正确" in errors[3]
    assert "手机号" in errors[4] and "姓名：必填" in errors[5]
    assert "与文件中第2行重复" in errors[7] and "职业" in errors[8] and "出生日期" in errors[9]
    preview = [imports.preview_row(r) for r in item.rows.filter(ok=True).order_by("row_no")]
    assert preview[0]["id_number"].count("*") == 8 and "****" in preview[0]["phone"]
    # Commit: the good rows become members of 城关街道, with numbers
    item = _commit(staff, item, django_capture_on_commit_callbacks)
    assert item.status == "done" and item.created_memberships == 3 and item.created_workers == 3
    members = Membership.objects.filter(union=city.chengguan, status="admitted")
    assert members.count() == 3 and all(m.member_number.startswith("110111") for m in members)
    assert Worker.objects.get(id_number_hash=keyed_hash(person(27)["id_number"])).occupation == "other"
    # The failed rows as xlsx with a reason column
    out = imports.failed_rows_xlsx(item, __import__("pathlib").Path(__import__("tempfile").mktemp(suffix=".xlsx")))
    ws = load_workbook(out).active
    table = list(ws.values)
    assert table[0][-1] == "原因" and len(table) == 7 and table[1][2] == bad_check


def test_same_file_again_writes_nothing_new(city, staff, django_capture_on_commit_callbacks):
    data = [_row(i) for i in range(30, 40)]
    first = _commit(staff, _upload(staff, city.chengguan, _csv(data), capture=django_capture_on_commit_callbacks),
                    django_capture_on_commit_callbacks)
    assert first.created_memberships == 10
    stamps = dict(Worker.objects.values_list("id", "updated_at"))
    second = _upload(staff, city.chengguan, _csv(data), capture=django_capture_on_commit_callbacks)
    assert second.existing_rows == 10 and second.bad_rows == 0
    second = _commit(staff, second, django_capture_on_commit_callbacks)
    assert second.created_memberships == 0 and second.created_workers == 0
    assert Worker.objects.count() == 10 and Membership.objects.count() == 10
    assert dict(Worker.objects.values_list("id", "updated_at")) == stamps  # not even touched


def test_changed_phone_is_updated_and_member_of_other_union_is_refused(city, staff, make_staff,
                                                                       django_capture_on_commit_callbacks):
    agent = make_staff("agent", city.root, role="hotline_agent")
    elsewhere = apply(agent, 41, region="110108010000", occupation="other")  # applied in 海淀
    assert elsewhere.union == city.zhongguancun
    _commit(staff, _upload(staff, city.chengguan, _csv([_row(40)]), capture=django_capture_on_commit_callbacks),
            django_capture_on_commit_callbacks)
    item = _upload(staff, city.chengguan, _csv([_row(40, phone="13900000001"), _row(41)]),
                   capture=django_capture_on_commit_callbacks)
    assert item.good_rows == 1 and "会员关系转接" in item.rows.get(ok=False).errors
    item = _commit(staff, item, django_capture_on_commit_callbacks)
    assert (item.created_workers, item.created_memberships) == (0, 0)  # updated, not created; already a member
    assert Worker.objects.get(id_number_hash=keyed_hash(person(40)["id_number"])).phone == \
        "13900000001"


def test_xlsx_upload_with_numbers_typed_as_numbers(city, staff, django_capture_on_commit_callbacks):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "手机号"])
    p = person(51)
    ws.append([p["name"], p["id_number"], int(p["phone"])])  # Excel keeps the phone as a number
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    item = _upload(staff, city.chengguan, buf, name="名册.xlsx", capture=django_capture_on_commit_callbacks)
    assert item.good_rows == 1, list(item.rows.values_list("errors", flat=True))


@pytest.mark.parametrize(("name", "content", "message"), [
    ("a.pdf", b"%PDF-1.4", "xlsx或csv"),
    ("a.xlsx", b"PK\x03\x04not really a zip", "无法读取"),
    ("a.csv", "姓名,手机号\n张三,13800138000\n".encode(), "缺少必需的列：身份证号"),
    ("a.csv", b"", "文件为空"),
])
def test_bad_files_are_refused_with_a_message(city, staff, name, content, message):
    with pytest.raises(ValidationFailed) as exc:
        imports.roster_import_create(staff, union_id=city.chengguan.pk, filename=name, fileobj=io.BytesIO(content))
    assert message in exc.value.message and "file" in exc.value.fields
    assert RosterImport.objects.count() == 0


def test_file_over_the_limit_is_refused(city, staff, settings):
    settings.MEMBERS_IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationFailed) as exc:
        imports.roster_import_create(staff, union_id=city.chengguan.pk, filename="a.csv",
                                     fileobj=io.BytesIO(b"x" * 1000))
    assert "上限" in exc.value.message


def test_sibling_district_cannot_import_into_or_commit_our_batch(city, staff, make_staff,
                                                                  django_capture_on_commit_callbacks):
    haidian = make_staff("hd", city.haidian)
    with pytest.raises(NotFound):
        imports.roster_import_create(haidian, union_id=city.chengguan.pk, filename="a.csv",
                                     fileobj=_csv([_row(60)]))
    item = _upload(staff, city.chengguan, _csv([_row(60)]), capture=django_capture_on_commit_callbacks)
    with pytest.raises(NotFound):
        imports.roster_import_commit(haidian, import_id=item.pk)


def test_template_has_the_columns():
    ws = load_workbook(io.BytesIO(imports.template_xlsx())).active
    assert [c.value for c in ws[1]] == [h for _, h, _ in imports.COLUMNS]


def test_a_first_load_inserts_plainly_and_a_worker_who_joined_meanwhile_is_not_doubled(
        city, staff, make_staff, django_capture_on_commit_callbacks):
    """Validation found none of the workers: the commit inserts without the upsert. When one of them applied online
    between the report and the commit, the plain insert hits the keyed-hash index, its savepoint is rolled back and
    the range is upserted: the applicant keeps their one worker row and their application's membership."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    item = _upload(staff, city.chengguan, _csv([_row(i) for i in range(60, 65)]),
                   capture=django_capture_on_commit_callbacks)
    assert item.existing_rows == 0 and item.good_rows == 5
    agent = make_staff("agent", city.root, role="hotline_agent")
    meanwhile = apply(agent, 62, region="110108010000", occupation="other")  # applied in 海淀 after the report
    with CaptureQueriesContext(connection) as queries:
        item = _commit(staff, item, django_capture_on_commit_callbacks)
    assert item.status == "done" and (item.created_workers, item.created_memberships) == (4, 4)
    assert Worker.objects.count() == 5
    assert Worker.objects.get(pk=meanwhile.worker_id).memberships.get().union == city.zhongguancun
    assert Membership.objects.filter(union=city.chengguan, status="admitted").count() == 4
    if connection.vendor == "postgresql":
        statements = [q["sql"] for q in queries.captured_queries if "INSERT INTO members_worker" in q["sql"]]
        assert len(statements) == 2  # the plain insert, refused, then the upsert
        assert "ON CONFLICT" not in statements[0] and "ON CONFLICT" in statements[1]


def test_a_first_load_takes_the_plain_insert(city, staff, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    item = _upload(staff, city.chengguan, _csv([_row(i) for i in range(70, 74)]),
                   capture=django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as queries:
        item = _commit(staff, item, django_capture_on_commit_callbacks)
    assert (item.created_workers, item.created_memberships, item.processed_rows) == (4, 4, 4)
    members = Membership.objects.filter(union=city.chengguan, status="admitted").select_related("worker")
    assert sorted(m.worker.name for m in members) == sorted(person(i)["name"] for i in range(70, 74))
    assert all(m.member_number == f"110111{m.pk:010d}" for m in members)
    if connection.vendor == "postgresql":
        statements = [q["sql"] for q in queries.captured_queries if "INSERT INTO members_worker" in q["sql"]]
        assert len(statements) == 1 and "ON CONFLICT" not in statements[0]
