from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from zhijia.core.views_support import worker_page


@lru_cache(maxsize=4)
def _redis_client(url: str):
    """One client (and so one connection pool) per URL for the life of the process, not a new connection per probe."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


@never_cache
def healthz(request):
    """The database and, when configured, Redis: 200 when all answer, 503 otherwise."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = f"ok ({connection.vendor})"
    except Exception as exc:  # noqa: BLE001 - a health check reports any failure
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            _redis_client(settings.REDIS_URL).ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(v.startswith("ok") for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def favicon(request):
    """Clients that ask /favicon.ico without reading the page's <link rel="icon"> get the static SVG."""
    return redirect(static("img/favicon.svg"), permanent=True)


def home(request):
    """The front door: staff go to the console, everyone else to the worker pages."""
    if request.user.is_authenticated and getattr(request.user, "is_union_staff", False):
        return redirect("orgs:console_home")
    return redirect("core:worker_home")


@worker_page
def worker_home(request):
    from zhijia.members.selectors import current_membership, worker_for_user

    worker = worker_for_user(request.user)
    return render(request, "core/worker_home.html", {"worker": worker, "membership": current_membership(worker)})
