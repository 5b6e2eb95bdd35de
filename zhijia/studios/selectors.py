"""Reads of the innovation studios subsystem. Staff reads go through orgs.selectors.scoped() (the studio's host union
must lie in the caller's subtree); the public list for workers shows every studio that is not revoked, with public
facts only (name, level, leader's name and title, field, place)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, Count, DecimalField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from zhijia.core import regions
from zhijia.core.errors import NotFound, ValidationFailed
from zhijia.orgs.selectors import scoped
from zhijia.stations import geo
from zhijia.studios.models import (
    AnnualReview,
    Conversion,
    InnovationStudio,
    MemberRole,
    Patent,
    SpendingEntry,
    StudioLevel,
    StudioStatus,
    SupportGrant,
)

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=16, decimal_places=2)


def _sum_of(model, field: str):
    """A correlated sum over one related table, so several sums on one list never multiply each other's rows."""
    rows = (model.objects.filter(studio=OuterRef("pk")).order_by().values("studio")
            .annotate(s=Sum(field)).values("s"))
    return Coalesce(Subquery(rows, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def _count_of(model):
    rows = (model.objects.filter(studio=OuterRef("pk")).order_by().values("studio")
            .annotate(c=Count("pk")).values("c"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def studio_list(*, user, level: str | None = None, status: str | None = None, region_code: str | None = None,
                field: str | None = None, q: str | None = None) -> QuerySet[InnovationStudio]:
    qs = scoped(InnovationStudio.objects.select_related("union"), user)
    if level:
        if level not in StudioLevel.values:
            raise ValidationFailed.field("level", _("级别应为 district（区级）或 municipal（市级）"))
        qs = qs.filter(level=level)
    if status:
        if status not in StudioStatus.values:
            raise ValidationFailed.field("status", _("状态应为 active、probation 或 revoked"))
        qs = qs.filter(status=status)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code.strip()[:6])
    if field:
        qs = qs.filter(field=field)
    if q:
        q = q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(leader_name__contains=q))
    return qs.annotate(
        granted=_sum_of(SupportGrant, "amount"), spent_total=_sum_of(SupportGrant, "spent"),
        patent_count=_count_of(Patent), conversion_count=_count_of(Conversion),
        member_count=Count("members", distinct=True),
    ).order_by("region_code", "-level", "name", "pk")


def studio_get(*, user, studio_id: int) -> InnovationStudio:
    studio = studio_list(user=user).filter(pk=studio_id).first()
    if studio is None:
        raise NotFound(_("创新工作室不存在"))
    return studio


def studio_members(*, user, studio_id: int):
    studio = studio_get(user=user, studio_id=studio_id)
    leader_first = Case(When(role=MemberRole.LEADER, then=Value(0)), default=Value(1))
    return studio.members.select_related("worker").order_by(leader_first, "role", "pk")


def grant_list(*, user, studio_id: int) -> QuerySet[SupportGrant]:
    studio = studio_get(user=user, studio_id=studio_id)
    return studio.grants.select_related("granting_union").order_by("-year", "pk")


def grant_get(*, user, grant_id: int) -> SupportGrant:
    grant = scoped(SupportGrant.objects.select_related("studio", "granting_union"), user,
                   via="studio__union").filter(pk=grant_id).first()
    if grant is None:
        raise NotFound(_("资金记录不存在"))
    return grant


def spending_list(*, user, grant_id: int) -> QuerySet[SpendingEntry]:
    grant = grant_get(user=user, grant_id=grant_id)
    return grant.entries.order_by("-spent_on", "-pk")


def studio_results(*, user, studio_id: int) -> dict:
    studio = studio_get(user=user, studio_id=studio_id)
    patents = list(studio.patents.order_by("-year", "pk"))
    conversions = list(studio.conversions.select_related("patent").order_by("-year", "pk"))
    awards = list(studio.awards.order_by("-year", "pk"))
    return {
        "patents": patents, "conversions": conversions, "awards": awards,
        "totals": {
            "patents": len(patents),
            "patents_by_kind": {k: sum(1 for p in patents if p.kind == k)
                                for k in ("invention", "utility_model", "design")},
            "conversions": len(conversions),
            "conversion_value": sum((c.value for c in conversions), ZERO),
            "awards": len(awards),
        },
    }


def review_list(*, user, studio_id: int) -> QuerySet[AnnualReview]:
    studio = studio_get(user=user, studio_id=studio_id)
    return studio.reviews.select_related("reviewer").order_by("-year")


def district_name(code: str) -> str:
    region = regions.region_get(code) if code else None
    if region is not None:
        return region.name
    return geo.DISTRICT_CENTRES.get(code, (code, 0, 0))[0]


def studio_totals(*, user, include_revoked: bool = False) -> dict:
    """Per district of the caller's subtree: studios by level, support funds granted and spent, patents,
    conversions and their value; and the sum of all rows. Revoked studios are left out unless asked for (their
    money and results stay in the books of their years, but they no longer count as studios)."""
    studios = scoped(InnovationStudio.objects.all(), user)
    if not include_revoked:
        studios = studios.exclude(status=StudioStatus.REVOKED)
    rows: dict[str, dict] = {}

    def row(code):
        return rows.setdefault(code, {
            "region_code": code, "district": district_name(code), "district_studios": 0, "municipal_studios": 0,
            "studios": 0, "granted": ZERO, "spent": ZERO, "balance": ZERO, "patents": 0, "conversions": 0,
            "conversion_value": ZERO})

    for r in studios.values("region_code").annotate(
            d=Count("pk", filter=Q(level=StudioLevel.DISTRICT)), m=Count("pk", filter=Q(level=StudioLevel.MUNICIPAL))):
        target = row(r["region_code"])
        target.update(district_studios=r["d"], municipal_studios=r["m"], studios=r["d"] + r["m"])
    ids = studios.values("pk")
    for r in (SupportGrant.objects.filter(studio__in=ids).values("studio__region_code")
              .annotate(g=Sum("amount"), s=Sum("spent"))):
        row(r["studio__region_code"]).update(granted=r["g"] or ZERO, spent=r["s"] or ZERO)
    for r in Patent.objects.filter(studio__in=ids).values("studio__region_code").annotate(c=Count("pk")):
        row(r["studio__region_code"])["patents"] = r["c"]
    for r in (Conversion.objects.filter(studio__in=ids).values("studio__region_code")
              .annotate(c=Count("pk"), v=Sum("value"))):
        row(r["studio__region_code"]).update(conversions=r["c"], conversion_value=r["v"] or ZERO)
    ordered = [rows[k] for k in sorted(rows)]
    total = {"region_code": "", "district": "合计", "district_studios": 0, "municipal_studios": 0, "studios": 0,
             "granted": ZERO, "spent": ZERO, "balance": ZERO, "patents": 0, "conversions": 0,
             "conversion_value": ZERO}
    for r in ordered:
        r["balance"] = r["granted"] - r["spent"]
        for key in total:
            if key not in ("region_code", "district"):
                total[key] += r[key]
    return {"rows": ordered, "total": total}


TOTALS_HEADERS = ("区", "行政区划代码", "区级工作室", "市级工作室", "工作室合计", "助推资金（元）", "已使用（元）",
                  "结余（元）", "专利", "成果转化（项）", "转化金额（元）")


def totals_export_rows(*, user):
    totals = studio_totals(user=user)
    for r in [*totals["rows"], totals["total"]]:
        yield (r["district"], r["region_code"], r["district_studios"], r["municipal_studios"], r["studios"],
               float(r["granted"]), float(r["spent"]), float(r["balance"]), r["patents"], r["conversions"],
               float(r["conversion_value"]))


def _point(s: InnovationStudio, distance_m: float | None = None) -> dict:
    glat, glng = geo.to_gcj02(s.lat, s.lng)
    return {"id": s.pk, "name": s.name, "level": s.level, "level_label": s.get_level_display(),
            "status": s.status, "field_label": s.get_field_display(), "leader_name": s.leader_name,
            "leader_title": s.leader_title, "address": s.address, "region_code": s.region_code,
            "district": district_name(s.region_code), "lat": s.lat, "lng": s.lng,
            "gcj02": [round(glat, 6), round(glng, 6)],
            "distance_m": round(distance_m) if distance_m is not None else None}


def studio_map_points(*, user, **filters) -> list[dict]:
    """The caller's studios (filtered as the list) as points for the console map."""
    qs = studio_list(user=user, **filters)
    return [_point(s) for s in qs[:5000]]


def studio_public_list(*, region_code: str | None = None, lat=None, lng=None, limit: int = 50) -> list[dict]:
    """Studios open to workers (not revoked), nearest first when a position is given, else by district."""
    if not 1 <= limit <= 200:
        raise ValidationFailed.field("limit", _("条数应在1到200之间"))
    qs = InnovationStudio.objects.exclude(status=StudioStatus.REVOKED)
    if region_code:
        code = region_code.strip()[:6]
        if not code.isdigit() or len(code) != 6:
            raise ValidationFailed.field("region_code", _("区代码应为6位数字"))
        qs = qs.filter(region_code=code)
    if lat is not None or lng is not None:
        here = geo.validate_point(lat, lng)
        # A city has tens to hundreds of studios: sorting them all by great-circle distance is cheap.
        scored = sorted(((geo.haversine_m(*here, s.lat, s.lng), s) for s in qs), key=lambda t: (t[0], t[1].pk))
        return [_point(s, d) for d, s in scored[:limit]]
    return [_point(s) for s in qs.order_by("region_code", "-level", "name")[:limit]]


def studio_counts(*, user) -> int:
    return scoped(InnovationStudio.objects.exclude(status=StudioStatus.REVOKED), user).count()
