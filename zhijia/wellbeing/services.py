"""Writes of the wellbeing subsystem: each public function is one use case in one transaction.

Who may do what:
- a worker submits assessments (or does so anonymously, leaving no identity), shares a result with one counsellor,
  books and cancels slots, rates a finished session, asks for a quick consultation;
- a counsellor publishes slots, marks sessions attended or no-show, writes their own sealed notes, takes the next
  quick consultation and acknowledges crisis flags in their union's subtree;
- union staff register counsellors in their subtree; Celery beat escalates late crisis flags, sends reminders and
  deletes data past the retention period.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijia.accounts.models import Role, User
from zhijia.accounts.sms import sms_send
from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhijia.members.models import Worker
from zhijia.members.selectors import current_membership, worker_for_user
from zhijia.orgs.models import Union
from zhijia.orgs.selectors import in_scope, require_staff
from zhijia.wellbeing.models import (
    HOLDING_STATUSES,
    Assessment,
    Booking,
    BookingStatus,
    Consultation,
    ConsultationStatus,
    Counsellor,
    CrisisFlag,
    Mode,
    SessionNote,
    Slot,
)
from zhijia.wellbeing.scales import SCALES

log = logging.getLogger("zhijia.wellbeing")


def hotlines() -> list[tuple[str, str]]:
    """The hotline numbers of the safety message, from settings ("号码 名称;号码 名称")."""
    out = []
    for part in settings.WELLBEING_HOTLINES.split(";"):
        number, _sep, label = part.strip().partition(" ")
        if number:
            out.append((number, label))
    return out


def _worker_of(user) -> Worker:
    worker = worker_for_user(user)
    if worker is None:
        raise PermissionDenied(_("请先以职工身份登录"))
    return worker


def _counsellor_of(user) -> Counsellor:
    counsellor = Counsellor.objects.select_related("union").filter(user=user, active=True).first() \
        if getattr(user, "is_authenticated", False) else None
    if counsellor is None:
        raise PermissionDenied(_("仅限心理咨询师"))
    return counsellor


# --- Self-assessments ---------------------------------------------------------------------------------------------

def _score(scale_code: str, answers) -> tuple[int, str, bool]:
    scale = SCALES.get(scale_code)
    if scale is None:
        raise ValidationFailed.field("scale", _("量表应为 phq9 或 gad7"))
    if not isinstance(answers, list | tuple) or len(answers) != len(scale.items):
        raise ValidationFailed.field("answers", _("%(scale)s共%(n)s题，请逐题作答")
                                     % {"scale": _(scale.name), "n": len(scale.items)})
    for i, a in enumerate(answers):
        if isinstance(a, bool) or not isinstance(a, int) or not 0 <= a <= 3:
            raise ValidationFailed.field("answers", _("第%(n)s题的答案应为0到3之间的整数") % {"n": i + 1})
    score = sum(answers)
    crisis = scale.crisis_item is not None and answers[scale.crisis_item] > 0
    return score, scale.band_for(score).code, crisis


@transaction.atomic
def assessment_submit(actor, *, scale: str, answers: list[int], anonymous: bool = False) -> Assessment:
    """Score and keep one assessment. Anonymous: no worker, no union, no address, no audit row naming anyone.

    A crisis answer (PHQ-9 item 9 above 0) raises a CrisisFlag due within WELLBEING_CRISIS_ACK_MINUTES."""
    score, band, crisis = _score(scale, answers)
    worker = None if anonymous else _worker_of(actor)
    membership = current_membership(worker) if worker else None
    union = membership.union if membership else None
    assessment = Assessment.objects.create(scale=scale, answers=json.dumps(list(answers)), score=score, band=band,
                                           crisis=crisis, worker=worker, union=union)
    if crisis:
        CrisisFlag.objects.create(
            assessment=assessment, union=union,
            due_at=timezone.now() + dt.timedelta(minutes=settings.WELLBEING_CRISIS_ACK_MINUTES))
    if worker is not None:
        audit_record(actor=actor, action=Action.CREATE, obj=assessment, union=union,
                     detail={"scale": scale, "crisis": crisis})
    return assessment


@transaction.atomic
def assessment_share(actor, *, assessment_id: int, counsellor_id: int | None) -> Assessment:
    """The worker shares one result with one counsellor (or withdraws it with None)."""
    worker = _worker_of(actor)
    assessment = Assessment.objects.select_for_update().filter(pk=assessment_id, worker=worker).first()
    if assessment is None:
        raise NotFound(_("测评记录不存在"))
    counsellor = None
    if counsellor_id is not None:
        counsellor = Counsellor.objects.filter(pk=counsellor_id, active=True).first()
        if counsellor is None:
            raise ValidationFailed.field("counsellor", _("咨询师不存在"))
    assessment.shared_with = counsellor
    assessment.save(update_fields=["shared_with"])
    audit_record(actor=actor, action=Action.UPDATE, obj=assessment, union=assessment.union,
                 detail={"shared_with": counsellor_id})
    return assessment


# --- Crisis flags ------------------------------------------------------------------------------------------------

def _flag_visible_to(counsellor: Counsellor, flag: CrisisFlag) -> bool:
    # A flag goes to counsellors whose union contains the worker's union; an unplaced flag (anonymous, or no
    # membership) goes to every counsellor.
    return flag.union is None or counsellor.union.contains(flag.union)


@transaction.atomic
def crisis_flag_acknowledge(actor, *, flag_id: int) -> CrisisFlag:
    counsellor = _counsellor_of(actor)
    flag = (CrisisFlag.objects.select_for_update(of=("self",)).select_related("union", "assessment")
            .filter(pk=flag_id).first())
    if flag is None or not _flag_visible_to(counsellor, flag):
        raise NotFound(_("预警不存在"))
    if flag.acknowledged_at is not None:
        raise Conflict(_("该预警已由其他咨询师确认"), code="already_acknowledged")
    flag.acknowledged_at = timezone.now()
    flag.acknowledged_by = counsellor
    flag.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit_record(actor=actor, action=Action.UPDATE, obj=flag, union=flag.union,
                 detail={"acknowledged": True, "late": flag.acknowledged_at > flag.due_at})
    return flag


@transaction.atomic
def crisis_flags_escalate(*, now: dt.datetime | None = None) -> int:
    """Escalate every unacknowledged flag past its time: one level up, a new deadline, an SMS to the union staff
    on duty and an audit row. Rows are locked with SKIP LOCKED so two beat runs never escalate a flag twice."""
    now = now or timezone.now()
    late = list(CrisisFlag.objects.select_for_update(skip_locked=True, of=("self",)).select_related("union")
                .filter(acknowledged_at__isnull=True, due_at__lt=now).order_by("pk"))
    for flag in late:
        flag.escalation_level += 1
        flag.escalated_at = now
        flag.due_at = now + dt.timedelta(minutes=settings.WELLBEING_CRISIS_ACK_MINUTES)
        flag.save(update_fields=["escalation_level", "escalated_at", "due_at"])
        audit_record(actor=None, action=Action.OTHER, obj=flag, union=flag.union,
                     detail={"escalated": flag.escalation_level})
        if settings.WELLBEING_ESCALATION_PHONE:
            transaction.on_commit(lambda f=flag: sms_send(
                phone=settings.WELLBEING_ESCALATION_PHONE,
                text=f"【职工之家】心理危机预警#{f.pk}已超时未确认（第{f.escalation_level}次升级），请立即安排咨询师跟进。"))
        log.warning("crisis flag %s escalated to level %s", flag.pk, flag.escalation_level)
    return len(late)


# --- Counsellors and slots ---------------------------------------------------------------------------------------

@transaction.atomic
def _mind_station(actor, station_id: int):
    """A mind station of the stations registry that the actor may staff: open or suspended, kind mind_station, run
    by a union in the actor's subtree."""
    from zhijia.stations.models import Station, StationKind

    station = Station.objects.select_related("union").filter(pk=station_id).first()
    if station is None or not in_scope(actor, station.union):
        raise ValidationFailed.field("station", _("驿站不存在或不在管辖范围内"))
    if station.kind != StationKind.MIND_STATION:
        raise ValidationFailed.field("station", _("“%(name)s”不是职工心灵驿站") % {"name": station.name})
    return station


