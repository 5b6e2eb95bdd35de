"""Reads of the contests subsystem. Staff reads go through orgs.selectors.scoped(); judges also see the contests
they are assigned to; a worker sees contests open to them and their own entries (results only once published)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijia.contests import services
from zhijia.contests.models import (
    Certificate,
    Contest,
    ContestJudge,
    Entry,
    ExamAttempt,
    PracticeScore,
    Question,
    Round,
    RoundResult,
    RoundStatus,
)
from zhijia.contests.services import certificate_number_valid, may_judge
from zhijia.core.errors import NotFound, PermissionDenied
from zhijia.members.selectors import member_in_good_standing, worker_for_user
from zhijia.orgs.selectors import require_staff, scoped


def contest_list(*, user) -> QuerySet[Contest]:
    """Contests organised in the caller's subtree, and those the caller judges."""
    require_staff(user)
    mine = scoped(Contest.objects.all(), user).values("pk")
    judged = ContestJudge.objects.filter(user=user).values("contest_id")
    return (Contest.objects.filter(Q(pk__in=mine) | Q(pk__in=judged)).select_related("union")
            .annotate(entrants=Count("entries", distinct=True)).order_by("-registration_opens_at", "-pk"))


def may_organise(*, user, contest: Contest) -> bool:
    """Organising staff of the contest's subtree (judges who only judge may not publish or advance)."""
    return user.role in services.ORGANISERS and require_staff(user).contains(contest.union)


def contest_get(*, user, contest_id: int) -> Contest:
    contest = contest_list(user=user).filter(pk=contest_id).first()
    if contest is None:
        raise NotFound(_("比赛不存在"))
    return contest


def round_list(*, contest: Contest) -> list[Round]:
    """The rounds in order, each with `participants` (entrants who reached it) and how many sat its paper."""
    rounds = list(Round.objects.filter(contest=contest).annotate(
        attempts_count=Count("attempts", distinct=True), results_count=Count("results", distinct=True))
        .order_by("order"))
    reached = dict(Entry.objects.filter(contest=contest).values("reached_order").annotate(n=Count("pk"))
                   .values_list("reached_order", "n"))
    for rnd in rounds:
        rnd.participants = sum(n for order, n in reached.items() if order >= rnd.order)
    return rounds


def round_get(*, user, round_id: int) -> Round:
    rnd = Round.objects.select_related("contest__union").filter(pk=round_id).first()
    if rnd is None or not contest_list(user=user).filter(pk=rnd.contest_id).exists():
        raise NotFound(_("赛程不存在"))
    return rnd


def entry_list(*, user, contest_id: int, q: str | None = None, order: int | None = None) -> QuerySet[Entry]:
    contest = contest_get(user=user, contest_id=contest_id)
    qs = Entry.objects.filter(contest=contest).select_related("worker", "union")
    if order:
        qs = qs.filter(reached_order__gte=order)
    if q:
        q = q.strip()
        qs = qs.filter(Q(worker__name__contains=q) | Q(number=int(q)) if q.isdigit() else Q(worker__name__contains=q))
    return qs.order_by("number")


def question_list(*, user, contest_id: int) -> QuerySet[Question]:
    contest = contest_get(user=user, contest_id=contest_id)
    return Question.objects.filter(contest=contest, active=True).order_by("category", "pk")


def question_categories(*, contest: Contest) -> list[dict]:
    return list(Question.objects.filter(contest=contest, active=True).values("category")
                .annotate(n=Count("pk")).order_by("category"))


def ranking(*, user, round_id: int) -> tuple[Round, QuerySet[RoundResult]]:
    """A round's published results in rank order (ties by entrant number)."""
    rnd = round_get(user=user, round_id=round_id)
    results = (RoundResult.objects.filter(round=rnd).select_related("entry__worker", "entry__union")
               .order_by("rank", "entry__number"))
    return rnd, results


def scoring_sheet(*, user, round_id: int) -> tuple[Round, list[dict]]:
    """For a judge: the round's entrants with the judge's own score (if any) and how many judges scored."""
    rnd = round_get(user=user, round_id=round_id)
    if not may_judge(user, rnd.contest):
        raise PermissionDenied(_("仅限本比赛的裁判或评审专家录入实操成绩"))
    mine = {s.entry_id: s for s in PracticeScore.objects.filter(round=rnd, judge=user)}
    counts = dict(PracticeScore.objects.filter(round=rnd).values("entry_id").annotate(n=Count("pk"))
                  .values_list("entry_id", "n"))
    entries = Entry.objects.filter(contest=rnd.contest, reached_order__gte=rnd.order).select_related(
        "worker", "union").order_by("number")
    return rnd, [{"entry": e, "mine": mine.get(e.pk), "judges": counts.get(e.pk, 0)} for e in entries]


# --- worker reads ------------------------------------------------------------------------------------------------


