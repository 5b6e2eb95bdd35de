"""Mutual aid: plan rules, enrolment from the roster, claims with a checklist, two-step review, payout."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from zhijia.care import services
from zhijia.care.models import ClaimStatus, Enrollment
from zhijia.core.errors import PermissionDenied, ValidationFailed


@pytest.fixture
def plan(staff, city):
    year = timezone.localdate().year
    return services.plan_create(staff.fangshan, name="职工团体意外伤害互助保障", year=year, contribution="30",
                                yearly_cap="50000", benefits=[
                                    {"event": "accident_medical", "fixed_amount": "0", "expense_ratio": "0.8",
                                     "deductible": "100", "cap": "10000",
                                     "required_documents": ["claim_form", "medical_record", "invoice"]},
                                    {"event": "accident_death", "fixed_amount": "50000", "cap": "50000",
                                     "required_documents": ["claim_form", "death_certificate"]}])


@pytest.fixture
def member(city, make_worker_user):
    return make_worker_user(21, union=city.community)


def test_enrolment_from_the_roster_is_idempotent(staff, plan, member, make_worker_user, city):
    make_worker_user(22, union=city.haidian)  # outside the plan's union
    assert services.plan_enrol_roster(staff.fangshan, plan_id=plan.pk) == 1
    assert services.plan_enrol_roster(staff.fangshan, plan_id=plan.pk) == 0
    assert Enrollment.objects.get().worker == member.worker


def _day():
    return timezone.localdate() - dt.timedelta(days=1) if timezone.localdate().timetuple().tm_yday > 1 \
        else timezone.localdate()


def test_a_claim_missing_a_required_document_is_refused(staff, plan, member):
    services.plan_enrol_roster(staff.fangshan, plan_id=plan.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.claim_submit(member, plan_id=plan.pk, event="accident_medical", event_on=_day(), expenses="3000",
                              documents=["claim_form"])
    assert exc.value.fields == {"documents": "缺少材料：病历、医疗费用发票"}


def test_a_claim_for_someone_not_enrolled_is_refused(staff, plan, member):
    with pytest.raises(ValidationFailed) as exc:
        services.claim_submit(member, plan_id=plan.pk, event="accident_medical", event_on=_day(), expenses="3000",
                              documents=["claim_form", "medical_record", "invoice"])
    assert exc.value.fields == {"worker": "该职工未参加本互助保障计划"}


def test_two_step_review_computes_the_payout_by_the_plan_rules(staff, plan, member):
    services.plan_enrol_roster(staff.fangshan, plan_id=plan.pk)
    claim = services.claim_submit(member, plan_id=plan.pk, event="accident_medical", event_on=_day(),
                                  expenses="3100", documents=["claim_form", "medical_record", "invoice"])
    claim = services.claim_review(staff.chengguan, claim_id=claim.pk, approve=True)
    assert claim.status == ClaimStatus.FIRST_APPROVED
    with pytest.raises(PermissionDenied):  # the same person cannot do both steps
        services.claim_review(staff.chengguan, claim_id=claim.pk, approve=True)
    claim = services.claim_review(staff.fangshan, claim_id=claim.pk, approve=True)
    # (3,100 − 100) × 0.8 = 2,400
    assert (claim.status, claim.payout) == (ClaimStatus.APPROVED, Decimal("2400.00"))
    claim = services.claim_pay(staff.fangshan, claim_id=claim.pk, payment_reference="YZ2026-0001")
    assert claim.status == ClaimStatus.PAID
    # the caps: a second, big medical claim is capped per event (10,000) then by the yearly cap
    big = services.claim_submit(staff.chengguan, plan_id=plan.pk, worker=member.worker.pk, event="accident_medical",
                                event_on=_day(), expenses="100000",
                                documents=["claim_form", "medical_record", "invoice"])
    services.claim_review(staff.chengguan, claim_id=big.pk, approve=True)
    assert services.claim_review(staff.fangshan, claim_id=big.pk, approve=True).payout == Decimal("10000.00")
    death = services.claim_submit(staff.chengguan, plan_id=plan.pk, worker=member.worker.pk, event="accident_death",
                                  event_on=_day(), documents=["claim_form", "death_certificate"])
    services.claim_review(staff.chengguan, claim_id=death.pk, approve=True)
    # 50,000 yearly cap − 2,400 − 10,000 already approved = 37,600
    assert services.claim_review(staff.fangshan, claim_id=death.pk, approve=True).payout == Decimal("37600.00")
