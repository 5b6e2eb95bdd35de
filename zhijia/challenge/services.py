"""Writes of the online sports challenge: one use case per function, one transaction each, scope checked inside.

Concurrency. Every write that adds points locks the participant's day row (`ParticipantDay`, one per participant
and date, created with INSERT ... ON CONFLICT DO NOTHING and then locked with SELECT ... FOR UPDATE) before it reads
what the day has earned, so two entries sent at the same moment are checked one after the other and a daily cap
holds. Locks are always taken in the order day row → entry → participant row, so they cannot deadlock. The
participant's running total is updated with `total_points = total_points + n` in the same transaction as the ledger
row, so the ledger and the leaderboard never disagree. A duplicate photo is decided by a unique constraint
(`PhotoFingerprint.sha256`): of two uploads racing with the same photo, exactly one is first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from decimal import Decimal

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhijia.accounts.models import Role
from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.challenge.models import (
    Challenge,
    ChallengeStatus,
    EntryStatus,
    ExerciseEntry,
    ExerciseKind,
    ExerciseRule,
    Participant,
    ParticipantDay,
    PhotoFingerprint,
    PointEntry,
    PointSource,
    Prize,
    QuizAnswer,
    QuizQuestion,
    Unit,
)
from zhijia.challenge.selectors import participant_required
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhijia.members.selectors import member_in_good_standing
from zhijia.orgs.models import Union
from zhijia.orgs.selectors import in_scope, require_staff

STAFF_WRITERS = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF)
# A day's exercise may be logged that day or the next (补录昨日), never for a day to come.
BACKFILL_DAYS = 1
PHOTO_MAX_BYTES = 8 * 1024 * 1024
# Labels of the limits checked by challenge_create (their verbose names), for the catalogue: the message names them.
_LIMIT_LABELS = (gettext_noop("每日运动贡献值上限"), gettext_noop("每日答题数"), gettext_noop("每题答对贡献值"),
                 gettext_noop("每日答题贡献值上限"), gettext_noop("奖品份数"))

# Default rules of a new challenge, per kind: (unit, points per 1,000 steps or per minute, daily cap of the kind,
# most that is believable in one day, highest believable speed: km/h from minutes and distance, None: not checked).
DEFAULT_RULES: dict[str, tuple[str, int, int, int, Decimal | None]] = {
    ExerciseKind.WALK: (Unit.STEPS, 2, 40, 100_000, None),
    ExerciseKind.RUN: (Unit.MINUTES, 1, 60, 600, Decimal("25")),
    ExerciseKind.CYCLE: (Unit.MINUTES, 1, 40, 600, Decimal("60")),
    ExerciseKind.FITNESS: (Unit.MINUTES, 1, 40, 600, None),
    ExerciseKind.BALL: (Unit.MINUTES, 1, 40, 600, None),
    ExerciseKind.SKI: (Unit.MINUTES, 1, 60, 600, Decimal("100")),
}


def _today() -> dt.date:
    return timezone.localdate()


def leaderboard_cache_bump(challenge_id: int) -> None:
    """Cached leaderboards carry a version; a bump makes the next read fresh (used at close and after review)."""
    key = f"challenge:{challenge_id}:v"
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


# --- Setting up --------------------------------------------------------------------------------------------------


def _scoped_union(actor, union_id: int | None) -> Union:
    scope = require_staff(actor, roles=STAFF_WRITERS)
    if union_id is None:
        return scope
    union = Union.objects.filter(pk=union_id).first()
    if union is None or not in_scope(actor, union):
        raise ValidationFailed.field("union", _("工会不存在或不在管辖范围内"))
    return union


def _rule_rows(challenge: Challenge, rules: list[dict] | None) -> list[ExerciseRule]:
    if not rules:
        return [ExerciseRule(challenge=challenge, kind=kind, unit=unit, points_per_unit=rate, daily_cap=cap,
                             max_per_day=most, max_speed=speed)
                for kind, (unit, rate, cap, most, speed) in DEFAULT_RULES.items()]
    rows, seen = [], set()
    for i, r in enumerate(rules, 1):
        kind = r.get("kind")
        if kind not in ExerciseKind.values or kind in seen:
            raise ValidationFailed.field("rules", _("第%(n)s条规则的运动项目不正确或重复") % {"n": i})
        seen.add(kind)
        unit = r.get("unit") or DEFAULT_RULES[kind][0]
        if unit not in Unit.values:
            raise ValidationFailed.field("rules", _("第%(n)s条规则的计量单位应为步或分钟") % {"n": i})
        try:
            rate, cap = int(r["points_per_unit"]), int(r["daily_cap"])
            most = int(r.get("max_per_day") or (100_000 if unit == Unit.STEPS else 600))
            speed = Decimal(str(r["max_speed"])) if r.get("max_speed") not in (None, "") else None
        except (KeyError, TypeError, ValueError, ArithmeticError):
            raise ValidationFailed.field(
                "rules", _("第%(n)s条规则应填写每千步/每分钟贡献值和每日上限") % {"n": i}) from None
        if rate < 1 or cap < 1 or most < 1 or (speed is not None and speed <= 0):
            raise ValidationFailed.field("rules", _("第%(n)s条规则的数值应为正数") % {"n": i})
        rows.append(ExerciseRule(challenge=challenge, kind=kind, unit=unit, points_per_unit=rate, daily_cap=cap,
                                 max_per_day=most, max_speed=speed))
    return rows


@transaction.atomic
def challenge_create(actor, *, title: str, starts_on: dt.date, ends_on: dt.date, union_id: int | None = None,
                     description: str = "", daily_exercise_cap: int = 100, quiz_questions_per_day: int = 5,
                     quiz_points_per_correct: int = 2, quiz_daily_cap: int = 10, prize_count: int = 500,
                     rules: list[dict] | None = None) -> Challenge:
    """A union in the caller's subtree organises a challenge; members of its subtree may join. Without `rules`
    every kind gets the default rule (DEFAULT_RULES)."""
    union = _scoped_union(actor, union_id)
    if not (title or "").strip():
        raise ValidationFailed.field("title", _("请填写挑战赛名称"))
    if ends_on < starts_on:
        raise ValidationFailed.field("ends_on", _("结束日期应不早于开始日期"))
    for name, value, low in (("daily_exercise_cap", daily_exercise_cap, 1), ("quiz_questions_per_day",
                             quiz_questions_per_day, 0), ("quiz_points_per_correct", quiz_points_per_correct, 0),
                             ("quiz_daily_cap", quiz_daily_cap, 0), ("prize_count", prize_count, 0)):
        if value is None or value < low or value > 100_000:
            label = _(str(Challenge._meta.get_field(name).verbose_name))
            raise ValidationFailed.field(name, _("%(label)s应在%(low)s到100000之间") % {"label": label, "low": low})
    challenge = Challenge.objects.create(
        union=union, title=title.strip()[:120], description=description.strip(), starts_on=starts_on,
        ends_on=ends_on, daily_exercise_cap=daily_exercise_cap, quiz_questions_per_day=quiz_questions_per_day,
        quiz_points_per_correct=quiz_points_per_correct, quiz_daily_cap=quiz_daily_cap, prize_count=prize_count)
    ExerciseRule.objects.bulk_create(_rule_rows(challenge, rules))
    audit_record(actor=actor, action=Action.CREATE, obj=challenge, union=union)
    return challenge


def _staff_challenge(actor, challenge_id: int, *, lock: bool = False) -> Challenge:
    require_staff(actor, roles=STAFF_WRITERS)
    qs = Challenge.objects.select_related("union")
    if lock:
        qs = qs.select_for_update(of=("self",))
    challenge = qs.filter(pk=challenge_id).first()
    if challenge is None or not in_scope(actor, challenge.union):
        raise NotFound(_("挑战赛不存在"))
    return challenge


@transaction.atomic
def quiz_question_add(actor, *, challenge_id: int, text: str, choices: list[str], answer: int,
                      explanation: str = "") -> QuizQuestion:
    challenge = _staff_challenge(actor, challenge_id)
    if not (text or "").strip():
        raise ValidationFailed.field("text", _("请填写题目"))
    choices = [str(c).strip() for c in (choices or []) if str(c).strip()]
    if not 2 <= len(choices) <= 6:
        raise ValidationFailed.field("choices", _("选项应有2到6个"))
    if not isinstance(answer, int) or not 0 <= answer < len(choices):
        raise ValidationFailed.field("answer", _("正确选项应为其中一个选项（从0起）"))
    question = QuizQuestion.objects.create(challenge=challenge, text=text.strip()[:300], choices=choices,
                                           answer=answer, explanation=(explanation or "").strip()[:300])
    audit_record(actor=actor, action=Action.CREATE, obj=question, union=challenge.union)
    return question


# --- Joining -----------------------------------------------------------------------------------------------------


@transaction.atomic
def challenge_join(actor, *, challenge_id: int) -> Participant:
    """A member in good standing of the organising union's subtree joins (once; joining again is a 409)."""
    membership = member_in_good_standing(actor)
    if membership is None:
        raise PermissionDenied(_("仅在会会员可以参加挑战赛，请先入会"), code="not_a_member")
    challenge = Challenge.objects.select_related("union").filter(pk=challenge_id).first()
    if challenge is None or not challenge.union.contains(membership.union):
        raise NotFound(_("挑战赛不存在"))
    if challenge.status != ChallengeStatus.OPEN or _today() > challenge.ends_on:
        raise ValidationFailed.field("challenge", _("挑战赛已结束"), code="closed")
    try:
        with transaction.atomic():
            return Participant.objects.create(challenge=challenge, worker=membership.worker, union=membership.union,
                                              reached_at=timezone.now())
    except IntegrityError:
        message = _("您已报名该挑战赛")
        raise Conflict(message, code="already_joined", fields={"challenge": message}) from None