def contest_list_open_to(*, user, now=None) -> list[Contest]:
    """Contests a member in good standing may register for now: organised by their union or one above it, with
    the registration window open and the occupation (if any) theirs."""
    membership = member_in_good_standing(user)
    if membership is None:
        return []
    now = now or timezone.now()
    union = membership.union
    qs = (Contest.objects.filter(union_id__in=[*union.ancestor_ids, union.pk], registration_opens_at__lte=now,
                                 registration_closes_at__gte=now)
          .filter(Q(occupation="") | Q(occupation=membership.worker.occupation))
          .exclude(entries__worker=membership.worker).select_related("union")
          .annotate(entrants=Count("entries")).order_by("registration_closes_at"))
    return list(qs)


def entry_list_own(*, user) -> list[dict]:
    """The worker's entries, each with its rounds: what they may do (take the exam) and what was published."""
    worker = worker_for_user(user)
    if worker is None:
        raise PermissionDenied(_("请先以职工身份登录"))
    entries = list(Entry.objects.filter(worker=worker).select_related("contest__union", "union")
                   .order_by("-created_at"))
    rounds = {}
    for rnd in Round.objects.filter(contest_id__in=[e.contest_id for e in entries]).order_by("order"):
        rounds.setdefault(rnd.contest_id, []).append(rnd)
    attempts = {(a.round_id, a.entry_id): a for a in ExamAttempt.objects.filter(entry__in=entries)}
    results = {(r.round_id, r.entry_id): r for r in RoundResult.objects.filter(
        entry__in=entries, round__status__in=[RoundStatus.PUBLISHED, RoundStatus.ADVANCED])}
    certificates = {c.entry_id: c for c in Certificate.objects.filter(entry__in=entries)}
    now = timezone.now()
    out = []
    for e in entries:
        stages = []
        for rnd in rounds.get(e.contest_id, []):
            reached = rnd.order <= e.reached_order
            attempt = attempts.get((rnd.pk, e.pk))
            exam_open = (reached and rnd.status == RoundStatus.OPEN and rnd.theory_weight > 0
                         and rnd.exam_opens_at is not None and rnd.exam_opens_at <= now < rnd.exam_closes_at
                         and (attempt is None or attempt.submitted_at is None))
            stages.append({"round": rnd, "reached": reached, "attempt": attempt, "exam_open": exam_open,
                           "result": results.get((rnd.pk, e.pk))})
        out.append({"entry": e, "stages": stages, "certificate": certificates.get(e.pk)})
    return out


def round_for_entrant(*, user, round_id: int) -> Round:
    """A round of a contest the worker entered (what the exam's start page describes)."""
    worker = worker_for_user(user)
    rnd = (Round.objects.select_related("contest").filter(pk=round_id, contest__entries__worker=worker).first()
           if worker else None)
    if rnd is None:
        raise NotFound(_("赛程不存在或您没有报名该比赛"))
    return rnd


def attempt_own(*, user, round_id: int) -> ExamAttempt:
    worker = worker_for_user(user)
    attempt = (ExamAttempt.objects.select_related("round__contest", "entry")
               .filter(round_id=round_id, entry__worker=worker).first()) if worker else None
    if attempt is None:
        raise NotFound(_("您还没有开始本轮考试"))
    return attempt


def paper(attempt: ExamAttempt) -> list[dict]:
    """The entrant's paper in paper order, without the answers; the correct letters only after publication."""
    by_id = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    show_key = attempt.round.status != RoundStatus.OPEN
    out = []
    for n, qid in enumerate(attempt.question_ids, start=1):
        q = by_id[qid]
        out.append({"n": n, "id": qid, "kind": q.kind, "kind_label": q.get_kind_display(), "text": q.text,
                    "points": q.points, "options": [{"letter": "ABCDEFGH"[i], "text": o}
                                                    for i, o in enumerate(q.options)],
                    "answer": attempt.answers.get(str(qid), ""), "correct": q.answer if show_key else None})
    return out


def own_result(*, user, round_id: int) -> RoundResult | None:
    worker = worker_for_user(user)
    return (RoundResult.objects.select_related("round").filter(
        round_id=round_id, entry__worker=worker,
        round__status__in=[RoundStatus.PUBLISHED, RoundStatus.ADVANCED]).first()) if worker else None


def certificate_get(*, user, entry_id: int) -> Certificate:
    """The certificate of an entry: the entrant's own, or any in a staff member's contests."""
    cert = Certificate.objects.select_related("entry__worker", "entry__contest__union", "entry__union").filter(
        entry_id=entry_id).first()
    if cert is not None:
        worker = worker_for_user(user)
        if worker is not None and cert.entry.worker_id == worker.pk:
            return cert
        if getattr(user, "is_union_staff", False) and contest_list(user=user).filter(
                pk=cert.entry.contest_id).exists():
            return cert
    raise NotFound(_("证书不存在"))


def certificate_verify(*, number: str) -> Certificate | None:
    """Anyone may check a certificate number: the check characters first, then the register."""
    if not certificate_number_valid(number):
        return None
    return Certificate.objects.select_related("entry__worker", "entry__contest__union").filter(
        number=number.strip().upper()).first()


def contest_stats(*, user) -> dict:
    contests = scoped(Contest.objects.all(), user)
    return {"contests": contests.count(), "entries": Entry.objects.filter(contest__in=contests).count()}
