"""Writes of the appeals subsystem (接诉即办). Each public function is one use case in one transaction, takes the
acting user first and checks scope itself.

Concurrency:
- Appeal numbers are gap-free per channel prefix and day: the counter row is incremented with one
  INSERT ... ON CONFLICT DO UPDATE ... RETURNING inside the intake transaction. That statement holds the row lock
  until commit, so concurrent intakes queue on it; a rolled-back intake rolls its increment back with it.
- Every transition locks the appeal row (select_for_update) before reading its state, so two staff pressing
  "accept" and "return" at once cannot both succeed: the second sees the new state and is refused.
- Round-robin assignment locks the unit's rotation row, so concurrent dispatches to one unit take turns.
- Idempotent intake: a unique (caller, key) row; a concurrent duplicate fails on it, rolls back whole (number
  included) and answers with the first request's appeal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from zhijia.accounts.models import Role, User
from zhijia.appeals.calendar import calendar_refresh
from zhijia.appeals.models import (
    CHANNEL_PREFIX,
    OPEN_STATUSES,
    Appeal,
    AppealAttachment,
    AppealEvent,
    AppealMessage,
    AssignMode,
    CalendarDay,
    CalendarYear,
    Category,
    Channel,
    DispatchRule,
    IdempotencyRecord,
    LimitUnit,
    MessageKind,
    Notification,
    OutboxMessage,
    OutboxStatus,
    RatingStatus,
    Status,
    TimeLimit,
    UnitRotation,
    Urgency,
    WorkingHours,
)
from zhijia.audit.services import audit_record
from zhijia.core import workcalendar
from zhijia.core.crypto import keyed_hash
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhijia.core.identity import normalize_phone, parse_id_number
from zhijia.members.models import Worker
from zhijia.members.selectors import worker_find_by_id_number, worker_find_by_phone, worker_for_user
from zhijia.orgs.models import Union
from zhijia.orgs.selectors import in_scope, require_staff

TEXT_MAX = 4000
HANDLER_ROLES = (Role.GRASSROOTS_STAFF, Role.DISTRICT_STAFF)


# --- time limits ------------------------------------------------------------------------------------------------
def working_hours_for(union: Union) -> workcalendar.WorkingHours:
    """The unit's own working hours, else its nearest ancestor's, else the default."""
    ids = [*union.ancestor_ids, union.pk]
    rows = {w.union_id: w for w in WorkingHours.objects.filter(union_id__in=ids)}
    for uid in reversed(ids):
        if uid in rows:
            return workcalendar.WorkingHours(rows[uid].start, rows[uid].end)
    return workcalendar.DEFAULT_HOURS


def time_limit_for(category: Category, urgency: str) -> TimeLimit:
    """The category's own limit, else its parent's, else the default for the urgency."""
    candidates = [category.pk] + ([category.parent_id] if category.parent_id else [])
    limits = {lim.category_id: lim for lim in TimeLimit.objects.filter(
        Q(category_id__in=candidates) | Q(category__isnull=True), urgency=urgency)}
    for key in [*candidates, None]:
        if key in limits:
            return limits[key]
    raise ValidationFailed.field("urgency", _("未配置该紧急程度的办理时限"))


def deadline_after(start: dt.datetime, amount: int, unit: str, hours: workcalendar.WorkingHours) -> dt.datetime:
    if unit == LimitUnit.CLOCK_HOURS:
        return start + dt.timedelta(hours=amount)
    if unit == LimitUnit.WORK_HOURS:
        return workcalendar.add_work_hours(start, amount, hours)
    return workcalendar.end_of_workdays(start, amount, hours)


def _shift(deadline: dt.datetime, unit: str, paused_from: dt.datetime, paused_to: dt.datetime,
           hours: workcalendar.WorkingHours) -> dt.datetime:
    """Move a deadline by the time the clock stood still: wall time for round-the-clock limits, working time else."""
    if unit == LimitUnit.CLOCK_HOURS:
        return deadline + (paused_to - paused_from)
    return workcalendar.add_work_seconds(deadline, workcalendar.work_seconds_between(paused_from, paused_to, hours),
                                         hours)


# --- helpers ----------------------------------------------------------------------------------------------------
def _now() -> dt.datetime:
    return timezone.now()


def _root_union() -> Union:
    uid = getattr(settings, "APPEALS_INTAKE_UNION_ID", None)
    qs = Union.objects.filter(pk=uid) if uid else Union.objects.filter(parent__isnull=True).order_by("depth", "id")
    union = qs.first()
    if union is None:
        raise ValidationFailed(_("尚未建立工会组织，无法受理诉求"))
    return union


def _category(code: str) -> Category:
    category = Category.objects.select_related("parent").filter(code=code, active=True).first()
    if category is None:
        raise ValidationFailed.field("category", _("诉求类别不存在"))
    return category


def _text(value: str | None, *, field: str = "text", limit: int = TEXT_MAX) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed.field(field, _("请填写内容"))
    if len(text) > limit:
        raise ValidationFailed.field(field, _("内容过长（最多%(limit)s字）") % {"limit": limit})
    return text


def _next_number(channel: str, day: dt.date) -> str:
    prefix = CHANNEL_PREFIX[channel]
    with connection.cursor() as cursor:
        # One statement: insert the day's counter at 1 or bump it, holding the row lock until commit (gap-free).
        cursor.execute(
            "INSERT INTO appeals_appealnumbercounter (prefix, day, last) VALUES (%s, %s, 1) "
            "ON CONFLICT (prefix, day) DO UPDATE SET last = appeals_appealnumbercounter.last + 1 RETURNING last",
            [prefix, day],
        )
        seq = cursor.fetchone()[0]
    return f"{prefix}-{day:%Y%m%d}-{seq:05d}"


def _event(appeal: Appeal, *, action: str, actor, from_status: str, note: str = "", at: dt.datetime | None = None,
           union: Union | None = None) -> None:
    actor = actor if getattr(actor, "is_authenticated", False) else None
    AppealEvent.objects.create(appeal=appeal, action=action, from_status=from_status, to_status=appeal.status,
                               actor=actor, actor_name=str(actor) if actor else "系统", note=note,
                               union=union or (actor.union if actor and actor.union_id else None), at=at or _now())
    if appeal.channel == Channel.HOTLINE_12345 and appeal.external_number:
        OutboxMessage.objects.create(appeal=appeal, next_attempt_at=_now(), payload={
            "external_number": appeal.external_number, "number": appeal.number, "status": appeal.status,
            "action": action, "note": note[:500], "at": (at or _now()).isoformat(),
            "handling_union": appeal.handling_union.name if appeal.handling_union_id else "",
        })


def notify(*, users, text: str, appeal: Appeal | None = None, sms_phone: str | None = None) -> None:
    """In-app messages (written now, in the caller's transaction) and an SMS sent once it commits."""
    Notification.objects.bulk_create([Notification(user=u, text=text[:300], appeal=appeal) for u in users if u])
    if sms_phone:
        from zhijia.accounts.sms import sms_send

        transaction.on_commit(lambda: sms_send(phone=sms_phone, text=text))


def _unit_staff(union: Union):
    return list(User.objects.filter(union=union, role__in=HANDLER_ROLES, is_active=True).order_by("id"))


# --- workers ----------------------------------------------------------------------------------------------------
def _worker_resolve(*, worker_id: int | None, phone: str | None, id_number: str | None, name: str | None) -> Worker:
    """The worker by id, ID number or phone (keyed hash), else a new Worker from the ID number (private to appeals:
    the members app owns the full registration; here only the real-name record an appeal needs)."""
    if worker_id:
        worker = Worker.objects.filter(pk=worker_id).first()
        if worker is None:
            raise ValidationFailed.field("worker", _("职工不存在"))
        return worker
    facts = parse_id_number(id_number, field="worker_id_number") if id_number else None
    phone_n = normalize_phone(phone, field="worker_phone") if phone else ""
    if facts is not None:
        found = worker_find_by_id_number(facts.id_number)
        if found is not None:
            return found
    elif phone_n:
        found = worker_find_by_phone(phone_n)
        if found is not None:
            return found
        raise ValidationFailed.field("worker_id_number", _("未找到该手机号的职工，请填写身份证号以建档"))
    else:
        raise ValidationFailed.field("worker", _("请指定职工（编号、手机号或身份证号）"))
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationFailed.field("worker_name", _("请填写职工姓名"))
    try:
        with transaction.atomic():
            return Worker.objects.create(
                name=name, id_number=facts.id_number, id_number_hash=keyed_hash(facts.id_number), phone=phone_n,
                phone_hash=keyed_hash(phone_n) if phone_n else b"", gender=facts.gender, birth_date=facts.birth_date)
    except IntegrityError:  # created by a concurrent intake a moment ago
        return worker_find_by_id_number(facts.id_number)


# --- intake -----------------------------------------------------------------------------------------------------
@dataclass
class IntakeResult:
    appeal: Appeal
    replayed: bool


def _body_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def appeal_create(actor, *, channel: str, category: str, urgency: str, text: str, worker: int | None = None,
                  worker_phone: str | None = None, worker_id_number: str | None = None,
                  worker_name: str | None = None, region_code: str | None = None,
                  external_number: str | None = None, received_at: dt.datetime | None = None,
                  mailbox_union: int | None = None, idempotency_key: str | None = None,
                  caller: str | None = None) -> IntakeResult:
    """Receive an appeal from any channel. With an idempotency key, a retry of the same body answers with the same
    appeal and a different body under a used key is a Conflict."""
    body = {k: v for k, v in locals().items() if k not in ("actor", "idempotency_key", "caller")}
    key = (idempotency_key or "").strip()
    if len(key) > 100:
        raise ValidationFailed.field("Idempotency-Key", _("幂等键过长"))
    caller = caller or (f"user:{actor.pk}" if getattr(actor, "is_authenticated", False) else "anonymous")
    digest = _body_hash(body)
    if key:
        done = _idempotent_answer(caller, key, digest)
        if done is not None:
            return done
    try:
        appeal = _appeal_create(actor, idempotency=(caller, key, digest) if key else None, **body)
    except IntegrityError:
        if key:
            done = _idempotent_answer(caller, key, digest)
            if done is not None:
                return done
        if external_number:
            raise Conflict(_("该外部工单号已受理"), code="duplicate_external_number")
        raise
    return IntakeResult(appeal, False)


def _idempotent_answer(caller: str, key: str, digest: str) -> IntakeResult | None:
    record = IdempotencyRecord.objects.select_related("appeal").filter(caller=caller, key=key).first()
    if record is None:
        return None
    if record.body_hash != digest:
        raise Conflict(_("该幂等键已用于内容不同的请求"), code="idempotency_key_reused")
    return IntakeResult(record.appeal, True)


@transaction.atomic(durable=True)
def _appeal_create(actor, *, idempotency, channel, category, urgency, text, worker, worker_phone, worker_id_number,
                   worker_name, region_code, external_number, received_at, mailbox_union) -> Appeal:
    if channel not in Channel.values:
        raise ValidationFailed.field("channel", _("受理渠道不正确"))
    if urgency not in Urgency.values:
        raise ValidationFailed.field("urgency", _("紧急程度应为 urgent 或 normal"))
    cat = _category(category)
    text = _text(text)
    region_code = (region_code or "").strip()
    if region_code and (not region_code.isdigit() or len(region_code) not in (6, 9, 12)):
        raise ValidationFailed.field("region_code", _("行政区划代码应为6、9或12位数字"))
    is_staff = getattr(actor, "is_union_staff", False)
    if is_staff:
        receiving = require_staff(actor)
        receiving = Union.objects.get(pk=receiving.pk)
    else:
        receiving = _root_union()
    if actor is not None and getattr(actor, "is_authenticated", False) and not is_staff:
        if channel not in (Channel.APP, Channel.MAILBOX):
            raise ValidationFailed.field("channel", _("职工只能通过App或主席信箱提交诉求"))
        own = worker_for_user(actor)
        if own is None:
            raise PermissionDenied(_("请先完成实名登记"))
        person = own
    else:
        person = _worker_resolve(worker_id=worker, phone=worker_phone, id_number=worker_id_number, name=worker_name)
    now = _now()
    received_at = received_at or now
    if received_at > now + dt.timedelta(minutes=5):
        raise ValidationFailed.field("received_at", _("受理时间不能晚于当前时间"))
    target = None
    if mailbox_union:
        target = Union.objects.filter(pk=mailbox_union).first()
        if target is None:
            raise ValidationFailed.field("mailbox_union", _("工会不存在"))
    limit = time_limit_for(cat, urgency)
    hours = working_hours_for(receiving)
    local_day = received_at.astimezone(workcalendar.SHANGHAI).date()
    appeal = Appeal(
        number=_next_number(channel, local_day), channel=channel, external_number=external_number or None,
        category=cat, urgency=urgency, worker=person, text=text,
        region_code=region_code or person.work_region_code or "", receiving_union=receiving,
        handling_union=receiving, received_by=actor if is_staff else None, received_at=received_at,
        respond_by=deadline_after(received_at, limit.respond_amount, limit.respond_unit, hours),
        resolve_by=deadline_after(received_at, limit.resolve_amount, limit.resolve_unit, hours),
        respond_unit=limit.respond_unit, resolve_unit=limit.resolve_unit,
    )
    appeal.save()
    if idempotency:
        caller, key, digest = idempotency
        IdempotencyRecord.objects.create(caller=caller, key=key, body_hash=digest, appeal=appeal)
    with translation.override(None):  # the note is stored and sent to 12345: Chinese, whatever the page's language
        channel_label = appeal.get_channel_display()
    _event(appeal, action="receive", actor=actor, from_status="", at=received_at, union=receiving,
           note=f"{channel_label}受理")
    # Cases that arrive without an agent (app, 12345, mailbox) go straight to their handling unit.
    if target is not None:
        _dispatch_to(appeal, actor=None, target=target, mode=AssignMode.ROUND_ROBIN, note="主席信箱直达")
    elif not is_staff:
        rule = dispatch_rule_match(category=cat, region_code=appeal.region_code)
        if rule is not None:
            _dispatch_to(appeal, actor=None, target=rule.handling_union, mode=rule.assign_mode,
                         note="按派单规则自动派单")
    return appeal


# --- duplicates -------------------------------------------------------------------------------------------------
def likely_duplicates(*, worker: Worker, category: Category, exclude_id: int | None = None):
    """Same worker, same top-level category, received within the window (default 30 days), not merged."""
    since = _now() - dt.timedelta(days=settings.APPEALS_DUPLICATE_WINDOW_DAYS)
    top = category.top
    qs = (Appeal.objects.filter(worker=worker, received_at__gte=since)
          .filter(Q(category=top) | Q(category__parent=top)).exclude(status=Status.MERGED))
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.order_by("-received_at")


# --- transitions ------------------------------------------------------------------------------------------------
# action: (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "dispatch": ((Status.RECEIVED,), Status.DISPATCHED),
    "accept": ((Status.DISPATCHED,), Status.ACCEPTED),
    "return": ((Status.DISPATCHED,), Status.RECEIVED),
    "start": ((Status.ACCEPTED,), Status.IN_PROGRESS),
    "wait": ((Status.ACCEPTED, Status.IN_PROGRESS), Status.WAITING),
    "resume": ((Status.WAITING,), Status.IN_PROGRESS),
    "answer": ((Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS), Status.ANSWERED),
    "close": ((Status.ANSWERED,), Status.CLOSED),
    "reopen": ((Status.CLOSED,), Status.ACCEPTED),
    "merge": (OPEN_STATUSES, Status.MERGED),
}
ACTION_LABELS = {"receive": "受理", "dispatch": "派单", "accept": "签收", "return": "退回", "start": "开始办理",
                 "wait": "等待职工补充", "resume": "恢复办理", "answer": "答复", "close": "办结", "callback": "回访",
                 "reopen": "退回重办", "merge": "合并", "escalate": "超时督办", "remind": "到期提醒",
                 "unrated": "未评价"}
