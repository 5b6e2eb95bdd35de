"""Contest pages: the staff console (contests, entries, rounds, question bank, ranking, judge scoring) and the
worker's pages (contests open to me, register, take the theory exam with a countdown, results, certificate). Thin:
they parse forms and call services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.timezone import get_current_timezone, make_aware
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext_lazy
from django.views.decorators.http import require_POST

from zhijia.accounts.models import User
from zhijia.contests import selectors, services
from zhijia.contests.certificate import contest_certificate_pdf
from zhijia.contests.models import AdvanceRule, ContestKind, QuestionKind, RoundStatus
from zhijia.core.errors import DomainError, ValidationFailed
from zhijia.core.identity import mask_name
from zhijia.core.views_support import call_with_message, staff_page, worker_page
from zhijia.members.models import Membership
from zhijia.orgs.selectors import require_staff, scoped

# The models' choice labels stay Chinese in models.py: audit entries keep str(round) and the question import matches
# the kind labels. The pages translate them ({% translate r.get_stage_display %}); listed here for makemessages
# ("%%" as the translate tag looks a value up with its "%" doubled).
CHOICE_LABELS = (
    pgettext_lazy("contest kind", "技能大赛"), pgettext_lazy("contest kind", "劳动竞赛"),
    gettext_noop("初赛"), gettext_noop("复赛"), gettext_noop("决赛"),
    gettext_noop("前N名"), gettext_noop("前X%%"), gettext_noop("达到分数线"),
    gettext_noop("进行中"), gettext_noop("已公布成绩"), gettext_noop("已晋级"),
    gettext_noop("单选题"), gettext_noop("多选题"), gettext_noop("判断题"),
)


def _when(raw: str | None):
    value = parse_datetime(raw or "")
    if value is not None and value.tzinfo is None:
        value = make_aware(value, get_current_timezone())
    return value


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() else None


# --- staff console -----------------------------------------------------------------------------------------------


@staff_page
def console(request):
    scope = require_staff(request.user)
    if request.method == "POST":
        opens, closes = _when(request.POST.get("registration_opens_at")), _when(
            request.POST.get("registration_closes_at"))
        if opens is None or closes is None:
            messages.error(request, _("请填写报名开始和截止时间"))
        else:
            contest = call_with_message(
                request, services.contest_create, _("已创建比赛（初赛、复赛、决赛）"),
                title=request.POST.get("title", ""), trade=request.POST.get("trade", ""),
                kind=request.POST.get("kind", ContestKind.SKILL), registration_opens_at=opens,
                registration_closes_at=closes, capacity=_int(request.POST.get("capacity")))
            if contest is not None:
                return redirect("contests:contest", contest.pk)
        return redirect("contests:console")
    return render(request, "contests/console.html", {
        "scope": scope, "contests": selectors.contest_list(user=request.user)[:100], "kinds": ContestKind.choices})


def _parse_spec(raw: str) -> dict:
    """"调度业务:10, 安全规范:5" → {"调度业务": 10, "安全规范": 5}."""
    spec = {}
    for part in raw.replace("，", ",").replace("：", ":").split(","):
        if not part.strip():
            continue
        name, _sep, count = part.partition(":")
        if not count.strip().isdigit():
            raise ValidationFailed.field(
                "paper_spec", _("组卷规则格式应为 分类:题数（“%(part)s”有误）") % {"part": part.strip()})
        spec[name.strip()] = int(count)
    return spec


@staff_page
def contest_detail(request, contest_id: int):
    contest = selectors.contest_get(user=request.user, contest_id=contest_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "register":
            number = (request.POST.get("member_number") or "").strip()
            membership = scoped(Membership.objects.filter(member_number=number), request.user).first() \
                if number else None
            if membership is None:
                messages.error(request, _("会员编号不存在或不在管辖范围内"))
            else:
                call_with_message(request, services.entry_register,
                                  _("已为%(name)s报名") % {"name": membership.worker.name},
                                  contest_id=contest.pk, worker_id=membership.worker_id)
        elif action == "judge":
            judge = User.objects.filter(username=(request.POST.get("username") or "").strip()).first()
            if judge is None:
                messages.error(request, _("账号不存在"))
            else:
                call_with_message(request, services.judge_assign, _("已指定%(judge)s为裁判") % {"judge": judge},
                                  contest_id=contest.pk, user_id=judge.pk)
        elif action == "round":
            _round_save(request)
        elif action in ("publish", "advance"):
            fn = services.round_publish if action == "publish" else services.round_advance
            done = call_with_message(request, fn, _("已完成"), round_id=_int(request.POST.get("round")) or 0)
            if done is not None:
                text = _("公布成绩：%(n)s人") if action == "publish" else _("晋级：%(n)s人")
                messages.success(request, text % {"n": done})
        return redirect("contests:contest", contest.pk)
    q = request.GET.get("q", "")
    return render(request, "contests/contest.html", {
        "contest": contest, "rounds": selectors.round_list(contest=contest),
        "entries": selectors.entry_list(user=request.user, contest_id=contest.pk, q=q or None)[:100], "q": q,
        "judges": contest.judges.select_related("user"), "rules": AdvanceRule.choices,
        "may_judge": services.may_judge(request.user, contest),
        "may_organise": selectors.may_organise(user=request.user, contest=contest),
        "categories": selectors.question_categories(contest=contest)})


def _round_save(request) -> None:
    try:
        spec = _parse_spec(request.POST.get("paper_spec", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return
    value = (request.POST.get("advance_value") or "").strip()
    call_with_message(
        request, services.round_update, _("赛程设置已保存"), round_id=_int(request.POST.get("round")) or 0,
        theory_weight=_int(request.POST.get("theory_weight")),
        practice_weight=_int(request.POST.get("practice_weight")),
        advance_rule=request.POST.get("advance_rule", ""), advance_value=value or None,
        exam_opens_at=_when(request.POST.get("exam_opens_at")),
        exam_closes_at=_when(request.POST.get("exam_closes_at")),
        exam_minutes=_int(request.POST.get("exam_minutes")), paper_spec=spec)


@staff_page
def questions(request, contest_id: int):
    contest = selectors.contest_get(user=request.user, contest_id=contest_id)
    if request.method == "POST":
        if request.FILES.get("file"):
            count = call_with_message(request, services.question_import, _("题库已导入"), contest_id=contest.pk,
                                      content=request.FILES["file"].read())
            if count:
                messages.success(request, _("导入试题%(n)s道") % {"n": count})
        else:
            call_with_message(
                request, services.question_create, _("已新增试题"), contest_id=contest.pk,
                category=request.POST.get("category", ""), kind=request.POST.get("kind", ""),
                text=request.POST.get("text", ""), answer=request.POST.get("answer", ""),
                options=[request.POST.get(f"option_{ch}", "") for ch in "ABCDEF"],
                points=_int(request.POST.get("points")) or 1)
        return redirect("contests:questions", contest.pk)
    return render(request, "contests/questions.html", {
        "contest": contest, "questions": selectors.question_list(user=request.user, contest_id=contest.pk)[:300],
        "categories": selectors.question_categories(contest=contest), "kinds": QuestionKind.choices,
        "columns": services.QUESTION_COLUMNS})


@staff_page
def ranking(request, round_id: int):
    rnd, results = selectors.ranking(user=request.user, round_id=round_id)
    return render(request, "contests/ranking.html", {"round": rnd, "contest": rnd.contest,
                                                     "results": results[:500], "count": results.count()})


@staff_page
def score(request, round_id: int):
    if request.method == "POST":
        call_with_message(request, services.practice_score_enter, _("已录入实操成绩"), round_id=round_id,
                          entry_id=_int(request.POST.get("entry")) or 0, score=request.POST.get("score", ""),
                          reason=request.POST.get("reason", ""))
        return redirect(f"{request.path}?q={request.POST.get('q', '')}")
    rnd, rows = selectors.scoring_sheet(user=request.user, round_id=round_id)
    q = request.GET.get("q", "").strip()
    if q:
        rows = [r for r in rows if q in r["entry"].worker.name or q == str(r["entry"].number)]
    return render(request, "contests/score.html", {"round": rnd, "contest": rnd.contest, "rows": rows[:200],
                                                   "q": q, "total": len(rows)})


# --- worker pages ------------------------------------------------------------------------------------------------


@worker_page
def worker_home(request):
    return render(request, "contests/worker_home.html", {
        "open": selectors.contest_list_open_to(user=request.user),
        "mine": selectors.entry_list_own(user=request.user)})


@worker_page
@require_POST
def register(request, contest_id: int):
    call_with_message(request, services.entry_register, _("报名成功"), contest_id=contest_id)
    return redirect("contests:worker_home")


@worker_page
def exam(request, round_id: int):
    try:
        attempt = selectors.attempt_own(user=request.user, round_id=round_id)
    except DomainError:
        attempt = None
    if request.method == "POST":
        if attempt is None:
            started = call_with_message(request, services.exam_start, _("考试开始，请注意剩余时间"), round_id=round_id)
            if started is None:
                return redirect("contests:worker_home")
        else:
            answers = {str(qid): "".join(request.POST.getlist(f"q{qid}")) for qid in attempt.question_ids}
            submit = request.POST.get("action") == "submit"
            call_with_message(request, services.exam_answer, _("已交卷") if submit else _("答案已保存"),
                              round_id=round_id, answers=answers, submit=submit)
        return redirect("contests:exam", round_id)
    if attempt is None:
        rnd = selectors.round_for_entrant(user=request.user, round_id=round_id)
        return render(request, "contests/exam_start.html", {"round": rnd})
    seconds = int((attempt.deadline - timezone.now()).total_seconds())
    return render(request, "contests/exam.html", {
        "attempt": attempt, "round": attempt.round, "contest": attempt.round.contest,
        "questions": selectors.paper(attempt), "seconds_left": max(seconds, 0),
        "grace": int(services.exam_grace().total_seconds()),
        "result": selectors.own_result(user=request.user, round_id=round_id),
        "published": attempt.round.status != RoundStatus.OPEN,
        "expired": attempt.submitted_at is None and timezone.now() > attempt.deadline + services.exam_grace()})


@worker_page
def certificate(request, entry_id: int):
    cert = selectors.certificate_get(user=request.user, entry_id=entry_id)
    response = HttpResponse(contest_certificate_pdf(cert, request=request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.number}.pdf"'
    return response


def verify(request):
    """Public: anyone checks a certificate number (the QR on the certificate opens this page)."""
    number = (request.GET.get("number") or "").strip()
    cert = selectors.certificate_verify(number=number) if number else None
    return render(request, "contests/verify.html", {"number": number, "cert": cert,
                                                    "name": mask_name(cert.entry.worker.name) if cert else ""})
