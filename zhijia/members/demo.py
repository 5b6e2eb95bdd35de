"""Demo workers and members: `--workers` accounts w000001... (password zhijia-demo), all members in good standing,
and more members without accounts up to `--members`, a third of them new-form workers. Deterministic and idempotent:
the same numbers give the same people, and existing ones are skipped."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction

from zhijia.accounts.demo import DEMO_PASSWORD
from zhijia.accounts.models import Role, User
from zhijia.core.crypto import keyed_hash
from zhijia.core.identity import id_number_check_char
from zhijia.members.models import Membership, MembershipStatus, Worker, member_number_for
from zhijia.orgs.models import GIG_OCCUPATIONS, Kind, Level, Occupation, Union

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建华文辉力宇鹏浩然子涵欣怡梓轩思远晨阳海燕国庆春梅志强立新晓东雪梅建国丽娟宏伟"


def demo_person(i: int) -> dict:
    """The i-th demo person (1-based): name, a valid ID number, a phone and an occupation, all derived from i."""
    rnd = random.Random(i * 7919)
    name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
    district = rnd.choice(["110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
                           "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119"])
    # Day (i // 1000) of a random year, with i % 1000 as the sequence: unique for the first 365,000 people.
    birth = dt.date(1966, 1, 1) + dt.timedelta(days=365 * rnd.randrange(0, 38) + (i // 1000) % 365)
    first17 = f"{district}{birth:%Y%m%d}{i % 1000:03d}"
    id_number = first17 + id_number_check_char(first17)
    phone = f"1{rnd.choice('3578')}{(i * 104729) % 10**9:09d}"
    # A third are new-form workers: couriers, riders and drivers.
    occupation = rnd.choice(GIG_OCCUPATIONS) if i % 3 == 0 else Occupation.OTHER
    return {"name": name, "id_number": id_number, "phone": phone, "birth": birth,
            "gender": "M" if int(first17[16]) % 2 else "F", "occupation": occupation, "district": district,
            "rnd": rnd}


def _landing_unions() -> tuple[dict, dict]:
    """Where demo members belong: their district's industry union for gig trades, else a street union."""
    industry = {(u.region_code, u.occupation): u for u in Union.objects.filter(kind=Kind.REGIONAL_INDUSTRY)}
    streets: dict[str, list[Union]] = {}
    for u in Union.objects.filter(kind=Kind.FEDERATION, level__in=[Level.STREET, Level.TOWNSHIP]).order_by("id"):
        streets.setdefault(u.region_code[:6], []).append(u)
    return industry, streets


@transaction.atomic
def seed(stdout, options) -> None:
    n_workers, n_members = options.get("workers", 1000), max(options.get("members", 20000), options.get("workers", 0))
    industry, streets = _landing_unions()
    existing = set(Worker.objects.values_list("id_number_hash", flat=True))
    password = make_password(DEMO_PASSWORD)
    today = dt.date.today()
    batch = 2000
    created = 0
    for start in range(1, n_members + 1, batch):
        people = [demo_person(i) | {"i": i} for i in range(start, min(start + batch, n_members + 1))]
        people = [p for p in people if keyed_hash(p["id_number"]) not in existing]
        if not people:
            continue
        users = {}
        with_account = [p for p in people if p["i"] <= n_workers]
        if with_account:
            objs = [User(username=f"w{p['i']:06d}", role=Role.WORKER, display_name=p["name"], password=password)
                    for p in with_account]
            User.objects.bulk_create(objs, ignore_conflicts=True)
            users = {u.username: u for u in User.objects.filter(username__in=[o.username for o in objs])}
        workers = []
        for p in people:
            street_list = streets.get(p["district"]) or []
            street = p["rnd"].choice(street_list) if street_list else None
            workers.append(Worker(
                user=users.get(f"w{p['i']:06d}"), name=p["name"], id_number=p["id_number"],
                id_number_hash=keyed_hash(p["id_number"]), phone=p["phone"], phone_hash=keyed_hash(p["phone"]),
                gender=p["gender"], birth_date=p["birth"], occupation=p["occupation"],
                work_region_code=street.region_code if street else p["district"],
                home_region_code=p["district"],
            ))
        Worker.objects.bulk_create(workers)
        workers = list(Worker.objects.filter(id_number_hash__in=[w.id_number_hash for w in workers]))
        memberships = []
        for w in workers:
            district = w.work_region_code[:6]
            union = industry.get((district, w.occupation))
            if union is None:
                union = next((s for s in streets.get(district, []) if s.region_code == w.work_region_code), None)
            if union is None:
                continue
            joined = today - dt.timedelta(days=(w.pk * 37) % 1400)
            memberships.append(Membership(worker=w, union=union, status=MembershipStatus.ADMITTED, joined_on=joined))
        Membership.objects.bulk_create(memberships)
        fresh = list(Membership.objects.select_related("union").filter(worker__in=workers, member_number__isnull=True))
        for m in fresh:
            m.member_number = member_number_for(m)
        Membership.objects.bulk_update(fresh, ["member_number"])
        created += len(workers)
    stdout.write(f"  workers and members: {created} new, {Worker.objects.count()} in all; "
                 f"accounts w000001..w{n_workers:06d} (password {DEMO_PASSWORD})")
