"""兜底建 routing: each rule and its fallbacks, explained in words."""

import pytest

from zhijia.members.models import RoutingRule
from zhijia.members.routing import RouteInput, route
from zhijia.orgs.models import Kind, Level, Occupation, Union
from zhijia.orgs.services import _insert

pytestmark = pytest.mark.django_db


def _add(parent, name, **kw):
    return _insert(Union(parent=parent, name=name, **kw))


def test_courier_in_fangshan_goes_to_the_district_courier_union(city):
    r = route(RouteInput(work_region_code="110111001000", occupation=Occupation.COURIER))
    assert r.union == city.couriers
    assert "快递" in r.reason and city.couriers.name in r.reason


def test_enterprise_union_wins_when_the_employer_has_one(city):
    firm = _add(city.fangshan, "燕房物流工会", level=Level.GRASSROOTS, kind=Kind.ENTERPRISE, region_code="110111",
                credit_code="91110111MA00EFGH33")
    r = route(RouteInput(work_region_code="110111001000", occupation=Occupation.COURIER,
                         employer_credit_code="91110111MA00EFGH33"))
    assert r.union == firm
    assert "企业工会" in r.reason


def test_employer_without_union_falls_back_and_says_so(city):
    r = route(RouteInput(work_region_code="110111001000", occupation=Occupation.COURIER,
                         employer_credit_code="91110000000000000X"))
    assert r.union == city.couriers
    assert "所在单位尚未建立工会" in r.reason


def test_trade_without_industry_union_goes_to_park_then_street(city):
    # No rider union in 房山: a park in the street takes the rider ...
    park = _add(city.fangshan, "良乡园区工会", level=Level.STREET, kind=Kind.PARK, region_code="110111001000")
    r = route(RouteInput(work_region_code="110111001000", occupation=Occupation.DELIVERY_RIDER))
    assert r.union == park
    assert "尚无外卖配送员行业工会" in r.reason
    # ... and without the park, the street union.
    park.delete()
    r = route(RouteInput(work_region_code="110111001000", occupation=Occupation.DELIVERY_RIDER))
    assert r.union == city.chengguan


def test_community_when_the_street_has_no_union(city):
    # Disable the street rule: the community union of the exact code is next.
    RoutingRule.objects.filter(strategy="street").update(is_active=False)
    r = route(RouteInput(work_region_code="110111001001", occupation=Occupation.OTHER))
    assert r.union == city.community


def test_district_federation_is_the_last_resort(city):
    # 海淀 with a street that has no union, a trade with no industry union there.
    r = route(RouteInput(work_region_code="110108001000", occupation=Occupation.TRUCK_DRIVER))
    assert r.union == city.haidian
    assert "区总工会" in r.reason
    # Even when staff switched every rule off.
    RoutingRule.objects.update(is_active=False)
    r = route(RouteInput(work_region_code="110111001000", occupation=Occupation.COURIER))
    assert r.union == city.fangshan and r.rule is None


def test_staff_rule_for_a_trade_and_district_is_data(city):
    RoutingRule.objects.create(priority=5, name="房山货车司机入城关街道", strategy="fixed",
                               match_region_prefix="110111", match_occupation=Occupation.TRUCK_DRIVER,
                               target_union=city.chengguan)
    r = route(RouteInput(work_region_code="110111002000", occupation=Occupation.TRUCK_DRIVER))
    assert r.union == city.chengguan and "房山货车司机入城关街道" in r.reason
    r = route(RouteInput(work_region_code="110108010000", occupation=Occupation.TRUCK_DRIVER))
    assert r.union == city.zhongguancun  # the rule does not apply outside 房山


def test_reverse_geocoding_finds_the_district():
    from zhijia.members.routing import region_from_location

    assert region_from_location(39.74, 116.14) == "110111"  # 良乡, 房山
    assert region_from_location(39.98, 116.31) == "110108"  # 中关村, 海淀
