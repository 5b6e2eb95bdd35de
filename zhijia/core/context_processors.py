from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext

from zhijia.core.nav import STAFF_NAV, WORKER_NAV


def _entries(entries, role):
    out = []
    for e in entries:
        if e.roles and role not in e.roles:
            continue
        try:
            # Labels are written in Chinese (the source language) and translated when a .po has them.
            out.append({"key": e.key, "label": gettext(e.label), "url": reverse(e.url_name)})
        except NoReverseMatch:
            continue
    return out


# The worker's bottom tab bar holds home and these four; every entry stays on the home page's tiles.
WORKER_TABS = ("stations_map", "benefits", "w_appeals", "members_card")


def site(request) -> dict:
    user = getattr(request, "user", None)
    role = getattr(user, "role", None)
    return {
        "SITE_NAME": "职工之家",
        "IS_DEMO": settings.DEMO_ALLOWED,
        "staff_nav": _entries(STAFF_NAV, role) if getattr(user, "is_union_staff", False) else [],
        "worker_nav": _entries(WORKER_NAV, role),
        "worker_tabs": _worker_tabs(role),
    }


def _worker_tabs(role) -> list[dict]:
    entries = {e["key"]: e for e in _entries(WORKER_NAV, role)}
    tabs = [{"key": "home", "label": gettext("首页"), "url": reverse("core:worker_home")}]
    return tabs + [entries[k] for k in WORKER_TABS if k in entries]
