"""Demo contests.

1. Page 2's contest: the city's bus dispatcher contest (汽车客运调度员), 1,700 entrants; the 初赛 (theory, online)
   marked and advanced (top 300), the 复赛 (theory 40% + practice 60%, three judges) marked and advanced to 47
   finalists; the 决赛 open now: its theory exam can be taken and judges are entering practice scores. The demo
   worker w000001 is a finalist, so `/w/contests/` shows the exam.
2. Last year's contest, finished, with certificates (w000001 among the winners).
3. A district contest open for registration.

Papers are drawn with the real drawing (seeded); rows are bulk-written so the seed takes a few seconds; rounds are
published and advanced through the real services. Idempotent: skipped when the first contest exists.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Avg, F
from django.utils import timezone

from zhijia.accounts.demo import DEMO_PASSWORD
from zhijia.accounts.models import Role, User
from zhijia.contests import services
from zhijia.contests.models import (
    Contest,
    Entry,
    ExamAttempt,
    PracticeScore,
    Question,
    QuestionKind,
    Round,
)
from zhijia.contests.paper import paper_draw
from zhijia.contests.questions_demo import BUS_DISPATCHER
from zhijia.members.models import Membership, MembershipStatus
from zhijia.orgs.models import Level, Union

ENTRANTS = 1700
SEMIFINALISTS = 300
FINALISTS = 47
SPEC = {"调度业务": 10, "安全规范": 6, "法规政策": 4}
JUDGES = [("judge01", "裁判一"), ("judge02", "裁判二")]


def _bank(contest: Contest, rnd: random.Random) -> None:
    """The demo bank, with the options of each choice question in a seeded order (the answer follows)."""
    questions = []
    for category, kind, text, options, answer, points in BUS_DISPATCHER:
        if kind != QuestionKind.TRUE_FALSE:
            order = list(range(len(options)))
            rnd.shuffle(order)
            answer = "".join(sorted("ABCDEFGH"[order.index("ABCDEFGH".index(ch))] for ch in answer))
            options = [options[i] for i in order]
        else:
            options = services.TRUE_FALSE_OPTIONS
        questions.append(Question(contest=contest, category=category, kind=kind, text=text, options=options,
                                  answer=answer, points=points))
    Question.objects.bulk_create(questions)


def _sit_exam(rnd_round: Round, entries: list[Entry], skill: dict[int, float], rnd: random.Random,
              key: dict[int, tuple[str, int, int]]) -> None:
    """Every entrant present sits the paper drawn for them; each answer is right with the entrant's skill."""
    bank = services.bank_by_category(rnd_round.contest_id)
    attempts = []
    start = rnd_round.exam_opens_at + dt.timedelta(hours=1)
    for e in entries:
        if skill[e.pk] <= 0:
            continue
        seed, ids = paper_draw(round_seed=rnd_round.paper_seed, entry_id=e.pk, bank=bank, spec=rnd_round.paper_spec)
        answers, got, total = {}, 0, 0
        for qid in ids:
            right, n_options, points = key[qid]
            total += points
            if rnd.random() < skill[e.pk]:
                answers[str(qid)] = right
                got += points
            else:
                wrong = [ch for ch in "ABCDEFGH"[:n_options] if ch != right]
                answers[str(qid)] = rnd.choice(wrong) if wrong else ""
        submitted = start + dt.timedelta(minutes=rnd.randint(15, rnd_round.exam_minutes))
        attempts.append(ExamAttempt(round=rnd_round, entry=e, seed=seed, question_ids=ids, started_at=start,
                                    deadline=start + dt.timedelta(minutes=rnd_round.exam_minutes), answers=answers,
                                    submitted_at=submitted, points=got, max_points=total,
                                    score=(Decimal(got * 100) / total).quantize(Decimal("0.01"))))
    ExamAttempt.objects.bulk_create(attempts, batch_size=1000)


def _practice(rnd_round: Round, entries: list[Entry], skill: dict[int, float], judges: list[User],
              rnd: random.Random) -> None:
    rows = []
    for e in entries:
        if skill[e.pk] <= 0:
            continue
        base = 55 + 40 * skill[e.pk]
        for judge in judges:
            score = max(0, min(100, base + rnd.uniform(-6, 6)))
            rows.append(PracticeScore(round=rnd_round, entry=e, judge=judge,
                                      score=Decimal(str(round(score, 1)))))
    PracticeScore.objects.bulk_create(rows, batch_size=2000)


