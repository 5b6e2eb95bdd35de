"""Demo selections (page 1 of the articles): 最美出租汽车司机 with 363 candidates nominated by the 16 district unions,
passed through material review (some refused with reasons), voted on by members for a week (a few votes held for
fraud signals and decided), now at the expert review with four criteria (专业技能, 服务水平, 职业道德, 社会贡献) and five
experts, four of whom have scored; 100 will be named and 10 in the top ten. Also 最美快递员 in its public vote (so
w000001... can vote) and a few model-worker honours (w000001 is a 北京市劳动模范).

Bulk-written for speed (seconds), in the same shapes the services write. Idempotent: skipped when the selection exists.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from zhijia.accounts.models import Role, User
from zhijia.honors import services
from zhijia.honors.models import (
    Candidate,
    CandidateStatus,
    Expert,
    Honour,
    MaterialReview,
    Score,
    Selection,
    Stage,
    Vote,
    VoteDayCounter,
    VoteStatus,
)
from zhijia.members.demo import demo_person
from zhijia.members.models import Membership, MembershipStatus, Worker
from zhijia.orgs.models import Level, Union

TITLE = "2021年最美出租汽车司机推选"
COURIER_TITLE = "2026年北京市最美快递员推选"
CANDIDATES = 363
CRITERIA = [("专业技能", "0.3"), ("服务水平", "0.3"), ("职业道德", "0.2"), ("社会贡献", "0.2")]
COMPANIES = ["北京北汽出租汽车集团", "北京银建出租汽车公司", "北京新月联合汽车公司", "北京金建出租汽车公司",
             "北京首汽（集团）出租汽车分公司", "北京祥龙出租客运公司", "网约车平台（兼职）"]
DEEDS = ["驾驶出租汽车{y}年，安全行驶{km}万公里无事故", "拾金不昧{n}次，归还乘客财物价值{v}万余元",
         "冬奥会期间承担赛事保障运输任务，服务运动员和媒体记者", "疫情期间加入“爱心送医”车队，免费接送医护人员{n}百余人次",
         "坚持“一老一小”优先服务，为老年乘客提供电话约车", "所在车队“党员示范车”带头人，带出徒弟{n}名",
         "深夜护送突发疾病乘客就医，被评为“首都文明出租车司机”", "乘客满意率连续{y}年保持在99%以上"]
REJECT_REASONS = {"事迹材料完整": "事迹材料缺少所在单位证明", "所在单位或工会推荐意见": "缺少所在单位或工会推荐意见",
                  "无违法违规及重大投诉记录": "查有未处理的乘客投诉记录", "身份信息真实完整": "从业资格证信息与身份信息不一致"}
HONOURS = [(1, "model_worker", "北京市劳动模范", "municipal", 2020), (2, "advanced_worker", "北京市先进工作者", "municipal", 2020),
           (3, "model_worker", "全国劳动模范", "national", 2015), (5, "title", "首都最美巾帼奋斗者", "municipal", 2022),
           (8, "model_worker", "房山区劳动模范", "district", 2021), (13, "advanced_worker", "海淀区先进工作者", "district", 2023)]


def _story(rnd: random.Random, company: str) -> str:
    deeds = rnd.sample(DEEDS, 3)
    text = "；".join(d.format(y=rnd.randint(8, 30), km=rnd.randint(60, 180), n=rnd.randint(3, 30),
                             v=rnd.randint(1, 20)) for d in deeds)
    return f"{company}驾驶员。{text}。"


@transaction.atomic
def seed(stdout, options) -> None:
    root = Union.objects.filter(level=Level.MUNICIPAL, name="北京市总工会").first()
    admin = User.objects.filter(username="admin").first()
    if root is None or admin is None:
        stdout.write("  honors: union tree or admin missing, skipped")
        return
    if Selection.objects.filter(title=TITLE).exists():
        stdout.write("  honors: already seeded")
        return
    rnd = random.Random(2021)
    _honours(admin)
    taxi = _taxi_selection(rnd, root, admin)
    courier = _courier_selection(rnd, root, admin)
    stdout.write(f"  honors: {TITLE}: {taxi['candidates']} candidates, {taxi['passed']} past review, "
                 f"{taxi['votes']} votes ({taxi['rejected_votes']} rejected after review), expert review "
                 f"{taxi['scored']} sheets; {COURIER_TITLE} in its public vote ({courier} candidates); "
                 f"experts reviewer, expert1..expert4")


def _honours(admin) -> None:
    workers = dict(Worker.objects.filter(user__username__in=[f"w{i:06d}" for i, *_ in HONOURS])
               .values_list("user__username", "pk"))
    unions = dict(Membership.objects.filter(worker_id__in=workers.values(), status=MembershipStatus.ADMITTED)
                  .values_list("worker_id", "union_id"))
    Honour.objects.bulk_create([
        Honour(worker_id=workers[f"w{i:06d}"], kind=kind, title=title, level=level, year=year,
               union_id=unions.get(workers[f"w{i:06d}"], admin.union_id), recorded_by=admin, note="历史荣誉补录")
        for i, kind, title, level, year in HONOURS if f"w{i:06d}" in workers], ignore_conflicts=True)


def _experts(root) -> list[User]:
    password = make_password("zhijia-demo")
    for i in range(1, 5):
        User.objects.get_or_create(username=f"expert{i}", defaults={
            "role": Role.REVIEWER, "union": root, "display_name": f"评审专家{i}", "password": password})
    return list(User.objects.filter(username__in=["reviewer", "expert1", "expert2", "expert3", "expert4"])
                .order_by("username"))


def _taxi_selection(rnd: random.Random, root: Union, admin: User) -> dict:
    now = timezone.now()
    vote_start = (now - dt.timedelta(days=12)).replace(hour=8, minute=0, second=0, microsecond=0)
    vote_end = vote_start + dt.timedelta(days=7)
    selection = services.selection_create(
        admin, title=TITLE, year=2021, votes_per_day=1, vote_starts_at=vote_start, vote_ends_at=vote_end,
        nomination_ends_at=vote_start - dt.timedelta(days=10), shortlist_size=100, top_size=10,
        vote_weight="0.3", expert_weight="0.7", honour_title="2021年最美出租汽车司机", honour_level="national",
        description="交通运输部、中华全国总工会联合开展。经资料审核、网络投票、专家评审等环节，"
                    "综合考虑专业技能、服务水平、职业道德、社会贡献等方面，推选100名最美出租汽车司机，其中10人为十大最美出租汽车司机。")
    districts = list(Union.objects.filter(parent=root, level=Level.DISTRICT).order_by("region_code"))
    drivers = list(Worker.objects.filter(memberships__status=MembershipStatus.ADMITTED,
                                         occupation="ride_hailing_driver").order_by("pk").values_list("pk", flat=True))
    nominated_at = vote_start - dt.timedelta(days=30)
    candidates = []
    for i in range(1, CANDIDATES + 1):
        person = demo_person(500000 + i)
        company = rnd.choice(COMPANIES)
        name = {1: "马玉芬", 2: "王建生"}.get(i, person["name"])
        candidates.append(Candidate(
            selection=selection, number=i, name=name, union=districts[i % len(districts)],
            worker_id=drivers[i] if i < len(drivers) else None, employer=company, story=_story(rnd, company),
            status=CandidateStatus.NOMINATED, nominated_by=admin,
            nominated_at=nominated_at + dt.timedelta(minutes=7 * i)))
    Candidate.objects.bulk_create(candidates)
    candidates = list(Candidate.objects.filter(selection=selection).order_by("number"))
    # Material review: about one in eight refused, each with the failed item and a reason.
    reviews = []
    for c in candidates:
        checks = dict.fromkeys(selection.checklist, True)
        if c.number > 2 and rnd.random() < 0.13:
            failed = rnd.choice(list(REJECT_REASONS))
            checks[failed] = False
            c.status, reason = CandidateStatus.REJECTED, REJECT_REASONS[failed]
        else:
            c.status, reason = CandidateStatus.PASSED, ""
        reviews.append(MaterialReview(candidate=c, reviewer=admin, checks=checks, passed=not reason, reason=reason))
    Candidate.objects.bulk_update(candidates, ["status"])
    MaterialReview.objects.bulk_create(reviews)
    passed = [c for c in candidates if c.status == CandidateStatus.PASSED]
    votes = _votes(rnd, selection, passed, vote_start, admin)
    # Expert review: four criteria, five experts; four have scored every candidate, the demo reviewer none yet.
    criteria = services.criteria_set(admin, selection_id=selection.pk,
                                     criteria=[{"name": n, "weight": w} for n, w in CRITERIA])
    experts = [Expert.objects.create(selection=selection, user=u) for u in _experts(root)]
    quality = {c.pk: rnd.gauss(78, 8) for c in passed}
    scores = []
    for e in experts:
        if e.user.username == "reviewer":
            continue
        bias = rnd.uniform(-4, 4)
        for c in passed:
            for k in criteria:
                value = max(0, min(100, quality[c.pk] + bias + rnd.gauss(0, 5)))
                scores.append(Score(expert=e, candidate=c, criterion=k, value=Decimal(f"{value:.1f}")))
    Score.objects.bulk_create(scores, batch_size=5000)
    Selection.objects.filter(pk=selection.pk).update(stage=Stage.EXPERT_REVIEW)
    services.live_totals_rebuild(selection_id=selection.pk)
    return {"candidates": len(candidates), "passed": len(passed), "votes": votes["counted"],
            "rejected_votes": votes["rejected"], "scored": len(scores) // len(criteria)}


def _votes(rnd: random.Random, selection: Selection, passed: list[Candidate], start: dt.datetime, admin) -> dict:
    """A week of one vote a day from members, skewed towards popular candidates; a burst from one network on day
    three was held and rejected by a reviewer."""
    members = list(Membership.objects.filter(status=MembershipStatus.ADMITTED).values_list("worker_id", flat=True)
                   .order_by("worker_id")[:6000])
    weights = [1 / (i + 1) ** 0.8 for i in range(len(passed))]
    order = passed[:]
    rnd.shuffle(order)
    rows, counters = [], []
    for day in range(7):
        date = timezone.localdate(start + dt.timedelta(days=day))
        voters = rnd.sample(members, min(len(members), 1200 + 150 * day))
        picks = rnd.choices(order, weights=weights, k=len(voters))
        for worker_id, cand in zip(voters, picks, strict=True):
            at = start + dt.timedelta(days=day, seconds=rnd.randint(0, 14 * 3600))
            rows.append(Vote(selection=selection, candidate=cand, worker_id=worker_id, day=date, cast_at=at,
                             network=f"10.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.0/24"))
            counters.append(VoteDayCounter(selection=selection, worker_id=worker_id, day=date, used=1, day_limit=1))
    # The burst: 60 members of the third day's voters, one /24, a few seconds apart, all for one candidate.
    burst_day = timezone.localdate(start + dt.timedelta(days=2))
    used = {c.worker_id for c in counters if c.day == burst_day}
    burst = [m for m in members if m not in used][:60]
    t = start + dt.timedelta(days=2, hours=23)
    for i, worker_id in enumerate(burst):
        rows.append(Vote(selection=selection, candidate=order[-1], worker_id=worker_id, day=burst_day,
                         cast_at=t + dt.timedelta(seconds=i * 2), network="123.112.45.0/24",
                         status=VoteStatus.REJECTED, signals=["network_burst"], reviewed_by=admin,
                         reviewed_at=t + dt.timedelta(days=1), review_note="同一网段短时集中投票，判定无效"))
        counters.append(VoteDayCounter(selection=selection, worker_id=worker_id, day=burst_day, used=1, day_limit=1))
    Vote.objects.bulk_create(rows, batch_size=5000)
    VoteDayCounter.objects.bulk_create(counters, batch_size=5000)
    return {"counted": len(rows) - len(burst), "rejected": len(burst)}


def _courier_selection(rnd: random.Random, root: Union, admin: User) -> int:
    now = timezone.now()
    selection = services.selection_create(
        admin, title=COURIER_TITLE, votes_per_day=3, vote_starts_at=now - dt.timedelta(days=1),
        vote_ends_at=now + dt.timedelta(days=6), shortlist_size=20, top_size=10, honour_title="北京市最美快递员",
        description="面向全市快递员，由各区总工会推荐，会员每天可投3票。")
    districts = list(Union.objects.filter(parent=root, level=Level.DISTRICT).order_by("region_code"))
    companies = ["顺丰速运", "京东物流", "中国邮政", "中通快递", "圆通速递"]
    now = timezone.now()
    rows = []
    for i in range(1, 31):
        person = demo_person(600000 + i)
        company = rnd.choice(companies)
        rows.append(Candidate(
            selection=selection, number=i, name=person["name"], union=districts[i % len(districts)],
            employer=f"{company}{rnd.choice(['朝阳', '海淀', '房山', '通州'])}营业部", status=CandidateStatus.PASSED,
            story=(f"{company}快递员，从业{rnd.randint(3, 15)}年，日均派件{rnd.randint(150, 320)}件，"
                   f"连续{rnd.randint(2, 6)}年零投诉；疫情期间坚守一线保障社区物资配送。"),
            nominated_by=admin, nominated_at=now - dt.timedelta(days=20, minutes=-i)))
    Candidate.objects.bulk_create(rows)
    Selection.objects.filter(pk=selection.pk).update(stage=Stage.PUBLIC_VOTE)
    _courier_votes(rnd, selection)
    services.live_totals_rebuild(selection_id=selection.pk)
    return len(rows)


def _courier_votes(rnd: random.Random, selection: Selection) -> None:
    """Yesterday's and today's votes so far, and a dozen from one /24 in one minute waiting for a reviewer."""
    candidates = list(Candidate.objects.filter(selection=selection).order_by("number"))
    members = list(Membership.objects.filter(status=MembershipStatus.ADMITTED).values_list("worker_id", flat=True)
                   .order_by("-worker_id")[:800])
    now = timezone.now()
    votes, counters = [], []
    for back, voters in ((1, members[:500]), (0, members[500:760])):
        day_start = now - dt.timedelta(days=back, hours=rnd.randint(1, 3))
        for worker_id in voters:
            at = day_start - dt.timedelta(minutes=rnd.randint(0, 600))
            n = rnd.randint(1, 3)
            for cand in rnd.sample(candidates, n):
                votes.append(Vote(selection=selection, candidate=cand, worker_id=worker_id, day=timezone.localdate(at),
                                  cast_at=at, network=f"10.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.0/24"))
            counters.append(VoteDayCounter(selection=selection, worker_id=worker_id, day=timezone.localdate(at),
                                           used=n, day_limit=3))
    t = now - dt.timedelta(minutes=20)
    for i, worker_id in enumerate(members[760:772]):
        at = t + dt.timedelta(seconds=3 * i)
        votes.append(Vote(selection=selection, candidate=candidates[4], worker_id=worker_id,
                          day=timezone.localdate(at), cast_at=at, network="221.218.37.0/24",
                          status=VoteStatus.QUARANTINED if i >= 9 else VoteStatus.COUNTED,
                          signals=["network_burst"] if i >= 9 else [], device_id="" if i < 10 else "a1f3-77"))
        counters.append(VoteDayCounter(selection=selection, worker_id=worker_id, day=timezone.localdate(at), used=1,
                                       day_limit=3))
    Vote.objects.bulk_create(votes, batch_size=5000)
    VoteDayCounter.objects.bulk_create(counters, batch_size=5000)
