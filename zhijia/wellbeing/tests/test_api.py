import datetime as dt

import pytest
from django.utils import timezone

from zhijia.audit.models import AuditEvent
from zhijia.volunteers import services as vservices
from zhijia.wellbeing import services
from zhijia.wellbeing.models import Assessment, Booking


def test_assessment_contract_and_crisis(api_client, worker):
    r = api_client.as_user(worker).post("/api/v1/wellbeing/assessments",
                                        {"scale": "phq9", "answers": [1, 1, 1, 1, 1, 1, 1, 1, 1]})
    assert r.status_code == 201
    body = r.json()
    assert (body["score"], body["band"], body["crisis"]) == (9, "mild", True)
    assert any(h["number"] == "12356" for h in body["hotlines"])
    assert api_client.get(f"/api/v1/wellbeing/assessments/{body['id']}").json()["score"] == 9


@pytest.mark.parametrize(("payload", "field"), [
    ({"scale": "phq9", "answers": [0] * 8}, "answers"),
    ({"scale": "gad7", "answers": [0, 0, 0, 0, 0, 0, 9]}, "answers"),
    ({"scale": "bdi", "answers": [0] * 9}, "scale"),
    ({"scale": "gad7"}, "answers"),
])
def test_assessment_bad_input_is_a_4xx_naming_the_field(api_client, worker, payload, field):
    r = api_client.as_user(worker).post("/api/v1/wellbeing/assessments", payload)
    assert 400 <= r.status_code < 500
    assert field in r.json()["fields"]
    assert Assessment.objects.count() == 0


def test_anonymous_assessment_needs_no_sign_in_and_stores_no_ip(api_client, db):
    r = api_client.post("/api/v1/wellbeing/assessments", {"scale": "gad7", "answers": [3] * 7, "anonymous": True},
                        REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 201 and r.json()["band"] == "severe" and r.json()["id"] is None
    a = Assessment.objects.get()
    assert a.worker_id is None and a.union_id is None
    assert not AuditEvent.objects.filter(ip="10.1.2.3").exists()
    assert not AuditEvent.objects.filter(object_type="wellbeing.assessment").exists()


def test_anonymous_flag_even_when_signed_in(api_client, worker):
    r = api_client.as_user(worker).post("/api/v1/wellbeing/assessments",
                                        {"scale": "phq9", "answers": [0] * 8 + [1], "anonymous": True})
    assert r.json()["crisis"] is True
    assert Assessment.objects.get().worker_id is None


def test_slots_and_booking_201_then_409(api_client, worker, slot, city, make_worker_user):
    slots = api_client.as_user(worker).get("/api/v1/wellbeing/slots").json()
    assert [s["id"] for s in slots["items"]] == [slot.pk]
    assert api_client.post("/api/v1/wellbeing/bookings", {"slot": slot.pk}).status_code == 201
    other = make_worker_user(2, union=city.community)
    r = api_client.as_user(other).post("/api/v1/wellbeing/bookings", {"slot": slot.pk})
    assert r.status_code == 409 and "slot" in r.json()["fields"]
    assert api_client.get("/api/v1/wellbeing/slots").json()["count"] == 0
    assert Booking.objects.count() == 1


def test_booking_a_past_or_unknown_slot_is_a_4xx(api_client, worker, slot):
    slot.starts_at = timezone.now() - dt.timedelta(minutes=1)
    slot.save()
    r = api_client.as_user(worker).post("/api/v1/wellbeing/bookings", {"slot": slot.pk})
    assert r.status_code == 400 and "slot" in r.json()["fields"]
    r = api_client.post("/api/v1/wellbeing/bookings", {"slot": 999999})
    assert r.status_code == 400 and "slot" in r.json()["fields"]
    assert Booking.objects.count() == 0


def test_notes_only_for_their_counsellor(api_client, worker, slot, counsellor, staff):
    booking = services.booking_create(worker, slot_id=slot.pk)
    slot.starts_at, slot.ends_at = timezone.now() - dt.timedelta(hours=1), timezone.now()
    slot.save()
    c = api_client.as_user(counsellor.user)
    assert c.post(f"/api/v1/wellbeing/bookings/{booking.pk}/outcome", {"outcome": "attended"}).status_code == 200
    r = c.generic("PUT", f"/api/v1/wellbeing/bookings/{booking.pk}/note", '{"body": "谈及睡眠问题"}',
                  content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {c.token}")
    assert r.status_code == 200
    assert c.get(f"/api/v1/wellbeing/bookings/{booking.pk}/note").json()["body"] == "谈及睡眠问题"
    for reader in (worker, staff.fangshan, staff.admin):
        assert api_client.as_user(reader).get(f"/api/v1/wellbeing/bookings/{booking.pk}/note").status_code == 404
    w = api_client.as_user(worker)
    assert w.post(f"/api/v1/wellbeing/bookings/{booking.pk}/rating", {"rating": 5}).json()["rating"] == 5


def test_district_admin_sees_only_anonymised_counts(api_client, worker, staff, city, make_worker_user):
    a = services.assessment_submit(worker, scale="phq9", answers=[2] * 9)
    fs = api_client.as_user(staff.fangshan)
    assert fs.get(f"/api/v1/wellbeing/assessments/{a.pk}").status_code in (403, 404)
    assert fs.get("/api/v1/wellbeing/assessments").status_code in (403, 404)
    report = fs.get("/api/v1/wellbeing/report").json()
    assert report["assessments_by_band"][0]["count"] == 1
    assert worker.display_name not in str(report)


def test_sibling_district_sees_nothing_in_list_detail_and_export(api_client, city, staff, worker, counsellor):
    services.assessment_submit(worker, scale="phq9", answers=[1] * 8 + [2])
    v = vservices.volunteer_register(worker, skills=["秩序维持"])
    start = timezone.now()
    d = vservices.deployment_create(staff.fangshan, title="下沉", batch=1, place="某社区", starts_at=start,
                                    ends_at=start + dt.timedelta(hours=8), volunteers=[v.pk])
    fs, hd = api_client.as_user(staff.fangshan), None
    assert fs.get("/api/v1/volunteers/deployments").json()["count"] == 1
    assert fs.get("/api/v1/wellbeing/crisis-flags").json()["count"] == 1
    from django.test import Client

    from zhijia.accounts.services import api_token_issue

    hd = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=staff.haidian)[0]}")
    assert hd.get("/api/v1/volunteers/deployments").json()["count"] == 0
    assert hd.get(f"/api/v1/volunteers/deployments/{d.pk}").status_code == 404
    assert hd.get("/api/v1/volunteers").json()["count"] == 0
    assert hd.get("/api/v1/wellbeing/crisis-flags").json()["count"] == 0
    assert hd.get("/api/v1/volunteers/stats").json() == {"batches": 0, "person_times": 0, "hours": 0.0,
                                                         "volunteers": 0, "per_union": []}
    report = hd.get("/api/v1/wellbeing/report").json()
    assert report["assessments_by_band"] == [] and report["crisis_flags"]["raised"] == 0
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(hd.get("/api/v1/wellbeing/report.xlsx").content))
    assert wb["测评分级"].max_row == 1  # header only
    assert [c.value for c in list(wb["志愿服务"].rows)[-1]] == ["合计", 0, 0, 0]
    wb = load_workbook(BytesIO(fs.get("/api/v1/wellbeing/report.xlsx").content))
    assert wb["测评分级"].max_row == 2
    assert AuditEvent.objects.filter(action="export", actor=staff.haidian).exists()


