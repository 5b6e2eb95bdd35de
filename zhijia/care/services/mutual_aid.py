"""互助保障 (mutual aid / group accident cover): plans, yearly enrolment from a union's roster, claims with a
document checklist, a two-step review by two different people, the payout by the plan's rules, and payment.

Payout = min(fixed sum + max(0, expenses − deductible) × ratio, the benefit's cap, what is left of the person's
yearly cap in the plan). The second review locks the enrolment row, so two claims of one person approved at once
cannot together pass the yearly cap.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijia.audit.services import audit_record
from zhijia.care.models import (
    AidEvent,
    Claim,
    ClaimDocument,
    ClaimStatus,
    DocumentKind,
    Enrollment,
    MutualAidPlan,
    PlanBenefit,
)
from zhijia.care.services.budgets import _union_in_scope
from zhijia.care.services.hardship import APPROVER_ROLES, CARE_FILE_ROLES
from zhijia.care.services.locking import lock_rows
from zhijia.care.services.money import CENT, parse_amount, yuan
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhijia.members.models import Membership, MembershipStatus, Worker
from zhijia.members.selectors import worker_for_user
from zhijia.orgs.selectors import in_scope, require_staff, scoped


@transaction.atomic
def plan_create(actor, *, name: str, year: int, contribution, yearly_cap, benefits: list, union: int | None = None
                ) -> MutualAidPlan:
    require_staff(actor, roles=APPROVER_ROLES)
    owner = _union_in_scope(actor, union) if union else actor.union
    if not (name or "").strip():
        raise ValidationFailed.field("name", _("请填写计划名称"))
    if not 2000 <= int(year) <= 2100:
        raise ValidationFailed.field("year", _("年度不正确"))
    plan = MutualAidPlan.objects.create(name=name.strip()[:120], union=owner, year=year,
                                        contribution=parse_amount(contribution, field="contribution"),
                                        yearly_cap=parse_amount(yearly_cap, field="yearly_cap"))
    if not benefits:
        raise ValidationFailed.field("benefits", _("请至少设置一项保障责任"))
    seen = set()
    for i, b in enumerate(benefits):
        b = b if isinstance(b, dict) else b.dict()
        event = b.get("event")
        if event not in AidEvent.values or event in seen:
            raise ValidationFailed.field(f"benefits.{i}.event", _("事件类型不正确或重复"))
        seen.add(event)
        docs = list(b.get("required_documents") or [])
        if not docs or any(d not in DocumentKind.values for d in docs):
            raise ValidationFailed.field(f"benefits.{i}.required_documents", _("所需材料不正确"))
        ratio = Decimal(str(b.get("expense_ratio") or "0"))
        if not Decimal("0") <= ratio <= Decimal("1"):
            raise ValidationFailed.field(f"benefits.{i}.expense_ratio", _("给付比例应在0到1之间"))
        PlanBenefit.objects.create(
            plan=plan, event=event, required_documents=docs, expense_ratio=ratio,
            fixed_amount=parse_amount(b.get("fixed_amount") or "0", field=f"benefits.{i}.fixed_amount",
                                      allow_zero=True),
            deductible=parse_amount(b.get("deductible") or "0", field=f"benefits.{i}.deductible", allow_zero=True),
            cap=parse_amount(b.get("cap"), field=f"benefits.{i}.cap"))
    audit_record(actor=actor, action="care.plan.create", obj=plan, union=owner)
    return plan


def _plan_for(actor, plan_id: int, *, from_below: bool = False) -> MutualAidPlan:
    """A plan of the actor's subtree; with `from_below`, also one run by a union above (claims are filed there)."""
    scope = require_staff(actor)
    plan = MutualAidPlan.objects.select_related("union").filter(pk=plan_id).first()
    if plan is None or not (scope.contains(plan.union) or (from_below and plan.union.contains(scope))):
        raise NotFound(_("互助保障计划不存在"))
    return plan


@transaction.atomic
def plan_enrol_roster(actor, *, plan_id: int, union: int | None = None) -> int:
    """Enrol every admitted member of `union`'s subtree (default: the plan's union) for the plan's year.
    Idempotent: a worker already enrolled is not enrolled twice. Returns how many were added."""
    require_staff(actor, roles=APPROVER_ROLES)
    plan = _plan_for(actor, plan_id)
    root = _union_in_scope(actor, union) if union else plan.union
    if not plan.union.contains(root):
        raise ValidationFailed.field("union", _("只能为计划承办单位及其下级的会员参保"))
    memberships = (Membership.objects.filter(status=MembershipStatus.ADMITTED, union__path__startswith=root.path)
                   .exclude(worker__aid_enrollments__plan=plan).values_list("worker_id", "union_id"))
    rows = [Enrollment(plan=plan, worker_id=w, union_id=u, contribution=plan.contribution) for w, u in memberships]
    Enrollment.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    audit_record(actor=actor, action="care.plan.enrol", obj=plan, union=root, detail={"added": len(rows)})
    return len(rows)


