"""Hardship files: income against 低保, the flow check → approval, double-help flags, reviews, caps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from zhijia.care import services
from zhijia.care.models import FileStatus, HardshipCategory, ReviewReminder
from zhijia.care.services.hardship import category_for, per_capita_monthly
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


def test_per_capita_income_follows_the_formula():
    # (36,000 − 6,000) ÷ 12 ÷ 3 = 833.33
    assert per_capita_monthly(yearly_income=Decimal("36000"), yearly_unavoidable_costs=Decimal("6000"),
                              household_size=3) == Decimal("833.33")


@pytest.mark.parametrize("per_capita, causes, expected", [
    ("1419.99", ["unemployment"], HardshipCategory.DEEP),
    ("1420.00", ["unemployment"], HardshipCategory.RELATIVE),
    ("2839.99", ["education"], HardshipCategory.RELATIVE),
    ("2840.00", ["illness"], HardshipCategory.ACCIDENT),
    ("2840.00", ["education"], None),
])
def test_category_against_the_living_standard(per_capita, causes, expected):
    assert category_for(per_capita=Decimal(per_capita), standard=Decimal("1420"), causes=causes) == expected


@pytest.fixture
def worker(city, make_worker_user):
    return make_worker_user(11, union=city.community).worker


def _open(actor, person, **kw):
    data = {"worker": person.pk, "yearly_income": "30000", "yearly_unavoidable_costs": "6000",
            "causes": ["illness"], "household": [{"name": "李梅", "relation": "配偶"}, {"name": "李小明",
                                                                                       "relation": "子女"}]}
    return services.hardship_file_open(actor, **(data | kw))


def test_a_file_goes_from_grassroots_check_to_district_approval(staff, worker, living_standard):
    file = _open(staff.chengguan, worker)
    assert (file.household_size, file.per_capita_monthly, file.category) == (3, Decimal("666.67"), "deep")
    assert file.status == FileStatus.SUBMITTED
    with pytest.raises(Conflict):  # the district cannot approve before the grassroots check
        services.hardship_file_approve(staff.fangshan, file_id=file.pk)
    services.hardship_file_check(staff.chengguan, file_id=file.pk, passed=True)
    with pytest.raises(PermissionDenied):  # grassroots staff do not approve
        services.hardship_file_approve(staff.chengguan, file_id=file.pk)
    file = services.hardship_file_approve(staff.fangshan, file_id=file.pk)
    assert file.status == FileStatus.APPROVED
    assert file.review_due_on == file.approved_on.replace(year=file.approved_on.year + 1)


def test_an_unknown_worker_or_an_income_above_twice_the_standard_is_refused(staff, worker, living_standard):
    with pytest.raises(ValidationFailed) as exc:
        _open(staff.chengguan, worker, worker=987654)
    assert exc.value.fields == {"worker": "职工不存在"}
    with pytest.raises(ValidationFailed) as exc:
        _open(staff.chengguan, worker, yearly_income="200000", causes=["education"])
    assert "yearly_income" in exc.value.fields


def test_a_second_file_for_the_same_worker_anywhere_is_flagged_before_approval(staff, worker, living_standard,
                                                                                city):
    first = _open(staff.chengguan, worker)
    # 海淀 opens a file for the same person, same cause: flagged
    second = _open(staff.haidian, worker, union=city.zhongguancun.pk)
    assert [f["file"] for f in second.flags] == [first.pk]
    assert "致困原因相同：因病" in second.flags[0]["message"]
    services.hardship_file_check(staff.haidian, file_id=second.pk, passed=True)
    with pytest.raises(Conflict) as exc:
        services.hardship_file_approve(staff.haidian, file_id=second.pk)
    assert exc.value.code == "duplicate_help" and "城关街道总工会" in exc.value.fields["acknowledge_flags"]
    approved = services.hardship_file_approve(staff.haidian, file_id=second.pk, acknowledge_flags=True)
    assert approved.flags_acknowledged_by == staff.haidian


def test_assistance_respects_the_yearly_cap_and_flags_help_from_another_unit(staff, worker, living_standard, city,
                                                                             settings):
    settings.CARE_ASSISTANCE_YEARLY_CAPS = {"living": "3000", "medical": "20000", "education": "1", "emergency": "1"}
    a = _open(staff.chengguan, worker)
    services.hardship_file_check(staff.chengguan, file_id=a.pk, passed=True)
    services.hardship_file_approve(staff.fangshan, file_id=a.pk)
    services.assistance_record(staff.chengguan, file_id=a.pk, kind="living", amount="2000")
    b = _open(staff.haidian, worker, union=city.zhongguancun.pk)
    services.hardship_file_check(staff.haidian, file_id=b.pk, passed=True)
    services.hardship_file_approve(staff.haidian, file_id=b.pk, acknowledge_flags=True)
    # the cap is per person and year across the city
    with pytest.raises(ValidationFailed) as exc:
        services.assistance_record(staff.haidian, file_id=b.pk, kind="living", amount="1000.01",
                                   acknowledge_flags=True)
    assert exc.value.fields["amount"].startswith("超出生活救助年度上限3000.00元")
    # a payment of the same kind from another unit is flagged first
    with pytest.raises(Conflict) as exc:
        services.assistance_record(staff.haidian, file_id=b.pk, kind="living", amount="500")
    assert "城关街道总工会已发放生活救助2000.00元" in exc.value.fields["acknowledge_flags"]
    paid = services.assistance_record(staff.haidian, file_id=b.pk, kind="living", amount="500",
                                      acknowledge_flags=True)
    assert len(paid.flags) == 1


def test_annual_review_reminders_are_made_once_when_due(staff, worker, living_standard):
    file = _open(staff.chengguan, worker)
    services.hardship_file_check(staff.chengguan, file_id=file.pk, passed=True)
    file = services.hardship_file_approve(staff.fangshan, file_id=file.pk)
    today = timezone.localdate()
    assert services.hardship_review_reminders_send(today=today) == 0  # a year away
    soon = file.review_due_on - dt.timedelta(days=10)
    assert services.hardship_review_reminders_send(today=soon) == 1
    assert services.hardship_review_reminders_send(today=soon) == 0  # idempotent
    assert ReviewReminder.objects.get().due_on == file.review_due_on
    # the beat task runs the same service
    from zhijia.care.tasks import send_review_reminders_task

    assert send_review_reminders_task.delay().get() == 0
    from zhijia.care import selectors

    assert list(selectors.hardship_file_list(user=staff.chengguan, due=True)) == [file]


def test_review_out_of_hardship_closes_the_file_with_the_reason(staff, worker, living_standard):
    file = _open(staff.chengguan, worker, causes=["unemployment"])
    services.hardship_file_check(staff.chengguan, file_id=file.pk, passed=True)
    services.hardship_file_approve(staff.fangshan, file_id=file.pk)
    reviewed = services.hardship_file_review(staff.chengguan, file_id=file.pk, yearly_income="200000",
                                             yearly_unavoidable_costs="0")
    assert reviewed.status == FileStatus.CLOSED and "已超过低保标准两倍" in reviewed.close_reason


def test_files_are_hidden_from_siblings_and_from_roles_without_the_permission(staff, worker, living_standard):
    from zhijia.care import selectors

    file = _open(staff.chengguan, worker)
    with pytest.raises(NotFound):
        services.hardship_file_check(staff.haidian, file_id=file.pk, passed=True)
    assert list(selectors.hardship_file_list(user=staff.haidian)) == []
    assert list(selectors.hardship_file_list(user=staff.city)) == [file]
    with pytest.raises(PermissionDenied):
        selectors.hardship_file_list(user=staff.agent)


def test_the_standard_is_per_district_and_year(staff, worker, living_standard):
    from zhijia.care.services.hardship import living_standard_for

    services.living_standard_set(staff.city, region_code="110111", year=living_standard.year,
                                 monthly_amount="1500")
    assert living_standard_for("110111001000", living_standard.year).monthly_amount == Decimal("1500.00")
    assert living_standard_for("110108", living_standard.year).monthly_amount == Decimal("1420.00")
    with pytest.raises(PermissionDenied):
        services.living_standard_set(staff.fangshan, region_code="110111", year=2026, monthly_amount="1")


def test_model_workers_in_hardship_are_found_by_their_honour(staff, worker, city, make_worker_user, living_standard,
                                                            client):
    from zhijia.care import selectors
    from zhijia.honors.services import honour_record

    other = make_worker_user(12, union=city.community).worker
    honoured, plain = _open(staff.chengguan, worker), _open(staff.chengguan, other)
    honour_record(staff.fangshan, worker_id=worker.pk, kind="model_worker", title="北京市劳动模范", level="municipal",
                  year=2020)
    honour_record(staff.fangshan, worker_id=other.pk, kind="advanced_worker", title="先进工作者", level="district",
                  year=2021)

    assert list(selectors.hardship_file_list(user=staff.chengguan, model_workers=True)) == [honoured]
    assert set(selectors.hardship_file_list(user=staff.chengguan)) == {honoured, plain}
    assert list(selectors.hardship_file_list(user=staff.haidian, model_workers=True)) == []
    client.force_login(staff.fangshan)
    page = client.get(f"/console/care/hardship/{honoured.pk}/").content.decode()
    assert "2020 北京市劳动模范" in page
