from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "zhijia.orgs"
    label = "orgs"
    verbose_name = "工会组织"

    def ready(self) -> None:
        from zhijia.core.nav import NavEntry, register

        register(NavEntry("home", "首页", "orgs:console_home", order=0))
        register(NavEntry("unions", "组织架构", "orgs:union_tree", order=10))