def _check_day(challenge: Challenge, day: dt.date, *, field: str = "date") -> None:
    today = _today()
    if challenge.status != ChallengeStatus.OPEN:
        raise ValidationFailed.field("challenge", _("挑战赛已结束"), code="closed")
    if day > today:
        raise ValidationFailed.field(field, _("不能填报未来的日期"))
    if not challenge.starts_on <= day <= challenge.ends_on:
        raise ValidationFailed.field(field, _("日期应在挑战赛期间（%(start)s至%(end)s）")
                                     % {"start": challenge.starts_on, "end": challenge.ends_on})
    if day < today - dt.timedelta(days=BACKFILL_DAYS):
        raise ValidationFailed.field(field, _("只能填报今天或昨天的运动"))


def _lock_day(participant: Participant, day: dt.date) -> ParticipantDay:
    """The participant's day row, locked for the rest of the transaction (created first if missing; the unique
    constraint makes a concurrent create a no-op, then both wait on the same row)."""
    ParticipantDay.objects.bulk_create([ParticipantDay(participant=participant, date=day)], ignore_conflicts=True)
    return ParticipantDay.objects.select_for_update().get(participant=participant, date=day)


def _after_day_lock() -> None:
    """Test hook: runs right after the day row is locked (a test makes two clients meet here)."""


