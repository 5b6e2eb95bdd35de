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


def site(request) -> dict:
    user = getattr(request, "user", None)
    role = getattr(user, "role", None)
    return {
        "SITE_NAME": "职工之家",
        "IS_DEMO": settings.DEMO_ALLOWED,
        "staff_nav": _entries(STAFF_NAV, role) if getattr(user, "is_union_staff", False) else [],
        "worker_nav": _entries(WORKER_NAV, role),
    }
