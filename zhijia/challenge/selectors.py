"""Reads of the online sports challenge; staff reads go through orgs.selectors.scoped().

Leaderboards read `Participant.total_points` (kept with the ledger in one transaction) through the index
(challenge, total_points desc, reached_at, id): the top N is an index range scan, "my rank" is one count of the
participants with more points. Equal points share a rank (1, 2, 2, 4: standard competition ranking); the list shows
whoever reached the total first above the others. Leaderboard pages are cached for a few seconds (a version key is
bumped at close and after reviews); "my points and rank" are always read live.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijia.challenge.models import (
    Challenge,
    ChallengeStatus,
    EntryStatus,
    ExerciseEntry,
    Participant,
    ParticipantDay,
    PointEntry,
    Prize,
    QuizAnswer,
)
from zhijia.core.errors import NotFound
from zhijia.core.identity import mask_name
from zhijia.members.selectors import member_in_good_standing
from zhijia.orgs.models import Union
from zhijia.orgs.selectors import scoped

LEADERBOARD_CACHE_SECONDS = 15
UNION_BOARD_CACHE_SECONDS = 60
UNION_BOARD_BY = ("average", "total")
# Ranked by average, a union needs this many participants (one keen member alone would top the board).
UNION_MIN_PARTICIPANTS = 5


def _version(challenge_id: int) -> int:
    return cache.get(f"challenge:{challenge_id}:v") or 0


# --- Which challenges a caller may see ---------------------------------------------------------------------------


def challenge_list(*, user) -> QuerySet[Challenge]:
    """Staff: the challenges organised in their subtree, newest first."""
    return (scoped(Challenge.objects.select_related("union").prefetch_related("rules"), user)
            .annotate(participant_count=Count("participants")).order_by("-starts_on", "-pk"))


def challenge_list_for_worker(*, user) -> list[Challenge]:
    """A member: the challenges organised by their union or any union above it, with their own participation."""
    membership = member_in_good_standing(user)
    if membership is None:
        return []
    ids = [*membership.union.ancestor_ids, membership.union_id]
    challenges = list(Challenge.objects.select_related("union").prefetch_related("rules").filter(union_id__in=ids)
                      .order_by("status", "-starts_on", "-pk"))
    mine = {p.challenge_id: p for p in Participant.objects.filter(worker=membership.worker,
                                                                   challenge__in=challenges)}
    for c in challenges:
        c.me = mine.get(c.pk)
    return challenges


def challenge_get(*, user, challenge_id: int) -> Challenge:
    """Staff see the challenges of their subtree; a member those of their union's line and those they joined.
    Anything else is a 404."""
    challenge = Challenge.objects.select_related("union").filter(pk=challenge_id).first()
    if challenge is None:
        raise NotFound(_("挑战赛不存在"))
    if getattr(user, "is_union_staff", False):
        if not scoped(Challenge.objects.filter(pk=challenge_id), user).exists():
            raise NotFound(_("挑战赛不存在"))
        return challenge
    membership = member_in_good_standing(user)
    if membership is not None and (challenge.union.contains(membership.union) or Participant.objects.filter(
            challenge=challenge, worker=membership.worker).exists()):
        return challenge
    raise NotFound(_("挑战赛不存在"))


def participant_count(*, user) -> int:
    """Participants of the caller's subtree (by their own union) in challenges that are running."""
    return scoped(Participant.objects.filter(challenge__status=ChallengeStatus.OPEN), user).count()


# --- Ranks -------------------------------------------------------------------------------------------------------


def rank_for_points(*, challenge_id: int, points: int) -> int:
    """The shared rank of a total: one more than the number of participants with more points."""
    return Participant.objects.filter(challenge_id=challenge_id, total_points__gt=points).count() + 1


def _ranked(rows: list[dict], *, offset: int, first_rank: int) -> list[dict]:
    """Rows in leaderboard order from position offset + 1: where the points change, the rank is the position."""
    rank, previous = first_rank, None
    for i, row in enumerate(rows):
        if previous is not None and row["points"] != previous:
            rank = offset + i + 1
        row["rank"], previous = rank, row["points"]
    return rows


def leaderboard_people(*, challenge_id: int, limit: int = 100, offset: int = 0, use_cache: bool = True) -> list[dict]:
    """One page of the people leaderboard: rank (shared on equal points), masked name, union, points."""
    key = f"challenge:{challenge_id}:people:{_version(challenge_id)}:{offset}:{limit}"
    if use_cache:
        hit = cache.get(key)
        if hit is not None:
            return hit
    rows = list(Participant.objects.filter(challenge_id=challenge_id)
                .order_by("-total_points", "reached_at", "pk")
                .values("pk", "worker__name", "union__name", "total_points")[offset:offset + limit])
    rows = [{"participant": r["pk"], "name": mask_name(r["worker__name"]), "union": r["union__name"],
             "points": r["total_points"]} for r in rows]
    if rows:
        # A page may start inside a tie: its first rank is counted; below it a rank is the position.
        first = rank_for_points(challenge_id=challenge_id, points=rows[0]["points"]) if offset else 1
        rows = _ranked(rows, offset=offset, first_rank=first)
    if use_cache:
        cache.set(key, rows, LEADERBOARD_CACHE_SECONDS)
    return rows


