"""Innovation studios API: studios, members, support funds and spending, results, annual reviews, totals."""

from django.http import HttpResponse
from ninja import Router, Status
from ninja.pagination import paginate

from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core.pagination import PageNumber
from zhijia.core.xlsx import xlsx_response
from zhijia.studios import selectors, services
from zhijia.studios.schemas import (
    AwardIn,
    AwardOut,
    ConversionIn,
    ConversionOut,
    GrantIn,
    GrantOut,
    MemberIn,
    MemberOut,
    PatentIn,
    PatentOut,
    PointOut,
    ResultsOut,
    ReviewIn,
    ReviewOut,
    SpendIn,
    SpendOut,
    StudioIn,
    StudioOut,
    StudioPatch,
    TotalsOut,
)

router = Router(tags=["创新工作室 studios"])


@router.get("", response=list[StudioOut], summary="创新工作室列表（本级及下级）")
@paginate(PageNumber)
def studio_list(request, level: str | None = None, status: str | None = None, region_code: str | None = None,
                field: str | None = None, q: str | None = None):
    return selectors.studio_list(user=request.user, level=level, status=status, region_code=region_code,
                                 field=field, q=q)


@router.post("", response={201: StudioOut}, summary="命名创新工作室")
def studio_create(request, payload: StudioIn):
    data = payload.dict()
    studio = services.studio_create(request.user, union_id=data.pop("union"),
                                    leader_worker_id=data.pop("leader_worker"), **data)
    return Status(201, selectors.studio_get(user=request.user, studio_id=studio.pk))


@router.get("/totals", response=TotalsOut, summary="分区汇总：工作室、助推资金、专利、成果转化")
def totals(request):
    return selectors.studio_totals(user=request.user)


@router.get("/totals.xlsx", summary="分区汇总导出 Excel")
def totals_export(request) -> HttpResponse:
    rows = list(selectors.totals_export_rows(user=request.user))
    audit_record(actor=request.user, action=Action.EXPORT, object_type="studios.totals",
                 union=request.user.union, detail={"rows": len(rows)})
    return xlsx_response("创新工作室分区汇总.xlsx", selectors.TOTALS_HEADERS, rows, sheet="分区汇总")


@router.get("/map", response=list[PointOut], summary="地图点位（本级及下级，筛选同列表）")
def studio_map(request, level: str | None = None, status: str | None = None, region_code: str | None = None,
               field: str | None = None, q: str | None = None):
    return selectors.studio_map_points(user=request.user, level=level, status=status, region_code=region_code,
                                       field=field, q=q)


@router.get("/public", response=list[PointOut], summary="职工查看：附近或某区的创新工作室")
def studio_public(request, region_code: str | None = None, lat: float | None = None, lng: float | None = None,
                  limit: int = 50):
    return selectors.studio_public_list(region_code=region_code, lat=lat, lng=lng, limit=limit)


@router.get("/{studio_id}", response=StudioOut, summary="创新工作室详情")
def studio_detail(request, studio_id: int):
    return selectors.studio_get(user=request.user, studio_id=studio_id)


@router.patch("/{studio_id}", response=StudioOut, summary="修改地址、坐标、领域、称号、简介")
def studio_update(request, studio_id: int, payload: StudioPatch):
    services.studio_update(request.user, studio_id=studio_id, **payload.dict(exclude_unset=True))
    return selectors.studio_get(user=request.user, studio_id=studio_id)


@router.get("/{studio_id}/members", response=list[MemberOut], summary="工作室成员")
def member_list(request, studio_id: int):
    return list(selectors.studio_members(user=request.user, studio_id=studio_id))


@router.post("/{studio_id}/members", response={201: MemberOut}, summary="添加成员")
def member_add(request, studio_id: int, payload: MemberIn):
    data = payload.dict()
    return Status(201, services.member_add(request.user, studio_id=studio_id, worker_id=data.pop("worker"), **data))


@router.delete("/{studio_id}/members/{member_id}", response={204: None}, summary="移除成员")
def member_remove(request, studio_id: int, member_id: int):
    services.member_remove(request.user, studio_id=studio_id, member_id=member_id)
    return Status(204, None)


@router.get("/{studio_id}/grants", response=list[GrantOut], summary="助推资金（每笔余额）")
def grant_list(request, studio_id: int):
    return list(selectors.grant_list(user=request.user, studio_id=studio_id))


@router.post("/{studio_id}/grants", response={201: GrantOut}, summary="拨付助推资金")
def grant_create(request, studio_id: int, payload: GrantIn):
    data = payload.dict()
    return Status(201, services.grant_create(request.user, studio_id=studio_id,
                                             granting_union_id=data.pop("granting_union"), **data))


@router.get("/grants/{grant_id}/spending", response=list[SpendOut], summary="资金使用明细")
def spending_list(request, grant_id: int):
    return list(selectors.spending_list(user=request.user, grant_id=grant_id))


@router.post("/grants/{grant_id}/spend", response={201: SpendOut}, summary="登记资金使用（不得超出余额）")
def grant_spend(request, grant_id: int, payload: SpendIn):
    return Status(201, services.grant_spend(request.user, grant_id=grant_id, **payload.dict()))


@router.get("/{studio_id}/results", response=ResultsOut, summary="成果：专利、成果转化、获奖及合计")
def results(request, studio_id: int):
    return selectors.studio_results(user=request.user, studio_id=studio_id)


@router.post("/{studio_id}/patents", response={201: PatentOut}, summary="登记专利（校验专利号）")
def patent_add(request, studio_id: int, payload: PatentIn):
    return Status(201, services.patent_add(request.user, studio_id=studio_id, **payload.dict()))


@router.post("/{studio_id}/conversions", response={201: ConversionOut}, summary="登记成果转化")
def conversion_add(request, studio_id: int, payload: ConversionIn):
    data = payload.dict()
    return Status(201, services.conversion_add(request.user, studio_id=studio_id, patent_id=data.pop("patent"), **data))


@router.post("/{studio_id}/awards", response={201: AwardOut}, summary="登记获奖")
def award_add(request, studio_id: int, payload: AwardIn):
    return Status(201, services.award_add(request.user, studio_id=studio_id, **payload.dict()))


@router.get("/{studio_id}/reviews", response=list[ReviewOut], summary="年度考核记录")
def review_list(request, studio_id: int):
    return list(selectors.review_list(user=request.user, studio_id=studio_id))


@router.post("/{studio_id}/reviews", response={201: ReviewOut}, summary="年度考核（不合格可整改、降级、撤销）")
def review_record(request, studio_id: int, payload: ReviewIn):
    return Status(201, services.review_record(request.user, studio_id=studio_id, **payload.dict()))