def _ledger_append(*, participant: Participant, day: dt.date, source: str, points: int, reference: str,
                   note: str = "", actor=None) -> PointEntry:
    entry = PointEntry.objects.create(participant=participant, challenge_id=participant.challenge_id, date=day,
                                      source=source, points=points, reference=reference, note=note[:200],
                                      created_by=actor if getattr(actor, "is_authenticated", False) else None)
    if points:
        # The running total moves in the same transaction as the ledger row (an UPDATE, so concurrent writers
        # to the same participant queue on the row instead of losing an increment).
        Participant.objects.filter(pk=participant.pk).update(total_points=F("total_points") + points,
                                                             reached_at=entry.created_at)
    return entry


def _kind_points_today(participant: Participant, day: dt.date, kind: str) -> int:
    return (ExerciseEntry.objects.filter(participant=participant, date=day, kind=kind,
                                         status__in=(EntryStatus.COUNTED, EntryStatus.APPROVED))
            .aggregate(s=Sum("points_awarded"))["s"] or 0)


def _remaining(challenge: Challenge, rule: ExerciseRule, participant: Participant, day_row: ParticipantDay) -> int:
    kind_left = rule.daily_cap - _kind_points_today(participant, day_row.date, rule.kind)
    day_left = challenge.daily_exercise_cap - day_row.exercise_points
    return max(0, min(kind_left, day_left))


