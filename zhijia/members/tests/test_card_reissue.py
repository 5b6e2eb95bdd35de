"""E-card re-issue (补发) and the four answers a verification gives: valid, revoked, expired, tampered."""

import base64
import datetime as dt
import json
import os
import threading

import pytest
from django.db import connection
from django.utils import timezone

from zhijia.audit.models import AuditEvent
from zhijia.conftest import require_postgres
from zhijia.core.errors import Conflict, DomainError, NotFound, Throttled, ValidationFailed
from zhijia.members import cards, services
from zhijia.members.models import CardRevocation, CardStatus, MemberCard, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keys(settings):
    settings.CARD_KEYS = "k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def member(city, make_worker_user):
    """A rider who is an admitted member of 房山's courier union, signed in on the API."""
    user = make_worker_user(150, union=city.couriers)
    return user, Membership.objects.get(worker__user=user)


def _verify(api_client, token):
    return api_client.post("/api/v1/cards/verify", {"token": token}).json()


def test_first_use_issues_generation_one_and_the_token_is_stable(api_client, member):
    user, m = member
    first = api_client.as_user(user).get("/api/v1/cards/me").json()
    again = api_client.get("/api/v1/cards/me").json()
    assert first["serial"] == f"{m.member_number}-1" and first["status"] == "active"
    assert first["token"] == again["token"]  # the same card shows the same QR
    assert MemberCard.objects.filter(membership=m).count() == 1
    v = _verify(api_client, first["token"])
    assert v["valid"] and v["status"] == "valid" and v["serial"] == first["serial"] and v["generation"] == 1


def test_member_reissues_after_losing_the_phone_old_qr_is_revoked_new_one_valid(api_client, member):
    # Given a member who showed their card
    user, m = member
    old = api_client.as_user(user).get("/api/v1/cards/me").json()
    # When they re-issue it because the phone was lost
    r = api_client.post("/api/v1/cards/me/reissue", {"reason": "lost"})
    assert r.status_code == 201, r.content
    new = r.json()
    # Then the new card is generation 2 and valid, the old QR verifies as revoked, everywhere
    assert new["generation"] == 2 and new["status"] == "active" and new["token"] != old["token"]
    assert [h["status"] for h in new["history"]] == ["replaced"]
    assert _verify(api_client, new["token"])["status"] == "valid"
    answer = _verify(api_client, old["token"])
    assert answer["status"] == "revoked" and not answer["valid"] and answer["serial"] == old["serial"]
    # ... the published list carries the old serial (an offline scanner learns it), not the new one
    listed = api_client.get("/api/v1/cards/revocations").json()
    assert old["serial"] in listed["revoked"] and new["serial"] not in listed["revoked"]
    assert listed["version"] == answer["revocation_version"] > 0
    # ... the offline check with that list says the same
    assert cards.card_token_check(old["token"], revoked=set(listed["revoked"])).status == "revoked"
    assert cards.card_token_check(new["token"], revoked=set(listed["revoked"])).status == "valid"
    # ... and it is in the audit log
    event = AuditEvent.objects.get(object_type="members.membership", object_id=str(m.pk))
    assert event.detail["card_reissued"] == new["serial"] and event.detail["revoked"] == old["serial"]
    assert event.detail["by"] == "member"


def test_the_members_own_page_shows_the_state_and_the_history(client, member):
    user, _ = member
    client.force_login(user)
    client.get("/w/members/card/")
    r = client.post("/w/members/card/reissue/", {"reason": "compromised"}, follow=True)
    html = r.content.decode()
    assert "已补发新卡（第2张）" in html and "已补发新卡，本卡作废" in html and "二维码被他人使用或泄露" in html
    assert 'id="card-state"' in html and "（第2张）" in html


def test_a_member_reissues_at_most_the_daily_limit(api_client, member, settings):
    settings.CARD_REISSUE_DAILY_LIMIT = 2
    user, m = member
    api_client.as_user(user)
    assert api_client.post("/api/v1/cards/me/reissue", {"reason": "lost"}).status_code == 201
    assert api_client.post("/api/v1/cards/me/reissue", {"reason": "lost"}).status_code == 201
    r = api_client.post("/api/v1/cards/me/reissue", {"reason": "lost"})
    assert r.status_code == 429 and r.json()["code"] == "reissue_limit"
    assert MemberCard.objects.filter(membership=m, status=CardStatus.ACTIVE).count() == 1


def test_reason_is_required_and_named(api_client, member):
    user, _ = member
    api_client.as_user(user)
    r = api_client.post("/api/v1/cards/me/reissue", {"reason": "bored"})
    assert r.status_code == 400 and "reason" in r.json()["fields"]
    r = api_client.post("/api/v1/cards/me/reissue", {"reason": "other"})
    assert r.status_code == 400 and "note" in r.json()["fields"]
    assert not CardRevocation.objects.exists()  # nothing half-written


