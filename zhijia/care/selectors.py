"""Care reads. Staff reads go through orgs.selectors.scoped(); hardship files and claims also need a care role."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import CharField, Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Concat, ExtractYear, StrIndex, Substr
from django.utils.translation import gettext as _

from zhijia.care.models import (
    OPEN_FILE_STATUSES,
    Allocation,
    Assistance,
    Claim,
    ClaimStatus,
    FileStatus,
    HardshipFile,
    MutualAidPlan,
    ReviewReminder,
    Visit,
    VisitRecipient,
    WarmthCampaign,
)
from zhijia.care.services.hardship import CARE_FILE_ROLES
from zhijia.core.errors import NotFound
from zhijia.members.models import Worker
from zhijia.orgs.models import Union
from zhijia.orgs.selectors import require_staff, scoped

ZERO = Decimal("0.00")


def campaign_list(*, user) -> QuerySet[WarmthCampaign]:
    """Campaigns started at the caller's union, below it, or above it (the caller spends part of their budget)."""
    scope = require_staff(user)
    above = [int(i) for i in scope.path.split("/") if i]
    return (WarmthCampaign.objects.select_related("union")
            .filter(Q(union__path__startswith=scope.path) | Q(union_id__in=above)).order_by("-starts_on", "-id"))


def campaign_get(*, user, campaign_id: int) -> WarmthCampaign:
    campaign = campaign_list(user=user).filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("活动不存在"))
    return campaign


def allocation_list(*, user, campaign: WarmthCampaign) -> QuerySet[Allocation]:
    return scoped(Allocation.objects.select_related("union", "parent__union").filter(campaign=campaign), user)\
        .order_by("union__path")


def own_allocation(*, user, campaign: WarmthCampaign) -> Allocation | None:
    """The allocation the caller manages: at their union, else the nearest above it (read-only context)."""
    scope = require_staff(user)
    ids = [*scope.ancestor_ids, scope.pk]
    by_union = {a.union_id: a for a in Allocation.objects.filter(campaign=campaign, union_id__in=ids)}
    for union_id in reversed(ids):
        if union_id in by_union:
            return by_union[union_id]
    return None


def visit_list(*, user, campaign_id: int | None = None, union_id: int | None = None) -> QuerySet[Visit]:
    qs = scoped(Visit.objects.select_related("union", "worker", "campaign"), user)
    if campaign_id:
        qs = qs.filter(campaign_id=campaign_id)
    if union_id:
        qs = qs.filter(union_id=union_id)
    return qs.order_by("-visited_at", "-id")


def visit_get(*, user, visit_id: int) -> Visit:
    visit = visit_list(user=user).filter(pk=visit_id).first()
    if visit is None:
        raise NotFound(_("走访记录不存在"))
    return visit


@dataclass
class ReportRow:
    union: Union
    budget: Decimal = ZERO  # what this node received (0 when it has no allocation of its own)
    allocated: Decimal = ZERO  # what this node passed down
    spent: Decimal = ZERO  # visits recorded in this node's subtree
    visits: int = 0
    person_times: int = 0
    people: int = 0  # distinct identified workers reached in the subtree
    children: list = field(default_factory=list)

    @property
    def spent_ratio(self) -> float:
        return float(self.spent / self.budget * 100) if self.budget else 0.0


def _child_segment(path_field: str, root_path: str):
    """The id of the direct child of the root on a union path ("1/5/23/" under "1/" -> "5"; "" at the root itself),
    portable across PostgreSQL and SQLite."""
    # A "/" is appended so that the root's own path (an empty rest) yields "" instead of a negative length.
    rest = Concat(Substr(F(path_field), len(root_path) + 1), Value("/"), output_field=CharField())
    return Substr(rest, 1, StrIndex(rest, Value("/")) - 1)


