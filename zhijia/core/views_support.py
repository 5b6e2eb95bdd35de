"""Decorators for pages: who may open them, and domain errors shown as a page instead of a 500."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.translation import gettext as _

from zhijia.core.errors import DomainError


def staff_page(view):
    """Staff console pages: sign-in required, union staff only; a DomainError renders as an error page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "/accounts/login/")
        if not getattr(request.user, "is_union_staff", False):
            return render(request, "core/error.html", {"message": _("仅限工会工作人员访问")}, status=403)
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return render(request, "core/error.html", {"message": exc.message}, status=exc.status)

    return wrapper


def worker_page(view):
    """Worker pages: sign-in required (phone and code); a DomainError renders as an error page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "/accounts/w/login/")
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return render(request, "core/error.html", {"message": exc.message, "worker": True}, status=exc.status)

    return wrapper


def call_with_message(request, fn, ok: str, **kwargs):
    """Call a service as `fn(request.user, **kwargs)` from a page: a success message on success, the domain error's
    message otherwise (then None is returned)."""
    from django.contrib import messages

    try:
        result = fn(request.user, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, ok)
    return result
