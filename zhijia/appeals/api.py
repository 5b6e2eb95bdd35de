"""The appeals API: intake (idempotent), transitions, reads, the three rates, and the 12345 interface."""

import datetime as dt
import hashlib
import hmac
import json
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from zhijia.appeals import selectors, services
from zhijia.appeals.models import Channel, SeenSignature
from zhijia.appeals.schemas import (
    AnswerIn,
    AppealDetailOut,
    AppealIn,
    AppealOut,
    CallbackIn,
    Case12345In,
    CloseIn,
    DispatchIn,
    MergeIn,
    MessageIn,
    NoteIn,
    ReasonIn,
)
from zhijia.core.errors import DomainError, PermissionDenied, ValidationFailed
from zhijia.core.pagination import PageNumber

router = Router(tags=["接诉即办 appeals"])
integrations_router = Router(tags=["12345 对接 integrations"], auth=None)


def _is_staff(user) -> bool:
    return getattr(user, "is_union_staff", False)


def _get(request, appeal_id: int):
    if _is_staff(request.user):
        return selectors.appeal_get(user=request.user, appeal_id=appeal_id)
    return selectors.worker_appeal_get(user=request.user, appeal_id=appeal_id)


@router.post("", response={200: AppealOut, 201: AppealOut}, summary="受理诉求（支持 Idempotency-Key 幂等重试）")
def appeal_create(request, payload: AppealIn):
    result = services.appeal_create(request.user, **payload.dict(),
                                    idempotency_key=request.headers.get("Idempotency-Key"))
    return Status(200 if result.replayed else 201, result.appeal)


class ListFilters(Schema):
    state: str | None = None
    union: int | None = None
    q: str | None = None
    category: str | None = None
    channel: str | None = None
    overdue: bool = False
    mine: bool = False


@router.get("", response=list[AppealOut], summary="诉求列表（本级及下级；职工本人：我的诉求）")
@paginate(PageNumber)
def appeal_list(request, filters: Query[ListFilters]):
    if not _is_staff(request.user):
        return selectors.worker_appeals(user=request.user)
    return selectors.appeal_list(user=request.user, state=filters.state, union_id=filters.union, q=filters.q,
                                 category=filters.category, channel=filters.channel, overdue=filters.overdue,
                                 mine=filters.mine)


def _rates_query(request) -> tuple[int | None, selectors.Period]:
    def parse(name):
        raw = request.GET.get(name)
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise ValidationFailed.field(name, _("日期格式应为 YYYY-MM-DD"))

    union = request.GET.get("union")
    if union is not None and not union.isdigit():
        raise ValidationFailed.field("union", _("工会编号应为整数"))
    return (int(union) if union else None), selectors.period_parse(parse("from"), parse("to"))


@router.get("/rates", response=dict, summary="三率：响应率、解决率、满意率（union, from, to）")
def appeal_rates(request):
    union, period = _rates_query(request)
    return selectors.rates(user=request.user, union_id=union, period=period)


@router.get("/rates/ranking", response=list[dict], summary="下级单位三率排名")
def appeal_rates_ranking(request):
    union, period = _rates_query(request)
    return selectors.rates_ranking(user=request.user, union_id=union, period=period)


@router.get("/rates/cases", response=list[AppealOut], summary="三率数字背后的诉求（measure=received|...）")
@paginate(PageNumber)
def appeal_rates_cases(request, measure: str = "received"):
    union, period = _rates_query(request)
    return selectors.rates_cases(user=request.user, union_id=union, period=period, measure=measure)


@router.get("/{appeal_id}", response=AppealDetailOut, summary="诉求详情（含流转记录）")
def appeal_detail(request, appeal_id: int):
    return _get(request, appeal_id)


@router.post("/{appeal_id}/dispatch", response=AppealOut, summary="派单（指定承办单位或按规则）")
def appeal_dispatch(request, appeal_id: int, payload: DispatchIn):
    return services.appeal_dispatch(request.user, appeal_id=appeal_id, union_id=payload.union, note=payload.note)


@router.post("/{appeal_id}/accept", response=AppealOut, summary="签收")
def appeal_accept(request, appeal_id: int, payload: NoteIn | None = None):
    return services.appeal_accept(request.user, appeal_id=appeal_id, note=payload.note if payload else "")


@router.post("/{appeal_id}/return", response=AppealOut, summary="退回（仅一次，须写明理由）")
def appeal_return(request, appeal_id: int, payload: ReasonIn):
    return services.appeal_return(request.user, appeal_id=appeal_id, reason=payload.reason)


