"""Challenge pages: the worker's join, log today's exercise, today's quiz, my points and rank, the leaderboard
(mobile); the staff console's setup, flagged entries, leaderboards and prizes. As thin as the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from zhijia.challenge import selectors, services
from zhijia.challenge.models import EntryStatus, ExerciseRule, Prize, Unit
from zhijia.core.errors import DomainError, ValidationFailed
from zhijia.core.views_support import call_with_message, staff_page, worker_page
from zhijia.orgs.selectors import require_staff

# The models' choice labels stay Chinese in models.py: services write them into ledger notes and error messages.
# The pages translate them ({% translate r.get_kind_display %}); listed here so that makemessages sees them.
CHOICE_LABELS = (
    gettext_noop("进行中"), gettext_noop("已结束"),
    gettext_noop("健步走"), gettext_noop("跑步"), gettext_noop("骑行"), gettext_noop("健身操/力量"),
    gettext_noop("球类"), gettext_noop("冰雪运动"), gettext_noop("步"), gettext_noop("分钟"),
)


def _int(raw, field: str, *, required: bool = True) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise ValidationFailed.field(field, _("请填写数字"))
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed.field(field, _("请填写整数")) from None


def _date(raw, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        raise ValidationFailed.field(field, _("日期格式应为 年-月-日")) from None


# --- Worker pages ------------------------------------------------------------------------------------------------


@worker_page
def worker_home(request):
    challenges = selectors.challenge_list_for_worker(user=request.user)
    joined = [c for c in challenges if c.me is not None]
    if len(joined) == 1 and request.GET.get("all") is None:
        return redirect("challenge:worker_challenge", challenge_id=joined[0].pk)
    return render(request, "challenge/worker_home.html", {"challenges": challenges})


@worker_page
@require_POST
def join(request, challenge_id: int):
    call_with_message(request, services.challenge_join, _("报名成功，开始打卡吧"), challenge_id=challenge_id)
    return redirect("challenge:worker_challenge", challenge_id=challenge_id)


@worker_page
def worker_challenge(request, challenge_id: int):
    challenge = selectors.challenge_get(user=request.user, challenge_id=challenge_id)
    participant = selectors.participant_own(user=request.user, challenge_id=challenge_id)
    context = {"challenge": challenge, "participant": participant,
               "rules": list(ExerciseRule.objects.filter(challenge=challenge).order_by("pk")),
               "today": timezone.localdate(), "yesterday": timezone.localdate() - dt.timedelta(days=1)}
    if participant is not None:
        context |= {"standing": selectors.participant_standing(participant=participant),
                    "entries": selectors.entries_own(participant=participant, limit=20),
                    "prize": Prize.objects.filter(participant=participant).first()}
    return render(request, "challenge/worker_challenge.html", context)


@worker_page
@require_POST
def log_exercise(request, challenge_id: int):
    """The log form has one amount field; the kind's rule says whether it is steps or minutes."""
    try:
        kind = request.POST.get("kind", "")
        rule = ExerciseRule.objects.filter(challenge_id=challenge_id, kind=kind).first()
        amount = _int(request.POST.get("amount"), "amount")
        raw_distance = (request.POST.get("distance_km") or "").strip()
        try:
            distance = Decimal(raw_distance) if raw_distance else None
        except InvalidOperation:
            raise ValidationFailed.field("distance_km", _("距离应为数字")) from None
        steps_kind = rule is not None and rule.unit == Unit.STEPS
        entry = services.exercise_log(
            request.user, challenge_id=challenge_id, date=_date(request.POST.get("date"), "date"), kind=kind,
            steps=amount if steps_kind else None, minutes=None if steps_kind else amount, distance_km=distance,
            photo=request.FILES.get("photo"))
    except DomainError as exc:  # refused (impossible, over the cap, outside the window): nothing was counted
        messages.error(request, exc.message)
    else:
        if entry.status == EntryStatus.FLAGGED:
            messages.warning(request, _("已记录，待工作人员审核后计分：%(reasons)s")
                             % {"reasons": "；".join(entry.flag_reasons)})
        elif entry.points_awarded < entry.points_claimed:
            messages.success(request, _("打卡成功，获得%(points)s贡献值（已达当日上限，超出的%(over)s不计）") % {
                "points": entry.points_awarded, "over": entry.points_claimed - entry.points_awarded})
        else:
            messages.success(request, _("打卡成功，获得%(points)s贡献值") % {"points": entry.points_awarded})
    return redirect("challenge:worker_challenge", challenge_id=challenge_id)


@worker_page
def quiz(request, challenge_id: int):
    if request.method == "POST":
        try:
            answer = services.quiz_answer(request.user, challenge_id=challenge_id,
                                          question_id=_int(request.POST.get("question"), "question"),
                                          choice=_int(request.POST.get("choice"), "choice"))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            text = (_("回答正确，+%(points)s贡献值") % {"points": answer.points_awarded}
                    if answer.correct and answer.points_awarded
                    else _("回答正确（今日答题贡献值已达上限）") if answer.correct else _("回答错误"))
            (messages.success if answer.correct else messages.warning)(request, text)
        return redirect("challenge:quiz", challenge_id=challenge_id)
    participant, _day, questions = services.quiz_draw(request.user, challenge_id=challenge_id)
    answers = selectors.quiz_answers_today(participant=participant)
    items = [{"q": q, "a": answers.get(q.pk), "choices": list(enumerate(q.choices))} for q in questions]
    return render(request, "challenge/quiz.html", {
        "challenge": participant.challenge, "items": items,
        "points_today": sum(a.points_awarded for a in answers.values())})