# The same labels of the transitions as verbs, in the request's language, for the refusal of an illegal transition
# (the Chinese is ACTION_LABELS' own: test_english checks it).
ACTION_VERBS = {
    "dispatch": pgettext_lazy("refused action", "派单"), "accept": pgettext_lazy("refused action", "签收"),
    "return": pgettext_lazy("refused action", "退回"), "start": pgettext_lazy("refused action", "开始办理"),
    "wait": pgettext_lazy("refused action", "等待职工补充"), "resume": pgettext_lazy("refused action", "恢复办理"),
    "answer": pgettext_lazy("refused action", "答复"), "close": pgettext_lazy("refused action", "办结"),
    "reopen": pgettext_lazy("refused action", "退回重办"), "merge": pgettext_lazy("refused action", "合并"),
}


def _lock(appeal_id: int) -> Appeal:
    appeal = (Appeal.objects.select_for_update(of=("self",)).select_related("handling_union", "receiving_union",
                                                                              "worker", "category")
              .filter(pk=appeal_id).first())
    if appeal is None:
        raise NotFound(_("诉求不存在"))
    return appeal


def _staff_may_handle(actor, appeal: Appeal) -> None:
    """Staff acting on an appeal must have its handling unit (or, for the receiving unit, the case) in scope."""
    require_staff(actor)
    if not (in_scope(actor, appeal.handling_union) or in_scope(actor, appeal.receiving_union)):
        raise NotFound(_("诉求不存在"))


