from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "zhijia.volunteers"
    label = "volunteers"
    verbose_name = "志愿服务"

    def ready(self) -> None:
        from zhijia.core.nav import NavEntry, register
        from zhijia.orgs.dashboard import register_counter

        register(NavEntry("volunteers", "志愿服务", "volunteers:console"))
        register(NavEntry("volunteers", "志愿服务", "volunteers:worker_home", order=45), worker=True)

        def person_times(user) -> int:
            from zhijia.volunteers.selectors import volunteer_stats

            return volunteer_stats(user=user)["person_times"]

        register_counter("志愿服务人次", person_times)
