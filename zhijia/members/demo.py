"""Demo workers and members: `--workers` accounts w000001... (password zhijia-demo), all members in good standing,
and more members without accounts up to `--members`, a third of them new-form workers. Deterministic and idempotent:
the same numbers give the same people, and existing ones are skipped."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from zhijia.accounts.demo import DEMO_PASSWORD
from zhijia.accounts.models import Role, User
from zhijia.core.crypto import keyed_hash
from zhijia.core.identity import id_number_check_char
from zhijia.members import routing
from zhijia.members.models import Membership, MembershipApplication, MembershipStatus, Worker
from zhijia.orgs.models import GIG_OCCUPATIONS, Kind, Level, Occupation, Union

PENDING_IN_FANGSHAN = 24

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


def _streets_by_district() -> dict[str, list[Union]]:
    streets: dict[str, list[Union]] = {}
    for u in Union.objects.filter(kind=Kind.FEDERATION, level__in=[Level.STREET, Level.TOWNSHIP]).order_by("id"):
        streets.setdefault(u.region_code[:6], []).append(u)
    return streets


class _Router:
    """兜底建 routing for the demo, memoised by (work place, trade): the same rules as an online application."""

    def __init__(self):
        self.rules = routing.active_rules()
        self.cache: dict[tuple[str, str], Union] = {}

    def union_for(self, work_region_code: str, occupation: str) -> Union:
        key = (work_region_code, occupation)
        if key not in self.cache:
            self.cache[key] = routing.route(routing.RouteInput(work_region_code=work_region_code,
                                                               occupation=occupation), rules=self.rules).union
        return self.cache[key]


@transaction.atomic
def seed(stdout, options) -> None:
    n_workers, n_members = options.get("workers", 1000), max(options.get("members", 20000), options.get("workers", 0))
    routing.seed_default_rules()
    streets = _streets_by_district()
    router = _Router()
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
        workers = list(Worker.objects.filter(id_number_hash__in=[w.id_number_hash for w in workers])
                       .only("id", "work_region_code", "occupation"))
        memberships = []
        for w in workers:
            union = router.union_for(w.work_region_code, w.occupation)
            joined = today - dt.timedelta(days=(w.pk * 37) % 1400)
            memberships.append(Membership(worker=w, union=union, status=MembershipStatus.ADMITTED, joined_on=joined))
        Membership.objects.bulk_create(memberships)
        _number_new_members()
        created += len(workers)
    pending = _pending_applications(n_members)
    _demo_cards()
    in_queue = MembershipApplication.objects.filter(status="pending", union__region_code__startswith="110111").count()
    stdout.write(f"  workers and members: {created} new, {Worker.objects.count()} in all; "
                 f"accounts w000001..w{n_workers:06d} (password {DEMO_PASSWORD}); "
                 f"{pending} new pending applications, {in_queue} in 房山's review queue")


def _demo_cards() -> None:
    """w000001..w000003 have opened their e-card; w000002 lost a phone and re-issued it, so the revocation list the
    scan page caches is not empty. Once only: a membership that has cards is left as it is."""
    from zhijia.members import services
    from zhijia.members.models import MemberCard

    for i in (1, 2, 3):
        user = User.objects.filter(username=f"w{i:06d}").first()
        membership = Membership.objects.filter(worker__user=user, status=MembershipStatus.ADMITTED).first()
        if user is None or membership is None or MemberCard.objects.filter(membership=membership).exists():
            continue
        services.card_current(user)
        if i == 2:
            services.card_reissue(user, reason="lost")


def _number_new_members() -> None:
    """member_number_for() for every admitted membership still without a number, in one UPDATE."""
    pad = "lpad(CAST(m.id AS TEXT), 10, '0')" if connection.vendor == "postgresql" else \
        "substr('0000000000' || m.id, -10, 10)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE members_membership AS m SET member_number =
                    (SELECT substr(u.region_code, 1, 6) FROM orgs_union u WHERE u.id = m.union_id) || {pad}
                WHERE m.member_number IS NULL AND m.status = 'admitted'""")  # noqa: S608


def _pending_applications(n_members: int) -> int:
    """Gig workers in 房山 who applied online and wait in the queue (ages from an hour to a week), each with a
    phone sign-in account (p<phone>) as a worker who signed in with a code would have."""
    from django.utils import timezone

    from zhijia.members import services

    fangshan_streets = [u.region_code for u in _streets_by_district().get("110111", [])]
    if not fangshan_streets:
        return 0
    made = 0
    for k in range(PENDING_IN_FANGSHAN):
        i = n_members + 1 + k
        p = demo_person(i)
        if Worker.objects.filter(id_number_hash=keyed_hash(p["id_number"])).exists():
            continue
        user, _ = User.objects.get_or_create(username=f"p{p['phone']}", defaults={
            "phone": p["phone"], "role": Role.WORKER, "display_name": p["name"], "password": make_password(None)})
        occupation = (*GIG_OCCUPATIONS, Occupation.OTHER)[k % 5]
        application = services.application_submit(
            user, name=p["name"], id_number=p["id_number"], phone=p["phone"], occupation=occupation,
            work_region_code=fangshan_streets[(k * 7) % len(fangshan_streets)])
        MembershipApplication.objects.filter(pk=application.pk).update(
            submitted_at=timezone.now() - dt.timedelta(hours=1 + k * 7))
        made += 1
    return made
