"""The audit log: append-only. Rows are never updated or deleted (a trigger enforces it on PostgreSQL)."""

from django.db import models


class Action(models.TextChoices):
    CREATE = "create", "新建"
    UPDATE = "update", "修改"
    MOVE = "move", "移动"
    DELETE = "delete", "删除"
    VIEW_PII = "view_pii", "查看个人信息"
    EXPORT = "export", "导出"
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    APPROVE = "approve", "审批通过"
    REJECT = "reject", "驳回"
    IMPORT = "import", "导入"
    OTHER = "other", "其他"


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
