from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "zhijia.appeals"
    label = "appeals"
    verbose_name = "接诉即办"

    def ready(self) -> None:
        from zhijia.appeals.calendar import register_provider
        from zhijia.core.nav import NavEntry, register
        from zhijia.orgs.dashboard import register_counter

        register_provider()
        register(NavEntry("appeals", "接诉即办", "appeals:appeal_list", order=20))
        register(NavEntry("appeals_intake", "热线受理", "appeals:intake", order=21,
                          roles=("hotline_agent", "municipal_admin", "district_staff", "grassroots_staff")))
        register(NavEntry("appeals_rates", "三率考核", "appeals:rates", order=22))
        register(NavEntry("appeals_inbox", "消息", "appeals:inbox", order=90))
        register(NavEntry("w_appeals", "我的诉求", "appeals:my_appeals", order=20), worker=True)
        register(NavEntry("w_appeal_new", "我要反映", "appeals:worker_new", order=21), worker=True)

        def open_count(user):
            from zhijia.appeals.selectors import appeal_list

            return appeal_list(user=user, state="open").count()

        register_counter("在办诉求", open_count)
