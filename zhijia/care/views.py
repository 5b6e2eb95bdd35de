"""Care pages: thin. They parse the form, call one service or selector, and render (errors shown on the form)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhijia.care import exports, selectors, services
from zhijia.care.models import (
    AidEvent,
    AssistanceKind,
    ClaimStatus,
    DocumentKind,
    Enrollment,
    FileStatus,
    GoodsKind,
    GoodsStock,
    HardshipCategory,
    HardshipCause,
    HardshipFile,
    PlanBenefit,
)
from zhijia.care.services.hardship import APPROVER_ROLES, hardship_file_get_for_staff, hardship_file_view_audit
from zhijia.care.services.mutual_aid import claim_get_for_staff
from zhijia.core.errors import DomainError, ValidationFailed
from zhijia.core.identity import mask_id_number
from zhijia.core.views_support import staff_page, worker_page
from zhijia.honors.selectors import worker_honours
from zhijia.members.selectors import current_membership, worker_find_by_id_number, worker_for_user
from zhijia.orgs.selectors import require_staff

GOODS_FORM_KINDS = [GoodsKind.WARMTH_PACK, GoodsKind.HEALTH_PACK, GoodsKind.COTTON_VEST]

# The labels of HardshipCause and DocumentKind stay plain Chinese in the model (services str.join them); the pages
# show them through these.
CAUSE_LABELS = {
    HardshipCause.ILLNESS: gettext_lazy("因病"), HardshipCause.DISABILITY: gettext_lazy("因残"),
    HardshipCause.ACCIDENT: gettext_lazy("因意外"), HardshipCause.EDUCATION: gettext_lazy("因学"),
    HardshipCause.UNEMPLOYMENT: gettext_lazy("因失业"), HardshipCause.DISASTER: gettext_lazy("因灾")}
DOCUMENT_LABELS = {
    DocumentKind.ID_CARD: gettext_lazy("身份证"), DocumentKind.CLAIM_FORM: gettext_lazy("理赔申请书"),
    DocumentKind.ACCIDENT_PROOF: gettext_lazy("事故证明"), DocumentKind.MEDICAL_RECORD: gettext_lazy("病历"),
    DocumentKind.INVOICE: gettext_lazy("医疗费用发票"), DocumentKind.DISCHARGE_SUMMARY: gettext_lazy("出院小结"),
    DocumentKind.DISABILITY_ASSESSMENT: gettext_lazy("伤残鉴定"),
    DocumentKind.DEATH_CERTIFICATE: gettext_lazy("死亡证明"), DocumentKind.BANK_CARD: gettext_lazy("银行卡")}

# The care history's kinds and titles that the selector writes in Chinese, in the reader's language.
HISTORY_LABELS = {"visit": gettext_lazy("走访慰问"), "claim": gettext_lazy("互助保障给付")}
HISTORY_TITLES = {"困难帮扶": gettext_lazy("困难帮扶")}


def _history(worker) -> list[dict]:
    items = selectors.care_history(worker=worker)
    for item in items:
        item["label"] = HISTORY_LABELS.get(item["kind"], item["label"])
        item["title"] = HISTORY_TITLES.get(item["title"], item["title"])
    return items


def _file_flag_text(flag: dict) -> str:
    """A file's duplicate-help note in the reader's language, from the note's fields (the stored `message` is the
    Chinese text the service wrote, shown as it is when a field is missing)."""
    if flag.get("type") != "file" or "union" not in flag or flag.get("status") not in FileStatus.values:
        return flag.get("message", "")
    text = _("该职工已在%(union)s建档（%(status)s）") % {"union": flag["union"],
                                                    "status": FileStatus(flag["status"]).label}
    if flag.get("causes"):
        text += _("，致困原因相同：%(causes)s") % {
            "causes": _("、").join(str(CAUSE_LABELS.get(c, c)) for c in flag["causes"])}
    return text


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed.field(field, _("日期格式不正确"))


def _int(value, field: str, *, required: bool = True) -> int | None:
    if value in (None, "") and not required:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed.field(field, _("应为整数"))


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- campaigns -------------------------------------------------------------------------------------------------
@staff_page
def campaign_list(request):
    scope = require_staff(request.user)
    error = None
    if request.method == "POST":
        try:
            campaign = services.campaign_create(
                request.user, name=request.POST.get("name", ""), budget=request.POST.get("budget"),
                starts_on=_date(request.POST.get("starts_on"), "starts_on"),
                ends_on=_date(request.POST.get("ends_on"), "ends_on"), season=request.POST.get("season", ""),
                target_groups=request.POST.get("target_groups", ""),
                funding_sources=request.POST.get("funding_sources", ""))
            messages.success(request, _("活动已创建"))
            return redirect("care:campaign_detail", campaign.pk)
        except DomainError as exc:
            error = exc
    campaigns = [(c, services.campaign_totals(c)) for c in selectors.campaign_list(user=request.user)[:100]]
    return render(request, "care/campaign_list.html", {"scope": scope, "campaigns": campaigns, "error": error,
                                                       "form": request.POST})


def _allocation_context(request, campaign):
    allocations = list(selectors.allocation_list(user=request.user, campaign=campaign)[:300])
    own = selectors.own_allocation(user=request.user, campaign=campaign)
    scope = require_staff(request.user)
    children = list(scope.children.order_by("region_code", "name")[:300]) if own else []
    return {"campaign": campaign, "allocations": allocations, "own": own, "children": children,
            "totals": services.campaign_totals(campaign)}


@staff_page
def campaign_detail(request, campaign_id: int):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    context = _allocation_context(request, campaign)
    context["visits"] = selectors.visit_list(user=request.user, campaign_id=campaign.pk)[:20]
    return render(request, "care/campaign_detail.html", context)


@staff_page
def allocation_form(request, campaign_id: int):
    """htmx: allocate to a child union; answers the refreshed allocations panel."""
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    error = ok = None
    if request.method == "POST":
        try:
            allocation = services.allocation_create(
                request.user, campaign_id=campaign.pk, union=_int(request.POST.get("union"), "union"),
                amount=request.POST.get("amount"), note=request.POST.get("note", ""))
            ok = _("已向%(union)s下拨%(amount)s元") % {"union": allocation.union.name,
                                                      "amount": request.POST.get("amount")}
        except DomainError as exc:
            error = exc
    context = _allocation_context(request, campaign) | {"error": error, "ok": ok,
                                                        "selected": request.POST.get("union", "")}
    return render(request, "care/_allocations.html", context)


@staff_page
def visit_new(request, campaign_id: int):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    allocations = list(selectors.allocation_list(user=request.user, campaign=campaign)[:300])
    error = None
    if request.method == "POST":
        p = request.POST
        try:
            worker_id = None
            if p.get("whom") != "group":
                worker = worker_find_by_id_number((p.get("id_number") or "").strip().upper())
                if worker is None:
                    raise ValidationFailed.field("id_number", _("未找到该身份证号对应的职工"))
                worker_id = worker.pk
            goods = []
            for kind in GOODS_FORM_KINDS:
                q = _int(p.get(f"qty_{kind}"), f"qty_{kind}", required=False)
                if q:
                    goods.append({"kind": kind, "quantity": q, "unit_value": p.get(f"value_{kind}") or "0"})
            visited_at = dt.datetime.fromisoformat(p.get("visited_at")) if p.get("visited_at") else None
            visit = services.visit_record(
                request.user, campaign=campaign.pk, union=_int(p.get("union"), "union"), worker=worker_id,
                group_name=p.get("group_name", "") if worker_id is None else "",
                people=_int(p.get("people"), "people", required=False), amount=p.get("amount") or "0",
                goods=goods, visited_at=visited_at, visitors=p.get("visitors", ""), place=p.get("place", ""),
                note=p.get("note", ""))
        except (DomainError, ValueError) as exc:
            error = exc if isinstance(exc, DomainError) else ValidationFailed.field("visited_at", _("时间格式不正确"))
        else:
            # Attachments and the group list after the money is booked; a bad list row never undoes the visit.
            try:
                if request.FILES.getlist("photos") or request.FILES.get("receipt"):
                    services.visit_attach(request.user, visit_id=visit.pk, photos=request.FILES.getlist("photos"),
                                          receipt=request.FILES.get("receipt"))
                if request.FILES.get("roster"):
                    f = request.FILES["roster"]
                    report = services.visit_recipients_import(request.user, visit_id=visit.pk, content=f.read(),
                                                              filename=f.name)
                    messages.info(request, _roster_summary(report))
            except DomainError as exc:
                messages.error(request, _("走访已登记，但附件未保存：%(error)s") % {"error": exc.message})
            messages.success(request, _("走访慰问已登记"))
            return redirect("care:visit_detail", visit.pk)
    stocks = {}
    for s in GoodsStock.objects.filter(union_id__in=[a.union_id for a in allocations]):
        stocks.setdefault(s.union_id, []).append(s)
    now = timezone.localtime().replace(second=0, microsecond=0)
    return render(request, "care/visit_new.html", {
        "campaign": campaign, "allocations": allocations, "error": error, "form": request.POST,
        "goods_kinds": [(k, GoodsKind(k).label) for k in GOODS_FORM_KINDS], "stocks": stocks,
        "default_union": request.user.union_id,
        "now": min(now, timezone.make_aware(dt.datetime.combine(campaign.ends_on, dt.time(12)))).strftime(
            "%Y-%m-%dT%H:%M")})


def _roster_summary(report: dict) -> str:
    return _("名单导入：新增%(added)s人，已在名单%(listed)s人，错误%(errors)s行") % {
        "added": report["added"], "listed": report["already_listed"], "errors": len(report["errors"])}


@staff_page
def visit_detail(request, visit_id: int):
    visit = selectors.visit_get(user=request.user, visit_id=visit_id)
    if request.method == "POST" and request.FILES.get("roster"):
        try:
            f = request.FILES["roster"]
            report = services.visit_recipients_import(request.user, visit_id=visit.pk, content=f.read(),
                                                      filename=f.name)
            messages.info(request, _roster_summary(report) + "".join(
                _("；第%(row)s行%(field)s：%(message)s") % e for e in report["errors"][:10]))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("care:visit_detail", visit.pk)
    recipients = [(r, mask_id_number(r.id_number)) for r in visit.recipients.select_related("worker")[:500]]
    return render(request, "care/visit_detail.html", {"visit": visit, "recipients": recipients})


@staff_page
def campaign_report(request, campaign_id: int):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    union_id = _int(request.GET.get("union"), "union", required=False)
    rows = selectors.campaign_report(user=request.user, campaign=campaign, union_id=union_id)
    chart = {"labels": [r.union.name.removesuffix("总工会") for r in rows[1:]],
             "budget": [float(r.budget) for r in rows[1:]], "spent": [float(r.spent) for r in rows[1:]],
             "series": [_("预算（元）"), _("已支出（元）")]}
    return render(request, "care/campaign_report.html", {"campaign": campaign, "rows": rows, "chart": chart,
                                                         "union_id": union_id})


@staff_page
def campaign_report_xlsx(request, campaign_id: int):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    union_id = _int(request.GET.get("union"), "union", required=False)
    return _xlsx(exports.campaign_report_xlsx(user=request.user, campaign=campaign, union_id=union_id),
                 f"campaign-{campaign.pk}-report.xlsx")


# --- hardship files ---------------------------------------------------------------------------------------------
@staff_page
def hardship_list(request):
    status = request.GET.get("status") or None
    due = request.GET.get("due") == "1"
    model_workers = request.GET.get("model_workers") == "1"
    files = Paginator(selectors.hardship_file_list(user=request.user, status=status, due=due,
                                                   model_workers=model_workers), 50).get_page(request.GET.get("page"))
    return render(request, "care/hardship_list.html", {"files": files, "statuses": FileStatus.choices,
                                                       "status": status, "due": due, "model_workers": model_workers})


@staff_page
def hardship_report(request):
    report = selectors.hardship_report(user=request.user)
    categories, causes = dict(HardshipCategory.choices), CAUSE_LABELS
    districts = {name: _("市直") if name == "市直" else name for name in report["by_district"]}
    chart = {"labels": list(districts.values()), "values": list(report["by_district"].values()),
             "series": [_("困难职工档案")]}
    return render(request, "care/hardship_report.html", {
        "by_category": [(categories.get(k, k), v) for k, v in report["by_category"].items()],
        "by_cause": [(causes.get(k, k), v) for k, v in sorted(report["by_cause"].items(), key=lambda x: -x[1])],
        "by_district": sorted(((districts[k], v) for k, v in report["by_district"].items()), key=lambda x: -x[1]),
        "chart": chart,
        "claims": selectors.claims_report(user=request.user)})


@staff_page
def hardship_export(request):
    return _xlsx(exports.hardship_files_xlsx(user=request.user), "hardship-files.xlsx")


@staff_page
def hardship_detail(request, file_id: int):
    file = hardship_file_get_for_staff(request.user, file_id)
    if request.method == "POST":
        action, p = request.POST.get("action"), request.POST
        try:
            if action == "check":
                services.hardship_file_check(request.user, file_id=file.pk, passed=p.get("passed") == "1",
                                             note=p.get("note", ""))
            elif action == "approve":
                services.hardship_file_approve(request.user, file_id=file.pk,
                                               acknowledge_flags=p.get("acknowledge_flags") == "1")
            elif action == "review":
                services.hardship_file_review(request.user, file_id=file.pk, yearly_income=p.get("yearly_income"),
                                              yearly_unavoidable_costs=p.get("yearly_unavoidable_costs"),
                                              note=p.get("note", ""))
            elif action == "close":
                services.hardship_file_close(request.user, file_id=file.pk, reason=p.get("reason", ""))
            elif action == "assist":
                services.assistance_record(request.user, file_id=file.pk, kind=p.get("kind", ""),
                                           amount=p.get("amount"), note=p.get("note", ""),
                                           acknowledge_flags=p.get("acknowledge_flags") == "1")
            messages.success(request, _("已保存"))
        except DomainError as exc:
            messages.error(request, exc.message + "".join(_("（%(detail)s）") % {"detail": v}
                                                         for v in exc.fields.values() if v != exc.message))
        return redirect("care:hardship_detail", file.pk)
    hardship_file_view_audit(request.user, file, ip=request.META.get("REMOTE_ADDR"))
    show_id = request.user.role in APPROVER_ROLES
    return render(request, "care/hardship_detail.html", {
        "file": file, "id_number": file.worker.id_number if show_id else mask_id_number(file.worker.id_number),
        "cause_labels": [CAUSE_LABELS.get(c, c) for c in file.causes], "household": file.household.all(),
        "reviews": file.reviews.order_by("-reviewed_on"), "assistance": file.assistance.order_by("-paid_on"),
        "history": _history(file.worker), "assistance_kinds": AssistanceKind.choices,
        "honours": worker_honours(file.worker), "flag_texts": [_file_flag_text(f) for f in file.flags],
        "may_approve": request.user.role in APPROVER_ROLES, "reminded": file.reminders.exists()})


# --- claims --------------------------------------------------------------------------------------------------
@staff_page
def claim_list(request):
    status = request.GET.get("status") or None
    claims = Paginator(selectors.claim_list(user=request.user, status=status), 50).get_page(request.GET.get("page"))
    plans = selectors.plan_list(user=request.user)[:50]
    return render(request, "care/claim_list.html", {"claims": claims, "statuses": ClaimStatus.choices,
                                                    "status": status, "plans": plans})


@staff_page
def claim_export(request):
    return _xlsx(exports.claims_xlsx(user=request.user), "claims.xlsx")


@staff_page
def claim_detail(request, claim_id: int):
    claim = claim_get_for_staff(request.user, claim_id)
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("action") == "pay":
                services.claim_pay(request.user, claim_id=claim.pk, payment_reference=p.get("payment_reference", ""))
            else:
                services.claim_review(request.user, claim_id=claim.pk, approve=p.get("approve") == "1",
                                      note=p.get("note", ""))
            messages.success(request, _("已保存"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("care:claim_detail", claim.pk)
    from zhijia.audit.services import audit_record

    audit_record(actor=request.user, action="care.claim.view", obj=claim, union=claim.union)
    benefit = PlanBenefit.objects.filter(plan=claim.plan, event=claim.event).first()
    given = {d.kind: d for d in claim.documents.all()}
    checklist = [(DOCUMENT_LABELS.get(k, k), given.get(k)) for k in (benefit.required_documents if benefit else [])]
    return render(request, "care/claim_detail.html", {"claim": claim, "benefit": benefit, "checklist": checklist,
                                                      "may_approve": request.user.role in APPROVER_ROLES})


# --- worker pages ---------------------------------------------------------------------------------------------
@worker_page
def worker_home(request):
    worker = worker_for_user(request.user)
    history = _history(worker) if worker else []
    files = HardshipFile.objects.filter(worker=worker).select_related("union").order_by("-id") if worker else []
    claims = worker.aid_claims.select_related("plan").order_by("-id") if worker else []
    return render(request, "care/worker_home.html", {"worker": worker, "history": history, "files": files,
                                                     "claims": claims})


@worker_page
def worker_hardship_apply(request):
    error = None
    if request.method == "POST":
        p = request.POST
        household = []
        for i in range(6):
            if p.get(f"m{i}_name"):
                household.append({"name": p.get(f"m{i}_name"), "relation": p.get(f"m{i}_relation", ""),
                                  "health": p.get(f"m{i}_health", "")})
        try:
            services.hardship_file_open(request.user, yearly_income=p.get("yearly_income"),
                                        yearly_unavoidable_costs=p.get("yearly_unavoidable_costs"),
                                        causes=p.getlist("causes"), household=household,
                                        situation=p.get("situation", ""))
            messages.success(request, _("申请已提交，基层工会将上门核实"))
            return redirect("care:worker_home")
        except DomainError as exc:
            error = exc
    return render(request, "care/worker_hardship_apply.html", {
        "error": error, "form": request.POST, "causes": list(CAUSE_LABELS.items()), "rows": range(4),
        "membership": current_membership(worker_for_user(request.user))})


@worker_page
def worker_claim_new(request):
    worker = worker_for_user(request.user)
    enrollments = list(Enrollment.objects.filter(worker=worker).select_related("plan").order_by("-plan__year")) \
        if worker else []
    benefits = {e.plan_id: list(e.plan.benefits.all()) for e in enrollments}
    error = None
    if request.method == "POST":
        p = request.POST
        try:
            files = {k: request.FILES[f"doc_{k}"] for k in DocumentKind.values if request.FILES.get(f"doc_{k}")}
            services.claim_submit(request.user, plan_id=_int(p.get("plan"), "plan"), event=p.get("event", ""),
                                  event_on=_date(p.get("event_on"), "event_on"), expenses=p.get("expenses") or "0",
                                  description=p.get("description", ""), files=files)
            messages.success(request, _("理赔申请已提交"))
            return redirect("care:worker_home")
        except DomainError as exc:
            error = exc
    checklist = {AidEvent(b.event).label: [DOCUMENT_LABELS.get(d, d) for d in b.required_documents]
                 for bs in benefits.values() for b in bs}
    return render(request, "care/worker_claim_new.html", {
        "error": error, "form": request.POST, "enrollments": enrollments, "events": AidEvent.choices,
        "documents": list(DOCUMENT_LABELS.items()), "checklist_items": checklist})
