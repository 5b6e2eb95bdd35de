"""困难职工 建档立卡: files, household, per-capita income against 低保, check → approval, annual review, closing,
and assistance with yearly caps.

One worker profile across the city: before a file is approved or a payment recorded, every other open file and
every payment of the same kind this year for the same worker, in any union, is listed as a flag; approval then needs
an explicit acknowledgement (a Conflict otherwise), so no one is helped twice for the same cause without a trace.
Assistance locks the worker's row (one lock per person, city-wide) so concurrent payments cannot both pass the cap.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhijia.accounts.models import Role
from zhijia.audit.services import audit_record
from zhijia.care.models import (
    OPEN_FILE_STATUSES,
    Assistance,
    AssistanceKind,
    FileStatus,
    HardshipCategory,
    HardshipCause,
    HardshipFile,
    HardshipReview,
    HouseholdMember,
    LivingStandard,
    ReviewReminder,
)
from zhijia.care.services.budgets import _union_in_scope
from zhijia.care.services.locking import lock_rows
from zhijia.care.services.money import CENT, parse_amount, yuan
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhijia.members.models import Worker
from zhijia.members.selectors import current_membership, worker_for_user
from zhijia.orgs.selectors import in_scope, require_staff, scoped

# Who may see and handle hardship files and claims (not hotline agents, not reviewers).
CARE_FILE_ROLES = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF)
APPROVER_ROLES = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF)
ACCIDENT_CAUSES = {HardshipCause.ACCIDENT, HardshipCause.ILLNESS, HardshipCause.DISASTER, HardshipCause.DISABILITY}


def living_standard_for(region_code: str, year: int) -> LivingStandard:
    """The 低保 for a district (its own figure, else the city's), for `year` or the latest year before it."""
    codes = [region_code[:6], region_code[:2] + "0000"]
    for code in codes:
        found = (LivingStandard.objects.filter(region_code=code, year__lte=year).order_by("-year").first())
        if found is not None:
            return found
    raise ValidationFailed.field("union", _("未配置当地最低生活保障标准，请先由市总设置"))


def per_capita_monthly(*, yearly_income: Decimal, yearly_unavoidable_costs: Decimal, household_size: int) -> Decimal:
    """(household yearly disposable income − unavoidable costs) ÷ 12 ÷ household size, to the fen."""
    return ((yearly_income - yearly_unavoidable_costs) / 12 / household_size).quantize(CENT, rounding=ROUND_HALF_UP)


def category_for(*, per_capita: Decimal, standard: Decimal, causes: list[str]) -> str | None:
    """Deep below 低保, relative below twice 低保, else accident-caused when the cause is sudden; None: no hardship."""
    if per_capita < standard:
        return HardshipCategory.DEEP
    if per_capita < 2 * standard:
        return HardshipCategory.RELATIVE
    if ACCIDENT_CAUSES & set(causes):
        return HardshipCategory.ACCIDENT
    return None


def _parse_causes(causes) -> list[str]:
    if not isinstance(causes, list | tuple) or not causes:
        raise ValidationFailed.field("causes", _("请至少选择一项致困原因"))
    out = []
    for c in causes:
        if c not in HardshipCause.values:
            raise ValidationFailed.field("causes", _("致困原因不正确"))
        if c not in out:
            out.append(c)
    return out


def _parse_household(household) -> list[dict]:
    members = []
    for i, m in enumerate(household or []):
        m = m if isinstance(m, dict) else m.dict()
        name = (m.get("name") or "").strip()
        relation = (m.get("relation") or "").strip()
        if not name:
            raise ValidationFailed.field(f"household.{i}.name", _("请填写家庭成员姓名"))
        if not relation:
            raise ValidationFailed.field(f"household.{i}.relation", _("请填写与职工关系"))
        birth_year = m.get("birth_year")
        if birth_year is not None and not (1900 <= int(birth_year) <= dt.date.today().year):
            raise ValidationFailed.field(f"household.{i}.birth_year", _("出生年份不正确"))
        members.append({"name": name[:60], "relation": relation[:20], "birth_year": birth_year,
                        "health": (m.get("health") or "")[:60], "occupation": (m.get("occupation") or "")[:60]})
    return members


def _file_flag_text(flag: dict) -> str:
    """A file's duplicate-help flag in the active language, from its fields."""
    text = _("该职工已在%(union)s建档（%(status)s）") % {"union": flag["union"],
                                                    "status": FileStatus(flag["status"]).label}
    if flag.get("causes"):
        text += _("，致困原因相同：%(causes)s") % {
            "causes": _("、").join(_(HardshipCause(c).label) for c in flag["causes"])}
    return text


def _assistance_flag_text(assistance: Assistance) -> str:
    """An earlier payment of the same kind, as a duplicate-help flag in the active language."""
    return _("%(date)s %(union)s已发放%(kind)s%(amount)s元") % {
        "date": f"{assistance.paid_on:%Y-%m-%d}", "union": assistance.union.name,
        "kind": AssistanceKind(assistance.kind).label, "amount": yuan(assistance.amount)}


def _stored(text_of, item) -> str:
    """A flag's `message` as stored on the row: in the source language (Chinese), whatever the request's."""
    with translation.override(settings.LANGUAGE_CODE):
        return text_of(item)


def duplicate_flags_for_file(file: HardshipFile) -> list[dict]:
    """Other open files of the same worker anywhere in the city, with the causes they share."""
    flags = []
    others = (HardshipFile.objects.select_related("union").filter(worker_id=file.worker_id,
                                                                   status__in=OPEN_FILE_STATUSES)
              .exclude(pk=file.pk))
    for other in others:
        shared = sorted(set(other.causes) & set(file.causes))
        flag = {"type": "file", "file": other.pk, "union": other.union.name, "status": other.status,
                "causes": shared}
        flag["message"] = _stored(_file_flag_text, flag)
        flags.append(flag)
    return flags


@transaction.atomic
def hardship_file_open(actor, *, worker: int | None = None, union: int | None = None, yearly_income,
                       yearly_unavoidable_costs, causes, household=(), situation: str = "",
                       category: str | None = None, year: int | None = None) -> HardshipFile:
    """Open a file, by the worker themself (worker pages: their own union) or by staff on their behalf."""
    if getattr(actor, "role", None) == Role.WORKER:
        worker_obj = worker_for_user(actor)
        if worker_obj is None:
            raise ValidationFailed.field("worker", _("请先完成实名登记"))
        membership = current_membership(worker_obj)
        if membership is None:
            raise ValidationFailed.field("worker", _("请先加入工会，再申请困难帮扶"))
        owner = membership.union
        by_worker = True
    else:
        require_staff(actor, roles=CARE_FILE_ROLES)
        worker_obj = Worker.objects.filter(pk=worker).first() if worker else None
        if worker_obj is None:
            raise ValidationFailed.field("worker", _("职工不存在"))
        owner = _union_in_scope(actor, union) if union else actor.union
        by_worker = False
    income = parse_amount(yearly_income, field="yearly_income", allow_zero=True)
    costs = parse_amount(yearly_unavoidable_costs, field="yearly_unavoidable_costs", allow_zero=True)
    cause_list = _parse_causes(causes)
    members = _parse_household(household)
    size = len(members) + 1
    year = year or timezone.localdate().year
    standard = living_standard_for(owner.region_code, year)
    per_capita = per_capita_monthly(yearly_income=income, yearly_unavoidable_costs=costs, household_size=size)
    computed = category_for(per_capita=per_capita, standard=standard.monthly_amount, causes=cause_list)
    if category == HardshipCategory.ACCIDENT and ACCIDENT_CAUSES & set(cause_list):
        computed = HardshipCategory.ACCIDENT
    elif category and category not in HardshipCategory.values:
        raise ValidationFailed.field("category", _("困难类别不正确"))
    if computed is None:
        raise ValidationFailed.field(
            "yearly_income", _("家庭月人均收入%(per_capita)s元，高于当地低保标准（%(standard)s元）的两倍，"
                               "且无意外致困原因，不符合建档条件") % {"per_capita": yuan(per_capita),
                                                               "standard": yuan(standard.monthly_amount)})
    file = HardshipFile.objects.create(
        worker=worker_obj, union=owner, category=computed, causes=cause_list, household_size=size,
        yearly_income=income, yearly_unavoidable_costs=costs, per_capita_monthly=per_capita,
        standard_monthly=standard.monthly_amount, standard_year=standard.year, situation=situation[:2000],
        opened_by_worker=by_worker, created_by=actor)
    HouseholdMember.objects.bulk_create([HouseholdMember(file=file, **m) for m in members])
    file.flags = duplicate_flags_for_file(file)
    file.save(update_fields=["flags"])
    audit_record(actor=actor, action="care.hardship.open", obj=file, union=owner,
                 detail={"category": computed, "flags": len(file.flags)})
    return file


def hardship_file_get_for_staff(actor, file_id: int) -> HardshipFile:
    require_staff(actor, roles=CARE_FILE_ROLES)
    file = scoped(HardshipFile.objects.select_related("worker", "union"), actor).filter(pk=file_id).first()
    if file is None:
        raise NotFound(_("档案不存在"))
    return file


@transaction.atomic
def hardship_file_check(actor, *, file_id: int, passed: bool, note: str = "") -> HardshipFile:
    """基层核实: the grassroots union (or a level above) confirms the household's situation, or turns it down."""
    file = hardship_file_get_for_staff(actor, file_id)
    file = lock_rows(HardshipFile.objects.all(), [file.pk])[file.pk]
    if file.status != FileStatus.SUBMITTED:
        raise Conflict(_("档案不在待核实状态"), code="wrong_status")
    file.status = FileStatus.CHECKED if passed else FileStatus.REJECTED
    file.checked_by, file.checked_at = actor, timezone.now()
    file.flags = duplicate_flags_for_file(file)
    file.save(update_fields=["status", "checked_by", "checked_at", "flags"])
    audit_record(actor=actor, action="care.hardship.check", obj=file, union=file.union,
                 detail={"passed": passed, "note": note[:200]})
    return file


@transaction.atomic
def hardship_file_approve(actor, *, file_id: int, acknowledge_flags: bool = False) -> HardshipFile:
    """区总审批. The duplicate check is run again now; any flag must be acknowledged explicitly."""
    require_staff(actor, roles=APPROVER_ROLES)
    file = hardship_file_get_for_staff(actor, file_id)
    file = lock_rows(HardshipFile.objects.all(), [file.pk])[file.pk]
    if file.status != FileStatus.CHECKED:
        raise Conflict(_("档案需先经基层核实"), code="wrong_status")
    file.flags = duplicate_flags_for_file(file)
    if file.flags and not acknowledge_flags:
        file.save(update_fields=["flags"])
        raise Conflict(_("该职工在全市已有其他困难档案，请核对后确认"), code="duplicate_help",
                       fields={"acknowledge_flags": _("；").join(_file_flag_text(f) for f in file.flags)})
    today = timezone.localdate()
    file.status = FileStatus.APPROVED
    file.approved_by, file.approved_on = actor, today
    file.review_due_on = _one_year_after(today)
    file.flags_acknowledged_by = actor if file.flags else None
    file.save(update_fields=["status", "approved_by", "approved_on", "review_due_on", "flags",
                             "flags_acknowledged_by"])
    audit_record(actor=actor, action="care.hardship.approve", obj=file, union=file.union,
                 detail={"flags_acknowledged": len(file.flags)})
    return file


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@transaction.atomic
def hardship_file_review(actor, *, file_id: int, yearly_income, yearly_unavoidable_costs,
                         household_size: int | None = None, note: str = "") -> HardshipFile:
    """年度复核: recompute income against this year's 低保; a family out of hardship has its file closed."""
    file = hardship_file_get_for_staff(actor, file_id)
    file = lock_rows(HardshipFile.objects.all(), [file.pk])[file.pk]
    if file.status != FileStatus.APPROVED:
        raise Conflict(_("只有在档的档案需要年度复核"), code="wrong_status")
    income = parse_amount(yearly_income, field="yearly_income", allow_zero=True)
    costs = parse_amount(yearly_unavoidable_costs, field="yearly_unavoidable_costs", allow_zero=True)
    size = household_size or file.household_size
    if size < 1:
        raise ValidationFailed.field("household_size", _("家庭人口应至少为1"))
    today = timezone.localdate()
    standard = living_standard_for(file.union.region_code, today.year)
    per_capita = per_capita_monthly(yearly_income=income, yearly_unavoidable_costs=costs, household_size=size)
    category = category_for(per_capita=per_capita, standard=standard.monthly_amount, causes=file.causes)
    HardshipReview.objects.create(file=file, reviewed_on=today, per_capita_monthly=per_capita,
                                  category=category or "", note=note[:300], reviewer=actor)
    file.yearly_income, file.yearly_unavoidable_costs, file.household_size = income, costs, size
    file.per_capita_monthly, file.standard_monthly, file.standard_year = per_capita, standard.monthly_amount, \
        standard.year
    if category is None:
        file.status, file.closed_on = FileStatus.CLOSED, today
        file.close_reason = f"年度复核：家庭月人均收入{yuan(per_capita)}元，已超过低保标准两倍"
    else:
        file.category = category
        file.review_due_on = _one_year_after(today)
    file.save()
    audit_record(actor=actor, action="care.hardship.review", obj=file, union=file.union,
                 detail={"category": category or "closed"})
    return file


@transaction.atomic
def hardship_file_close(actor, *, file_id: int, reason: str) -> HardshipFile:
    file = hardship_file_get_for_staff(actor, file_id)
    file = lock_rows(HardshipFile.objects.all(), [file.pk])[file.pk]
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.field("reason", _("请填写解困（销档）原因"))
    if file.status == FileStatus.CLOSED:
        raise Conflict(_("档案已关闭"), code="wrong_status")
    file.status, file.closed_on, file.close_reason = FileStatus.CLOSED, timezone.localdate(), reason[:200]
    file.save(update_fields=["status", "closed_on", "close_reason"])
    audit_record(actor=actor, action="care.hardship.close", obj=file, union=file.union, detail={"reason": reason})
    return file


def hardship_review_reminders_send(*, today: dt.date | None = None) -> int:
    """Create one reminder per approved file whose annual review falls due within the notice period (idempotent).
    Returns how many new reminders were made. Run daily by Celery beat."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.CARE_REVIEW_NOTICE_DAYS)
    due = HardshipFile.objects.filter(status=FileStatus.APPROVED, review_due_on__lte=horizon)
    made = 0
    for file_id, due_on in due.values_list("pk", "review_due_on").iterator():
        _reminder, created = ReviewReminder.objects.get_or_create(file_id=file_id, due_on=due_on)
        made += created
    return made


def yearly_cap(kind: str) -> Decimal:
    return Decimal(str(settings.CARE_ASSISTANCE_YEARLY_CAPS[kind]))


@transaction.atomic
def assistance_record(actor, *, file_id: int, kind: str, amount, paid_on: dt.date | None = None, note: str = "",
                      acknowledge_flags: bool = False) -> Assistance:
    """Record help paid from an approved file, within the yearly cap per worker and kind (city-wide).

    Concurrency: the worker's row is locked, so two payments for one person (from any union) are serialised and
    the cap is checked against the sum read under the lock."""
    file = hardship_file_get_for_staff(actor, file_id)
    if file.status != FileStatus.APPROVED:
        raise ValidationFailed.field("file", _("只有在档的困难职工可以发放帮扶"))
    if kind not in AssistanceKind.values:
        raise ValidationFailed.field("kind", _("帮扶类型不正确"))
    value = parse_amount(amount, field="amount")
    paid_on = paid_on or timezone.localdate()
    lock_rows(Worker.objects.all(), [file.worker_id])  # one lock per person, whichever union pays
    same_year = Assistance.objects.filter(worker_id=file.worker_id, kind=kind, year=paid_on.year)
    paid = same_year.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    cap = yearly_cap(kind)
    if paid + value > cap:
        raise ValidationFailed.field("amount", _("超出%(kind)s年度上限%(cap)s元（本年已发%(paid)s元）") % {
            "kind": AssistanceKind(kind).label, "cap": yuan(cap), "paid": yuan(paid)})
    earlier = list(same_year.select_related("union").exclude(file=file))
    flags = [{"type": "assistance", "assistance": a.pk, "union": a.union.name, "amount": yuan(a.amount),
              "message": _stored(_assistance_flag_text, a)} for a in earlier]
    if flags and not acknowledge_flags:
        raise Conflict(_("该职工今年已在其他单位获得同类帮扶，请核对后确认"), code="duplicate_help",
                       fields={"acknowledge_flags": _("；").join(_assistance_flag_text(a) for a in earlier)})
    assistance = Assistance.objects.create(file=file, worker_id=file.worker_id, union=file.union, kind=kind,
                                           amount=value, paid_on=paid_on, year=paid_on.year, note=note[:300],
                                           flags=flags, recorded_by=actor)
    audit_record(actor=actor, action="care.assistance.record", obj=assistance, union=file.union,
                 detail={"kind": kind, "amount": yuan(value), "flags": len(flags)})
    return assistance


def hardship_file_view_audit(actor, file: HardshipFile, *, ip: str | None = None) -> None:
    if not in_scope(actor, file.union):
        raise PermissionDenied()
    audit_record(actor=actor, action="care.hardship.view", obj=file, union=file.union, ip=ip)


@transaction.atomic
def living_standard_set(actor, *, region_code: str, year: int, monthly_amount) -> LivingStandard:
    """Set the 低保 for a district (6-digit code) or the whole city (xx0000) and year. Municipal staff only."""
    require_staff(actor, roles=(Role.MUNICIPAL_ADMIN,))
    code = (region_code or "").strip()
    if len(code) != 6 or not code.isdigit():
        raise ValidationFailed.field("region_code", _("行政区划代码应为6位数字（区县或全市）"))
    if not 2000 <= int(year) <= 2100:
        raise ValidationFailed.field("year", _("年度不正确"))
    value = parse_amount(monthly_amount, field="monthly_amount")
    standard, _created = LivingStandard.objects.update_or_create(region_code=code, year=year,
                                                          defaults={"monthly_amount": value})
    audit_record(actor=actor, action="care.living_standard.set", object_type="care.livingstandard",
                 object_id=str(standard.pk), union=actor.union, detail={"region": code, "year": year,
                                                                        "amount": yuan(value)})
    return standard