def _photo_digest(photo) -> tuple[str, str]:
    """The photo's SHA-256 (hex) and its file extension, read from its first bytes (the name is not trusted)."""
    if photo.size > PHOTO_MAX_BYTES:
        raise ValidationFailed.field("photo", _("照片不能超过8MB"))
    head = photo.read(12)
    photo.seek(0)
    ext = ("jpg" if head[:3] == b"\xff\xd8\xff" else "png" if head[:8] == b"\x89PNG\r\n\x1a\n"
           else "webp" if head[:4] == b"RIFF" and head[8:12] == b"WEBP" else "")
    if not ext:
        raise ValidationFailed.field("photo", _("照片仅支持JPG、PNG或WEBP"))
    digest = hashlib.sha256()
    for chunk in photo.chunks():
        digest.update(chunk)
    photo.seek(0)
    return digest.hexdigest(), ext


@transaction.atomic
def exercise_log(actor, *, challenge_id: int, date: dt.date, kind: str, steps: int | None = None,
                 minutes: int | None = None, distance_km: Decimal | None = None, photo=None) -> ExerciseEntry:
    """A participant logs one exercise for a day (today or yesterday, inside the window).

    Refused (4xx, nothing written): a kind without a rule, the wrong measure for the kind, a day's total of the kind
    above the believable maximum (`max_per_day`, e.g. 100,000 steps or 600 minutes), and an entry on a day whose
    cap (of the kind, or of all exercise) is already reached (409 `daily_cap_reached`). An entry that would pass the
    cap earns up to the cap (`points_awarded < points_claimed`). Flagged for review, earning nothing until approved:
    a photo already used by any entry (same or another worker), a speed above the kind's `max_speed`.
    Under concurrent entries of one participant the day row lock serialises the cap check (module docstring)."""
    participant = participant_required(user=actor, challenge_id=challenge_id)
    challenge = participant.challenge
    _check_day(challenge, date)
    rule = ExerciseRule.objects.filter(challenge=challenge, kind=kind).first()
    if rule is None:
        raise ValidationFailed.field("kind", _("该挑战赛没有这个运动项目"))
    field, amount = ("steps", steps) if rule.unit == Unit.STEPS else ("minutes", minutes)
    kind_label, unit_label = _(rule.get_kind_display()), _(rule.get_unit_display())
    if amount is None:
        raise ValidationFailed.field(field, _("%(kind)s请填写%(unit)s数") % {"kind": kind_label, "unit": unit_label})
    if amount < 1:
        raise ValidationFailed.field(field, _("%(unit)s数应大于0") % {"unit": unit_label})
    if distance_km is not None:
        try:
            distance_km = Decimal(str(distance_km))
        except ArithmeticError:
            raise ValidationFailed.field("distance_km", _("距离应为数字")) from None
    if distance_km is not None and (distance_km <= 0 or distance_km > 1000):
        raise ValidationFailed.field("distance_km", _("距离应在0到1000公里之间"))
    digest, ext = _photo_digest(photo) if photo else ("", "")

    day_row = _lock_day(participant, date)  # lock: the day's caps are checked against committed entries only
    _after_day_lock()
    done = (ExerciseEntry.objects.filter(participant=participant, date=date, kind=kind)
            .exclude(status=EntryStatus.REJECTED).aggregate(s=Sum(field))["s"] or 0)
    if done + amount > rule.max_per_day:
        raise ValidationFailed.field(
            field, _("%(kind)s单日合计不能超过%(most)s%(unit)s（今日已填报%(done)s），超出为不可能的数据，未计入")
            % {"kind": kind_label, "most": rule.max_per_day, "unit": unit_label, "done": done}, code="impossible")
    remaining = _remaining(challenge, rule, participant, day_row)
    if remaining <= 0:
        raise Conflict(_("%(date)s的运动贡献值已达上限，本次未计入") % {"date": date}, code="daily_cap_reached",
                       fields={field: _("当日运动贡献值已达上限")})
    reasons = []
    if rule.max_speed is not None and distance_km is not None and minutes:
        speed = (Decimal(distance_km) * 60 / minutes).quantize(Decimal("0.1"))
        if speed > rule.max_speed:
            reasons.append(f"速度{speed}公里/小时超过{rule.get_kind_display()}上限{rule.max_speed}")
    claimed = rule.points_for(amount)
    entry = ExerciseEntry.objects.create(
        participant=participant, challenge=challenge, date=date, kind=kind, steps=steps if field == "steps" else None,
        minutes=minutes if field == "minutes" else None, distance_km=distance_km, photo_sha256=digest,
        points_claimed=claimed, status=EntryStatus.COUNTED)
    if photo:
        entry.photo.save(f"{digest[:16]}.{ext}", photo, save=False)
        PhotoFingerprint.objects.bulk_create([PhotoFingerprint(sha256=digest, first_entry=entry)],
                                             ignore_conflicts=True)
        first = PhotoFingerprint.objects.filter(sha256=digest).values_list("first_entry_id", flat=True).first()
        if first != entry.pk:
            reasons.append(f"照片与打卡#{first}重复")
    if reasons:
        entry.status, entry.flag_reasons = EntryStatus.FLAGGED, reasons
    else:
        entry.points_awarded = min(claimed, remaining)
    entry.save(update_fields=["photo", "status", "flag_reasons", "points_awarded"])
    if entry.points_awarded:
        _ledger_append(participant=participant, day=date, source=PointSource.EXERCISE, points=entry.points_awarded,
                       reference=f"exercise:{entry.pk}", note=f"{rule.get_kind_display()}{amount}"
                                                              f"{rule.get_unit_display()}")
        ParticipantDay.objects.filter(pk=day_row.pk).update(
            exercise_points=F("exercise_points") + entry.points_awarded)
    return entry