def mind_station_place(station) -> str:
    """Where a counsellor of this mind station meets workers in person: its name and address."""
    return f"{station.name}（{station.address}）"[:120]


def counsellor_register(actor, *, username: str, name: str, union_id: int, qualifications: str = "",
                        languages: str = "普通话", station_place: str = "", volunteer: bool = True,
                        station_id: int | None = None) -> Counsellor:
    """Union staff register a counsellor in their subtree; the counsellor gets a console account (role reviewer).
    With `station_id` the counsellor serves that mind station and in-person slots default to its address."""
    require_staff(actor, roles=(Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF))
    union = Union.objects.filter(pk=union_id).first()
    if union is None or not in_scope(actor, union):
        raise ValidationFailed.field("union", _("工会不存在或不在管辖范围内"))
    station = _mind_station(actor, station_id) if station_id else None
    if station is not None and not station_place:
        station_place = mind_station_place(station)
    if not name.strip():
        raise ValidationFailed.field("name", _("请填写姓名"))
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(username=username, role=Role.REVIEWER, union=union, display_name=name)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if Counsellor.objects.filter(user=user).exists():
        raise Conflict(_("该账号已是咨询师"), fields={"username": _("该账号已是咨询师")})
    counsellor = Counsellor.objects.create(user=user, union=union, name=name.strip(), qualifications=qualifications,
                                           languages=languages, station=station, station_place=station_place,
                                           volunteer=volunteer)
    audit_record(actor=actor, action=Action.CREATE, obj=counsellor, union=union)
    return counsellor


