from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "zhijia.members"
    label = "members"
    verbose_name = "会员"

    def ready(self) -> None:
        from zhijia.core.nav import NavEntry, register
        from zhijia.orgs.dashboard import register_counter

        register(NavEntry("members", "会员", "members:dashboard", order=20))
        register(NavEntry("members_join", "入会", "members_w:join", order=10), worker=True)
        register(NavEntry("members_card", "会员卡", "members_w:card", order=11), worker=True)
        register_counter("待审核入会申请", _pending_applications)


def _pending_applications(user) -> int:
    from zhijia.members.selectors import application_queue

    return application_queue(user=user).count()