@transaction.atomic
def entry_review(actor, *, entry_id: int, decision: str, note: str = "") -> ExerciseEntry:
    """A reviewer decides a flagged entry. Approved: it earns its points up to what the day's caps still allow
    at the time of the review; rejected: nothing. Either way it is audited."""
    require_staff(actor, roles=STAFF_WRITERS)
    if decision not in ("approve", "reject"):
        raise ValidationFailed.field("decision", _("审核结果应为通过或不通过"))
    found = (ExerciseEntry.objects.select_related("challenge__union", "participant")
             .filter(pk=entry_id).first())
    if found is None or not in_scope(actor, found.challenge.union):
        raise NotFound(_("打卡记录不存在"))
    _staff_challenge(actor, found.challenge_id, lock=True)  # lock: no review slips past a concurrent close
    if found.challenge.status != ChallengeStatus.OPEN:
        raise ValidationFailed.field("challenge", _("挑战赛已结束，不能再审核"))
    day_row = _lock_day(found.participant, found.date)
    entry = ExerciseEntry.objects.select_for_update().get(pk=entry_id)
    if entry.status != EntryStatus.FLAGGED:
        raise Conflict(_("该打卡已审核"), code="already_reviewed")
    entry.reviewed_by, entry.reviewed_at, entry.review_note = actor, timezone.now(), (note or "")[:200]
    if decision == "approve":
        rule = ExerciseRule.objects.get(challenge_id=entry.challenge_id, kind=entry.kind)
        entry.status = EntryStatus.APPROVED
        entry.points_awarded = min(entry.points_claimed, _remaining(found.challenge, rule, found.participant,
                                                                    day_row))
        if entry.points_awarded:
            _ledger_append(participant=found.participant, day=entry.date, source=PointSource.EXERCISE,
                           points=entry.points_awarded, reference=f"exercise:{entry.pk}", note="审核通过",
                           actor=actor)
            ParticipantDay.objects.filter(pk=day_row.pk).update(
                exercise_points=F("exercise_points") + entry.points_awarded)
    else:
        entry.status = EntryStatus.REJECTED
    entry.save(update_fields=["status", "points_awarded", "reviewed_by", "reviewed_at", "review_note"])
    audit_record(actor=actor, action=Action.APPROVE if decision == "approve" else Action.REJECT, obj=entry,
                 union=found.challenge.union, detail={"points": entry.points_awarded, "reasons": entry.flag_reasons})
    leaderboard_cache_bump(entry.challenge_id)
    return entry


