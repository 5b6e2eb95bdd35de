"""Wellbeing pages: the worker's mind station (mobile) and the console (counsellor desk, staff report). Thin."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core.errors import DomainError
from zhijia.core.views_support import call_with_message, staff_page, worker_page
from zhijia.orgs.selectors import require_staff
from zhijia.wellbeing import reports, selectors, services
from zhijia.wellbeing.models import Counsellor, Mode
from zhijia.wellbeing.scales import OPTIONS, SCALES, STEM


@worker_page
def worker_home(request):
    results = list(selectors.assessment_list_own(user=request.user)[:10])
    return render(request, "wellbeing/worker_home.html", {
        "scales": SCALES.values(), "results": results, "bands": {s: SCALES[s] for s in SCALES},
        "consultation": selectors.consultation_open_own(user=request.user)})


def assess(request, scale: str):
    """Open to everyone: a signed-in worker may keep the result or take it anonymously; a visitor is anonymous."""
    scale_def = SCALES.get(scale)
    if scale_def is None:
        return render(request, "core/error.html", {"message": _("量表不存在"), "worker": True}, status=404)
    signed_in = request.user.is_authenticated
    if request.method == "POST":
        answers, missing = [], []
        for i in range(len(scale_def.items)):
            raw = request.POST.get(f"q{i + 1}", "")
            if raw.isdigit():
                answers.append(int(raw))
            else:
                missing.append(i + 1)
                answers.append(-1)
        anonymous = not signed_in or request.POST.get("anonymous") == "1"
        if missing:
            # Translators: the separator between question numbers in "请回答第2、5题".
            error = _("请回答第%(numbers)s题") % {"numbers": _("、").join(map(str, missing))}
        else:
            try:
                assessment = services.assessment_submit(None if anonymous else request.user, scale=scale,
                                                        answers=answers, anonymous=anonymous)
                band = scale_def.band_for(assessment.score)
                return render(request, "wellbeing/result.html", {
                    "assessment": assessment, "scale": scale_def, "band": band, "anonymous": anonymous,
                    "hotlines": services.hotlines(),
                    "counsellors": Counsellor.objects.filter(active=True).order_by("pk")[:30]})
            except DomainError as exc:
                error = exc.message
        return render(request, "wellbeing/assess.html", {
            "scale": scale_def, "stem": STEM, "options": OPTIONS, "error": error, "signed_in": signed_in,
            "posted": request.POST, "hotlines": services.hotlines()}, status=400)
    return render(request, "wellbeing/assess.html", {"scale": scale_def, "stem": STEM, "options": OPTIONS,
                                                     "signed_in": signed_in, "hotlines": services.hotlines()})


@worker_page
@require_POST
def share(request, assessment_id: int):
    counsellor = request.POST.get("counsellor") or None
    call_with_message(request, services.assessment_share, _("已分享给所选咨询师") if counsellor else _("已撤回分享"),
        assessment_id=assessment_id, counsellor_id=int(counsellor) if counsellor else None)
    return redirect("wellbeing:worker_home")


@worker_page
def slots(request):
    mode = request.GET.get("mode") or None
    page = Paginator(selectors.slot_list(mode=mode), 30).get_page(request.GET.get("page"))
    return render(request, "wellbeing/slots.html", {"page": page, "modes": Mode.choices, "mode": mode})


@worker_page
@require_POST
def book(request):
    slot = request.POST.get("slot", "")
    if call_with_message(request, services.booking_create, _("预约成功，开始前会短信提醒您"),
           slot_id=int(slot) if slot.isdigit() else 0):
        return redirect("wellbeing:bookings")
    return redirect("wellbeing:slots")


@worker_page
def bookings(request):
    return render(request, "wellbeing/bookings.html",
                  {"bookings": selectors.booking_list_own(user=request.user)[:50]})


@worker_page
@require_POST
def booking_cancel(request, booking_id: int):
    call_with_message(request, services.booking_cancel, _("已取消预约"), booking_id=booking_id)
    return redirect("wellbeing:bookings")


@worker_page
@require_POST
def booking_rate(request, booking_id: int):
    rating = request.POST.get("rating", "")
    call_with_message(request, services.booking_rate, _("感谢您的评价"), booking_id=booking_id,
        rating=int(rating) if rating.isdigit() else 0, comment=request.POST.get("comment", ""))
    return redirect("wellbeing:bookings")


@worker_page
def quick(request):
    if request.method == "POST":
        if request.POST.get("withdraw"):
            call_with_message(request, services.consultation_withdraw, _("已退出排队"),
                              consultation_id=int(request.POST["withdraw"]))
        else:
            call_with_message(request, services.consultation_ask, _("已进入排队，咨询师空闲后会马上接起"),
                topic=request.POST.get("topic", ""))
        return redirect("wellbeing:quick")
    c = selectors.consultation_open_own(user=request.user)
    ctx = {"consultation": c, "wait": selectors.consultation_wait(c) if c else None,
           "queue": selectors.consultation_queue_length()}
    if request.headers.get("HX-Request"):
        return render(request, "wellbeing/_quick_status.html", ctx)
    return render(request, "wellbeing/quick.html", ctx)


# --- Console ------------------------------------------------------------------------------------------------------

@staff_page
def console(request):
    counsellor = selectors.counsellor_for_user(request.user)
    if counsellor is not None:
        flags = list(selectors.crisis_flag_list_for_counsellor(user=request.user)[:30])
        for f in flags:
            # The contact of a flagged worker is shown to the counsellor who took the flag on: a read, audited.
            if f.acknowledged_by_id == counsellor.pk and f.assessment.worker_id:
                audit_record(actor=request.user, action=Action.VIEW_PII, obj=f.assessment.worker, union=f.union,
                             detail={"crisis_flag": f.pk})
        return render(request, "wellbeing/desk.html", {
            "counsellor": counsellor,
            "flags": flags,
            "bookings": selectors.booking_list_counsellor(user=request.user)[:50],
            "current": selectors.consultation_current_for_counsellor(user=request.user),
            "queue": selectors.consultation_queue_length(),
            "shared": selectors.assessment_shared_list(user=request.user)[:20],
            "modes": Mode.choices})
    scope = require_staff(request.user)
    data = selectors.wellbeing_report(user=request.user)
    from zhijia.volunteers.selectors import volunteer_stats

    stats = volunteer_stats(user=request.user)
    chart = {"months": sorted({r["month"] for r in data["assessments_by_band"]}), "series": {}}
    for r in data["assessments_by_band"]:
        key = f"{SCALES[r['scale']].name[:5]} {_(reports.band_label(r['scale'], r['band']))}"
        chart["series"].setdefault(key, {})[r["month"]] = r["count"]
    chart["volunteers"] = stats["per_union"]
    return render(request, "wellbeing/report.html", {
        "scope": scope, "data": data, "stats": stats, "chart": chart,
        "flags": selectors.crisis_flag_list(user=request.user)[:30]})


@staff_page
def report_xlsx(request):
    return reports.report_xlsx_response(user=request.user)


@staff_page
@require_POST
def desk_action(request):
    action = request.POST.get("action")
    target = request.POST.get("id", "")
    target_id = int(target) if target.isdigit() else 0
    if action == "ack":
        call_with_message(request, services.crisis_flag_acknowledge, _("已确认预警，请尽快联系"), flag_id=target_id)
    elif action == "take":
        try:
            if services.consultation_take_next(request.user) is None:
                messages.info(request, _("暂无排队的问诊"))
        except DomainError as exc:
            messages.error(request, exc.message)
    elif action == "close":
        call_with_message(request, services.consultation_close, _("问诊已结束"), consultation_id=target_id)
    elif action in ("attended", "no_show"):
        call_with_message(request, services.booking_mark, _("已登记"), booking_id=target_id, outcome=action)
    elif action == "note":
        call_with_message(request, services.session_note_write, _("咨询记录已加密保存"), booking_id=target_id,
            body=request.POST.get("body", ""))
    elif action == "slot":
        from django.utils.dateparse import parse_datetime
        from django.utils.timezone import get_current_timezone, make_aware

        starts = parse_datetime(request.POST.get("starts_at", ""))
        if starts is None:
            messages.error(request, _("请填写开始时间"))
        else:
            if starts.tzinfo is None:
                starts = make_aware(starts, get_current_timezone())
            call_with_message(request, services.slot_publish, _("时段已发布"), starts_at=starts,
                              mode=request.POST.get("mode", ""), place=request.POST.get("place", ""))
    return redirect("wellbeing:console")