def _untie(rnd_round: Round, n: int) -> None:
    """Demo data only, before publication: when entrants tie for place n (all of them would go through), lower
    the practice scores of the later-numbered ones by a point, so that exactly n advance, as on page 2."""
    two = Decimal("0.01")
    theory = dict(ExamAttempt.objects.filter(round=rnd_round).values_list("entry_id", "score"))
    practice = {r["entry_id"]: r["avg"] for r in
                PracticeScore.objects.filter(round=rnd_round).values("entry_id").annotate(avg=Avg("score"))}
    totals = {e: services.weighted_total(theory=Decimal(theory.get(e) or 0).quantize(two, ROUND_HALF_UP),
                                         practice=Decimal(practice.get(e) or 0).quantize(two, ROUND_HALF_UP),
                                         round=rnd_round) for e in set(theory) | set(practice)}
    ordered = sorted(totals.values(), reverse=True)
    if len(ordered) <= n or ordered[n] != ordered[n - 1]:
        return
    above = sum(1 for t in ordered if t > ordered[n - 1])
    tied = sorted(e for e, t in totals.items() if t == ordered[n - 1])
    PracticeScore.objects.filter(round=rnd_round, entry_id__in=tied[n - above:]).update(score=F("score") - 1)


def _judges(root: Union) -> list[User]:
    password = make_password(DEMO_PASSWORD)
    users = [User.objects.filter(username="reviewer").first()]
    for username, name in JUDGES:
        user, _ = User.objects.get_or_create(username=username, defaults={
            "role": Role.REVIEWER, "union": root, "display_name": name, "password": password})
        users.append(user)
    return [u for u in users if u is not None]


def _district_of(union: Union) -> Union | None:
    return Union.objects.filter(pk__in=[*union.ancestor_ids, union.pk], level=Level.DISTRICT).order_by("depth").first()


