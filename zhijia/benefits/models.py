"""普惠 benefits: offers to members (park passes, drama tickets, goods) and the claims on them.

Invariants held by the database itself (whatever path wrote the row):
- each confirmed or redeemed claim holds one unit number in 1..units, and no unit number is held twice
  (`claim_one_holder_per_unit`): no unit is ever sold twice;
- each active claim of a member takes one slot in 1..per_member_limit, and no slot is held twice
  (`claim_one_active_per_member_slot`): no member ever holds more than the limit;
- one waiting-list (or lottery) entry per member per offer; one claim per idempotency key per member.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_noop


def _new_gate_id() -> str:
    return secrets.token_hex(6)


# Choice labels are marked with gettext_noop, not gettext_lazy: they stay plain Chinese strings here (the API, the
# exports and the Excel import's label-to-code mapping read them as they are); the pages translate them on display.
class BenefitKind(models.TextChoices):
    TICKET = "ticket", gettext_noop("演出票")
    PASS = "pass", gettext_noop("公园年票/通行证")
    GOODS = "goods", gettext_noop("实物")


class BenefitMode(models.TextChoices):
    FCFS = "fcfs", gettext_noop("先到先得")
    LOTTERY = "lottery", gettext_noop("报名抽签")


class Benefit(models.Model):
    title = models.CharField("名称", max_length=120)
    kind = models.CharField("类型", max_length=16, choices=BenefitKind.choices)
    description = models.TextField("说明", blank=True)
    image_url = models.CharField("图片", max_length=300, blank=True)
    owner_union = models.ForeignKey("orgs.Union", verbose_name="发布工会", on_delete=models.PROTECT,
                                    related_name="benefits")
    units = models.PositiveIntegerField("名额")
    per_member_limit = models.PositiveSmallIntegerField("每人限领", default=1)
    mode = models.CharField("方式", max_length=16, choices=BenefitMode.choices, default=BenefitMode.FCFS)
    release_at = models.DateTimeField("开抢/报名开始时间")
    closes_at = models.DateTimeField("截止时间")
    registration_closes_at = models.DateTimeField("报名截止", null=True, blank=True)
    draw_at = models.DateTimeField("开奖时间", null=True, blank=True)
    # Eligibility: members in good standing of this union's subtree (the owner's when empty) ...
    eligible_union = models.ForeignKey("orgs.Union", verbose_name="限定工会范围", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    # ... and, when not empty, only these occupations (e.g. the new-form workers).
    eligible_occupations = models.JSONField("限定职业", default=list, blank=True)
    # ... and, when not empty, only holders of one of these honours (honors.HonourKind: e.g. model workers, 劳模).
    eligible_honours = models.JSONField("限定荣誉", default=list, blank=True)
    redemption_place = models.CharField("核销地点", max_length=200, blank=True)
    redeem_from = models.DateTimeField("核销开始", null=True, blank=True)
    redeem_until = models.DateTimeField("核销截止", null=True, blank=True)
    hold_hours = models.PositiveIntegerField("未核销保留(小时)", default=72)
    # Lottery: sha256(seed) is published when registration opens; the seed itself only at the draw.
    seed_hash = models.CharField(max_length=64, blank=True)
    seed = models.CharField(max_length=64, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    # Names this offer's keys in Redis, so keys never outlive or collide with another database's offer.
    gate_id = models.CharField(max_length=12, default=_new_gate_id, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Withdrawn before it opened (services.benefit_withdraw): gone from the members' lists, refuses claims.
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_reason = models.CharField("撤回原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "普惠服务"
        verbose_name_plural = "普惠服务"
        ordering = ["-release_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(units__gte=1), name="benefit_units_positive"),
            models.CheckConstraint(condition=Q(per_member_limit__gte=1), name="benefit_limit_positive"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("release_at")), name="benefit_closes_after_release"),
        ]
        indexes = [models.Index(fields=["release_at"], name="benefit_release")]

    def __str__(self) -> str:
        return self.title

    @property
    def union(self):
        return self.owner_union

    @property
    def is_lottery(self) -> bool:
        return self.mode == BenefitMode.LOTTERY


class ClaimStatus(models.TextChoices):
    CONFIRMED = "confirmed", gettext_noop("已抢到")
    WAITLISTED = "waitlisted", gettext_noop("候补中")
    REGISTERED = "registered", gettext_noop("已报名")
    REDEEMED = "redeemed", gettext_noop("已核销")
    CANCELLED = "cancelled", gettext_noop("已取消")
    EXPIRED = "expired", gettext_noop("已过期")
    LOST = "lost", gettext_noop("未中签")


# A claim in these states holds a unit and a member slot.
HOLDING = (ClaimStatus.CONFIRMED, ClaimStatus.REDEEMED)
# A claim in these states is still in line for a unit (one per member per offer).
QUEUED = (ClaimStatus.WAITLISTED, ClaimStatus.REGISTERED)


class Claim(models.Model):
    """One member's claim on one unit of a benefit (抢票 / 网络预约), or their place in line for one."""

    # Every index is written by each claim at a release (mostly waiting-list rows), so there are no redundant ones:
    # benefit is served by claim_benefit_status, user by claim_user_status and the Idempotency-Key constraint.
    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="claims", db_index=False)
    worker = models.ForeignKey("members.Worker", on_delete=models.PROTECT, related_name="benefit_claims")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="benefit_claims",
                             db_index=False)
    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="+",
                              help_text="the member's union when claiming")
    status = models.CharField("状态", max_length=16, choices=ClaimStatus.choices)
    unit = models.PositiveIntegerField(null=True, blank=True)
    slot = models.PositiveSmallIntegerField(null=True, blank=True)
    # Copied from the offer at claim time so the check constraints can see them.
    units_at_claim = models.PositiveIntegerField()
    limit_at_claim = models.PositiveSmallIntegerField()
    # Waiting list / lottery order: the lower the earlier (the draw rank for a lottery).
    position = models.BigIntegerField(null=True, blank=True)
    entrant_code = models.CharField(max_length=16, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    nonce = models.CharField(max_length=8, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    hold_until = models.DateTimeField(null=True, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False)  # claim_redeemed_by: only redeemed rows
    redeemed_place = models.CharField(max_length=200, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "领取记录"
        verbose_name_plural = "领取记录"
        constraints = [
            # No unit sold twice.
            models.UniqueConstraint(fields=["benefit", "unit"], condition=Q(status__in=["confirmed", "redeemed"]),
                                    name="claim_one_holder_per_unit"),
            # No member over the limit: one holder per (member, slot), slots 1..limit.
            models.UniqueConstraint(fields=["benefit", "worker", "slot"],
                                    condition=Q(status__in=["confirmed", "redeemed"]),
                                    name="claim_one_active_per_member_slot"),
            models.CheckConstraint(
                condition=~Q(status__in=["confirmed", "redeemed"])
                | (Q(unit__gte=1) & Q(unit__lte=F("units_at_claim")) & Q(slot__gte=1)
                   & Q(slot__lte=F("limit_at_claim"))),
                name="claim_holder_has_unit_and_slot"),
            models.UniqueConstraint(fields=["benefit", "worker"], condition=Q(status__in=["waitlisted", "registered"]),
                                    name="claim_one_queued_per_member"),
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="claim_one_per_idempotency_key"),
        ]
        indexes = [
            models.Index(fields=["benefit", "status"], name="claim_benefit_status"),
            # The holds to expire (services.holds_expire): only confirmed rows are in it.
            models.Index(fields=["hold_until"], condition=Q(status="confirmed"), name="claim_hold_due"),
            models.Index(fields=["redeemed_by"], condition=Q(redeemed_by__isnull=False), name="claim_redeemed_by"),
            models.Index(fields=["user", "status"], name="claim_user_status"),
        ]

    def __str__(self) -> str:
        return f"{self.benefit} · {self.worker}"


class RefusalReason(models.TextChoices):
    NOT_MEMBER = "not_member", gettext_noop("非在会会员")
    NOT_ELIGIBLE = "not_eligible", gettext_noop("不符合领取条件")
    NOT_OPEN = "not_open", gettext_noop("未开始")
    CLOSED = "closed", gettext_noop("已截止")
    OVER_LIMIT = "over_limit", gettext_noop("超过每人限领")
    THROTTLED = "throttled", gettext_noop("请求过于频繁")
    KEY_REUSED = "key_reused", gettext_noop("幂等键被不同请求复用")


class ClaimRefusal(models.Model):
    """A refused claim attempt: the abuse log staff can read."""

    benefit = models.ForeignKey(Benefit, null=True, on_delete=models.CASCADE, related_name="refusals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    reason = models.CharField(max_length=16, choices=RefusalReason.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "拒绝记录"
        indexes = [models.Index(fields=["benefit", "at"], name="refusal_benefit_at")]
