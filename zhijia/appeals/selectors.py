"""Reads of the appeals subsystem. Staff reads go through orgs.selectors.scoped(): a unit sees the cases it handles
or received, and those of its subtree, never a sibling's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from zhijia.appeals.models import (
    Appeal,
    Category,
    DispatchRule,
    Notification,
    OutboxMessage,
    RatingStatus,
    Status,
)
from zhijia.core import workcalendar
from zhijia.core.errors import NotFound, ValidationFailed
from zhijia.core.identity import PHONE_RE
from zhijia.members.models import Worker
from zhijia.members.selectors import worker_find_by_id_number, worker_find_by_phone, worker_for_user
from zhijia.orgs.models import Union
from zhijia.orgs.selectors import require_staff, scoped, union_get

# Statuses in which a deadline is still running (not paused, not yet answered).
CLOCK_RUNNING = (Status.RECEIVED, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS)
_RELATED = ("category", "handling_union", "receiving_union", "handler", "worker")


def visible_appeals(user) -> QuerySet[Appeal]:
    base = Appeal.objects.all()
    return scoped(base, user, via="handling_union") | scoped(base, user, via="receiving_union")


def appeal_list(*, user, state: str | None = None, union_id: int | None = None, q: str | None = None,
                category: str | None = None, channel: str | None = None, overdue: bool = False,
                mine: bool = False) -> QuerySet[Appeal]:
    qs = visible_appeals(user)
    if state == "open":
        qs = qs.exclude(status__in=(Status.CLOSED, Status.MERGED))
    elif state:
        qs = qs.filter(status=state)
    if union_id:
        unit = union_get(user=user, union_id=union_id)
        qs = qs.filter(handling_union__path__startswith=unit.path)
    if q:
        q = q.strip()
        qs = qs.filter(Q(number__icontains=q) | Q(text__contains=q) | Q(worker__name=q))
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if channel:
        qs = qs.filter(channel=channel)
    if overdue:
        now = dt.datetime.now(dt.UTC)
        qs = qs.filter(status__in=CLOCK_RUNNING).filter(
            Q(responded_at__isnull=True, respond_by__lt=now) | Q(resolve_by__lt=now))
    if mine:
        qs = qs.filter(handler=user)
    return qs.select_related(*_RELATED).order_by("-received_at", "-id")


def appeal_get(*, user, appeal_id: int) -> Appeal:
    appeal = visible_appeals(user).select_related(*_RELATED, "merged_into").filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound(_("诉求不存在"))
    return appeal


def worker_appeals(*, user) -> QuerySet[Appeal]:
    worker = worker_for_user(user)
    if worker is None:
        return Appeal.objects.none()
    return (Appeal.objects.filter(worker=worker).select_related("category", "handling_union", "handler")
            .order_by("-received_at"))


def worker_appeal_get(*, user, appeal_id: int) -> Appeal:
    appeal = worker_appeals(user=user).filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound(_("诉求不存在"))
    return appeal


def worker_lookup(*, user, q: str) -> list[Worker]:
    """For the hotline: a complete phone or ID number finds the worker by keyed hash; two or more characters of a
    name find up to eight by name."""
    require_staff(user)
    q = (q or "").strip().upper()
    if PHONE_RE.match(q):
        found = worker_find_by_phone(q)
        return [found] if found else []
    if len(q) == 18:
        found = worker_find_by_id_number(q)
        return [found] if found else []
    if len(q) >= 2 and not q.isdigit():
        return list(Worker.objects.filter(name__startswith=q).order_by("name", "id")[:8])
    return []


def recent_appeals_of(*, user, worker: Worker, limit: int = 8) -> list[Appeal]:
    """The worker's recent appeals, for the agent beside the form (only those the agent's scope holds)."""
    return list(visible_appeals(user).filter(worker=worker).select_related("category", "handling_union")
                .order_by("-received_at")[:limit])


def categories() -> list[Category]:
    return list(Category.objects.filter(active=True).select_related("parent").order_by("parent_id", "position", "id"))


def dispatch_rules(*, user) -> QuerySet[DispatchRule]:
    return scoped(DispatchRule.objects.select_related("category", "handling_union"), user,
                  via="owner_union").order_by("region_prefix", "category_id", "-priority")


def outbox_list(*, user, status: str | None = None) -> QuerySet[OutboxMessage]:
    qs = scoped(OutboxMessage.objects.select_related("appeal"), user, via="appeal__handling_union")
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related("attempt_log").order_by("-id")


def inbox(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("appeal")


# --- the three rates --------------------------------------------------------------------------------------------
@dataclass
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        tz = workcalendar.SHANGHAI
        return (dt.datetime.combine(self.start, dt.time(), tz),
                dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tz))


def period_parse(start: dt.date | None, end: dt.date | None) -> Period:
    today = dt.datetime.now(workcalendar.SHANGHAI).date()
    end = end or today
    start = start or end.replace(day=1)
    if start > end:
        raise ValidationFailed.field("from", _("开始日期不能晚于结束日期"))
    if (end - start).days > 3660:
        raise ValidationFailed.field("from", _("统计区间最长十年"))
    return Period(start, end)


# The definitions (docs/appeals.md), in one place: each measure is a filter on the cohort of appeals received in
# the period by units in the subtree, merged duplicates left out.
MEASURES: dict[str, Q] = {
    "received": Q(),
    "responded_in_time": Q(responded_at__isnull=False, responded_at__lte=F("respond_by")),
    "not_responded_in_time": Q(responded_at__isnull=True) | Q(responded_at__gt=F("respond_by")),
    "rated": Q(status=Status.CLOSED, rating_status=RatingStatus.RATED),
    "resolved": Q(status=Status.CLOSED, rating_status=RatingStatus.RATED, rating_resolved=True),
    "unresolved": Q(status=Status.CLOSED, rating_status=RatingStatus.RATED, rating_resolved=False),
    "satisfied": Q(status=Status.CLOSED, rating_status=RatingStatus.RATED, rating_satisfied=True),
    "unsatisfied": Q(status=Status.CLOSED, rating_status=RatingStatus.RATED, rating_satisfied=False),
    "unrated": Q(status=Status.CLOSED, rating_status=RatingStatus.UNRATED),
}
MEASURE_LABELS = {"received": "受理量", "responded_in_time": "按时响应", "not_responded_in_time": "未按时响应",
                  "rated": "已回访", "resolved": "已解决", "unresolved": "未解决", "satisfied": "满意",
                  "unsatisfied": "不满意", "unrated": "未评价"}
COUNTED = ("received", "responded_in_time", "resolved", "satisfied", "rated")


def _cohort(unit: Union, period: Period) -> QuerySet[Appeal]:
    start, end = period.bounds
    return (Appeal.objects.filter(handling_union__path__startswith=unit.path, received_at__gte=start,
                                  received_at__lt=end).exclude(status=Status.MERGED))


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def rates_from_counts(counts: dict) -> dict:
    out = {k: counts.get(k) or 0 for k in COUNTED}
    out["response_rate"] = _ratio(out["responded_in_time"], out["received"])
    out["resolution_rate"] = _ratio(out["resolved"], out["rated"])
    out["satisfaction_rate"] = _ratio(out["satisfied"], out["rated"])
    return out


def rates(*, user, union_id: int | None, period: Period) -> dict:
    """The three rates of a unit's subtree over a period, in one aggregate query."""
    unit = union_get(user=user, union_id=union_id) if union_id else require_staff(user)
    counts = _cohort(unit, period).aggregate(**{k: Count("id", filter=MEASURES[k]) for k in COUNTED})
    return {"union": unit.pk, "union_name": unit.name, "from": period.start, "to": period.end,
            **rates_from_counts(counts)}


