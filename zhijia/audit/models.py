"""The audit log: append-only. Rows are never updated or deleted (a trigger enforces it on PostgreSQL)."""

from django.db import models
from django.utils.translation import gettext_noop


class Action(models.TextChoices):
    CREATE = "create", gettext_noop("新建")
    UPDATE = "update", gettext_noop("修改")
    MOVE = "move", gettext_noop("移动")
    DELETE = "delete", gettext_noop("删除")
    VIEW_PII = "view_pii", gettext_noop("查看个人信息")
    EXPORT = "export", gettext_noop("导出")
    LOGIN = "login", gettext_noop("登录")
    LOGIN_FAILED = "login_failed", gettext_noop("登录失败")
    APPROVE = "approve", gettext_noop("审批通过")
    REJECT = "reject", gettext_noop("驳回")
    IMPORT = "import", gettext_noop("导入")
    OTHER = "other", gettext_noop("其他")


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=24, choices=Action.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    # The union the object belongs to, so admins browse the log of their subtree only (a path copy, no join).
    union_path = models.CharField(max_length=255, blank=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "审计记录"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["union_path"], name="audit_union_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit events are append-only")
