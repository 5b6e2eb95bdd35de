"""Reads of selections and honours. Staff reads go through orgs.selectors.scoped(): organisers see their subtree's
selections; a unit inside a selection's scope sees the selection and only its own subtree's candidates."""

from __future__ import annotations

from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhijia.core.errors import NotFound
from zhijia.honors import live
from zhijia.honors.models import (
    Candidate,
    CandidateStatus,
    Criterion,
    Expert,
    Honour,
    Objection,
    ObjectionStatus,
    Outcome,
    Score,
    Selection,
    Stage,
    Vote,
    VoteDayCounter,
    VoteStatus,
)
from zhijia.honors.models import Conflict as ExpertConflict
from zhijia.honors.scoring import Row, expert_total, rank_rows, trimmed_mean
from zhijia.honors.services import live_key, live_totals_rebuild
from zhijia.members.models import Worker
from zhijia.members.selectors import member_in_good_standing
from zhijia.orgs.models import Union
from zhijia.orgs.selectors import require_staff, scoped


def _ancestor_paths(union: Union) -> list[str]:
    parts = union.path.strip("/").split("/")
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def selection_list(*, user, stage: str | None = None) -> QuerySet[Selection]:
    """Selections the staff member organises (their subtree) or takes part in (run by an ancestor)."""
    scope = require_staff(user)
    qs = Selection.objects.select_related("union").filter(
        Q(union__path__startswith=scope.path) | Q(union__path__in=_ancestor_paths(scope)))
    if stage:
        qs = qs.filter(stage=stage)
    return qs.annotate(n_candidates=Count("candidates")).order_by("-created_at", "-pk")


def selection_get(*, user, selection_id: int) -> Selection:
    selection = selection_list(user=user).filter(pk=selection_id).first()
    if selection is None:
        raise NotFound(_("评选不存在"))
    return selection


def is_organiser(user, selection: Selection) -> bool:
    return require_staff(user).contains(selection.union)


def candidate_list(*, user, selection: Selection, status: str | None = None, q: str | None = None,
                   outcome: str | None = None) -> QuerySet[Candidate]:
    qs = Candidate.objects.filter(selection=selection).select_related("union", "review")
    if not is_organiser(user, selection):
        qs = scoped(qs, user)  # a participating unit sees only its own nominations
    if status:
        qs = qs.filter(status=status)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(employer__contains=q) | Q(union__name__contains=q))
    return qs.order_by("number")


def candidate_get(*, user, candidate_id: int) -> Candidate:
    candidate = Candidate.objects.select_related("selection__union", "union").filter(pk=candidate_id).first()
    if candidate is None:
        raise NotFound(_("候选人不存在"))
    selection = selection_get(user=user, selection_id=candidate.selection_id)
    if not is_organiser(user, selection) and not require_staff(user).contains(candidate.union):
        raise NotFound(_("候选人不存在"))
    return candidate


def stage_counts(selection: Selection) -> dict:
    by_status = dict(Candidate.objects.filter(selection=selection).values_list("status").annotate(n=Count("id"))
                     .values_list("status", "n"))
    votes = dict(Vote.objects.filter(selection=selection).values_list("status").annotate(n=Count("id"))
                 .values_list("status", "n"))
    return {"candidates": sum(by_status.values()), "by_status": by_status,
            "pending_endorsement": by_status.get(CandidateStatus.PENDING_ENDORSEMENT, 0),
            "nominated": by_status.get(CandidateStatus.NOMINATED, 0),
            "passed": by_status.get(CandidateStatus.PASSED, 0),
            "rejected": by_status.get(CandidateStatus.REJECTED, 0),
            "votes_counted": votes.get(VoteStatus.COUNTED, 0),
            "votes_quarantined": votes.get(VoteStatus.QUARANTINED, 0),
            "votes_rejected": votes.get(VoteStatus.REJECTED, 0),
            "open_objections": Objection.objects.filter(candidate__selection=selection,
                                                        status=ObjectionStatus.OPEN).count()}


# --- votes ----------------------------------------------------------------------------------------------------------

def exact_totals(selection: Selection) -> dict[int, int]:
    """Counted votes per candidate, from the ledger."""
    return dict(Vote.objects.filter(selection=selection, status=VoteStatus.COUNTED).values_list("candidate_id")
                .annotate(n=Count("id")).values_list("candidate_id", "n"))


