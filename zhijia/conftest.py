"""Shared test fixtures. Data is built through the real services (or the demo seed), never hand-poked rows."""

from __future__ import annotations

import os
import uuid

import pytest
from django.conf import settings

REQUIRE_SERVICES = os.environ.get("ZHIJIA_REQUIRE_SERVICES") == "1"


def pytest_configure(config):
    # Tests run fast: a cheap hasher, eager Celery, a cache key prefix per run so parallel workers never share keys.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from zhijia.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    prefix = f"t{uuid.uuid4().hex[:8]}"
    for cache in settings.CACHES.values():
        cache["KEY_PREFIX"] = prefix
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


def signed_in(user, language: str | None = None):
    """A test client signed in as `user`, asking for `language` ("en") by the cookie the header's switch sets."""
    from django.test import Client

    c = Client()
    c.force_login(user)
    if language:
        c.cookies["django_language"] = language
    return c


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts and ends in the default language (zh-Hans): a request in English (the language cookie)
    leaves English active in the thread, which would leak into the next test's labels and messages."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache_namespace():
    """Each test gets its own cache key prefix: nothing leaks between tests, and no test clears what a parallel
    worker is using (clear() on Redis would flush the whole database)."""
    from django.core.cache import caches

    cache = caches["default"]
    previous = cache.key_prefix
    cache.key_prefix = f"t{uuid.uuid4().hex[:12]}"
    yield
    cache.key_prefix = previous


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, plus: before it is dropped, end the sessions that threads of concurrency tests
    and the live server left open (otherwise the drop fails with "being accessed by other users")."""
    yield
    if not settings.IS_POSTGRES:
        return
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def require_postgres():
    """Skip (or, in CI, fail) a test that needs PostgreSQL when the suite runs on SQLite."""
    if settings.IS_POSTGRES:
        return
    if REQUIRE_SERVICES:
        pytest.fail("this test needs PostgreSQL and ZHIJIA_REQUIRE_SERVICES=1")
    pytest.skip("needs PostgreSQL")


def token_in_state(user, state: str) -> str:
    """A fresh bearer token of `user`, then made "revoked", "expired" or its user "inactive" (any other state: left
    live). Returns the clear token."""
    import datetime as dt

    from django.utils import timezone

    from zhijia.accounts.services import api_token_issue

    raw, token = api_token_issue(user=user)
    if state == "revoked":
        token.revoked = True
        token.save()
    elif state == "expired":
        token.expires_at = timezone.now() - dt.timedelta(seconds=1)
        token.save()
    elif state == "inactive":
        user.is_active = False
        user.save()
    return raw


def require_redis() -> str:
    if settings.REDIS_URL:
        return settings.REDIS_URL
    if REQUIRE_SERVICES:
        pytest.fail("this test needs Redis and ZHIJIA_REQUIRE_SERVICES=1")
    pytest.skip("needs Redis")


@pytest.fixture
def city(db):
    """A small city tree: 北京 → 房山 (→ 城关街道 → 社区; 快递行业工会) and 海淀 (→ 中关村街道)."""
    from zhijia.orgs.models import Kind, Level, Occupation, Union
    from zhijia.orgs.services import _insert

    def add(parent, name, **kw):
        return _insert(Union(parent=parent, name=name, **kw))

    root = add(None, "北京市总工会", level=Level.MUNICIPAL, kind=Kind.FEDERATION, region_code="110000")
    fangshan = add(root, "房山区总工会", level=Level.DISTRICT, kind=Kind.FEDERATION, region_code="110111")
    haidian = add(root, "海淀区总工会", level=Level.DISTRICT, kind=Kind.FEDERATION, region_code="110108")
    chengguan = add(fangshan, "城关街道总工会", level=Level.STREET, kind=Kind.FEDERATION, region_code="110111001000")
    community = add(chengguan, "某社区工会", level=Level.COMMUNITY, kind=Kind.COMMUNITY, region_code="110111001001")
    couriers = add(fangshan, "房山区快递行业工会联合会", level=Level.DISTRICT, kind=Kind.REGIONAL_INDUSTRY,
                   occupation=Occupation.COURIER, region_code="110111")
    zhongguancun = add(haidian, "中关村街道总工会", level=Level.STREET, kind=Kind.FEDERATION,
                       region_code="110108010000")
    return type("City", (), {"root": root, "fangshan": fangshan, "haidian": haidian, "chengguan": chengguan,
                             "community": community, "couriers": couriers, "zhongguancun": zhongguancun})


@pytest.fixture
def make_staff(db):
    from zhijia.accounts.models import User

    def make(username: str, union, role: str = "district_staff", password: str = "pw-12345678"):
        user = User.objects.create(username=username, role=role, union=union)
        user.set_password(password)
        user.save()
        return user

    return make


@pytest.fixture
def make_worker_user(db):
    """A worker account with a Worker record (optionally an admitted member of `union`)."""
    from zhijia.accounts.models import User
    from zhijia.core.crypto import keyed_hash
    from zhijia.members.demo import demo_person
    from zhijia.members.models import Membership, Worker, member_number_for

    def make(i: int, union=None, occupation: str | None = None, password: str = "pw-12345678"):
        p = demo_person(i)
        user = User.objects.create(username=f"w{i:06d}", role="worker", display_name=p["name"])
        user.set_password(password)
        user.save()
        worker = Worker.objects.create(
            user=user, name=p["name"], id_number=p["id_number"], id_number_hash=keyed_hash(p["id_number"]),
            phone=p["phone"], phone_hash=keyed_hash(p["phone"]), gender=p["gender"], birth_date=p["birth"],
            occupation=occupation or p["occupation"], work_region_code=union.region_code if union else "110111",
        )
        if union is not None:
            m = Membership.objects.create(worker=worker, union=union, status="admitted")
            m.member_number = member_number_for(m)
            m.save(update_fields=["member_number"])
        return user

    return make


@pytest.fixture
def api_client():
    """A JSON client for the API; `.as_user(user)` signs it in with a bearer token issued by the real service."""
    from django.test import Client

    from zhijia.accounts.services import api_token_issue

    class ApiClient(Client):
        token: str | None = None

        def as_user(self, user):
            self.token, _ = api_token_issue(user=user)
            return self

        def _auth(self, kw):
            if self.token:
                kw.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
            return kw

        def get(self, path, data=None, **kw):
            return super().get(path, data, **self._auth(kw))

        def post(self, path, data=None, **kw):
            return super().post(path, data if data is not None else {}, content_type="application/json",
                                **self._auth(kw))

        def patch(self, path, data=None, **kw):
            return super().patch(path, data or {}, content_type="application/json", **self._auth(kw))

        def delete(self, path, **kw):
            return super().delete(path, **self._auth(kw))

    return ApiClient()


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture
def browser_page(live_server):
    """A headless Chromium page (Debian's chromium, driven by Playwright) against the live server.

    Use with `@pytest.mark.browser` and `transactional_db`. Screenshots go to var/screenshots/.
    """
    if not os.path.exists(CHROMIUM):
        if REQUIRE_SERVICES:
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip("Chromium not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.base_url = live_server.url
        yield page
        context.close()
        browser.close()


def screenshot(page, name: str) -> str:
    """Save a screenshot under var/screenshots/ and return its path."""
    out = settings.VAR_DIR / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return str(path)