def payout_for(*, benefit: PlanBenefit, expenses: Decimal, already_paid: Decimal, yearly_cap: Decimal) -> Decimal:
    share = max(Decimal("0"), expenses - benefit.deductible) * benefit.expense_ratio
    amount = min(benefit.fixed_amount + share, benefit.cap, max(Decimal("0"), yearly_cap - already_paid))
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def claim_submit(actor, *, plan_id: int, event: str, event_on: dt.date, expenses="0", description: str = "",
                 documents=(), files: dict | None = None, worker: int | None = None) -> Claim:
    """A claim by the worker (their own enrolment) or by staff for them. Every document the plan's checklist needs
    for the event must be there (`documents` lists the kinds handed in; `files` maps kind -> uploaded file)."""
    files = files or {}
    if getattr(actor, "role", None) == "worker":
        worker_obj = worker_for_user(actor)
        plan = MutualAidPlan.objects.filter(pk=plan_id).first()
        if plan is None:
            raise NotFound(_("互助保障计划不存在"))
        by_worker = True
    else:
        require_staff(actor, roles=CARE_FILE_ROLES)
        plan = _plan_for(actor, plan_id, from_below=True)
        worker_obj = Worker.objects.filter(pk=worker).first() if worker else None
        by_worker = False
    if worker_obj is None:
        raise ValidationFailed.field("worker", _("职工不存在"))
    enrollment = Enrollment.objects.select_related("union").filter(plan=plan, worker=worker_obj).first()
    if enrollment is None or (not by_worker and not in_scope(actor, enrollment.union)):
        raise ValidationFailed.field("worker", _("该职工未参加本互助保障计划"))
    benefit = PlanBenefit.objects.filter(plan=plan, event=event).first()
    if benefit is None:
        raise ValidationFailed.field("event", _("本计划不保障该类事件"))
    if event_on is None or event_on.year != plan.year or event_on > timezone.localdate():
        raise ValidationFailed.field("event_on", _("出险日期应在%(year)s年内且不晚于今天") % {"year": plan.year})
    value = parse_amount(expenses if expenses not in (None, "") else "0", field="expenses", allow_zero=True)
    given = set(documents or ()) | set(files)
    unknown = given - set(DocumentKind.values)
    if unknown:
        raise ValidationFailed.field("documents", _("材料种类不正确"))
    missing = [d for d in benefit.required_documents if d not in given]
    if missing:
        names = _("、").join(_(DocumentKind(d).label) for d in missing)
        raise ValidationFailed.field("documents", _("缺少材料：%(documents)s") % {"documents": names},
                                     code="documents_missing")
    claim = Claim.objects.create(plan=plan, enrollment=enrollment, worker=worker_obj, union=enrollment.union,
                                 event=event, event_on=event_on, expenses=value, description=description[:2000],
                                 submitted_by_worker=by_worker)
    for kind in sorted(given):
        ClaimDocument.objects.create(claim=claim, kind=kind, file=files.get(kind) or "")
    audit_record(actor=actor, action="care.claim.submit", obj=claim, union=enrollment.union,
                 detail={"event": event, "expenses": yuan(value)})
    return claim


def claim_get_for_staff(actor, claim_id: int) -> Claim:
    require_staff(actor, roles=CARE_FILE_ROLES)
    claim = scoped(Claim.objects.select_related("worker", "union", "plan"), actor).filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(_("理赔申请不存在"))
    return claim


@transaction.atomic
def claim_review(actor, *, claim_id: int, approve: bool, note: str = "") -> Claim:
    """初审 then 复审, by two different people; the second fixes the payout by the plan's rules."""
    claim = claim_get_for_staff(actor, claim_id)
    claim = lock_rows(Claim.objects.all(), [claim.pk])[claim.pk]
    if claim.status == ClaimStatus.SUBMITTED:
        claim.first_reviewer = actor
        claim.status = ClaimStatus.FIRST_APPROVED if approve else ClaimStatus.REJECTED
    elif claim.status == ClaimStatus.FIRST_APPROVED:
        require_staff(actor, roles=APPROVER_ROLES)
        if claim.first_reviewer_id == actor.pk:
            raise PermissionDenied(_("复审须由初审以外的人员进行"))
        claim.second_reviewer = actor
        if approve:
            lock_rows(Enrollment.objects.all(), [claim.enrollment_id])
            already = (Claim.objects.filter(enrollment_id=claim.enrollment_id,
                                            status__in=[ClaimStatus.APPROVED, ClaimStatus.PAID])
                       .aggregate(s=Sum("payout"))["s"] or Decimal("0"))
            benefit = PlanBenefit.objects.get(plan_id=claim.plan_id, event=claim.event)
            claim.payout = payout_for(benefit=benefit, expenses=claim.expenses, already_paid=already,
                                      yearly_cap=claim.plan.yearly_cap)
            claim.status = ClaimStatus.APPROVED
        else:
            claim.status = ClaimStatus.REJECTED
    else:
        raise Conflict(_("该申请不在审核中"), code="wrong_status")
    claim.review_note = note[:300]
    claim.save()
    audit_record(actor=actor, action="care.claim.review", obj=claim, union=claim.union,
                 detail={"approve": approve, "status": claim.status, "payout": yuan(claim.payout)})
    return claim


@transaction.atomic
def claim_pay(actor, *, claim_id: int, payment_reference: str, paid_on: dt.date | None = None) -> Claim:
    require_staff(actor, roles=APPROVER_ROLES)
    claim = claim_get_for_staff(actor, claim_id)
    claim = lock_rows(Claim.objects.all(), [claim.pk])[claim.pk]
    if claim.status != ClaimStatus.APPROVED:
        raise Conflict(_("只有审核通过的申请可以支付"), code="wrong_status")
    if not (payment_reference or "").strip():
        raise ValidationFailed.field("payment_reference", _("请填写支付凭证号"))
    claim.status, claim.paid_on = ClaimStatus.PAID, paid_on or timezone.localdate()
    claim.payment_reference = payment_reference.strip()[:60]
    claim.save(update_fields=["status", "paid_on", "payment_reference"])
    audit_record(actor=actor, action="care.claim.pay", obj=claim, union=claim.union,
                 detail={"payout": yuan(claim.payout), "reference": claim.payment_reference})
    return claim
