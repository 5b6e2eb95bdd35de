"""Demo wellbeing data: the 219 volunteer counsellors of the postal union's twelve mind stations (page 4; the stations
are put in the stations registry), one municipal duty counsellor (login `xinli`), a fortnight of slots, and six months of assessments, bookings, quick consultations
and crisis flags from the demo workers. Idempotent: skipped when the counsellors exist."""

from __future__ import annotations

import datetime as dt
import json
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from zhijia.accounts.demo import DEMO_PASSWORD
from zhijia.accounts.models import Role, User
from zhijia.members.models import Membership, MembershipStatus
from zhijia.orgs.models import Union
from zhijia.wellbeing.models import Assessment, Booking, Consultation, Counsellor, CrisisFlag, Slot
from zhijia.wellbeing.scales import SCALES
from zhijia.wellbeing.services import mind_station_place

N_VOLUNTEER_COUNSELLORS = 219
BRANCHES = ["东城", "西城", "朝阳", "海淀", "丰台", "石景山", "房山", "通州", "顺义", "昌平", "大兴", "邮区中心局"]
BRANCH_DISTRICTS = {"东城": "110101", "西城": "110102", "朝阳": "110105", "海淀": "110108", "丰台": "110106",
                    "石景山": "110107", "房山": "110111", "通州": "110112", "顺义": "110113", "昌平": "110114",
                    "大兴": "110115", "邮区中心局": "110106"}
QUALIFICATIONS = ["国家二级心理咨询师", "国家三级心理咨询师", "心理健康指导师", "EAP员工帮助计划咨询师", "社会工作师"]


