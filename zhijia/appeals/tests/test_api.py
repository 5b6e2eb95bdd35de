"""The API contract: intake with Idempotency-Key, transitions, errors in the shared shape, rates, the 12345
interface."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from django.test import Client, override_settings

from zhijia.appeals import services
from zhijia.appeals.models import Appeal, DeliveryAttempt, OutboxMessage

pytestmark = pytest.mark.django_db
SECRET = "test-12345-secret"

BODY = {"channel": "hotline_12351", "category": "wage_arrears", "urgency": "urgent", "text": "工地拖欠工资两个月",
        "worker_phone": "13900002222", "worker_id_number": "11010519491231002X", "worker_name": "赵六",
        "region_code": "110111001000"}


def test_intake_answer_has_the_contract_fields(desk, api_client):
    r = api_client.as_user(desk.agent).post("/api/v1/appeals", BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    assert r.status_code == 201, r.content
    data = r.json()
    for key in ("id", "number", "status", "handling_union", "respond_by", "resolve_by"):
        assert key in data
    assert data["status"] == "received" and data["number"].startswith("12351-")
    assert data["respond_by"].endswith("+08:00") and data["resolve_by"].endswith("+08:00")


def test_a_retry_makes_no_second_case_and_a_different_body_is_409(desk, api_client):
    c = api_client.as_user(desk.agent)
    first = c.post("/api/v1/appeals", BODY, HTTP_IDEMPOTENCY_KEY="call-778")
    again = c.post("/api/v1/appeals", BODY, HTTP_IDEMPOTENCY_KEY="call-778")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["number"] == first.json()["number"]
    other = c.post("/api/v1/appeals", BODY | {"text": "另一件事"}, HTTP_IDEMPOTENCY_KEY="call-778")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize("change,field", [
    ({"category": "astrology"}, "category"), ({"channel": "pigeon"}, "channel"), ({"text": ""}, "text"),
    ({"text": "长" * 5000}, "text"), ({"urgency": "soon"}, "urgency"),
])
def test_bad_input_is_a_clear_4xx(desk, api_client, change, field):
    r = api_client.as_user(desk.agent).post("/api/v1/appeals", BODY | change)
    assert 400 <= r.status_code < 500
    body = r.json()
    assert set(body) == {"code", "message", "fields"} and field in body["fields"]
    assert Appeal.objects.count() == 0


def test_transitions_through_the_api(desk, api_client):
    agent = api_client.as_user(desk.agent)
    a = agent.post("/api/v1/appeals", BODY).json()
    r = agent.post(f"/api/v1/appeals/{a['id']}/dispatch", {"union": desk.city.chengguan.pk})
    assert r.status_code == 200 and r.json()["status"] == "dispatched"
    handler = Appeal.objects.get(pk=a["id"]).handler
    h = Client()
    h.force_login(handler)
    post = lambda action, body=None: h.post(f"/api/v1/appeals/{a['id']}/{action}", json.dumps(body or {}),  # noqa: E731
                                            content_type="application/json")
    assert post("accept").json()["status"] == "accepted"
    assert post("wait", {"note": "请补充工资条"}).json()["status"] == "waiting"
    bad = post("close", {"outcome": "resolved"})
    assert bad.status_code == 409 and bad.json()["code"] == "illegal_transition"
    assert post("resume").json()["status"] == "in_progress"
    assert post("answer", {"answer": "已协调发放"}).json()["status"] == "answered"
    assert post("close", {"outcome": "resolved"}).json()["status"] == "closed"
    detail = agent.get(f"/api/v1/appeals/{a['id']}").json()
    assert [e["action"] for e in detail["events"]] == ["receive", "dispatch", "accept", "wait", "resume", "answer",
                                                        "close"]
    assert agent.post(f"/api/v1/appeals/{a['id']}/callback", {"resolved": True, "satisfied": True}).status_code == 200
    assert agent.post(f"/api/v1/appeals/{a['id']}/callback",
                      {"resolved": True, "satisfied": True}).json()["code"] == "already_rated"


def test_the_worker_sees_and_rates_their_own_appeal_only(desk, api_client, make_worker_user, intake):
    a = intake()
    services.appeal_answer(desk.agent, appeal_id=a.pk, answer="已解答", close_now=True)
    mine = api_client.as_user(desk.worker_user)
    assert mine.get("/api/v1/appeals").json()["count"] == 1
    assert mine.post(f"/api/v1/appeals/{a.pk}/callback", {"resolved": True, "satisfied": False}).status_code == 200
    other = Client()
    other.force_login(make_worker_user(2))
    assert other.get(f"/api/v1/appeals/{a.pk}").status_code == 404


def test_rates_endpoint(desk, api_client, intake):
    a = intake()
    services.appeal_answer(desk.agent, appeal_id=a.pk, answer="已解答", close_now=True)
    services.appeal_callback(desk.agent, appeal_id=a.pk, resolved=True, satisfied=True)
    today = dt.date.today()
    r = api_client.as_user(desk.admin).get("/api/v1/appeals/rates", {"union": desk.city.root.pk,
                                                                      "from": str(today - dt.timedelta(days=3)),
                                                                      "to": str(today + dt.timedelta(days=1))})
    assert r.status_code == 200
    d = r.json()
    assert (d["received"], d["responded_in_time"], d["resolved"], d["satisfied"], d["rated"]) == (1, 1, 1, 1, 1)
    assert d["response_rate"] == d["resolution_rate"] == d["satisfaction_rate"] == 1.0
    assert api_client.get("/api/v1/appeals/rates", {"from": "yesterday"}).status_code == 400
    assert api_client.as_user(desk.haidian).get("/api/v1/appeals/rates",
                                                {"union": desk.city.root.pk}).status_code == 404


def test_scope_over_the_api(desk, api_client, intake):
    a = intake()
    services.appeal_dispatch(desk.agent, appeal_id=a.pk, union_id=desk.city.chengguan.pk)
    hd = api_client.as_user(desk.haidian)
    assert hd.get("/api/v1/appeals").json()["count"] == 0
    assert hd.get(f"/api/v1/appeals/{a.pk}").status_code == 404
    assert hd.post(f"/api/v1/appeals/{a.pk}/accept").status_code == 404
    assert api_client.as_user(desk.fangshan).get("/api/v1/appeals").json()["count"] == 1


# --- 12345 -------------------------------------------------------------------------------------------------------
def signed_post(body: dict, *, secret: str = SECRET, ts: int | None = None, sig: str | None = None):
    raw = json.dumps(body, ensure_ascii=False).encode()
    ts = ts or int(time.time())
    sig = sig or hmac.new(secret.encode(), str(ts).encode() + b"." + raw, hashlib.sha256).hexdigest()
    return Client().post("/api/v1/integrations/12345/cases", raw, content_type="application/json",
                         HTTP_X_TIMESTAMP=str(ts), HTTP_X_SIGNATURE=sig)


CASE = {"external_number": "BJ12345-20261120-0099", "received_at": "2026-11-20T09:15:00+08:00",
        "category": "wage_arrears", "urgency": "normal", "text": "外卖平台站点拖欠配送费",
        "worker_phone": "13900003333", "worker_id_number": "11010519491231002X", "worker_name": "钱七",
        "region_code": "110111001000"}


@override_settings(APPEALS_12345_SECRET=SECRET)
def test_a_signed_12345_case_is_received_once(desk):
    r = signed_post(CASE)
    assert r.status_code == 201, r.content
    a = Appeal.objects.get()
    assert a.channel == "hotline_12345" and a.external_number == CASE["external_number"]
    assert a.received_at == dt.datetime.fromisoformat(CASE["received_at"])
    assert a.number.startswith("12345-20261120-")
    # The same case pushed again (new timestamp, new signature) is the same appeal
    time.sleep(1)
    assert signed_post(CASE).json()["id"] == a.pk
    assert Appeal.objects.count() == 1


@override_settings(APPEALS_12345_SECRET=SECRET)
def test_forged_stale_and_replayed_signatures_are_refused(desk):
    assert signed_post(CASE, secret="wrong").status_code == 401
    assert signed_post(CASE, ts=int(time.time()) - 3600).json()["code"] == "stale_timestamp"
    raw = json.dumps(CASE, ensure_ascii=False).encode()
    ts = int(time.time())
    sig = hmac.new(SECRET.encode(), str(ts).encode() + b"." + raw, hashlib.sha256).hexdigest()
    assert signed_post(CASE, ts=ts, sig=sig).status_code == 201
    replay = signed_post(CASE, ts=ts, sig=sig)
    assert replay.status_code == 409 and replay.json()["code"] == "replayed"
    assert Appeal.objects.count() == 1


def test_12345_is_off_without_a_secret(desk):
    assert signed_post(CASE).status_code == 403


@override_settings(APPEALS_12345_SECRET=SECRET)
def test_status_changes_go_back_through_the_outbox_with_backoff(desk):
    signed_post(CASE)
    a = Appeal.objects.get()
    services.appeal_dispatch(desk.agent, appeal_id=a.pk, union_id=desk.city.chengguan.pk)
    assert OutboxMessage.objects.filter(appeal=a).count() == 2  # receive, dispatch
    sent, fail = [], {"on": True}

    def sender(payload):
        if fail["on"]:
            raise ConnectionError("12345 unreachable")
        sent.append(payload)

    now = dt.datetime.now(dt.UTC)
    assert services.outbox_deliver(now=now, sender=sender) == {"delivered": 0, "retried": 2, "failed": 0}
    # Not due again until the backoff has passed (30 s, then 60 s ...)
    assert services.outbox_deliver(now=now + dt.timedelta(seconds=10), sender=sender)["retried"] == 0
    assert services.outbox_deliver(now=now + dt.timedelta(seconds=31), sender=sender)["retried"] == 2
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {2}
    fail["on"] = False
    assert services.outbox_deliver(now=now + dt.timedelta(seconds=200), sender=sender)["delivered"] == 2
    assert [p["status"] for p in sent] == ["received", "dispatched"]
    assert DeliveryAttempt.objects.filter(ok=False).count() == 4
    assert DeliveryAttempt.objects.filter(ok=True).count() == 2


def test_a_worker_submits_only_for_themselves_through_the_app(desk, api_client):
    c = api_client.as_user(desk.worker_user)
    r = c.post("/api/v1/appeals", {"channel": "hotline_12351", "category": "policy", "text": "咨询"})
    assert r.status_code == 400 and "channel" in r.json()["fields"]
    r = c.post("/api/v1/appeals", {"channel": "app", "category": "policy", "text": "咨询", "worker": 999999})
    assert r.status_code == 201 and r.json()["worker"] == desk.worker.pk