def _require_handling_unit(actor, appeal: Appeal) -> None:
    if not in_scope(actor, appeal.handling_union):
        raise PermissionDenied(_("只有承办单位可以执行此操作"))


def _move(appeal: Appeal, action: str) -> str:
    allowed, target = TRANSITIONS[action]
    if appeal.status not in allowed:
        raise Conflict(_("当前状态“%(status)s”不能%(action)s") % {"status": appeal.get_status_display(),
                                                              "action": ACTION_VERBS[action]},
                       code="illegal_transition", fields={"status": appeal.status})
    before = appeal.status
    appeal.status = target
    return before


def dispatch_rule_match(*, category: Category, region_code: str) -> DispatchRule | None:
    """The most specific active rule: longest matching region prefix, then a category rule over a catch-all, then
    the higher priority."""
    region_code = region_code or ""
    best, best_key = None, None
    cats = {category.pk, category.parent_id} - {None}
    for rule in DispatchRule.objects.select_related("handling_union").filter(active=True).filter(
            Q(category__isnull=True) | Q(category_id__in=cats)):
        if not region_code.startswith(rule.region_prefix):
            continue
        key = (len(rule.region_prefix), rule.category_id == category.pk, rule.category_id is not None, rule.priority)
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best


def _choose_handler(union: Union, mode: str) -> User | None:
    staff = _unit_staff(union)
    if not staff:
        return None
    rotation, _created = UnitRotation.objects.get_or_create(union=union)
    # Lock the unit's rotation row: concurrent dispatches to one unit take turns.
    rotation = UnitRotation.objects.select_for_update().get(pk=rotation.pk)
    if mode == AssignMode.LEAST_LOADED:
        loads = dict(Appeal.objects.filter(handler__in=staff, status__in=OPEN_STATUSES).values("handler")
                     .annotate(n=Count("id")).values_list("handler", "n"))
        chosen = min(staff, key=lambda u: (loads.get(u.pk, 0), u.pk))
    else:
        after = [u for u in staff if rotation.last_handler_id is None or u.pk > rotation.last_handler_id]
        chosen = after[0] if after else staff[0]
    rotation.last_handler_id = chosen.pk
    rotation.save(update_fields=["last_handler_id"])
    return chosen


