"""Workers (职工) and their membership (会员) of a union.

A worker is identified by the 身份证号 (real-name record). The ID number and phone are stored sealed
(core.crypto) and found through their keyed hashes; gender and birth date are read from the ID number.
A worker has at most one current membership (applied or admitted), enforced by a conditional unique constraint.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhijia.core.fields import EncryptedTextField
from zhijia.orgs.models import Occupation


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Worker(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="worker")
    name = models.CharField("姓名", max_length=60)
    id_number = EncryptedTextField("身份证号")
    id_number_hash = models.CharField(max_length=64, unique=True)
    phone = EncryptedTextField("手机号", blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    occupation = models.CharField("职业", max_length=24, choices=Occupation.choices, default=Occupation.OTHER)
    employer_name = models.CharField("工作单位", max_length=120, blank=True)
    employer_credit_code = models.CharField("单位统一社会信用代码", max_length=18, blank=True, db_index=True)
    work_region_code = models.CharField("工作地行政区划代码", max_length=12, blank=True, db_index=True)
    work_lat = models.FloatField("工作地纬度", null=True, blank=True)
    work_lng = models.FloatField("工作地经度", null=True, blank=True)
    home_region_code = models.CharField("居住地行政区划代码", max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "职工"
        verbose_name_plural = "职工"

    def __str__(self) -> str:
        return self.name

    @property
    def is_gig_worker(self) -> bool:
        from zhijia.orgs.models import GIG_OCCUPATIONS

        return self.occupation in GIG_OCCUPATIONS


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", "申请中"
    ADMITTED = "admitted", "在会"
    TRANSFERRED_OUT = "transferred_out", "已转出"
    LEFT = "left", "已退会"


CURRENT_STATUSES = (MembershipStatus.APPLIED, MembershipStatus.ADMITTED)


class Membership(models.Model):
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="memberships")
    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="memberships")
    member_number = models.CharField("会员编号", max_length=24, null=True, blank=True, unique=True)
    status = models.CharField("状态", max_length=20, choices=MembershipStatus.choices, default=MembershipStatus.APPLIED)
    joined_on = models.DateField("入会日期", null=True, blank=True)
    ended_on = models.DateField("终止日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "会籍"
        verbose_name_plural = "会籍"
        constraints = [
            models.UniqueConstraint(fields=["worker"], condition=Q(status__in=["applied", "admitted"]),
                                    name="membership_one_current_per_worker"),
        ]
        indexes = [models.Index(fields=["union", "status"], name="membership_union_status")]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.union}"


def member_number_for(membership: Membership) -> str:
    """The member number: the district code of the union, then the membership's id, zero-padded (unique)."""
    return f"{membership.union.region_code[:6]}{membership.pk:010d}"
