"""Demo stations for the demo city, in the proportions of page 2.

房山: 8 model workers' homes, 46 enterprise workers' homes, 755 warm stations in party-community centres and 49
outdoor workers' stations in 8 towns, all at points that reverse-geocode into 房山; and about 200 stations in each
other district. Rows are validated by the same code as the service (services._clean) and written in bulk, so the
seed stays fast. Also: a season of 七有 inspections in 房山 (some failing, with follow-ups), check-ins by the demo
workers, and work locations for 房山's gig workers that have none (so the coverage map has something to show).
Deterministic and idempotent: station codes DEMO-..., existing ones are skipped.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib

from django.db import transaction
from django.utils import timezone

from zhijia.accounts.models import Role, User
from zhijia.members.models import Membership, MembershipStatus, Worker
from zhijia.orgs.models import GIG_OCCUPATIONS, Kind, Level, Union
from zhijia.stations import geo, hours, services
from zhijia.stations.hours import SHANGHAI
from zhijia.stations.models import CheckIn, Inspection, SevenHave, Station

FANGSHAN = "110111"
OTHER_PER_DISTRICT = 200
# Where people are in 房山 (WGS-84): 良乡, 拱辰, 长阳, 城关, 阎村, 窦店, 琉璃河, 周口店.
FANGSHAN_TOWNS = [(39.735, 116.140), (39.722, 116.128), (39.765, 116.200), (39.700, 115.990), (39.725, 116.085),
                  (39.655, 116.075), (39.600, 116.030), (39.680, 115.940)]
# The 8 towns with outdoor workers' stations: 阎村, 窦店, 石楼, 长阳, 河北, 长沟, 韩村河, 青龙湖.
OUTDOOR_TOWNS = [("阎村镇", 39.725, 116.085), ("窦店镇", 39.655, 116.075), ("石楼镇", 39.640, 116.020),
                 ("长阳镇", 39.765, 116.195), ("河北镇", 39.780, 115.930), ("长沟镇", 39.560, 115.880),
                 ("韩村河镇", 39.620, 115.950), ("青龙湖镇", 39.780, 116.030)]
WEEKDAYS_9_18 = "周一至周五 09:00-18:00；节假日 休息"
CENTRE_HOURS = ["周一至周日 08:30-17:30", "周一至周五 08:00-20:00；周六、周日 09:00-17:00", "24小时",
                "周一至周日 07:00-21:00"]
OUTDOOR_HOURS = ["24小时", "周一至周日 06:00-22:00", "周一至周日 18:00-次日08:00"]
HOSTS = ["community_centre", "community_centre", "community_centre", "petrol_station", "delivery_point", "bookshop",
         "barber", "supermarket", "bank"]
HOST_NAMES = {"community_centre": "党群服务中心", "petrol_station": "加油站", "delivery_point": "快递网点",
              "bookshop": "书店", "barber": "理发店", "supermarket": "超市", "bank": "银行网点"}
BASIC = ["drinking_water", "microwave", "first_aid_kit", "tyre_pump", "charger", "seats"]


def _point_in(rnd: random.Random, district: str, centre: tuple[float, float], spread: float) -> tuple[float, float]:
    """A point near `centre` that reverse-geocodes into `district` (rejection sampling)."""
    for _ in range(50):
        lat = round(centre[0] + rnd.gauss(0, spread), 6)
        lng = round(centre[1] + rnd.gauss(0, spread * 1.3), 6)
        if geo.district_code_at(lat, lng) == district:
            return lat, lng
    return centre


def _plan_fangshan(rnd: random.Random, unions: dict) -> list[dict]:
    streets, district = unions["streets"], unions["district"]
    enterprise = unions.get("enterprise") or district
    rows = []

    def add(code, **kw):
        rows.append({"code": code, **kw})

    for i in range(8):
        lat, lng = _point_in(rnd, FANGSHAN, rnd.choice(FANGSHAN_TOWNS[:4]), 0.02)
        add(f"DEMO-FS-M{i + 1:03d}", union=district, name=f"房山区模范职工之家（{i + 1}号）", kind="workers_home",
            grade="model", host_type="enterprise", lat=lat, lng=lng, hours=WEEKDAYS_9_18,
            amenities=[*BASIC, "toilet", "wifi"])
    for i in range(46):
        lat, lng = _point_in(rnd, FANGSHAN, rnd.choice(FANGSHAN_TOWNS), 0.03)
        add(f"DEMO-FS-E{i + 1:03d}", union=enterprise if i % 3 == 0 else district,
            name=f"房山区企业职工之家（{i + 1}号）", kind="workers_home", grade="enterprise", host_type="enterprise",
            lat=lat, lng=lng, hours=WEEKDAYS_9_18, amenities=[*rnd.sample(BASIC, 4), "wifi"])
    for i in range(755):
        street = streets[i % len(streets)]
        host = rnd.choice(HOSTS)
        centre = rnd.choice(FANGSHAN_TOWNS) if rnd.random() < 0.75 else (rnd.uniform(39.55, 39.85),
                                                                        rnd.uniform(115.75, 116.2))
        lat, lng = _point_in(rnd, FANGSHAN, centre, 0.025)
        short = street.name.removesuffix("总工会")
        add(f"DEMO-FS-W{i + 1:04d}", union=street, name=f"{short}{HOST_NAMES[host]}职工暖心驿站（{i // len(streets) + 1}）",
            kind="warm_station", host_type=host, lat=lat, lng=lng,
            hours="24小时" if host == "petrol_station" else rnd.choice(CENTRE_HOURS),
            amenities=sorted(rnd.sample(BASIC, rnd.randint(3, 6))) + (["toilet"] if rnd.random() < 0.4 else []))
    by_name = {u.name: u for u in streets}
    for i in range(49):
        town, tlat, tlng = OUTDOOR_TOWNS[i % 8]
        lat, lng = _point_in(rnd, FANGSHAN, (tlat, tlng), 0.015)
        add(f"DEMO-FS-O{i + 1:03d}", union=by_name.get(f"{town}总工会", district),
            name=f"{town}户外劳动者服务站（{i // 8 + 1}）", kind="outdoor_station",
            host_type=rnd.choice(["public_space", "petrol_station", "delivery_point"]), lat=lat, lng=lng,
            hours=rnd.choice(OUTDOOR_HOURS), amenities=[*BASIC, "toilet"])
    return rows


def _plan_other(rnd: random.Random, district_unions: dict[str, Union]) -> list[dict]:
    rows = []
    kinds = ["warm_station"] * 6 + ["workers_home", "mind_station", "reading_room", "couriers_home", "gym"]
    for code, (name, clat, clng) in geo.DISTRICT_CENTRES.items():
        union = district_unions.get(code)
        if code == FANGSHAN or union is None:
            continue
        for i in range(OTHER_PER_DISTRICT):
            kind = rnd.choice(kinds)
            host = rnd.choice(HOSTS)
            lat, lng = _point_in(rnd, code, (clat, clng), 0.035)
            label = {"warm_station": "职工暖心驿站", "workers_home": "职工之家", "mind_station": "职工心灵驿站",
                     "reading_room": "职工书屋", "couriers_home": "投递员之家", "gym": "职工健身室"}[kind]
            rows.append({"code": f"DEMO-{code}-{i + 1:04d}", "union": union, "kind": kind, "host_type": host,
                         "name": f"{name}{HOST_NAMES[host]}{label}（{i + 1}）", "lat": lat, "lng": lng,
                         "hours": "24小时" if host == "petrol_station" else rnd.choice(CENTRE_HOURS),
                         "amenities": sorted(rnd.sample(BASIC, rnd.randint(2, 6)))})
    return rows


def _build(row: dict) -> Station:
    fields = services._clean({
        "code": row["code"], "name": row["name"], "kind": row["kind"], "grade": row.get("grade", ""),
        "host_type": row["host_type"], "address": f"北京市{row['union'].name.removesuffix('总工会')}{row['name']}",
        "lat": row["lat"], "lng": row["lng"], "opening_hours": hours.parse_text(row["hours"]),
        "amenities": row["amenities"], "contact_phone": f"010-6{zlib.crc32(row['code'].encode()) % 10**7:07d}",
        "status": "open"})
    return Station(union=row["union"], **fields)


@transaction.atomic
def seed(stdout, options) -> None:
    rnd = random.Random(2026)
    district_unions = {u.region_code: u for u in Union.objects.filter(level=Level.DISTRICT, kind=Kind.FEDERATION)}
    fangshan = district_unions.get(FANGSHAN)
    if fangshan is None:
        stdout.write("  stations: no 房山区总工会 in the tree, skipped")
        return
    streets = list(Union.objects.filter(parent=fangshan, kind=Kind.FEDERATION).order_by("region_code"))
    enterprise = Union.objects.filter(name="北京燕房物流有限公司工会").first()
    rows = _plan_fangshan(rnd, {"district": fangshan, "streets": streets or [fangshan], "enterprise": enterprise})
    rows += _plan_other(rnd, district_unions)
    existing = set(Station.objects.filter(code__startswith="DEMO-").values_list("code", flat=True))
    fresh = [_build(r) for r in rows if r["code"] not in existing]
    Station.objects.bulk_create(fresh, batch_size=1000)
    _seed_activity(rnd, fangshan, fresh_count=len(fresh))
    fs_count = Station.objects.filter(region_code=FANGSHAN, code__startswith="DEMO-FS-").count()
    stdout.write(f"  stations: {len(fresh)} new, {Station.objects.count()} in all ({fs_count} in 房山)")


def _seed_activity(rnd: random.Random, fangshan: Union, *, fresh_count: int) -> None:
    """Work locations for 房山's gig workers, check-ins, and inspections: only on the first run."""
    if not fresh_count:
        return
    gig = list(Worker.objects.filter(work_region_code__startswith=FANGSHAN, occupation__in=GIG_OCCUPATIONS,
                                     work_lat__isnull=True))
    for w in gig:
        # Most work in the towns; some far out in the hills, where stations are few (the coverage gaps).
        centre = rnd.choice(FANGSHAN_TOWNS) if rnd.random() < 0.8 else rnd.choice(
            [(39.70, 115.80), (39.62, 115.72), (39.75, 115.85), (39.55, 115.78)])
        w.work_lat, w.work_lng = _point_in(rnd, FANGSHAN, centre, 0.02)
    Worker.objects.bulk_update(gig, ["work_lat", "work_lng"], batch_size=1000)

    stations = list(Station.objects.filter(region_code=FANGSHAN, code__startswith="DEMO-FS-").order_by("id"))
    members = set(Membership.objects.filter(status=MembershipStatus.ADMITTED).values_list("worker__user_id",
                                                                                          flat=True))
    users = [u for u in User.objects.filter(role=Role.WORKER).order_by("id")[:400] if u.pk in members] or \
        list(User.objects.filter(role=Role.WORKER).order_by("id")[:400])
    now = timezone.now()
    check_ins, seen = [], set()
    busy = rnd.sample(stations, min(120, len(stations)))
    for _ in range(4000 if users else 0):
        station = rnd.choice(busy)
        user = rnd.choice(users)
        hour = rnd.choices(range(24), weights=[1, 1, 1, 1, 1, 2, 4, 6, 5, 4, 5, 9, 12, 8, 5, 5, 6, 8, 11, 9, 6, 4,
                                                 2, 1])[0]
        at = (now - dt.timedelta(days=rnd.randrange(0, 60))).astimezone(SHANGHAI).replace(
            hour=hour, minute=rnd.randrange(60), second=0, microsecond=0)
        slot = int(at.timestamp()) // services.SLOT_SECONDS
        if at > now or (station.pk, user.pk, slot) in seen:
            continue
        seen.add((station.pk, user.pk, slot))
        check_ins.append(CheckIn(station=station, user=user, at=at, day=at.date(), hour=at.hour, slot=slot))
    CheckIn.objects.bulk_create(check_ins, batch_size=2000, ignore_conflicts=True)

    inspector = User.objects.filter(username="fangshan").first()
    if inspector is None or Inspection.objects.exists():
        return
    today = timezone.localdate()
    for station in rnd.sample(stations, min(60, len(stations))):
        items = {k: {"score": rnd.choice([6, 7, 8, 8, 9, 10]), "note": ""} for k in SevenHave.values}
        if rnd.random() < 0.2:
            items[rnd.choice(SevenHave.values)] = {"score": rnd.choice([2, 3, 4, 5]), "note": "需整改"}
        services.inspection_record(inspector, station_id=station.pk,
                                   inspected_on=today - dt.timedelta(days=rnd.randrange(0, 40)), items=items,
                                   note="演示数据")
