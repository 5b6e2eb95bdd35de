"""Fixtures for the benefits tests: offers built through the real service, and the gate mode under test."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone


@pytest.fixture(params=["redis", "db"])
def gate_mode(request, settings):
    """Run a test through the Redis gate and through database locking."""
    if request.param == "redis":
        from zhijia.conftest import require_redis

        require_redis()
        settings.BENEFITS_GATE = "auto"
    else:
        settings.BENEFITS_GATE = "db"
    return request.param


@pytest.fixture
def staff(city, make_staff):
    return make_staff("fs_staff", city.fangshan)


@pytest.fixture
def make_offer(staff):
    """Offers made through the real service; their Redis keys are dropped after the test."""
    from zhijia.benefits.services import benefit_create

    made = []

    def make(**kw):
        now = timezone.now()
        args = {"title": "十渡风景区年票", "kind": "pass", "units": 3, "per_member_limit": 1,
                "release_at": now - dt.timedelta(minutes=1), "closes_at": now + dt.timedelta(days=1),
                "redemption_place": "十渡景区东门"}
        args.update(kw)
        offer = benefit_create(kw.pop("actor", staff), **{k: v for k, v in args.items() if k != "actor"})
        made.append(offer)
        return offer

    yield make
    if settings.REDIS_URL:
        from zhijia.benefits import gate

        for offer in made:
            gate.gate_drop(offer)


@pytest.fixture
def members(city, make_worker_user):
    """Admitted members of 房山 (城关街道), numbered from 1."""
    made: dict[int, object] = {}

    def get(i: int, union=None, occupation=None):
        if i not in made:
            made[i] = make_worker_user(i, union or city.chengguan, occupation=occupation)
        return made[i]

    return get


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit hooks (Redis give-backs, notifications) inside a test wrapped in a transaction."""
    return django_capture_on_commit_callbacks


@pytest.fixture(autouse=True)
def _fresh_offer_cache():
    from zhijia.benefits.selectors import _CLAIM_CACHE

    _CLAIM_CACHE.clear()
    yield
    _CLAIM_CACHE.clear()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Overrides the project fixture: delete only this run's cache keys instead of flushing the whole Redis
    database, which would pull the Redis gate out from under tests running in parallel workers."""
    from django.core.cache import cache

    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    if settings.REDIS_URL and prefix:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for pattern in (f"{prefix}:*", f"zj:bf:{prefix}:*"):
            keys = list(client.scan_iter(pattern, count=1000))
            if keys:
                client.delete(*keys)
    else:
        cache.clear()
    yield
