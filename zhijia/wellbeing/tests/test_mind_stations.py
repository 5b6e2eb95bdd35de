"""Counsellors serve mind stations of the stations registry: only mind stations, only within the staff's scope."""

import datetime as dt

import pytest
from django.utils import timezone

from zhijia.core.errors import NotFound, ValidationFailed
from zhijia.wellbeing import services

HOURS = {"weekly": {"mon": [["09:00", "17:00"]]}}


def _station(actor, union, *, kind="mind_station", name="房山区职工心灵驿站"):
    from zhijia.stations.services import station_create

    return station_create(actor, union_id=union.pk, name=name, kind=kind, address="房山区良乡西路1号",
                          lat=39.7353, lng=116.1392, opening_hours=HOURS)


def test_a_counsellor_of_a_mind_station_meets_workers_at_its_address(city, staff):
    station = _station(staff.fangshan, city.fangshan)

    counsellor = services.counsellor_register(staff.fangshan, username="c_ms", name="周咨询",
                                              union_id=city.fangshan.pk, station_id=station.pk)
    slot = services.slot_publish(counsellor.user, starts_at=timezone.now() + dt.timedelta(days=1), mode="in_person")

    assert counsellor.station == station
    assert slot.place == "房山区职工心灵驿站（房山区良乡西路1号）"
    assert list(station.counsellors.all()) == [counsellor]


@pytest.mark.parametrize("which", ["warm", "sibling", "missing"])
def test_only_a_mind_station_in_scope_can_be_staffed(city, staff, which):
    if which == "warm":
        station_id = _station(staff.fangshan, city.fangshan, kind="warm_station", name="暖心驿站").pk
    elif which == "sibling":
        station_id = _station(staff.haidian, city.haidian, name="海淀区职工心灵驿站").pk
    else:
        station_id = 987654

    with pytest.raises(ValidationFailed) as err:
        services.counsellor_register(staff.fangshan, username="c_x", name="吴咨询", union_id=city.fangshan.pk,
                                     station_id=station_id)

    assert "station" in err.value.fields
    from zhijia.wellbeing.models import Counsellor

    assert not Counsellor.objects.filter(user__username="c_x").exists()


def test_staff_move_a_counsellor_to_another_station_through_the_api(api_client, city, staff, counsellor):
    station = _station(staff.fangshan, city.fangshan, name="良乡职工心灵驿站")

    r = api_client.as_user(staff.fangshan).patch(f"/api/v1/wellbeing/counsellors/{counsellor.pk}",
                                               {"station": station.pk})

    assert r.status_code == 200, r.content
    assert r.json()["station"] == station.pk and r.json()["station_place"].startswith("良乡职工心灵驿站")
    r = api_client.as_user(staff.fangshan).patch(f"/api/v1/wellbeing/counsellors/{counsellor.pk}",
                                               {"station": None})
    assert r.json()["station"] is None and r.json()["station_place"] == ""


def test_a_sibling_district_cannot_move_the_counsellor(city, staff, counsellor):
    station = _station(staff.haidian, city.haidian, name="海淀区职工心灵驿站")

    with pytest.raises(NotFound):
        services.counsellor_station_set(staff.haidian, counsellor_id=counsellor.pk, station_id=station.pk)
