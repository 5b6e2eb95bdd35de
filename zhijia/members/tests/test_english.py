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


# --- Messages: refusals and bad input follow the request's language; the stored texts stay Chinese -----------------


def _rider(django_user_model, phone="13600000051"):
    return django_user_model.objects.create(username=f"p{phone}", phone=phone, role="worker")


def _bad_occupation(i: int) -> dict:
    p = person(i)
    return {"name": p["name"], "id_number": p["id_number"], "phone": p["phone"], "occupation": "astronaut",
            "work_region_code": "110111001000"}


def test_api_bad_input_in_english_and_chinese_by_default(city, django_user_model):
    from zhijia.conftest import signed_in

    rider = _rider(django_user_model)
    r = signed_in(rider, "en").post("/api/v1/members/applications", _bad_occupation(150),
                                    content_type="application/json")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid"
    assert body["message"].startswith("Occupation must be: courier")
    assert body["fields"] == {"occupation": body["message"]}
    r = signed_in(rider).post("/api/v1/members/applications", _bad_occupation(150), content_type="application/json")
    assert r.json() == {"code": "invalid", "message": "职业应为：快递员、外卖配送员、网约车司机、货车司机或其他",
                        "fields": {"occupation": "职业应为：快递员、外卖配送员、网约车司机、货车司机或其他"}}


def test_conflict_with_values_in_english(city, make_staff):
    from zhijia.conftest import signed_in

    fs = make_staff("fs5", city.fangshan)
    a = apply(make_staff("agent5", city.root, role="hotline_agent"), 152)
    services.application_approve(fs, application_id=a.pk)
    r = signed_in(fs, "en").post(f"/api/v1/members/applications/{a.pk}/approve")
    assert r.status_code == 409 and r.json()["code"] == "already_decided"
    assert r.json()["message"] == "This application has already been decided (Joined)"
    r = signed_in(fs).post(f"/api/v1/members/applications/{a.pk}/approve")
    assert r.json()["message"] == "该申请已处理（已入会）"
    # A page: the flash message of a refused rejection (no reason), in English
    b = apply(make_staff("agent6", city.root, role="hotline_agent"), 153)
    body = signed_in(fs, "en").post(f"/console/members/applications/{b.pk}/reject/", {"reason": ""},
                                    follow=True).content.decode()
    assert "Please enter the reason for rejection" in body and "请填写驳回理由" not in body


def test_roster_report_in_english_while_the_stored_reasons_stay_chinese(city, make_staff,
                                                                        django_capture_on_commit_callbacks):
    import io

    from zhijia.conftest import signed_in
    from zhijia.members.models import RosterImport

    staff = make_staff("fs6", city.fangshan)
    en = signed_in(staff, "en")
    r = en.post("/api/v1/members/imports", {"union": city.chengguan.pk, "file": io.BytesIO(b"x")}, format="multipart")
    assert r.status_code == 400
    assert r.json()["fields"] == {"file": "Please upload an xlsx or csv file"} and r.json()["code"] == "invalid"

    p, q = person(154), person(155)
    bad_check = p["id_number"][:17] + ("0" if p["id_number"][17] != "0" else "1")
    text = ("姓名,身份证号,手机号,职业,工作单位,工作地行政区划代码\n"
            f"{p['name']},{bad_check},12345,快递员,,\n"
            f"{q['name']},{q['id_number']},{q['phone']},快递员,,\n"
            f"{q['name']},{q['id_number']},{q['phone']},快递员,,\n")
    upload = io.BytesIO(text.encode("utf-8-sig"))
    upload.name = "roster.csv"
    with django_capture_on_commit_callbacks(execute=True):
        r = en.post("/api/v1/members/imports", {"union": city.chengguan.pk, "file": upload})
    assert r.status_code == 201
    item = RosterImport.objects.get(pk=r.json()["id"])
    stored = {row.row_no: row.errors for row in item.rows.filter(ok=False)}
    assert stored == {2: "身份证号：身份证号校验位不正确；手机号：手机号应为11位大陆手机号码",
                      4: "身份证号：与文件中第3行重复"}
    shown = {b["row_no"]: b["errors"] for b in en.get(f"/api/v1/members/imports/{item.pk}").json()["bad_rows"]}
    # The check texts come from core.identity, so the project catalogue's English is the one shown.
    assert shown == {2: "ID number: The check character of the ID card number is wrong; "
                        "Mobile phone: The mobile phone must be an 11-digit mainland China number",
                     4: "ID number: same as row 3 of the file"}
    report = signed_in(staff).get(f"/api/v1/members/imports/{item.pk}").json()
    zh = {b["row_no"]: b["errors"] for b in report["bad_rows"]}
    assert zh == stored
    body = en.get(f"/console/members/imports/{item.pk}/").content.decode()
    assert "ID number: same as row 3 of the file" in body


def test_card_check_reason_in_english():
    from django.test import Client

    c = Client()
    c.cookies["django_language"] = "en"
    r = c.post("/api/v1/cards/verify", {"token": "nonsense"}, content_type="application/json")
    assert r.json()["status"] == "not_a_card" and r.json()["reason"] == "Not a Zhijia membership card"
    r = Client().post("/api/v1/cards/verify", {"token": "nonsense"}, content_type="application/json")
    assert r.json()["reason"] == "不是职工之家电子会员卡"
