"""Writes of the innovation studios subsystem: one use case per function, one transaction each, scope checked inside.

Concurrency: `grant_spend` locks the grant's row (SELECT ... FOR UPDATE, with a lock timeout that becomes `Busy`),
re-reads the spent total and refuses what would pass the grant's amount; the database's check constraint
`grant_not_overspent` refuses it too, whatever writes the row. `review_record` locks the studio's row, so two
reviewers of the same year never both pass the uniqueness check (and the unique constraint backs it).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhijia.accounts.models import Role
from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core.errors import Busy, Conflict, NotFound, PermissionDenied, ValidationFailed
from zhijia.members.models import Membership, MembershipStatus
from zhijia.orgs.models import Level, Union
from zhijia.orgs.selectors import in_scope, require_staff
from zhijia.stations import geo
from zhijia.studios.models import (
    AnnualReview,
    Award,
    AwardLevel,
    Conversion,
    InnovationStudio,
    MemberRole,
    Patent,
    PatentKind,
    PatentStatus,
    ReviewAction,
    ReviewOutcome,
    SpendingEntry,
    StudioField,
    StudioLevel,
    StudioMember,
    StudioStatus,
    SupportGrant,
)
from zhijia.studios.patents import KIND_LABELS, patent_number_parse

STAFF_WRITERS = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF)
REVIEWERS = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.REVIEWER)
MUNICIPAL_LEVELS = (Level.NATIONAL, Level.PROVINCIAL, Level.MUNICIPAL)
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
# The annual review's checklist: (key, label, most points); the most points add up to 100.
# Labels marked with gettext_noop: Chinese here (and in the errors), translated by the review form when shown.
REVIEW_ITEMS = (
    ("rules", gettext_noop("制度建设"), 15),
    ("team", gettext_noop("团队与传承带徒"), 15),
    ("projects", gettext_noop("攻关项目"), 20),
    ("results", gettext_noop("创新成果"), 20),
    ("conversion", gettext_noop("成果转化与推广"), 15),
    ("funds", gettext_noop("资金使用规范"), 15),
)
REVIEW_EXCELLENT = getattr(settings, "STUDIOS_REVIEW_EXCELLENT", 90)
REVIEW_PASS = getattr(settings, "STUDIOS_REVIEW_PASS", 60)
LOCK_TIMEOUT_MS = getattr(settings, "STUDIOS_LOCK_TIMEOUT_MS", 5000)
# Tests switch this off to show the race the lock prevents (the control test); nothing else may touch it.
LOCKING = True


def _after_read_hook() -> None:
    """Nothing in production; a concurrency test widens the window between the read and the write here."""


# --- parsing ---------------------------------------------------------------------------------------------------

def _amount(value, *, field: str) -> Decimal:
    """A positive amount in yuan with at most two decimal places."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip()) if value is not None and str(value).strip() else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationFailed.field(field, _("金额应为以元为单位的数字，最多两位小数"))
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValidationFailed.field(field, _("金额最多保留两位小数（单位：元）"))
    if amount <= 0:
        raise ValidationFailed.field(field, _("金额应大于0"))
    if amount > MAX_AMOUNT:
        raise ValidationFailed.field(field, _("金额过大"))
    return amount.quantize(CENT)


