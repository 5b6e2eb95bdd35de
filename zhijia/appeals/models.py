"""Appeals (诉求, 接诉即办): one request from a worker, through receive, dispatch, handle, supervise and evaluate.

An appeal is accountable to its receiving unit (首接负责) until a handling unit accepts it; from then on to the
handling unit. Every transition is an `AppealEvent`. Numbers are readable on the phone ("12351-20261123-00042"):
channel prefix, day, and a gap-free daily sequence kept in `AppealNumberCounter` (one locked row per prefix and day).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    HOTLINE_12351 = "hotline_12351", _("12351热线")
    HOTLINE_12345 = "hotline_12345", _("12345市民热线")
    APP = "app", _("职工之家App")
    MAILBOX = "mailbox", _("工会主席信箱")
    WALK_IN = "walk_in", _("来访")
    FORUM = "forum", _("恳谈会")
    VISIT = "visit", _("基层走访")


# The prefix of the readable number per channel.
CHANNEL_PREFIX = {
    Channel.HOTLINE_12351: "12351", Channel.HOTLINE_12345: "12345", Channel.APP: "APP", Channel.MAILBOX: "MB",
    Channel.WALK_IN: "WI", Channel.FORUM: "FR", Channel.VISIT: "VS",
}


class Urgency(models.TextChoices):
    URGENT = "urgent", _("紧急")
    NORMAL = "normal", _("一般")


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    ACCEPTED = "accepted", _("已签收")
    IN_PROGRESS = "in_progress", _("办理中")
    WAITING = "waiting", _("待职工补充")
    ANSWERED = "answered", _("已答复")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已合并")


OPEN_STATUSES = (Status.RECEIVED, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING,
                 Status.ANSWERED)


class LimitUnit(models.TextChoices):
    CLOCK_HOURS = "clock_hours", _("小时（全天候）")
    WORK_HOURS = "work_hours", _("工作小时")
    WORKDAYS = "workdays", _("工作日")


class Category(models.Model):
    """The editable category tree; the top-level codes are fixed by the API contract, sub-categories are data."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # A consultation (policy question) has a shorter answer limit; see TimeLimit.
    kind = models.CharField("性质", max_length=16, default="ordinary",
                            choices=[("ordinary", "一般诉求"), ("consultation", "咨询")])
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "诉求类别"

    def __str__(self) -> str:
        return self.name

    @property
    def top(self) -> Category:
        return self.parent if self.parent_id else self


class TimeLimit(models.Model):
    """How long a unit has to respond and to resolve: by urgency, optionally for one category (else the default)."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="limits")
    urgency = models.CharField("紧急程度", max_length=8, choices=Urgency.choices)
    respond_amount = models.PositiveIntegerField("响应时限")
    respond_unit = models.CharField(max_length=12, choices=LimitUnit.choices)
    resolve_amount = models.PositiveIntegerField("办结时限")
    resolve_unit = models.CharField(max_length=12, choices=LimitUnit.choices)
    remind_before_hours = models.PositiveIntegerField("提前提醒(小时)", default=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "urgency"], name="timelimit_one_per_category",
                                               nulls_distinct=False)]


class WorkingHours(models.Model):
    """A unit's working hours; a unit without its own uses its nearest ancestor's, else 09:00–17:30."""

    union = models.OneToOneField("orgs.Union", on_delete=models.CASCADE, related_name="working_hours")
    start = models.TimeField("上班时间")
    end = models.TimeField("下班时间")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="hours_end_after_start")]


class CalendarDay(models.Model):
    """A staff-entered day of a year's holiday arrangement (the library may lag): a holiday or a 调休 working day."""

    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("上班")
    name = models.CharField("说明", max_length=40, blank=True)


class CalendarYear(models.Model):
    """A year whose arrangement staff entered in full: its days are weekends plus the CalendarDay entries."""

    year = models.PositiveSmallIntegerField(unique=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)


class AppealNumberCounter(models.Model):
    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="appeal_counter_prefix_day")]


CLOSE_OUTCOMES_LABELS = [("resolved", _("已解决")), ("explained", _("已解释说明")), ("unresolvable", _("无法解决")),
                         ("first_contact", _("当场解答"))]


class RatingStatus(models.TextChoices):
    PENDING = "pending", _("待回访")
    RATED = "rated", _("已回访")
    UNRATED = "unrated", _("未评价")


