from __future__ import annotations

from typing import Any

from zhijia.audit.models import AuditEvent


def audit_record(*, actor, action: str, obj: Any = None, object_type: str = "", object_id: str = "",
                 union=None, ip: str | None = None, detail: dict | None = None) -> AuditEvent:
    """Append one event. `obj` fills type, id and repr; `union` (or the object's own union) scopes it."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        if union is None:
            union = obj if obj._meta.label_lower == "orgs.union" else getattr(obj, "union", None)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        union_path=union.path if union is not None else "",
        ip=ip,
        detail=detail or {},
    )
