"""Reads of the wellbeing subsystem.

Privacy rules: an assessment is read by its worker, or by the one counsellor it was shared with; a session note by
its counsellor only; every such read is audited. Union staff see counts only (reports), scoped to their subtree.
"""

from __future__ import annotations

import datetime as dt
import json
from statistics import median

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core.errors import NotFound, PermissionDenied
from zhijia.members.selectors import worker_for_user
from zhijia.orgs.selectors import require_staff, scoped
from zhijia.wellbeing.models import (
    HOLDING_STATUSES,
    Assessment,
    Booking,
    Consultation,
    ConsultationStatus,
    Counsellor,
    CrisisFlag,
    SessionNote,
    Slot,
)


def counsellor_for_user(user) -> Counsellor | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Counsellor.objects.select_related("union").filter(user=user, active=True).first()


def _worker(user):
    worker = worker_for_user(user)
    if worker is None:
        raise PermissionDenied(_("请先以职工身份登录"))
    return worker


def assessment_list_own(*, user) -> QuerySet[Assessment]:
    """The worker's own results. Every access to mental-health data is audited, the owner's included."""
    worker = _worker(user)
    audit_record(actor=user, action=Action.VIEW_PII, object_type="wellbeing.assessment", object_id="list",
                 detail={"worker": worker.pk})
    return Assessment.objects.filter(worker=worker).select_related("shared_with").order_by("-created_at")


def assessment_get(*, user, assessment_id: int) -> Assessment:
    """The worker's own result, or one shared with the calling counsellor. Audited either way."""
    worker = worker_for_user(user)
    counsellor = counsellor_for_user(user)
    cond = Q(pk=-1)
    if worker is not None:
        cond |= Q(worker=worker)
    if counsellor is not None:
        cond |= Q(shared_with=counsellor)
    assessment = Assessment.objects.select_related("worker", "union").filter(cond, pk=assessment_id).first()
    if assessment is None:
        raise NotFound(_("测评记录不存在"))
    audit_record(actor=user, action=Action.VIEW_PII, obj=assessment, union=assessment.union)
    return assessment


def assessment_answers(assessment: Assessment) -> list[int]:
    return json.loads(assessment.answers)


def assessment_shared_list(*, user) -> QuerySet[Assessment]:
    counsellor = counsellor_for_user(user)
    if counsellor is None:
        raise PermissionDenied(_("仅限心理咨询师"))
    return Assessment.objects.filter(shared_with=counsellor).select_related("worker").order_by("-created_at")


def slot_list(*, days: int = 14, mode: str | None = None, counsellor_id: int | None = None) -> QuerySet[Slot]:
    """Open slots from now on: not withdrawn, counsellor active, no booking holding them."""
    now = timezone.now()
    qs = (Slot.objects.select_related("counsellor")
          .filter(starts_at__gt=now, starts_at__lte=now + dt.timedelta(days=days), withdrawn=False,
                  counsellor__active=True)
          .exclude(bookings__status__in=HOLDING_STATUSES))
    if mode:
        qs = qs.filter(mode=mode)
    if counsellor_id:
        qs = qs.filter(counsellor_id=counsellor_id)
    return qs.order_by("starts_at", "pk")


def booking_list_own(*, user) -> QuerySet[Booking]:
    return (Booking.objects.filter(worker=_worker(user)).select_related("slot", "slot__counsellor")
            .order_by("-slot__starts_at"))


def booking_list_counsellor(*, user) -> QuerySet[Booking]:
    counsellor = counsellor_for_user(user)
    if counsellor is None:
        raise PermissionDenied(_("仅限心理咨询师"))
    return (Booking.objects.filter(slot__counsellor=counsellor).select_related("slot", "worker", "note")
            .order_by("slot__starts_at"))


def session_note_get(*, user, booking_id: int) -> SessionNote:
    counsellor = counsellor_for_user(user)
    note = SessionNote.objects.select_related("booking").filter(
        booking_id=booking_id, booking__slot__counsellor=counsellor).first() if counsellor else None
    if note is None:
        raise NotFound(_("咨询记录不存在"))
    audit_record(actor=user, action=Action.VIEW_PII, obj=note, union=note.booking.union)
    return note


def crisis_flag_list(*, user) -> QuerySet[CrisisFlag]:
    """Staff: flags of their subtree (times and state only, never who). The municipal root also sees unplaced
    (anonymous) flags."""
    scope = require_staff(user)
    qs = scoped(CrisisFlag.objects.all(), user)
    if scope.parent_id is None or scope.depth == 0:
        qs = CrisisFlag.objects.filter(Q(pk__in=qs.values("pk")) | Q(union__isnull=True))
    return qs.select_related("union").order_by(F("acknowledged_at").asc(nulls_first=True), "-raised_at")


