"""The claim's hot path: what a claim costs (queries), and that the cheaper auth keeps every refusal it had."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone


def _statements(queries) -> list[str]:
    """The queries a claim sends, less the savepoints that exist only because each test runs in a transaction (in
    autocommit the INSERT is its own transaction)."""
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def _claim(client, offer, key):
    return client.post(f"/api/v1/benefits/{offer.pk}/claims", {}, HTTP_IDEMPOTENCY_KEY=key)


def test_a_late_claim_costs_one_query_and_its_place_is_written_later(api_client, make_offer, members, settings):
    """Token, user and membership in one query; the gate's Redis work is one script (rate limits, Idempotency-Key
    and the take, which gives the place in line and keeps it). The place is written in a batch later: before, the
    claim id the member was given does not exist; after waitlist_settle it does, with its place."""
    from zhijia.benefits import services
    from zhijia.benefits.models import Claim
    from zhijia.conftest import require_redis

    require_redis()
    settings.BENEFITS_GATE = "auto"
    offer = make_offer(units=1)
    assert _claim(api_client.__class__().as_user(members(1)), offer, "warm").json()["status"] == "confirmed"
    answers = []
    for i in (2, 3):
        client = api_client.__class__().as_user(members(i))
        with CaptureQueriesContext(connection) as queries:
            resp = _claim(client, offer, f"k{i}")
        assert resp.status_code == 201 and resp.json()["status"] == "waitlisted"
        sql = _statements(queries)
        assert len(sql) == 1, sql
        assert "accounts_apitoken" in sql[0] and "members_membership" in sql[0]
        answers.append(resp.json())
    assert [a["waitlist_position"] for a in answers] == [1, 2]
    assert not Claim.objects.filter(pk__in=[a["claim_id"] for a in answers]).exists()
    assert services.waitlist_settle() == 2
    written = {c.pk: c for c in Claim.objects.filter(pk__in=[a["claim_id"] for a in answers])}
    for i, answer in zip((2, 3), answers, strict=True):
        claim = written[answer["claim_id"]]
        assert (claim.status, claim.position, claim.idempotency_key) == ("waitlisted", answer["waitlist_position"],
                                                                         f"k{i}")
        assert claim.user == members(i) and claim.created_at.isoformat()[:19] == answer["created_at"][:19]


def test_confirmed_claim_costs_two_queries(api_client, make_offer, members, settings):
    from zhijia.conftest import require_redis

    require_redis()
    settings.BENEFITS_GATE = "auto"
    offer = make_offer(units=3)
    _claim(api_client.__class__().as_user(members(1)), offer, "warm")  # arms the gate, caches the offer's terms
    client = api_client.__class__().as_user(members(2))
    with CaptureQueriesContext(connection) as queries:
        resp = _claim(client, offer, "k2")
    assert resp.status_code == 201 and resp.json()["status"] == "confirmed"
    assert len(_statements(queries)) == 2, _statements(queries)


@pytest.mark.parametrize("how", ["revoked", "expired", "inactive"])
def test_claim_refuses_a_dead_token_at_once(api_client, make_offer, members, settings, how):
    """No cache between the token and the claim: revoking, expiry or deactivation stop the very next request."""
    settings.BENEFITS_GATE = "db"
    offer = make_offer(units=5)
    user = members(1)
    client = api_client.__class__().as_user(user)
    assert _claim(client, offer, "first").status_code == 201
    if how == "revoked":
        user.api_tokens.update(revoked=True)
    elif how == "expired":
        user.api_tokens.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    else:
        user.is_active = False
        user.save(update_fields=["is_active"])
    resp = _claim(client, offer, "second")
    assert resp.status_code == 401 and resp.json()["code"] == "unauthenticated"
    assert offer.claims.count() == 1


def test_claim_with_unknown_token_is_401(api_client, make_offer, settings):
    settings.BENEFITS_GATE = "db"
    offer = make_offer()
    resp = api_client.post(f"/api/v1/benefits/{offer.pk}/claims", {}, HTTP_IDEMPOTENCY_KEY="k",
                           HTTP_AUTHORIZATION="Bearer not-a-token")
    assert resp.status_code == 401


def test_non_member_with_a_valid_token_is_refused_as_not_member(api_client, make_offer, members, settings):
    """The one-query auth finds no membership; the general token check still signs them in, so the answer is the
    403 not_member of the contract (and the refusal is logged), not a 401."""
    from zhijia.benefits.models import ClaimRefusal
    from zhijia.members.models import Membership

    settings.BENEFITS_GATE = "db"
    offer = make_offer()
    user = members(1)
    Membership.objects.filter(worker__user=user).update(status="left")
    resp = _claim(api_client.__class__().as_user(user), offer, "k")
    assert resp.status_code == 403 and resp.json()["code"] == "not_member"
    assert ClaimRefusal.objects.filter(user=user, reason="not_member").exists()
    assert offer.claims.count() == 0


def test_membership_ended_after_sign_in_stops_the_next_claim(api_client, make_offer, members, settings):
    """Good standing is read with every claim (not remembered with the token)."""
    from zhijia.members.models import Membership

    settings.BENEFITS_GATE = "db"
    offer = make_offer(units=5, per_member_limit=2)
    user = members(1)
    client = api_client.__class__().as_user(user)
    assert _claim(client, offer, "a").json()["status"] == "confirmed"
    Membership.objects.filter(worker__user=user).update(status="left")
    assert _claim(client, offer, "b").json()["code"] == "not_member"


def test_membership_passed_for_another_user_is_not_trusted(make_offer, members, settings):
    """The service re-reads the membership when the one handed to it is not the user's own."""
    from zhijia.benefits import services
    from zhijia.members.selectors import member_in_good_standing

    settings.BENEFITS_GATE = "db"
    offer = make_offer(units=5)
    other = member_in_good_standing(members(2))
    claim, _ = services.claim_create(members(1), benefit_id=offer.pk, idempotency_key="k", membership=other)
    assert claim.worker.user_id == members(1).pk