def test_volunteer_deployment_contract_and_stats(api_client, staff, worker, city, make_worker_user):
    v1 = vservices.volunteer_register(worker, skills=["卫生消杀"])
    v2 = vservices.volunteer_register(make_worker_user(2, union=city.chengguan), skills=[])
    fs = api_client.as_user(staff.fangshan)
    r = fs.post("/api/v1/volunteers/deployments", {
        "title": "支援核酸检测", "batch": 1, "place": "建西社区", "starts_at": "2022-10-28T08:00:00+08:00",
        "ends_at": "2022-10-28T20:00:00+08:00", "volunteers": [v1.pk, v2.pk]})
    assert r.status_code == 201 and r.json()["person_times"] == 2
    bad = fs.post("/api/v1/volunteers/deployments", {
        "title": "x", "batch": 1, "place": "p", "starts_at": "2022-10-28T08:00:00+08:00",
        "ends_at": "2022-10-28T07:00:00+08:00", "volunteers": [v1.pk]})
    assert bad.status_code == 400 and "ends_at" in bad.json()["fields"]
    stats = fs.get("/api/v1/volunteers/stats").json()
    assert (stats["batches"], stats["person_times"], stats["hours"]) == (1, 2, 0.0)


def test_sign_out_before_sign_in_via_api(api_client, staff, worker):
    v = vservices.volunteer_register(worker, skills=[])
    now = timezone.now()
    vservices.deployment_create(staff.fangshan, title="x", batch=1, place="p", starts_at=now - dt.timedelta(hours=1),
                                ends_at=now + dt.timedelta(hours=5), volunteers=[v.pk])
    w = api_client.as_user(worker)
    shift = w.get("/api/v1/volunteers/shifts/mine").json()[0]
    r = w.post(f"/api/v1/volunteers/shifts/{shift['id']}/sign-out")
    assert r.status_code == 400 and "shift" in r.json()["fields"]
    assert w.post(f"/api/v1/volunteers/shifts/{shift['id']}/sign-in").json()["signed_in_at"]


def test_quick_consultation_wait_shown(api_client, worker, counsellor):
    w = api_client.as_user(worker)
    r = w.post("/api/v1/wellbeing/consultations", {"topic": "压力大"})
    assert r.status_code == 201 and r.json()["position"] == 1 and r.json()["estimated_minutes"] >= 1
    c = api_client.__class__().as_user(counsellor.user)
    taken = c.post("/api/v1/wellbeing/consultations/take")
    assert taken.status_code == 200 and taken.json()["topic"] == "压力大"
    mine = w.get("/api/v1/wellbeing/consultations/mine").json()
    assert mine["status"] == "taken" and mine["counsellor_name"] == counsellor.name


def test_assessment_with_a_bad_token_is_refused_not_silently_anonymous(api_client, db):
    r = api_client.post("/api/v1/wellbeing/assessments", {"scale": "gad7", "answers": [0] * 7},
                        HTTP_AUTHORIZATION="Bearer not-a-token")
    assert r.status_code == 401
    assert not Assessment.objects.exists()


def test_session_assessment_needs_the_csrf_token(worker):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(worker)
    r = c.post("/api/v1/wellbeing/assessments", {"scale": "gad7", "answers": [0] * 7},
               content_type="application/json")
    assert r.status_code == 403
    assert not Assessment.objects.exists()


def test_slot_list_query_count_does_not_grow_with_rows(api_client, worker, counsellor, django_assert_max_num_queries):
    for h in range(30):
        services.slot_publish(counsellor.user, starts_at=timezone.now() + dt.timedelta(days=1, hours=h),
                              mode="phone")
    c = api_client.as_user(worker)
    with django_assert_max_num_queries(4):
        r = c.get("/api/v1/wellbeing/slots?page_size=50")
    assert r.json()["count"] == 30
