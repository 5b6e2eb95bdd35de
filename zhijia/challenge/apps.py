from django.apps import AppConfig


class ChallengeConfig(AppConfig):
    name = "zhijia.challenge"
    label = "challenge"
    verbose_name = "线上运动挑战赛"

    def ready(self) -> None:
        from zhijia.core.nav import NavEntry, register
        from zhijia.orgs.dashboard import register_counter

        register(NavEntry("challenge", "运动挑战赛", "challenge:console"))
        register(NavEntry("challenge", "运动挑战赛", "challenge:worker_home", order=47), worker=True)

        def participants(user) -> int:
            from zhijia.challenge.selectors import participant_count

            return participant_count(user=user)

        register_counter("挑战赛参赛人数", participants)