@transaction.atomic
def point_entry_reverse(actor, *, point_entry_id: int, reason: str) -> PointEntry:
    """A correction: a new ledger row with the opposite points (the original stays). A row is reversed at most
    once (the reversal's reference is unique); a reversal is never itself reversed."""
    require_staff(actor, roles=STAFF_WRITERS)
    if not (reason or "").strip():
        raise ValidationFailed.field("reason", _("请填写冲正原因"))
    original = PointEntry.objects.select_related("participant", "challenge__union").filter(pk=point_entry_id).first()
    if original is None or not in_scope(actor, original.challenge.union):
        raise NotFound(_("流水不存在"))
    challenge = _staff_challenge(actor, original.challenge_id, lock=True)
    if challenge.status != ChallengeStatus.OPEN:
        raise ValidationFailed.field("challenge", _("挑战赛已结束，不能再冲正"))
    if original.source == PointSource.REVERSAL:
        raise ValidationFailed.field("point_entry", _("冲正记录不能再冲正"))
    day_row = _lock_day(original.participant, original.date)
    try:
        with transaction.atomic():
            reversal = _ledger_append(participant=original.participant, day=original.date,
                                      source=PointSource.REVERSAL, points=-original.points,
                                      reference=f"reversal:{original.pk}", note=reason.strip(), actor=actor)
    except IntegrityError:
        raise Conflict(_("该流水已冲正"), code="already_reversed") from None
    column = "exercise_points" if original.source == PointSource.EXERCISE else "quiz_points"
    if original.reference.startswith("exercise:"):
        # The entry no longer counts: its points leave the kind's daily cap as well as the day's.
        ExerciseEntry.objects.filter(pk=int(original.reference.split(":")[1])).update(
            status=EntryStatus.REJECTED, review_note=f"冲正：{reason.strip()}"[:200], reviewed_by=actor,
            reviewed_at=timezone.now())
    ParticipantDay.objects.filter(pk=day_row.pk).update(**{column: F(column) - original.points})
    audit_record(actor=actor, action=Action.UPDATE, obj=reversal, union=challenge.union,
                 detail={"reverses": original.pk, "points": -original.points, "reason": reason.strip()})
    leaderboard_cache_bump(challenge.pk)
    return reversal


# --- The daily quiz ----------------------------------------------------------------------------------------------


@transaction.atomic
def quiz_draw(actor, *, challenge_id: int) -> tuple[Participant, ParticipantDay, list[QuizQuestion]]:
    """Today's questions of the participant: drawn once a day from the active bank (stored on the day row, so the
    same questions come back all day), `quiz_questions_per_day` of them."""
    participant = participant_required(user=actor, challenge_id=challenge_id)
    challenge = participant.challenge
    today = _today()
    _check_day(challenge, today)
    day_row = _lock_day(participant, today)
    if not day_row.quiz_question_ids and challenge.quiz_questions_per_day:
        bank = list(QuizQuestion.objects.filter(challenge=challenge, active=True).values_list("pk", flat=True)
                    .order_by("pk"))
        rnd = random.Random(f"{participant.pk}:{today.isoformat()}")
        day_row.quiz_question_ids = rnd.sample(bank, min(len(bank), challenge.quiz_questions_per_day))
        day_row.save(update_fields=["quiz_question_ids"])
    by_id = QuizQuestion.objects.in_bulk(day_row.quiz_question_ids)
    return participant, day_row, [by_id[i] for i in day_row.quiz_question_ids if i in by_id]


