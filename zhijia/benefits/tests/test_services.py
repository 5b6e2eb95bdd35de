"""Claims, the waiting list, cancellation, expiry, the lottery and redemption, through the services."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from zhijia.benefits import lottery, services, tokens
from zhijia.benefits.models import Claim, ClaimRefusal, ClaimStatus
from zhijia.benefits.selectors import benefit_stats
from zhijia.core.errors import DomainError

ROOT = Path(__file__).resolve().parents[3]


def claim(user, offer, key=None):
    return services.claim_create(user, benefit_id=offer.pk, idempotency_key=key or uuid.uuid4().hex, ip="10.0.0.1")


def test_first_come_first_served_then_waiting_list(gate_mode, make_offer, members):
    offer = make_offer(units=2)
    a, _ = claim(members(1), offer)
    b, _ = claim(members(2), offer)
    c, _ = claim(members(3), offer)
    assert (a.status, b.status, c.status) == ("confirmed", "confirmed", "waitlisted")
    assert {a.unit, b.unit} == {1, 2}
    assert services.redemption_code(a) and services.redemption_code(c) is None
    services.waitlist_settle()  # with the Redis gate, places in line are written in batches
    stats = benefit_stats(offer)
    assert (stats.confirmed, stats.remaining, stats.waitlisted) == (2, 0, 1)


def test_same_key_same_answer_and_other_body_is_409(gate_mode, make_offer, members):
    offer = make_offer()
    first, replayed = services.claim_create(members(1), benefit_id=offer.pk, idempotency_key="k1", request_hash="x")
    again, replayed2 = services.claim_create(members(1), benefit_id=offer.pk, idempotency_key="k1", request_hash="x")
    assert (first.pk, replayed, replayed2) == (again.pk, False, True)
    with pytest.raises(DomainError) as err:
        services.claim_create(members(1), benefit_id=offer.pk, idempotency_key="k1", request_hash="other")
    assert err.value.status == 409
    assert benefit_stats(offer).confirmed == 1


def test_limit_exceeded_is_refused_and_logged(gate_mode, make_offer, members):
    offer = make_offer(units=5, per_member_limit=2)
    claim(members(1), offer)
    claim(members(1), offer)
    with pytest.raises(DomainError) as err:
        claim(members(1), offer)
    assert (err.value.status, err.value.code) == (409, "over_limit")
    assert benefit_stats(offer).confirmed == 2
    assert ClaimRefusal.objects.filter(benefit=offer, reason="over_limit").count() == 1


def test_before_release_after_closing_not_member_not_eligible(gate_mode, city, make_offer, members, make_worker_user):
    now = timezone.now()
    early = make_offer(release_at=now + dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1))
    with pytest.raises(DomainError) as err:
        claim(members(1), early)
    assert (err.value.status, err.value.code) == (409, "not_open")
    late = make_offer(release_at=now - dt.timedelta(days=2), closes_at=now - dt.timedelta(days=1))
    with pytest.raises(DomainError) as err:
        claim(members(1), late)
    assert err.value.code == "closed"
    offer = make_offer()
    outsider = make_worker_user(50)  # a worker with no membership
    with pytest.raises(DomainError) as err:
        claim(outsider, offer)
    assert (err.value.status, err.value.code) == (403, "not_member")
    haidian_member = members(51, union=city.zhongguancun)
    with pytest.raises(DomainError) as err:
        claim(haidian_member, offer)
    assert err.value.code == "not_eligible" and "房山" in err.value.message
    couriers_only = make_offer(eligible_occupations=["courier"])
    with pytest.raises(DomainError) as err:
        claim(members(52, occupation="other"), couriers_only)
    assert "快递员" in err.value.message
    ok, _ = claim(members(53, occupation="courier"), couriers_only)
    assert ok.status == "confirmed"
    for o in (early, late, offer):
        assert benefit_stats(o).confirmed == 0
    assert ClaimRefusal.objects.count() == 5


def test_throttle_per_member(gate_mode, settings, make_offer, members):
    """Through the gate the limits are counted in the claim's one script; through the database in the cache."""
    settings.BENEFIT_RATE_MEMBER = "3/3600"  # an hour's window: the test never straddles two
    offer = make_offer(units=10, per_member_limit=1)
    user = members(1)
    for _ in range(3):
        try:
            claim(user, offer)
        except DomainError as exc:
            assert exc.code == "over_limit"
    with pytest.raises(DomainError) as err:
        claim(user, offer)
    assert (err.value.status, err.value.code) == (429, "throttled")
    assert ClaimRefusal.objects.filter(reason="throttled").count() == 1