def test_session_signed_in_pages_still_claim_through_the_api(client, make_offer, members, settings):
    """The claim route keeps session auth (with CSRF) for pages; the membership is then read by the service."""
    settings.BENEFITS_GATE = "db"
    offer = make_offer()
    client.force_login(members(1))
    resp = client.post(f"/api/v1/benefits/{offer.pk}/claims", "{}", content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="s")
    assert resp.status_code == 201 and resp.json()["status"] == "confirmed"


@pytest.mark.parametrize("state", ["live", "revoked", "expired", "inactive", "left", "applied"])
def test_hand_written_bearer_read_agrees_with_the_orm_definition(members, state):
    """members.selectors.member_in_good_standing_by_api_token is SQL written by hand (core.hotsql); the definition of
    a live token is accounts.services.api_token_valid. For every state of token, user and membership both answer
    alike, and the built membership carries what the claim path reads."""
    from zhijia.accounts.services import api_token_valid
    from zhijia.conftest import token_in_state
    from zhijia.members.models import Membership
    from zhijia.members.selectors import member_in_good_standing_by_api_token

    user = members(1)
    raw = token_in_state(user, state)
    if state in ("left", "applied"):
        Membership.objects.filter(worker__user=user).update(status=state)
    orm = (Membership.objects.select_related("union", "worker")
           .filter(api_token_valid(raw, via="worker__user__"), status="admitted").first())
    fast = member_in_good_standing_by_api_token(raw)
    assert (fast.pk if fast else None) == (orm.pk if orm else None)
    assert (fast is not None) == (state == "live")
    if fast is not None:
        with CaptureQueriesContext(connection) as queries:
            assert fast.worker.user == user and fast.worker.user.role == user.role
            assert fast.union == orm.union and fast.union.path == orm.union.path
            assert fast.worker.occupation == orm.worker.occupation and fast.worker_id == orm.worker_id
            assert (fast.status, fast.member_number, fast.joined_on) == (orm.status, orm.member_number, orm.joined_on)
        assert not queries.captured_queries
