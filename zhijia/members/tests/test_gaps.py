"""What was missing or half-done in issue 4: the card issued at admission, a transfer asked by the receiving union,
staff filing an application on a worker's behalf from the console, where the worker lives, the failed-rows file as an
audited export, and e-card key rotation by command."""

import base64
import csv
import datetime as dt
import io
import os

import pytest
from django.core.management import call_command

from zhijia.audit.models import AuditEvent
from zhijia.core.errors import NotFound, ValidationFailed
from zhijia.members import cards, imports, services
from zhijia.members.models import CardStatus, MemberCard, Membership, MembershipApplication, MembershipTransfer
from zhijia.members.tests.factories import apply, person

pytestmark = pytest.mark.django_db


def test_admission_issues_the_first_card(city, make_staff):
    agent = make_staff("agent", city.root, role="hotline_agent")
    staff = make_staff("fangshan", city.fangshan)
    a = apply(agent, 200)
    services.application_approve(staff, application_id=a.pk)
    card = MemberCard.objects.get(membership=a.membership)
    assert card.generation == 1 and card.status == CardStatus.ACTIVE and card.issue_reason == "入会发卡"


def test_transfer_completion_revokes_the_old_card_and_issues_one_for_the_new_union(city, make_staff,
                                                                                     make_worker_user):
    user = make_worker_user(201, union=city.couriers)
    old = services.card_current(user)
    fs, hd = make_staff("fangshan", city.fangshan), make_staff("haidian", city.haidian)
    t = services.transfer_request(fs, membership_id=old.membership_id, to_union_id=city.zhongguancun.pk)
    services.transfer_confirm(hd, transfer_id=t.pk)
    t.refresh_from_db()
    new = MemberCard.objects.get(membership=t.new_membership)
    assert MemberCard.objects.get(pk=old.pk).status == CardStatus.REVOKED and new.status == CardStatus.ACTIVE
    assert cards.card_view(new)["union_name"] == city.zhongguancun.name


def test_receiving_union_asks_for_a_member_by_id_number(city, make_staff, make_worker_user, client):
    # Given a member of 房山's courier union, whom 海淀 cannot see
    user = make_worker_user(202, union=city.couriers)
    m = Membership.objects.get(worker__user=user)
    hd = make_staff("haidian", city.haidian)
    # When 海淀 asks to take them in, naming them by ID number on the transfers page
    client.force_login(hd)
    r = client.post("/console/members/transfers/", {"id_number": person(202)["id_number"],
                                                    "to_union": city.zhongguancun.pk, "reason": "在海淀跑单"},
                    follow=True)
    assert "已申请转入" in r.content.decode()
    t = MembershipTransfer.objects.get(membership=m)
    # Then the receiving side has confirmed by asking, the sending side still must
    assert t.to_confirmed_at and not t.from_confirmed_at and t.to_union == city.zhongguancun
    assert AuditEvent.objects.filter(object_type="members.membershiptransfer", object_id=str(t.pk)).exists()
    # ... and 房山 sees it in its list
    client.force_login(make_staff("fangshan", city.fangshan))
    assert city.zhongguancun.name in client.get("/console/members/transfers/").content.decode()


def test_transfer_by_id_number_refuses_non_members_wrong_digits_and_outsiders(city, make_staff, make_worker_user):
    make_worker_user(203, union=city.couriers)
    hd = make_staff("haidian", city.haidian)
    with pytest.raises(ValidationFailed) as e:
        services.transfer_request(hd, id_number=person(299)["id_number"], to_union_id=city.zhongguancun.pk)
    assert "id_number" in e.value.fields
    with pytest.raises(ValidationFailed):
        services.transfer_request(hd, id_number="110111199002301234", to_union_id=city.zhongguancun.pk)
    # 海淀 cannot move a 房山 member into another 房山 union: neither side is theirs
    with pytest.raises(NotFound):
        services.transfer_request(hd, id_number=person(203)["id_number"], to_union_id=city.chengguan.pk)
    assert not MembershipTransfer.objects.exists()


def test_api_transfer_by_id_number(api_client, city, make_staff, make_worker_user):
    make_worker_user(204, union=city.couriers)
    api_client.as_user(make_staff("haidian", city.haidian))
    r = api_client.post("/api/v1/members/transfers", {"id_number": person(204)["id_number"],
                                                       "to_union": city.zhongguancun.pk})
    assert r.status_code == 201, r.content
    assert r.json()["to_union"] == city.zhongguancun.pk


