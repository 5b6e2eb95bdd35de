"""Real concurrent clients (threads, each with its own PostgreSQL connection) spending from one grant, next to a
control run with the lock switched off that shows the race it prevents."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.db.models import Sum

from zhijia.conftest import require_postgres
from zhijia.core.testing import run_concurrently

pytestmark = [pytest.mark.concurrency, pytest.mark.xdist_group("studios_concurrency")]




@pytest.fixture
def grant(transactional_db, admin, make_studio):
    require_postgres()
    from zhijia.studios import services

    studio = make_studio(admin)
    return services.grant_create(admin, studio_id=studio.pk, amount="1000", year=2021, purpose="并发测试")


def _books(grant):
    from zhijia.studios.models import SpendingEntry

    grant.refresh_from_db()
    entries = SpendingEntry.objects.filter(grant=grant).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return grant.spent, entries


def test_concurrent_spending_never_overspends_a_grant(grant, admin, monkeypatch):
    from zhijia.studios import services

    monkeypatch.setattr(services, "_after_read_hook", lambda: time.sleep(0.02))
    results = run_concurrently(16, lambda i: services.grant_spend(admin, grant_id=grant.pk, amount="100",
                                                                  purpose="耗材"))
    assert results.count("ok") == 10, results
    assert set(results) == {"ok", "overspent"}, results
    assert _books(grant) == (Decimal("1000.00"), Decimal("1000.00"))


def test_control_without_the_lock_spending_overspends(grant, admin, monkeypatch):
    """The control: the same calls with the row lock switched off record more than the grant (lost updates)."""
    from zhijia.studios import services

    monkeypatch.setattr(services, "LOCKING", False)
    monkeypatch.setattr(services, "_after_read_hook", lambda: time.sleep(0.05))
    results = run_concurrently(16, lambda i: services.grant_spend(admin, grant_id=grant.pk, amount="100",
                                                                  purpose="耗材"))
    spent, entries = _books(grant)
    assert entries > Decimal("1000.00"), (results, entries)
    assert spent < entries  # the counter lost updates: the books no longer agree