def campaign_report(*, user, campaign: WarmthCampaign, union_id: int | None = None) -> list[ReportRow]:
    """Per level: the node itself (first row: its whole subtree) then each direct child with its subtree.

    The campaign's visits in the subtree are grouped by the child segment of their union path, which gives money,
    visits, person-times and distinct individual workers per child and for the whole subtree (_report_aggregates).
    When group visits carry imported lists linked to workers, distinct people also count those, per row (a UNION of
    the two sets of worker ids).
    """
    scope = require_staff(user)
    root = Union.objects.filter(pk=union_id or scope.pk, path__startswith=scope.path).first()
    if root is None:
        raise NotFound(_("工会不存在"))
    children = {str(c.pk): c for c in Union.objects.filter(parent=root)}
    allocations = {a.union_id: a for a in Allocation.objects.filter(
        campaign=campaign, union_id__in=[root.pk, *[c.pk for c in children.values()]])}
    visits = Visit.objects.filter(campaign=campaign, union__path__startswith=root.path)
    per_segment, total = _report_aggregates(campaign=campaign, root=root, visits=visits)
    top = ReportRow(union=root, spent=total[0], visits=total[1], person_times=total[2], people=total[3])
    by_child: dict[str, ReportRow] = {}
    for seg, (spent, n, pt, people) in per_segment.items():
        if seg in children:
            by_child[seg] = ReportRow(union=children[seg], spent=spent, visits=n, person_times=pt, people=people)
    for seg, child in children.items():
        if child.pk in allocations and seg not in by_child:
            by_child[seg] = ReportRow(union=child)
    rows = [top, *sorted(by_child.values(), key=lambda r: (r.union.region_code, r.union.name))]
    for r in rows:
        a = allocations.get(r.union.pk)
        if a is not None:
            r.budget, r.allocated = a.amount, a.allocated
    listed = VisitRecipient.objects.filter(visit__campaign=campaign, visit__union__path__startswith=root.path,
                                           worker__isnull=False).exists()
    if listed:
        top.people = distinct_people(campaign=campaign, path=root.path)
        for r in rows[1:]:
            r.people = distinct_people(campaign=campaign, path=r.union.path) if r.visits else 0
    return rows


_REPORT_SQL = """
SELECT seg, SUM(total), COUNT(*), SUM(people), COUNT(DISTINCT worker_id)
FROM (
  SELECT split_part(substr(u.path, %(plen)s + 1), '/', 1) AS seg, v.total, v.people, v.worker_id
  FROM care_visit v JOIN orgs_union u ON u.id = v.union_id
  WHERE v.campaign_id = %(campaign)s AND u.path LIKE %(prefix)s
) s
GROUP BY GROUPING SETS ((seg), ())
"""


