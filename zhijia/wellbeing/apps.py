from django.apps import AppConfig


class WellbeingConfig(AppConfig):
    name = "zhijia.wellbeing"
    label = "wellbeing"
    verbose_name = "心理关爱"

    def ready(self) -> None:
        from zhijia.core.nav import NavEntry, register
        from zhijia.orgs.dashboard import register_counter

        register(NavEntry("wellbeing", "心理关爱", "wellbeing:console"))
        register(NavEntry("wellbeing", "心灵驿站", "wellbeing:worker_home", order=40), worker=True)

        def open_crisis_flags(user) -> int:
            from zhijia.wellbeing.selectors import crisis_flag_list

            return crisis_flag_list(user=user).filter(acknowledged_at__isnull=True).count()

        register_counter("待确认心理危机预警", open_crisis_flags)