def test_throttle_per_ip(gate_mode, settings, make_offer, members):
    settings.BENEFIT_RATE_IP = "2/3600"
    offer = make_offer(units=10)
    claim(members(1), offer)
    claim(members(2), offer)
    with pytest.raises(DomainError) as err:
        claim(members(3), offer)
    assert err.value.status == 429
    assert benefit_stats(offer).confirmed == 2  # the throttled attempt took nothing


def test_refused_attempts_count_towards_the_limit_too(gate_mode, settings, make_offer, members):
    """A refusal (here: not open yet) still counts, so hammering a closed offer is throttled like any other."""
    settings.BENEFIT_RATE_MEMBER = "2/3600"
    early = make_offer(units=3, release_at=timezone.now() + dt.timedelta(hours=1))
    user = members(1)
    for _ in range(2):
        with pytest.raises(DomainError) as err:
            claim(user, early)
        assert err.value.code == "not_open"
    with pytest.raises(DomainError) as err:
        claim(user, early)
    assert err.value.code == "throttled"


def test_a_key_marked_by_an_attempt_that_wrote_nothing_still_claims(settings, make_offer, members):
    """The claim script marks the Idempotency-Key before the take; if that attempt then wrote nothing (it crashed,
    or was the loser of a twin race that failed), the retry finds no claim and takes a unit as usual."""
    import redis as redis_lib

    from zhijia.benefits import gate
    from zhijia.conftest import require_redis

    require_redis()
    settings.BENEFITS_GATE = "auto"
    offer = make_offer(units=2)
    user = members(1)
    claim(members(2), offer)  # arms the gate
    redis_lib.Redis.from_url(settings.REDIS_URL).set(services._idem_key(user, "k"), 1)
    again, replayed = services.claim_create(user, benefit_id=offer.pk, idempotency_key="k")
    assert (again.status, replayed) == ("confirmed", False)
    assert gate.remaining(offer) == 0


def test_cancel_promotes_next_on_waiting_list_and_tells_them(gate_mode, make_offer, members, on_commit):
    from zhijia.accounts.sms import LogSmsBackend

    offer = make_offer(units=1)
    first, _ = claim(members(1), offer)
    second, _ = claim(members(2), offer)
    third, _ = claim(members(3), offer)
    assert second.status == third.status == "waitlisted"
    LogSmsBackend.sent.clear()
    with on_commit(execute=True):
        services.claim_cancel(members(1), claim_id=first.pk)
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, second.unit, third.status) == ("confirmed", 1, "waitlisted")
    assert second.notified_at is not None
    assert any("十渡风景区年票" in text for _, text in LogSmsBackend.sent)
    # The freed unit went to the waiting member, not back to the open stock.
    fourth, _ = claim(members(4), offer)
    assert fourth.status == "waitlisted"
    assert benefit_stats(offer).confirmed == 1


def test_cancel_with_nobody_waiting_returns_the_unit(gate_mode, make_offer, members, on_commit):
    offer = make_offer(units=1)
    first, _ = claim(members(1), offer)
    with on_commit(execute=True):
        services.claim_cancel(members(1), claim_id=first.pk)
    again, _ = claim(members(2), offer)
    assert again.status == "confirmed" and again.unit == 1


def test_unredeemed_hold_expires_to_the_waiting_list(gate_mode, make_offer, members, on_commit):
    offer = make_offer(units=1, hold_hours=1)
    first, _ = claim(members(1), offer)
    second, _ = claim(members(2), offer)
    with on_commit(execute=True):
        assert services.holds_expire(now=timezone.now() + dt.timedelta(hours=2)) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("expired", "confirmed")


