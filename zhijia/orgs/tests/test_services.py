"""The union tree: subtree and ancestors, moves, cycles, region codes, founding."""

import datetime as dt

import pytest

from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhijia.orgs import selectors, services
from zhijia.orgs.models import CommitteeRole, Union

pytestmark = pytest.mark.django_db


def test_subtree_is_the_node_and_everything_below_it(city, make_staff):
    admin = make_staff("admin", city.root, role="municipal_admin")

    subtree = set(selectors.union_subtree(user=admin, union_id=city.fangshan.pk).values_list("name", flat=True))

    assert subtree == {"房山区总工会", "城关街道总工会", "某社区工会", "房山区快递行业工会联合会"}


def test_ancestors_come_root_first_from_the_path(city, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = [u.name for u in selectors.union_ancestors(city.community)]

    assert names == ["北京市总工会", "房山区总工会", "城关街道总工会"]


def test_create_child_sets_path_and_depth(city, make_staff):
    fangshan_staff = make_staff("fs", city.fangshan)

    union = services.union_create(actor=fangshan_staff, parent_id=city.chengguan.pk, name="新社区工会",
                                  level="community", kind="community", region_code="110111001002")

    assert union.path == f"{city.chengguan.path}{union.pk}/"
    assert union.depth == 3
    assert city.fangshan.contains(union)


def test_move_carries_the_whole_subtree(city, make_staff):
    admin = make_staff("admin", city.root, role="municipal_admin")

    services.union_move(actor=admin, union_id=city.chengguan.pk, new_parent_id=city.haidian.pk)

    community = Union.objects.get(pk=city.community.pk)
    assert community.path.startswith(Union.objects.get(pk=city.haidian.pk).path)
    assert community.depth == 3
    haidian_subtree = selectors.union_subtree(user=admin, union_id=city.haidian.pk)
    assert {"城关街道总工会", "某社区工会"} <= set(haidian_subtree.values_list("name", flat=True))
    assert not selectors.union_subtree(user=admin, union_id=city.fangshan.pk).filter(name="某社区工会").exists()


def test_move_under_own_descendant_is_refused_as_a_cycle(city, make_staff):
    admin = make_staff("admin", city.root, role="municipal_admin")

    with pytest.raises(ValidationFailed) as err:
        services.union_move(actor=admin, union_id=city.fangshan.pk, new_parent_id=city.community.pk)

    assert err.value.code == "cycle"
    assert "parent_id" in err.value.fields
    assert Union.objects.get(pk=city.fangshan.pk).parent_id == city.root.pk


def test_move_under_itself_is_refused(city, make_staff):
    admin = make_staff("admin", city.root, role="municipal_admin")

    with pytest.raises(ValidationFailed):
        services.union_move(actor=admin, union_id=city.fangshan.pk, new_parent_id=city.fangshan.pk)


def test_district_staff_cannot_move_into_a_sibling_district(city, make_staff):
    fangshan_staff = make_staff("fs", city.fangshan)

    with pytest.raises(ValidationFailed) as err:
        services.union_move(actor=fangshan_staff, union_id=city.chengguan.pk, new_parent_id=city.haidian.pk)

    assert err.value.code == "unknown_parent"


@pytest.mark.parametrize("code, message", [
    ("11011", "6位或12位"),
    ("abcdef", "6位或12位"),
    ("990000", "不存在"),
    ("110111999000", "街道/乡镇代码"),
])
def test_invalid_region_codes_are_refused_and_nothing_is_written(city, make_staff, code, message):
    fangshan_staff = make_staff("fs", city.fangshan)
    before = Union.objects.count()

    with pytest.raises(ValidationFailed) as err:
        services.union_create(actor=fangshan_staff, parent_id=city.fangshan.pk, name="测试工会", level="street",
                              kind="federation", region_code=code)

    assert message in err.value.fields["region_code"]
    assert Union.objects.count() == before


def test_a_second_federation_for_the_same_region_and_level_is_a_conflict(city, make_staff):
    admin = make_staff("admin", city.root, role="municipal_admin")

    with pytest.raises(Conflict) as err:
        services.union_create(actor=admin, parent_id=city.haidian.pk, name="另一个城关街道总工会", level="street",
                              kind="federation", region_code="110111001000")

    assert "region_code" in err.value.fields


def test_same_name_under_one_parent_is_a_conflict(city, make_staff):
    admin = make_staff("admin", city.root, role="municipal_admin")

    with pytest.raises(Conflict):
        services.union_create(actor=admin, parent_id=city.fangshan.pk, name="城关街道总工会", level="street",
                              kind="enterprise", region_code="110111")


def test_hotline_agent_may_not_edit_the_tree(city, make_staff):
    agent = make_staff("agent", city.root, role="hotline_agent")

    with pytest.raises(PermissionDenied):
        services.union_create(actor=agent, parent_id=city.root.pk, name="x", level="district", kind="federation",
                              region_code="110101")


def test_founding_records_the_first_committee_and_term(city, make_staff):
    staff = make_staff("fs", city.fangshan)

    founding = services.founding_record(actor=staff, union_id=city.couriers.pk, founded_on=dt.date(2024, 2, 29),
                                        term_years=5, chair="李主席", vice_chairs=["王副主席"], members=["赵委员", ""])

    assert founding.term_ends_on == dt.date(2029, 2, 28)
    roles = [(m.role, m.name) for m in founding.committee.all()]
    assert roles == [(CommitteeRole.CHAIR, "李主席"), (CommitteeRole.VICE_CHAIR, "王副主席"),
                     (CommitteeRole.MEMBER, "赵委员")]
    assert Union.objects.get(pk=city.couriers.pk).chair == "李主席"
    with pytest.raises(Conflict):
        services.founding_record(actor=staff, union_id=city.couriers.pk, founded_on=dt.date(2025, 1, 1),
                                 term_years=5, chair="另一人")


def test_out_of_scope_detail_is_not_found(city, make_staff):
    fangshan_staff = make_staff("fs", city.fangshan)

    with pytest.raises(NotFound):
        selectors.union_get(user=fangshan_staff, union_id=city.haidian.pk)
