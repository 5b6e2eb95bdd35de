"""Pages of the members app: staff console (queue, members, transfers, imports, rules, scan, dashboard) and the
worker's mobile pages (join, card). Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

import json
import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhijia.core import regions
from zhijia.core.errors import DomainError
from zhijia.core.http import client_ip
from zhijia.core.identity import mask_id_number, mask_name, mask_phone
from zhijia.core.views_support import staff_page, worker_page
from zhijia.members import cards, exports, imports, routing, selectors, services
from zhijia.members.models import ApplicationStatus, ImportStatus, RoutingStrategy, TransferStatus
from zhijia.orgs.models import Occupation
from zhijia.orgs.selectors import require_staff

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The re-issue reasons as the pages show them; services.REISSUE_REASONS keeps the Chinese text stored on the cards.
_REISSUE_REASON_LABELS = {"lost": gettext_lazy("手机丢失或更换"), "compromised": gettext_lazy("二维码被他人使用或泄露"),
                          "damaged": gettext_lazy("卡面信息有误"), "other": gettext_lazy("其他")}


def _reissue_reasons() -> list[tuple[str, str]]:
    return [(k, _REISSUE_REASON_LABELS.get(k, label)) for k, label in services.REISSUE_REASONS.items()]


def _beijing_districts():
    return regions.districts_of("110000") or regions.districts_of("110100")


# --- Staff console ------------------------------------------------------------------------------------------------


@staff_page
def dashboard(request):
    union_id = request.GET.get("union")
    stats = selectors.member_stats(user=request.user, union_id=int(union_id) if union_id and union_id.isdigit()
                                   else None)
    # The selector gives the occupation labels untranslated (gettext_noop in orgs.models): translate them here.
    by_occupation = [{**o, "label": _(o["label"])} for o in stats["by_occupation"]]
    chart = {"by_union": stats["by_union"][:15], "by_occupation": by_occupation,
             "joins_by_month": stats["joins_by_month"]}
    return render(request, "members/dashboard.html", {"stats": stats, "chart_json": json.dumps(chart,
                                                                                             ensure_ascii=False)})


@staff_page
def application_queue(request):
    status = request.GET.get("status", ApplicationStatus.PENDING)
    q = request.GET.get("q", "").strip()
    picker = union_picker_context(user=request.user, field="union", purpose="scope", label=_("受理工会"),
                                  picked_id=request.GET.get("union"))
    page = Paginator(selectors.application_queue(user=request.user, status=status, q=q or None,
                                                 union_id=picker["picked"].pk if picker["picked"] else None),
                     50).get_page(request.GET.get("page"))
    return render(request, "members/queue.html", {"page": page, "status": status, "q": q, "picker": picker,
                                                  "statuses": ApplicationStatus.choices})


@staff_page
def application_on_behalf(request):
    """代办入会: a hotline agent or union staff files the application for a worker (on the phone, at a desk)."""
    require_staff(request.user, roles=services.APPLY_FOR_OTHERS_ROLES)
    form, error, error_fields = {}, None, {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            a = services.application_submit(
                request.user, name=form.get("name", ""), id_number=form.get("id_number", ""),
                phone=form.get("phone", ""), occupation=form.get("occupation", ""),
                work_region_code=form.get("street") or form.get("district") or None,
                employer_credit_code=form.get("employer_credit_code") or None,
                employer_credit_code_confirmed=form.get("credit_confirmed") == "1",
                employer_name=form.get("employer_name", ""), home_region_code=form.get("home_district") or None)
            messages.success(request, _("已代为提交入会申请 %(id)s：%(name)s → %(union)s。") % {
                "id": a.pk, "name": a.worker.name, "union": a.union.name} + a.routing_reason)
            return redirect("members:apply_for")
        except DomainError as exc:
            error, error_fields = exc.message, exc.fields
    return render(request, "members/apply_for.html", {
        "form": form, "error": error, "error_fields": error_fields, "occupations": Occupation.choices,
        "districts": _beijing_districts()}, status=400 if error else 200)


@staff_page
def application_detail(request, application_id: int):
    application = selectors.application_get(user=request.user, application_id=application_id)
    return render(request, "members/application.html", {
        "a": application, "events": application.events.select_related("actor"),
        "masked_id": mask_id_number(application.worker.id_number), "masked_phone": mask_phone(application.worker.phone),
        "age": selectors.application_age_days(application)})


@staff_page
@require_POST
def application_decide(request, application_id: int, action: str):
    try:
        if action == "approve":
            a = services.application_approve(request.user, application_id=application_id)
            messages.success(request, _("已通过：%(name)s 入会，会员编号 %(number)s") % {
                "name": a.worker.name, "number": a.membership.member_number})
        elif action == "reject":
            services.application_reject(request.user, application_id=application_id,
                                        reason=request.POST.get("reason", ""))
            messages.success(request, _("已驳回"))
        elif action == "reroute":
            union_id = request.POST.get("union", "")
            services.application_reroute(request.user, application_id=application_id,
                                         union_id=int(union_id) if union_id.isdigit() else 0,
                                         reason=request.POST.get("reason", ""))
            messages.success(request, _("已改派"))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("members:application", application_id=application_id)
    return redirect("members:queue")


@staff_page
def member_list(request):
    q = request.GET.get("q", "").strip()
    occupation = request.GET.get("occupation") or None
    picker = union_picker_context(user=request.user, field="union", purpose="scope", label=_("所在工会（含下级）"),
                                  picked_id=request.GET.get("union"))
    qs = selectors.membership_list(user=request.user, q=q or None, occupation=occupation,
                                   union_id=picker["picked"].pk if picker["picked"] else None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [{"m": m, "name": mask_name(m.worker.name), "id": mask_id_number(m.worker.id_number),
             "phone": mask_phone(m.worker.phone)} for m in page.object_list]
    return render(request, "members/list.html", {"page": page, "rows": rows, "q": q, "occupation": occupation,
                                                 "occupations": Occupation.choices, "picker": picker})


@staff_page
def member_detail(request, membership_id: int):
    m = selectors.membership_get(user=request.user, membership_id=membership_id)
    return render(request, "members/member.html", {
        "m": m, "history": selectors.membership_history(m.worker), "name": mask_name(m.worker.name),
        "id_number": mask_id_number(m.worker.id_number), "phone": mask_phone(m.worker.phone),
        "transfers": m.transfers.select_related("from_union", "to_union").order_by("-id"),
        "cards": selectors.member_cards(membership=m), "reissue_reasons": _reissue_reasons()})


@staff_page
@require_POST
def member_card(request, membership_id: int, action: str):
    """Staff re-issue (补发) or revoke (注销) a member's e-card."""
    try:
        if action == "reissue":
            card = services.card_reissue(request.user, membership_id=membership_id,
                                         reason=request.POST.get("reason", ""), note=request.POST.get("note", ""))
            messages.success(request, _("已补发第%(n)s张电子会员卡，旧卡已列入注销名单") % {"n": card.generation})
        else:
            services.card_revoke(request.user, membership_id=membership_id, reason=request.POST.get("reason", ""))
            messages.success(request, _("电子会员卡已注销"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("members:member", membership_id=membership_id)


@staff_page
def worker_reveal(request, worker_id: int):
    """htmx partial: the unmasked ID and phone, audited."""
    w = services.worker_pii_reveal(request.user, worker_id=worker_id, ip=client_ip(request))
    return HttpResponse(f'<span class="tag amber">{_("已留痕")}</span> {_("身份证号")} {w.id_number} · '
                        f'{_("手机号")} {w.phone}')


@staff_page
def member_export(request):
    union = request.GET.get("union", "")
    out, _count = exports.members_export_xlsx(request.user, q=request.GET.get("q") or None,
                                         union_id=int(union) if union.isdigit() else None,
                                         occupation=request.GET.get("occupation") or None,
                                         unmasked=request.GET.get("unmasked") == "1", ip=client_ip(request))
    return FileResponse(out, as_attachment=True, filename="members.xlsx", content_type=XLSX)


@staff_page
@require_POST
def member_leave(request, membership_id: int):
    try:
        services.membership_leave(request.user, membership_id=membership_id, reason=request.POST.get("reason", ""))
        messages.success(request, _("已办理退会，电子会员卡已注销"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("members:member", membership_id=membership_id)


@staff_page
@require_POST
def member_transfer(request, membership_id: int):
    to = request.POST.get("to_union", "")
    try:
        services.transfer_request(request.user, membership_id=membership_id, to_union_id=int(to) if to.isdigit()
                                  else 0, reason=request.POST.get("reason", ""))
        messages.success(request, _("已发起转接，待对方工会确认"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("members:member", membership_id=membership_id)


@staff_page
def transfer_list(request):
    if request.method == "POST":
        # The receiving union asks to take a member in, naming them by ID number.
        to = request.POST.get("to_union", "")
        try:
            services.transfer_request(request.user, id_number=request.POST.get("id_number", ""),
                                      to_union_id=int(to) if to.isdigit() else 0,
                                      reason=request.POST.get("reason", ""))
            messages.success(request, _("已申请转入，待转出方工会确认"))
            return redirect("members:transfers")
        except DomainError as exc:
            messages.error(request, exc.message)
    status = request.GET.get("status", TransferStatus.PENDING)
    transfers = list(selectors.transfer_list(user=request.user, status=status or None)[:200])
    scope = require_staff(request.user)
    rows = [{"t": t, "name": mask_name(t.membership.worker.name), "from_side": scope.contains(t.from_union),
             "to_side": scope.contains(t.to_union)} for t in transfers]
    picker = union_picker_context(user=request.user, field="to_union", purpose="scope", label=_("转入本级或下级工会"),
                                  picked_id=request.POST.get("to_union"))
    return render(request, "members/transfers.html", {"rows": rows, "status": status, "picker": picker,
                                                      "statuses": TransferStatus.choices},
                  status=400 if request.method == "POST" else 200)


@staff_page
@require_POST
def transfer_decide(request, transfer_id: int, action: str):
    try:
        if action == "confirm":
            t = services.transfer_confirm(request.user, transfer_id=transfer_id)
            done = t.status == TransferStatus.COMPLETED
            messages.success(request, _("转接已完成") if done else _("已确认，待对方确认"))
        else:
            services.transfer_refuse(request.user, transfer_id=transfer_id, reason=request.POST.get("reason", ""))
            messages.success(request, _("已拒绝转接"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("members:transfers")


@staff_page
def import_list(request):
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        union = request.POST.get("union", "")
        try:
            if not union.isdigit():
                raise services.ValidationFailed.field("union", _("请先搜索并选择要导入到的工会"))
            if upload is None:
                raise services.ValidationFailed.field("file", _("请选择要上传的文件"))
            item = imports.roster_import_create(request.user, union_id=int(union) if union.isdigit() else 0,
                                                filename=upload.name, fileobj=upload)
            return redirect("members:import", import_id=item.pk)
        except DomainError as exc:
            error = exc.message
    picker = union_picker_context(user=request.user, field="union", purpose="scope", label=_("导入到工会"),
                                  picked_id=request.POST.get("union") or request.GET.get("union"))
    return render(request, "members/imports.html", {
        "items": selectors.roster_import_list(user=request.user)[:50], "picker": picker, "error": error,
        "max_mb": imports._max_bytes() // (1 << 20)}, status=400 if error else 200)


@staff_page
def import_detail(request, import_id: int):
    item = selectors.roster_import_get(user=request.user, import_id=import_id)
    running = item.status in (ImportStatus.VALIDATING, ImportStatus.COMMITTING)
    context = {"item": item, "running": running}
    if request.headers.get("HX-Request") and running is False and request.GET.get("poll"):
        # The polling progress bar finished: reload the whole report.
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    if request.GET.get("poll"):
        return render(request, "members/_import_progress.html", context)
    bad = Paginator(selectors.roster_import_bad_rows(roster_import=item), 50).get_page(request.GET.get("page"))
    # Shown in the reader's language; the stored Chinese is not saved back (never saved here).
    item.error = imports.report_text(item.error)
    for row in bad:
        row.errors = imports.report_text(row.errors)
    context |= {"preview": [imports.preview_row(r) for r in selectors.roster_import_preview(roster_import=item)],
                "page": bad}
    return render(request, "members/import.html", context)


@staff_page
@require_POST
def import_commit(request, import_id: int):
    try:
        imports.roster_import_commit(request.user, import_id=import_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("members:import", import_id=import_id)


@staff_page
def import_failed_rows(request, import_id: int):
    out, item = exports.roster_failed_rows_export(request.user, import_id=import_id, ip=client_ip(request))
    return FileResponse(out, as_attachment=True, filename=f"import-{item.pk}-failed.xlsx", content_type=XLSX)


@staff_page
def import_template(request):
    response = HttpResponse(imports.template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response


@staff_page
def routing_rules(request):
    error = None
    if request.method == "POST":
        p = request.POST
        try:
            rule_id = p.get("rule_id", "")
            target = p.get("target_union", "")
            services.routing_rule_save(
                request.user, rule_id=int(rule_id) if rule_id.isdigit() else None, name=p.get("name", ""),
                strategy=p.get("strategy", ""), priority=int(p.get("priority") or 100) if (
                    p.get("priority") or "100").isdigit() else 100,
                match_region_prefix=p.get("match_region_prefix", "").strip(),
                match_occupation=p.get("match_occupation", ""),
                target_union_id=int(target) if target.isdigit() else None, is_active=p.get("is_active") == "on")
            messages.success(request, _("分派规则已保存"))
            return redirect("members:rules")
        except DomainError as exc:
            error = exc.message
    explain = None
    if request.GET.get("work_region_code"):
        try:
            code = regions.validate_region_code(request.GET["work_region_code"], field="work_region_code")
            explain = routing.route(routing.RouteInput(
                work_region_code=code, occupation=services._occupation(request.GET.get("occupation", "other")),
                employer_credit_code=request.GET.get("employer_credit_code", "").strip().upper()))
        except DomainError as exc:
            error = exc.message
    return render(request, "members/rules.html", {
        "rules": selectors.routing_rules(user=request.user), "strategies": RoutingStrategy.choices,
        "occupations": Occupation.choices, "error": error, "explain": explain, "get": request.GET},
        status=400 if error else 200)


_PICKER_FIELD = re.compile(r"^[a-z_]{1,30}$")


def union_picker_context(*, user, field: str, purpose: str, label: str, picked_id=None) -> dict:
    """Context of the shared union picker (members/_union_picker.html) for a form field; `picked_id` preselects."""
    picked = None
    if picked_id and str(picked_id).isdigit():
        picked = selectors.union_pick_candidates(user=user, purpose=purpose).filter(pk=int(picked_id)).first()
    return {"field": field, "purpose": purpose, "label": label, "picked": picked}


@staff_page
def union_pick(request):
    """htmx: the union picker. With `pick`: the picker showing that union chosen; with `results`: the matches of
    the search box; otherwise the empty picker (after "重选")."""
    field, purpose = request.GET.get("field", ""), request.GET.get("purpose", "scope")
    if not _PICKER_FIELD.match(field) or purpose not in selectors.UNION_PICK_PURPOSES:
        return HttpResponse(_("参数不正确"), status=400)
    label = request.GET.get("label", _("工会"))[:30]
    context = {"field": field, "purpose": purpose, "label": label, "picked": None}
    if request.GET.get("results"):
        q = request.GET.get(f"{field}_q", "").strip()
        found = list(selectors.union_pick_candidates(user=request.user, purpose=purpose, q=q)[
            :selectors.UNION_PICK_LIMIT]) if q else []
        return render(request, "members/_union_picker_results.html", context | {"found": found, "q": q})
    if request.GET.get("pick", "").isdigit():
        context["picked"] = selectors.union_pick_get(user=request.user, purpose=purpose,
                                                     union_id=int(request.GET["pick"]))
    return render(request, "members/_union_picker.html", context)


@staff_page
def scan(request):
    return render(request, "members/scan.html", {})


def scan_service_worker(request):
    """The scan page's service worker, served under the page's path so its scope covers the page (no personal data:
    the same file for everyone)."""
    from django.contrib.staticfiles import finders

    path = finders.find("js/members-scan-sw.js")
    with open(path, encoding="utf-8") as fh:
        response = HttpResponse(fh.read(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


# --- Worker pages -------------------------------------------------------------------------------------------------


def streets_options(request):
    """htmx partial: the streets/townships of a district as <option>s (public data)."""
    district = request.GET.get("district", "")
    streets = regions.streets_of(district) if district.isdigit() and len(district) == 6 else []
    return render(request, "members/_street_options.html", {"streets": streets})


@worker_page
def join(request):
    worker = selectors.worker_for_user(request.user)
    membership = selectors.current_membership(worker)
    application = None
    if worker is not None:
        application = worker.applications.select_related("union").order_by("-id").first()
    error_fields, error = {}, None
    form = {"name": worker.name if worker else (request.user.display_name or ""),
            "phone": worker.phone if worker else (request.user.phone or "")}
    if request.method == "POST" and membership is None:
        form = request.POST.dict()
        region = form.get("street") or form.get("district") or ""
        try:
            lat = float(form["lat"]) if form.get("lat") else None
            lng = float(form["lng"]) if form.get("lng") else None
            services.application_submit(
                request.user, name=form.get("name", ""), id_number=form.get("id_number", ""),
                phone=form.get("phone", ""), occupation=form.get("occupation", ""),
                work_region_code=region or None, employer_credit_code=form.get("employer_credit_code") or None,
                employer_credit_code_confirmed=form.get("credit_confirmed") == "1",
                employer_name=form.get("employer_name", ""), lat=lat if not region else None,
                lng=lng if not region else None, home_region_code=form.get("home_district") or None)
            return redirect("members_w:join")
        except ValueError:
            error = _("位置坐标不正确")
        except DomainError as exc:
            error, error_fields = exc.message, exc.fields
    return render(request, "members/join.html", {
        "worker": worker, "membership": membership, "application": application, "error": error,
        "error_fields": error_fields, "form": form, "occupations": Occupation.choices,
        "districts": _beijing_districts(), "notices": selectors.worker_notices(worker=worker),
        }, status=400 if error else 200)


@worker_page
def card(request):
    membership = selectors.member_in_good_standing(request.user)
    context = {"membership": membership, "districts": _beijing_districts(), "occupations": Occupation.choices,
               "reissue_reasons": _reissue_reasons()}
    if membership is not None:
        current = services.card_current(request.user)
        context["card"] = cards.card_view(current)
        context["card_history"] = [c for c in selectors.member_cards(membership=membership) if c.pk != current.pk]
        context["pending_transfer"] = membership.transfers.filter(status=TransferStatus.PENDING).select_related(
            "to_union").first()
    return render(request, "members/card.html", context)


@worker_page
@require_POST
def card_reissue(request):
    """The member re-issues their own card (lost phone, QR used by someone else): the old QR is revoked at once."""
    try:
        card = services.card_reissue(request.user, reason=request.POST.get("reason", ""),
                                     note=request.POST.get("note", ""))
        messages.success(request, _("已补发新卡（第%(n)s张），旧卡二维码已作废。") % {"n": card.generation})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("members_w:card")


@worker_page
@require_POST
def worker_leave(request):
    try:
        services.membership_leave(request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("已退会。欢迎随时再次申请入会。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("members_w:card")


@worker_page
@require_POST
def worker_transfer(request):
    """The worker moved: the new work place and trade are routed like an application, then a transfer is asked."""
    p = request.POST
    try:
        code = regions.validate_region_code(p.get("street") or p.get("district"), field="work_region_code")
        target = routing.route(routing.RouteInput(work_region_code=code,
                                                  occupation=services._occupation(p.get("occupation", "other"))))
        services.transfer_request(request.user, to_union_id=target.union.pk, reason=p.get("reason", "") or
                                  f"工作地变更。{target.reason}")
        messages.success(request, _("已申请转入%(union)s，待双方工会确认") % {"union": target.union.name})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("members_w:card")