def rates_ranking(*, user, union_id: int | None, period: Period) -> list[dict]:
    """The rates of each direct sub-unit's subtree (and the unit's own cases), best response rate first. One query
    grouped by handling unit, rolled up along the materialised paths."""
    unit = union_get(user=user, union_id=union_id) if union_id else require_staff(user)
    children = list(Union.objects.filter(parent=unit).only("id", "name", "path"))
    rows = (_cohort(unit, period).values("handling_union__path")
            .annotate(**{k: Count("id", filter=MEASURES[k]) for k in COUNTED}))
    buckets: dict[int, dict] = {c.pk: dict.fromkeys(COUNTED, 0) for c in children}
    own = dict.fromkeys(COUNTED, 0)
    for row in rows:
        path = row["handling_union__path"]
        target = next((buckets[c.pk] for c in children if path.startswith(c.path)), own)
        for k in COUNTED:
            target[k] += row[k]
    out = [{"union": c.pk, "union_name": c.name, **rates_from_counts(buckets[c.pk])} for c in children
           if buckets[c.pk]["received"]]
    if own["received"]:
        out.append({"union": unit.pk, "union_name": f"{unit.name}（本级）", **rates_from_counts(own)})
    out.sort(key=lambda r: (-(r["response_rate"] or 0), -(r["satisfaction_rate"] or 0), -r["received"]))
    return out


