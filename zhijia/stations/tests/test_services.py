"""Registry writes, 七有 inspections and follow-ups, check-ins, coverage gaps, import."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook

from zhijia.conftest import require_postgres
from zhijia.core import workcalendar
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhijia.stations import checkin_tokens, selectors, services
from zhijia.stations.models import CheckIn, FollowUp, Station
from zhijia.stations.tests.conftest import FANGSHAN, OFFICE

pytestmark = pytest.mark.django_db

SEVEN = ("site", "sign", "facilities", "publicity", "services", "rules", "results")


def scores(**low):
    return {k: {"score": low.get(k, 8), "note": ""} for k in SEVEN}


# --- Registry -------------------------------------------------------------------------------------------------------


def test_a_station_is_stored_in_wgs84_with_its_district_cells_and_amenity_mask(fangshan_staff, make_station):
    s = make_station(fangshan_staff, amenities=["charger", "drinking_water", "charger"], opening_hours=OFFICE)
    s.refresh_from_db()
    assert (s.lat, s.lng) == FANGSHAN
    assert s.region_code == "110111"
    assert s.amenities == ["charger", "drinking_water"]
    assert s.amenity_mask == 0b10001
    assert s.cell_fine and s.cell_coarse
    assert s.opening_hours["public_holiday"] == "closed"


@pytest.mark.parametrize(("kw", "field"), [
    ({"lat": 116.14, "lng": 39.73}, "lat"),
    ({"lat": 47.9, "lng": 106.9}, "lat"),  # Ulaanbaatar: inside the box, not in China
    ({"amenities": ["sauna"]}, "amenities"),
    ({"kind": "castle"}, "kind"),
    ({"opening_hours": {"weekly": {"mon": [["09:00", "12:00"], ["10:00", "11:00"]]}}}, "opening_hours.weekly.mon"),
    ({"name": " "}, "name"),
])
def test_bad_station_input_is_refused_and_nothing_is_written(fangshan_staff, make_station, kw, field):
    with pytest.raises(ValidationFailed) as exc:
        make_station(fangshan_staff, **kw)
    assert field in exc.value.fields
    assert Station.objects.count() == 0


def test_staff_cannot_create_for_a_sibling_district_nor_edit_its_stations(city, fangshan_staff, haidian_staff,
                                                                          make_station):
    with pytest.raises(ValidationFailed) as exc:
        make_station(fangshan_staff, union=city.haidian)
    assert "union_id" in exc.value.fields
    s = make_station(fangshan_staff)
    with pytest.raises(NotFound):
        services.station_update(haidian_staff, station_id=s.pk, name="改名")


def test_a_duplicate_code_is_a_conflict_naming_the_field(fangshan_staff, make_station):
    make_station(fangshan_staff, code="FS-1")
    with pytest.raises(Conflict) as exc:
        make_station(fangshan_staff, code="FS-1")
    assert "code" in exc.value.fields


def test_update_moves_the_station_and_its_cells(fangshan_staff, make_station):
    s = make_station(fangshan_staff)
    old = s.cell_fine
    s = services.station_update(fangshan_staff, station_id=s.pk, lat=39.80, lng=116.05)
    assert s.cell_fine != old and s.region_code == "110111"


# --- 七有 inspections ---------------------------------------------------------------------------------------------


def test_a_failed_inspection_opens_one_follow_up_with_a_working_day_deadline(fangshan_staff, make_station):
    s = make_station(fangshan_staff)
    today = timezone.localdate()
    first = services.inspection_record(fangshan_staff, station_id=s.pk, inspected_on=today,
                                       items=scores(sign=3, rules=5))
    assert not first.passed and first.total_score == 8 * 5 + 3 + 5
    follow_up = FollowUp.objects.get(station=s)
    assert follow_up.failed_items == ["sign", "rules"]
    assert follow_up.deadline == workcalendar.add_workdays(today, 10)
    services.inspection_record(fangshan_staff, station_id=s.pk, inspected_on=today, items=scores(site=2))
    follow_up.refresh_from_db()
    assert FollowUp.objects.filter(station=s).count() == 1
    assert follow_up.failed_items == ["site", "sign", "rules"]
    passed = services.inspection_record(fangshan_staff, station_id=s.pk, inspected_on=today, items=scores())
    assert passed.passed and FollowUp.objects.filter(station=s).count() == 1


def test_a_follow_up_is_resolved_once_and_overdue_ones_are_listed(fangshan_staff, make_station):
    s = make_station(fangshan_staff)
    services.inspection_record(fangshan_staff, station_id=s.pk, inspected_on=timezone.localdate(),
                               items=scores(results=0))
    follow_up = FollowUp.objects.get()
    FollowUp.objects.filter(pk=follow_up.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    assert [f.pk for f in selectors.follow_up_list(user=fangshan_staff, overdue=True)] == [follow_up.pk]
    with pytest.raises(ValidationFailed):
        services.follow_up_resolve(fangshan_staff, follow_up_id=follow_up.pk, resolution=" ")
    services.follow_up_resolve(fangshan_staff, follow_up_id=follow_up.pk, resolution="已补挂标识牌")
    assert not selectors.follow_up_list(user=fangshan_staff, overdue=True).exists()
    with pytest.raises(Conflict):
        services.follow_up_resolve(fangshan_staff, follow_up_id=follow_up.pk, resolution="再次")


@pytest.mark.parametrize(("items", "field"), [
    ({k: {"score": 8} for k in SEVEN[:6]}, "items.results"),
    (scores(site=11), "items.site"),
    ({**scores(), "extra": {"score": 1}}, "items.extra"),
])
def test_incomplete_or_out_of_range_inspections_are_refused(fangshan_staff, make_station, items, field):
    s = make_station(fangshan_staff)
    with pytest.raises(ValidationFailed) as exc:
        services.inspection_record(fangshan_staff, station_id=s.pk, inspected_on=timezone.localdate(), items=items)
    assert field in exc.value.fields


def test_only_district_staff_inspect(city, fangshan_staff, make_staff, make_station):
    s = make_station(fangshan_staff)
    grassroots = make_staff("gr", city.fangshan, role="grassroots_staff")
    with pytest.raises(PermissionDenied):
        services.inspection_record(grassroots, station_id=s.pk, inspected_on=timezone.localdate(), items=scores())


# --- Check-ins -------------------------------------------------------------------------------------------------------


def test_a_scan_records_one_visit_per_half_hour(fangshan_staff, make_station, make_worker_user):
    s = make_station(fangshan_staff)
    worker = make_worker_user(1)
    token = checkin_tokens.token_for(s.pk, s.qr_version)
    at = dt.datetime(2026, 11, 23, 12, 5, tzinfo=dt.UTC)
    first, created = services.check_in_record(worker, token=token, at=at)
    again, created_again = services.check_in_record(worker, token=token, at=at + dt.timedelta(minutes=10))
    later, _ = services.check_in_record(worker, token=token, at=at + dt.timedelta(hours=2))
    assert created and not created_again and again.pk == first.pk and later.pk != first.pk
    assert (first.day, first.hour) == (dt.date(2026, 11, 23), 20)  # Beijing time


@pytest.mark.parametrize("forge", [
    lambda s: f"s1.{s.pk + 1}.1." + checkin_tokens.token_for(s.pk, 1).rsplit(".", 1)[1],  # another station's id
    lambda s: checkin_tokens.token_for(s.pk, 1)[:-2] + "AA",  # altered signature
    lambda s: str(s.pk),  # the bare id
    lambda s: "",
])
def test_forged_tokens_are_refused(fangshan_staff, make_station, make_worker_user, forge):
    s = make_station(fangshan_staff)
    make_station(fangshan_staff)
    with pytest.raises(ValidationFailed) as exc:
        services.check_in_record(make_worker_user(2), token=forge(s))
    assert exc.value.code == "bad_token"
    assert CheckIn.objects.count() == 0


def test_a_reissued_qr_voids_the_old_print(fangshan_staff, make_station, make_worker_user):
    s = make_station(fangshan_staff)
    old = checkin_tokens.token_for(s.pk, s.qr_version)
    s = services.station_qr_reissue(fangshan_staff, station_id=s.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.check_in_record(make_worker_user(3), token=old)
    assert exc.value.code == "stale_token"
    services.check_in_record(make_worker_user(4), token=checkin_tokens.token_for(s.pk, s.qr_version))


def test_visits_per_day_and_busiest_hours(fangshan_staff, make_station, make_worker_user):
    s = make_station(fangshan_staff)
    token = checkin_tokens.token_for(s.pk, s.qr_version)
    now = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=8))).replace(minute=10, second=0)
    for i in range(3):
        services.check_in_record(make_worker_user(10 + i), token=token, at=now)
    services.check_in_record(make_worker_user(20), token=token, at=now - dt.timedelta(days=1))
    days = selectors.visits_by_day(user=fangshan_staff, station_id=s.pk, days=7)
    assert [d["visits"] for d in days][-2:] == [1, 3]
    by_hour = selectors.busiest_hours(user=fangshan_staff, station_id=s.pk)
    assert by_hour[now.hour]["visits"] == 4
    assert selectors.visit_heat(user=fangshan_staff)[0]["visits"] == 4


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_racing_scans_of_one_worker_count_once(city, make_staff, make_worker_user):
    require_postgres()
    staff = make_staff("fs_race", city.fangshan)
    s = services.station_create(staff, union_id=city.fangshan.pk, name="并发驿站", kind="warm_station",
                                address="良乡", lat=FANGSHAN[0], lng=FANGSHAN[1], opening_hours={"always": True})
    worker = make_worker_user(30)
    token = checkin_tokens.token_for(s.pk, s.qr_version)
    at = timezone.now()
    barrier = threading.Barrier(6)
    results, errors = [], []

    def scan():
        try:
            barrier.wait()
            results.append(services.check_in_record(worker, token=token, at=at))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert CheckIn.objects.filter(station=s).count() == 1
    assert sum(created for _, created in results) == 1
    assert len({c.pk for c, _ in results}) == 1


# --- Coverage gaps ---------------------------------------------------------------------------------------------------


def test_coverage_ranks_cells_with_most_workers_and_no_station_in_reach(city, fangshan_staff, make_station,
                                                                        make_worker_user):
    from zhijia.members.models import Worker

    make_station(fangshan_staff, lat=39.7353, lng=116.1392)

    def place(i, lat, lng, occupation="courier"):
        user = make_worker_user(i, union=city.couriers, occupation=occupation)
        Worker.objects.filter(user=user).update(work_lat=lat, work_lng=lng)

    place(101, 39.7360, 116.1395)  # 80 m from the station: covered
    for i in range(3):
        place(110 + i, 39.6500, 116.0000)  # ~15 km away: the biggest gap
    place(120, 39.8000, 116.2500)  # a smaller gap
    place(121, 39.8000, 116.2500, occupation="other")  # not a gig worker: not counted
    make_worker_user(130, union=city.couriers, occupation="courier")  # region code only: unplaced
    result = selectors.coverage_gaps(user=fangshan_staff)
    assert [g["workers"] for g in result["gaps"]] == [3, 1]
    assert result["workers_covered"] == 1 and result["workers_in_gaps"] == 4
    assert result["workers_unplaced"] == 1
    assert result["gaps"][0]["district_code"] == "110111"
    # A longer reach (20 km) covers every cell.
    assert selectors.coverage_gaps(user=fangshan_staff, reach_m=20000)["gap_cells"] == 0


def test_coverage_counts_check_ins_at_a_closed_station_as_a_gap(fangshan_staff, make_station, make_worker_user):
    s = make_station(fangshan_staff)
    services.check_in_record(make_worker_user(140), token=checkin_tokens.token_for(s.pk, s.qr_version))
    assert selectors.coverage_gaps(user=fangshan_staff)["gap_cells"] == 0
    services.station_update(fangshan_staff, station_id=s.pk, status="closed")
    gaps = selectors.coverage_gaps(user=fangshan_staff)["gaps"]
    assert [g["workers"] for g in gaps] == [1]


# --- Import ----------------------------------------------------------------------------------------------------------


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["站点编号", "名称", "类型", "承载场所", "地址", "纬度", "经度", "开放时间", "配备物品", "联系电话"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


IMPORT_ROWS = [
    ["FS-001", "良乡加油站驿站", "职工暖心驿站", "加油站", "良乡", 39.7353, 116.1392, "24小时", "直饮水、微波炉",
     "010-1234"],
    ["FS-002", "坐标反了", "职工暖心驿站", "加油站", "良乡", 116.1392, 39.7353, "24小时", "", ""],
    ["FS-003", "未知物品", "职工暖心驿站", "超市", "良乡", 39.74, 116.14, "24小时", "桑拿", ""],
    ["FS-004", "时间重叠", "职工之家", "企业", "良乡", 39.74, 116.14, "周一 08:00-12:00,11:00-13:00", "", ""],
    ["FS-001", "重复编号", "职工之家", "企业", "良乡", 39.74, 116.14, "24小时", "", ""],
    ["FS-005", "书店书屋", "职工书屋", "书店", "良乡", 39.75, 116.15, "周一至周五 09:00-21:00；节假日 休息", "休憩座椅",
     ""],
]


def test_import_reports_every_row_and_writes_the_good_ones_once(fangshan_staff):
    content = _xlsx(IMPORT_ROWS)
    preview = services.station_import(fangshan_staff, union_id=fangshan_staff.union_id, content=content,
                                      dry_run=True)
    assert (preview["ok"], preview["failed"]) == (2, 4) and Station.objects.count() == 0
    report = services.station_import(fangshan_staff, union_id=fangshan_staff.union_id, content=content)
    by_row = {r["row"]: r for r in report["report"]}
    assert by_row[2]["action"] == "create" and by_row[7]["action"] == "create"
    assert "lat" in by_row[3]["fields"]
    assert "amenities" in by_row[4]["fields"]
    assert any("重叠" in m for m in by_row[5]["fields"].values())
    assert "第2行" in by_row[6]["fields"]["code"]
    assert Station.objects.count() == 2
    assert Station.objects.get(code="FS-001").amenities == ["drinking_water", "microwave"]
    again = services.station_import(fangshan_staff, union_id=fangshan_staff.union_id, content=content)
    assert {r["action"] for r in again["report"] if r["ok"]} == {"update"}
    assert Station.objects.count() == 2


def test_import_refuses_a_file_that_is_not_a_spreadsheet(fangshan_staff):
    with pytest.raises(ValidationFailed) as exc:
        services.station_import(fangshan_staff, union_id=fangshan_staff.union_id, content=b"not a sheet")
    assert "file" in exc.value.fields
