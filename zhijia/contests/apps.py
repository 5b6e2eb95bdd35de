from django.apps import AppConfig


class ContestsConfig(AppConfig):
    name = "zhijia.contests"
    label = "contests"
    verbose_name = "技能大赛"

    def ready(self) -> None:
        from zhijia.core.nav import NavEntry, register
        from zhijia.orgs.dashboard import register_counter

        register(NavEntry("contests", "技能大赛", "contests:console"))
        register(NavEntry("contests", "技能大赛", "contests:worker_home", order=50), worker=True)

        def entries(user) -> int:
            from zhijia.contests.selectors import contest_stats

            return contest_stats(user=user)["entries"]

        register_counter("技能大赛报名人数", entries)
