"""Editing and withdrawing an offer before it opens (audited), and the waiting member's view of their place."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhijia.benefits import services
from zhijia.core.errors import Conflict, NotFound, ValidationFailed


@pytest.fixture
def later(make_offer):
    """An offer that opens in an hour."""
    now = timezone.now()
    return make_offer(units=3, release_at=now + dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1))


def _audit(action, benefit):
    from zhijia.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action, object_id=str(benefit.pk)))


def test_staff_edits_an_offer_before_it_opens_and_it_is_audited(staff, later, settings):
    settings.BENEFITS_GATE = "db"
    new_release = later.release_at + dt.timedelta(hours=2)
    edited = services.benefit_update(staff, benefit_id=later.pk, units=5, title="十渡年票（加量）",
                                     release_at=new_release)
    edited.refresh_from_db()
    assert (edited.units, edited.title, edited.release_at) == (5, "十渡年票（加量）", new_release)
    [event] = _audit("benefit.update", later)
    assert event.detail["changed"]["units"] == [3, 5]
    assert set(event.detail["changed"]) == {"units", "title", "release_at"}


def test_edit_checks_terms_like_publishing(staff, later):
    with pytest.raises(ValidationFailed) as exc:
        services.benefit_update(staff, benefit_id=later.pk, closes_at=later.release_at - dt.timedelta(hours=1))
    assert "closes_at" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.benefit_update(staff, benefit_id=later.pk, units=None)
    assert "units" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.benefit_update(staff, benefit_id=later.pk, release_at=timezone.now() + dt.timedelta(seconds=10))
    assert "release_at" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.benefit_update(staff, benefit_id=later.pk, mode="lottery")
    later.refresh_from_db()
    assert later.units == 3 and _audit("benefit.update", later) == []


def test_no_edit_or_withdraw_once_open_or_within_the_cutoff(staff, make_offer, members, settings):
    settings.BENEFITS_GATE = "db"
    now = timezone.now()
    opened = make_offer()  # released a minute ago
    soon = make_offer(release_at=now + dt.timedelta(seconds=30), closes_at=now + dt.timedelta(days=1))
    for offer in (opened, soon):
        with pytest.raises(Conflict) as exc:
            services.benefit_update(staff, benefit_id=offer.pk, units=9)
        assert exc.value.code == "not_editable"
        with pytest.raises(Conflict):
            services.benefit_withdraw(staff, benefit_id=offer.pk, reason="x")
    opened.refresh_from_db()
    assert opened.units == 3 and opened.withdrawn_at is None


def test_sibling_district_cannot_edit_or_withdraw(city, make_staff, later):
    haidian = make_staff("hd", city.haidian)
    with pytest.raises(NotFound):
        services.benefit_update(haidian, benefit_id=later.pk, units=9)
    with pytest.raises(NotFound):
        services.benefit_withdraw(haidian, benefit_id=later.pk, reason="不是我们的")
    later.refresh_from_db()
    assert later.units == 3 and later.withdrawn_at is None


def test_withdrawn_offer_leaves_members_lists_and_refuses_claims(staff, later, members, api_client, settings):
    settings.BENEFITS_GATE = "db"
    with pytest.raises(ValidationFailed):
        services.benefit_withdraw(staff, benefit_id=later.pk, reason=" ")
    services.benefit_withdraw(staff, benefit_id=later.pk, reason="场地检修")
    [event] = _audit("benefit.withdraw", later)
    assert event.detail["reason"] == "场地检修"
    worker = api_client.__class__().as_user(members(1))
    assert worker.get("/api/v1/benefits").json()["count"] == 0
    assert worker.get(f"/api/v1/benefits/{later.pk}").status_code == 404
    # Even after its release time has come, it takes no claims.
    later.__class__.objects.filter(pk=later.pk).update(release_at=timezone.now() - dt.timedelta(minutes=1))
    resp = worker.post(f"/api/v1/benefits/{later.pk}/claims", {}, HTTP_IDEMPOTENCY_KEY="k")
    assert resp.status_code == 404 and later.claims.count() == 0
    staff_view = api_client.__class__().as_user(staff).get(f"/api/v1/benefits/{later.pk}").json()
    assert staff_view["withdrawn_reason"] == "场地检修" and staff_view["withdrawn_at"]
    with pytest.raises(Conflict):
        services.benefit_update(staff, benefit_id=later.pk, units=9)


def test_edit_starts_the_redis_gate_afresh(staff, make_offer, members, settings, on_commit):
    """The reconcile job may have armed the gate with the old units: after the edit the offer's keys are new."""
    from zhijia.benefits import gate
    from zhijia.conftest import require_redis

    require_redis()
    settings.BENEFITS_GATE = "auto"
    now = timezone.now()
    offer = make_offer(units=2, release_at=now + dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1))
    services.benefit_reconcile(benefit_id=offer.pk)
    old_keys = gate.all_keys(offer)
    assert gate.remaining(offer) == 2
    with on_commit(execute=True):
        services.benefit_update(staff, benefit_id=offer.pk, units=4)
    offer.refresh_from_db()
    assert gate.all_keys(offer) != old_keys and not gate.client().exists(*old_keys)
    # Claims open: the gate arms itself from the database with the new stock.
    offer.__class__.objects.filter(pk=offer.pk).update(release_at=now - dt.timedelta(minutes=1))
    from zhijia.benefits.selectors import _CLAIM_CACHE

    _CLAIM_CACHE.clear()
    for i in range(1, 6):
        services.claim_create(members(i), benefit_id=offer.pk, idempotency_key=f"k{i}")
    assert offer.claims.filter(status="confirmed").count() == 4
    services.waitlist_settle()  # places in line are written in batches
    assert offer.claims.filter(status="waitlisted").count() == 1
    gate.gate_drop(offer)


