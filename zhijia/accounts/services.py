"""Sign-in: passwords for staff and demo workers, one-time SMS codes for workers, API bearer tokens.

Failed sign-ins are throttled per account and per client address through the shared cache (Redis in production),
so the limit holds across all web workers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijia.accounts.models import ApiToken, LoginCode, Role, User
from zhijia.accounts.sms import sms_send
from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core import hotsql
from zhijia.core.errors import DomainError, Throttled, ValidationFailed

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
CODE_TTL = dt.timedelta(minutes=5)
CODE_MAX_ATTEMPTS = 5


class AuthFailed(DomainError):
    status = 401
    default_code = "auth_failed"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _throttle_keys(ident: str, ip: str | None) -> list[str]:
    keys = [f"login-fail:id:{_digest(ident.lower())}"]
    if ip:
        keys.append(f"login-fail:ip:{ip}")
    return keys


def _check_throttle(ident: str, ip: str | None) -> None:
    limit = settings.LOGIN_THROTTLE_LIMIT
    for i, key in enumerate(_throttle_keys(ident, ip)):
        # The address limit is wider: many people may share one network.
        if (cache.get(key) or 0) >= (limit if i == 0 else limit * 10):
            raise Throttled(_("登录失败次数过多，请%(minutes)s分钟后再试")
                            % {"minutes": settings.LOGIN_THROTTLE_WINDOW_S // 60})


def _note_failure(ident: str, ip: str | None) -> None:
    for key in _throttle_keys(ident, ip):
        if not cache.add(key, 1, timeout=settings.LOGIN_THROTTLE_WINDOW_S):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=settings.LOGIN_THROTTLE_WINDOW_S)


def _clear_failures(ident: str) -> None:
    cache.delete(_throttle_keys(ident, None)[0])


def user_authenticate(*, username: str, password: str, ip: str | None = None, request=None) -> User:
    """Check a username and password, throttled. Raises AuthFailed or Throttled."""
    username = (username or "").strip()
    if not username:
        raise ValidationFailed.field("username", _("请输入用户名"))
    if not password:
        raise ValidationFailed.field("password", _("请输入密码"))
    _check_throttle(username, ip)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        _note_failure(username, ip)
        audit_record(actor=None, action=Action.LOGIN_FAILED, object_type="accounts.user", object_id=username[:64],
                     ip=ip)
        message = _("用户名或密码错误")
        raise AuthFailed(message, fields={"password": message})
    _clear_failures(username)
    return user


def login_code_request(*, phone: str, ip: str | None = None) -> None:
    """Send a six-digit sign-in code to a phone. Always answers the same, whether the phone is known or not."""
    phone = (phone or "").strip()
    if not PHONE_RE.match(phone):
        raise ValidationFailed.field("phone", _("手机号格式不正确"))
    key = f"login-code-sent:{phone}"
    if not cache.add(key, 1, timeout=60):
        raise Throttled(_("验证码发送过于频繁，请1分钟后再试"))
    code = f"{secrets.randbelow(10**6):06d}"
    LoginCode.objects.create(phone=phone, digest=_digest(f"{phone}:{code}"), expires_at=timezone.now() + CODE_TTL)
    transaction.on_commit(lambda: sms_send(phone=phone, text=f"【职工之家】您的登录验证码是{code}，5分钟内有效。"))


@transaction.atomic
def login_code_verify(*, phone: str, code: str, ip: str | None = None) -> User:
    """Sign a worker in with phone and code; creates the worker account on first sign-in."""
    phone = (phone or "").strip()
    if not PHONE_RE.match(phone):
        raise ValidationFailed.field("phone", _("手机号格式不正确"))
    _check_throttle(phone, ip)
    entry = (LoginCode.objects.select_for_update().filter(phone=phone, used_at__isnull=True,
                                                           expires_at__gt=timezone.now()).order_by("-id").first())
    if entry is None or entry.attempts >= CODE_MAX_ATTEMPTS or not hmac.compare_digest(
        entry.digest, _digest(f"{phone}:{(code or '').strip()}")
    ):
        if entry is not None:
            entry.attempts += 1
            entry.save(update_fields=["attempts"])
        _note_failure(phone, ip)
        message = _("验证码错误或已过期")
        raise AuthFailed(message, fields={"code": message})
    entry.used_at = timezone.now()
    entry.save(update_fields=["used_at"])
    user = User.objects.filter(phone=phone).first()
    if user is None:
        user = User.objects.create(username=f"p{phone}", phone=phone, role=Role.WORKER)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        _link_worker_record(user, phone)
    _clear_failures(phone)
    return user


def _link_worker_record(user: User, phone: str) -> None:
    """A worker already on a roster (imported or registered by staff) signs in for the first time: the account
    takes over that record, found by the phone's keyed hash, so their membership shows at once."""
    from zhijia.members.models import Worker
    from zhijia.members.selectors import worker_find_by_phone

    worker = worker_find_by_phone(phone)
    if worker is not None and worker.user_id is None:
        Worker.objects.filter(pk=worker.pk, user__isnull=True).update(user=user)
        user.display_name = worker.name
        user.save(update_fields=["display_name"])


def api_token_issue(*, user: User) -> tuple[str, ApiToken]:
    """Create a bearer token; the clear token is returned once and only its digest kept."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, digest=_digest(raw),
                                    expires_at=timezone.now() + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS))
    return raw, token


def api_token_valid(raw: str, *, via: str = "") -> Q:
    """The one definition of "a live bearer token of an active user" (known digest, not revoked, not expired), as a
    condition on User, or on a model that reaches User through `via` (such as "worker__user__"): a query that
    authenticates and reads what the request needs at once. Nothing is cached, so a revoked token fails at once."""
    return Q(**{f"{via}api_tokens__digest": _digest(raw), f"{via}api_tokens__revoked": False,
                f"{via}api_tokens__expires_at__gt": timezone.now(), f"{via}is_active": True})


def api_token_valid_sql(token: str, user: str) -> str:
    """api_token_valid as SQL, for the hand-written hot reads (core.hotsql): `token` and `user` are the aliases of
    accounts_apitoken and accounts_user; the parameters are api_token_valid_params(raw). A test holds the two forms
    to the same answers."""
    return f"{token}.digest = %s AND NOT {token}.revoked AND {token}.expires_at > %s AND {user}.is_active"


def api_token_valid_params(raw: str) -> list:
    return [_digest(raw), connection.ops.adapt_datetimefield_value(timezone.now())]


_TOKEN_USER = hotsql.Shape(User, "u")


@lru_cache(maxsize=1)
def _api_token_user_sql() -> str:
    # The digest is unique: at most one row, so no ORDER BY.
    return (f"SELECT {_TOKEN_USER.select()} FROM accounts_user u "  # noqa: S608 - column names from the model
            f"JOIN accounts_apitoken t ON t.user_id = u.id WHERE {api_token_valid_sql('t', 'u')} LIMIT 1")


def api_token_user(raw: str) -> User | None:
    """The user behind a bearer token, or None when it is unknown, revoked or expired (one query, hand-written:
    every API request of a phone signs in this way)."""
    if not raw:
        return None
    row = hotsql.fetch_one(_api_token_user_sql(), api_token_valid_params(raw))
    return None if row is None else _TOKEN_USER.build(row, 0)[0]
