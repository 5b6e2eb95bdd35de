from django.apps import AppConfig


class HonorsConfig(AppConfig):
    name = "zhijia.honors"
    label = "honors"
    verbose_name = "评选与荣誉"

    def ready(self) -> None:
        from zhijia.core.nav import NavEntry, register
        from zhijia.orgs.dashboard import register_counter

        register(NavEntry("honors", "评选表彰", "honors:console"))
        register(NavEntry("honors_vote", "评选投票", "honors:worker_list", order=50), worker=True)
        register(NavEntry("honors_mine", "我的荣誉", "honors:my_honours", order=51), worker=True)

        def open_quarantine(user) -> int:
            from zhijia.honors.selectors import quarantine_count

            return quarantine_count(user=user)

        register_counter("待复核投票", open_quarantine)