def _mind_stations(postal: Union, city: Union) -> dict:
    """The postal union's mind station in each branch and the federation's own, in the stations registry (created
    through its service, so they are on the workers' map), by branch name."""
    from zhijia.stations.geo import DISTRICT_CENTRES
    from zhijia.stations.models import Station, StationKind
    from zhijia.stations.services import station_create

    admin = User.objects.filter(role=Role.MUNICIPAL_ADMIN, union=city).order_by("pk").first()
    weekdays = {"weekly": {d: [["09:00", "21:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}}
    plan = [(branch, postal, f"北京邮政{branch}职工心灵驿站", code) for branch, code in BRANCH_DISTRICTS.items()]
    plan.append(("市总", city, "北京市总工会职工心灵驿站", "110102"))
    found = {}
    for i, (branch, union, name, code) in enumerate(plan):
        station = Station.objects.filter(union=union, name=name, kind=StationKind.MIND_STATION).first()
        if station is None:
            district, lat, lng = DISTRICT_CENTRES[code]
            station = station_create(admin, union_id=union.pk, name=name, kind=StationKind.MIND_STATION,
                                     address=f"北京市{district}{branch}邮政中心{3 + i % 5}层", lat=lat + 0.004 * (i % 3),
                                     lng=lng - 0.005 * (i % 4), opening_hours=weekdays, amenities=[],
                                     contact_phone=f"010-6{i:03d}2351")
        found[branch] = station
    return found


@transaction.atomic
def seed(stdout, options) -> None:
    if Counsellor.objects.filter(volunteer=True).count() >= N_VOLUNTEER_COUNSELLORS:
        stdout.write("  wellbeing: already seeded")
        return
    rnd = random.Random(2022)
    password = make_password(DEMO_PASSWORD)
    postal = Union.objects.filter(name="北京邮政工会").first()
    city = Union.objects.filter(parent__isnull=True).order_by("pk").first()
    if postal is None or city is None:
        stdout.write("  wellbeing: union tree missing, skipped")
        return
    from zhijia.members.demo import demo_person

    users = [User(username=f"xl{i:04d}", role=Role.REVIEWER, union=postal, password=password,
                  display_name=demo_person(900000 + i)["name"]) for i in range(1, N_VOLUNTEER_COUNSELLORS + 1)]
    users.append(User(username="xinli", role=Role.REVIEWER, union=city, password=password,
                      display_name="市总心理援助值班咨询师"))
    User.objects.bulk_create(users, ignore_conflicts=True)
    by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
    stations = _mind_stations(postal, city)
    counsellors = []
    for i in range(1, N_VOLUNTEER_COUNSELLORS + 1):
        u = by_name[f"xl{i:04d}"]
        station = stations[BRANCHES[i % len(BRANCHES)]]
        counsellors.append(Counsellor(
            user=u, union=postal, name=u.display_name, qualifications=rnd.choice(QUALIFICATIONS),
            languages=rnd.choice(["普通话", "普通话", "普通话,英语", "普通话,粤语"]),
            station=station, station_place=mind_station_place(station)))
    station = stations["市总"]
    counsellors.append(Counsellor(user=by_name["xinli"], union=city, name="市总心理援助值班咨询师",
                                  qualifications="国家二级心理咨询师", volunteer=False, station=station,
                                  station_place=mind_station_place(station)))
    Counsellor.objects.bulk_create(counsellors, ignore_conflicts=True)
    counsellors = list(Counsellor.objects.order_by("pk"))
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    midnight = timezone.localtime(now).replace(hour=0)

    # Past slots (for the bookings of the last six months) and a fortnight of open ones for 40 counsellors.
    slots = []
    for c in counsellors[:40]:
        for day in range(-180, 15, 3 if c.pk % 2 else 4):
            # Office hours, local time: mornings, afternoons and one evening slot for shift workers.
            start = midnight + dt.timedelta(days=day, hours=rnd.choice([9, 10, 14, 16, 19]))
            if day >= 0 and start <= now:
                continue
            mode = rnd.choice(["online", "phone", "in_person"])
            slots.append(Slot(counsellor=c, starts_at=start, ends_at=start + dt.timedelta(minutes=50), mode=mode,
                              place=c.station_place if mode == "in_person" else ""))
    Slot.objects.bulk_create(slots, ignore_conflicts=True)

    members = list(Membership.objects.filter(status=MembershipStatus.ADMITTED, worker__user__isnull=False)
                   .select_related("worker", "union").order_by("worker_id")[:400])
    past_slots = list(Slot.objects.filter(starts_at__lt=now).order_by("pk"))
    rnd.shuffle(past_slots)
    bookings = []
    for slot, m in zip(past_slots[:300], members * 2, strict=False):
        status = rnd.choices(["attended", "no_show", "cancelled"], weights=[80, 8, 12])[0]
        bookings.append(Booking(slot=slot, worker=m.worker, union=m.union, status=status,
                                rating=rnd.choice([4, 5, 5, 5]) if status == "attended" and rnd.random() < .6 else None))
    Booking.objects.bulk_create(bookings)
    for b, lead in zip(bookings, (rnd.randint(4, 96) for _ in bookings), strict=False):
        Booking.objects.filter(pk=b.pk).update(created_at=b.slot.starts_at - dt.timedelta(hours=lead))

    assessments, raised = [], []
    for k in range(900):
        m = members[k % len(members)] if members else None
        anonymous = m is None or k % 7 == 0
        scale = "phq9" if k % 2 else "gad7"
        mood = rnd.choice([0, 0, 0, 1, 1, 2])
        answers = [min(3, max(0, mood + rnd.choice([-1, 0, 0, 1]))) for _ in SCALES[scale].items]
        if scale == "phq9" and answers[8] and rnd.random() < .8:
            answers[8] = 0
        score = sum(answers)
        a = Assessment(scale=scale, answers=json.dumps(answers), score=score,
                       band=SCALES[scale].band_for(score).code, crisis=scale == "phq9" and answers[8] > 0,
                       worker=None if anonymous else m.worker, union=None if anonymous else m.union)
        assessments.append(a)
    Assessment.objects.bulk_create(assessments)
    for a in assessments:
        when = now - dt.timedelta(days=rnd.randint(0, 180), minutes=rnd.randint(0, 600))
        Assessment.objects.filter(pk=a.pk).update(created_at=when)
        if a.crisis:
            ack = when + dt.timedelta(minutes=rnd.randint(3, 50))
            raised.append(CrisisFlag(assessment=a, union=a.union, due_at=when + dt.timedelta(minutes=30),
                                     acknowledged_at=ack if when < now - dt.timedelta(hours=2) else None,
                                     acknowledged_by=counsellors[-1] if when < now - dt.timedelta(hours=2) else None,
                                     escalation_level=1 if ack > when + dt.timedelta(minutes=30) else 0))
            raised[-1].raised_at_value = when
    if members:
        # One flag raised ten minutes ago and not yet acknowledged, for the counsellor desk.
        fresh = Assessment.objects.create(scale="phq9", answers=json.dumps([2, 2, 1, 2, 1, 1, 1, 0, 1]), score=11,
                                          band="moderate", crisis=True, worker=members[0].worker,
                                          union=members[0].union)
        raised.append(CrisisFlag(assessment=fresh, union=fresh.union,
                                 due_at=timezone.now() + dt.timedelta(minutes=20)))
        raised[-1].raised_at_value = timezone.now() - dt.timedelta(minutes=10)
    CrisisFlag.objects.bulk_create(raised)
    for f in raised:
        CrisisFlag.objects.filter(pk=f.pk).update(raised_at=f.raised_at_value)

    consults = []
    for k, m in enumerate(members[:120]):
        asked = now - dt.timedelta(days=rnd.randint(1, 170), minutes=rnd.randint(0, 600))
        taken = asked + dt.timedelta(minutes=rnd.choice([1, 2, 3, 5, 8, 12, 20]))
        consults.append(Consultation(worker=m.worker, union=m.union, topic="（演示）工作压力大，想找人聊聊",
                                     status="closed", counsellor=counsellors[k % len(counsellors)],
                                     taken_at=taken, closed_at=taken + dt.timedelta(minutes=25)))
        consults[-1].asked = asked
    Consultation.objects.bulk_create(consults)
    for c in consults:
        Consultation.objects.filter(pk=c.pk).update(created_at=c.asked)
    stdout.write(f"  wellbeing: {N_VOLUNTEER_COUNSELLORS} volunteer counsellors (xl0001..xl0219) and duty counsellor "
                 f"xinli, {len(slots)} slots, {len(bookings)} bookings, {len(assessments)} assessments, "
                 f"{len(raised)} crisis flags")
