"""The API contract: creating offers, claiming with Idempotency-Key, the error shape, scope, the draw publication."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhijia.benefits import services


def _iso(d):
    return d.isoformat()


def test_staff_creates_offer_and_worker_claims(api_client, staff, members, settings):
    settings.BENEFITS_GATE = "db"
    now = timezone.now()
    resp = api_client.as_user(staff).post("/api/v1/benefits", {
        "title": "北京动物园年票", "kind": "pass", "units": 2, "per_member_limit": 1, "mode": "fcfs",
        "release_at": _iso(now - dt.timedelta(minutes=1)), "closes_at": _iso(now + dt.timedelta(days=1))})
    assert resp.status_code == 201, resp.json()
    offer_id = resp.json()["id"]
    worker = api_client.__class__().as_user(members(1))
    first = worker.post(f"/api/v1/benefits/{offer_id}/claims", {}, HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201
    body = first.json()
    assert body["status"] == "confirmed" and body["redemption_code"] and body["claim_id"]
    again = worker.post(f"/api/v1/benefits/{offer_id}/claims", {}, HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 200 and again.json()["claim_id"] == body["claim_id"]
    other = worker.post(f"/api/v1/benefits/{offer_id}/claims", {"note": "x"}, HTTP_IDEMPOTENCY_KEY="abc")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    detail = worker.get(f"/api/v1/benefits/{offer_id}").json()
    assert (detail["units"], detail["confirmed"], detail["remaining"]) == (2, 1, 1)
    listed = api_client.as_user(staff).get(f"/api/v1/benefits/{offer_id}/claims").json()
    assert listed["count"] == 1 and listed["items"][0]["member_name"] == members(1).display_name


def test_bad_input_is_a_clear_4xx_and_stock_unchanged(api_client, staff, members, make_offer, settings):
    settings.BENEFITS_GATE = "db"
    offer = make_offer(units=1)
    worker = api_client.as_user(members(1))
    missing_key = worker.post(f"/api/v1/benefits/{offer.pk}/claims", {})
    assert missing_key.status_code == 400 and "Idempotency-Key" in missing_key.json()["fields"]
    unknown = worker.post("/api/v1/benefits/999999/claims", {}, HTTP_IDEMPOTENCY_KEY="k")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    made_up = {"code": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG"}
    forged = api_client.as_user(staff).post("/api/v1/benefits/redemptions", made_up)
    assert forged.status_code == 400 and forged.json()["fields"]["code"]
    bad_create = api_client.post("/api/v1/benefits", {"title": "x", "kind": "pass", "units": "many",
                                                       "release_at": "soon", "closes_at": "later"})
    assert bad_create.status_code == 422 and {"units", "release_at"} <= set(bad_create.json()["fields"])
    assert api_client.as_user(members(1)).get(f"/api/v1/benefits/{offer.pk}").json()["confirmed"] == 0


def test_sibling_district_sees_nothing(api_client, city, make_staff, make_offer, members, settings):
    """海淀 staff see none of 房山's offers or claims: list, detail, claim list (the export), redemption."""
    settings.BENEFITS_GATE = "db"
    offer = make_offer(units=2)
    c, _ = services.claim_create(members(1), benefit_id=offer.pk, idempotency_key="k")
    haidian = api_client.as_user(make_staff("hd", city.haidian))
    assert haidian.get("/api/v1/benefits").json()["count"] == 0
    assert haidian.get(f"/api/v1/benefits/{offer.pk}").status_code == 404
    assert haidian.get(f"/api/v1/benefits/{offer.pk}/claims").status_code == 404
    redeem = haidian.post("/api/v1/benefits/redemptions", {"code": services.redemption_code(c)})
    assert redeem.status_code == 404
    # ... and a 海淀 member cannot see or claim the 房山 offer.
    hd_member = api_client.__class__().as_user(members(60, union=city.zhongguancun))
    assert hd_member.get(f"/api/v1/benefits/{offer.pk}").status_code == 404
    assert hd_member.get("/api/v1/benefits").json()["count"] == 0
    fangshan = api_client.__class__().as_user(make_staff("fs2", city.fangshan))
    assert fangshan.get("/api/v1/benefits").json()["count"] == 1