@transaction.atomic
def seed(stdout, options) -> None:
    admin = User.objects.filter(username="admin").first()
    root = Union.objects.filter(name="北京市总工会").order_by("depth").first()
    if admin is None or root is None:
        stdout.write("  contests: union tree or admin missing, skipped")
        return
    year = timezone.localdate().year
    title = f"{year}年北京市职工职业技能大赛汽车客运调度员比赛"
    if Contest.objects.filter(title=title).exists():
        stdout.write("  contests: already seeded")
        return
    rnd = random.Random(2021)
    now = timezone.now().replace(second=0, microsecond=0)
    day = dt.timedelta(days=1)
    judges = _judges(root)

    firsts = list(Membership.objects.filter(status=MembershipStatus.ADMITTED, worker__user__username__in=[
        f"w{i:06d}" for i in range(1, 6)]).select_related("worker", "union").order_by("worker__user__username"))
    others = list(Membership.objects.filter(status=MembershipStatus.ADMITTED).exclude(
        worker_id__in=[m.worker_id for m in firsts]).select_related("union").order_by("pk")[:ENTRANTS * 2])
    members = firsts + rnd.sample(others, min(ENTRANTS - len(firsts), len(others)))
    if not members:
        stdout.write("  contests: no members, skipped")
        return

    # 1. Page 2's contest.
    contest = services.contest_create(
        admin, title=title, trade="汽车客运调度员", description="9家客运单位组织选手参赛；选拔赛经初赛、复赛，决赛比理论、实操。",
        registration_opens_at=now - 60 * day, registration_closes_at=now - 45 * day, award_places=5,
        rounds=[
            {"stage": "preliminary", "theory_weight": 100, "practice_weight": 0, "advance_rule": "top_n",
             "advance_value": SEMIFINALISTS, "exam_opens_at": now - 40 * day, "exam_closes_at": now - 38 * day,
             "exam_minutes": 40, "paper_spec": SPEC},
            {"stage": "semifinal", "theory_weight": 40, "practice_weight": 60, "advance_rule": "top_n",
             "advance_value": FINALISTS, "exam_opens_at": now - 25 * day, "exam_closes_at": now - 24 * day,
             "exam_minutes": 40, "paper_spec": SPEC},
            {"stage": "final", "theory_weight": 30, "practice_weight": 70, "exam_opens_at": now - day,
             "exam_closes_at": now + 14 * day, "exam_minutes": 45, "paper_spec": SPEC},
        ])
    for judge in judges:
        services.judge_assign(admin, contest_id=contest.pk, user_id=judge.pk)
    _bank(contest, rnd)
    key = {q.pk: (q.answer, len(q.options), q.points) for q in Question.objects.filter(contest=contest)}
    Entry.objects.bulk_create([
        Entry(contest=contest, worker_id=m.worker_id, union_id=m.union_id, number=n, registered_by=admin)
        for n, m in enumerate(members, start=1)], batch_size=2000)
    entries = list(Entry.objects.filter(contest=contest).order_by("number"))
    # A skill per entrant: the demo workers w000001-w000002 answer everything right (so they always reach the final,
    # whatever papers the rounds' random seeds draw); 3% do not turn up.
    skill = {e.pk: (1.0 if e.number <= 2 else 0.0 if rnd.random() < 0.03 else rnd.betavariate(5, 3))
             for e in entries}
    prelim, semi, final = list(Round.objects.filter(contest=contest).order_by("order"))
    _sit_exam(prelim, entries, skill, rnd, key)
    services.round_publish(admin, round_id=prelim.pk, now=now - 37 * day)
    services.round_advance(admin, round_id=prelim.pk, now=now - 36 * day)

    semifinal = list(Entry.objects.filter(contest=contest, reached_order__gte=2).order_by("number"))
    _sit_exam(semi, semifinal, skill, rnd, key)
    _practice(semi, semifinal, skill, judges, rnd)
    _untie(semi, FINALISTS)
    services.round_publish(admin, round_id=semi.pk, now=now - 23 * day)
    advanced = services.round_advance(admin, round_id=semi.pk, now=now - 22 * day)

    # The final is on: a judge has scored the first dozen finalists' practice.
    finalists = list(Entry.objects.filter(contest=contest, reached_order__gte=3).order_by("number"))
    _practice(final, finalists[2:14], skill, judges[:1], rnd)

    # 2. Last year's contest, finished, with certificates.
    last = services.contest_create(
        admin, title=f"{year - 1}年北京市职工职业技能大赛公交驾驶员比赛", trade="公交驾驶员", award_places=5,
        registration_opens_at=now - 400 * day, registration_closes_at=now - 380 * day,
        rounds=[{"stage": "final", "theory_weight": 30, "practice_weight": 70}])
    _bank(last, rnd)
    old = members[:20]
    Entry.objects.bulk_create([Entry(contest=last, worker_id=m.worker_id, union_id=m.union_id, number=n,
                                     registered_by=admin) for n, m in enumerate(old, start=1)])
    last_entries = list(Entry.objects.filter(contest=last).order_by("number"))
    last_skill = {e.pk: (0.95 if e.number == 1 else rnd.betavariate(4, 3)) for e in last_entries}
    last_final = Round.objects.get(contest=last)
    ExamAttempt.objects.bulk_create([
        ExamAttempt(round=last_final, entry=e, seed="", question_ids=[], started_at=now - 370 * day,
                    deadline=now - 370 * day + dt.timedelta(minutes=45), submitted_at=now - 370 * day, points=0,
                    max_points=0, score=Decimal(str(round(60 + 40 * last_skill[e.pk], 1))))
        for e in last_entries])
    _practice(last_final, last_entries, last_skill, judges, rnd)
    services.round_publish(admin, round_id=last_final.pk, now=now - 365 * day)

    # 3. A district contest open for registration, by the district of the first demo worker.
    district = _district_of(firsts[0].union) if firsts else None
    if district is not None:
        open_contest = services.contest_create(
            admin, union_id=district.pk, title=f"{district.name.removesuffix('总工会')}新就业形态劳动者技能竞赛（快递员）",
            trade="快递员", kind="labour", capacity=500,
            description="面向辖区在会会员，初赛线上理论答题，复赛、决赛现场实操。",
            registration_opens_at=now - 2 * day, registration_closes_at=now + 20 * day,
            rounds=[{"stage": "preliminary", "theory_weight": 100, "practice_weight": 0,
                     "advance_rule": "top_percent", "advance_value": 20, "exam_opens_at": now + 25 * day,
                     "exam_closes_at": now + 27 * day, "exam_minutes": 30, "paper_spec": {"法规政策": 5,
                                                                                          "安全规范": 5}},
                    {"stage": "final", "theory_weight": 30, "practice_weight": 70}])
        _bank(open_contest, rnd)
    stdout.write(f"  contests: {title}: {len(entries)} entrants → {len(semifinal)} in the 复赛 → {advanced} "
                 f"finalists; a finished contest with certificates; a district contest open for registration")
