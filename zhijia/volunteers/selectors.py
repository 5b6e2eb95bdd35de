"""Reads of the volunteers subsystem; staff reads through orgs.selectors.scoped()."""

from __future__ import annotations

from django.db.models import Count, DurationField, ExpressionWrapper, F, QuerySet, Sum
from django.utils.translation import gettext as _

from zhijia.core.errors import NotFound, PermissionDenied
from zhijia.members.selectors import worker_for_user
from zhijia.orgs.selectors import scoped
from zhijia.volunteers.models import Deployment, Shift, Volunteer, VolunteerCall


def volunteer_list(*, user, q: str | None = None, skill: str | None = None) -> QuerySet[Volunteer]:
    qs = scoped(Volunteer.objects.select_related("worker", "union"), user).filter(active=True)
    if q:
        qs = qs.filter(worker__name__contains=q)
    if skill:
        qs = qs.filter(skills__contains=[skill])
    return qs.order_by("pk")


def deployment_list(*, user) -> QuerySet[Deployment]:
    return (scoped(Deployment.objects.select_related("union"), user)
            .annotate(person_times=Count("shifts")).order_by("-starts_at", "-pk"))


def deployment_get(*, user, deployment_id: int) -> Deployment:
    deployment = scoped(Deployment.objects.select_related("union"), user).filter(pk=deployment_id).first()
    if deployment is None:
        raise NotFound(_("下沉批次不存在"))
    return deployment


def call_list_open(*, user=None) -> QuerySet[VolunteerCall]:
    qs = VolunteerCall.objects.filter(open=True).select_related("union").annotate(signed=Count("signups"))
    if user is not None and getattr(user, "is_union_staff", False):
        qs = scoped(qs, user)
    return qs.order_by("starts_at", "pk")


def _hours(shifts: QuerySet[Shift]) -> float:
    total = shifts.filter(signed_out_at__isnull=False).aggregate(
        t=Sum(ExpressionWrapper(F("signed_out_at") - F("signed_in_at"), output_field=DurationField())))["t"]
    return round(total.total_seconds() / 3600, 1) if total else 0.0


def volunteer_stats(*, user) -> dict:
    """Batches (distinct union and batch number), person-times (shifts: one volunteer on one deployment) and
    hours signed, for the caller's subtree, in all and per deploying union."""
    deployments = scoped(Deployment.objects.all(), user)
    shifts = Shift.objects.filter(deployment__in=deployments)
    per_union = []
    rows = (deployments.values("union_id", "union__name").annotate(deployments=Count("pk", distinct=True))
            .order_by("union__name"))
    for row in rows:
        mine = deployments.filter(union_id=row["union_id"])
        per_union.append({"union": row["union__name"],
                          "batches": mine.values("batch").distinct().count(),
                          "person_times": Shift.objects.filter(deployment__in=mine).count(),
                          "hours": _hours(Shift.objects.filter(deployment__in=mine))})
    return {
        "batches": deployments.values("union_id", "batch").distinct().count(),
        "person_times": shifts.count(),
        "hours": _hours(shifts),
        "volunteers": scoped(Volunteer.objects.filter(active=True), user).count(),
        "per_union": per_union,
    }


def volunteer_own(*, user) -> Volunteer | None:
    worker = worker_for_user(user)
    if worker is None:
        raise PermissionDenied(_("请先以职工身份登录"))
    return Volunteer.objects.filter(worker=worker).select_related("union", "worker").first()


def shift_list_own(*, user) -> QuerySet[Shift]:
    volunteer = volunteer_own(user=user)
    if volunteer is None:
        return Shift.objects.none()
    return Shift.objects.filter(volunteer=volunteer).select_related("deployment", "deployment__union") \
        .order_by("-deployment__starts_at")


def volunteer_certificate(*, user) -> dict:
    """What the certificate of hours states: who, which union, each signed-out shift, totals."""
    volunteer = volunteer_own(user=user)
    if volunteer is None:
        raise NotFound(_("您还不是志愿者"))
    shifts = list(shift_list_own(user=user).filter(signed_out_at__isnull=False).order_by("signed_in_at"))
    return {"volunteer": volunteer, "shifts": shifts, "person_times": len(shifts),
            "hours": round(sum(s.hours for s in shifts), 1)}