@router.post("/{appeal_id}/wait", response=AppealOut, summary="等待职工补充（计时暂停）")
def appeal_wait(request, appeal_id: int, payload: NoteIn):
    return services.appeal_wait(request.user, appeal_id=appeal_id, note=payload.note)


@router.post("/{appeal_id}/resume", response=AppealOut, summary="恢复办理（计时继续）")
def appeal_resume(request, appeal_id: int, payload: NoteIn | None = None):
    return services.appeal_resume(request.user, appeal_id=appeal_id, note=payload.note if payload else "")


@router.post("/{appeal_id}/answer", response=AppealOut, summary="答复职工（close=true 当场办结）")
def appeal_answer(request, appeal_id: int, payload: AnswerIn):
    return services.appeal_answer(request.user, appeal_id=appeal_id, answer=payload.answer, close_now=payload.close)


@router.post("/{appeal_id}/close", response=AppealOut, summary="办结")
def appeal_close(request, appeal_id: int, payload: CloseIn):
    return services.appeal_close(request.user, appeal_id=appeal_id, outcome=payload.outcome, note=payload.note)


@router.post("/{appeal_id}/callback", response=AppealOut, summary="回访 / 职工评价")
def appeal_callback(request, appeal_id: int, payload: CallbackIn):
    return services.appeal_callback(request.user, appeal_id=appeal_id, resolved=payload.resolved,
                                    satisfied=payload.satisfied, comment=payload.comment)


@router.post("/{appeal_id}/reopen", response=AppealOut, summary="退回重办")
def appeal_reopen(request, appeal_id: int, payload: ReasonIn):
    return services.appeal_reopen(request.user, appeal_id=appeal_id, reason=payload.reason)


@router.post("/{appeal_id}/merge", response=AppealOut, summary="合并重复诉求")
def appeal_merge(request, appeal_id: int, payload: MergeIn):
    return services.appeal_merge(request.user, appeal_id=appeal_id, into_id=payload.into)


@router.post("/{appeal_id}/messages", response={201: dict}, summary="备注、致职工消息、联系记录、职工留言")
def appeal_message(request, appeal_id: int, payload: MessageIn):
    kind = payload.kind if _is_staff(request.user) else "from_worker"
    msg = services.appeal_message_add(request.user, appeal_id=appeal_id, kind=kind, text=payload.text)
    return Status(201, {"id": msg.pk, "kind": msg.kind, "text": msg.text, "at": msg.at.isoformat()})


# --- 12345 ------------------------------------------------------------------------------------------------------
def verify_12345_signature(*, body: bytes, timestamp: str | None, signature: str | None) -> None:
    """HMAC-SHA256 over "<timestamp>.<body>" under the shared secret; the timestamp must be within the allowed skew
    and a signature is accepted once (a replay is refused even inside the window)."""
    secret = settings.APPEALS_12345_SECRET
    if not secret:
        raise PermissionDenied(_("12345 对接未启用"), code="integration_disabled")
    if not timestamp or not timestamp.isdigit() or not signature:
        raise DomainError(_("缺少签名或时间戳"), code="bad_signature", status=401)
    if abs(time.time() - int(timestamp)) > settings.APPEALS_12345_MAX_SKEW_S:
        raise DomainError(_("时间戳超出允许范围"), code="stale_timestamp", status=401)
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise DomainError(_("签名不正确"), code="bad_signature", status=401)
    try:
        with transaction.atomic():
            SeenSignature.objects.create(signature=expected)
    except IntegrityError:
        raise DomainError(_("重复的请求（重放）已拒绝"), code="replayed", status=409)


@integrations_router.post("/cases", response={200: AppealOut, 201: AppealOut}, summary="12345 推送工单（HMAC 签名）")
def case_12345(request):
    verify_12345_signature(body=request.body, timestamp=request.headers.get("X-Timestamp"),
                           signature=request.headers.get("X-Signature"))
    try:
        raw = json.loads(request.body or b"{}")
    except ValueError:
        raise ValidationFailed.field("body", _("请求体不是合法的JSON"))
    from pydantic import ValidationError

    try:
        payload = Case12345In.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise ValidationFailed.field(name, _("此项缺失或格式不正确"))
    result = services.appeal_create(None, channel=Channel.HOTLINE_12345, caller="12345",
                                    idempotency_key=f"12345:{payload.external_number}", **payload.dict())
    return Status(200 if result.replayed else 201, result.appeal)