def test_staff_file_an_application_for_a_worker_from_the_console(client, city, make_staff):
    agent = make_staff("agent", city.root, role="hotline_agent")
    client.force_login(agent)
    p = person(205)
    body = {"name": p["name"], "id_number": p["id_number"], "phone": p["phone"], "occupation": "courier",
            "district": "110111", "street": "110111001000", "home_district": "110108"}
    r = client.post("/console/members/applications/new/", body, follow=True)
    html = r.content.decode()
    assert r.status_code == 200 and "已代为提交入会申请" in html and city.couriers.name in html
    a = MembershipApplication.objects.get()
    assert a.channel == "staff" and a.union == city.couriers and a.worker.home_region_code == "110108"
    assert AuditEvent.objects.filter(object_type="members.membershipapplication", object_id=str(a.pk)).exists()
    # Bad input: the field is named, nothing written
    r = client.post("/console/members/applications/new/", body | {"id_number": "110111199002301234"})
    assert r.status_code == 400 and "出生日期" in r.content.decode()
    assert MembershipApplication.objects.count() == 1


def test_reviewers_cannot_file_applications(client, city, make_staff):
    client.force_login(make_staff("reviewer", city.root, role="reviewer"))
    assert client.get("/console/members/applications/new/").status_code == 403


def test_the_join_page_records_where_the_worker_lives(client, city, django_user_model):
    user = django_user_model.objects.create(username="p13700000009", phone="13700000009", role="worker")
    client.force_login(user)
    p = person(206)
    r = client.post("/w/members/join/", {"name": p["name"], "id_number": p["id_number"], "phone": p["phone"],
                                         "occupation": "delivery_rider", "district": "110111",
                                         "home_district": "110108"})
    assert r.status_code == 302
    assert MembershipApplication.objects.get().worker.home_region_code == "110108"


def test_failed_rows_download_is_an_audited_export_for_importing_roles_only(client, city, make_staff,
                                                                             django_capture_on_commit_callbacks):
    staff = make_staff("fangshan", city.fangshan)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(("姓名", "身份证号", "手机号", "职业", "工作单位", "工作地行政区划代码"))
    w.writerow(("某人", "110111199002301234", "13800000000", "快递员", "", ""))
    with django_capture_on_commit_callbacks(execute=True):
        item = imports.roster_import_create(staff, union_id=city.chengguan.pk, filename="r.csv",
                                            fileobj=io.BytesIO(buf.getvalue().encode("utf-8-sig")))
    client.force_login(staff)
    r = client.get(f"/console/members/imports/{item.pk}/failed-rows/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    event = AuditEvent.objects.get(action="export", object_type="members.rosterimport")
    assert event.detail == {"failed_rows": 1, "unmasked": True}
    # A hotline agent (not an importing role) cannot download the unmasked rows
    client.force_login(make_staff("agent", city.root, role="hotline_agent"))
    assert client.get(f"/console/members/imports/{item.pk}/failed-rows/").status_code == 403


def test_card_key_rotation_command_on_the_embedded_key_file(settings, tmp_path, city, make_worker_user):
    settings.CARD_KEYS = ""
    settings.VAR_DIR = tmp_path
    user = make_worker_user(207, union=city.couriers)
    old_token = cards.card_token_for(services.card_current(user))
    old_kid = cards.public_keys()[0]["kid"]
    call_command("card_key_rotate", "--kid", "k2", stdout=io.StringIO())
    assert [k["kid"] for k in cards.public_keys()] == ["k2", old_kid]
    assert oct((tmp_path / "card_keys.json").stat().st_mode)[-3:] == "600"
    assert cards.card_token_check(old_token).valid  # cards already shown keep verifying
    new_token = cards.card_token_sign(member_number="1", name="张三", union_name="x",
                                      expires=dt.date.today() + dt.timedelta(days=1))
    assert cards.card_token_check(new_token).payload["k"] == "k2"
    call_command("card_key_rotate", "--drop", old_kid, stdout=io.StringIO())
    assert cards.card_token_check(old_token).status == "unknown_key"


def test_card_key_rotation_command_with_the_environment_prints_only_the_new_entry(settings):
    seed = base64.urlsafe_b64encode(os.urandom(32)).decode()
    settings.CARD_KEYS = f"k1:{seed}"
    out = io.StringIO()
    call_command("card_key_rotate", "--kid", "k2", stdout=out)
    text = out.getvalue()
    assert "k2:" in text and seed.rstrip("=") not in text
