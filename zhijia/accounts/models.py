"""Accounts: staff bound to one union node, and workers who sign in with phone and a one-time code."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop


class Role(models.TextChoices):
    MUNICIPAL_ADMIN = "municipal_admin", gettext_noop("市总管理员")
    DISTRICT_STAFF = "district_staff", gettext_noop("区总工作人员")
    GRASSROOTS_STAFF = "grassroots_staff", gettext_noop("基层工会干部")
    HOTLINE_AGENT = "hotline_agent", gettext_noop("12351坐席")
    REVIEWER = "reviewer", gettext_noop("评审专家")
    WORKER = "worker", gettext_noop("职工")


STAFF_ROLES = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF, Role.HOTLINE_AGENT, Role.REVIEWER)
# Roles that may see personal data unmasked (each such read is audited).
PII_ROLES = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF, Role.HOTLINE_AGENT)


class User(AbstractUser):
    role = models.CharField("角色", max_length=24, choices=Role.choices, default=Role.WORKER)
    # The node whose subtree a staff account sees; null for workers.
    union = models.ForeignKey("orgs.Union", verbose_name="所属工会", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="staff")
    # A worker's sign-in phone (11 digits); unique when set.
    phone = models.CharField("手机号", max_length=11, null=True, blank=True, unique=True)
    display_name = models.CharField("姓名", max_length=60, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=Q(role="worker") | Q(union__isnull=False), name="staff_bound_to_union"
            ),
        ]

    @property
    def is_union_staff(self) -> bool:
        return self.role in STAFF_ROLES and self.union_id is not None

    @property
    def may_see_pii(self) -> bool:
        return self.role in PII_ROLES

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)


class LoginCode(models.Model):
    """A one-time sign-in code sent to a phone. Only its hash is stored."""

    phone = models.CharField(max_length=11, db_index=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
