"""The API contract of issue 4, its errors, and the scope of queues, lists and exports."""

import io

import pytest
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from zhijia.audit.models import AuditEvent
from zhijia.members.tests.factories import apply, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def rider(db):
    from zhijia.accounts.models import User

    return User.objects.create(username="p13700000001", phone="13700000001", role="worker")


def _body(i, **change):
    p = person(i)
    return {"name": p["name"], "id_number": p["id_number"], "phone": p["phone"], "occupation": "courier",
            "work_region_code": "110111001000"} | change


def test_apply_answers_201_with_the_contract_fields(city, api_client, rider):
    r = api_client.as_user(rider).post("/api/v1/members/applications", _body(70))
    assert r.status_code == 201, r.content
    data = r.json()
    assert {"id", "status", "union", "union_name", "routing_reason"} <= set(data)
    assert data["status"] == "pending" and data["union"] == city.couriers.pk
    assert data["union_name"] == city.couriers.name and "快递" in data["routing_reason"]
    # The worker sees their own application, with the reason
    mine = api_client.get("/api/v1/members/applications").json()
    assert mine["items"][0]["routing_reason"] == data["routing_reason"]


def test_second_application_is_409_naming_the_existing_one(city, api_client, rider):
    first = api_client.as_user(rider).post("/api/v1/members/applications", _body(70)).json()
    r = api_client.post("/api/v1/members/applications", _body(70))
    assert r.status_code == 409 and str(first["id"]) in r.json()["message"]
    assert r.json()["code"] == "application_exists"


@pytest.mark.parametrize(("change", "field", "status"), [
    ({"id_number": "110111199002301234"}, "id_number", 400),
    ({"phone": "02012345678"}, "phone", 400),
    ({"occupation": "pilot"}, "occupation", 400),
    ({"work_region_code": None}, "work_region_code", 400),
    ({"name": None}, "name", 422),
])
def test_bad_input_is_a_4xx_naming_the_field(city, api_client, rider, change, field, status):
    body = {k: v for k, v in (_body(71) | change).items() if v is not None}
    r = api_client.as_user(rider).post("/api/v1/members/applications", body)
    assert r.status_code == status and field in r.json()["fields"], r.content


def test_location_only_is_reverse_geocoded(city, api_client, rider):
    body = _body(72) | {"lat": 39.74, "lng": 116.14}
    body.pop("work_region_code")
    r = api_client.as_user(rider).post("/api/v1/members/applications", body)
    assert r.status_code == 201 and r.json()["union"] == city.couriers.pk


def test_queue_approve_reject_reroute(city, api_client, make_staff, rider):
    a = api_client.as_user(rider).post("/api/v1/members/applications", _body(73)).json()
    staff = make_staff("fs", city.fangshan)
    api_client.as_user(staff)
    queue = api_client.get("/api/v1/members/applications").json()
    assert queue["count"] == 1 and queue["items"][0]["age_days"] == 0
    r = api_client.post(f"/api/v1/members/applications/{a['id']}/reroute",
                        {"union": city.chengguan.pk, "reason": "在街道驿站工作"})
    assert r.status_code == 200 and r.json()["union"] == city.chengguan.pk and "改派" in r.json()["routing_reason"]
    r = api_client.post(f"/api/v1/members/applications/{a['id']}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["member_number"]
    r = api_client.post(f"/api/v1/members/applications/{a['id']}/reject", {"reason": "迟了"})
    assert r.status_code == 409
    # The worker's card now verifies
    card = api_client.as_user(rider).get("/api/v1/cards/me").json()
    v = api_client.post("/api/v1/cards/verify", {"token": card["token"]}).json()
    assert v["valid"] and v["member_number"] == r.json().get("member_number", v["member_number"])
    assert v["union_name"] == city.chengguan.name


def test_sibling_district_sees_nothing_of_ours(city, api_client, make_staff, rider):
    a = api_client.as_user(rider).post("/api/v1/members/applications", _body(74)).json()
    fangshan, haidian = make_staff("fs", city.fangshan), make_staff("hd", city.haidian)
    api_client.as_user(fangshan).post(f"/api/v1/members/applications/{a['id']}/approve")
    members = api_client.get("/api/v1/members").json()
    assert members["count"] == 1 and "*" in members["items"][0]["id_number"]
    worker_id = members["items"][0]["worker_id"]
    api_client.as_user(haidian)
    assert api_client.get("/api/v1/members/applications?status=").json()["count"] == 0
    assert api_client.get(f"/api/v1/members/applications/{a['id']}").status_code == 404
    assert api_client.post(f"/api/v1/members/applications/{a['id']}/approve").status_code == 404
    assert api_client.get("/api/v1/members").json()["count"] == 0
    assert api_client.get(f"/api/v1/members/workers/{worker_id}/pii").status_code == 404
    r = api_client.get("/api/v1/members/export")
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.values)
    assert r.status_code == 200 and len(rows) == 1  # the header only
    assert api_client.get("/api/v1/members/stats").json()["members"] == 0