def _report_aggregates(*, campaign, root, visits) -> tuple[dict, tuple]:
    """(spent, visits, person-times, distinct individual workers) per child segment and for the whole subtree.

    PostgreSQL: one pass with GROUPING SETS (the subtree's distinct count comes out of the same scan). Elsewhere
    (SQLite): the same numbers with the ORM, one grouped query and one aggregate.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            # The prefix is a union path: digits and "/" only, so no LIKE escaping is needed.
            cur.execute(_REPORT_SQL, {"plen": len(root.path), "campaign": campaign.pk, "prefix": root.path + "%"})
            rows = cur.fetchall()
        per = {seg: (spent or ZERO, n, pt or 0, people) for seg, spent, n, pt, people in rows if seg is not None}
        total = next(((spent or ZERO, n, pt or 0, people) for seg, spent, n, pt, people in rows if seg is None),
                     (ZERO, 0, 0, 0))
        return per, total
    grouped = (visits.annotate(seg=_child_segment("union__path", root.path)).values("seg")
               .annotate(spent=Sum("total"), n=Count("id"), pt=Sum("people"),
                         people=Count("worker_id", distinct=True)).order_by())
    per = {g["seg"]: (g["spent"] or ZERO, g["n"], g["pt"] or 0, g["people"]) for g in grouped}
    agg = visits.aggregate(spent=Sum("total"), n=Count("id"), pt=Sum("people"),
                           people=Count("worker_id", distinct=True))
    return per, (agg["spent"] or ZERO, agg["n"], agg["pt"] or 0, agg["people"])


def distinct_people(*, campaign: WarmthCampaign, path: str) -> int:
    visits = Visit.objects.filter(campaign=campaign, union__path__startswith=path)
    individual = visits.filter(worker__isnull=False).values("worker_id")
    listed = VisitRecipient.objects.filter(visit__in=visits.filter(worker__isnull=True),
                                           worker__isnull=False).values("worker_id")
    return individual.union(listed).count()


def care_history(*, worker: Worker) -> list[dict]:
    """Everything the union did for one worker, from every unit in the city, newest first."""
    items = []
    for v in (Visit.objects.select_related("union", "campaign").prefetch_related("goods")
              .filter(Q(worker=worker) | Q(recipients__worker=worker)).distinct()):
        goods = "、".join(f"{g.get_kind_display()}×{g.quantity}" for g in v.goods.all())
        items.append({"kind": "visit", "label": "走访慰问", "date": v.visited_at.date(), "union": v.union.name,
                      "title": v.campaign.name + (f"（集体：{v.group_name}）" if v.group_name else ""),
                      "amount": v.amount if v.worker_id else None, "detail": goods})
    for a in Assistance.objects.select_related("union").filter(worker=worker):
        items.append({"kind": "assistance", "label": a.get_kind_display(), "date": a.paid_on, "union": a.union.name,
                      "title": "困难帮扶", "amount": a.amount, "detail": a.note})
    for c in Claim.objects.select_related("union", "plan").filter(worker=worker, status=ClaimStatus.PAID):
        items.append({"kind": "claim", "label": "互助保障给付", "date": c.paid_on, "union": c.union.name,
                      "title": f"{c.plan.name}：{c.get_event_display()}", "amount": c.payout, "detail": ""})
    items.sort(key=lambda i: i["date"], reverse=True)
    return items


def hardship_file_list(*, user, status: str | None = None, category: str | None = None,
                       due: bool = False, model_workers: bool = False) -> QuerySet[HardshipFile]:
    """Hardship files in scope; `model_workers` keeps the files of workers holding a model-worker honour (困难劳模,
    helped by their own programme)."""
    require_staff(user, roles=CARE_FILE_ROLES)
    qs = scoped(HardshipFile.objects.select_related("worker", "union"), user)
    if model_workers:
        from zhijia.honors.models import Honour, HonourKind

        qs = qs.filter(worker_id__in=Honour.objects.filter(kind=HonourKind.MODEL_WORKER).values("worker_id"))
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if due:
        qs = qs.filter(pk__in=ReviewReminder.objects.values("file_id"), status=FileStatus.APPROVED)
    return qs.order_by("-created_at", "-id")


def hardship_open_count(user) -> int:
    if user.role not in CARE_FILE_ROLES:
        return 0
    return scoped(HardshipFile.objects.filter(status=FileStatus.APPROVED), user).count()


def claim_list(*, user, status: str | None = None) -> QuerySet[Claim]:
    require_staff(user, roles=CARE_FILE_ROLES)
    qs = scoped(Claim.objects.select_related("worker", "union", "plan"), user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def claim_pending_count(user) -> int:
    if user.role not in CARE_FILE_ROLES:
        return 0
    return scoped(Claim.objects.filter(status__in=[ClaimStatus.SUBMITTED, ClaimStatus.FIRST_APPROVED]), user).count()


def plan_list(*, user) -> QuerySet[MutualAidPlan]:
    scope = require_staff(user)
    above = [int(i) for i in scope.path.split("/") if i]
    return (MutualAidPlan.objects.select_related("union")
            .filter(Q(union__path__startswith=scope.path) | Q(union_id__in=above))
            .annotate(enrolled=Count("enrollments", distinct=True)).order_by("-year", "name"))


def hardship_report(*, user) -> dict:
    """Open files by category, by cause and by district (the level under the municipal federation)."""
    require_staff(user, roles=CARE_FILE_ROLES)
    files = scoped(HardshipFile.objects.filter(status__in=OPEN_FILE_STATUSES), user)
    by_category = dict(files.values_list("category").annotate(n=Count("id")))
    by_cause: dict[str, int] = {}
    for causes in files.values_list("causes", flat=True):
        for c in causes:
            by_cause[c] = by_cause.get(c, 0) + 1
    districts = {u.pk: u.name for u in Union.objects.filter(level="district", kind="federation")}
    by_district: dict[str, int] = {}
    for path, n in files.values_list("union__path").annotate(n=Count("id")):
        ids = [int(i) for i in path.split("/") if i]
        name = next((districts[i] for i in ids if i in districts), "市直")
        by_district[name] = by_district.get(name, 0) + n
    return {"by_category": by_category, "by_cause": by_cause, "by_district": by_district}


def claims_report(*, user) -> list[dict]:
    """Claims and payouts per year (by the event date)."""
    require_staff(user, roles=CARE_FILE_ROLES)
    qs = (scoped(Claim.objects.all(), user).annotate(y=ExtractYear("event_on")).values("y")
          .annotate(claims=Count("id"), paid=Count("id", filter=Q(status=ClaimStatus.PAID)),
                    payout=Sum("payout", filter=Q(status=ClaimStatus.PAID))).order_by("y"))
    return [{"year": r["y"], "claims": r["claims"], "paid": r["paid"], "payout": r["payout"] or ZERO} for r in qs]
