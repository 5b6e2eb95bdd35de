from django.apps import AppConfig


class StudiosConfig(AppConfig):
    name = "zhijia.studios"
    label = "studios"
    verbose_name = "创新工作室"

    def ready(self) -> None:
        from zhijia.core.nav import NavEntry, register
        from zhijia.orgs.dashboard import register_counter

        register(NavEntry("studios", "创新工作室", "studios:studio_list", order=60))
        register(NavEntry("studios", "创新工作室", "studios:worker_list", order=60), worker=True)

        def studios(user) -> int:
            from zhijia.studios.selectors import studio_counts

            return studio_counts(user=user)

        register_counter("创新工作室", studios)