def crisis_flag_list_for_counsellor(*, user) -> QuerySet[CrisisFlag]:
    counsellor = counsellor_for_user(user)
    if counsellor is None:
        raise PermissionDenied(_("仅限心理咨询师"))
    return (CrisisFlag.objects.filter(Q(union__isnull=True) | Q(union__path__startswith=counsellor.union.path))
            .select_related("union", "assessment__worker")
            .order_by(F("acknowledged_at").asc(nulls_first=True), "-raised_at"))


def consultation_open_own(*, user) -> Consultation | None:
    return (Consultation.objects.filter(worker=_worker(user), status__in=("waiting", "taken"))
            .select_related("counsellor").first())


def consultation_wait(consultation: Consultation) -> dict:
    """Where the worker stands: position in the queue and an estimate from the last 50 waits."""
    if consultation.status != ConsultationStatus.WAITING:
        return {"position": 0, "estimated_minutes": 0,
                "waited_minutes": _minutes(consultation.taken_at - consultation.created_at)
                if consultation.taken_at else 0}
    position = Consultation.objects.filter(status=ConsultationStatus.WAITING).filter(
        Q(created_at__lt=consultation.created_at) | Q(created_at=consultation.created_at, pk__lt=consultation.pk)
    ).count() + 1
    recent = list(Consultation.objects.filter(taken_at__isnull=False).order_by("-taken_at")
                  .values_list("created_at", "taken_at")[:50])
    typical = median([_minutes(t - c) for c, t in recent]) if recent else 5
    return {"position": position, "estimated_minutes": max(1, round(typical * position)),
            "waited_minutes": _minutes(timezone.now() - consultation.created_at)}


def consultation_queue_length() -> int:
    return Consultation.objects.filter(status=ConsultationStatus.WAITING).count()


def consultation_current_for_counsellor(*, user) -> Consultation | None:
    counsellor = counsellor_for_user(user)
    if counsellor is None:
        return None
    return Consultation.objects.filter(counsellor=counsellor, status=ConsultationStatus.TAKEN) \
        .select_related("worker").first()


def _minutes(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


# --- Reports: counts only ----------------------------------------------------------------------------------------

def wellbeing_report(*, user, since: dt.datetime | None = None) -> dict:
    """Anonymised figures of the caller's subtree: assessments by scale, band and month (anonymous ones have no
    union and are counted only at the municipal root), bookings and their waits, quick-consultation waits,
    crisis flags and their acknowledgement times."""
    scope = require_staff(user)
    since = since or (timezone.now() - dt.timedelta(days=365))
    is_root = scope.parent_id is None
    assessments = scoped(Assessment.objects.all(), user)
    if is_root:
        assessments = Assessment.objects.filter(Q(union__isnull=True) | Q(union__path__startswith=scope.path))
    by_band = list(assessments.filter(created_at__gte=since).annotate(month=TruncMonth("created_at"))
                   .values("month", "scale", "band").annotate(n=Count("pk")).order_by("month", "scale", "band"))
    bookings = scoped(Booking.objects.filter(created_at__gte=since), user)
    booking_status = {r["status"]: r["n"] for r in bookings.values("status").annotate(n=Count("pk"))}
    lead = bookings.aggregate(avg=Avg(ExpressionWrapper(F("slot__starts_at") - F("created_at"),
                                                        output_field=DurationField())))["avg"]
    ratings = bookings.filter(rating__isnull=False).aggregate(avg=Avg("rating"), n=Count("pk"))
    consults = scoped(Consultation.objects.filter(created_at__gte=since, taken_at__isnull=False), user)
    wait = consults.aggregate(avg=Avg(ExpressionWrapper(F("taken_at") - F("created_at"),
                                                        output_field=DurationField())), n=Count("pk"))
    flags = crisis_flag_list(user=user).filter(raised_at__gte=since)
    acked = flags.filter(acknowledged_at__isnull=False)
    ack = acked.aggregate(avg=Avg(ExpressionWrapper(F("acknowledged_at") - F("raised_at"),
                                                    output_field=DurationField())))["avg"]
    return {
        "assessments_by_band": [{"month": r["month"].strftime("%Y-%m"), "scale": r["scale"], "band": r["band"],
                                 "count": r["n"]} for r in by_band],
        "bookings": {"total": sum(booking_status.values()), **{k: booking_status.get(k, 0) for k in
                     ("booked", "attended", "no_show", "cancelled")},
                     "avg_lead_hours": round(lead.total_seconds() / 3600, 1) if lead else None,
                     "avg_rating": round(ratings["avg"], 2) if ratings["avg"] else None, "ratings": ratings["n"]},
        "consultations": {"taken": wait["n"],
                          "avg_wait_minutes": _minutes(wait["avg"]) if wait["avg"] else None},
        "crisis_flags": {"raised": flags.count(), "acknowledged": acked.count(),
                         "late": flags.filter(Q(escalation_level__gt=0) | Q(acknowledged_at__gt=F("due_at"))).count(),
                         "escalated": flags.filter(escalation_level__gt=0).count(),
                         "open": flags.filter(acknowledged_at__isnull=True).count(),
                         "avg_ack_minutes": _minutes(ack) if ack else None},
    }