def live_totals(selection_id: int, candidate_ids: list[int]) -> dict[int, int]:
    """Cached running totals for display (Redis when configured); missing ones are read from the ledger. Exact
    figures (results, ranking) come from exact_totals()."""
    if live.enabled():
        found = live.totals_read(selection_id, candidate_ids)
        if found is not None:
            return found
        live_totals_rebuild(selection_id=selection_id)
        return live.totals_read(selection_id, candidate_ids) or {}
    cached = cache.get_many([live_key(c) for c in candidate_ids])
    out = {c: int(cached[live_key(c)]) for c in candidate_ids if live_key(c) in cached}
    missing = [c for c in candidate_ids if c not in out]
    if missing:
        rows = dict(Vote.objects.filter(candidate_id__in=missing, status=VoteStatus.COUNTED)
                    .values_list("candidate_id").annotate(n=Count("id")).values_list("candidate_id", "n"))
        for c in missing:
            cache.add(live_key(c), rows.get(c, 0), timeout=None)  # add: never overwrite a newer bump
            out[c] = rows.get(c, 0)
    return out


def quarantine_list(*, user, selection: Selection) -> QuerySet[Vote]:
    require_staff(user)
    if not is_organiser(user, selection):
        return Vote.objects.none()
    return (Vote.objects.filter(selection=selection, status=VoteStatus.QUARANTINED)
            .select_related("candidate", "worker").order_by("cast_at", "pk"))


def quarantine_count(*, user) -> int:
    scope = require_staff(user)
    return Vote.objects.filter(status=VoteStatus.QUARANTINED, selection__union__path__startswith=scope.path).count()


def votes_left_today(*, user, selection: Selection) -> int | None:
    membership = member_in_good_standing(user)
    if membership is None:
        return None
    used = (VoteDayCounter.objects.filter(selection=selection, worker_id=membership.worker_id,
                                          day=timezone.localdate()).values_list("used", flat=True).first() or 0)
    return max(selection.votes_per_day - used, 0)


def voting_selections(*, user) -> list[Selection]:
    """Selections in their public vote that the signed-in member may vote in."""
    membership = member_in_good_standing(user)
    qs = Selection.objects.select_related("union").filter(stage=Stage.PUBLIC_VOTE)
    if membership is not None:
        qs = qs.filter(union__path__in=_ancestor_paths(membership.union))
    return list(qs.order_by("vote_ends_at", "pk"))


def public_candidates(*, selection: Selection, q: str | None = None) -> QuerySet[Candidate]:
    qs = Candidate.objects.filter(selection=selection, status=CandidateStatus.PASSED).select_related("union")
    if q:
        match = Q(name__contains=q) | Q(employer__contains=q)
        qs = qs.filter(match | Q(number=int(q)) if q.isdigit() else match)
    return qs.order_by("number")


def public_candidate_get(*, candidate_id: int) -> Candidate:
    candidate = (Candidate.objects.select_related("selection__union", "union")
                 .filter(pk=candidate_id, status=CandidateStatus.PASSED).first())
    if candidate is None:
        raise NotFound(_("候选人不存在"))
    return candidate


# --- expert review and results --------------------------------------------------------------------------------------

def expert_scores(selection: Selection) -> dict[int, Decimal | None]:
    """The trimmed-mean expert score of every candidate who has at least one complete score sheet."""
    criteria = [(c.pk, c.weight, c.max_score) for c in Criterion.objects.filter(selection=selection)]
    sheets: dict[tuple[int, int], dict[int, Decimal]] = {}
    for expert_id, candidate_id, criterion_id, value in Score.objects.filter(
            candidate__selection=selection).values_list("expert_id", "candidate_id", "criterion_id", "value"):
        sheets.setdefault((candidate_id, expert_id), {})[criterion_id] = value
    totals: dict[int, list[Decimal]] = {}
    for (candidate_id, _expert_id), values in sheets.items():
        total = expert_total(values, criteria)
        if total is not None:
            totals.setdefault(candidate_id, []).append(total)
    return {c: trimmed_mean(t) for c, t in totals.items()}


def compute_ranking(selection: Selection) -> list[Row]:
    """Rank the candidates who passed material review (see honors.scoring for the rule)."""
    candidates = list(Candidate.objects.filter(selection=selection, status=CandidateStatus.PASSED)
                      .values_list("id", "nominated_at"))
    votes, experts = exact_totals(selection), expert_scores(selection)
    rows = [Row(candidate_id=cid, votes=votes.get(cid, 0), expert_score=experts.get(cid), nominated_order=(at, cid))
            for cid, at in candidates]
    return rank_rows(rows, vote_weight=selection.vote_weight, expert_weight=selection.expert_weight)


# Marked for translation only: the API answers in Chinese, the results page translates it.
TIE_BREAK = gettext_noop("综合得分相同时，依次比较专家评分、有效票数、推荐时间（早者在前）")


