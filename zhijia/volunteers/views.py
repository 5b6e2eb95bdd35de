"""Volunteer pages: the worker's sign-up, calls, shifts and certificate (mobile); the console registry. Thin."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.timezone import get_current_timezone, make_aware
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhijia.core.views_support import call_with_message, staff_page, worker_page
from zhijia.orgs.selectors import require_staff
from zhijia.volunteers import selectors, services
from zhijia.volunteers.certificate import certificate_pdf
from zhijia.volunteers.models import TaskKind

SKILLS = ["核酸检测支援", "卫生消杀", "秩序维持", "买菜寄递", "驾驶", "医护", "心理疏导", "外语", "电工维修"]
# What the sign-up form shows for each skill; the value stored stays the Chinese one.
SKILL_LABELS = list(zip(SKILLS, [
    gettext_lazy("核酸检测支援"), gettext_lazy("卫生消杀"), gettext_lazy("秩序维持"), gettext_lazy("买菜寄递"),
    gettext_lazy("驾驶"), gettext_lazy("医护"), gettext_lazy("心理疏导"), gettext_lazy("外语"),
    gettext_lazy("电工维修")], strict=True))


def _skill_labels(skills: list[str]) -> list[str]:
    """A volunteer's skills as the reader reads them; skills typed in by hand stay as they are."""
    labels = dict(SKILL_LABELS)
    return [labels.get(s, s) for s in skills]


@worker_page
def worker_home(request):
    volunteer = selectors.volunteer_own(user=request.user)
    if volunteer:
        volunteer.skill_labels = _skill_labels(volunteer.skills)
    return render(request, "volunteers/worker_home.html", {
        "volunteer": volunteer, "skills": SKILL_LABELS,
        "calls": selectors.call_list_open()[:20] if volunteer else [],
        "shifts": selectors.shift_list_own(user=request.user)[:30]})


@worker_page
@require_POST
def register(request):
    call_with_message(request, services.volunteer_register, _("已登记为志愿者"), skills=request.POST.getlist("skills"),
        availability=request.POST.get("availability", ""), certificates=request.POST.get("certificates", ""))
    return redirect("volunteers:worker_home")


@worker_page
@require_POST
def signup(request, call_id: int):
    call_with_message(request, services.call_signup, _("报名成功，等待工会安排批次"), call_id=call_id)
    return redirect("volunteers:worker_home")


@worker_page
@require_POST
def shift_action(request, shift_id: int):
    if request.POST.get("action") == "out":
        call_with_message(request, services.shift_sign_out, _("已签退，辛苦了"), shift_id=shift_id)
    else:
        call_with_message(request, services.shift_sign_in, _("已签到"), shift_id=shift_id)
    return redirect("volunteers:worker_home")


@worker_page
def certificate(request):
    pdf = certificate_pdf(selectors.volunteer_certificate(user=request.user))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="volunteer-hours.pdf"'
    return response


def _when(raw: str):
    value = parse_datetime(raw or "")
    if value is not None and value.tzinfo is None:
        value = make_aware(value, get_current_timezone())
    return value


@staff_page
def console(request):
    scope = require_staff(request.user)
    if request.method == "POST":
        starts, ends = _when(request.POST.get("starts_at")), _when(request.POST.get("ends_at"))
        if starts is None or ends is None:
            messages.error(request, _("请填写开始和结束时间"))
        else:
            batch = request.POST.get("batch", "")
            call_with_message(request, services.deployment_create, _("已派出本批次"),
                title=request.POST.get("title", ""), batch=int(batch) if batch.isdigit() else 0,
                place=request.POST.get("place", ""), starts_at=starts, ends_at=ends,
                task=request.POST.get("task", "other"),
                volunteers=[int(v) for v in request.POST.getlist("volunteers") if v.isdigit()])
        return redirect("volunteers:console")
    volunteers = list(selectors.volunteer_list(user=request.user, q=request.GET.get("q") or None)[:200])
    for v in volunteers:
        v.skill_labels = _skill_labels(v.skills)
    return render(request, "volunteers/console.html", {
        "scope": scope, "stats": selectors.volunteer_stats(user=request.user),
        "deployments": selectors.deployment_list(user=request.user)[:50], "volunteers": volunteers,
        "tasks": TaskKind.choices, "q": request.GET.get("q", "")})