@transaction.atomic
def counsellor_station_set(actor, *, counsellor_id: int, station_id: int | None) -> Counsellor:
    """Staff move a counsellor in their subtree to another mind station (or none); the in-person place follows."""
    require_staff(actor, roles=(Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF))
    counsellor = Counsellor.objects.select_for_update(of=("self",)).select_related("union").filter(
        pk=counsellor_id).first()
    if counsellor is None or not in_scope(actor, counsellor.union):
        raise NotFound(_("咨询师不存在或不在管辖范围内"))
    station = _mind_station(actor, station_id) if station_id else None
    counsellor.station = station
    counsellor.station_place = mind_station_place(station) if station else ""
    counsellor.save(update_fields=["station", "station_place"])
    audit_record(actor=actor, action=Action.UPDATE, obj=counsellor, union=counsellor.union,
                 detail={"station": station.pk if station else None})
    return counsellor


@transaction.atomic
def slot_publish(actor, *, starts_at: dt.datetime, minutes: int = 50, mode: str, place: str = "") -> Slot:
    counsellor = _counsellor_of(actor)
    if mode not in Mode.values:
        raise ValidationFailed.field("mode", _("方式应为线上、电话或到站面谈"))
    if starts_at <= timezone.now():
        raise ValidationFailed.field("starts_at", _("开始时间应在将来"))
    if not 15 <= minutes <= 180:
        raise ValidationFailed.field("minutes", _("时长应在15到180分钟之间"))
    if mode == Mode.IN_PERSON and not (place or counsellor.station_place):
        raise ValidationFailed.field("place", _("到站面谈请填写地点"))
    try:
        with transaction.atomic():
            return Slot.objects.create(counsellor=counsellor, starts_at=starts_at,
                                       ends_at=starts_at + dt.timedelta(minutes=minutes), mode=mode,
                                       place=place or (counsellor.station_place if mode == Mode.IN_PERSON else ""))
    except IntegrityError:
        raise Conflict(_("该时间已有时段"), fields={"starts_at": _("该时间已有时段")})


# --- Bookings ----------------------------------------------------------------------------------------------------

def _lock_slot(slot_id: int) -> Slot | None:
    # Row lock on the slot: concurrent bookings of one slot queue here, and the second re-reads a taken slot.
    return Slot.objects.select_for_update(of=("self",)).select_related("counsellor").filter(pk=slot_id).first()


def _after_availability_check() -> None:
    """A seam for race tests (a barrier between the check and the insert). Does nothing in production."""


