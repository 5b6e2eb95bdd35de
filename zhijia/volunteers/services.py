"""Writes of the volunteers subsystem: one use case per function, one transaction each, scope checked inside."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijia.accounts.models import Role
from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhijia.members.selectors import current_membership, worker_for_user
from zhijia.orgs.models import Union
from zhijia.orgs.selectors import in_scope, require_staff
from zhijia.volunteers.models import CallSignup, Deployment, Shift, TaskKind, Volunteer, VolunteerCall

STAFF_WRITERS = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF)
MAX_SHIFT_HOURS = 24


def _clean_skills(skills) -> list[str]:
    if not isinstance(skills, list | tuple):
        raise ValidationFailed.field("skills", _("技能应为列表"))
    return sorted({str(s).strip()[:20] for s in skills if str(s).strip()})[:20]


@transaction.atomic
def volunteer_register(actor, *, skills: list[str], availability: str = "", certificates: str = "") -> Volunteer:
    """A worker signs up as a volunteer of the union they belong to (or updates their entry)."""
    worker = worker_for_user(actor)
    if worker is None:
        raise PermissionDenied(_("请先以职工身份登录"))
    membership = current_membership(worker)
    if membership is None:
        raise ValidationFailed.field("union", _("请先加入工会，再报名志愿者"))
    volunteer, created = Volunteer.objects.select_for_update().get_or_create(
        worker=worker, defaults={"union": membership.union})
    volunteer.skills, volunteer.availability = _clean_skills(skills), availability[:120]
    volunteer.certificates, volunteer.active = certificates[:200], True
    volunteer.save()
    audit_record(actor=actor, action=Action.CREATE if created else Action.UPDATE, obj=volunteer)
    return volunteer


def _scoped_union(actor, union_id: int | None) -> Union:
    scope = require_staff(actor, roles=STAFF_WRITERS)
    if union_id is None:
        return scope
    union = Union.objects.filter(pk=union_id).first()
    if union is None or not in_scope(actor, union):
        raise ValidationFailed.field("union", _("工会不存在或不在管辖范围内"))
    return union


def _check_period(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed.field("ends_at", _("结束时间应晚于开始时间"))


@transaction.atomic
def volunteer_call_create(actor, *, title: str, task: str, place: str, starts_at: dt.datetime,
                          ends_at: dt.datetime, needed: int, union_id: int | None = None) -> VolunteerCall:
    union = _scoped_union(actor, union_id)
    if not title.strip():
        raise ValidationFailed.field("title", _("请填写标题"))
    if task not in TaskKind.values:
        raise ValidationFailed.field("task", _("任务类型不正确"))
    if not place.strip():
        raise ValidationFailed.field("place", _("请填写地点"))
    if needed < 1:
        raise ValidationFailed.field("needed", _("需要人数至少为1"))
    _check_period(starts_at, ends_at)
    call = VolunteerCall.objects.create(union=union, title=title.strip(), task=task, place=place.strip(),
                                        starts_at=starts_at, ends_at=ends_at, needed=needed)
    audit_record(actor=actor, action=Action.CREATE, obj=call, union=union)
    return call


@transaction.atomic
def call_signup(actor, *, call_id: int) -> CallSignup:
    worker = worker_for_user(actor)
    volunteer = Volunteer.objects.filter(worker=worker, active=True).first() if worker else None
    if volunteer is None:
        raise ValidationFailed.field("volunteer", _("请先报名成为志愿者"))
    call = VolunteerCall.objects.select_for_update().filter(pk=call_id, open=True).first()
    if call is None:
        raise NotFound(_("招募不存在或已结束"))
    try:
        with transaction.atomic():
            return CallSignup.objects.create(call=call, volunteer=volunteer)
    except IntegrityError:
        raise Conflict(_("您已报名该招募"), fields={"call": _("您已报名该招募")})


@transaction.atomic
def deployment_create(actor, *, title: str, batch: int, place: str, starts_at: dt.datetime, ends_at: dt.datetime,
                      volunteers: list[int], task: str = TaskKind.OTHER, union_id: int | None = None,
                      call_id: int | None = None) -> Deployment:
    """Deploy a batch of volunteers to a place: one Shift (one 人次) per volunteer. Every volunteer must belong to
    the caller's subtree; an unknown or out-of-scope id refuses the whole deployment."""
    union = _scoped_union(actor, union_id)
    if not title.strip():
        raise ValidationFailed.field("title", _("请填写任务"))
    if batch < 1:
        raise ValidationFailed.field("batch", _("批次应从1开始"))
    if not place.strip():
        raise ValidationFailed.field("place", _("请填写地点"))
    if task not in TaskKind.values:
        raise ValidationFailed.field("task", _("任务类型不正确"))
    _check_period(starts_at, ends_at)
    ids = list(dict.fromkeys(volunteers))
    if not ids:
        raise ValidationFailed.field("volunteers", _("请选择志愿者"))
    found = {v.pk: v for v in Volunteer.objects.select_related("union").filter(pk__in=ids, active=True)}
    missing = [i for i in ids if i not in found or not in_scope(actor, found[i].union)]
    if missing:
        raise ValidationFailed.field("volunteers", _("志愿者不存在或不在管辖范围内：%(ids)s")
                                     % {"ids": ", ".join(map(str, missing))})
    call = None
    if call_id is not None:
        call = VolunteerCall.objects.filter(pk=call_id).first()
        if call is None or not in_scope(actor, call.union):
            raise ValidationFailed.field("call", _("招募不存在"))
    deployment = Deployment.objects.create(union=union, call=call, title=title.strip(), batch=batch, task=task,
                                           place=place.strip(), starts_at=starts_at, ends_at=ends_at)
    Shift.objects.bulk_create([Shift(deployment=deployment, volunteer_id=i) for i in ids])
    audit_record(actor=actor, action=Action.CREATE, obj=deployment, union=union, detail={"volunteers": len(ids)})
    return deployment