def test_reconcile_restores_a_unit_lost_in_a_crash(settings, make_offer, members):
    """A crash after Redis took a unit but before the claim was written loses that unit from Redis only."""
    from zhijia.benefits import gate
    from zhijia.conftest import require_redis

    require_redis()
    settings.BENEFITS_GATE = "auto"
    offer = make_offer(units=2)
    claim(members(1), offer)
    assert gate.take(offer, 999).code == 2  # the "crashed" request took unit 2 and never wrote its claim
    waiting, _ = claim(members(2), offer)
    assert waiting.status == "waitlisted"
    assert services.benefit_reconcile(benefit_id=offer.pk) == 1
    waiting.refresh_from_db()
    assert (waiting.status, waiting.unit) == ("confirmed", 2)
    assert gate.remaining(offer) == 0


def test_redemption_code_forgery_and_double_use(make_offer, members, staff, city, make_staff):
    offer = make_offer(units=2)
    c, _ = claim(members(1), offer)
    code = services.redemption_code(c)
    # A code made up, a code with one character changed, and a code for another claim id: all forged.
    forged = tokens.code_issue(claim_id=c.pk, nonce="000000")
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    middle = code[:12] + ("Q" if code[12] != "Q" else "R") + code[13:]
    for bad in ("HELLO", altered, middle, forged, str(c.pk)):
        with pytest.raises(DomainError) as err:
            services.claim_redeem(staff, code=bad)
        assert err.value.status == 400 and err.value.code == "forged"
    haidian = make_staff("hd", city.haidian)
    with pytest.raises(DomainError) as err:
        services.claim_redeem(haidian, code=code)
    assert err.value.status == 404
    done = services.claim_redeem(staff, code=code.lower().replace("-", " "), place="东门检票口")
    assert done.status == ClaimStatus.REDEEMED
    with pytest.raises(DomainError) as err:
        services.claim_redeem(staff, code=code)
    assert err.value.status == 409 and "东门检票口" in err.value.message
    assert err.value.fields["redeemed_place"] == "东门检票口"
    with pytest.raises(DomainError):
        services.claim_cancel(members(1), claim_id=c.pk)