@transaction.atomic
def quiz_answer(actor, *, challenge_id: int, question_id: int, choice: int) -> QuizAnswer:
    """Answer one of today's questions, once. A correct answer earns `quiz_points_per_correct`, up to the day's
    `quiz_daily_cap` (answers past the cap are still marked, and earn nothing)."""
    participant = participant_required(user=actor, challenge_id=challenge_id)
    challenge = participant.challenge
    today = _today()
    _check_day(challenge, today)
    day_row = _lock_day(participant, today)  # lock: the quiz cap is checked one answer at a time
    if question_id not in (day_row.quiz_question_ids or []):
        raise ValidationFailed.field("question", _("该题不在今天的题目中"))
    question = QuizQuestion.objects.get(pk=question_id)
    if not isinstance(choice, int) or not 0 <= choice < len(question.choices):
        raise ValidationFailed.field("choice", _("请选择一个选项"))
    if QuizAnswer.objects.filter(participant=participant, date=today, question=question).exists():
        raise Conflict(_("这道题今天已经答过了"), code="already_answered", fields={"question": _("今天已答过")})
    correct = choice == question.answer
    points = min(challenge.quiz_points_per_correct if correct else 0,
                 max(0, challenge.quiz_daily_cap - day_row.quiz_points))
    answer = QuizAnswer.objects.create(participant=participant, date=today, question=question, choice=choice,
                                       correct=correct, points_awarded=points)
    if points:
        _ledger_append(participant=participant, day=today, source=PointSource.QUIZ, points=points,
                       reference=f"quiz:{answer.pk}", note="每日答题")
        ParticipantDay.objects.filter(pk=day_row.pk).update(quiz_points=F("quiz_points") + points)
    return answer


# --- Closing and prizes ------------------------------------------------------------------------------------------


@transaction.atomic
def challenge_close(actor, *, challenge_id: int) -> list[Prize]:
    """Close a challenge and award its prizes to the top `prize_count` participants with points above zero.

    Order (the leaderboard's): points, highest first; on equal points whoever reached the total first (the time
    of their last ledger row that changed it); then whoever joined first. `rank` keeps the shared rank (equal
    points, equal rank), `place` is 1..N. Possible once the last day's entries can no longer come in (the day after
    the last backfill day) and no entry is waiting for review. Audited, one event with the prize count."""
    challenge = _staff_challenge(actor, challenge_id, lock=True)  # lock: one close; reviews wait for it
    if challenge.status != ChallengeStatus.OPEN:
        raise Conflict(_("挑战赛已结束并已颁奖"), code="already_closed")
    if _today() <= challenge.ends_on + dt.timedelta(days=BACKFILL_DAYS):
        raise ValidationFailed.field(
            "challenge", _("补录期结束后（%(day)s起）才能结束并颁奖")
            % {"day": challenge.ends_on + dt.timedelta(days=BACKFILL_DAYS + 1)})
    pending = ExerciseEntry.objects.filter(challenge=challenge, status=EntryStatus.FLAGGED).count()
    if pending:
        raise Conflict(_("尚有%(n)s条存疑打卡待审核，请先审核") % {"n": pending}, code="flags_pending")
    top = list(Participant.objects.filter(challenge=challenge, total_points__gt=0)
               .order_by("-total_points", "reached_at", "pk").values_list("pk", "total_points")
               [:challenge.prize_count])
    prizes, rank, previous = [], 0, None
    for place, (participant_id, points) in enumerate(top, 1):
        if points != previous:
            rank, previous = place, points
        prizes.append(Prize(challenge=challenge, participant_id=participant_id, place=place, rank=rank,
                            points=points))
    Prize.objects.bulk_create(prizes)
    challenge.status, challenge.closed_at = ChallengeStatus.CLOSED, timezone.now()
    challenge.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action=Action.APPROVE, obj=challenge, union=challenge.union,
                 detail={"prizes": len(prizes), "lowest_points": prizes[-1].points if prizes else None})
    transaction.on_commit(lambda: leaderboard_cache_bump(challenge.pk))
    return prizes


# --- Repair ------------------------------------------------------------------------------------------------------

_RECONCILE_SQL = """
UPDATE challenge_participant SET total_points = s.total
  FROM (SELECT p.id, COALESCE(SUM(l.points), 0) AS total
          FROM challenge_participant p LEFT JOIN challenge_pointentry l ON l.participant_id = p.id
         WHERE p.challenge_id IN (SELECT id FROM challenge_challenge WHERE status = 'open')
         GROUP BY p.id) AS s
 WHERE challenge_participant.id = s.id AND challenge_participant.total_points <> s.total
"""


@transaction.atomic
def challenge_totals_reconcile() -> int:
    """Set any running total that differs from its ledger back to the ledger's sum (the ledger is the truth);
    returns how many were repaired. The services keep them equal, so this finds only hand edits. Scheduled daily."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_RECONCILE_SQL)  # raw SQL: one statement over every running challenge
        return cursor.rowcount