@worker_page
def board(request, challenge_id: int):
    challenge = selectors.challenge_get(user=request.user, challenge_id=challenge_id)
    participant = selectors.participant_own(user=request.user, challenge_id=challenge_id)
    tab = "unions" if request.GET.get("tab") == "unions" else "people"
    by = "total" if request.GET.get("by") == "total" else "average"
    return render(request, "challenge/board.html", {
        "challenge": challenge, "participant": participant, "tab": tab, "by": by,
        "min_participants": selectors.UNION_MIN_PARTICIPANTS,
        "standing": selectors.participant_standing(participant=participant) if participant else None,
        "people": selectors.leaderboard_people(challenge_id=challenge.pk, limit=100) if tab == "people" else [],
        "unions": selectors.leaderboard_unions(challenge_id=challenge.pk, by=by)[:100] if tab == "unions" else []})


# --- Staff console -----------------------------------------------------------------------------------------------


@staff_page
def console(request):
    scope = require_staff(request.user)
    if request.method == "POST":
        try:
            challenge = services.challenge_create(
                request.user, title=request.POST.get("title", ""),
                starts_on=_date(request.POST.get("starts_on"), "starts_on"),
                ends_on=_date(request.POST.get("ends_on"), "ends_on"),
                description=request.POST.get("description", ""),
                daily_exercise_cap=_int(request.POST.get("daily_exercise_cap"), "daily_exercise_cap"),
                quiz_questions_per_day=_int(request.POST.get("quiz_questions_per_day"), "quiz_questions_per_day"),
                quiz_points_per_correct=_int(request.POST.get("quiz_points_per_correct"), "quiz_points_per_correct"),
                quiz_daily_cap=_int(request.POST.get("quiz_daily_cap"), "quiz_daily_cap"),
                prize_count=_int(request.POST.get("prize_count"), "prize_count"))
        except ValidationFailed as exc:
            messages.error(request, exc.message)
            return redirect("challenge:console")
        messages.success(request, _("挑战赛已创建（默认计分规则），请添加题库题目"))
        return redirect("challenge:console_challenge", challenge_id=challenge.pk)
    today = timezone.localdate()
    return render(request, "challenge/console.html", {
        "scope": scope, "challenges": selectors.challenge_list(user=request.user)[:100],
        "default_start": today, "default_end": today + dt.timedelta(days=99)})


@staff_page
def console_challenge(request, challenge_id: int):
    challenge = selectors.challenge_get(user=request.user, challenge_id=challenge_id)
    by = "total" if request.GET.get("by") == "total" else "average"
    return render(request, "challenge/console_challenge.html", {
        "challenge": challenge, "stats": selectors.challenge_stats(user=request.user, challenge_id=challenge_id),
        "rules": list(challenge.rules.order_by("pk")), "by": by,
        "min_participants": selectors.UNION_MIN_PARTICIPANTS,
        "flags": selectors.flagged_entries(user=request.user, challenge_id=challenge_id)[:100],
        "people": selectors.leaderboard_people(challenge_id=challenge_id, limit=50),
        "unions": selectors.leaderboard_unions(challenge_id=challenge_id, by=by)[:30],
        "prizes": selectors.prize_list(challenge_id=challenge_id)[:500],
        "question_count": challenge.questions.filter(active=True).count(),
        "close_from": challenge.ends_on + dt.timedelta(days=services.BACKFILL_DAYS + 1)})


@staff_page
@require_POST
def console_review(request, challenge_id: int, entry_id: int):
    decision = request.POST.get("decision", "")
    ok = _("已通过，已按当日上限计分") if decision == "approve" else _("已驳回")
    call_with_message(request, services.entry_review, ok,
                      entry_id=entry_id, decision=decision, note=request.POST.get("note", ""))
    return redirect("challenge:console_challenge", challenge_id=challenge_id)


@staff_page
@require_POST
def console_question(request, challenge_id: int):
    choices = [c for c in (request.POST.get(f"choice{i}", "").strip() for i in range(4)) if c]
    try:
        answer = _int(request.POST.get("answer"), "answer")
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        call_with_message(request, services.quiz_question_add, _("题目已加入题库"), challenge_id=challenge_id,
                          text=request.POST.get("text", ""), choices=choices, answer=answer,
                          explanation=request.POST.get("explanation", ""))
    return redirect("challenge:console_challenge", challenge_id=challenge_id)


@staff_page
@require_POST
def console_close(request, challenge_id: int):
    prizes = call_with_message(request, services.challenge_close, _("挑战赛已结束，奖品已颁发"),
                               challenge_id=challenge_id)
    if prizes is not None:
        messages.info(request, _("共%(n)s人获奖") % {"n": len(prizes)})
    return redirect("challenge:console_challenge", challenge_id=challenge_id)