@transaction.atomic
def booking_create(actor, *, slot_id: int) -> Booking:
    """Book one slot for the signed-in worker.

    Under concurrent calls a slot is booked at most once: the slot row is locked (SELECT ... FOR UPDATE) before the
    availability check, and the partial unique constraint booking_one_holding_per_slot refuses a second holding
    booking even if the lock were bypassed; the loser gets a 409 either way, never a 500."""
    worker = _worker_of(actor)
    # Lock late: a slot already taken is refused without queueing on its lock (most of a burst's losers).
    if Booking.objects.filter(slot_id=slot_id, status__in=HOLDING_STATUSES).exists():
        raise Conflict(_("该时段已被预约，请选择其他时段"), code="taken", fields={"slot": _("该时段已被预约")})
    slot = _lock_slot(slot_id)
    if slot is None or slot.withdrawn or not slot.counsellor.active:
        raise ValidationFailed.field("slot", _("时段不存在"), code="not_found")
    if slot.starts_at <= timezone.now():
        raise ValidationFailed.field("slot", _("该时段已过，不能预约"), code="past")
    if Booking.objects.filter(slot=slot, status__in=HOLDING_STATUSES).exists():  # re-check under the lock
        raise Conflict(_("该时段已被预约，请选择其他时段"), code="taken", fields={"slot": _("该时段已被预约")})
    _after_availability_check()
    membership = current_membership(worker)
    try:
        with transaction.atomic():
            booking = Booking.objects.create(slot=slot, worker=worker, union=membership.union if membership else None)
    except IntegrityError:
        raise Conflict(_("该时段已被预约，请选择其他时段"), code="taken", fields={"slot": _("该时段已被预约")})
    audit_record(actor=actor, action=Action.CREATE, obj=booking, union=booking.union)
    return booking


def _own_booking(actor, booking_id: int) -> Booking:
    worker = _worker_of(actor)
    booking = (Booking.objects.select_for_update(of=("self",)).select_related("slot", "slot__counsellor")
               .filter(pk=booking_id, worker=worker).first())
    if booking is None:
        raise NotFound(_("预约不存在"))
    return booking


