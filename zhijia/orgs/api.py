from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core.errors import NotFound
from zhijia.core.http import client_ip
from zhijia.core.pagination import PageNumber
from zhijia.core.xlsx import xlsx_response
from zhijia.orgs import selectors, services
from zhijia.orgs.models import Founding
from zhijia.orgs.schemas import FoundingIn, FoundingOut, MoveIn, UnionIn, UnionOut, UnionPatch

router = Router(tags=["工会组织 unions"])


class UnionFilters(Schema):
    parent: int | None = None
    level: str | None = None
    kind: str | None = None
    region_code: str | None = None
    q: str | None = None


@router.get("", response=list[UnionOut], summary="工会列表（本级及下级）")
@paginate(PageNumber)
def union_list(request, filters: Query[UnionFilters]):
    return selectors.union_list(user=request.user, parent_id=filters.parent, level=filters.level, kind=filters.kind,
                                region_code=filters.region_code, q=filters.q)


@router.get("/export.xlsx", summary="导出工会列表（Excel，本级及下级）")
def union_export(request, root: int | None = None):
    scope = selectors.require_staff(request.user)
    audit_record(actor=request.user, action=Action.EXPORT, object_type="orgs.union", union=scope,
                 ip=client_ip(request), detail={"root": root})
    return xlsx_response("工会组织.xlsx", selectors.UNION_EXPORT_HEADERS,
                         selectors.union_export_rows(user=request.user, root_id=root), sheet="工会组织")


@router.post("", response={201: UnionOut}, summary="新建下级工会")
def union_create(request, payload: UnionIn):
    return Status(201, services.union_create(actor=request.user, **payload.dict()))


@router.get("/{union_id}", response=UnionOut, summary="工会详情")
def union_detail(request, union_id: int):
    return selectors.union_get(user=request.user, union_id=union_id)


@router.patch("/{union_id}", response=UnionOut, summary="修改工会信息")
def union_update(request, union_id: int, payload: UnionPatch):
    return services.union_update(actor=request.user, union_id=union_id, **payload.dict(exclude_unset=True))


@router.get("/{union_id}/children", response=list[UnionOut], summary="直属下级工会")
@paginate(PageNumber)
def union_children(request, union_id: int):
    return selectors.union_children(user=request.user, union_id=union_id)


@router.get("/{union_id}/ancestors", response=list[UnionOut], summary="上级工会链（管辖范围内）")
def union_ancestors(request, union_id: int):
    union = selectors.union_get(user=request.user, union_id=union_id)
    return selectors.union_breadcrumb(user=request.user, union=union)[:-1]


@router.post("/{union_id}/move", response=UnionOut, summary="移动工会（连同下级）")
def union_move(request, union_id: int, payload: MoveIn):
    return services.union_move(actor=request.user, union_id=union_id, new_parent_id=payload.parent_id)


@router.post("/{union_id}/founding", response={201: FoundingOut}, summary="登记建会及首届委员会")
def founding_record(request, union_id: int, payload: FoundingIn):
    founding = services.founding_record(actor=request.user, union_id=union_id, **payload.dict())
    return Status(201, founding)


@router.get("/{union_id}/founding", response=FoundingOut, summary="建会记录")
def founding_detail(request, union_id: int):
    union = selectors.union_get(user=request.user, union_id=union_id)
    founding = Founding.objects.prefetch_related("committee").filter(union=union).first()
    if founding is None:
        raise NotFound(_("该工会尚无建会记录"))
    return founding
