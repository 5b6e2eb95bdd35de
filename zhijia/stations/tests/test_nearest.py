"""The nearest search returns exactly what a brute-force scan returns, for any stations and any query."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhijia.stations import hours, selectors
from zhijia.stations.models import Amenity, StationKind
from zhijia.stations.tests.conftest import ALWAYS, OFFICE

OVERNIGHT = {"weekly": {d: [["18:00", "07:00+1"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
SCHEDULES = [ALWAYS, OFFICE, OVERNIGHT]
KINDS = [StationKind.WARM_STATION, StationKind.WORKERS_HOME, StationKind.MIND_STATION]


class Rollback(Exception):
    pass


def _filters(kind, amenities, open_now):
    return selectors.nearest_filters(kind=kind, amenities=list(amenities), open_now=open_now)


def _same(lat, lng, filters, limit, at):
    fast = selectors.nearest_hits(lat, lng, filters=filters, limit=limit, at=at)
    slow = selectors.nearest_scan(lat, lng, filters=filters, limit=limit, at=at)
    assert [(h.id, h.distance_m, h.open_now) for h in fast] == [(h.id, h.distance_m, h.open_now) for h in slow]
    return fast


station_st = st.tuples(
    st.floats(39.60, 39.90), st.floats(115.95, 116.35),  # around 房山, clustered enough to share cells
    st.sampled_from(KINDS), st.sets(st.sampled_from(Amenity.values[:4]), max_size=3),
    st.sampled_from(range(len(SCHEDULES))), st.booleans())
query_st = st.tuples(
    st.floats(39.55, 39.95), st.floats(115.9, 116.4), st.sampled_from([None, *KINDS]),
    st.sets(st.sampled_from(Amenity.values[:4]), max_size=2), st.booleans(), st.integers(1, 12),
    st.datetimes(min_value=dt.datetime(2026, 9, 28), max_value=dt.datetime(2026, 10, 10)))


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(stations=st.lists(station_st, max_size=30), queries=st.lists(query_st, min_size=1, max_size=5),
       duplicate=st.booleans())
def test_nearest_equals_brute_force_for_any_stations(fangshan_staff, make_station, stations, queries, duplicate):
    try:
        with transaction.atomic():
            for lat, lng, kind, amenities, schedule, suspended in stations:
                make_station(fangshan_staff, lat=lat, lng=lng, kind=kind, amenities=sorted(amenities),
                             opening_hours=SCHEDULES[schedule], status="suspended" if suspended else "open")
                if duplicate:  # the same spot twice: ties are broken by id
                    make_station(fangshan_staff, lat=lat, lng=lng, kind=kind, amenities=sorted(amenities),
                                 opening_hours=SCHEDULES[schedule])
            for lat, lng, kind, amenities, open_now, limit, when in queries:
                _same(lat, lng, _filters(kind, amenities, open_now), limit, when.replace(tzinfo=hours.SHANGHAI))
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=query_st, far=st.booleans())
def test_nearest_equals_brute_force_on_a_city_of_stations(city_stations, query, far):
    lat, lng, kind, amenities, open_now, limit, when = query
    if far:  # far from every station (上海): the search must widen to the whole city
        lat, lng = 31.23, 121.47
    hits = _same(lat, lng, _filters(kind, amenities, open_now), limit, when.replace(tzinfo=hours.SHANGHAI))
    assert all(a.distance_m <= b.distance_m for a, b in itertools.pairwise(hits))


@pytest.fixture
def city_stations(django_db_blocker, django_db_setup, request):
    """300 stations: dense in 良乡, sparse across 房山 (built once for the module, removed after)."""
    from zhijia.accounts.models import User
    from zhijia.orgs.models import Kind, Level, Union
    from zhijia.orgs.services import _insert
    from zhijia.stations import services
    from zhijia.stations.models import Station

    with django_db_blocker.unblock():
        root = _insert(Union(parent=None, name="近邻测试市总", level=Level.MUNICIPAL, kind=Kind.FEDERATION,
                             region_code="110000"))
        staff = User.objects.create(username="nearest_staff", role="district_staff", union=root)
        rnd = random.Random(7)
        for i in range(300):
            if i % 3:
                lat, lng = 39.73 + rnd.gauss(0, 0.01), 116.14 + rnd.gauss(0, 0.01)
            else:
                lat, lng = rnd.uniform(39.55, 39.95), rnd.uniform(115.9, 116.4)
            services.station_create(
                staff, union_id=root.pk, name=f"驿站{i}", kind=rnd.choice(KINDS), address="房山",
                lat=lat, lng=lng, opening_hours=rnd.choice(SCHEDULES),
                amenities=rnd.sample(Amenity.values[:4], rnd.randint(0, 3)),
                status="open" if i % 10 else "suspended")
    yield
    with django_db_blocker.unblock():
        Station.objects.filter(union=root).delete()
        from django.db import connection

        from zhijia.audit.models import AuditEvent

        # This fixture wrote outside the test transaction, so it removes its own rows, audit events included;
        # on PostgreSQL the append-only trigger has to stand aside for that one statement (the test role is a
        # superuser; replica mode skips ordinary triggers for this session only).
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = replica")
            try:
                AuditEvent.objects.filter(actor=staff).delete()
            finally:
                if connection.vendor == "postgresql":
                    cursor.execute("SET session_replication_role = DEFAULT")
        staff.delete()
        root.delete()


@pytest.mark.django_db
def test_nearest_is_sorted_with_distances_and_respects_filters(fangshan_staff, make_station):
    near = make_station(fangshan_staff, lat=39.7360, lng=116.1392, amenities=["microwave"])
    far = make_station(fangshan_staff, lat=39.7453, lng=116.1392, amenities=["microwave", "tyre_pump"])
    make_station(fangshan_staff, lat=39.7354, lng=116.1392, amenities=["seats"], status="closed")
    found = selectors.station_nearest(lat=39.7353, lng=116.1392, amenities=["microwave"], limit=5)
    assert [s.id for s in found] == [near.id, far.id]
    assert found[0].distance_m == pytest.approx(77.8, abs=0.5)
    assert found[1].distance_m == pytest.approx(1112, abs=2)
    pumps = selectors.station_nearest(lat=39.7353, lng=116.1392, amenities=["microwave", "tyre_pump"], limit=5)
    assert [s.id for s in pumps] == [far.id]


@pytest.mark.django_db
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lat=st.floats(39.55, 39.95), lng=st.floats(115.9, 116.4), reach=st.sampled_from([50.0, 300.0, 800.0, 5000.0]))
def test_coverage_reach_test_agrees_with_the_nearest_search(city_stations, lat, lng, reach):
    within_reach = selectors._open_station_grid(reach)
    hit = selectors.nearest_hits(lat, lng, filters=selectors.NearestFilters(), limit=1, max_distance_m=reach)
    assert within_reach(lat, lng) == bool(hit)