def test_edit_and_withdraw_through_the_api(api_client, staff, later, settings):
    settings.BENEFITS_GATE = "db"
    client = api_client.as_user(staff)
    resp = client.patch(f"/api/v1/benefits/{later.pk}", {"units": 7, "redemption_place": "西门"})
    assert resp.status_code == 200, resp.json()
    assert (resp.json()["units"], resp.json()["redemption_place"]) == (7, "西门")
    bad = client.patch(f"/api/v1/benefits/{later.pk}", {"units": 0})
    assert bad.status_code == 400 and "units" in bad.json()["fields"]
    gone = client.post(f"/api/v1/benefits/{later.pk}/withdraw", {"reason": "取消"})
    assert gone.status_code == 200 and gone.json()["withdrawn_at"]
    again = client.post(f"/api/v1/benefits/{later.pk}/withdraw", {"reason": "取消"})
    assert again.status_code == 409 and again.json()["code"] == "withdrawn"


def test_console_edit_and_withdraw_pages(client, staff, later):
    client.force_login(staff)
    page = client.get(f"/console/benefits/{later.pk}/")
    assert "撤回活动" in page.content.decode()
    edit = client.get(f"/console/benefits/{later.pk}/edit/")
    assert edit.status_code == 200 and later.title in edit.content.decode()
    client.post(f"/console/benefits/{later.pk}/withdraw/", {"reason": "天气原因"})
    later.refresh_from_db()
    assert later.withdrawn_reason == "天气原因"
    page = client.get(f"/console/benefits/{later.pk}/").content.decode()
    assert "已撤回" in page and "撤回活动" not in page


def test_waiting_member_sees_how_many_are_ahead(api_client, make_offer, members, settings, on_commit, client):
    settings.BENEFITS_GATE = "db"
    offer = make_offer(units=1)
    for i in range(1, 5):
        services.claim_create(members(i), benefit_id=offer.pk, idempotency_key=f"k{i}")
    mine = api_client.__class__().as_user(members(4)).get("/api/v1/benefits/claims/mine").json()["items"][0]
    assert (mine["status"], mine["waiting_ahead"]) == ("waitlisted", 2)
    # Member 2 leaves the line: member 4 now has one ahead.
    second = offer.claims.get(worker__user=members(2))
    services.claim_cancel(members(2), claim_id=second.pk)
    mine = api_client.__class__().as_user(members(4)).get("/api/v1/benefits/claims/mine").json()["items"][0]
    assert mine["waiting_ahead"] == 1
    client.force_login(members(4))
    page = client.get("/w/benefits/mine/").content.decode()
    assert "前面还有 1 人" in page
    holder = api_client.__class__().as_user(members(1)).get("/api/v1/benefits/claims/mine").json()["items"][0]
    assert holder["status"] == "confirmed" and holder["waiting_ahead"] is None
