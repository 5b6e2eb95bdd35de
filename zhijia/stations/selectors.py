"""Reads of the stations subsystem. Staff reads go through orgs.selectors.scoped(); the nearest search and the open
data are the public face (every open station of the city, whoever owns it)."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijia.core.errors import NotFound, ValidationFailed
from zhijia.core.i18n import listed
from zhijia.orgs.selectors import require_staff, scoped
from zhijia.stations import geo, hours
from zhijia.stations.models import (
    AMENITY_BITS,
    CheckIn,
    FollowUp,
    FollowUpStatus,
    Inspection,
    Station,
    StationKind,
    StationStatus,
)
from zhijia.stations.services import validate_amenities

# Resolutions searched, fine first: (resolution, field, centre-to-centre spacing of cells in metres, most rings).
# Past the last, a filtered scan of every station ends the search.
_LEVELS = ((geo.FINE_RES, "cell_fine", 531.4 * math.sqrt(3), 8),
           (geo.COARSE_RES, "cell_coarse", 3724.5 * math.sqrt(3), 24))
_COLUMNS = ("id", "lat", "lng", "hours_json")


@dataclass(frozen=True)
class NearestFilters:
    kind: str | None = None
    amenities: tuple[str, ...] = ()
    open_now: bool = False

    @property
    def mask(self) -> int:
        return sum(AMENITY_BITS[a] for a in self.amenities)


@dataclass
class Hit:
    id: int
    distance_m: float
    open_now: bool


def nearest_filters(*, kind: str | None, amenities: list[str] | None, open_now: bool) -> NearestFilters:
    if kind and kind not in StationKind.values:
        raise ValidationFailed.field("kind", _("站点类型“%(kind)s”不存在，可选：%(options)s")
                                     % {"kind": kind, "options": listed(StationKind.values)})
    codes = validate_amenities(amenities or [], field="amenity")
    return NearestFilters(kind=kind or None, amenities=tuple(codes), open_now=bool(open_now))


def _base(filters: NearestFilters) -> QuerySet:
    """Open stations matching kind and amenities (the ORM form, for the scan)."""
    qs = Station.objects.filter(status=StationStatus.OPEN)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.amenities:
        mask = filters.mask
        qs = qs.annotate(_has=F("amenity_mask").bitand(mask)).filter(_has=mask)
    return qs.annotate(hours_json=Cast("opening_hours", TextField()))


def _fetch_cells(filters: NearestFilters, field: str, cells: list[int]):
    """Rows (id, lat, lng, opening hours as JSON text) of matching open stations in `cells`.

    Raw SQL because this runs several times per search and the ORM's query building costs more than the indexed
    lookup itself; the cell list is one array parameter on PostgreSQL (one plan for any number of cells), an IN list
    on SQLite. Every value is a bound parameter; `field` is one of the two index columns, never user input.
    """
    assert field in ("cell_fine", "cell_coarse")
    table = Station._meta.db_table
    where, params = ["status = %s"], [StationStatus.OPEN.value]
    if filters.kind:
        where.append("kind = %s")
        params.append(filters.kind)
    if filters.amenities:
        where.append("(amenity_mask & %s) = %s")
        params += [filters.mask, filters.mask]
    if connection.vendor == "postgresql":
        where.append(f"{field} = ANY(%s)")
        params.append(cells)
        hours_sql = "opening_hours::text"
    else:
        where.append(f"{field} IN ({', '.join(['%s'] * len(cells))})")
        params += cells
        hours_sql = "opening_hours"
    sql = f"SELECT id, lat, lng, {hours_sql} FROM {table} WHERE {' AND '.join(where)}"  # noqa: S608 - see docstring
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class _Search:
    """The state of one nearest search: every station seen (matching or not) and the open-now answers by schedule."""

    def __init__(self, lat: float, lng: float, filters: NearestFilters, at: dt.datetime):
        self.lat, self.lng, self.filters, self.at = lat, lng, filters, at
        self.seen: dict[int, Hit | None] = {}
        self._open: dict[str, bool] = {}

    def is_open(self, hours_json: str) -> bool:
        known = self._open.get(hours_json)
        if known is None:
            known = self._open[hours_json] = hours.is_open(json.loads(hours_json), self.at)
        return known

    def add(self, rows) -> None:
        for sid, slat, slng, hours_json in rows:
            if sid in self.seen:
                continue
            now_open = self.is_open(hours_json)
            if self.filters.open_now and not now_open:
                self.seen[sid] = None  # seen, not a match
                continue
            self.seen[sid] = Hit(sid, geo.haversine_m(self.lat, self.lng, slat, slng), now_open)

    def ranked(self) -> list[Hit]:
        return sorted((h for h in self.seen.values() if h is not None), key=lambda h: (h.distance_m, h.id))


def _rings_for(radius_m: float, spacing_m: float) -> int:
    """Rings of cells whose disk reaches about `radius_m` (the covered radius is then checked exactly)."""
    return max(1, math.ceil(radius_m / spacing_m) + 1)


def nearest_hits(lat: float, lng: float, *, filters: NearestFilters, limit: int, at: dt.datetime | None = None,
                 max_distance_m: float | None = None) -> list[Hit]:
    """The `limit` nearest open stations matching `filters`, ties broken by id: exactly what a scan would return.

    Disks of H3 cells around the query's cell are fetched (only the cells not fetched yet). After each fetch the
    radius the disk is proven to cover (geo.covered_radius_m) is compared with the limit-th distance found: when it
    is larger, nothing outside the disk can be nearer and the answer is final. Otherwise the next disk is sized from
    the density seen so far (so a sparse filter jumps ahead instead of crawling ring by ring), moving to the coarse
    cells when the fine ones would need too many rings, and to a filtered scan of every station past those.
    """
    search = _Search(lat, lng, filters, at or timezone.now())
    for res, field, spacing, max_k in _LEVELS:
        centre = geo.cell_of(lat, lng, res)
        done, k = 0, 1  # rings fetched so far at this resolution (0: none), next disk
        while k <= max_k:
            if done == 0:
                cells = geo.disk(centre, k)
            else:
                cells = [c for r in range(done + 1, k + 1) for c in geo.ring(centre, r)]
            search.add(_fetch_cells(filters, field, cells))
            done = k
            ranked = search.ranked()
            covered = geo.covered_radius_m(lat, lng, centre, k)
            if max_distance_m is not None and covered > max_distance_m:
                return [h for h in ranked if h.distance_m <= max_distance_m][:limit]
            if len(ranked) >= limit and ranked[limit - 1].distance_m < covered:
                return ranked[:limit]
            if len(ranked) >= limit:
                need = ranked[limit - 1].distance_m
            elif ranked:
                # Matches grow with the area: enough of them lie within about sqrt(limit / found) times as far.
                need = covered * math.sqrt(1.5 * limit / len(ranked))
            else:
                need = covered * 3
            if max_distance_m is not None:
                need = min(need, max_distance_m)
            k = max(k + 1, _rings_for(need, spacing))
    search.add(_base(filters).values_list(*_COLUMNS))
    ranked = search.ranked()
    if max_distance_m is not None:
        ranked = [h for h in ranked if h.distance_m <= max_distance_m]
    return ranked[:limit]


def nearest_scan(lat: float, lng: float, *, filters: NearestFilters, limit: int,
                 at: dt.datetime | None = None) -> list[Hit]:
    """Brute force: every matching station, its exact distance, sorted. The reference `nearest_hits` must equal."""
    search = _Search(lat, lng, filters, at or timezone.now())
    search.add(_base(filters).values_list(*_COLUMNS))
    return search.ranked()[:limit]


def station_nearest(*, lat, lng, kind: str | None = None, amenities: list[str] | None = None,
                    open_now: bool = False, limit: int = 10, at: dt.datetime | None = None) -> list[Station]:
    """Stations with `distance_m` and `open_now` set, nearest first."""
    lat, lng = geo.validate_point(lat, lng)
    max_limit = settings.STATIONS_NEAREST_MAX_LIMIT
    if not isinstance(limit, int) or not 1 <= limit <= max_limit:
        raise ValidationFailed.field("limit", _("limit 应在1到%(max)s之间") % {"max": max_limit},
                                     code="limit_too_large")
    filters = nearest_filters(kind=kind, amenities=amenities, open_now=open_now)
    hits = nearest_hits(lat, lng, filters=filters, limit=limit, at=at)
    by_id = Station.objects.select_related("union").in_bulk([h.id for h in hits])
    out = []
    for h in hits:
        station = by_id[h.id]
        station.distance_m = round(h.distance_m, 1)
        station.open_now = h.open_now
        out.append(station)
    return out


def with_open_now(stations, at: dt.datetime | None = None):
    at = at or timezone.now()
    for s in stations:
        s.open_now = s.status == StationStatus.OPEN and hours.is_open(s.opening_hours, at)
    return stations


# --- Staff reads ----------------------------------------------------------------------------------------------------


def station_list(*, user, union_id: int | None = None, kind: str | None = None, status: str | None = None,
                 q: str | None = None, region_code: str | None = None) -> QuerySet[Station]:
    qs = scoped(Station.objects.select_related("union"), user)
    if union_id is not None:
        qs = qs.filter(union_id=union_id)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if region_code:
        qs = qs.filter(region_code=region_code)
    if q:
        qs = qs.filter(name__contains=q)
    return qs.order_by("id")


def station_get(*, user, station_id: int) -> Station:
    station = scoped(Station.objects.select_related("union"), user).filter(pk=station_id).first()
    if station is None:
        raise NotFound(_("站点不存在"))
    return station


def station_public_get(*, station_id: int) -> Station:
    """A station as workers see it (open or suspended ones; closed ones are gone from the map)."""
    station = Station.objects.select_related("union").exclude(status=StationStatus.CLOSED).filter(
        pk=station_id).first()
    if station is None:
        raise NotFound(_("站点不存在"))
    return with_open_now([station])[0]


def inspection_list(*, user, station_id: int) -> QuerySet[Inspection]:
    station = station_get(user=user, station_id=station_id)
    return station.inspections.select_related("inspector", "follow_up").order_by("-inspected_on", "-id")


def follow_up_list(*, user, status: str | None = None, overdue: bool = False) -> QuerySet[FollowUp]:
    qs = scoped(FollowUp.objects.select_related("station", "station__union"), user, via="station__union")
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=FollowUpStatus.OPEN, deadline__lt=timezone.localdate())
    return qs.order_by("deadline", "id")


def visits_by_day(*, user, station_id: int, days: int = 30) -> list[dict]:
    station = station_get(user=user, station_id=station_id)
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    counts = dict(CheckIn.objects.filter(station=station, day__gte=since).values_list("day").annotate(n=Count("id")))
    return [{"day": since + dt.timedelta(days=i), "visits": counts.get(since + dt.timedelta(days=i), 0)}
            for i in range(days)]


def busiest_hours(*, user, station_id: int | None = None, days: int = 90) -> list[dict]:
    """Visits by hour of day (Beijing time) over the last `days`, for one station or the caller's whole scope."""
    qs = scoped(CheckIn.objects.all(), user, via="station__union").filter(
        day__gte=timezone.localdate() - dt.timedelta(days=days - 1))
    if station_id is not None:
        qs = qs.filter(station=station_get(user=user, station_id=station_id))
    counts = dict(qs.values_list("hour").annotate(n=Count("id")))
    return [{"hour": h, "visits": counts.get(h, 0)} for h in range(24)]