@transaction.atomic
def booking_cancel(actor, *, booking_id: int) -> Booking:
    booking = _own_booking(actor, booking_id)
    if booking.status != BookingStatus.BOOKED:
        raise ValidationFailed.field("booking", _("只能取消尚未开始的预约"))
    if booking.slot.starts_at <= timezone.now():
        raise ValidationFailed.field("booking", _("咨询已开始，不能取消"))
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.save(update_fields=["status", "cancelled_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=booking, union=booking.union, detail={"cancelled": True})
    return booking


@transaction.atomic
def booking_rate(actor, *, booking_id: int, rating: int, comment: str = "") -> Booking:
    booking = _own_booking(actor, booking_id)
    if booking.status != BookingStatus.ATTENDED:
        raise ValidationFailed.field("booking", _("咨询完成后才能评价"))
    if not 1 <= rating <= 5:
        raise ValidationFailed.field("rating", _("评分应为1到5"))
    if booking.rating is not None:
        raise Conflict(_("已经评价过了"), fields={"rating": _("已经评价过了")})
    booking.rating, booking.rating_comment = rating, comment[:200]
    booking.save(update_fields=["rating", "rating_comment"])
    return booking


def _counsellors_booking(actor, booking_id: int) -> tuple[Counsellor, Booking]:
    counsellor = _counsellor_of(actor)
    booking = (Booking.objects.select_for_update(of=("self",)).select_related("slot")
               .filter(pk=booking_id, slot__counsellor=counsellor).first())
    if booking is None:
        raise NotFound(_("预约不存在"))
    return counsellor, booking


@transaction.atomic
def booking_mark(actor, *, booking_id: int, outcome: str) -> Booking:
    """The counsellor records the session as attended or a no-show, once it has started."""
    _counsellor, booking = _counsellors_booking(actor, booking_id)
    if outcome not in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW):
        raise ValidationFailed.field("outcome", _("结果应为已完成或未到"))
    if booking.status != BookingStatus.BOOKED:
        raise ValidationFailed.field("booking", _("该预约已处理"))
    if booking.slot.starts_at > timezone.now():
        raise ValidationFailed.field("booking", _("咨询尚未开始"))
    booking.status = outcome
    booking.save(update_fields=["status"])
    return booking


@transaction.atomic
def session_note_write(actor, *, booking_id: int, body: str) -> SessionNote:
    _counsellor, booking = _counsellors_booking(actor, booking_id)
    if not body.strip():
        raise ValidationFailed.field("body", _("请填写咨询记录"))
    note, _created = SessionNote.objects.update_or_create(booking=booking, defaults={"body": body})
    audit_record(actor=actor, action=Action.UPDATE, obj=note, union=booking.union)
    return note


@transaction.atomic
def bookings_remind(*, now: dt.datetime | None = None) -> int:
    """Send one reminder for each booking starting within WELLBEING_REMINDER_HOURS (SMS after commit)."""
    now = now or timezone.now()
    due = list(Booking.objects.select_for_update(skip_locked=True, of=("self",)).select_related("slot", "worker")
               .filter(status=BookingStatus.BOOKED, reminded_at__isnull=True, slot__starts_at__gt=now,
                       slot__starts_at__lte=now + dt.timedelta(hours=settings.WELLBEING_REMINDER_HOURS)))
    for booking in due:
        booking.reminded_at = now
        booking.save(update_fields=["reminded_at"])
        if booking.worker.phone:
            start = timezone.localtime(booking.slot.starts_at)
            transaction.on_commit(lambda p=booking.worker.phone, s=start: sms_send(
                phone=p, text=f"【职工之家】您预约的心理咨询将于{s:%m月%d日 %H:%M}开始，如需取消请在开始前操作。"))
    return len(due)


# --- Quick consultations -----------------------------------------------------------------------------------------

@transaction.atomic
def consultation_ask(actor, *, topic: str) -> Consultation:
    worker = _worker_of(actor)
    if not topic.strip():
        raise ValidationFailed.field("topic", _("请简单说说想聊什么"))
    membership = current_membership(worker)
    try:
        with transaction.atomic():
            return Consultation.objects.create(worker=worker, topic=topic.strip()[:1000],
                                               union=membership.union if membership else None)
    except IntegrityError:
        raise Conflict(_("您已经在排队或咨询中"), fields={"topic": _("您已经在排队或咨询中")})


@transaction.atomic
def consultation_take_next(actor) -> Consultation | None:
    """The first free counsellor takes the oldest waiting consultation. SKIP LOCKED lets several counsellors take
    different ones at the same moment; the partial unique constraint keeps a counsellor to one at a time."""
    counsellor = _counsellor_of(actor)
    if Consultation.objects.filter(counsellor=counsellor, status=ConsultationStatus.TAKEN).exists():
        raise Conflict(_("请先结束当前的问诊"), code="busy_counsellor")
    item = (Consultation.objects.select_for_update(skip_locked=True)
            .filter(status=ConsultationStatus.WAITING).order_by("created_at", "pk").first())
    if item is None:
        return None
    item.status, item.counsellor, item.taken_at = ConsultationStatus.TAKEN, counsellor, timezone.now()
    try:
        with transaction.atomic():
            item.save(update_fields=["status", "counsellor", "taken_at"])
    except IntegrityError:
        raise Conflict(_("请先结束当前的问诊"), code="busy_counsellor")
    audit_record(actor=actor, action=Action.VIEW_PII, obj=item, union=item.union)
    return item


@transaction.atomic
def consultation_close(actor, *, consultation_id: int) -> Consultation:
    counsellor = _counsellor_of(actor)
    item = Consultation.objects.select_for_update().filter(pk=consultation_id, counsellor=counsellor,
                                                           status=ConsultationStatus.TAKEN).first()
    if item is None:
        raise NotFound(_("问诊不存在"))
    item.status, item.closed_at = ConsultationStatus.CLOSED, timezone.now()
    item.save(update_fields=["status", "closed_at"])
    return item


@transaction.atomic
def consultation_withdraw(actor, *, consultation_id: int) -> Consultation:
    worker = _worker_of(actor)
    item = Consultation.objects.select_for_update().filter(pk=consultation_id, worker=worker,
                                                           status=ConsultationStatus.WAITING).first()
    if item is None:
        raise NotFound(_("问诊不存在或已被接起"))
    item.status, item.closed_at = ConsultationStatus.WITHDRAWN, timezone.now()
    item.save(update_fields=["status", "closed_at"])
    return item


# --- Retention ---------------------------------------------------------------------------------------------------

@transaction.atomic
def wellbeing_purge_expired(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete mental-health data older than WELLBEING_RETENTION_DAYS: assessments (with their flags), session notes
    and quick consultations. Bookings stay (they hold no health content) so reports keep their counts."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.WELLBEING_RETENTION_DAYS)
    assessments = Assessment.objects.filter(created_at__lt=cutoff).delete()[1].get("wellbeing.Assessment", 0)
    notes = SessionNote.objects.filter(booking__slot__starts_at__lt=cutoff).delete()[0]
    consultations = Consultation.objects.filter(created_at__lt=cutoff).exclude(
        status__in=(ConsultationStatus.WAITING, ConsultationStatus.TAKEN)).delete()[0]
    counts = {"assessments": assessments, "notes": notes, "consultations": consultations}
    if any(counts.values()):
        audit_record(actor=None, action=Action.DELETE, object_type="wellbeing.retention", detail=counts)
    return counts