def _dispatch_to(appeal: Appeal, *, actor, target: Union, mode: str, note: str) -> None:
    before = _move(appeal, "dispatch")
    appeal.handling_union = target
    appeal.handler = _choose_handler(target, mode)
    appeal.save()
    _event(appeal, action="dispatch", actor=actor, from_status=before, note=f"派至{target.name}。{note}".strip("。"))
    recipients = [appeal.handler] if appeal.handler else _unit_staff(target)
    notify(users=recipients, text=f"新派诉求 {appeal.number}（{appeal.category.name}），请及时签收", appeal=appeal)


@transaction.atomic(durable=True)
def appeal_dispatch(actor, *, appeal_id: int, union_id: int | None = None, note: str = "") -> Appeal:
    """Dispatch to a unit (given, or by the rules). Only the unit that currently holds the case (the receiving unit
    or the parent a case was returned to) dispatches, and only into its own subtree."""
    appeal = _lock(appeal_id)
    _staff_may_handle(actor, appeal)
    _require_handling_unit(actor, appeal)
    if union_id:
        target = Union.objects.filter(pk=union_id).first()
        if target is None or not in_scope(actor, target):
            raise ValidationFailed.field("union", _("承办单位不存在或不在管辖范围内"))
        mode = AssignMode.ROUND_ROBIN
        rule = dispatch_rule_match(category=appeal.category, region_code=appeal.region_code)
        if rule is not None and rule.handling_union_id == target.pk:
            mode = rule.assign_mode
    else:
        rule = dispatch_rule_match(category=appeal.category, region_code=appeal.region_code)
        if rule is None:
            raise ValidationFailed.field("union", _("没有匹配的派单规则，请指定承办单位"))
        target, mode = rule.handling_union, rule.assign_mode
        if not in_scope(actor, target):
            raise ValidationFailed.field("union", _("派单规则指向的单位不在管辖范围内，请指定承办单位"))
    _dispatch_to(appeal, actor=actor, target=target, mode=mode, note=note)
    return appeal


@transaction.atomic(durable=True)
def appeal_accept(actor, *, appeal_id: int, note: str = "") -> Appeal:
    appeal = _lock(appeal_id)
    _staff_may_handle(actor, appeal)
    _require_handling_unit(actor, appeal)
    before = _move(appeal, "accept")
    appeal.accepted_at = _now()
    if appeal.handler_id is None or actor.union_id == appeal.handling_union_id:
        appeal.handler = appeal.handler or actor
    appeal.save()
    _event(appeal, action="accept", actor=actor, from_status=before, note=note)
    return appeal


@transaction.atomic(durable=True)
def appeal_return(actor, *, appeal_id: int, reason: str) -> Appeal:
    """A unit sends a wrongly dispatched case back, once, with a reason; the parent unit re-dispatches it."""
    appeal = _lock(appeal_id)
    _staff_may_handle(actor, appeal)
    _require_handling_unit(actor, appeal)
    reason = _text(reason, field="reason", limit=500)
    if appeal.return_count >= 1:
        raise Conflict(_("该诉求已退回过一次，不能再次退回"), code="already_returned")
    unit = appeal.handling_union
    parent = Union.objects.filter(pk=unit.parent_id).first() if unit.parent_id else None
    before = _move(appeal, "return")
    appeal.handling_union = parent if parent is not None else appeal.receiving_union
    appeal.handler = None
    appeal.return_count += 1
    appeal.save()
    _event(appeal, action="return", actor=actor, from_status=before, note=f"{unit.name}退回：{reason}")
    notify(users=_unit_staff(appeal.handling_union), text=f"诉求 {appeal.number} 被退回，请重新派单：{reason}",
           appeal=appeal)
    return appeal