def test_export_is_masked_unless_asked_by_a_pii_role_and_always_audited(city, api_client, make_staff, rider):
    a = api_client.as_user(rider).post("/api/v1/members/applications", _body(75)).json()
    staff = make_staff("fs", city.fangshan)
    api_client.as_user(staff).post(f"/api/v1/members/applications/{a['id']}/approve")
    p = person(75)
    masked = list(load_workbook(io.BytesIO(b"".join(api_client.get("/api/v1/members/export").streaming_content)))
                  .active.values)
    assert masked[1][2] == p["id_number"][:6] + "********" + p["id_number"][-4:]
    full = list(load_workbook(io.BytesIO(b"".join(
        api_client.get("/api/v1/members/export?unmasked=true").streaming_content))).active.values)
    assert full[1][2] == p["id_number"] and full[1][3] == p["phone"]
    reviewer = make_staff("rv", city.root, role="reviewer")
    assert api_client.as_user(reviewer).get("/api/v1/members/export?unmasked=true").status_code == 403
    events = AuditEvent.objects.filter(action="export")
    assert events.count() == 2 and {e.detail["unmasked"] for e in events} == {True, False}


def test_member_list_query_count_does_not_grow(city, api_client, make_staff):
    from zhijia.members import services

    staff = make_staff("fs", city.fangshan)
    agent = make_staff("agent", city.root, role="hotline_agent")
    for i in range(80, 83):
        services.application_approve(staff, application_id=apply(agent, i).pk)
    api_client.as_user(staff)
    from django.db import connection

    with CaptureQueriesContext(connection) as few:
        api_client.get("/api/v1/members")
    for i in range(83, 90):
        services.application_approve(staff, application_id=apply(agent, i).pk)
    with CaptureQueriesContext(connection) as many:
        assert api_client.get("/api/v1/members").json()["count"] == 10
    assert len(many) == len(few)


def test_imports_over_the_api(city, api_client, make_staff):
    staff = make_staff("fs", city.fangshan)
    api_client.as_user(staff)
    p = person(95)
    csv_bytes = f"姓名,身份证号,手机号\n{p['name']},{p['id_number']},{p['phone']}\n坏,123,456\n".encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = api_client.generic("POST", "/api/v1/members/imports", b"", HTTP_AUTHORIZATION=f"Bearer {api_client.token}")
    assert r.status_code in (400, 422)
    from django.test import Client

    c = Client(HTTP_AUTHORIZATION=f"Bearer {api_client.token}")
    r = c.post("/api/v1/members/imports", {"union": city.chengguan.pk,
                                           "file": SimpleUploadedFile("r.csv", csv_bytes)})
    assert r.status_code == 201, r.content
    batch = r.json()
    report = c.get(f"/api/v1/members/imports/{batch['id']}").json()
    assert report["batch"]["status"] in ("validating", "validated")
    r = c.post("/api/v1/members/imports", {"union": city.chengguan.pk,
                                           "file": SimpleUploadedFile("r.csv", "姓名\n张三\n".encode())})
    assert r.status_code == 400 and "身份证号" in r.json()["message"]
    assert c.get("/api/v1/members/imports/template").status_code == 200


def test_card_endpoints_are_public_and_cacheable(city, api_client):
    r = api_client.get("/api/v1/cards/public-key")
    assert r.status_code == 200 and r.json()["keys"][0]["alg"] == "Ed25519" and "max-age" in r["Cache-Control"]
    r = api_client.get("/api/v1/cards/revocations?since=0")
    assert r.status_code == 200 and r.json()["version"] == 0 and r["ETag"]
    r = api_client.post("/api/v1/cards/verify", {"token": "nonsense"})
    assert r.status_code == 200 and r.json()["valid"] is False


def test_revocation_list_is_versioned(city, api_client, make_staff, rider):
    a = api_client.as_user(rider).post("/api/v1/members/applications", _body(96)).json()
    staff = make_staff("fs", city.fangshan)
    number = api_client.as_user(staff).post(f"/api/v1/members/applications/{a['id']}/approve").json()[
        "member_number"]
    token = api_client.as_user(rider).get("/api/v1/cards/me").json()["token"]
    members = api_client.as_user(staff).get("/api/v1/members").json()["items"]
    r = api_client.post(f"/api/v1/members/{members[0]['id']}/card/revoke", {"reason": "手机丢失"})
    version = r.json()["revocation_version"]
    listed = api_client.get("/api/v1/cards/revocations?since=0").json()
    assert listed["version"] == version and listed["revoked"] == [f"{number}-1"]
    assert api_client.get(f"/api/v1/cards/revocations?since={version}").json()["revoked"] == []
    v = api_client.post("/api/v1/cards/verify", {"token": token}).json()
    assert not v["valid"] and v["status"] == "revoked" and "已注销" in v["reason"]


def test_routing_rules_are_editable_by_district_within_its_region(city, api_client, make_staff):
    fs = make_staff("fs", city.fangshan)
    api_client.as_user(fs)
    rule = {"name": "房山货车司机入城关", "strategy": "fixed", "priority": 1, "match_region_prefix": "110111",
            "match_occupation": "truck_driver", "target_union": city.chengguan.pk}
    r = api_client.post("/api/v1/members/routing-rules", rule)
    assert r.status_code == 201, r.content
    r = api_client.get("/api/v1/members/routing/explain?work_region_code=110111002000&occupation=truck_driver")
    assert r.json()["union"] == city.chengguan.pk and "房山货车司机入城关" in r.json()["routing_reason"]
    r = api_client.post("/api/v1/members/routing-rules", rule | {"match_region_prefix": "110108"})
    assert r.status_code in (400, 403)
