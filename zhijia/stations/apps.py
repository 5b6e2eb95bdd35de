from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "zhijia.stations"
    label = "stations"
    verbose_name = "服务站点"

    def ready(self) -> None:
        from zhijia.core.nav import NavEntry, register
        from zhijia.orgs.dashboard import register_counter

        register(NavEntry("stations", "服务站点", "stations:station_list", order=40))
        register(NavEntry("stations_map", "找驿站", "stations:worker_map", order=20), worker=True)
        register_counter("开放站点", _open_stations)
        register_counter("逾期整改", _overdue_follow_ups)


def _open_stations(user) -> int:
    from zhijia.orgs.selectors import scoped
    from zhijia.stations.models import Station, StationStatus

    return scoped(Station.objects.filter(status=StationStatus.OPEN), user).count()


def _overdue_follow_ups(user) -> int:
    from zhijia.stations.selectors import follow_up_list

    return follow_up_list(user=user, overdue=True).count()
