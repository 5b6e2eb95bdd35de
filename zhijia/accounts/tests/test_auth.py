"""Sign-in: bearer tokens, throttled failures, one-time phone codes, sessions for pages."""

import re

import pytest
from django.test import override_settings

from zhijia.accounts.models import User
from zhijia.accounts.sms import LogSmsBackend
from zhijia.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_token_for_username_and_password_opens_the_api(city, make_staff, api_client):
    make_staff("fangshan", city.fangshan, password="right-password")

    response = api_client.post("/api/v1/auth/token", {"username": "fangshan", "password": "right-password"})

    assert response.status_code == 200
    token = response.json()["token"]
    me = api_client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.json()["union_name"] == "房山区总工会"
    assert me.json()["role"] == "district_staff"


def test_wrong_password_is_401_in_the_error_shape_and_audited(city, make_staff, api_client):
    make_staff("fangshan", city.fangshan, password="right-password")

    response = api_client.post("/api/v1/auth/token", {"username": "fangshan", "password": "wrong"})

    assert response.status_code == 401
    assert response.json()["fields"] == {"password": "用户名或密码错误"}
    assert AuditEvent.objects.filter(action="login_failed", object_id="fangshan").exists()


@override_settings(LOGIN_THROTTLE_LIMIT=3)
def test_failed_logins_are_throttled_even_with_the_right_password_afterwards(city, make_staff, api_client):
    make_staff("fangshan", city.fangshan, password="right-password")
    for _ in range(3):
        assert api_client.post("/api/v1/auth/token", {"username": "fangshan", "password": "x"}).status_code == 401

    blocked = api_client.post("/api/v1/auth/token", {"username": "fangshan", "password": "right-password"})

    assert blocked.status_code == 429
    assert blocked.json()["code"] == "throttled"
    assert "分钟后再试" in blocked.json()["message"]


@override_settings(LOGIN_THROTTLE_LIMIT=3)
def test_a_success_clears_the_failure_count(city, make_staff, api_client):
    make_staff("fangshan", city.fangshan, password="right-password")
    for _ in range(2):
        api_client.post("/api/v1/auth/token", {"username": "fangshan", "password": "x"})
    assert api_client.post("/api/v1/auth/token",
                           {"username": "fangshan", "password": "right-password"}).status_code == 200

    for _ in range(2):
        api_client.post("/api/v1/auth/token", {"username": "fangshan", "password": "x"})

    assert api_client.post("/api/v1/auth/token",
                           {"username": "fangshan", "password": "right-password"}).status_code == 200


def test_revoked_or_unknown_token_is_refused(city, make_staff, api_client):
    user = make_staff("fangshan", city.fangshan)
    api_client.as_user(user)
    user.api_tokens.update(revoked=True)

    assert api_client.get("/api/v1/auth/me").status_code == 401
    assert api_client.get("/api/v1/auth/me", HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401


def _last_code(phone: str) -> str:
    text = next(t for p, t in reversed(LogSmsBackend.sent) if p == phone)
    return re.search(r"\d{6}", text).group(0)


def test_worker_signs_in_with_phone_and_code(db, api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post("/api/v1/auth/code", {"phone": "13800138000"}).status_code == 204
    code = _last_code("13800138000")

    response = api_client.post("/api/v1/auth/token", {"phone": "13800138000", "code": code})

    assert response.status_code == 200
    assert response.json()["role"] == "worker"
    assert User.objects.get(phone="13800138000").role == "worker"
    # A code is good once.
    again = api_client.post("/api/v1/auth/token", {"phone": "13800138000", "code": code})
    assert again.status_code == 401
    assert "code" in again.json()["fields"]


def test_bad_phone_is_named(db, api_client):
    response = api_client.post("/api/v1/auth/code", {"phone": "12345"})

    assert response.status_code == 400
    assert response.json()["fields"] == {"phone": "手机号格式不正确"}


def test_codes_cannot_be_requested_in_a_tight_loop(db, api_client):
    assert api_client.post("/api/v1/auth/code", {"phone": "13900139000"}).status_code == 204

    assert api_client.post("/api/v1/auth/code", {"phone": "13900139000"}).status_code == 429


def test_staff_page_login_uses_the_session(city, make_staff, client):
    make_staff("fangshan", city.fangshan, password="right-password")

    response = client.post("/accounts/login/", {"username": "fangshan", "password": "right-password"})

    assert response.status_code == 302
    assert response["Location"] == "/console/"
    home = client.get("/console/")
    assert "房山区总工会" in home.content.decode()


def test_staff_page_login_failure_shows_the_message(city, make_staff, client):
    make_staff("fangshan", city.fangshan, password="right-password")

    response = client.post("/accounts/login/", {"username": "fangshan", "password": "nope"})

    assert response.status_code == 400
    assert "用户名或密码错误" in response.content.decode()


def test_first_phone_sign_in_takes_over_the_roster_record_with_that_phone(city, api_client,
                                                                          django_capture_on_commit_callbacks):
    from zhijia.core.crypto import keyed_hash
    from zhijia.members.demo import demo_person
    from zhijia.members.models import Membership, Worker

    p = demo_person(7)
    worker = Worker.objects.create(name=p["name"], id_number=p["id_number"], id_number_hash=keyed_hash(p["id_number"]),
                                   phone=p["phone"], phone_hash=keyed_hash(p["phone"]), gender=p["gender"],
                                   birth_date=p["birth"])
    Membership.objects.create(worker=worker, union=city.chengguan, status="admitted")
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post("/api/v1/auth/code", {"phone": p["phone"]})

    token = api_client.post("/api/v1/auth/token", {"phone": p["phone"], "code": _last_code(p["phone"])}).json()

    worker.refresh_from_db()
    assert worker.user_id == token["user_id"]
    assert worker.user.display_name == p["name"]


@pytest.mark.parametrize("state", ["live", "revoked", "expired", "inactive"])
def test_hand_written_token_read_agrees_with_the_orm_definition(city, make_staff, state):
    """api_token_user is SQL written by hand (core.hotsql); api_token_valid is the definition. Same answer in every
    state, and the user comes back whole (no deferred field)."""
    from zhijia.accounts.services import api_token_user, api_token_valid
    from zhijia.conftest import token_in_state

    user = make_staff("fangshan", city.fangshan)
    raw = token_in_state(user, state)
    orm = User.objects.filter(api_token_valid(raw)).first()
    fast = api_token_user(raw)
    assert fast == orm and (fast is not None) == (state == "live")
    if fast is not None:
        assert not fast.get_deferred_fields()
        assert (fast.username, fast.role, fast.union_id, fast.date_joined) == (
            orm.username, orm.role, orm.union_id, orm.date_joined)


def test_a_dead_bearer_token_is_401_even_where_pages_post_with_csrf(city, make_staff):
    """With CSRF enforced (as in production), a POST with an unknown token is refused as unauthenticated (401 in
    the error shape), not by the session check's CSRF 403; a page's session without a token still needs CSRF."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    resp = client.post("/api/v1/benefits/1/claims", "{}", content_type="application/json",
                       HTTP_AUTHORIZATION="Bearer not-a-token", HTTP_IDEMPOTENCY_KEY="k")
    assert resp.status_code == 401 and resp.json()["code"] == "unauthenticated"
    client.force_login(make_staff("fangshan", city.fangshan))
    resp = client.post("/api/v1/benefits/1/claims", "{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert resp.status_code == 403