def _respond(appeal: Appeal, at: dt.datetime) -> None:
    if appeal.responded_at is None:
        appeal.responded_at = at


@transaction.atomic(durable=True)
def appeal_message_add(actor, *, appeal_id: int, kind: str, text: str) -> AppealMessage:
    """An internal note, a message to the worker, or a logged contact. The first contact with the worker counts
    as the response; on an accepted case it starts the handling."""
    appeal = _lock(appeal_id)
    if kind == MessageKind.FROM_WORKER:
        if appeal.worker.user_id is None or appeal.worker.user_id != getattr(actor, "pk", None):
            raise NotFound(_("诉求不存在"))
    else:
        _staff_may_handle(actor, appeal)
        if kind not in (MessageKind.NOTE, MessageKind.TO_WORKER, MessageKind.CONTACT):
            raise ValidationFailed.field("kind", _("消息类型不正确"))
    text = _text(text, limit=2000)
    now = _now()
    message = AppealMessage.objects.create(appeal=appeal, kind=kind, author=actor, author_name=str(actor), text=text,
                                           at=now)
    if kind in (MessageKind.TO_WORKER, MessageKind.CONTACT) and appeal.is_open:
        _require_handling_unit(actor, appeal)
        _respond(appeal, now)
        if appeal.status == Status.ACCEPTED:
            before = _move(appeal, "start")
            _event(appeal, action="start", actor=actor, from_status=before, note="首次联系职工")
        appeal.save()
    if kind == MessageKind.TO_WORKER and appeal.worker.user_id:
        notify(users=[appeal.worker.user], text=f"您的诉求 {appeal.number} 有新回复", appeal=appeal)
    if kind == MessageKind.FROM_WORKER:
        notify(users=[appeal.handler] if appeal.handler else _unit_staff(appeal.handling_union),
               text=f"职工对诉求 {appeal.number} 留言", appeal=appeal)
    return message


@transaction.atomic(durable=True)
def appeal_wait(actor, *, appeal_id: int, note: str) -> Appeal:
    """Wait for the worker (documents, a call back): the clock stops until `appeal_resume`."""
    appeal = _lock(appeal_id)
    _staff_may_handle(actor, appeal)
    _require_handling_unit(actor, appeal)
    note = _text(note, field="note", limit=500)
    before = _move(appeal, "wait")
    appeal.paused_at = _now()
    appeal.save()
    _event(appeal, action="wait", actor=actor, from_status=before, note=note)
    return appeal


@transaction.atomic(durable=True)
def appeal_resume(actor, *, appeal_id: int, note: str = "") -> Appeal:
    appeal = _lock(appeal_id)
    _staff_may_handle(actor, appeal)
    _require_handling_unit(actor, appeal)
    before = _move(appeal, "resume")
    now = _now()
    hours = working_hours_for(appeal.handling_union)
    if appeal.paused_at is not None:
        if appeal.responded_at is None:
            appeal.respond_by = _shift(appeal.respond_by, appeal.respond_unit, appeal.paused_at, now, hours)
        appeal.resolve_by = _shift(appeal.resolve_by, appeal.resolve_unit, appeal.paused_at, now, hours)
    appeal.paused_at = None
    appeal.save()
    _event(appeal, action="resume", actor=actor, from_status=before, note=note)
    return appeal


@transaction.atomic(durable=True)
def appeal_answer(actor, *, appeal_id: int, answer: str, close_now: bool = False) -> Appeal:
    """The answer to the worker. From `received` it is the receiving unit answering on the spot (首接解答); with
    close_now it is closed at once as a first-contact resolution."""
    appeal = _lock(appeal_id)
    _staff_may_handle(actor, appeal)
    _require_handling_unit(actor, appeal)
    answer = _text(answer, field="answer")
    first_contact = appeal.status == Status.RECEIVED
    before = _move(appeal, "answer")
    now = _now()
    appeal.answer = answer
    appeal.answered_at = now
    _respond(appeal, now)
    if appeal.handler_id is None:
        appeal.handler = actor
    appeal.save()
    _event(appeal, action="answer", actor=actor, from_status=before, note=answer[:500])
    if appeal.worker.user_id:
        notify(users=[appeal.worker.user], text=f"您的诉求 {appeal.number} 已答复", appeal=appeal)
    if appeal.worker.phone:
        notify(users=[], text=f"【职工之家】您的诉求{appeal.number}已答复，可在App查看并评价。",
               sms_phone=appeal.worker.phone)
    if close_now:
        before = _move(appeal, "close")
        appeal.outcome = "first_contact" if first_contact else "resolved"
        appeal.closed_at = now
        appeal.save()
        _event(appeal, action="close", actor=actor, from_status=before, note="当场解答办结")
    return appeal


CLOSE_OUTCOMES = ("resolved", "explained", "unresolvable", "first_contact")


@transaction.atomic(durable=True)
def appeal_close(actor, *, appeal_id: int, outcome: str, note: str = "") -> Appeal:
    appeal = _lock(appeal_id)
    _staff_may_handle(actor, appeal)
    _require_handling_unit(actor, appeal)
    if outcome not in CLOSE_OUTCOMES:
        raise ValidationFailed.field("outcome", _("办结结果不正确"))
    before = _move(appeal, "close")
    appeal.outcome = outcome
    appeal.closed_at = _now()
    appeal.rating_status = RatingStatus.PENDING
    appeal.save()
    _event(appeal, action="close", actor=actor, from_status=before, note=note)
    if appeal.worker.user_id:
        notify(users=[appeal.worker.user], text=f"您的诉求 {appeal.number} 已办结，请评价", appeal=appeal)
    return appeal