def _text(value, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed.field(field, _("请填写%(label)s") % {"label": _(label)})
    if len(text) > max_length:
        raise ValidationFailed.field(field, _("%(label)s不能超过%(n)s个字") % {"label": _(label), "n": max_length})
    return text


def _year(value, *, field: str = "year", earliest: int = 1990) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed.field(field, _("年度应为四位数字，如 2022"))
    latest = timezone.localdate().year
    if not earliest <= year <= latest:
        raise ValidationFailed.field(field, _("年度应在%(earliest)s至%(latest)s之间")
                                     % {"earliest": earliest, "latest": latest})
    return year


def _choice(value, choices, *, field: str, label: str) -> str:
    if value not in choices.values:
        # Translators: "value (label)" of one choice in the list of allowed choices.
        options = _("、").join(_("%(value)s（%(label)s）") % {"value": v, "label": lbl} for v, lbl in choices.choices)
        raise ValidationFailed.field(field, _("%(label)s“%(value)s”不正确，可选：%(options)s")
                                     % {"label": _(label), "value": value, "options": options})
    return value


# --- locking ---------------------------------------------------------------------------------------------------

def _lock(qs, pk: int):
    """Lock one row inside the current transaction and return it freshly read (None when missing).

    On PostgreSQL a lock_timeout turns a long wait into Busy (try again), never a 500; on SQLite the IMMEDIATE
    transaction already serialises writers and select_for_update is a no-op.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("_lock must run inside a transaction")
    if not LOCKING:
        return qs.filter(pk=pk).first()
    if settings.IS_POSTGRES:
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(LOCK_TIMEOUT_MS)}ms"])
    try:
        return qs.select_for_update(of=("self",)).filter(pk=pk).first()
    except OperationalError as exc:  # lock_timeout (55P03) or a deadlock victim: the caller retries
        raise Busy() from exc


def _studio_for_write(actor, studio_id: int, *, lock: bool = False, roles=STAFF_WRITERS) -> InnovationStudio:
    require_staff(actor, roles=roles)
    qs = InnovationStudio.objects.select_related("union")
    studio = _lock(qs, studio_id) if lock else qs.filter(pk=studio_id).first()
    if studio is None or not in_scope(actor, studio.union):
        raise NotFound(_("创新工作室不存在"))
    return studio


def _require_level_scope(actor, level: str) -> None:
    """A municipal studio is named (and reviewed) by a municipal federation; a district one from a district up."""
    scope = require_staff(actor)
    if level == StudioLevel.MUNICIPAL and scope.level not in MUNICIPAL_LEVELS:
        message = _("市级创新工作室由市总工会命名和管理")
        raise PermissionDenied(message, fields={"level": message})


def _worker_in_scope(actor, worker, *, field: str):
    """The worker behind an admitted membership in the caller's subtree (a studio's people are union members),
    found by worker id or by member number (会员编号, what staff read off the e-card)."""
    key = str(worker or "").strip()
    if not key.isdigit():
        raise ValidationFailed.field(field, _("请填写职工编号或会员编号（数字）"))
    members = Membership.objects.select_related("worker", "union").filter(status=MembershipStatus.ADMITTED)
    membership = (members.filter(member_number=key).first() if len(key) >= 16
                  else members.filter(worker_id=int(key)).first())
    if membership is None or not in_scope(actor, membership.union):
        raise ValidationFailed.field(field, _("职工“%(key)s”不存在，或不是管辖范围内的在会会员") % {"key": key})
    return membership.worker


# --- studios ---------------------------------------------------------------------------------------------------

@transaction.atomic
def studio_create(actor, *, name: str, level: str, union_id: int, address: str, lat, lng, recognised_year,
                  field: str = StudioField.OTHER, leader_worker_id: int | None = None, leader_name: str = "",
                  leader_title: str = "", region_code: str | None = None, description: str = "") -> InnovationStudio:
    """Name (命名) a studio hosted by a union in the caller's subtree. The leader is a worker (then also a member
    with role leader) or, for a leader not on the rolls, a name."""
    require_staff(actor, roles=STAFF_WRITERS)
    name = _text(name, field="name", label=gettext_noop("工作室名称"), max_length=120)
    level = _choice(level, StudioLevel, field="level", label=gettext_noop("级别"))
    _require_level_scope(actor, level)
    union = Union.objects.filter(pk=union_id).first() if str(union_id or "").isdigit() else None
    if union is None or not in_scope(actor, union):
        raise ValidationFailed.field("union", _("依托工会不存在或不在管辖范围内"))
    address = _text(address, field="address", label=gettext_noop("地址"), max_length=200)
    lat_f, lng_f = geo.validate_point(lat, lng)
    recognised_year = _year(recognised_year, field="recognised_year")
    field = _choice(field or StudioField.OTHER, StudioField, field="field", label=gettext_noop("领域"))
    leader = _worker_in_scope(actor, leader_worker_id, field="leader") if leader_worker_id else None
    leader_name = leader.name if leader else _text(leader_name, field="leader_name", label=gettext_noop("领衔人姓名"),
                                                   max_length=60)
    region_code = _region_code(region_code, union=union, lat=lat_f, lng=lng_f)
    if InnovationStudio.objects.filter(union=union, name=name).exists():
        raise Conflict(_("%(union)s已有名为“%(name)s”的工作室") % {"union": union.name, "name": name},
                       fields={"name": _("同一依托工会下名称重复")})
    studio = InnovationStudio.objects.create(
        name=name, level=level, union=union, region_code=region_code, address=address, lat=lat_f, lng=lng_f,
        leader=leader, leader_name=leader_name,
        leader_title=_text(leader_title, field="leader_title", label=gettext_noop("领衔人称号"), max_length=80,
                           required=False),
        field=field, recognised_year=recognised_year,
        description=_text(description, field="description", label=gettext_noop("简介"), max_length=2000,
                          required=False))
    if leader is not None:
        StudioMember.objects.create(studio=studio, worker=leader, role=MemberRole.LEADER)
    audit_record(actor=actor, action=Action.CREATE, obj=studio, union=union,
                 detail={"level": level, "region_code": region_code})
    return studio


def _region_code(region_code: str | None, *, union: Union, lat: float, lng: float) -> str:
    """The studio's district: as given, else where its point lies, else its host union's district. A host union
    below the city fixes the district: a studio of a 房山 enterprise is in 房山."""
    from zhijia.core.regions import validate_region_code

    if region_code:
        code = validate_region_code(str(region_code).strip(), field="region_code")[:6]
    else:
        code = geo.district_code_at(lat, lng) or union.region_code[:6]
    host = union.region_code[:6]
    if not host.endswith("00") and code != host:
        raise ValidationFailed.field("region_code", _("所在区（%(code)s）与依托工会所在区（%(host)s）不一致")
                                     % {"code": code, "host": host})
    if code.endswith("00"):
        raise ValidationFailed.field("region_code", _("请填写工作室所在的区（6位区县代码）"))
    return code


@transaction.atomic
def studio_update(actor, *, studio_id: int, address: str | None = None, lat=None, lng=None,
                  field: str | None = None, leader_title: str | None = None,
                  description: str | None = None) -> InnovationStudio:
    studio = _studio_for_write(actor, studio_id, lock=True)
    changed = []
    if address is not None:
        studio.address = _text(address, field="address", label=gettext_noop("地址"), max_length=200)
        changed.append("address")
    if lat is not None or lng is not None:
        studio.lat, studio.lng = geo.validate_point(lat if lat is not None else studio.lat,
                                                    lng if lng is not None else studio.lng)
        changed += ["lat", "lng"]
    if field is not None:
        studio.field = _choice(field, StudioField, field="field", label=gettext_noop("领域"))
        changed.append("field")
    if leader_title is not None:
        studio.leader_title = _text(leader_title, field="leader_title", label=gettext_noop("领衔人称号"), max_length=80,
                                    required=False)
        changed.append("leader_title")
    if description is not None:
        studio.description = _text(description, field="description", label=gettext_noop("简介"), max_length=2000,
                                   required=False)
        changed.append("description")
    if changed:
        studio.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action=Action.UPDATE, obj=studio, union=studio.union, detail={"fields": changed})
    return studio


@transaction.atomic
def member_add(actor, *, studio_id: int, worker_id: int | str, role: str = MemberRole.MEMBER,
               joined_on: dt.date | None = None) -> StudioMember:
    studio = _studio_for_write(actor, studio_id, lock=True)
    role = _choice(role, MemberRole, field="role", label=gettext_noop("角色"))
    worker = _worker_in_scope(actor, worker_id, field="worker")
    if role == MemberRole.LEADER and studio.members.filter(role=MemberRole.LEADER).exists():
        raise Conflict(_("工作室已有领衔人"), fields={"role": _("工作室已有领衔人，每个工作室只有一位")})
    if joined_on is not None and joined_on > timezone.localdate():
        raise ValidationFailed.field("joined_on", _("加入日期不能晚于今天"))
    try:
        with transaction.atomic():
            member = StudioMember.objects.create(studio=studio, worker=worker, role=role, joined_on=joined_on)
    except IntegrityError:
        raise Conflict(_("%(name)s已是该工作室成员") % {"name": worker.name}, fields={"worker": _("已是该工作室成员")})
    if role == MemberRole.LEADER:
        studio.leader, studio.leader_name = worker, worker.name
        studio.save(update_fields=["leader", "leader_name", "updated_at"])
    audit_record(actor=actor, action=Action.CREATE, obj=member, union=studio.union,
                 detail={"studio": studio.pk, "role": role})
    return member


@transaction.atomic
def member_remove(actor, *, studio_id: int, member_id: int) -> None:
    studio = _studio_for_write(actor, studio_id, lock=True)
    member = studio.members.filter(pk=member_id).first()
    if member is None:
        raise NotFound(_("成员不存在"))
    if member.role == MemberRole.LEADER:
        raise ValidationFailed.field("member", _("不能移除领衔人"))
    audit_record(actor=actor, action=Action.DELETE, obj=member, union=studio.union, detail={"studio": studio.pk})
    member.delete()


# --- support funds ---------------------------------------------------------------------------------------------

@transaction.atomic
def grant_create(actor, *, studio_id: int, amount, year, purpose: str,
                 granting_union_id: int | None = None) -> SupportGrant:
    """Grant support funds (助推资金) to a studio from a union in the caller's scope that is the studio's host union
    or one of its ancestors."""
    studio = _studio_for_write(actor, studio_id)
    amount = _amount(amount, field="amount")
    year = _year(year, earliest=studio.recognised_year)
    purpose = _text(purpose, field="purpose", label=gettext_noop("用途"), max_length=200)
    if studio.status == StudioStatus.REVOKED:
        raise ValidationFailed.field("studio", _("该工作室已撤销命名，不能再拨付资金"))
    if granting_union_id is None:
        granting = require_staff(actor)
    else:
        granting = Union.objects.filter(pk=granting_union_id).first() if str(granting_union_id).isdigit() else None
        if granting is None or not in_scope(actor, granting):
            raise ValidationFailed.field("granting_union", _("拨付工会不存在或不在管辖范围内"))
    if not granting.contains(studio.union):
        raise ValidationFailed.field("granting_union", _("%(union)s不是该工作室依托工会或其上级，不能拨付")
                                     % {"union": granting.name})
    grant = SupportGrant.objects.create(studio=studio, granting_union=granting, year=year, amount=amount,
                                        purpose=purpose, created_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=grant, union=studio.union,
                 detail={"studio": studio.pk, "amount": str(amount), "year": year})
    return grant


@transaction.atomic
def grant_spend(actor, *, grant_id: int, amount, purpose: str, spent_on: dt.date | None = None) -> SpendingEntry:
    """Record money spent from a grant. Never more than its balance: the grant's row is locked, the spent total
    re-read under the lock, and the database refuses spent > amount as a last line."""
    require_staff(actor, roles=STAFF_WRITERS)
    amount = _amount(amount, field="amount")
    purpose = _text(purpose, field="purpose", label=gettext_noop("用途"), max_length=200)
    spent_on = spent_on or timezone.localdate()
    if spent_on > timezone.localdate():
        raise ValidationFailed.field("spent_on", _("使用日期不能晚于今天"))
    # The lock is taken late (after parsing) and once; everything the check needs is read under it.
    grant = _lock(SupportGrant.objects.select_related("studio__union"), grant_id)
    if grant is None or not in_scope(actor, grant.studio.union):
        raise NotFound(_("资金记录不存在"))
    if spent_on.year < grant.year:
        raise ValidationFailed.field("spent_on", _("使用日期不能早于拨付年度（%(year)s年）") % {"year": grant.year})
    _after_read_hook()
    balance = grant.amount - grant.spent
    if amount > balance:
        raise ValidationFailed.field("amount", _("超出该笔助推资金余额：余额 %(balance)s 元，本次 %(amount)s 元")
                                     % {"balance": f"{balance:,.2f}", "amount": f"{amount:,.2f}"}, code="overspent")
    entry = SpendingEntry.objects.create(grant=grant, amount=amount, spent_on=spent_on, purpose=purpose,
                                         recorded_by=actor)
    grant.spent = grant.spent + amount
    try:
        with transaction.atomic():
            grant.save(update_fields=["spent"])
    except IntegrityError:  # grant_not_overspent: only reachable if the lock was bypassed
        raise ValidationFailed.field("amount", _("超出该笔助推资金余额"), code="overspent")
    audit_record(actor=actor, action=Action.CREATE, obj=entry, union=grant.studio.union,
                 detail={"grant": grant.pk, "amount": str(amount)})
    return entry


# --- results ---------------------------------------------------------------------------------------------------

@transaction.atomic
def patent_add(actor, *, studio_id: int, number: str, title: str, kind: str | None = None,
               status: str = PatentStatus.GRANTED, year=None) -> Patent:
    """Record a patent. The number is checked (shape, kind digit, check character) and stored in its standard form;
    the kind comes from the number, and a kind given that disagrees with it is refused."""
    studio = _studio_for_write(actor, studio_id)
    parsed = patent_number_parse(number, field="number")
    if kind and kind != parsed.kind:
        _choice(kind, PatentKind, field="kind", label=gettext_noop("专利类型"))
        raise ValidationFailed.field("kind", _("专利类型与专利号不符：该号码为%(kind)s")
                                     % {"kind": _(KIND_LABELS[parsed.kind])})
    status = _choice(status, PatentStatus, field="status", label=gettext_noop("状态"))
    title = _text(title, field="title", label=gettext_noop("专利名称"), max_length=200)
    year = _year(year, field="year") if year not in (None, "") else parsed.year
    if year < parsed.year:
        raise ValidationFailed.field("year", _("年度不能早于申请年份（%(year)s年）") % {"year": parsed.year})
    existing = Patent.objects.filter(number=parsed.normalised).select_related("studio").first()
    if existing is not None:
        raise Conflict(_("专利号 %(number)s 已登记") % {"number": parsed.normalised},
                       fields={"number": _("该专利号已登记，不能重复计算")})
    try:
        with transaction.atomic():
            patent = Patent.objects.create(studio=studio, kind=parsed.kind, number=parsed.normalised, title=title,
                                           status=status, year=year)
    except IntegrityError:
        raise Conflict(_("专利号 %(number)s 已登记") % {"number": parsed.normalised},
                       fields={"number": _("该专利号已登记，不能重复计算")})
    audit_record(actor=actor, action=Action.CREATE, obj=patent, union=studio.union, detail={"studio": studio.pk})
    return patent


@transaction.atomic
def conversion_add(actor, *, studio_id: int, title: str, partner: str, value, year,
                   patent_id: int | None = None) -> Conversion:
    studio = _studio_for_write(actor, studio_id)
    title = _text(title, field="title", label=gettext_noop("成果名称"), max_length=200)
    partner = _text(partner, field="partner", label=gettext_noop("合作方"), max_length=120)
    value = _amount(value, field="value")
    year = _year(year, earliest=studio.recognised_year)
    patent = None
    if patent_id:
        patent = studio.patents.filter(pk=patent_id).first()
        if patent is None:
            raise ValidationFailed.field("patent", _("专利不存在或不属于该工作室"))
    conversion = Conversion.objects.create(studio=studio, title=title, partner=partner, value=value, year=year,
                                           patent=patent)
    audit_record(actor=actor, action=Action.CREATE, obj=conversion, union=studio.union,
                 detail={"studio": studio.pk, "value": str(value)})
    return conversion


@transaction.atomic
def award_add(actor, *, studio_id: int, title: str, level: str, year, awarded_by: str = "") -> Award:
    studio = _studio_for_write(actor, studio_id)
    award = Award.objects.create(
        studio=studio, title=_text(title, field="title", label=gettext_noop("奖项名称"), max_length=200),
        level=_choice(level, AwardLevel, field="level", label=gettext_noop("奖项级别")),
        awarded_by=_text(awarded_by, field="awarded_by", label=gettext_noop("颁发单位"), max_length=120,
                         required=False),
        year=_year(year))
    audit_record(actor=actor, action=Action.CREATE, obj=award, union=studio.union, detail={"studio": studio.pk})
    return award


# --- annual review ---------------------------------------------------------------------------------------------

def review_outcome_for(total: int) -> str:
    if total >= REVIEW_EXCELLENT:
        return ReviewOutcome.EXCELLENT
    if total >= REVIEW_PASS:
        return ReviewOutcome.PASS
    return ReviewOutcome.FAIL


def _review_scores(scores) -> dict[str, int]:
    if not isinstance(scores, dict):
        raise ValidationFailed.field("scores", _("考核得分应为 {项目: 分数}"))
    known = {key for key, _, _ in REVIEW_ITEMS}
    unknown = sorted(set(scores) - known)
    if unknown:
        raise ValidationFailed.field(f"scores.{unknown[0]}", _("考核项目“%(item)s”不存在") % {"item": unknown[0]})
    out = {}
    for key, label, most in REVIEW_ITEMS:
        raw = scores.get(key)
        if raw is None or raw == "":
            raise ValidationFailed.field(f"scores.{key}", _("请为“%(item)s”打分（0至%(most)s分）")
                                         % {"item": _(label), "most": most})
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ValidationFailed.field(f"scores.{key}", _("“%(item)s”的得分应为整数") % {"item": _(label)})
        if not 0 <= value <= most:
            raise ValidationFailed.field(f"scores.{key}", _("“%(item)s”的得分应在0至%(most)s分之间")
                                         % {"item": _(label), "most": most})
        out[key] = value
    return out


@transaction.atomic
def review_record(actor, *, studio_id: int, year, scores: dict, reason: str,
                  action: str | None = None) -> AnnualReview:
    """The annual review (年度考核) of a studio for a year, once. The outcome follows from the total (excellent,
    pass, fail); a failed studio goes on probation (限期整改), is downgraded (municipal → district) or is revoked
    (撤销命名), as the reviewer decides; a passing review ends a probation. Audited with the before and after."""
    studio = _studio_for_write(actor, studio_id, lock=True, roles=REVIEWERS)
    _require_level_scope(actor, studio.level)
    if studio.status == StudioStatus.REVOKED:
        raise ValidationFailed.field("studio", _("该工作室已撤销命名，不再考核"))
    year = _year(year, earliest=studio.recognised_year)
    checked = _review_scores(scores)
    reason = _text(reason, field="reason", label=gettext_noop("考核意见（理由）"), max_length=500)
    total = sum(checked.values())
    outcome = review_outcome_for(total)
    if outcome != ReviewOutcome.FAIL:
        if action not in (None, "", ReviewAction.NONE):
            raise ValidationFailed.field("action", _("考核结果为%(outcome)s（%(total)s分），"
                                                     "只有不合格才能整改、降级或撤销")
                                         % {"outcome": ReviewOutcome(outcome).label, "total": total})
        action = ReviewAction.NONE
    else:
        action = _choice(action or ReviewAction.PROBATION, ReviewAction, field="action", label=gettext_noop("处理"))
        if action == ReviewAction.NONE:
            raise ValidationFailed.field("action", _("考核不合格，请选择限期整改、降级或撤销命名"))
        if action == ReviewAction.DOWNGRADE and studio.level != StudioLevel.MUNICIPAL:
            raise ValidationFailed.field("action", _("区级工作室不能再降级，可选择限期整改或撤销命名"))
    if AnnualReview.objects.filter(studio=studio, year=year).exists():
        raise Conflict(_("%(studio)s%(year)s年度已考核") % {"studio": studio.name, "year": year},
                       fields={"year": _("%(year)s年度已考核，不能重复考核") % {"year": year}})
    review = AnnualReview.objects.create(
        studio=studio, year=year, reviewer=actor, scores=checked, total=total, outcome=outcome, action=action,
        reason=reason, level_before=studio.level, status_before=studio.status)
    before = {"level": studio.level, "status": studio.status}
    if action == ReviewAction.PROBATION:
        studio.status = StudioStatus.PROBATION
    elif action == ReviewAction.DOWNGRADE:
        studio.level, studio.status = StudioLevel.DISTRICT, StudioStatus.ACTIVE
    elif action == ReviewAction.REVOKE:
        studio.status = StudioStatus.REVOKED
    elif studio.status == StudioStatus.PROBATION:
        studio.status = StudioStatus.ACTIVE
    studio.save(update_fields=["level", "status", "updated_at"])
    audit_record(actor=actor, action=Action.APPROVE if outcome != ReviewOutcome.FAIL else Action.REJECT,
                 obj=review, union=studio.union,
                 detail={"studio": studio.pk, "year": year, "total": total, "outcome": outcome, "action": action,
                         "before": before, "after": {"level": studio.level, "status": studio.status}})
    return review
