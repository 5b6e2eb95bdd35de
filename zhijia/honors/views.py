"""Selection pages: the staff console (selections, stages, review, quarantine, expert scoring, results, public
notice, honours) and the worker's pages (vote, candidate story, my honours). Thin: parse, call, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.timezone import get_current_timezone, make_aware
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijia.core.errors import DomainError
from zhijia.core.http import client_ip
from zhijia.core.views_support import call_with_message, staff_page, worker_page
from zhijia.honors import selectors, services
from zhijia.honors.models import (
    CandidateStatus,
    HonourKind,
    HonourLevel,
    Outcome,
    Stage,
)
from zhijia.honors.services import SIGNAL_LABELS
from zhijia.members.selectors import member_in_good_standing, worker_for_user
from zhijia.orgs.selectors import require_staff, visible_unions


def _when(raw: str | None):
    value = parse_datetime(raw or "")
    if value is not None and value.tzinfo is None:
        value = make_aware(value, get_current_timezone())
    return value


def _int(raw, default=None):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


# --- staff console --------------------------------------------------------------------------------------------------

@staff_page
def console(request):
    scope = require_staff(request.user)
    if request.method == "POST":
        selection = call_with_message(
            request, services.selection_create, _("评选已创建"),
            title=request.POST.get("title", ""), votes_per_day=_int(request.POST.get("votes_per_day"), 0),
            vote_starts_at=_when(request.POST.get("vote_starts_at")),
            vote_ends_at=_when(request.POST.get("vote_ends_at")),
            shortlist_size=_int(request.POST.get("shortlist_size"), 100),
            top_size=_int(request.POST.get("top_size"), 10))
        if selection is not None:
            return redirect("honors:console_detail", selection.pk)
        return redirect("honors:console")
    return render(request, "honors/console.html", {
        "scope": scope, "selections": selectors.selection_list(user=request.user)[:100]})


def _detail_context(request, selection_id: int) -> dict:
    selection = selectors.selection_get(user=request.user, selection_id=selection_id)
    return {"selection": selection, "organiser": selectors.is_organiser(request.user, selection),
            "counts": selectors.stage_counts(selection), "Stage": Stage,
            "is_expert": selection.experts.filter(user=request.user).exists(),
            "next_label": _(Stage(selection.next_stage).label) if selection.next_stage else ""}


@staff_page
def console_detail(request, selection_id: int):
    ctx = _detail_context(request, selection_id)
    selection = ctx["selection"]
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "advance":
            call_with_message(request, services.selection_advance, _("已进入下一环节"), selection_id=selection.pk)
        elif action == "nominate":
            call_with_message(request, services.candidate_nominate, _("已推荐候选人"), selection_id=selection.pk,
                              name=request.POST.get("name", ""), union_id=_int(request.POST.get("union"), 0),
                              story=request.POST.get("story", ""), employer=request.POST.get("employer", ""),
                              photo_url=request.POST.get("photo_url", ""))
        elif action == "endorse":
            call_with_message(request, services.candidate_endorse, _("已推荐"),
                              candidate_id=_int(request.POST.get("candidate"), 0))
        return redirect("honors:console_detail", selection.pk)
    status = request.GET.get("status") or None
    q = request.GET.get("q") or None
    candidates = selectors.candidate_list(user=request.user, selection=selection, status=status, q=q)
    page = Paginator(candidates, 50).get_page(request.GET.get("page"))
    live = selectors.live_totals(selection.pk, [c.pk for c in page]) if selection.stage != Stage.NOMINATION else {}
    for c in page:
        c.live_votes = live.get(c.pk)
    return render(request, "honors/console_detail.html", ctx | {
        "page": page, "status": status or "", "q": q or "", "statuses": CandidateStatus.choices,
        "unions": visible_unions(request.user).filter(path__startswith=selection.union.path)
        .order_by("path")[:300]})


@staff_page
def console_review(request, selection_id: int):
    ctx = _detail_context(request, selection_id)
    selection = ctx["selection"]
    if request.method == "POST":
        checks = {item: f"check-{i}" in request.POST for i, item in enumerate(selection.checklist)}
        call_with_message(request, services.candidate_review, _("审核结果已保存"),
                          candidate_id=_int(request.POST.get("candidate"), 0), checks=checks,
                          reason=request.POST.get("reason", ""))
        return redirect("honors:console_review", selection.pk)
    pending = selectors.candidate_list(user=request.user, selection=selection, status=CandidateStatus.NOMINATED)
    done = (selectors.candidate_list(user=request.user, selection=selection)
            .filter(status__in=[CandidateStatus.PASSED, CandidateStatus.REJECTED]).order_by("-review__reviewed_at"))
    return render(request, "honors/console_review.html", ctx | {
        "pending": pending[:20], "pending_count": pending.count(), "done": done[:30],
        "checklist": list(enumerate(selection.checklist))})


@staff_page
def console_quarantine(request, selection_id: int):
    ctx = _detail_context(request, selection_id)
    selection = ctx["selection"]
    if request.method == "POST":
        accept = request.POST.get("decision") == "accept"
        ids = [v for v in (_int(x) for x in request.POST.getlist("votes")) if v]
        call_with_message(request, services.votes_review, _("已计为有效票") if accept else _("已判定为无效票"),
                          selection_id=selection.pk, vote_ids=ids, accept=accept, note=request.POST.get("note", ""))
        return redirect("honors:console_quarantine", selection.pk)
    votes = selectors.quarantine_list(user=request.user, selection=selection)
    page = Paginator(votes, 100).get_page(request.GET.get("page"))
    for v in page:
        v.signal_labels = [_(SIGNAL_LABELS[s]) if s in SIGNAL_LABELS else s for s in v.signals]
    return render(request, "honors/console_quarantine.html", ctx | {"page": page})


@staff_page
def console_scoring(request, selection_id: int):
    ctx = _detail_context(request, selection_id)
    selection = ctx["selection"]
    candidate_id = _int(request.GET.get("candidate") or request.POST.get("candidate"))
    if request.method == "POST":
        if request.POST.get("action") == "conflict":
            call_with_message(request, services.conflict_declare, _("已声明回避"), candidate_id=candidate_id or 0,
                              reason=request.POST.get("reason", ""))
            return redirect("honors:console_scoring", selection.pk)
        sheet = selectors.expert_sheet(user=request.user, selection=selection)
        scores = {c.name: request.POST.get(f"criterion-{c.pk}", "") for c in sheet["criteria"]}
        try:
            services.scores_submit(request.user, candidate_id=candidate_id or 0, scores=scores)
        except DomainError as exc:
            field = next(iter(exc.fields), "")
            messages.error(request, f"{exc.message}" + (f"（{field}）" if field and field not in exc.message else ""))
            return redirect(f"{request.path}?candidate={candidate_id}")
        messages.success(request, _("评分已保存"))
        following = next((c for c in sheet["candidates"] if c.pk != candidate_id and c.pk not in sheet["recused"]
                          and len(sheet["mine"].get(c.pk, {})) < len(sheet["criteria"])), None)
        return redirect(f"{request.path}?candidate={following.pk}" if following else request.path)
    sheet = selectors.expert_sheet(user=request.user, selection=selection)
    current = next((c for c in sheet["candidates"] if c.pk == candidate_id), None)
    if current is None:
        current = next((c for c in sheet["candidates"] if c.pk not in sheet["recused"]
                        and len(sheet["mine"].get(c.pk, {})) < len(sheet["criteria"])), None)
    rows = [{"c": c, "recused": c.pk in sheet["recused"],
             "done": len(sheet["mine"].get(c.pk, {})) == len(sheet["criteria"])} for c in sheet["candidates"]]
    values = {crit: sheet["mine"].get(current.pk, {}).get(crit) for crit in
              (c.pk for c in sheet["criteria"])} if current else {}
    fields = [{"c": c, "value": values.get(c.pk)} for c in sheet["criteria"]]
    return render(request, "honors/console_scoring.html", ctx | {
        "sheet": sheet, "rows": rows, "current": current, "fields": fields})


@staff_page
def console_results(request, selection_id: int):
    ctx = _detail_context(request, selection_id)
    results = selectors.selection_results(user=request.user, selection_id=selection_id)
    results = results | {"tie_break": _(results["tie_break"])}
    return render(request, "honors/console_results.html", ctx | {"results": results,
                                                                 "items": results["items"][:200]})


@staff_page
def console_notice(request, selection_id: int):
    ctx = _detail_context(request, selection_id)
    selection = ctx["selection"]
    if request.method == "POST":
        call_with_message(request, services.objection_resolve, _("异议已处理"),
                          objection_id=_int(request.POST.get("objection"), 0),
                          upheld=request.POST.get("upheld") == "1", resolution=request.POST.get("resolution", ""))
        return redirect("honors:console_notice", selection.pk)
    return render(request, "honors/console_notice.html", ctx | {
        "listed": selectors.notice_list(selection=selection),
        "objections": selectors.objection_list(user=request.user, selection=selection), "Outcome": Outcome})


@staff_page
def console_honours(request):
    scope = require_staff(request.user)
    if request.method == "POST":
        call_with_message(request, services.honour_record, _("荣誉已登记"),
                          worker_id=_int(request.POST.get("worker"), 0), kind=request.POST.get("kind", ""),
                          title=request.POST.get("title", ""), level=request.POST.get("level", ""),
                          year=_int(request.POST.get("year"), 0), note=request.POST.get("note", ""))
        return redirect("honors:console_honours")
    kind = request.GET.get("kind") or None
    page = Paginator(selectors.honour_list(user=request.user, kind=kind), 50).get_page(request.GET.get("page"))
    return render(request, "honors/console_honours.html", {
        "scope": scope, "page": page, "kinds": HonourKind.choices, "levels": HonourLevel.choices, "kind": kind or "",
        "year": timezone.localdate().year})


# --- worker pages ---------------------------------------------------------------------------------------------------

@worker_page
def worker_list(request):
    return render(request, "honors/worker_list.html", {
        "selections": selectors.voting_selections(user=request.user),
        "notices": selectors.published_selections()[:10],
        "member": member_in_good_standing(request.user)})


@worker_page
def worker_selection(request, selection_id: int):
    selection = next((s for s in selectors.voting_selections(user=request.user) if s.pk == selection_id), None)
    if selection is None:
        return render(request, "core/error.html", {"message": _("该评选不在投票阶段"), "worker": True}, status=404)
    q = request.GET.get("q") or None
    page = Paginator(selectors.public_candidates(selection=selection, q=q), 30).get_page(request.GET.get("page"))
    live = selectors.live_totals(selection.pk, [c.pk for c in page])
    for c in page:
        c.live_votes = live.get(c.pk, 0)
    return render(request, "honors/worker_selection.html", {
        "selection": selection, "page": page, "q": q or "",
        "left": selectors.votes_left_today(user=request.user, selection=selection)})


@worker_page
def worker_candidate(request, candidate_id: int):
    candidate = selectors.public_candidate_get(candidate_id=candidate_id)
    selection = candidate.selection
    return render(request, "honors/worker_candidate.html", {
        "candidate": candidate, "selection": selection, "voting": selection.stage == Stage.PUBLIC_VOTE,
        "live": selectors.live_totals(selection.pk, [candidate.pk])[candidate.pk],
        "left": selectors.votes_left_today(user=request.user, selection=selection)})


@worker_page
@require_POST
def worker_vote(request, candidate_id: int):
    """The vote button (htmx): answers the small result block with the votes left today."""
    candidate = selectors.public_candidate_get(candidate_id=candidate_id)
    ok, message, left = True, "", None
    try:
        vote, left = services.vote_cast(request.user, candidate_id=candidate.pk, ip=client_ip(request),
                                        device_id=request.headers.get("X-Device-Id", ""))
        message = (_("投票成功") if vote.status == "counted" else _("已收到，该票需人工复核后计入"))
    except DomainError as exc:
        ok, message = False, exc.message
        left = selectors.votes_left_today(user=request.user, selection=candidate.selection)
    context = {"candidate": candidate, "ok": ok, "message": message, "left": left,
               "live": selectors.live_totals(candidate.selection_id, [candidate.pk])[candidate.pk]}
    if request.headers.get("HX-Request"):
        return render(request, "honors/_vote_result.html", context, status=200)
    (messages.success if ok else messages.error)(request, message)
    return redirect("honors:worker_candidate", candidate.pk)


@worker_page
def worker_notice(request, selection_id: int):
    """The public notice (公示) as anyone sees it: the list, and an objection form while the notice runs."""
    selection = selectors.notice_selection(selection_id=selection_id)
    if request.method == "POST":
        call_with_message(request, services.objection_raise, _("异议已提交，工会将核查处理"),
                          candidate_id=_int(request.POST.get("candidate"), 0), text=request.POST.get("text", ""),
                          contact=request.POST.get("contact", ""))
        return redirect("honors:worker_notice", selection.pk)
    return render(request, "honors/worker_notice.html", {
        "selection": selection, "listed": selectors.notice_list(selection=selection),
        "open": selection.stage == Stage.PUBLIC_NOTICE and timezone.now() <= selection.notice_ends_at})


@worker_page
def my_honours(request):
    worker = worker_for_user(request.user)
    return render(request, "honors/my_honours.html", {"worker": worker,
                                                      "honours": selectors.worker_honours(worker)})