def _worker_owns(actor, appeal: Appeal) -> bool:
    return bool(appeal.worker.user_id) and appeal.worker.user_id == getattr(actor, "pk", None)


@transaction.atomic(durable=True)
def appeal_callback(actor, *, appeal_id: int, resolved: bool, satisfied: bool, comment: str = "") -> Appeal:
    """回访: a call logged by staff, or the worker rating in the app. Once per closing, only on a closed case."""
    appeal = _lock(appeal_id)
    if not _worker_owns(actor, appeal):
        _staff_may_handle(actor, appeal)
    if appeal.status != Status.CLOSED:
        raise Conflict(_("诉求尚未办结，不能回访"), code="not_closed")
    if appeal.rating_status == RatingStatus.RATED:
        raise Conflict(_("该诉求已回访"), code="already_rated")
    if len(comment or "") > 500:
        raise ValidationFailed.field("comment", _("评价最多500字"))
    appeal.rating_status = RatingStatus.RATED
    appeal.rating_resolved = bool(resolved)
    appeal.rating_satisfied = bool(satisfied)
    appeal.rating_comment = (comment or "").strip()
    appeal.rated_at = _now()
    appeal.save()
    who = "职工评价" if _worker_owns(actor, appeal) else "电话回访"
    verdict = f"{'已解决' if resolved else '未解决'}，{'满意' if satisfied else '不满意'}"
    _event(appeal, action="callback", actor=actor, from_status=Status.CLOSED,
           note=f"{who}：{verdict}。{appeal.rating_comment}")
    return appeal


@transaction.atomic(durable=True)
def appeal_reopen(actor, *, appeal_id: int, reason: str) -> Appeal:
    """退回重办: back to the same unit and handler, with a fresh resolve deadline and the reopen count raised.
    The worker may reopen after rating it unsolved or unsatisfied; staff in scope may always."""
    appeal = _lock(appeal_id)
    if _worker_owns(actor, appeal):
        if appeal.rating_status != RatingStatus.RATED or (appeal.rating_satisfied and appeal.rating_resolved):
            raise Conflict(_("请先评价为“未解决”或“不满意”后再申请重办"), code="reopen_needs_rating")
    else:
        _staff_may_handle(actor, appeal)
    reason = _text(reason, field="reason", limit=500)
    before = _move(appeal, "reopen")
    now = _now()
    limit = time_limit_for(appeal.category, appeal.urgency)
    appeal.resolve_by = deadline_after(now, limit.resolve_amount, limit.resolve_unit,
                                       working_hours_for(appeal.handling_union))
    appeal.resolve_unit = limit.resolve_unit
    appeal.reopen_count += 1
    appeal.reminded_resolve = appeal.escalated_resolve = False
    appeal.closed_at = appeal.answered_at = None
    appeal.save()
    _event(appeal, action="reopen", actor=actor, from_status=before, note=reason)
    notify(users=[appeal.handler] if appeal.handler else _unit_staff(appeal.handling_union),
           text=f"诉求 {appeal.number} 被退回重办：{reason}", appeal=appeal)
    return appeal


@transaction.atomic(durable=True)
def appeal_merge(actor, *, appeal_id: int, into_id: int) -> Appeal:
    """Merge a likely duplicate into an open appeal of the same worker. Both rows are locked in id order."""
    if appeal_id == into_id:
        raise ValidationFailed.field("into", _("不能与自身合并"))
    locked = {a.pk: a for a in [_lock(i) for i in sorted((appeal_id, into_id))]}
    appeal, into = locked[appeal_id], locked[into_id]
    _staff_may_handle(actor, appeal)
    _staff_may_handle(actor, into)
    if appeal.worker_id != into.worker_id:
        raise ValidationFailed.field("into", _("只能合并同一职工的诉求"))
    if not into.is_open:
        raise ValidationFailed.field("into", _("只能并入未办结的诉求"))
    before = _move(appeal, "merge")
    appeal.merged_into = into
    appeal.save()
    _event(appeal, action="merge", actor=actor, from_status=before, note=f"并入 {into.number}")
    AppealMessage.objects.create(appeal=into, kind=MessageKind.NOTE, author=actor, author_name=str(actor),
                                 text=f"合并重复诉求 {appeal.number}：{appeal.text[:500]}", at=_now())
    return appeal


# --- deadlines: reminders and escalation ------------------------------------------------------------------------
def _remind_window() -> dt.timedelta:
    return dt.timedelta(hours=settings.APPEALS_REMIND_BEFORE_HOURS)


def deadline_sweep(*, now: dt.datetime | None = None) -> dict:
    """The periodic job: remind the handler before a deadline, escalate to the parent unit after it. Each appeal is
    handled in its own short transaction with the row locked and skipped if another sweep holds it."""
    from zhijia.appeals.selectors import sweep_due

    now = now or _now()
    counts = {"reminded": 0, "escalated": 0}
    for appeal_id, kind in sweep_due(now=now, remind_window=_remind_window()):
        with transaction.atomic():
            appeal = (Appeal.objects.select_for_update(skip_locked=True, of=("self",))
                      .select_related("handling_union", "category").filter(pk=appeal_id).first())
            if appeal is None or appeal.status == Status.WAITING:
                continue
            counts[_sweep_one(appeal, kind, now)] += 1
    return counts


