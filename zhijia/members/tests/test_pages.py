"""Pages: staff console and worker pages render what a user needs, and keep to scope."""

import pytest

from zhijia.audit.models import AuditEvent
from zhijia.members import services
from zhijia.members.tests.factories import apply, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(city, make_staff):
    agent = make_staff("agent", city.root, role="hotline_agent")
    fs = make_staff("fs", city.fangshan)
    pending = apply(agent, 120)
    admitted = apply(agent, 121, occupation="other")
    services.application_approve(fs, application_id=admitted.pk)
    return {"fs": fs, "hd": make_staff("hd", city.haidian), "pending": pending, "admitted": admitted}


def test_staff_pages_render(client, setup):
    client.force_login(setup["fs"])
    for url, text in [("/console/members/", "会员数据"), ("/console/members/applications/", "入会审核"),
                      ("/console/members/list/", "会员名册"), ("/console/members/transfers/", "会员关系转接"),
                      ("/console/members/imports/", "花名册导入"), ("/console/members/rules/", "入会分派规则"),
                      ("/console/members/scan/", "电子会员卡验证"),
                      (f"/console/members/applications/{setup['pending'].pk}/", "分派理由")]:
        r = client.get(url)
        assert r.status_code == 200 and text in r.content.decode(), url


def test_queue_shows_age_and_masked_name_and_approve_works(client, setup):
    client.force_login(setup["fs"])
    page = client.get("/console/members/applications/").content.decode()
    name = person(120)["name"]
    assert name not in page and name[0] + "*" in page
    r = client.post(f"/console/members/applications/{setup['pending'].pk}/approve/", follow=True)
    assert "已通过" in r.content.decode()


def test_sibling_district_sees_nothing(client, setup):
    client.force_login(setup["hd"])
    assert "队列为空" in client.get("/console/members/applications/").content.decode()
    assert client.get(f"/console/members/applications/{setup['pending'].pk}/").status_code == 404
    assert "没有会员" in client.get("/console/members/list/").content.decode()


def test_reveal_is_audited(client, setup):
    client.force_login(setup["fs"])
    worker_id = setup["admitted"].worker_id
    r = client.get(f"/console/members/workers/{worker_id}/reveal/")
    assert person(121)["id_number"] in r.content.decode()
    assert AuditEvent.objects.filter(action="view_pii", object_id=str(worker_id)).count() == 1


def test_worker_join_page_submits_and_shows_the_reason(client, city, django_user_model):
    user = django_user_model.objects.create(username="p13600000009", phone="13600000009", role="worker")
    client.force_login(user)
    p = person(130)
    assert "提交入会申请" in client.get("/w/members/join/").content.decode()
    r = client.post("/w/members/join/", {"name": p["name"], "id_number": p["id_number"], "phone": p["phone"],
                                         "occupation": "courier", "district": "110111", "street": "110111001000"},
                    follow=True)
    body = r.content.decode()
    assert "等待审核" in body and city.couriers.name in body and "快递" in body
    r = client.post("/w/members/join/", {"name": p["name"], "id_number": "123", "phone": p["phone"]})
    assert r.status_code == 200  # already applied: the page shows the status, not the form


def test_worker_join_page_shows_field_errors(client, city, django_user_model):
    user = django_user_model.objects.create(username="p13600000010", phone="13600000010", role="worker")
    client.force_login(user)
    r = client.post("/w/members/join/", {"name": "张三", "id_number": "110111199002301234", "phone": "13600000010",
                                         "occupation": "courier", "district": "110111"})
    assert r.status_code == 400 and "出生日期" in r.content.decode()


def test_streets_partial():
    from django.test import Client

    body = Client().get("/w/members/streets/?district=110111").content.decode()
    assert "城关街道" in body


def test_worker_card_transfer_and_leave_pages(client, city, make_staff, django_user_model):
    user = django_user_model.objects.create(username="p13600000011", phone="13600000011", role="worker")
    fs = make_staff("fs2", city.fangshan)
    p = person(131)
    a = services.application_submit(user, name=p["name"], id_number=p["id_number"], phone=p["phone"],
                                    occupation="courier", work_region_code="110111001000")
    services.application_approve(fs, application_id=a.pk)
    client.force_login(user)
    body = client.get("/w/members/card/").content.decode()
    assert "会员编号" in body and "data:image/svg+xml" in body and p["name"] not in body
    # Moving to 海淀: the new work place is routed, and a transfer is asked
    r = client.post("/w/members/transfer/", {"district": "110108", "street": "110108010000", "occupation": "other"},
                    follow=True)
    assert "已申请转入中关村街道总工会" in r.content.decode()
    # 房山 staff and 海淀 staff both see it and confirm from the transfers page
    client.force_login(fs)
    page = client.get("/console/members/transfers/").content.decode()
    assert "中关村街道总工会" in page
    from zhijia.members.models import MembershipTransfer

    t = MembershipTransfer.objects.get()
    client.post(f"/console/members/transfers/{t.pk}/confirm/")
    client.force_login(make_staff("hd2", city.haidian))
    r = client.post(f"/console/members/transfers/{t.pk}/confirm/", follow=True)
    assert "转接已完成" in r.content.decode()
    # The member leaves from the phone
    client.force_login(user)
    r = client.post("/w/members/leave/", {"reason": "回老家"}, follow=True)
    assert "已退会" in r.content.decode()
    assert "申请入会" in client.get("/w/members/card/").content.decode()
