"""English pages: with the language cookie set to English the members pages speak English; without it, Chinese."""

import pytest

from zhijia.members import services
from zhijia.members.tests.factories import apply, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(city, make_staff):
    agent = make_staff("agent", city.root, role="hotline_agent")
    fs = make_staff("fs", city.fangshan)
    return {"fs": fs, "pending": apply(agent, 140)}


@pytest.fixture
def member(city, make_staff, django_user_model):
    user = django_user_model.objects.create(username="p13600000041", phone="13600000041", role="worker")
    p = person(141)
    a = services.application_submit(user, name=p["name"], id_number=p["id_number"], phone=p["phone"],
                                    occupation="courier", work_region_code="110111001000")
    services.application_approve(make_staff("fs3", city.fangshan), application_id=a.pk)
    return user


def test_staff_pages_in_english(client, staff):
    client.force_login(staff["fs"])
    client.cookies["django_language"] = "en"
    body = client.get("/console/members/").content.decode()
    assert "Member data" in body and "Joins per month" in body
    assert "会员数据" not in body and "每月入会" not in body
    body = client.get("/console/members/applications/").content.decode()
    assert "Pending review" in body and "Receiving union" in body and ">Review<" in body
    assert "受理工会" not in body and ">审核<" not in body
    r = client.post(f"/console/members/applications/{staff['pending'].pk}/approve/", follow=True)
    assert "Approved: " in r.content.decode() and "已通过" not in r.content.decode()


def test_staff_pages_stay_chinese_without_the_cookie(client, staff):
    client.force_login(staff["fs"])
    body = client.get("/console/members/").content.decode()
    assert "会员数据" in body and "Member data" not in body
    body = client.get("/console/members/applications/").content.decode()
    assert "受理工会" in body and "Receiving union" not in body


def test_worker_card_page_in_english(client, member):
    client.force_login(member)
    client.cookies["django_language"] = "en"
    body = client.get("/w/members/card/").content.decode()
    assert "Membership card" in body and "Member number" in body and "Valid" in body
    assert "电子会员卡" not in body and "会员编号" not in body
    del client.cookies["django_language"]
    body = client.get("/w/members/card/").content.decode()
    assert "电子会员卡" in body and "会员编号" in body and "Membership card" not in body


def test_worker_join_page_in_english(client, city, django_user_model):
    user = django_user_model.objects.create(username="p13600000042", phone="13600000042", role="worker")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    body = client.get("/w/members/join/").content.decode()
    assert "Submit application" in body and "提交入会申请" not in body


def _chart(body: str) -> dict:
    import json
    import re
    return json.loads(re.search(r'<script type="application/json" id="member-stats">(.*?)</script>', body, re.S)[1])


def test_dashboard_chart_labels_follow_the_language(client, staff):
    client.force_login(staff["fs"])
    client.cookies["django_language"] = "en"
    labels = [o["label"] for o in _chart(client.get("/console/members/").content.decode())["by_occupation"]]
    assert "Courier" in labels and "Food delivery rider" in labels and "快递员" not in labels
    del client.cookies["django_language"]
    chart = _chart(client.get("/console/members/").content.decode())
    assert "快递员" in [o["label"] for o in chart["by_occupation"]]
    assert {o["occupation"] for o in chart["by_occupation"]} >= {"courier", "delivery_rider"}  # codes unchanged
