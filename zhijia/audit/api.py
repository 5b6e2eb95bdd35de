from ninja import Router
from ninja.pagination import paginate

from zhijia.audit.schemas import AuditEventOut
from zhijia.audit.selectors import audit_event_list
from zhijia.core.pagination import PageNumber

router = Router(tags=["审计 audit"])


@router.get("/events", response=list[AuditEventOut], summary="审计日志（本级及下级）")
@paginate(PageNumber)
def event_list(request, action: str | None = None, object_type: str | None = None):
    return audit_event_list(user=request.user, action=action, object_type=object_type)