class Appeal(models.Model):
    number = models.CharField("编号", max_length=24, unique=True)
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    external_number = models.CharField("外部工单号", max_length=40, null=True, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="appeals")
    urgency = models.CharField("紧急程度", max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    worker = models.ForeignKey("members.Worker", on_delete=models.PROTECT, related_name="appeals")
    text = models.TextField("诉求内容")
    region_code = models.CharField("发生地", max_length=12, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.RECEIVED)
    receiving_union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="+")
    handling_union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="handled_appeals")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    received_at = models.DateTimeField("受理时间", db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField("首次响应", null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField("响应期限")
    resolve_by = models.DateTimeField("办结期限")
    respond_unit = models.CharField(max_length=12, choices=LimitUnit.choices)
    resolve_unit = models.CharField(max_length=12, choices=LimitUnit.choices)
    paused_at = models.DateTimeField(null=True, blank=True)
    reminded_respond = models.BooleanField(default=False)
    reminded_resolve = models.BooleanField(default=False)
    escalated_respond = models.BooleanField(default=False)
    escalated_resolve = models.BooleanField(default=False)
    return_count = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    answer = models.TextField("答复", blank=True)
    outcome = models.CharField("办结结果", max_length=16, blank=True, choices=CLOSE_OUTCOMES_LABELS)
    rating_status = models.CharField(max_length=8, choices=RatingStatus.choices, default=RatingStatus.PENDING)
    rated_at = models.DateTimeField(null=True, blank=True)
    rating_resolved = models.BooleanField("是否解决", null=True, blank=True)
    rating_satisfied = models.BooleanField("是否满意", null=True, blank=True)
    rating_comment = models.CharField("评价", max_length=500, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "诉求"
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_number"], condition=Q(external_number__isnull=False),
                                    name="appeal_external_number_once"),
            models.CheckConstraint(condition=Q(return_count__lte=1), name="appeal_returned_at_most_once"),
        ]
        indexes = [
            models.Index(fields=["handling_union", "received_at"], name="appeal_unit_received"),
            models.Index(fields=["status", "respond_by"], name="appeal_status_respond_by"),
            models.Index(fields=["status", "resolve_by"], name="appeal_status_resolve_by"),
            models.Index(fields=["worker", "received_at"], name="appeal_worker_received"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AppealEvent(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField(max_length=60, blank=True)
    union = models.ForeignKey("orgs.Union", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class MessageKind(models.TextChoices):
    NOTE = "note", _("内部备注")
    TO_WORKER = "to_worker", _("致职工")
    FROM_WORKER = "from_worker", _("职工留言")
    CONTACT = "contact", _("联系记录")


class AppealMessage(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, choices=MessageKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(max_length=60, blank=True)
    text = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class AppealAttachment(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="appeals/%Y/%m/")
    name = models.CharField(max_length=120)
    uploaded_at = models.DateTimeField(auto_now_add=True)


class IdempotencyRecord(models.Model):
    """One intake request per (caller, key): the body's hash and the appeal it made."""

    key = models.CharField(max_length=100)
    caller = models.CharField(max_length=80)
    body_hash = models.CharField(max_length=64)
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="idempotency_once_per_caller")]


class AssignMode(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("轮流分配")
    LEAST_LOADED = "least_loaded", _("最少在办优先")


class DispatchRule(models.Model):
    """Category and place → handling union. The most specific active rule wins (longest region prefix, a category
    over none, then `priority`)."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    region_prefix = models.CharField("地区代码前缀", max_length=12, blank=True)
    handling_union = models.ForeignKey("orgs.Union", on_delete=models.CASCADE, related_name="+")
    owner_union = models.ForeignKey("orgs.Union", on_delete=models.CASCADE, related_name="+")
    assign_mode = models.CharField(max_length=16, choices=AssignMode.choices, default=AssignMode.ROUND_ROBIN)
    priority = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)


class UnitRotation(models.Model):
    """Round-robin position inside a unit: the last handler given a case. Locked while choosing the next."""

    union = models.OneToOneField("orgs.Union", on_delete=models.CASCADE, related_name="+")
    last_handler_id = models.BigIntegerField(null=True)


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("已放弃")


class OutboxMessage(models.Model):
    """A status change owed to the city's 12345 system; sent by a periodic job with retries and backoff."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="outbox")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)


class DeliveryAttempt(models.Model):
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    detail = models.CharField(max_length=300, blank=True)


class SeenSignature(models.Model):
    """12345 request signatures already used: a replay of the same signed request is refused."""

    signature = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField(auto_now_add=True, db_index=True)


class Notification(models.Model):
    """The in-app inbox, for staff and workers alike."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=300)
    appeal = models.ForeignKey(Appeal, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