def selection_results(*, user, selection_id: int) -> dict:
    selection = selection_get(user=user, selection_id=selection_id)
    rows = compute_ranking(selection)
    by_id = {c.pk: c for c in Candidate.objects.filter(selection=selection).select_related("union")}
    visible = None if is_organiser(user, selection) else {
        c.pk for c in by_id.values() if require_staff(user).contains(c.union)}
    items = []
    for r in rows:
        if visible is not None and r.candidate_id not in visible:
            continue
        c = by_id[r.candidate_id]
        items.append({"candidate_id": c.pk, "number": c.number, "name": c.name, "union": c.union.name,
                      "votes": r.votes, "vote_score": r.vote_score,
                      "expert_score": r.expert_score.quantize(Decimal("0.001")) if r.expert_score is not None
                      else None, "final_score": r.final_score, "rank": r.rank, "outcome": c.outcome,
                      "status": c.status})
    return {"selection_id": selection.pk, "stage": selection.stage, "vote_weight": selection.vote_weight,
            "expert_weight": selection.expert_weight, "tie_break": TIE_BREAK,
            "items": items}


def expert_panel_for(*, user) -> QuerySet[Expert]:
    return Expert.objects.filter(user=user).select_related("selection__union")


def expert_sheet(*, user, selection: Selection) -> dict:
    """What one expert sees: the candidates to score, their own scores so far, and their conflicts."""
    expert = Expert.objects.filter(selection=selection, user=user).first()
    if expert is None:
        raise NotFound(_("您不是本次评选的评审专家"))
    criteria = list(Criterion.objects.filter(selection=selection))
    mine: dict[int, dict[int, Decimal]] = {}
    for cand, crit, value in Score.objects.filter(expert=expert).values_list("candidate_id", "criterion_id", "value"):
        mine.setdefault(cand, {})[crit] = value
    recused = set(ExpertConflict.objects.filter(expert=expert).values_list("candidate_id", flat=True))
    candidates = list(Candidate.objects.filter(selection=selection, status=CandidateStatus.PASSED)
                      .select_related("union").order_by("number"))
    done = sum(1 for c in candidates if len(mine.get(c.pk, {})) == len(criteria))
    return {"expert": expert, "criteria": criteria, "candidates": candidates, "mine": mine, "recused": recused,
            "done": done, "todo": len(candidates) - len(recused) - done}


def objection_list(*, user, selection: Selection) -> QuerySet[Objection]:
    require_staff(user)
    return (Objection.objects.filter(candidate__selection=selection).select_related("candidate")
            .order_by("status", "raised_at"))


def notice_selection(*, selection_id: int) -> Selection:
    """A selection whose list is public: in its notice period or finally published."""
    selection = (Selection.objects.select_related("union")
                 .filter(pk=selection_id, stage__in=[Stage.PUBLIC_NOTICE, Stage.FINAL]).first())
    if selection is None:
        raise NotFound(_("该评选尚未公示"))
    return selection


def published_selections() -> QuerySet[Selection]:
    return (Selection.objects.select_related("union").filter(stage__in=[Stage.PUBLIC_NOTICE, Stage.FINAL])
            .order_by("-notice_starts_at", "-pk"))


def notice_list(*, selection: Selection) -> QuerySet[Candidate]:
    return (Candidate.objects.filter(selection=selection, status=CandidateStatus.PASSED,
                                     outcome__in=[Outcome.NAMED, Outcome.TOP]).select_related("union")
            .order_by("rank"))


# --- honours --------------------------------------------------------------------------------------------------------

def worker_honours(worker: Worker | None) -> list[Honour]:
    """Every honour a worker holds, newest first. Benefits and care call this (and worker_has_honour)."""
    if worker is None:
        return []
    return list(Honour.objects.filter(worker=worker).select_related("union", "selection"))


def worker_has_honour(worker: Worker | None, *, kinds: list[str] | tuple[str, ...] | None = None,
                      levels: list[str] | tuple[str, ...] | None = None) -> bool:
    if worker is None:
        return False
    qs = Honour.objects.filter(worker=worker)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if levels:
        qs = qs.filter(level__in=levels)
    return qs.exists()


def honour_list(*, user, kind: str | None = None, year: int | None = None) -> QuerySet[Honour]:
    """Honours recorded by a union in the caller's subtree, or held by a member of it."""
    scope = require_staff(user)
    qs = Honour.objects.select_related("worker", "union", "selection").filter(
        Q(union__path__startswith=scope.path)
        | Q(worker__memberships__status="admitted", worker__memberships__union__path__startswith=scope.path)
    ).distinct()
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-pk")
