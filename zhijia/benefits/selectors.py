"""Reads of benefits and claims. Staff reads go through orgs.selectors.scoped(); worker reads through eligibility."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijia.benefits import gate
from zhijia.benefits.models import HOLDING, Benefit, Claim, ClaimRefusal, ClaimStatus
from zhijia.core.errors import NotFound
from zhijia.core.i18n import listed
from zhijia.orgs.selectors import scoped


def eligibility_problem(benefit: Benefit, membership) -> str | None:
    """Why this member may not have this offer (for the member, in the request's language), or None when they may."""
    if membership is None:
        return _("仅限在会会员领取，请先入会")
    area = benefit.eligible_union or benefit.owner_union
    if not membership.union.path.startswith(area.path):
        return _("仅限%(union)s所属会员领取") % {"union": area.name}
    if benefit.eligible_occupations and membership.worker.occupation not in benefit.eligible_occupations:
        from zhijia.orgs.models import Occupation

        names = listed(_(Occupation(o).label) for o in benefit.eligible_occupations if o in Occupation.values)
        return _("仅限%(names)s领取") % {"names": names}
    if benefit.eligible_honours:
        from zhijia.honors.models import HonourKind
        from zhijia.honors.selectors import worker_has_honour

        if not worker_has_honour(membership.worker, kinds=benefit.eligible_honours):
            names = listed(_(HonourKind(k).label) for k in benefit.eligible_honours if k in HonourKind.values)
            return _("仅限%(names)s领取") % {"names": names}
    return None


_CLAIM_CACHE: dict[int, tuple[float, Benefit]] = {}
CLAIM_CACHE_SECONDS = 2.0
# An offer's terms are frozen this long before release (editing and withdrawing end): longer than the claim path
# keeps the terms in a process, so no process still holds old terms when claims open.
EDIT_CUTOFF = dt.timedelta(minutes=1)


def benefit_for_claim(benefit_id: int) -> Benefit | None:
    """The offer as the claim path needs it, kept in this process for two seconds: at release thousands of claims
    a second read the same row. Only the offer's terms are read from it (they do not change once published);
    stock and limits are always counted fresh, under the gate or the lock."""
    now = time.monotonic()
    hit = _CLAIM_CACHE.get(benefit_id)
    if hit is not None and now - hit[0] < CLAIM_CACHE_SECONDS:
        return hit[1]
    benefit = Benefit.objects.select_related("owner_union", "eligible_union").filter(pk=benefit_id).first()
    if benefit is not None:
        if len(_CLAIM_CACHE) > 1000:
            _CLAIM_CACHE.clear()
        _CLAIM_CACHE[benefit_id] = (now, benefit)
    return benefit


def benefit_editable(benefit: Benefit, *, now=None) -> bool:
    """Whether staff may still edit or withdraw the offer (services.benefit_update has the final word)."""
    now = now or timezone.now()
    return (not benefit.withdrawn_at and now < benefit.release_at - EDIT_CUTOFF
            and not Claim.objects.filter(benefit=benefit).exists())


def with_counts(qs: QuerySet[Benefit]) -> QuerySet[Benefit]:
    """Claim counts as annotations (one query for a whole page of offers)."""
    return qs.annotate(
        n_confirmed=Count("claims", filter=Q(claims__status__in=HOLDING)),
        n_redeemed=Count("claims", filter=Q(claims__status=ClaimStatus.REDEEMED)),
        n_waitlisted=Count("claims", filter=Q(claims__status=ClaimStatus.WAITLISTED)),
        n_registered=Count("claims", filter=Q(claims__status=ClaimStatus.REGISTERED)),
    )


def benefit_list(*, user) -> QuerySet[Benefit]:
    return with_counts(scoped(Benefit.objects.select_related("owner_union"), user, via="owner_union")).order_by(
        "-release_at", "-id")


def benefit_get(*, user, benefit_id: int) -> Benefit:
    benefit = (with_counts(scoped(Benefit.objects.select_related("owner_union", "eligible_union"), user,
                                  via="owner_union"))
               .filter(pk=benefit_id).first())
    if benefit is None:
        raise NotFound(_("普惠活动不存在"))
    return benefit


def benefits_open_to(*, membership, now=None) -> list[Benefit]:
    """Offers a member may still take part in (not closed, eligible), soonest release first."""
    if membership is None:
        return []
    now = now or timezone.now()
    candidates = (with_counts(Benefit.objects.select_related("owner_union", "eligible_union"))
                  .filter(closes_at__gt=now, withdrawn_at__isnull=True).order_by("release_at", "id"))
    return [b for b in candidates if eligibility_problem(b, membership) is None]


def benefit_get_for_member(*, membership, benefit_id: int) -> Benefit:
    benefit = (with_counts(Benefit.objects.select_related("owner_union", "eligible_union"))
               .filter(pk=benefit_id, withdrawn_at__isnull=True).first())
    if benefit is None or membership is None or eligibility_problem(benefit, membership) is not None:
        raise NotFound(_("普惠活动不存在"))
    return benefit


@dataclass
class BenefitStats:
    units: int
    confirmed: int
    redeemed: int
    waitlisted: int
    registered: int
    cancelled: int
    refused: int

    @property
    def remaining(self) -> int:
        return max(self.units - self.confirmed, 0)


def benefit_stats(benefit: Benefit) -> BenefitStats:
    """Counted from the claims (the truth); `confirmed` includes the redeemed."""
    agg = Claim.objects.filter(benefit=benefit).aggregate(
        confirmed=Count("id", filter=Q(status__in=HOLDING)),
        redeemed=Count("id", filter=Q(status=ClaimStatus.REDEEMED)),
        waitlisted=Count("id", filter=Q(status=ClaimStatus.WAITLISTED)),
        registered=Count("id", filter=Q(status=ClaimStatus.REGISTERED)),
        cancelled=Count("id", filter=Q(status__in=[ClaimStatus.CANCELLED, ClaimStatus.EXPIRED])),
    )
    refused = ClaimRefusal.objects.filter(benefit=benefit).count()
    return BenefitStats(units=benefit.units, refused=refused, **agg)


def benefit_remaining_fast(benefit: Benefit) -> int:
    """For display under load: Redis's count of free units when the gate is armed, else the database's."""
    n = gate.remaining(benefit) if gate.enabled() and not benefit.is_lottery else None
    if n is not None:
        return n
    return benefit_stats(benefit).remaining


def claim_list(*, user, benefit_id: int, status: str | None = None) -> QuerySet[Claim]:
    benefit = benefit_get(user=user, benefit_id=benefit_id)
    qs = (scoped(Claim.objects.filter(benefit=benefit), user, via="benefit__owner_union")
          .select_related("worker", "union").order_by("id"))
    if status:
        qs = qs.filter(status=status)
    return qs


def refusal_list(*, user, benefit_id: int) -> QuerySet[ClaimRefusal]:
    benefit = benefit_get(user=user, benefit_id=benefit_id)
    return ClaimRefusal.objects.filter(benefit=benefit).select_related("user").order_by("-at", "-id")


def claims_of(*, user) -> QuerySet[Claim]:
    """The member's claims, newest first; a waiting claim carries `waiting_ahead`: how many members are still in line
    before it (counted now, so it shrinks as others are promoted or leave)."""
    ahead = (Claim.objects.filter(benefit=OuterRef("benefit"), status=ClaimStatus.WAITLISTED,
                                  position__lt=OuterRef("position"))
             .order_by().values("benefit").annotate(n=Count("id")).values("n"))
    waiting_ahead = Case(When(status=ClaimStatus.WAITLISTED,
                              then=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0))),
                         default=None, output_field=IntegerField())
    return (Claim.objects.filter(user=user).select_related("benefit").annotate(waiting_ahead=waiting_ahead)
            .order_by("-created_at", "-id"))


def claim_of(*, user, claim_id: int) -> Claim:
    claim = claims_of(user=user).filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(_("领取记录不存在"))
    return claim