def test_lottery_is_reproducible_and_verifiable(settings, staff, members, tmp_path, on_commit):
    now = timezone.now()
    offer = services.benefit_create(
        staff, title="《茶馆》话剧票", kind="ticket", units=3, mode="lottery", release_at=now - dt.timedelta(hours=2),
        registration_closes_at=now - dt.timedelta(minutes=30), draw_at=now - dt.timedelta(minutes=1),
        closes_at=now + dt.timedelta(days=3))
    assert offer.seed_hash == lottery.seed_commitment(offer.seed)
    registered_at = now - dt.timedelta(hours=1)
    entries = [services.claim_create(members(i), benefit_id=offer.pk, idempotency_key=f"r{i}", now=registered_at)[0]
               for i in range(1, 11)]
    assert {e.status for e in entries} == {"registered"}
    again, _ = services.claim_create(members(1), benefit_id=offer.pk, idempotency_key="r1-second", now=registered_at)
    assert again.pk == entries[0].pk  # one entry per member
    with on_commit(execute=True):
        assert services.lotteries_draw_due() == 1
    from zhijia.benefits.api import draw_publication

    pub = draw_publication(offer.pk)
    assert len(pub["entrants"]) == 10 and len(pub["winners"]) == 3
    assert lottery.draw_order(pub["seed"], pub["entrants"])[:3] == pub["winners"]
    winners = Claim.objects.filter(benefit=offer, status="confirmed")
    assert sorted(winners.values_list("entrant_code", flat=True)) == sorted(pub["winners"])
    # Anyone can recompute it with the script in the repo.
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(pub, default=str))
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "verify_draw.py"), str(path)],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "OK" in out.stdout
    pub["winners"][0], pub["winners"][1] = pub["winners"][1], pub["winners"][0]
    path.write_text(json.dumps(pub, default=str))
    bad = subprocess.run([sys.executable, str(ROOT / "scripts" / "verify_draw.py"), str(path)],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    # An unclaimed win rolls to the next drawn.
    first_winner = Claim.objects.get(benefit=offer, entrant_code=pub["winners"][1])
    with on_commit(execute=True):
        services.claim_cancel(first_winner.user, claim_id=first_winner.pk)
    fourth = lottery.draw_order(pub["seed"], pub["entrants"])[3]
    assert Claim.objects.get(benefit=offer, entrant_code=fourth).status == "confirmed"


def test_an_offer_for_model_workers_is_claimed_by_honour_holders_only(gate_mode, staff, make_offer, members):
    """Honours recorded by the honors app (劳模) open offers kept for them; another honour does not."""
    from zhijia.honors.services import honour_record

    offer = make_offer(eligible_honours=["model_worker"])
    model_worker, advanced, plain = members(61), members(62), members(63)
    honour_record(staff, worker_id=model_worker.worker.pk, kind="model_worker", title="北京市劳动模范",
                  level="municipal", year=2020)
    honour_record(staff, worker_id=advanced.worker.pk, kind="advanced_worker", title="先进工作者", level="district",
                  year=2022)

    for refused in (advanced, plain):
        with pytest.raises(DomainError) as err:
            claim(refused, offer)
        assert err.value.code == "not_eligible" and "劳动模范" in err.value.message
    ok, _ = claim(model_worker, offer)
    assert ok.status == "confirmed" and benefit_stats(offer).confirmed == 1
    from zhijia.benefits.selectors import benefits_open_to
    from zhijia.members.selectors import current_membership

    assert offer not in benefits_open_to(membership=current_membership(plain.worker))
    assert offer in benefits_open_to(membership=current_membership(model_worker.worker))


def test_lottery_draw_order_is_deterministic():
    codes = [f"{i:016x}" for i in range(1000)]
    assert lottery.draw_order("seed-a", codes) == lottery.draw_order("seed-a", list(reversed(codes)))
    assert lottery.draw_order("seed-a", codes) != lottery.draw_order("seed-b", codes)


def test_offer_validation(staff, city, make_staff):
    now = timezone.now()
    base = {"title": "x", "kind": "pass", "units": 5, "release_at": now, "closes_at": now + dt.timedelta(days=1)}
    cases = [({"units": 0}, "units"), ({"kind": "car"}, "kind"), ({"closes_at": now}, "closes_at"),
             ({"per_member_limit": 6}, "per_member_limit"), ({"mode": "lottery"}, "registration_closes_at"),
             ({"eligible_occupations": ["pilot"]}, "eligible_occupations"),
             ({"eligible_honours": ["hero"]}, "eligible_honours"),
             ({"owner_union_id": city.haidian.pk}, "owner_union_id")]
    for change, field in cases:
        with pytest.raises(DomainError) as err:
            services.benefit_create(staff, **(base | change))
        assert field in err.value.fields, (change, err.value.fields)
    worker = make_staff("rev", city.fangshan, role="reviewer")
    with pytest.raises(DomainError) as err:
        services.benefit_create(worker, **base)
    assert err.value.status == 403


def test_retry_after_redis_lost_the_key_still_gets_its_answer(settings, make_offer, members):
    """Redis restarted or flushed between a claim and its retry: the retry is answered from the database."""
    import redis as redis_lib

    from zhijia.benefits import gate
    from zhijia.conftest import require_redis

    require_redis()
    settings.BENEFITS_GATE = "auto"
    offer = make_offer(units=2)
    first, _ = services.claim_create(members(1), benefit_id=offer.pk, idempotency_key="lost", request_hash="x")
    client = redis_lib.Redis.from_url(settings.REDIS_URL)
    client.delete(*client.scan_iter("zj:bf:*idem*"))
    again, replayed = services.claim_create(members(1), benefit_id=offer.pk, idempotency_key="lost",
                                            request_hash="x")
    assert (again.pk, replayed) == (first.pk, True)
    gate.gate_drop(offer)  # the whole gate lost: it re-arms from the database on the next claim
    other, _ = services.claim_create(members(2), benefit_id=offer.pk, idempotency_key="o", request_hash="x")
    assert (other.status, other.unit) == ("confirmed", 2)
