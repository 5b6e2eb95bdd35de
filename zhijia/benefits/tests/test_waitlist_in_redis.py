"""The waiting list kept in Redis at a release (PostgreSQL with the gate): a late claim's place is answered at once
and written later in batches; asking again, replays, cancellation, promotion and a rebuild all see it in order."""

from __future__ import annotations

import pytest

from zhijia.benefits import gate, services
from zhijia.benefits.models import Claim
from zhijia.core.errors import DomainError


@pytest.fixture
def redis_gate(transactional_db, settings, monkeypatch):
    """Autocommit, as in production (places leave Redis after the write commits); claims write nothing themselves
    unless a test lowers the batch."""
    from zhijia.conftest import require_postgres, require_redis

    require_postgres()
    require_redis()
    settings.BENEFITS_GATE = "auto"
    monkeypatch.setattr(services, "WAITLIST_BATCH", 1000)
    monkeypatch.setattr(services, "WAITLIST_MAX_AGE_MS", 3_600_000)


def claim(user, offer, key, request_hash=""):
    return services.claim_create(user, benefit_id=offer.pk, idempotency_key=key, request_hash=request_hash)


def _late(offer, members, numbers):
    return [claim(members(i), offer, f"k{i}")[0] for i in numbers]


def test_places_are_answered_at_once_and_written_in_order(redis_gate, make_offer, members):
    offer = make_offer(units=1)
    assert claim(members(1), offer, "k1")[0].status == "confirmed"
    places = _late(offer, members, [2, 3, 4, 5])
    assert [(p.status, p.position) for p in places] == [("waitlisted", 1), ("waitlisted", 2), ("waitlisted", 3),
                                                         ("waitlisted", 4)]
    ids = [p.pk for p in places]
    assert len(set(ids)) == 4 and not Claim.objects.filter(pk__in=ids).exists()
    assert gate.pending_count(gate.tag(offer)) == 4 and gate.tag(offer) in gate.pending_tags()

    assert services.waitlist_settle() == 4
    rows = list(Claim.objects.filter(pk__in=ids).order_by("position"))
    assert [(r.pk, r.worker_id, r.user_id, r.position, r.status, r.idempotency_key) for r in rows] == [
        (p.pk, p.worker_id, p.user_id, p.position, "waitlisted", p.idempotency_key) for p in places]
    assert all(abs((r.created_at - p.created_at).total_seconds()) < 0.001 for r, p in zip(rows, places, strict=True))
    assert gate.pending_count(gate.tag(offer)) == 0 and gate.tag(offer) not in gate.pending_tags()
    assert services.waitlist_settle() == 0


def test_asking_again_keeps_the_place_and_a_replay_gets_the_first_answer(redis_gate, make_offer, members):
    offer = make_offer(units=1)
    claim(members(1), offer, "k1")
    first, _ = claim(members(2), offer, "a")
    again, replayed = claim(members(2), offer, "b")  # a second tap with a new key: the same place
    assert (again.pk, again.position, replayed) == (first.pk, first.position, False)
    same, replayed = claim(members(2), offer, "a")  # a retry of the first request
    assert (same.pk, same.status, replayed) == (first.pk, "waitlisted", True)
    with pytest.raises(DomainError) as exc:
        claim(members(2), offer, "a", request_hash="another body")
    assert exc.value.status == 409 and exc.value.code == "idempotency_key_reused"
    services.waitlist_settle()
    assert list(Claim.objects.filter(benefit=offer, worker=members(2).worker).values_list("pk", flat=True)) == \
        [first.pk]


def test_cancelling_promotes_the_earliest_place_before_it_is_written(redis_gate, make_offer, members):
    offer = make_offer(units=1)
    held, _ = claim(members(1), offer, "k1")
    second, third = _late(offer, members, [2, 3])
    services.claim_cancel(members(1), claim_id=held.pk)
    promoted = Claim.objects.get(pk=second.pk)
    assert (promoted.status, promoted.unit) == ("confirmed", 1)
    assert Claim.objects.get(pk=third.pk).status == "waitlisted"
    assert gate.remaining(offer) == 0
    # The promoted member no longer waits in Redis: asking again is over the limit, not the old place.
    with pytest.raises(DomainError) as exc:
        claim(members(2), offer, "k2-again")
    assert exc.value.code == "over_limit"


def test_a_place_cancelled_before_it_is_written_is_left_for_good(redis_gate, make_offer, members):
    offer = make_offer(units=1)
    claim(members(1), offer, "k1")
    place, = _late(offer, members, [2])
    assert services.claim_cancel(members(2), claim_id=place.pk).status == "cancelled"
    new, _ = claim(members(2), offer, "k2-again")  # back in line: a new place at the end
    assert new.pk != place.pk and (new.status, new.position) == ("waitlisted", 2)
    services.waitlist_settle()
    assert dict(Claim.objects.filter(benefit=offer, worker=members(2).worker).values_list("pk", "status")) == {
        place.pk: "cancelled", new.pk: "waitlisted"}