def visit_heat(*, user, days: int = 90) -> list[dict]:
    """Visits per station over the last `days` in the caller's scope, with its coordinates: the heat map's points."""
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    rows = (scoped(CheckIn.objects.all(), user, via="station__union").filter(day__gte=since)
            .values("station_id", "station__lat", "station__lng", "station__name").annotate(n=Count("id"))
            .order_by("-n"))
    return [{"station_id": r["station_id"], "name": r["station__name"], "lat": r["station__lat"],
             "lng": r["station__lng"], "visits": r["n"]} for r in rows]


# --- Coverage gaps ----------------------------------------------------------------------------------------------------


def _open_station_grid(reach_m: float):
    """A test "is any open station within reach_m of this point?" over one read of every open station's position.

    Stations go into buckets of a latitude/longitude grid at least reach_m wide everywhere in China (the longitude
    step is sized at 55°N, north of Mohe), so every station within reach of a point lies in the point's bucket or
    one of its eight neighbours; those are checked by great-circle distance, the same as nearest_hits measures.
    """
    lat_step = reach_m / 111_320.0
    lng_step = reach_m / (111_320.0 * math.cos(math.radians(55.0)))
    buckets: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for lat, lng in Station.objects.filter(status=StationStatus.OPEN).values_list("lat", "lng"):
        buckets.setdefault((math.floor(lat / lat_step), math.floor(lng / lng_step)), []).append((lat, lng))

    def within_reach(lat: float, lng: float) -> bool:
        bi, bj = math.floor(lat / lat_step), math.floor(lng / lng_step)
        return any(geo.haversine_m(lat, lng, slat, slng) <= reach_m
                   for di in (-1, 0, 1) for dj in (-1, 0, 1) for slat, slng in buckets.get((bi + di, bj + dj), ()))

    return within_reach