def participant_standing(*, participant: Participant) -> dict:
    """A participant's points and shared rank, read live; the day's tallies for the page."""
    current = Participant.objects.only("total_points", "challenge_id").get(pk=participant.pk)
    key = f"challenge:{participant.challenge_id}:count"
    count = cache.get(key)
    if count is None:
        count = Participant.objects.filter(challenge_id=participant.challenge_id).count()
        cache.set(key, count, LEADERBOARD_CACHE_SECONDS)
    today = ParticipantDay.objects.filter(participant=participant, date=timezone.localdate()).first()
    return {"participant": participant.pk, "points": current.total_points,
            "rank": rank_for_points(challenge_id=participant.challenge_id, points=current.total_points),
            "participants": max(count, 1),
            "today_exercise_points": today.exercise_points if today else 0,
            "today_quiz_points": today.quiz_points if today else 0}


def participant_required(*, user, challenge_id: int) -> Participant:
    """The caller's participation in a challenge: a member in good standing who has joined, else a 4xx."""
    from zhijia.core.errors import PermissionDenied, ValidationFailed

    membership = member_in_good_standing(user)
    if membership is None:
        raise PermissionDenied(_("仅在会会员可以参加挑战赛，请先入会"), code="not_a_member")
    participant = (Participant.objects.select_related("challenge", "challenge__union")
                   .filter(challenge_id=challenge_id, worker=membership.worker).first())
    if participant is None:
        raise ValidationFailed.field("challenge", _("请先报名参加该挑战赛"), code="not_joined")
    return participant


def participant_own(*, user, challenge_id: int) -> Participant | None:
    membership = member_in_good_standing(user)
    if membership is None:
        return None
    return (Participant.objects.select_related("challenge", "union")
            .filter(challenge_id=challenge_id, worker=membership.worker).first())


def leaderboard_unions(*, challenge_id: int, by: str = "average", min_participants: int | None = None,
                       use_cache: bool = True) -> list[dict]:
    """Unions ranked by their participants' points. `by="average"` (the default) ranks by points per participant,
    so a small union can beat a big one, among unions with at least `min_participants` (default
    UNION_MIN_PARTICIPANTS); `by="total"` ranks every union by the sum. Each row has both, and the participant
    count. The unit is the participant's union when they joined. Equal values share a rank; then more
    participants first."""
    if min_participants is None:
        min_participants = UNION_MIN_PARTICIPANTS if by == "average" else 1
    if by not in UNION_BOARD_BY:
        from zhijia.core.errors import ValidationFailed

        raise ValidationFailed.field("by", _("排序方式应为 average（人均）或 total（合计）"))
    key = f"challenge:{challenge_id}:unions:{_version(challenge_id)}:{by}:{min_participants}"
    if use_cache:
        hit = cache.get(key)
        if hit is not None:
            return hit
    groups = list(Participant.objects.filter(challenge_id=challenge_id).values("union_id")
                  .annotate(total=Sum("total_points"), participants=Count("pk"))
                  .filter(participants__gte=max(1, min_participants)))
    names = dict(Union.objects.filter(pk__in=[g["union_id"] for g in groups]).values_list("pk", "name"))
    rows = [{"union_id": g["union_id"], "union": names.get(g["union_id"], ""), "participants": g["participants"],
             "total": g["total"] or 0, "average": round((g["total"] or 0) / g["participants"], 1)}
            for g in groups]
    rows.sort(key=lambda r: (-r[by], -r["participants"], r["union"]))
    rank, previous = 0, None
    for i, row in enumerate(rows, 1):
        if row[by] != previous:
            rank, previous = i, row[by]
        row["rank"] = rank
        row["points"] = row[by]
    if use_cache:
        cache.set(key, rows, UNION_BOARD_CACHE_SECONDS)
    return rows


# --- A participant's own records ---------------------------------------------------------------------------------


def entries_own(*, participant: Participant, limit: int = 30) -> QuerySet[ExerciseEntry]:
    return ExerciseEntry.objects.filter(participant=participant).order_by("-date", "-pk")[:limit]


def ledger_own(*, participant: Participant) -> QuerySet[PointEntry]:
    return PointEntry.objects.filter(participant=participant).order_by("-created_at", "-pk")


def quiz_answers_today(*, participant: Participant) -> dict[int, QuizAnswer]:
    return {a.question_id: a for a in QuizAnswer.objects.filter(participant=participant,
                                                                 date=timezone.localdate())}


# --- Staff -------------------------------------------------------------------------------------------------------


def flagged_entries(*, user, challenge_id: int | None = None, status: str = EntryStatus.FLAGGED
                    ) -> QuerySet[ExerciseEntry]:
    qs = scoped(ExerciseEntry.objects.select_related("participant__worker", "participant__union", "challenge"),
                user, via="challenge__union")
    if challenge_id is not None:
        qs = qs.filter(challenge_id=challenge_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "pk")


def ledger_list(*, user, challenge_id: int, participant_id: int | None = None) -> QuerySet[PointEntry]:
    qs = scoped(PointEntry.objects.select_related("participant__worker"), user, via="challenge__union").filter(
        challenge_id=challenge_id)
    if participant_id:
        qs = qs.filter(participant_id=participant_id)
    return qs.order_by("-created_at", "-pk")


def challenge_stats(*, user, challenge_id: int) -> dict:
    challenge_get(user=user, challenge_id=challenge_id)
    entries = ExerciseEntry.objects.filter(challenge_id=challenge_id).aggregate(
        entries=Count("pk"), flagged=Count("pk", filter=Q(status=EntryStatus.FLAGGED)))
    return {"participants": Participant.objects.filter(challenge_id=challenge_id).count(),
            "points": PointEntry.objects.filter(challenge_id=challenge_id).aggregate(s=Sum("points"))["s"] or 0,
            **entries}


def prize_list(*, challenge_id: int) -> QuerySet[Prize]:
    return (Prize.objects.filter(challenge_id=challenge_id)
            .select_related("participant__worker", "participant__union").order_by("place"))