def _sweep_one(appeal: Appeal, kind: str, now: dt.datetime) -> str:
    stage, act = kind.split("_")  # "respond_remind", "resolve_escalate", ...
    label = "响应" if stage == "respond" else "办结"
    deadline = appeal.respond_by if stage == "respond" else appeal.resolve_by
    local = deadline.astimezone(workcalendar.SHANGHAI)
    if act == "remind":
        setattr(appeal, f"reminded_{stage}", True)
        appeal.save(update_fields=[f"reminded_{stage}", "updated_at"])
        notify(users=[appeal.handler] if appeal.handler else _unit_staff(appeal.handling_union),
               text=f"诉求 {appeal.number} 将于 {local:%m-%d %H:%M} 到达{label}期限", appeal=appeal)
        return "reminded"
    setattr(appeal, f"escalated_{stage}", True)
    setattr(appeal, f"reminded_{stage}", True)
    appeal.save(update_fields=[f"escalated_{stage}", f"reminded_{stage}", "updated_at"])
    parent = Union.objects.filter(pk=appeal.handling_union.parent_id).first() if appeal.handling_union.parent_id \
        else appeal.handling_union
    AppealEvent.objects.create(appeal=appeal, action="escalate", from_status=appeal.status, to_status=appeal.status,
                               actor_name="系统", union=parent, at=now,
                               note=f"超过{label}期限（{local:%m-%d %H:%M}），已报{parent.name}督办")
    notify(users=_unit_staff(parent) + list(User.objects.filter(union=parent, role=Role.MUNICIPAL_ADMIN)),
           text=f"督办：{appeal.handling_union.name}的诉求 {appeal.number} 已超{label}期限", appeal=appeal)
    return "escalated"


def rating_expire_sweep(*, now: dt.datetime | None = None) -> int:
    """Closed cases nobody rated within the window become `unrated`: never counted as satisfied."""
    now = now or _now()
    cutoff = now - dt.timedelta(days=settings.APPEALS_RATING_WINDOW_DAYS)
    with transaction.atomic():
        return Appeal.objects.filter(status=Status.CLOSED, rating_status=RatingStatus.PENDING,
                                     closed_at__lt=cutoff).update(rating_status=RatingStatus.UNRATED)


# --- the 12345 outbox -------------------------------------------------------------------------------------------
def _outbox_send(payload: dict) -> None:
    """POST one status change to the city's system; raises on any failure. Without a URL, delivery is logged."""
    url = settings.APPEALS_12345_CALLBACK_URL
    if not url:
        import logging

        logging.getLogger("zhijia.appeals.outbox").info("12345 status (no URL configured): %s", payload)
        return
    import hmac
    import time
    import urllib.request

    body = json.dumps(payload, ensure_ascii=False).encode()
    ts = str(int(time.time()))
    sig = hmac.new(settings.APPEALS_12345_SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    req = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310 - URL from settings
        "Content-Type": "application/json", "X-Timestamp": ts, "X-Signature": sig})
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        if resp.status >= 300:
            raise RuntimeError(f"HTTP {resp.status}")


OUTBOX_MAX_ATTEMPTS = 8


def outbox_deliver(*, now: dt.datetime | None = None, sender=None, limit: int = 200) -> dict:
    """Send due outbox messages in order; a failure is retried with exponential backoff (30 s, 1 min, 2 min ...,
    at most an hour) and given up after 8 attempts. Rows are claimed with SKIP LOCKED, so two workers never
    send the same message."""
    sender = sender or _outbox_send
    now = now or _now()
    counts = {"delivered": 0, "retried": 0, "failed": 0}
    ids = list(OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
               .order_by("id").values_list("id", flat=True)[:limit])
    for mid in ids:
        with transaction.atomic():
            msg = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
                pk=mid, status=OutboxStatus.PENDING).first()
            if msg is None:
                continue
            msg.attempts += 1
            try:
                sender(msg.payload)
            except Exception as exc:  # noqa: BLE001 - any failure of the far side is retried
                msg.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
                if msg.attempts >= OUTBOX_MAX_ATTEMPTS:
                    msg.status = OutboxStatus.FAILED
                    counts["failed"] += 1
                else:
                    msg.next_attempt_at = now + dt.timedelta(seconds=min(30 * 2 ** (msg.attempts - 1), 3600))
                    counts["retried"] += 1
                msg.attempt_log.create(ok=False, detail=msg.last_error)
            else:
                msg.status = OutboxStatus.DELIVERED
                msg.delivered_at = now
                msg.last_error = ""
                msg.attempt_log.create(ok=True, detail="已送达")
                counts["delivered"] += 1
            msg.save()
    return counts


@transaction.atomic(durable=True)
def outbox_retry(actor, *, message_id: int) -> OutboxMessage:
    """Staff put a given-up message back in the queue."""
    from zhijia.orgs.selectors import scoped

    msg = scoped(OutboxMessage.objects.select_for_update(of=("self",)), actor, via="appeal__handling_union") \
        .filter(pk=message_id).first()
    if msg is None:
        raise NotFound(_("消息不存在"))
    msg.status, msg.next_attempt_at, msg.attempts = OutboxStatus.PENDING, _now(), 0
    msg.save()
    return msg


# --- configuration by staff -------------------------------------------------------------------------------------
@transaction.atomic(durable=True)
def dispatch_rule_save(actor, *, rule_id: int | None = None, category: str | None, region_prefix: str,
                       handling_union_id: int, assign_mode: str = AssignMode.ROUND_ROBIN, priority: int = 0,
                       active: bool = True) -> DispatchRule:
    scope = require_staff(actor, roles=(Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF))
    region_prefix = (region_prefix or "").strip()
    if region_prefix and (not region_prefix.isdigit() or len(region_prefix) > 12):
        raise ValidationFailed.field("region_prefix", _("地区代码前缀应为数字"))
    cat = _category(category) if category else None
    target = Union.objects.filter(pk=handling_union_id).first()
    if target is None or not in_scope(actor, target):
        raise ValidationFailed.field("handling_union", _("承办单位不存在或不在管辖范围内"))
    if assign_mode not in AssignMode.values:
        raise ValidationFailed.field("assign_mode", _("分配方式不正确"))
    if rule_id:
        rule = DispatchRule.objects.select_for_update().filter(pk=rule_id, owner_union__path__startswith=scope.path) \
            .first()
        if rule is None:
            raise NotFound(_("派单规则不存在"))
    else:
        rule = DispatchRule(owner_union_id=scope.pk)
    rule.category, rule.region_prefix, rule.handling_union = cat, region_prefix, target
    rule.assign_mode, rule.priority, rule.active = assign_mode, priority, active
    rule.save()
    audit_record(actor=actor, action="update", obj=rule, union=scope)
    return rule


