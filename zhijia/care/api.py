"""Care API (/api/v1/care): parse, call one service or selector, answer a schema."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Status, UploadedFile
from ninja.pagination import paginate

from zhijia.audit.services import audit_record
from zhijia.care import exports, selectors, services
from zhijia.care.models import GoodsStock, LivingStandard
from zhijia.care.schemas import (
    AllocationIn,
    AllocationOut,
    ApproveIn,
    AssistanceIn,
    AssistanceOut,
    CampaignIn,
    CampaignOut,
    CheckIn,
    ClaimIn,
    ClaimOut,
    ClaimReviewIn,
    CloseIn,
    EnrolIn,
    HardshipFileIn,
    HardshipFileOut,
    HistoryItem,
    ImportReport,
    LivingStandardIn,
    LivingStandardOut,
    PayIn,
    PlanIn,
    PlanOut,
    ReallocateIn,
    ReportRowOut,
    ReviewIn,
    StockIn,
    StockOut,
    VisitIn,
    VisitOut,
)
from zhijia.care.services.hardship import hardship_file_get_for_staff, hardship_file_view_audit
from zhijia.care.services.money import yuan
from zhijia.care.services.mutual_aid import claim_get_for_staff
from zhijia.core.errors import NotFound
from zhijia.core.pagination import PageNumber
from zhijia.members.models import Worker
from zhijia.members.selectors import worker_for_user
from zhijia.orgs.selectors import require_staff, scoped

router = Router(tags=["关爱帮扶 care"])


def _campaign_out(campaign) -> dict:
    totals = services.campaign_totals(campaign)
    return {"id": campaign.pk, "name": campaign.name, "season": campaign.season,
            "target_groups": campaign.target_groups, "funding_sources": campaign.funding_sources,
            "starts_on": campaign.starts_on, "ends_on": campaign.ends_on, "union": campaign.union_id,
            "union_name": campaign.union.name, **{k: yuan(v) for k, v in totals.items()}}


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- campaigns and budgets ---------------------------------------------------------------------------------------
@router.post("/campaigns", response={201: CampaignOut}, summary="新建送温暖活动（含预算总额）")
def campaign_create(request, payload: CampaignIn):
    campaign = services.campaign_create(request.user, **payload.dict())
    return Status(201, _campaign_out(campaign))


@router.get("/campaigns", response=list[CampaignOut], summary="送温暖活动列表")
@paginate(PageNumber)
def campaign_list(request):
    return [_campaign_out(c) for c in selectors.campaign_list(user=request.user)[:200]]


@router.get("/campaigns/{campaign_id}", response=CampaignOut, summary="活动详情：预算、已分配、已支出、余额")
def campaign_detail(request, campaign_id: int):
    return _campaign_out(selectors.campaign_get(user=request.user, campaign_id=campaign_id))


@router.post("/campaigns/{campaign_id}/allocations", response={201: AllocationOut}, summary="向下级工会下拨预算")
def allocation_create(request, campaign_id: int, payload: AllocationIn):
    return Status(201, services.allocation_create(request.user, campaign_id=campaign_id, **payload.dict()))


@router.get("/campaigns/{campaign_id}/allocations", response=list[AllocationOut], summary="预算分配（本级及下级）")
@paginate(PageNumber)
def allocation_list(request, campaign_id: int):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    return selectors.allocation_list(user=request.user, campaign=campaign)


@router.post("/campaigns/{campaign_id}/returns", response={201: AllocationOut}, summary="退回未使用资金")
def allocation_return(request, campaign_id: int, payload: AllocationIn):
    return Status(201, services.allocation_return(request.user, campaign_id=campaign_id, **payload.dict()))


@router.post("/campaigns/{campaign_id}/reallocations", response={201: AllocationOut}, summary="同级单位间调剂")
def allocation_reallocate(request, campaign_id: int, payload: ReallocateIn):
    return Status(201, services.allocation_reallocate(request.user, campaign_id=campaign_id, **payload.dict()))


@router.get("/campaigns/{campaign_id}/report", response=list[ReportRowOut], summary="分级支出报表")
def campaign_report(request, campaign_id: int, union: int | None = None):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    return [{"union": r.union.pk, "union_name": r.union.name, "budget": yuan(r.budget),
             "allocated": yuan(r.allocated), "spent": yuan(r.spent), "visits": r.visits,
             "person_times": r.person_times, "people": r.people}
            for r in selectors.campaign_report(user=request.user, campaign=campaign, union_id=union)]


@router.get("/campaigns/{campaign_id}/report.xlsx", summary="分级支出报表（Excel）")
def campaign_report_xlsx(request, campaign_id: int, union: int | None = None):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    return _xlsx(exports.campaign_report_xlsx(user=request.user, campaign=campaign, union_id=union),
                 f"campaign-{campaign.pk}-report.xlsx")


# --- stock and visits -----------------------------------------------------------------------------------------
@router.post("/stock", response={201: StockOut}, summary="慰问品入库")
def stock_receive(request, payload: StockIn):
    return Status(201, services.stock_receive(request.user, **payload.dict()))


@router.get("/stock", response=list[StockOut], summary="慰问品库存（本级及下级）")
def stock_list(request):
    return list(scoped(GoodsStock.objects.all(), request.user).order_by("union_id", "kind")[:500])


@router.post("/visits", response={201: VisitOut}, summary="登记走访慰问")
def visit_create(request, payload: VisitIn):
    data = payload.dict()
    data["goods"] = [dict(g) for g in data["goods"]]
    return Status(201, services.visit_record(request.user, **data))


@router.get("/visits", response=list[VisitOut], summary="走访慰问记录（本级及下级）")
@paginate(PageNumber)
def visit_list(request, campaign: int | None = None, union: int | None = None):
    return selectors.visit_list(user=request.user, campaign_id=campaign, union_id=union).prefetch_related("goods")


@router.get("/visits/{visit_id}", response=VisitOut, summary="走访慰问详情")
def visit_detail(request, visit_id: int):
    return selectors.visit_get(user=request.user, visit_id=visit_id)


@router.post("/visits/{visit_id}/recipients", response=ImportReport, summary="导入集体慰问名单（Excel）")
def visit_recipients(request, visit_id: int, file: File[UploadedFile]):
    return services.visit_recipients_import(request.user, visit_id=visit_id, content=file.read(),
                                            filename=file.name)


@router.post("/visits/{visit_id}/attachments", response=VisitOut, summary="上传走访照片和签收单")
def visit_attachments(request, visit_id: int, photos: File[list[UploadedFile]] = None,
                      receipt: File[UploadedFile] = None):
    services.visit_attach(request.user, visit_id=visit_id, photos=photos or [], receipt=receipt)
    return selectors.visit_get(user=request.user, visit_id=visit_id)


@router.get("/workers/{worker_id}/history", response=list[HistoryItem], summary="职工关爱记录（全市各单位）")
def worker_history(request, worker_id: int):
    require_staff(request.user)
    worker = Worker.objects.filter(pk=worker_id).first()
    if worker is None:
        raise NotFound(_("职工不存在"))
    audit_record(actor=request.user, action="care.history.view", obj=worker, union=request.user.union)
    return [_history_out(i) for i in selectors.care_history(worker=worker)]


@router.get("/me/history", response=list[HistoryItem], summary="我的关爱与帮扶记录")
def my_history(request):
    worker = worker_for_user(request.user)
    return [_history_out(i) for i in selectors.care_history(worker=worker)] if worker else []


def _history_out(item: dict) -> dict:
    return item | {"amount": yuan(item["amount"]) if item["amount"] is not None else None,
                   "detail": item["detail"] or ""}


# --- hardship files ---------------------------------------------------------------------------------------------
@router.get("/living-standards", response=list[LivingStandardOut], summary="最低生活保障标准")
def living_standard_list(request):
    require_staff(request.user)
    return list(LivingStandard.objects.order_by("region_code", "-year"))


@router.post("/living-standards", response={201: LivingStandardOut}, summary="设置低保标准（区县/全市，按年度）")
def living_standard_set(request, payload: LivingStandardIn):
    return Status(201, services.living_standard_set(request.user, **payload.dict()))


@router.post("/hardship-files", response={201: HardshipFileOut}, summary="困难职工建档（本人申请或代为申请）")
def hardship_file_open(request, payload: HardshipFileIn):
    data = payload.dict()
    return Status(201, services.hardship_file_open(request.user, **data))


@router.get("/hardship-files", response=list[HardshipFileOut], summary="困难职工档案（本级及下级）")
@paginate(PageNumber)
def hardship_file_list(request, status: str | None = None, category: str | None = None, due: bool = False,
                       model_workers: bool = False):
    return selectors.hardship_file_list(user=request.user, status=status, category=category, due=due,
                                        model_workers=model_workers)


@router.get("/hardship-files.xlsx", summary="导出困难职工档案（按角色脱敏）")
def hardship_file_export(request):
    return _xlsx(exports.hardship_files_xlsx(user=request.user), "hardship-files.xlsx")


@router.get("/hardship-files/{file_id}", response=HardshipFileOut, summary="困难职工档案详情（留痕）")
def hardship_file_detail(request, file_id: int):
    file = hardship_file_get_for_staff(request.user, file_id)
    hardship_file_view_audit(request.user, file)
    return file


@router.post("/hardship-files/{file_id}/check", response=HardshipFileOut, summary="基层核实")
def hardship_file_check(request, file_id: int, payload: CheckIn):
    return services.hardship_file_check(request.user, file_id=file_id, **payload.dict())


@router.post("/hardship-files/{file_id}/approve", response=HardshipFileOut, summary="区总审批")
def hardship_file_approve(request, file_id: int, payload: ApproveIn):
    return services.hardship_file_approve(request.user, file_id=file_id, **payload.dict())


@router.post("/hardship-files/{file_id}/review", response=HardshipFileOut, summary="年度复核")
def hardship_file_review(request, file_id: int, payload: ReviewIn):
    return services.hardship_file_review(request.user, file_id=file_id, **payload.dict())


@router.post("/hardship-files/{file_id}/close", response=HardshipFileOut, summary="解困销档")
def hardship_file_close(request, file_id: int, payload: CloseIn):
    return services.hardship_file_close(request.user, file_id=file_id, **payload.dict())


@router.post("/hardship-files/{file_id}/assistance", response={201: AssistanceOut}, summary="发放帮扶")
def assistance_record(request, file_id: int, payload: AssistanceIn):
    return Status(201, services.assistance_record(request.user, file_id=file_id, **payload.dict()))


# --- mutual aid -----------------------------------------------------------------------------------------------
@router.post("/plans", response={201: PlanOut}, summary="新建互助保障计划")
def plan_create(request, payload: PlanIn):
    data = payload.dict()
    return Status(201, services.plan_create(request.user, **data))


@router.get("/plans", response=list[PlanOut], summary="互助保障计划")
def plan_list(request):
    return list(selectors.plan_list(user=request.user)[:200])


@router.post("/plans/{plan_id}/enrollments", response=dict, summary="按会员名册参保（本年度）")
def plan_enrol(request, plan_id: int, payload: EnrolIn):
    return {"added": services.plan_enrol_roster(request.user, plan_id=plan_id, union=payload.union)}


@router.post("/claims", response={201: ClaimOut}, summary="提交理赔申请（材料清单）")
def claim_submit(request, payload: ClaimIn):
    data = payload.dict()
    return Status(201, services.claim_submit(request.user, plan_id=data.pop("plan"), **data))


@router.get("/claims", response=list[ClaimOut], summary="理赔申请（本级及下级）")
@paginate(PageNumber)
def claim_list(request, status: str | None = None):
    return selectors.claim_list(user=request.user, status=status).prefetch_related("documents")


@router.get("/claims.xlsx", summary="导出理赔（脱敏）")
def claim_export(request):
    return _xlsx(exports.claims_xlsx(user=request.user), "claims.xlsx")


@router.get("/claims/{claim_id}", response=ClaimOut, summary="理赔详情（留痕）")
def claim_detail(request, claim_id: int):
    claim = claim_get_for_staff(request.user, claim_id)
    audit_record(actor=request.user, action="care.claim.view", obj=claim, union=claim.union)
    return claim


@router.post("/claims/{claim_id}/review", response=ClaimOut, summary="初审/复审")
def claim_review(request, claim_id: int, payload: ClaimReviewIn):
    return services.claim_review(request.user, claim_id=claim_id, **payload.dict())


@router.post("/claims/{claim_id}/pay", response=ClaimOut, summary="登记支付")
def claim_pay(request, claim_id: int, payload: PayIn):
    return services.claim_pay(request.user, claim_id=claim_id, **payload.dict())
