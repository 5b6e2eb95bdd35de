"""Volunteers (志愿者): a registry, calls for volunteers, deployments (下沉) in batches (批次) to places, and shifts
with sign-in and sign-out that give hours and person-times (人次: one volunteer on one deployment)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Volunteer(models.Model):
    worker = models.OneToOneField("members.Worker", on_delete=models.PROTECT, related_name="volunteer")
    union = models.ForeignKey("orgs.Union", verbose_name="所属工会", on_delete=models.PROTECT, related_name="+")
    skills = models.JSONField("技能", default=list, blank=True)
    availability = models.CharField("可服务时间", max_length=120, blank=True)
    certificates = models.CharField("证书", max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"

    def __str__(self) -> str:
        return self.worker.name


class TaskKind(models.TextChoices):
    TESTING_SUPPORT = "testing_support", _("核酸检测支援")
    DISINFECTION = "disinfection", _("卫生消杀")
    KEEPING_ORDER = "keeping_order", _("秩序维持")
    GROCERY_DELIVERY = "grocery_delivery", _("买菜寄递")
    CARE = "care", _("关爱慰问")
    OTHER = "other", _("其他")


class VolunteerCall(models.Model):
    """A call for volunteers (招募): what is needed, where, when, how many."""

    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("标题", max_length=120)
    task = models.CharField("任务", max_length=20, choices=TaskKind.choices)
    place = models.CharField("地点", max_length=120)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    needed = models.PositiveIntegerField("需要人数")
    open = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "志愿者招募"


class CallSignup(models.Model):
    call = models.ForeignKey(VolunteerCall, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="signups")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "volunteer"], name="signup_once_per_call")]


class Deployment(models.Model):
    """One deployment (下沉) of a batch (批次) of volunteers to a place."""

    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="+")
    call = models.ForeignKey(VolunteerCall, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="deployments")
    title = models.CharField("任务", max_length=120)
    batch = models.PositiveSmallIntegerField("批次")
    task = models.CharField("任务类型", max_length=20, choices=TaskKind.choices, default=TaskKind.OTHER)
    place = models.CharField("地点", max_length=120)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "下沉批次"
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")),
                                              name="deployment_ends_after_start")]


class Shift(models.Model):
    """One volunteer on one deployment (one 人次); hours come from sign-in and sign-out."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="shifts")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="shifts")
    signed_in_at = models.DateTimeField(null=True, blank=True)
    signed_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "值守班次"
        constraints = [
            models.UniqueConstraint(fields=["deployment", "volunteer"], name="shift_once_per_deployment"),
            models.CheckConstraint(
                condition=Q(signed_out_at__isnull=True) | Q(signed_in_at__isnull=False,
                                                             signed_out_at__gt=F("signed_in_at")),
                name="shift_out_after_in"),
        ]

    @property
    def hours(self) -> float:
        if self.signed_in_at and self.signed_out_at:
            return round((self.signed_out_at - self.signed_in_at).total_seconds() / 3600, 2)
        return 0.0
