from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "zhijia.orgs"
    label = "orgs"
    verbose_name = "工会组织"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop as _

        from zhijia.core.nav import NavEntry, register

        register(NavEntry("home", _("首页"), "orgs:console_home", order=0))
        register(NavEntry("unions", _("组织架构"), "orgs:union_tree", order=10))
