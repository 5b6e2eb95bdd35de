from __future__ import annotations

from django.db.models import QuerySet

from zhijia.audit.models import AuditEvent
from zhijia.orgs.selectors import require_staff


def audit_event_list(*, user, action: str | None = None, object_type: str | None = None) -> QuerySet[AuditEvent]:
    """Events about objects in the caller's subtree (admins and district staff only)."""
    scope = require_staff(user, roles=("municipal_admin", "district_staff"))
    qs = AuditEvent.objects.filter(union_path__startswith=scope.path).select_related("actor")
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    return qs
