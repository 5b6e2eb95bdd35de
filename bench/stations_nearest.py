"""Nearest-station search at city scale: H3-cell index against a brute-force scan, in the same run.

    .venv/bin/python bench/stations_nearest.py --stations 200000

Builds its own throw-away database (PostgreSQL when DATABASE_URL is set, else SQLite), fills it with random stations
across Beijing (most around the district centres, the rest anywhere in the city), and runs --queries random queries
with mixed filters (kind, amenities, open now, limit). Every indexed answer is checked against a brute-force answer
(every station, exact haversine, sorted by distance then id); the brute-force scan through the database (the same
filters in SQL, every row fetched and measured) is timed on --scan-sample of the queries. The same is first done at
--small stations to show how the query time grows. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijia.settings")
os.environ.setdefault("TEST_DATABASE_NAME", f"bench_stations_{os.getpid()}")

BEIJING_LAT = (39.45, 41.05)
BEIJING_LNG = (115.45, 117.45)
SCHEDULES = [
    {"always": True},
    {"weekly": {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}, "public_holiday": "closed"},
    {"weekly": {d: [["18:00", "07:00+1"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
    {"weekly": {d: [["09:00", "12:00"], ["14:00", "21:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                                      "sun")}, "public_holiday": [["10:00", "16:00"]]},
]
INSTANTS = [dt.datetime(2026, 11, 23, h, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))) for h in (3, 10, 19)] + [
    dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))]


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def random_point(rnd, centres):
    if rnd.random() < 0.7:
        _name, clat, clng = rnd.choice(centres)
        lat, lng = clat + rnd.gauss(0, 0.05), clng + rnd.gauss(0, 0.06)
    else:
        lat, lng = rnd.uniform(*BEIJING_LAT), rnd.uniform(*BEIJING_LNG)
    return min(max(lat, BEIJING_LAT[0]), BEIJING_LAT[1]), min(max(lng, BEIJING_LNG[0]), BEIJING_LNG[1])


def build(n_from, n_to, union, rnd, centres, arrays):
    """Rows with exactly the fields the service writes (cells, amenity mask, validated hours), inserted in bulk:
    COPY on PostgreSQL, bulk_create elsewhere."""
    from django.db import connection
    from django.utils import timezone

    from zhijia.stations import geo, hours
    from zhijia.stations.models import Amenity, Station, StationKind, amenity_mask

    kinds = StationKind.values
    schedules = [hours.validate_hours(s) for s in SCHEDULES]
    texts = [json.dumps(s) for s in schedules]
    now = timezone.now()
    rows = []
    for i in range(n_from, n_to):
        lat, lng = random_point(rnd, centres)
        kind = rnd.choice(kinds)
        amen = sorted(rnd.sample(Amenity.values, rnd.randint(0, 5)), key=Amenity.values.index)
        sched = rnd.randrange(len(schedules))
        status = "open" if rnd.random() < 0.95 else "suspended"
        cells = geo.cells_of(lat, lng)
        rows.append((f"站{i}", kind, lat, lng, cells[geo.FINE_RES], cells[geo.COARSE_RES], sched, amen,
                     amenity_mask(amen), status))
        arrays["lat"].append(lat)
        arrays["lng"].append(lng)
        arrays["kind"].append(kinds.index(kind))
        arrays["mask"].append(amenity_mask(amen))
        arrays["open"].append(status == "open")
        arrays["sched"].append(sched)
    if connection.vendor == "postgresql":
        columns = ("code", "name", "kind", "grade", "host_type", "union_id", "address", "region_code", "lat", "lng",
                   "cell_fine", "cell_coarse", "opening_hours", "amenities", "amenity_mask", "photos", "contact_name",
                   "contact_phone", "status", "qr_version", "created_at", "updated_at")
        with connection.cursor() as cur, cur.cursor.copy(
                f"COPY stations_station ({', '.join(columns)}) FROM STDIN") as copy:
            for name, kind, lat, lng, fine, coarse, sched, amen, mask, status in rows:
                copy.write_row((None, name, kind, "", "other", union.pk, "北京", "", lat, lng, fine, coarse,
                                texts[sched], json.dumps(amen), mask, "[]", "", "", status, 1, now, now))
        return
    Station.objects.bulk_create(
        [Station(name=name, kind=kind, union=union, address="北京", region_code="", lat=lat, lng=lng,
                 cell_fine=fine, cell_coarse=coarse, opening_hours=schedules[sched], amenities=amen,
                 amenity_mask=mask, status=status)
         for name, kind, lat, lng, fine, coarse, sched, amen, mask, status in rows], batch_size=5000)


def make_queries(n, rnd, centres):
    from zhijia.stations.models import Amenity, StationKind

    out = []
    for _ in range(n):
        lat, lng = random_point(rnd, centres)
        kind = rnd.choice(StationKind.values) if rnd.random() < 0.3 else None
        amen = rnd.sample(Amenity.values, rnd.choice((0, 0, 1, 1, 2))) if rnd.random() < 0.6 else []
        out.append({"lat": lat, "lng": lng, "kind": kind, "amenities": amen, "open_now": rnd.random() < 0.5,
                    "limit": rnd.choice((1, 5, 10, 10, 20)), "at": rnd.randrange(len(INSTANTS))})
    return out


def brute_force_ids(q, np_arrays, open_at, kinds, bits):
    """Every station, exact distance, filters, sorted by (distance, id): numpy narrows, math.haversine decides."""
    import numpy as np

    from zhijia.stations import geo

    ids, lat, lng, kind, mask, is_open, sched, lat_r, lng_r, cos_lat = np_arrays
    ok = is_open.copy()
    if q["kind"]:
        ok &= kind == kinds.index(q["kind"])
    need = sum(bits[a] for a in q["amenities"])
    if need:
        ok &= (mask & need) == need
    if q["open_now"]:
        ok &= open_at[q["at"]][sched]
    idx = np.nonzero(ok)[0]
    if idx.size == 0:
        return []
    p1 = math.radians(q["lat"])
    a = (np.sin((lat_r[idx] - p1) / 2) ** 2
         + math.cos(p1) * cos_lat[idx] * np.sin((lng_r[idx] - math.radians(q["lng"])) / 2) ** 2)
    d = 2 * geo.EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    take = min(idx.size, q["limit"] + 32)
    part = idx[np.argpartition(d, take - 1)[:take]] if take < idx.size else idx
    cutoff = np.sort(d)[take - 1] + 1.0 if take < idx.size else math.inf
    near = idx[d <= cutoff] if take < idx.size else part
    exact = sorted((geo.haversine_m(q["lat"], q["lng"], float(lat[j]), float(lng[j])), int(ids[j])) for j in near)
    return [sid for _d, sid in exact[: q["limit"]]]


def run_phase(queries, scan_sample, np_arrays, kinds, bits):
    from zhijia.stations import hours, selectors

    open_at = [__import__("numpy").array([hours.is_open(hours.validate_hours(s), at) for s in SCHEDULES])
               for at in INSTANTS]
    indexed_ms, scan_ms, mismatches = [], [], 0
    for i, q in enumerate(queries):
        filters = selectors.nearest_filters(kind=q["kind"], amenities=q["amenities"], open_now=q["open_now"])
        t0 = time.perf_counter()
        hits = selectors.nearest_hits(q["lat"], q["lng"], filters=filters, limit=q["limit"], at=INSTANTS[q["at"]])
        indexed_ms.append((time.perf_counter() - t0) * 1000)
        got = [h.id for h in hits]
        if got != brute_force_ids(q, np_arrays, open_at, kinds, bits):
            mismatches += 1
        if i < scan_sample:
            t0 = time.perf_counter()
            scanned = selectors.nearest_scan(q["lat"], q["lng"], filters=filters, limit=q["limit"],
                                             at=INSTANTS[q["at"]])
            scan_ms.append((time.perf_counter() - t0) * 1000)
            if [h.id for h in scanned] != got:
                mismatches += 1
    return indexed_ms, scan_ms, mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=20_000, help="the smaller city for the growth figure (0: skip)")
    parser.add_argument("--small-queries", type=int, default=2_000)
    parser.add_argument("--scan-sample", type=int, default=30, help="queries also timed as a database scan")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    import django

    django.setup()
    import numpy as np
    from django.db import connection

    from zhijia.orgs.models import Kind, Level, Union
    from zhijia.orgs.services import _insert
    from zhijia.stations import geo
    from zhijia.stations.models import AMENITY_BITS, Station, StationKind

    db_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"database {connection.vendor} {db_name}", flush=True)
    try:
        rnd = random.Random(args.seed)
        centres = list(geo.DISTRICT_CENTRES.values())
        union = _insert(Union(parent=None, name="基准测试", level=Level.MUNICIPAL, kind=Kind.FEDERATION,
                              region_code="110000"))
        arrays = {k: [] for k in ("lat", "lng", "kind", "mask", "open", "sched")}
        kinds, bits = StationKind.values, AMENITY_BITS
        phases = []
        sizes = [n for n in (args.small, args.stations) if n]
        built = 0
        for size in sizes:
            t0 = time.perf_counter()
            build(built, size, union, rnd, centres, arrays)
            built = size
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("ANALYZE stations_station")
            ids = np.array(list(Station.objects.order_by("id").values_list("id", flat=True)))
            lat_a, lng_a = np.array(arrays["lat"]), np.array(arrays["lng"])
            np_arrays = (ids, lat_a, lng_a, np.array(arrays["kind"]), np.array(arrays["mask"]),
                         np.array(arrays["open"]), np.array(arrays["sched"]), np.radians(lat_a), np.radians(lng_a),
                         np.cos(np.radians(lat_a)))
            build_s = time.perf_counter() - t0
            n_queries = args.queries if size == args.stations else args.small_queries
            queries = make_queries(n_queries, random.Random(args.seed + size), centres)
            # Warm the caches (connection, H3 cell geometry) outside the timed queries.
            run_phase(queries[:50], 0, np_arrays, kinds, bits)
            t0 = time.perf_counter()
            indexed, scan, mismatches = run_phase(queries, args.scan_sample, np_arrays, kinds, bits)
            phase = {"stations": size, "queries": n_queries, "build_s": round(build_s, 1),
                     "p50_ms": round(percentile(indexed, 50), 3), "p95_ms": round(percentile(indexed, 95), 3),
                     "p99_ms": round(percentile(indexed, 99), 3),
                     "scan_p50_ms": round(percentile(scan, 50), 2), "scan_p95_ms": round(percentile(scan, 95), 2),
                     "scan_queries": len(scan), "mismatches": mismatches,
                     "speedup_over_scan": round(statistics.median(scan) / statistics.median(indexed), 1),
                     "run_s": round(time.perf_counter() - t0, 1)}
            print(json.dumps(phase), flush=True)
            phases.append(phase)
        big = phases[-1]
        result = {"stations": big["stations"], "queries": big["queries"], "database": connection.vendor,
                  "p50_ms": big["p50_ms"], "p95_ms": big["p95_ms"], "p99_ms": big["p99_ms"],
                  "scan_p50_ms": big["scan_p50_ms"], "scan_p95_ms": big["scan_p95_ms"],
                  "speedup_over_scan": big["speedup_over_scan"],
                  "mismatches": sum(p["mismatches"] for p in phases)}
        if len(phases) == 2:
            small = phases[0]
            result.update({"small_stations": small["stations"], "small_p50_ms": small["p50_ms"],
                           "small_p95_ms": small["p95_ms"],
                           "growth_p50": round(big["p50_ms"] / small["p50_ms"], 2),
                           "growth_stations": round(big["stations"] / small["stations"], 1),
                           "scan_growth_p50": round(big["scan_p50_ms"] / small["scan_p50_ms"], 2)})
    finally:
        connection.creation.destroy_test_db(db_name, verbosity=0)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
