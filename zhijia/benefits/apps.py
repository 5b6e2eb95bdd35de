from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "zhijia.benefits"
    label = "benefits"
    verbose_name = "普惠服务"

    def ready(self) -> None:
        from zhijia.core.nav import NavEntry, register
        from zhijia.orgs.dashboard import register_counter

        register(NavEntry("benefits", "普惠服务", "benefits:console_list", order=50))
        register(NavEntry("benefits_redeem", "扫码核销", "benefits:console_redeem", order=51))
        register(NavEntry("benefits", "普惠抢票", "benefits:worker_list", order=30), worker=True)
        register(NavEntry("benefits_mine", "我的领取", "benefits:worker_mine", order=31), worker=True)
        register_counter("普惠活动", _benefit_count)


def _benefit_count(user) -> int:
    from zhijia.benefits.selectors import benefit_list

    return benefit_list(user=user).count()
