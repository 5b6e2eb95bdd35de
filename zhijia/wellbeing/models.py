"""Wellbeing (心理关爱): self-assessments (心理测评), crisis flags, counsellors and their bookings (心理咨询),
quick consultations (极速问诊) and session notes.

Mental-health data is the most sensitive the system holds: answers, consultation topics and session notes are
sealed at rest (EncryptedTextField); an anonymous assessment has no worker, no union and no address at all.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijia.core.fields import EncryptedTextField


class Scale(models.TextChoices):
    PHQ9 = "phq9", _("PHQ-9 抑郁")
    GAD7 = "gad7", _("GAD-7 焦虑")


class Assessment(models.Model):
    scale = models.CharField("量表", max_length=8, choices=Scale.choices)
    answers = EncryptedTextField("作答")  # JSON list of integers, sealed
    score = models.PositiveSmallIntegerField("总分")
    band = models.CharField("分级", max_length=24)
    crisis = models.BooleanField("危机信号", default=False)
    # Null in anonymous mode: then nothing ties the result to a person or a place.
    worker = models.ForeignKey("members.Worker", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="assessments")
    union = models.ForeignKey("orgs.Union", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    shared_with = models.ForeignKey("wellbeing.Counsellor", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="shared_assessments")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "心理测评"
        verbose_name_plural = "心理测评"
        constraints = [
            models.CheckConstraint(condition=Q(worker__isnull=False) | Q(union__isnull=True, shared_with__isnull=True),
                                   name="assessment_anonymous_has_no_links"),
        ]

    @property
    def anonymous(self) -> bool:
        return self.worker_id is None


class CrisisFlag(models.Model):
    """Raised when PHQ-9 item 9 is above 0; a counsellor must acknowledge it before `due_at`, else it escalates."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="crisis_flag")
    union = models.ForeignKey("orgs.Union", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField("应确认时限")
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey("wellbeing.Counsellor", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    escalation_level = models.PositiveSmallIntegerField("升级次数", default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "危机预警"
        indexes = [models.Index(fields=["acknowledged_at", "due_at"], name="crisis_open_due")]


class Counsellor(models.Model):
    """A (mostly volunteer) counsellor, usually of a mind station (职工心灵驿站) in the stations registry: in-person
    slots take the station's name and address as their place, and workers can find it on the stations map."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="counsellor")
    union = models.ForeignKey("orgs.Union", verbose_name="所属工会", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=60)
    qualifications = models.CharField("资质", max_length=200, blank=True)
    languages = models.CharField("语言", max_length=100, default="普通话")
    station = models.ForeignKey("stations.Station", verbose_name="心灵驿站", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="counsellors", limit_choices_to={"kind": "mind_station"})
    station_place = models.CharField("面谈地点", max_length=120, blank=True)
    volunteer = models.BooleanField("志愿者", default=True)
    active = models.BooleanField("在岗", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "心理咨询师"
        verbose_name_plural = "心理咨询师"

    def __str__(self) -> str:
        return self.name


class Mode(models.TextChoices):
    ONLINE = "online", _("线上视频")
    PHONE = "phone", _("电话")
    IN_PERSON = "in_person", _("到站面谈")


class Slot(models.Model):
    counsellor = models.ForeignKey(Counsellor, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    mode = models.CharField("方式", max_length=12, choices=Mode.choices)
    place = models.CharField("地点", max_length=120, blank=True)
    withdrawn = models.BooleanField(default=False)

    class Meta:
        verbose_name = "咨询时段"
        constraints = [
            models.UniqueConstraint(fields=["counsellor", "starts_at"], name="slot_one_per_counsellor_start"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"),
        ]
        indexes = [models.Index(fields=["starts_at"], name="slot_starts")]


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CANCELLED = "cancelled", _("已取消")
    ATTENDED = "attended", _("已完成")
    NO_SHOW = "no_show", _("未到")


HOLDING_STATUSES = ("booked", "attended", "no_show")


class Booking(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    worker = models.ForeignKey("members.Worker", on_delete=models.CASCADE, related_name="counselling_bookings")
    union = models.ForeignKey("orgs.Union", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField("状态", max_length=12, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField("评分", null=True, blank=True)
    rating_comment = models.CharField("评价", max_length=200, blank=True)

    class Meta:
        verbose_name = "咨询预约"
        constraints = [
            # The invariant "a slot is never booked twice": at most one booking per slot that holds it.
            models.UniqueConstraint(fields=["slot"], condition=Q(status__in=HOLDING_STATUSES),
                                    name="booking_one_holding_per_slot"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="booking_rating_1_5"),
        ]


class SessionNote(models.Model):
    """The counsellor's own notes on a session: sealed at rest, readable by that counsellor only."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="note")
    body = EncryptedTextField("咨询记录")
    updated_at = models.DateTimeField(auto_now=True)


class ConsultationStatus(models.TextChoices):
    WAITING = "waiting", _("排队中")
    TAKEN = "taken", _("咨询中")
    CLOSED = "closed", _("已结束")
    WITHDRAWN = "withdrawn", _("已撤回")


class Consultation(models.Model):
    """A quick consultation (极速问诊): the worker asks, the first free counsellor takes it."""

    worker = models.ForeignKey("members.Worker", on_delete=models.CASCADE, related_name="consultations")
    union = models.ForeignKey("orgs.Union", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    topic = EncryptedTextField("想聊的事")
    status = models.CharField(max_length=12, choices=ConsultationStatus.choices, default=ConsultationStatus.WAITING)
    counsellor = models.ForeignKey(Counsellor, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="consultations")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "极速问诊"
        constraints = [
            # A counsellor is busy with at most one quick consultation; a worker waits in the queue at most once.
            models.UniqueConstraint(fields=["counsellor"], condition=Q(status="taken"),
                                    name="consultation_one_taken_per_counsellor"),
            models.UniqueConstraint(fields=["worker"], condition=Q(status__in=["waiting", "taken"]),
                                    name="consultation_one_open_per_worker"),
        ]
