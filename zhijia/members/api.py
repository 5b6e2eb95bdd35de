"""Members API: joining (兜底建) and review, members, transfers, roster imports, exports, e-cards and numbers."""


from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zhijia.core.errors import PermissionDenied, ValidationFailed
from zhijia.core.http import client_ip
from zhijia.core.pagination import PageNumber
from zhijia.members import cards, exports, imports, selectors, services
from zhijia.members.models import ApplicationStatus, MembershipApplication
from zhijia.members.routing import RouteInput, route
from zhijia.members.schemas import (
    ApplicationIn,
    ApplicationOut,
    CardOut,
    CardReissueIn,
    CardVerifyIn,
    CardVerifyOut,
    ImportOut,
    ImportReportOut,
    LeaveIn,
    MemberOut,
    MyCardOut,
    PublicKeysOut,
    ReasonIn,
    RejectIn,
    RerouteIn,
    RevocationsOut,
    RoutingRuleIn,
    RoutingRuleOut,
    StatsOut,
    TransferIn,
    TransferOut,
    UnionChoiceOut,
    WorkerPiiOut,
)

router = Router(tags=["会员 members"])
cards_router = Router(tags=["电子会员卡 cards"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _application_out(application: MembershipApplication) -> ApplicationOut:
    application = (MembershipApplication.objects.select_related("worker", "union", "membership")
                   .get(pk=application.pk))
    return ApplicationOut.from_application(application)


@router.post("/applications", response={201: ApplicationOut}, summary="入会申请（职工本人或工作人员代办）")
def application_submit(request, payload: ApplicationIn):
    application = services.application_submit(request.user, **payload.dict())
    return Status(201, _application_out(application))


class QueueFilters(Schema):
    union: int | None = None
    status: str = ApplicationStatus.PENDING
    q: str | None = None


@router.get("/applications", response=list[ApplicationOut], summary="入会审核队列（工作人员）/ 我的申请（职工）")
@paginate(PageNumber)
def application_list(request, filters: Query[QueueFilters]):
    if request.user.role == "worker":
        qs = (MembershipApplication.objects.select_related("worker", "union", "membership")
              .filter(worker__user=request.user).order_by("-submitted_at"))
    else:
        qs = selectors.application_queue(user=request.user, union_id=filters.union, status=filters.status,
                                         q=filters.q)
    return [ApplicationOut.from_application(a) for a in qs[:2000]] if request.user.role == "worker" else _Lazy(qs)


class _Lazy:
    """A queryset paginated first and converted after, so a long queue costs one page of work."""

    def __init__(self, qs):
        self.qs = qs

    def count(self):
        return self.qs.count()

    def __getitem__(self, item):
        return [ApplicationOut.from_application(a) for a in self.qs[item]]


@router.get("/applications/{application_id}", response=ApplicationOut, summary="入会申请详情")
def application_detail(request, application_id: int):
    if request.user.role == "worker":
        return ApplicationOut.from_application(
            selectors.application_of_worker(user=request.user, application_id=application_id))
    return ApplicationOut.from_application(selectors.application_get(user=request.user,
                                                                     application_id=application_id))


@router.post("/applications/{application_id}/approve", response=ApplicationOut,
             summary="审核通过（发放会员编号和电子会员卡）")
def application_approve(request, application_id: int):
    return _application_out(services.application_approve(request.user, application_id=application_id))


@router.post("/applications/{application_id}/reject", response=ApplicationOut, summary="驳回（须填写理由）")
def application_reject(request, application_id: int, payload: RejectIn):
    return _application_out(services.application_reject(request.user, application_id=application_id,
                                                        reason=payload.reason))


@router.post("/applications/{application_id}/reroute", response=ApplicationOut, summary="改派至其他工会")
def application_reroute(request, application_id: int, payload: RerouteIn):
    return _application_out(services.application_reroute(request.user, application_id=application_id,
                                                         union_id=payload.union, reason=payload.reason))


class ExplainQuery(Schema):
    work_region_code: str
    occupation: str = "other"
    employer_credit_code: str = ""


@router.get("/routing/explain", summary="试算分派：某地某职业的职工会被分到哪个工会、为什么")
def routing_explain(request, query: Query[ExplainQuery]):
    from zhijia.core import regions
    from zhijia.orgs.selectors import require_staff

    require_staff(request.user)
    code = regions.validate_region_code(query.work_region_code, field="work_region_code")
    result = route(RouteInput(work_region_code=code, occupation=services._occupation(query.occupation),
                              employer_credit_code=query.employer_credit_code.strip().upper()))
    return {"union": result.union.pk, "union_name": result.union.name, "routing_reason": result.reason,
            "rule": result.rule.pk if result.rule else None}


@router.get("/routing-rules", response=list[RoutingRuleOut], summary="入会分派规则")
def routing_rule_list(request):
    return list(selectors.routing_rules(user=request.user))


@router.post("/routing-rules", response={201: RoutingRuleOut}, summary="新增分派规则")
def routing_rule_create(request, payload: RoutingRuleIn):
    data = payload.dict()
    return Status(201, services.routing_rule_save(request.user, target_union_id=data.pop("target_union"), **data))


@router.put("/routing-rules/{rule_id}", response=RoutingRuleOut, summary="修改分派规则（顺序、启停、范围）")
def routing_rule_update(request, rule_id: int, payload: RoutingRuleIn):
    data = payload.dict()
    return services.routing_rule_save(request.user, rule_id=rule_id, target_union_id=data.pop("target_union"),
                                      **data)


@router.get("/union-choices", response=list[UnionChoiceOut],
            summary="表单可选的工会（按名称、拼音或首字母搜索；scope=本级及下级，target=改派/转入可选的全市工会）")
def union_choices(request, q: str = "", purpose: str = "scope"):
    if purpose not in selectors.UNION_PICK_PURPOSES:
        raise ValidationFailed.field("purpose", _("purpose 应为 scope 或 target"))
    found = selectors.union_pick_candidates(user=request.user, purpose=purpose, q=q)[:selectors.UNION_PICK_LIMIT]
    return [UnionChoiceOut.of(u) for u in found]


class MemberFilters(Schema):
    union: int | None = None
    status: str | None = "admitted"
    occupation: str | None = None
    q: str | None = None


class _LazyMembers(_Lazy):
    def __getitem__(self, item):
        return [MemberOut.masked(m) for m in self.qs[item]]


@router.get("", response=list[MemberOut], summary="会员列表（脱敏）")
@paginate(PageNumber)
def member_list(request, filters: Query[MemberFilters]):
    return _LazyMembers(selectors.membership_list(user=request.user, union_id=filters.union, status=filters.status,
                                                  occupation=filters.occupation, q=filters.q))


@router.get("/stats", response=StatsOut, summary="会员数：按下级工会、按职业（新就业形态）、按月入会")
def member_stats(request, union: int | None = None):
    return selectors.member_stats(user=request.user, union_id=union)


class ExportQuery(MemberFilters):
    unmasked: bool = False


@router.get("/export", summary="导出会员（xlsx；默认脱敏，导出留痕）")
def member_export(request, query: Query[ExportQuery]):
    out, _count = exports.members_export_xlsx(request.user, union_id=query.union, status=query.status,
                                              occupation=query.occupation, q=query.q, unmasked=query.unmasked,
                                              ip=client_ip(request))
    return FileResponse(out, as_attachment=True, filename="members.xlsx", content_type=XLSX)


@router.get("/workers/{worker_id}/pii", response=WorkerPiiOut, summary="查看完整身份证号和手机号（留痕）")
def worker_pii(request, worker_id: int):
    w = services.worker_pii_reveal(request.user, worker_id=worker_id, ip=client_ip(request))
    return WorkerPiiOut(id=w.pk, name=w.name, id_number=w.id_number, phone=w.phone, birth_date=w.birth_date,
                        gender=w.gender)


@router.get("/transfers", response=list[TransferOut], summary="会员关系转接（转出、转入双方可见）")
@paginate(PageNumber)
def transfer_list(request, status: str | None = "pending"):
    return [TransferOut.of(t) for t in selectors.transfer_list(user=request.user, status=status or None)[:1000]]


@router.post("/transfers", response={201: TransferOut}, summary="申请会员关系转接")
def transfer_request(request, payload: TransferIn):
    t = services.transfer_request(request.user, membership_id=payload.membership, to_union_id=payload.to_union,
                                  reason=payload.reason, id_number=payload.id_number)
    return Status(201, TransferOut.of(t))


@router.post("/transfers/{transfer_id}/confirm", response=TransferOut, summary="确认转接（本方）")
def transfer_confirm(request, transfer_id: int):
    return TransferOut.of(services.transfer_confirm(request.user, transfer_id=transfer_id))


@router.post("/transfers/{transfer_id}/refuse", response=TransferOut, summary="拒绝转接")
def transfer_refuse(request, transfer_id: int, payload: ReasonIn):
    return TransferOut.of(services.transfer_refuse(request.user, transfer_id=transfer_id, reason=payload.reason))


@router.post("/leave", response=MemberOut, summary="退会（本人，或工作人员为本级会员办理）")
def membership_leave(request, payload: LeaveIn):
    m = services.membership_leave(request.user, membership_id=payload.membership, reason=payload.reason)
    return MemberOut.masked(m)


@router.post("/{membership_id}/card/revoke", summary="注销电子会员卡（不补发；此后只有工作人员可补发）")
def card_revoke(request, membership_id: int, payload: ReasonIn):
    r = services.card_revoke(request.user, membership_id=membership_id, reason=payload.reason)
    return {"member_number": r.member_number, "serial": r.serial, "revocation_version": r.pk}


@router.post("/{membership_id}/card/reissue", response={201: CardOut},
             summary="补发电子会员卡（旧卡序列号进入注销名单）")
def card_reissue(request, membership_id: int, payload: CardReissueIn):
    card = services.card_reissue(request.user, membership_id=membership_id, reason=payload.reason,
                                 note=payload.note)
    return Status(201, CardOut.of(card))


@router.get("/{membership_id}/cards", response=list[CardOut], summary="会员的电子会员卡记录（各代卡及状态）")
def card_history(request, membership_id: int):
    membership = selectors.membership_get(user=request.user, membership_id=membership_id)
    return [CardOut.of(c) for c in selectors.member_cards(membership=membership)]


@router.get("/imports/template", summary="花名册模板（xlsx）")
def import_template(request):
    response = HttpResponse(imports.template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response


@router.post("/imports", response={201: ImportOut}, summary="上传花名册（xlsx/csv），生成校验报告")
def import_create(request, union: Form[int], file: File[UploadedFile]):
    item = imports.roster_import_create(request.user, union_id=union, filename=file.name, fileobj=file)
    item.refresh_from_db()
    return Status(201, ImportOut.of(item))


@router.get("/imports/{import_id}", response=ImportReportOut, summary="导入校验报告、预览和进度")
def import_detail(request, import_id: int, page: int = 1):
    item = selectors.roster_import_get(user=request.user, import_id=import_id)
    bad = selectors.roster_import_bad_rows(roster_import=item)[(page - 1) * 100: page * 100] if page >= 1 else []
    return ImportReportOut(batch=ImportOut.of(item),
                           preview=[imports.preview_row(r) for r in selectors.roster_import_preview(
                               roster_import=item)],
                           bad_rows=[{"row_no": r.row_no, "errors": imports.report_text(r.errors)} for r in bad])


@router.post("/imports/{import_id}/commit", response={202: ImportOut}, summary="确认导入（后台执行）")
def import_commit(request, import_id: int):
    item = imports.roster_import_commit(request.user, import_id=import_id)
    item.refresh_from_db()
    return Status(202, ImportOut.of(item))


@router.get("/imports/{import_id}/failed-rows", summary="下载未通过校验的行（xlsx，含原因列）")
def import_failed_rows(request, import_id: int):
    out, item = exports.roster_failed_rows_export(request.user, import_id=import_id, ip=client_ip(request))
    return FileResponse(out, as_attachment=True, filename=f"import-{item.pk}-failed.xlsx", content_type=XLSX)


# --- Cards --------------------------------------------------------------------------------------------------------


@cards_router.get("/public-key", response=PublicKeysOut, auth=None, summary="电子会员卡验签公钥（可离线验证）")
def card_public_key(request, response: HttpResponse):
    response["Cache-Control"] = "public, max-age=3600"
    return {"format": "ZJC1.<base64url(payload)>.<base64url(Ed25519 signature over 'ZJC1.<payload>')>",
            "keys": cards.public_keys()}


@cards_router.get("/revocations", response=RevocationsOut, auth=None, summary="注销名单（带版本号，可缓存增量获取）")
def card_revocations(request, response: HttpResponse, since: int = 0):
    version, rows = selectors.revocations_since(max(0, since))
    response["Cache-Control"] = "public, max-age=60"
    response["ETag"] = f'"rev-{version}-{since}"'
    return {"version": version, "since": since, "revoked": [r.serial for r in rows]}


@cards_router.post("/verify", response=CardVerifyOut, auth=None, summary="验证电子会员卡（有效/已注销/已过期/被篡改）")
def card_verify(request, payload: CardVerifyIn):
    check = cards.card_token_check(payload.token, revoked=selectors.RevokedSerials())
    p = check.payload
    expires = str(p.get("e")) if p.get("e") else None
    return CardVerifyOut(valid=check.valid, status=check.status, reason=check.reason, serial=check.serial,
                         generation=cards.token_generation(p) if p else None, member_number=p.get("n"),
                         masked_name=p.get("m"), union_name=p.get("u"),
                         expires=f"{expires[:4]}-{expires[4:6]}-{expires[6:]}" if expires else None,
                         kid=p.get("k"), revocation_version=selectors.revocation_version())


def _my_card(request) -> MyCardOut:
    if request.user.role != "worker":
        raise PermissionDenied(_("仅限会员本人"))
    card = services.card_current(request.user)
    history = selectors.member_cards(membership=card.membership)
    out = CardOut.of(card, with_token=True)
    return MyCardOut(**out.dict(), history=[CardOut.of(c) for c in history if c.pk != card.pk])


@cards_router.get("/me", response=MyCardOut, summary="我的电子会员卡（令牌、二维码、状态和历次补发）")
def card_mine(request):
    """Issues the first card on first use, renews an expired one; a revoked card comes back without a token."""
    return _my_card(request)


@cards_router.post("/me/reissue", response={201: MyCardOut}, summary="本人补发电子会员卡（手机丢失、二维码泄露）")
def card_mine_reissue(request, payload: CardReissueIn):
    if request.user.role != "worker":
        raise PermissionDenied(_("仅限会员本人"))
    services.card_reissue(request.user, reason=payload.reason, note=payload.note)
    return Status(201, _my_card(request))