def test_staff_revoke_stops_self_service_and_staff_reissue_restores(api_client, member, city, make_staff):
    user, m = member
    staff = make_staff("fangshan", city.fangshan)
    token = cards.card_token_for(services.card_current(user))
    services.card_revoke(staff, membership_id=m.pk, reason="冒用")
    assert _verify(api_client, token)["status"] == "revoked"
    with pytest.raises(Conflict):
        services.card_reissue(user, reason="lost")
    mine = api_client.as_user(user).get("/api/v1/cards/me").json()
    assert mine["status"] == "revoked" and mine["token"] is None  # no QR for a revoked card
    card = services.card_reissue(staff, membership_id=m.pk, reason="other", note="核实后恢复")
    assert card.generation == 2 and card.status == CardStatus.ACTIVE
    assert "补发" in m.worker.notices.first().text
    history = api_client.as_user(staff).get(f"/api/v1/members/{m.pk}/cards").json()
    assert [(c["generation"], c["status"]) for c in history] == [(2, "active"), (1, "revoked")]


def test_sibling_district_cannot_reissue_or_revoke(member, city, make_staff):
    _, m = member
    haidian = make_staff("haidian", city.haidian)
    with pytest.raises(NotFound):
        services.card_reissue(haidian, membership_id=m.pk, reason="lost")
    with pytest.raises(NotFound):
        services.card_revoke(haidian, membership_id=m.pk, reason="x")
    assert not MemberCard.objects.exists()


def test_expired_card_is_renewed_on_use_and_old_token_says_expired(api_client, member):
    user, _m = member
    card = services.card_current(user)
    MemberCard.objects.filter(pk=card.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    old_token = cards.card_token_for(MemberCard.objects.get(pk=card.pk))
    renewed = services.card_current(user)
    assert renewed.generation == 2 and MemberCard.objects.get(pk=card.pk).status == CardStatus.EXPIRED
    assert _verify(api_client, old_token)["status"] == "expired"
    assert not CardRevocation.objects.exists()  # expiry needs no list entry


def test_tampered_card_says_tampered_and_shows_nothing_of_it(api_client, member):
    user, _ = member
    token = api_client.as_user(user).get("/api/v1/cards/me").json()["token"]
    prefix, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    payload["e"] = 29991231
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    v = _verify(api_client, f"{prefix}.{forged}.{sig}")
    assert v["status"] == "tampered" and not v["valid"] and v["member_number"] is None
    assert _verify(api_client, "hello")["status"] == "not_a_card"


def test_leaving_revokes_the_card_and_a_legacy_token_without_generation(api_client, member):
    user, m = member
    # A token signed before cards had rows carries no generation: it is generation 1.
    legacy = cards.card_token_sign(member_number=m.member_number, name=m.worker.name, union_name=m.union.name,
                                   expires=dt.date.today() + dt.timedelta(days=30))
    _prefix, body, _ = legacy.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    assert payload["g"] == 1
    services.membership_leave(user, reason="离职")
    assert CardRevocation.objects.filter(member_number=m.member_number, generation=1).exists()
    assert _verify(api_client, legacy)["status"] == "revoked"


def test_reissue_of_a_left_member_is_refused(member, city, make_staff):
    user, m = member
    services.membership_leave(user, reason="离职")
    staff = make_staff("fangshan", city.fangshan)
    with pytest.raises(Conflict):
        services.card_reissue(staff, membership_id=m.pk, reason="lost")
    with pytest.raises(Conflict):
        services.card_revoke(staff, membership_id=m.pk, reason="x")
    assert not MemberCard.objects.filter(membership=m).exists()  # nothing issued for a left member
    with pytest.raises(NotFound):
        services.card_reissue(user, reason="lost")
    with pytest.raises(ValidationFailed):
        services.card_reissue(user, reason="")


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_simultaneous_reissues_leave_one_active_card_and_every_old_one_revoked(city, make_worker_user):
    require_postgres()
    from django.conf import settings

    user = make_worker_user(151, union=city.couriers)
    m = Membership.objects.get(worker__user=user)
    settings.CARD_REISSUE_DAILY_LIMIT = 100
    n = 5
    barrier = threading.Barrier(n)
    results: list = []

    def run():
        try:
            barrier.wait()
            results.append(services.card_reissue(user, reason="lost"))
        except DomainError as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == n and not [r for r in results if isinstance(r, Throttled)]
    cards_ = list(MemberCard.objects.filter(membership=m).order_by("generation"))
    # The membership lock serialises them: generations 1..n+1 without a gap, one active, the rest revoked.
    assert [c.generation for c in cards_] == list(range(1, n + 2)) or [c.generation for c in cards_] == list(
        range(2, n + 2))
    assert [c.status for c in cards_].count(CardStatus.ACTIVE) == 1 and cards_[-1].status == CardStatus.ACTIVE
    revoked = set(CardRevocation.objects.values_list("generation", flat=True))
    assert revoked == set(range(1, n + 1))
