"""Demo volunteers: 平谷区总工会's deployments to front-line communities from 28 October 2022, 6 batches and 58
person-times (page 1), with signed shifts; and the first demo workers as volunteers with a shift open today so the
worker pages can sign in. Idempotent: skipped when the 平谷 deployments exist."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

from django.db import transaction
from django.utils import timezone

from zhijia.accounts.models import User
from zhijia.members.models import Membership, MembershipStatus
from zhijia.orgs.models import Union
from zhijia.volunteers import services
from zhijia.volunteers.models import Deployment, Shift, Volunteer, VolunteerCall

BATCH_SIZES = [12, 10, 10, 9, 9, 8]  # 58 person-times in 6 batches
TASKS = [("核酸检测支援", "testing_support"), ("卫生消杀", "disinfection"), ("秩序维持", "keeping_order"),
         ("买菜寄递", "grocery_delivery"), ("核酸检测支援", "testing_support"), ("秩序维持", "keeping_order")]
SKILLS = [["核酸检测支援", "秩序维持"], ["卫生消杀"], ["买菜寄递", "驾驶"], ["秩序维持"], ["医护", "核酸检测支援"]]


@transaction.atomic
def seed(stdout, options) -> None:
    pinggu = Union.objects.filter(name="平谷区总工会").first()
    admin = User.objects.filter(username="admin").first()
    if pinggu is None or admin is None:
        stdout.write("  volunteers: union tree or admin missing, skipped")
        return
    if Deployment.objects.filter(union=pinggu).exists():
        stdout.write("  volunteers: already seeded")
        return
    rnd = random.Random(1028)
    members = list(Membership.objects.filter(status=MembershipStatus.ADMITTED, union__path__startswith=pinggu.path)
                   .select_related("worker", "union").order_by("pk")[:24])
    existing = set(Volunteer.objects.values_list("worker_id", flat=True))
    Volunteer.objects.bulk_create([
        Volunteer(worker=m.worker, union=m.union, skills=SKILLS[k % len(SKILLS)], availability="随时响应",
                  certificates="红十字救护员证" if k % 4 == 0 else "")
        for k, m in enumerate(members) if m.worker_id not in existing])
    volunteers = list(Volunteer.objects.filter(union__path__startswith=pinggu.path).order_by("pk"))
    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    start_day = dt.datetime(2022, 10, 28, 8, 0, tzinfo=tz)
    call = services.volunteer_call_create(
        admin, union_id=pinggu.pk, title="支援滨河街道建西社区疫情防控", task="testing_support",
        place="平谷区滨河街道建西社区", starts_at=start_day, ends_at=start_day + dt.timedelta(days=14), needed=60)
    VolunteerCall.objects.filter(pk=call.pk).update(open=False)
    for batch, size in enumerate(BATCH_SIZES, start=1):
        begins = start_day + dt.timedelta(days=2 * (batch - 1))
        title, task = TASKS[batch - 1]
        chosen = rnd.sample(volunteers, min(size, len(volunteers)))
        d = services.deployment_create(admin, union_id=pinggu.pk, call_id=call.pk, title=f"下沉建西社区：{title}",
                                       batch=batch, place="平谷区滨河街道建西社区", task=task, starts_at=begins,
                                       ends_at=begins + dt.timedelta(hours=12), volunteers=[v.pk for v in chosen])
        for shift in Shift.objects.filter(deployment=d):
            signed_in = begins + dt.timedelta(minutes=rnd.randint(0, 40))
            services.shift_record(admin, shift_id=shift.pk, signed_in_at=signed_in,
                                  signed_out_at=signed_in + dt.timedelta(hours=rnd.choice([6, 8, 8, 10])))
    # The first demo workers: volunteers of their own union, with one deployment open today.
    firsts = list(Membership.objects.filter(status=MembershipStatus.ADMITTED, worker__user__username__in=[
        f"w{i:06d}" for i in range(1, 6)]).select_related("worker", "union"))
    for m in firsts:
        Volunteer.objects.get_or_create(worker=m.worker, defaults={"union": m.union, "skills": ["秩序维持"]})
    if firsts:
        today = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
        services.deployment_create(
            admin, union_id=firsts[0].union.pk, title="社区秩序维持", batch=1, place=f"{firsts[0].union.name}辖区",
            task="keeping_order", starts_at=today, ends_at=today + dt.timedelta(hours=14),
            volunteers=list(Volunteer.objects.filter(worker__in=[m.worker for m in firsts[:1]])
                            .values_list("pk", flat=True)))
        services.volunteer_call_create(admin, union_id=firsts[0].union.pk, title="周末为社区独居老人买菜寄递",
                                       task="grocery_delivery", place=f"{firsts[0].union.name}辖区",
                                       starts_at=today + dt.timedelta(days=3),
                                       ends_at=today + dt.timedelta(days=3, hours=6), needed=10)
    stdout.write(f"  volunteers: 平谷区总工会 {len(BATCH_SIZES)} batches, {sum(BATCH_SIZES)} person-times; "
                 f"{Volunteer.objects.count()} volunteers")
