from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "zhijia.care"
    label = "care"
    verbose_name = "关爱帮扶"

    def ready(self) -> None:
        from zhijia.care import selectors
        from zhijia.core.nav import NavEntry, register
        from zhijia.orgs.dashboard import register_counter

        register(NavEntry("care_campaigns", "送温暖", "care:campaign_list", order=60))
        register(NavEntry("care_hardship", "困难职工", "care:hardship_list", order=61))
        register(NavEntry("care_mutual_aid", "互助保障", "care:claim_list", order=62))
        register(NavEntry("care_me", "关爱", "care:worker_home", order=60), worker=True)
        register_counter("在档困难职工", selectors.hardship_open_count)
        register_counter("待审互助理赔", selectors.claim_pending_count)