def rates_cases(*, user, union_id: int | None, period: Period, measure: str) -> QuerySet[Appeal]:
    """The cases behind a number of `rates` (same cohort, same filter)."""
    if measure not in MEASURES:
        raise ValidationFailed.field("measure", _("统计口径不正确"))
    unit = union_get(user=user, union_id=union_id) if union_id else require_staff(user)
    return (_cohort(unit, period).filter(MEASURES[measure]).select_related(*_RELATED)
            .order_by("-received_at", "-id"))


def rates_monthly(*, user, union_id: int | None, period: Period) -> list[dict]:
    """Month by month, for the chart."""
    from django.db.models.functions import TruncMonth

    unit = union_get(user=user, union_id=union_id) if union_id else require_staff(user)
    rows = (_cohort(unit, period).annotate(month=TruncMonth("received_at", tzinfo=workcalendar.SHANGHAI))
            .values("month").annotate(**{k: Count("id", filter=MEASURES[k]) for k in COUNTED}).order_by("month"))
    return [{"month": r["month"].strftime("%Y-%m"), **rates_from_counts(r)} for r in rows]


# --- deadlines --------------------------------------------------------------------------------------------------
def sweep_due(*, now: dt.datetime, remind_window: dt.timedelta) -> list[tuple[int, str]]:
    """(appeal id, what is due) for every appeal whose clock is running and which needs a reminder
    ("respond_remind", "resolve_remind") or an escalation ("respond_escalate", "resolve_escalate")."""
    soon = now + remind_window
    respond_open = Q(responded_at__isnull=True)
    flags = {
        "respond_escalate": respond_open & Q(escalated_respond=False, respond_by__lt=now),
        "respond_remind": respond_open & Q(reminded_respond=False, respond_by__gte=now, respond_by__lte=soon),
        "resolve_escalate": Q(escalated_resolve=False, resolve_by__lt=now),
        "resolve_remind": Q(reminded_resolve=False, resolve_by__gte=now, resolve_by__lte=soon),
    }
    any_due = Q()
    for cond in flags.values():
        any_due |= cond
    # One small integer per row (a bit per kind) keeps the rows narrow: the sweep reads tens of thousands at scale.
    mask = sum((Case(When(cond, then=1 << bit), default=0, output_field=IntegerField())
                for bit, cond in enumerate(flags.values())), Value(0))
    rows = (Appeal.objects.filter(status__in=CLOCK_RUNNING).filter(any_due).annotate(due_mask=mask)
            .values_list("id", "due_mask").order_by("id"))
    names = list(flags)
    return [(appeal_id, name) for appeal_id, due in rows for bit, name in enumerate(names) if due & (1 << bit)]


def overdue_by_unit(*, user) -> list[dict]:
    """Open cases past a deadline, counted per handling unit in the caller's subtree."""
    now = dt.datetime.now(dt.UTC)
    qs = scoped(Appeal.objects.filter(status__in=CLOCK_RUNNING), user, via="handling_union").filter(
        Q(responded_at__isnull=True, respond_by__lt=now) | Q(resolve_by__lt=now))
    return list(qs.values("handling_union", "handling_union__name").annotate(n=Count("id")).order_by("-n")[:100])