@transaction.atomic(durable=True)
def calendar_year_save(actor, *, year: int, holidays: list[dt.date], workdays: list[dt.date]) -> CalendarYear:
    """Enter a year's arrangement (the State Council's notice): its holidays and its 调休 working Saturdays/Sundays.
    Replaces what was entered for that year before."""
    require_staff(actor, roles=(Role.MUNICIPAL_ADMIN,))
    if not 2000 <= year <= 2100:
        raise ValidationFailed.field("year", _("年份不正确"))
    for field, days in (("holidays", holidays), ("workdays", workdays)):
        if any(d.year != year for d in days):
            raise ValidationFailed.field(field, _("日期须在%(year)s年内") % {"year": year})
    if set(holidays) & set(workdays):
        raise ValidationFailed.field("workdays", _("同一天不能既是假日又是调休上班"))
    CalendarDay.objects.filter(day__year=year).delete()
    CalendarDay.objects.bulk_create([CalendarDay(day=d, is_workday=False, name="节假日") for d in set(holidays)]
                                    + [CalendarDay(day=d, is_workday=True, name="调休上班") for d in set(workdays)])
    entry, _created = CalendarYear.objects.update_or_create(year=year, defaults={"entered_by": actor})
    audit_record(actor=actor, action="update", object_type="appeals.calendaryear",
                 object_id=str(year), detail={"holidays": len(holidays), "workdays": len(workdays)})
    transaction.on_commit(calendar_refresh)
    calendar_refresh()
    return entry


@transaction.atomic(durable=True)
def notification_mark_read(actor, *, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if notification_id:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=_now())


def notification_mark_read_for_appeal(actor, *, appeal_id: int) -> int:
    return Notification.objects.filter(user=actor, appeal_id=appeal_id, read_at__isnull=True).update(read_at=_now())


def new_idempotency_key() -> str:
    """A key for a form, so a double-submitted page makes one appeal."""
    import uuid

    return uuid.uuid4().hex


@transaction.atomic(durable=True)
def time_limit_save(actor, *, category: str | None, urgency: str, respond_amount: int, respond_unit: str,
                    resolve_amount: int, resolve_unit: str) -> TimeLimit:
    """Set the limits for an urgency, for one category or (category None) the default. Applies to new cases."""
    require_staff(actor, roles=(Role.MUNICIPAL_ADMIN,))
    if urgency not in Urgency.values:
        raise ValidationFailed.field("urgency", _("紧急程度应为 urgent 或 normal"))
    for field, unit in (("respond_unit", respond_unit), ("resolve_unit", resolve_unit)):
        if unit not in LimitUnit.values:
            raise ValidationFailed.field(field, _("时限单位不正确"))
    for field, amount in (("respond_amount", respond_amount), ("resolve_amount", resolve_amount)):
        if not 1 <= amount <= 720:
            raise ValidationFailed.field(field, _("时限应在1到720之间"))
    cat = _category(category) if category else None
    limit, _created = TimeLimit.objects.update_or_create(category=cat, urgency=urgency, defaults={
        "respond_amount": respond_amount, "respond_unit": respond_unit, "resolve_amount": resolve_amount,
        "resolve_unit": resolve_unit})
    audit_record(actor=actor, action="update", obj=limit, union=require_staff(actor))
    return limit


@transaction.atomic(durable=True)
def working_hours_save(actor, *, union_id: int, start: dt.time, end: dt.time) -> WorkingHours:
    """A unit's working hours (its subtree inherits them unless it sets its own)."""
    require_staff(actor, roles=(Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF))
    union = Union.objects.filter(pk=union_id).first()
    if union is None or not in_scope(actor, union):
        raise NotFound(_("工会不存在"))
    if end <= start:
        raise ValidationFailed.field("end", _("下班时间应晚于上班时间"))
    hours, _created = WorkingHours.objects.update_or_create(union=union, defaults={"start": start, "end": end})
    audit_record(actor=actor, action="update", obj=hours, union=union)
    return hours


ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {"image/jpeg", "image/png", "application/pdf"}


@transaction.atomic(durable=True)
def appeal_attachment_add(actor, *, appeal_id: int, upload) -> AppealAttachment:
    """A photo or PDF (≤10 MB) added by the worker who raised the appeal or by staff in scope."""
    appeal = _lock(appeal_id)
    if not _worker_owns(actor, appeal):
        _staff_may_handle(actor, appeal)
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationFailed.field("attachment", _("附件不能超过10MB"))
    head = upload.read(8)
    upload.seek(0)
    kind = ("image/jpeg" if head[:3] == b"\xff\xd8\xff" else "image/png" if head[:8] == b"\x89PNG\r\n\x1a\n"
            else "application/pdf" if head[:5] == b"%PDF-" else "")
    if kind not in ATTACHMENT_TYPES:
        raise ValidationFailed.field("attachment", _("附件仅支持JPG、PNG图片或PDF"))
    if appeal.attachments.count() >= 10:
        raise ValidationFailed.field("attachment", _("每件诉求最多10个附件"))
    name = (upload.name or "附件")[-120:]
    return AppealAttachment.objects.create(appeal=appeal, file=upload, name=name)
