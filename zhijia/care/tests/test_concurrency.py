"""Real concurrent clients (threads, each with its own PostgreSQL connection) against the budget and stock rules,
next to a control run with the locks switched off that shows the race they prevent."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from zhijia.conftest import require_postgres
from zhijia.core.testing import run_concurrently as _run_concurrently

pytestmark = [pytest.mark.concurrency, pytest.mark.xdist_group("care_concurrency")]


def run_concurrently(n: int, fn) -> list[str]:
    """Outcomes of n simultaneous calls; a validation error is told by the field it names."""
    return _run_concurrently(n, fn, invalid_as_field=True)



@pytest.fixture
def world(transactional_db, city, make_staff):
    require_postgres()
    from zhijia.care import services

    admin = make_staff("cc_admin", city.root, role="municipal_admin")
    street = make_staff("cc_street", city.chengguan, role="grassroots_staff")
    today = timezone.localdate()
    campaign = services.campaign_create(admin, name="并发测试", budget="1000.00",
                                        starts_on=today - dt.timedelta(days=5), ends_on=today + dt.timedelta(days=5))
    return type("World", (), {"admin": admin, "street": street, "campaign": campaign, "city": city})


def test_concurrent_allocations_never_exceed_the_parent(world):
    from zhijia.care import services
    from zhijia.care.models import Allocation

    targets = [world.city.fangshan.pk, world.city.haidian.pk]
    results = run_concurrently(16, lambda i: services.allocation_create(
        world.admin, campaign_id=world.campaign.pk, union=targets[i % 2], amount="100.00"))
    assert results.count("ok") == 10, results
    assert set(results) <= {"ok", "amount"}, results
    root = Allocation.objects.get(campaign=world.campaign, parent__isnull=True)
    children = Allocation.objects.filter(campaign=world.campaign, parent=root).aggregate(s=Sum("amount"))["s"]
    assert root.allocated == children == Decimal("1000.00")


def _street_with_budget(world, amount="1000.00"):
    from zhijia.care import services

    services.allocation_create(world.admin, campaign_id=world.campaign.pk, union=world.city.fangshan.pk,
                               amount=amount)
    services.allocation_create(world.admin, campaign_id=world.campaign.pk, union=world.city.chengguan.pk,
                               amount=amount)


def _visit(world, amount="100.00", goods=None):
    from zhijia.care import services

    return services.visit_record(world.street, campaign=world.campaign.pk, union=world.city.chengguan.pk,
                                 group_name="城关快递站", people=3, amount=amount, goods=goods,
                                 visited_at=timezone.now() - dt.timedelta(minutes=1))


def _spent(world):
    from zhijia.care.models import Allocation, Visit

    allocation = Allocation.objects.get(campaign=world.campaign, union=world.city.chengguan)
    visits = Visit.objects.filter(allocation=allocation).aggregate(s=Sum("total"))["s"] or Decimal("0")
    return allocation, visits


def test_concurrent_visits_never_overspend_an_allocation(world, monkeypatch):
    from zhijia.care.services import visits

    _street_with_budget(world)
    monkeypatch.setattr(visits, "_after_read_hook", lambda: time.sleep(0.02))
    results = run_concurrently(16, lambda i: _visit(world))
    assert results.count("ok") == 10, results
    allocation, recorded = _spent(world)
    assert recorded == allocation.spent == allocation.amount == Decimal("1000.00")


def test_control_without_the_lock_visits_overspend(world, monkeypatch):
    """The control: the same entries with the row locks switched off overspend (lost updates)."""
    from zhijia.care.services import locking, visits

    _street_with_budget(world)
    monkeypatch.setattr(locking, "LOCKING", False)
    monkeypatch.setattr(visits, "_after_read_hook", lambda: time.sleep(0.05))
    results = run_concurrently(16, lambda i: _visit(world))
    allocation, recorded = _spent(world)
    assert recorded > allocation.amount, (results, recorded)
    assert allocation.spent < recorded  # the counter lost updates: the books no longer agree


def test_concurrent_visits_never_take_stock_below_zero(world, monkeypatch):
    from zhijia.care import services
    from zhijia.care.models import GoodsStock, VisitGoods
    from zhijia.care.services import visits

    _street_with_budget(world)
    services.stock_receive(world.street, union=world.city.chengguan.pk, kind="cotton_vest", quantity=5,
                           unit_value="30")
    monkeypatch.setattr(visits, "_after_read_hook", lambda: time.sleep(0.02))
    results = run_concurrently(12, lambda i: _visit(world, amount="0", goods=[
        {"kind": "cotton_vest", "quantity": 1, "unit_value": "30"}]))
    assert results.count("ok") == 5, results
    assert set(results) == {"ok", "goods.0.quantity"}
    assert GoodsStock.objects.get(union=world.city.chengguan).quantity == 0
    assert VisitGoods.objects.aggregate(s=Sum("quantity"))["s"] == 5


def test_concurrent_assistance_never_passes_the_yearly_cap(world, make_worker_user, settings):
    from zhijia.care import services
    from zhijia.care.models import Assistance, LivingStandard

    settings.CARE_ASSISTANCE_YEARLY_CAPS = {"living": "1000", "medical": "1", "education": "1", "emergency": "1"}
    LivingStandard.objects.create(region_code="110000", year=timezone.localdate().year, monthly_amount="1420")
    district = world.admin
    worker = make_worker_user(3, union=world.city.community).worker
    file = services.hardship_file_open(world.street, worker=worker.pk, yearly_income="12000",
                                       yearly_unavoidable_costs="0", causes=["illness"])
    services.hardship_file_check(world.street, file_id=file.pk, passed=True)
    services.hardship_file_approve(district, file_id=file.pk)
    results = run_concurrently(8, lambda i: services.assistance_record(world.street, file_id=file.pk, kind="living",
                                                                       amount="300"))
    assert results.count("ok") == 3, results
    assert Assistance.objects.aggregate(s=Sum("amount"))["s"] == Decimal("900.00")