def _own_shift(actor, shift_id: int) -> Shift:
    worker = worker_for_user(actor)
    shift = (Shift.objects.select_for_update(of=("self",)).select_related("deployment")
             .filter(pk=shift_id, volunteer__worker=worker).first()) if worker else None
    if shift is None:
        raise NotFound(_("班次不存在"))
    return shift


@transaction.atomic
def shift_sign_in(actor, *, shift_id: int, at: dt.datetime | None = None) -> Shift:
    shift = _own_shift(actor, shift_id)
    at = at or timezone.now()
    if shift.signed_in_at is not None:
        raise Conflict(_("已经签到过了"), fields={"shift": _("已经签到过了")})
    if at < shift.deployment.starts_at - dt.timedelta(hours=2) or at > shift.deployment.ends_at:
        raise ValidationFailed.field("shift", _("不在该批次的服务时间内，不能签到"))
    shift.signed_in_at = at
    shift.save(update_fields=["signed_in_at"])
    return shift


@transaction.atomic
def shift_sign_out(actor, *, shift_id: int, at: dt.datetime | None = None) -> Shift:
    shift = _own_shift(actor, shift_id)
    at = at or timezone.now()
    if shift.signed_in_at is None:
        raise ValidationFailed.field("shift", _("尚未签到，不能签退"))
    if shift.signed_out_at is not None:
        raise Conflict(_("已经签退过了"), fields={"shift": _("已经签退过了")})
    if at <= shift.signed_in_at:
        raise ValidationFailed.field("shift", _("签退时间应晚于签到时间"))
    # A forgotten sign-out does not credit days of service: a shift counts at most MAX_SHIFT_HOURS.
    shift.signed_out_at = min(at, shift.signed_in_at + dt.timedelta(hours=MAX_SHIFT_HOURS))
    shift.save(update_fields=["signed_out_at"])
    return shift


@transaction.atomic
def shift_record(actor, *, shift_id: int, signed_in_at: dt.datetime, signed_out_at: dt.datetime) -> Shift:
    """Staff record (or correct) a shift's times from the paper sign-in sheet."""
    require_staff(actor, roles=STAFF_WRITERS)
    shift = Shift.objects.select_for_update(of=("self",)).select_related("deployment__union").filter(
        pk=shift_id).first()
    if shift is None or not in_scope(actor, shift.deployment.union):
        raise NotFound(_("班次不存在"))
    if signed_out_at <= signed_in_at:
        raise ValidationFailed.field("signed_out_at", _("签退时间应晚于签到时间"))
    if signed_out_at - signed_in_at > dt.timedelta(hours=MAX_SHIFT_HOURS):
        raise ValidationFailed.field("signed_out_at", _("单次服务不超过%(hours)s小时") % {"hours": MAX_SHIFT_HOURS})
    shift.signed_in_at, shift.signed_out_at = signed_in_at, signed_out_at
    shift.save(update_fields=["signed_in_at", "signed_out_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=shift, union=shift.deployment.union)
    return shift
