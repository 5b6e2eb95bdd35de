from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "zhijia.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop as _

        from zhijia.core.nav import NavEntry, register

        register(NavEntry("audit", _("审计日志"), "audit:list", order=900, roles=("municipal_admin", "district_staff")))
