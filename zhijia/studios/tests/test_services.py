"""Services: naming a studio, members, support funds and spending, results, the annual review. Bad input names the
field in Chinese and writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhijia.audit.models import AuditEvent
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhijia.studios import services
from zhijia.studios.models import (
    AnnualReview,
    InnovationStudio,
    Patent,
    SpendingEntry,
    StudioMember,
    SupportGrant,
)
from zhijia.studios.patents import patent_number_for

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year
GOOD = {"rules": 12, "team": 12, "projects": 15, "results": 15, "conversion": 11, "funds": 13}  # 78: pass


def test_naming_a_studio_with_a_member_as_leader(fangshan_staff, fangshan_worker, make_studio):
    studio = make_studio(fangshan_staff, leader_worker_id=fangshan_worker.pk, leader_name="")
    assert studio.leader_name == fangshan_worker.name and studio.region_code == "110111"
    leader = StudioMember.objects.get(studio=studio)
    assert leader.role == "leader" and leader.worker == fangshan_worker
    assert AuditEvent.objects.filter(object_type="studios.innovationstudio", object_id=str(studio.pk),
                                     action="create").exists()


def test_district_comes_from_the_point_when_not_given(admin, city):
    studio = services.studio_create(admin, name="良乡工作室", level="district", union_id=city.root.pk,
                                    address="北京市房山区良乡", lat=39.7353, lng=116.1392, recognised_year=2021,
                                    leader_name="李工")
    assert studio.region_code == "110111"


@pytest.mark.parametrize("change, field", [
    ({"lat": "abc"}, "lat"),
    ({"lat": 116.1, "lng": 39.7}, "lat"),  # swapped
    ({"level": "national"}, "level"),
    ({"name": "  "}, "name"),
    ({"recognised_year": 1900}, "recognised_year"),
    ({"leader_name": ""}, "leader_name"),
    ({"region_code": "110108"}, "region_code"),  # a 房山 host cannot have a studio in 海淀
    ({"field": "magic"}, "field"),
])
def test_bad_input_names_the_field_and_writes_nothing(fangshan_staff, make_studio, change, field):
    with pytest.raises(ValidationFailed) as exc:
        make_studio(fangshan_staff, **change)
    assert field in exc.value.fields
    assert InnovationStudio.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_scope_and_level_rules(fangshan_staff, city, make_studio):
    with pytest.raises(ValidationFailed) as exc:
        make_studio(fangshan_staff, union=city.haidian)  # a sibling district
    assert "union" in exc.value.fields
    with pytest.raises(PermissionDenied):
        make_studio(fangshan_staff, level="municipal")  # named by the municipal federation only
    assert InnovationStudio.objects.count() == 0


def test_same_name_under_one_union_is_a_conflict(fangshan_staff, make_studio):
    make_studio(fangshan_staff, name="甲工作室")
    with pytest.raises(Conflict):
        make_studio(fangshan_staff, name="甲工作室")


def test_members_by_member_number_once_each(fangshan_staff, fangshan_worker, make_studio, make_worker_user, city):
    studio = make_studio(fangshan_staff)
    number = fangshan_worker.memberships.get().member_number
    member = services.member_add(fangshan_staff, studio_id=studio.pk, worker_id=number, role="core")
    assert member.worker == fangshan_worker
    with pytest.raises(Conflict):
        services.member_add(fangshan_staff, studio_id=studio.pk, worker_id=fangshan_worker.pk)
    outsider = make_worker_user(12, union=city.zhongguancun).worker  # a member in 海淀
    with pytest.raises(ValidationFailed) as exc:
        services.member_add(fangshan_staff, studio_id=studio.pk, worker_id=outsider.pk)
    assert "worker" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.member_add(fangshan_staff, studio_id=studio.pk, worker_id=make_worker_user(13, union=city.community)
                            .worker.pk, role="boss")
    assert "role" in exc.value.fields
    assert StudioMember.objects.filter(studio=studio).count() == 1


def test_leader_cannot_be_removed(fangshan_staff, fangshan_worker, make_studio):
    studio = make_studio(fangshan_staff, leader_worker_id=fangshan_worker.pk)
    leader = studio.members.get()
    with pytest.raises(ValidationFailed):
        services.member_remove(fangshan_staff, studio_id=studio.pk, member_id=leader.pk)


# --- support funds ---------------------------------------------------------------------------------------------

def test_grant_and_spend_keep_a_balance(fangshan_staff, make_studio):
    studio = make_studio(fangshan_staff)
    grant = services.grant_create(fangshan_staff, studio_id=studio.pk, amount="30000", year=2021, purpose="创建补助")
    assert grant.granting_union_id == fangshan_staff.union_id
    services.grant_spend(fangshan_staff, grant_id=grant.pk, amount="12000.50", purpose="专家讲课费")
    services.grant_spend(fangshan_staff, grant_id=grant.pk, amount=Decimal("7999.50"), purpose="设备")
    grant.refresh_from_db()
    assert grant.spent == Decimal("20000.00") and grant.balance == Decimal("10000.00")


def test_overspending_is_refused_and_nothing_is_written(fangshan_staff, make_studio):
    studio = make_studio(fangshan_staff)
    grant = services.grant_create(fangshan_staff, studio_id=studio.pk, amount="1000", year=2021, purpose="补助")
    services.grant_spend(fangshan_staff, grant_id=grant.pk, amount="900", purpose="耗材")
    with pytest.raises(ValidationFailed) as exc:
        services.grant_spend(fangshan_staff, grant_id=grant.pk, amount="100.01", purpose="耗材")
    assert exc.value.code == "overspent" and "amount" in exc.value.fields
    assert "余额 100.00 元" in exc.value.message
    grant.refresh_from_db()
    assert grant.spent == Decimal("900.00") and SpendingEntry.objects.filter(grant=grant).count() == 1
    services.grant_spend(fangshan_staff, grant_id=grant.pk, amount="100", purpose="耗材")  # exactly the balance


def test_the_database_refuses_an_overspent_grant_whatever_writes_it(fangshan_staff, make_studio):
    studio = make_studio(fangshan_staff)
    grant = services.grant_create(fangshan_staff, studio_id=studio.pk, amount="1000", year=2021, purpose="补助")
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportGrant.objects.filter(pk=grant.pk).update(spent=Decimal("1000.01"))


@pytest.mark.parametrize("amount", ["abc", "1.234", "-5", "0", "", None])
def test_bad_amounts(fangshan_staff, make_studio, amount):
    studio = make_studio(fangshan_staff)
    with pytest.raises(ValidationFailed) as exc:
        services.grant_create(fangshan_staff, studio_id=studio.pk, amount=amount, year=2021, purpose="补助")
    assert "amount" in exc.value.fields and SupportGrant.objects.count() == 0


def test_granting_union_must_be_the_host_or_above(fangshan_staff, admin, make_studio, city):
    studio = make_studio(fangshan_staff, union=city.chengguan)
    with pytest.raises(ValidationFailed) as exc:
        services.grant_create(admin, studio_id=studio.pk, amount="100", year=2021, purpose="补助",
                              granting_union_id=city.haidian.pk)
    assert "granting_union" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.grant_create(fangshan_staff, studio_id=studio.pk, amount="100", year=2021, purpose="补助",
                              granting_union_id=city.root.pk)  # above the caller's scope
    grant = services.grant_create(admin, studio_id=studio.pk, amount="100", year=2021, purpose="补助",
                                  granting_union_id=city.root.pk)
    assert grant.granting_union == city.root


def test_sibling_staff_can_neither_grant_nor_spend(fangshan_staff, haidian_staff, make_studio):
    studio = make_studio(fangshan_staff)
    grant = services.grant_create(fangshan_staff, studio_id=studio.pk, amount="100", year=2021, purpose="补助")
    with pytest.raises(NotFound):
        services.grant_create(haidian_staff, studio_id=studio.pk, amount="100", year=2021, purpose="补助")
    with pytest.raises(NotFound):
        services.grant_spend(haidian_staff, grant_id=grant.pk, amount="1", purpose="x")


# --- results ---------------------------------------------------------------------------------------------------

def test_patents_are_checked_and_counted_once(fangshan_staff, haidian_staff, make_studio, city):
    studio = make_studio(fangshan_staff)
    number = patent_number_for(2022, "utility_model", 4321)
    patent = services.patent_add(fangshan_staff, studio_id=studio.pk, number=f"ZL{number}", title="快递分拣导轨")
    assert patent.kind == "utility_model" and patent.number == number and patent.year == 2022
    other = make_studio(haidian_staff, union=city.haidian)
    with pytest.raises(Conflict) as exc:
        services.patent_add(haidian_staff, studio_id=other.pk, number=number, title="同一专利")
    assert "number" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.patent_add(fangshan_staff, studio_id=studio.pk, number=patent_number_for(2022, "design", 1),
                            title="灯具外观", kind="invention")
    assert "kind" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.patent_add(fangshan_staff, studio_id=studio.pk, number="ZL202210004321.0", title="错号")
    assert exc.value.code == "patent_check" and "number" in exc.value.fields
    assert Patent.objects.count() == 1


def test_conversion_links_only_its_own_patent(fangshan_staff, haidian_staff, make_studio, city):
    studio = make_studio(fangshan_staff)
    other = make_studio(haidian_staff, union=city.haidian)
    foreign = services.patent_add(haidian_staff, studio_id=other.pk, title="x",
                                  number=patent_number_for(2021, "invention", 1))
    with pytest.raises(ValidationFailed) as exc:
        services.conversion_add(fangshan_staff, studio_id=studio.pk, title="推广", partner="某公司", value="5000",
                                year=2022, patent_id=foreign.pk)
    assert "patent" in exc.value.fields
    conversion = services.conversion_add(fangshan_staff, studio_id=studio.pk, title="推广", partner="某公司",
                                         value="5000.5", year=2022)
    assert conversion.value == Decimal("5000.50")


# --- annual review ---------------------------------------------------------------------------------------------

def test_outcomes_follow_the_total(admin, make_studio):
    studio = make_studio(admin)
    r = services.review_record(admin, studio_id=studio.pk, year=2021, scores=GOOD, reason="按计划推进")
    assert (r.total, r.outcome, r.action) == (78, "pass", "none")
    best = {"rules": 15, "team": 15, "projects": 20, "results": 20, "conversion": 15, "funds": 5}  # 90
    assert services.review_record(admin, studio_id=studio.pk, year=2022, scores=best, reason="成果突出").outcome \
        == "excellent"


def test_a_failed_review_puts_on_probation_and_a_pass_ends_it(admin, make_studio):
    studio = make_studio(admin)
    low = dict(GOOD, projects=5, results=5)  # 58
    with pytest.raises(ValidationFailed) as exc:
        services.review_record(admin, studio_id=studio.pk, year=2021, scores=low, reason="停滞", action="none")
    assert "action" in exc.value.fields
    r = services.review_record(admin, studio_id=studio.pk, year=2021, scores=low, reason="攻关停滞")
    studio.refresh_from_db()
    assert (r.outcome, r.action, studio.status) == ("fail", "probation", "probation")
    services.review_record(admin, studio_id=studio.pk, year=2022, scores=GOOD, reason="整改到位")
    studio.refresh_from_db()
    assert studio.status == "active"


def test_downgrade_and_revoke(admin, make_studio, city):
    municipal = make_studio(admin, level="municipal")
    low = dict(GOOD, projects=0, results=0)
    services.review_record(admin, studio_id=municipal.pk, year=2021, scores=low, reason="成果不足",
                           action="downgrade")
    municipal.refresh_from_db()
    assert municipal.level == "district"
    with pytest.raises(ValidationFailed) as exc:
        services.review_record(admin, studio_id=municipal.pk, year=2022, scores=low, reason="仍不足",
                               action="downgrade")
    assert "action" in exc.value.fields
    services.review_record(admin, studio_id=municipal.pk, year=2022, scores=low, reason="连续不合格",
                           action="revoke")
    municipal.refresh_from_db()
    assert municipal.status == "revoked"
    event = AuditEvent.objects.filter(object_type="studios.annualreview").order_by("-pk").first()
    assert event.action == "reject"
    assert event.detail["before"] == {"level": "district", "status": "active"}
    assert event.detail["after"] == {"level": "district", "status": "revoked"}
    with pytest.raises(ValidationFailed):
        services.grant_create(admin, studio_id=municipal.pk, amount="1", year=2022, purpose="x")


@pytest.mark.parametrize("scores, field", [
    (dict(GOOD, rules=16), "scores.rules"),
    (dict(GOOD, team="很好"), "scores.team"),
    ({k: v for k, v in GOOD.items() if k != "funds"}, "scores.funds"),
    (dict(GOOD, bonus=5), "scores.bonus"),
])
def test_bad_scores_name_the_item(admin, make_studio, scores, field):
    studio = make_studio(admin)
    with pytest.raises(ValidationFailed) as exc:
        services.review_record(admin, studio_id=studio.pk, year=2021, scores=scores, reason="x")
    assert field in exc.value.fields and AnnualReview.objects.count() == 0


def test_one_review_a_year_and_a_pass_takes_no_action(admin, make_studio):
    studio = make_studio(admin)
    with pytest.raises(ValidationFailed) as exc:
        services.review_record(admin, studio_id=studio.pk, year=2021, scores=GOOD, reason="好", action="revoke")
    assert "action" in exc.value.fields
    services.review_record(admin, studio_id=studio.pk, year=2021, scores=GOOD, reason="好")
    with pytest.raises(Conflict) as exc:
        services.review_record(admin, studio_id=studio.pk, year=2021, scores=GOOD, reason="再来")
    assert "year" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.review_record(admin, studio_id=studio.pk, year=THIS_YEAR + 1, scores=GOOD, reason="未来")
    assert "year" in exc.value.fields


def test_a_municipal_studio_is_reviewed_by_the_municipal_federation(admin, fangshan_staff, make_studio):
    studio = make_studio(admin, level="municipal")
    with pytest.raises(PermissionDenied):
        services.review_record(fangshan_staff, studio_id=studio.pk, year=2021, scores=GOOD, reason="好")