def coverage_gaps(*, user, reach_m: float | None = None, days: int = 90, limit: int = 200) -> dict:
    """Where gig workers are and no open station is within walking reach, ranked by how many workers are there.

    Workers are placed by their work location (Worker.work_lat/work_lng) and by the stations they checked in at
    in the last `days`; each is counted once per cell of the H3 grid (resolution STATIONS_COVERAGE_RES). A cell is
    covered when an open station (of any owner: a station over the district line still serves) lies within
    `reach_m` of the cell's centre. Workers known only by a region code are counted as unplaced.
    """
    from zhijia.members.models import Membership, MembershipStatus
    from zhijia.orgs.models import GIG_OCCUPATIONS

    require_staff(user)
    reach = float(reach_m if reach_m is not None else settings.STATIONS_WALKING_REACH_M)
    if not 50 <= reach <= 20000:
        raise ValidationFailed.field("reach_m", _("步行可达距离应在50到20000米之间"))
    res = settings.STATIONS_COVERAGE_RES
    members = scoped(Membership.objects.filter(status=MembershipStatus.ADMITTED,
                                               worker__occupation__in=GIG_OCCUPATIONS), user)
    people: dict[int, set[str]] = {}
    unplaced = 0
    for worker_id, wlat, wlng in members.values_list("worker_id", "worker__work_lat", "worker__work_lng"):
        if wlat is None or wlng is None or not geo._in_china(wlat, wlng):
            unplaced += 1
            continue
        people.setdefault(geo.cell_of(wlat, wlng, res), set()).add(f"w{worker_id}")
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    visits = (scoped(CheckIn.objects.filter(day__gte=since), user, via="station__union")
              .values_list("user_id", "user__worker__id", "station__lat", "station__lng").distinct())
    for user_id, worker_id, slat, slng in visits:
        people.setdefault(geo.cell_of(slat, slng, res), set()).add(f"w{worker_id}" if worker_id else f"u{user_id}")
    within_reach = _open_station_grid(reach)
    gaps, covered_workers = [], 0
    for cell, who in people.items():
        clat, clng = geo.cell_centre(cell)
        if within_reach(clat, clng):
            covered_workers += len(who)
            continue
        gaps.append({"cell": geo.cell_name(cell), "lat": round(clat, 6), "lng": round(clng, 6),
                     "workers": len(who), "boundary": [[round(a, 6), round(b, 6)] for a, b in geo.cell_boundary(cell)],
                     "district_code": geo.district_code_at(clat, clng)})
    gaps.sort(key=lambda g: (-g["workers"], g["cell"]))
    total = sum(len(w) for w in people.values())
    return {"reach_m": reach, "resolution": res, "workers_placed": total, "workers_unplaced": unplaced,
            "workers_covered": covered_workers, "workers_in_gaps": total - covered_workers,
            "gap_cells": len(gaps), "gaps": gaps[:limit]}


# --- Open data --------------------------------------------------------------------------------------------------------


def open_stations() -> QuerySet[Station]:
    return Station.objects.filter(status=StationStatus.OPEN).select_related("union").order_by("id")