def test_worker_cannot_create_offers_or_read_claim_lists(api_client, members, make_offer):
    offer = make_offer()
    worker = api_client.as_user(members(1))
    now = timezone.now()
    resp = worker.post("/api/v1/benefits", {"title": "x", "kind": "pass", "units": 1, "release_at": _iso(now),
                                            "closes_at": _iso(now + dt.timedelta(days=1))})
    assert resp.status_code == 403
    assert worker.get(f"/api/v1/benefits/{offer.pk}/claims").status_code == 403


def test_cancel_and_my_claims(api_client, members, make_offer, settings):
    settings.BENEFITS_GATE = "db"
    offer = make_offer(units=1)
    worker = api_client.as_user(members(1))
    claim_id = worker.post(f"/api/v1/benefits/{offer.pk}/claims", {}, HTTP_IDEMPOTENCY_KEY="a").json()["claim_id"]
    mine = worker.get("/api/v1/benefits/claims/mine").json()
    assert mine["items"][0]["claim_id"] == claim_id
    cancelled = worker.post(f"/api/v1/benefits/claims/{claim_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["redemption_code"] is None
    other = api_client.__class__().as_user(members(2))
    assert other.post(f"/api/v1/benefits/claims/{claim_id}/cancel").status_code == 404


def test_draw_publication_hides_seed_until_drawn(api_client, staff, members, on_commit):
    from django.test import Client

    now = timezone.now()
    offer = services.benefit_create(
        staff, title="音乐会", kind="ticket", units=1, mode="lottery", release_at=now - dt.timedelta(hours=1),
        registration_closes_at=now + dt.timedelta(hours=1), draw_at=now + dt.timedelta(hours=2),
        closes_at=now + dt.timedelta(days=1))
    worker = api_client.as_user(members(1))
    reg = worker.post(f"/api/v1/benefits/{offer.pk}/claims", {}, HTTP_IDEMPOTENCY_KEY="r")
    assert reg.json()["status"] == "registered" and reg.json()["entrant_code"]
    pub = Client().get(f"/api/v1/benefits/{offer.pk}/draw").json()  # public, no sign-in
    assert pub["seed"] is None and pub["seed_hash"] == offer.seed_hash
    assert pub["entrants"] == [reg.json()["entrant_code"]]
    early = api_client.as_user(staff).post(f"/api/v1/benefits/{offer.pk}/draw")
    assert early.status_code == 409 and early.json()["code"] == "not_due"
    with on_commit(execute=True):
        services.lottery_draw(None, benefit_id=offer.pk, now=now + dt.timedelta(hours=3))
    pub = Client().get(f"/api/v1/benefits/{offer.pk}/draw").json()
    assert pub["seed"] and pub["winners"] == [reg.json()["entrant_code"]]


@pytest.mark.django_db
def test_claim_list_query_count_is_flat(api_client, staff, members, make_offer, django_assert_max_num_queries,
                                        settings):
    settings.BENEFITS_GATE = "db"
    offer = make_offer(units=30)
    for i in range(1, 21):
        services.claim_create(members(i), benefit_id=offer.pk, idempotency_key=f"k{i}")
    client = api_client.as_user(staff)
    with django_assert_max_num_queries(8):
        resp = client.get(f"/api/v1/benefits/{offer.pk}/claims")
    assert resp.json()["count"] == 20


def test_offer_list_query_count_is_flat(api_client, staff, make_offer, django_assert_max_num_queries):
    for i in range(12):
        make_offer(title=f"活动{i}")
    client = api_client.as_user(staff)
    with django_assert_max_num_queries(6):
        resp = client.get("/api/v1/benefits?page_size=10")
    body = resp.json()
    assert body["count"] == 12 and len(body["items"]) == 10 and body["items"][0]["remaining"] == 3
