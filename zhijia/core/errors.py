"""Domain errors: what a service raises when input or state forbids the action.

Each carries a stable `code`, a `message` and, where it is about input, the `fields` it concerns. One handler
(zhijia.api) turns them into the API's error shape {"code", "message", "fields"}; pages show them as form errors.

Messages are Chinese msgids translated where the error is raised (`gettext`), so they follow the request's language
(Chinese by default). A lazy message (`gettext_lazy`) is turned into text when the error is made.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _


def _text(value):
    return str(value) if isinstance(value, Promise) else value


class DomainError(Exception):
    status = 400
    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, str] | None = None,
                 status: int | None = None):
        message = _text(message)
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields = {name: _text(text) for name, text in fields.items()} if fields else {}
        if status is not None:
            self.status = status

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ValidationFailed(DomainError):
    status = 400
    default_code = "invalid"

    @classmethod
    def field(cls, name: str, message: str, *, code: str = "invalid") -> ValidationFailed:
        return cls(message, code=code, fields={name: message})


class NotFound(DomainError):
    """Missing, or outside the caller's scope: the two are indistinguishable on purpose."""

    status = 404
    default_code = "not_found"

    def __init__(self, message: str | None = None, **kwargs):
        super().__init__(message or _("对象不存在"), **kwargs)


class PermissionDenied(DomainError):
    status = 403
    default_code = "forbidden"

    def __init__(self, message: str | None = None, **kwargs):
        super().__init__(message or _("没有权限执行此操作"), **kwargs)


class Conflict(DomainError):
    status = 409
    default_code = "conflict"


class Throttled(DomainError):
    status = 429
    default_code = "throttled"


class Busy(DomainError):
    """A lock could not be had in time: the caller should retry, never a 500."""

    status = 503
    default_code = "busy"

    def __init__(self, message: str | None = None, **kwargs):
        super().__init__(message or _("系统繁忙，请稍后重试"), **kwargs)