def test_claims_write_the_batches_one_writer_at_a_time(redis_gate, make_offer, members, monkeypatch):
    monkeypatch.setattr(services, "WAITLIST_BATCH", 3)
    offer = make_offer(units=1)
    claim(members(1), offer, "k1")
    offer_tag = gate.tag(offer)
    pending = []
    for i in range(2, 9):
        claim(members(i), offer, f"k{i}")
        pending.append(gate.pending_count(offer_tag))
    assert pending == [1, 2, 0, 1, 2, 0, 1]  # the third place of each batch writes the batch
    assert Claim.objects.filter(benefit=offer, status="waitlisted").count() == 6
    # Another writer holds the offer's lock: the claims leave the writing to it.
    gate.client().set(gate._writer_key(offer_tag), "another", px=60_000)
    for i in range(9, 13):
        claim(members(i), offer, f"k{i}")
    assert gate.pending_count(offer_tag) == 5
    gate.writer_release(offer_tag, "another")
    claim(members(13), offer, "k13")
    assert gate.pending_count(offer_tag) == 0
    assert list(Claim.objects.filter(benefit=offer, status="waitlisted").order_by("position")
                .values_list("position", flat=True)) == list(range(1, 13))


def test_a_rebuild_after_redis_lost_the_line_keeps_places_and_order(redis_gate, make_offer, members):
    offer = make_offer(units=1)
    claim(members(1), offer, "k1")
    _, third = _late(offer, members, [2, 3])
    services.waitlist_settle()
    gate.client().delete(*gate.all_keys(offer))  # Redis restarted without its data
    services.benefit_reconcile(benefit_id=offer.pk)
    again, _ = claim(members(3), offer, "k3-again")
    assert (again.pk, again.position) == (third.pk, third.position)
    newcomer, _ = claim(members(4), offer, "k4")
    assert newcomer.position == third.position + 1  # the line resumes after the database's last place


def test_insert_columns_writes_what_the_orm_would(redis_gate, make_offer, members):
    """hotsql.insert_columns (the batch write) gives every field the ORM's default; only the given columns differ."""
    import datetime as dt

    from django.db import connection
    from django.forms.models import model_to_dict

    from zhijia.core import hotsql

    offer = make_offer(units=1)
    user = members(1)
    membership = user.worker.memberships.get()
    now = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    given = {"benefit_id": offer.pk, "worker_id": user.worker.pk, "user_id": user.pk, "union_id": membership.union_id,
             "status": "waitlisted", "position": 7, "units_at_claim": 1, "limit_at_claim": 1,
             "idempotency_key": "x", "request_hash": "h", "created_at": now}
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('benefits_claim', 'id'))")
        new_id = cursor.fetchone()[0]
    assert hotsql.insert_columns(Claim, {"id": [new_id], **{k: [v] for k, v in given.items()}}) == 1
    Claim.objects.filter(pk=new_id).update(idempotency_key="y")  # a second identical row would break the key
    assert hotsql.insert_columns(Claim, {"id": [new_id], **{k: [v] for k, v in given.items()}},
                                 on_conflict_skip="id") == 0
    written = Claim.objects.get(pk=new_id)
    assert written.created_at == now
    orm_row = model_to_dict(Claim(**given))  # what Claim.objects.create would have written
    assert {k: v for k, v in model_to_dict(written).items() if k not in ("id", "idempotency_key")} == \
        {k: v for k, v in orm_row.items() if k not in ("id", "idempotency_key")}


def test_a_place_that_breaks_another_rule_is_dropped_and_the_held_place_answered(redis_gate, make_offer, members,
                                                                                   settings):
    """Redis was down for a while: a member was put in line by the database path, so Redis does not know the place.
    A new place Redis gives them cannot be written (one place per member); the rest of its batch is written, and
    the member's next claim is answered with the place they hold."""
    offer = make_offer(units=1)
    claim(members(1), offer, "k1")
    settings.BENEFITS_GATE = "db"
    held, _ = claim(members(2), offer, "k2-db")
    assert held.status == "waitlisted"
    settings.BENEFITS_GATE = "auto"
    lost, third = _late(offer, members, [2, 3])
    assert lost.pk != held.pk and lost.status == "waitlisted"
    services.waitlist_settle()
    assert not Claim.objects.filter(pk=lost.pk).exists()
    assert Claim.objects.get(pk=third.pk).status == "waitlisted"
    assert gate.pending_count(gate.tag(offer)) == 0
    again, _ = claim(members(2), offer, "k2-again")
    assert again.pk == held.pk


def test_forgetting_a_place_keeps_one_given_since(redis_gate, make_offer, members):
    offer = make_offer(units=1)
    claim(members(1), offer, "k1")
    place, = _late(offer, members, [2])
    gate.forget_waiting(offer, members(2).worker.pk, place.pk + 1000)  # a late forget of an older claim
    assert gate.waiting_place(offer, members(2).worker.pk) == f"{place.pk}:{place.position}"
    gate.forget_waiting(offer, members(2).worker.pk, place.pk)
    assert gate.waiting_place(offer, members(2).worker.pk) is None


def test_with_redis_down_claims_and_pages_fall_back_to_the_database(redis_gate, make_offer, members, settings,
                                                                     client):
    offer = make_offer(units=1)
    live = settings.REDIS_URL
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        first, _ = claim(members(1), offer, "k1")
        second, _ = claim(members(2), offer, "k2")
        assert (first.status, second.status) == ("confirmed", "waitlisted")
        assert Claim.objects.filter(pk=second.pk).exists()  # written at once by the database path
        assert services.waitlist_settle() == 0
        client.force_login(members(2))
        assert client.get("/api/v1/benefits/claims/mine").status_code == 200
        services.claim_cancel(members(1), claim_id=first.pk)
        assert Claim.objects.get(pk=second.pk).status == "confirmed"
    finally:
        settings.REDIS_URL = live
