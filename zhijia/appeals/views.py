"""Pages of the appeals subsystem: thin, they parse the form, call one service or selector and render."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhijia.appeals import selectors, services
from zhijia.appeals.models import CLOSE_OUTCOMES_LABELS, AssignMode, Channel, MessageKind, Status, Urgency
from zhijia.audit.services import audit_record
from zhijia.core import workcalendar
from zhijia.core.errors import DomainError, ValidationFailed
from zhijia.core.identity import mask_id_number, mask_phone
from zhijia.core.views_support import staff_page, worker_page
from zhijia.members.selectors import worker_for_user
from zhijia.orgs.models import Level, Union
from zhijia.orgs.selectors import require_staff, union_children

# The flash after a staff action on an appeal ("已" + services.ACTION_LABELS[action] in Chinese).
ACTION_DONE = {
    "dispatch": gettext_lazy("已派单"), "accept": gettext_lazy("已签收"), "return": gettext_lazy("已退回"),
    "wait": gettext_lazy("已等待职工补充"), "resume": gettext_lazy("已恢复办理"), "answer": gettext_lazy("已答复"),
    "close": gettext_lazy("已办结"), "callback": gettext_lazy("已回访"), "reopen": gettext_lazy("已退回重办"),
    "merge": gettext_lazy("已合并"),
}
# selectors.MEASURE_LABELS in the page's language.
MEASURE_LABELS_I18N = {
    "received": gettext_lazy("受理量"), "responded_in_time": gettext_lazy("按时响应"),
    "not_responded_in_time": gettext_lazy("未按时响应"), "rated": gettext_lazy("已回访"),
    "resolved": gettext_lazy("已解决"), "unresolved": gettext_lazy("未解决"), "satisfied": gettext_lazy("满意"),
    "unsatisfied": gettext_lazy("不满意"), "unrated": gettext_lazy("未评价"),
}


def _date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.field(field, _("日期格式应为 YYYY-MM-DD"))


# --- staff: lists and detail -------------------------------------------------------------------------------------
@staff_page
def appeal_list(request):
    g = request.GET
    union = g.get("union", "")
    qs = selectors.appeal_list(user=request.user, state=g.get("state") or None, q=g.get("q") or None,
                               union_id=int(union) if union.isdigit() else None,
                               category=g.get("category") or None, overdue=g.get("overdue") == "1",
                               mine=g.get("mine") == "1")
    page = Paginator(qs, 50).get_page(g.get("page"))
    return render(request, "appeals/list.html", {
        "page": page, "statuses": Status.choices, "g": g, "overdue_units": selectors.overdue_by_unit(user=request.user),
        "now": dt.datetime.now(dt.UTC),
    })


@staff_page
def appeal_detail(request, appeal_id: int):
    appeal = selectors.appeal_get(user=request.user, appeal_id=appeal_id)
    scope = require_staff(request.user)
    duplicates = services.likely_duplicates(worker=appeal.worker, category=appeal.category, exclude_id=appeal.pk) \
        .filter(handling_union__path__startswith=scope.path)[:5] if appeal.is_open else []
    show_pii = request.user.may_see_pii and request.GET.get("pii") == "1"
    if show_pii:
        audit_record(actor=request.user, action="view_pii", obj=appeal.worker,
                     union=appeal.handling_union, detail={"appeal": appeal.number})
    children = union_children(user=request.user, union_id=scope.pk)[:300]
    return render(request, "appeals/detail.html", {
        "a": appeal, "events": appeal.events.all(), "messages_list": appeal.messages.all(),
        "duplicates": duplicates, "children": children, "scope": scope,
        "handling_here": scope.contains(appeal.handling_union), "outcomes": CLOSE_OUTCOMES_LABELS,
        "phone": appeal.worker.phone if show_pii else mask_phone(appeal.worker.phone),
        "id_number": appeal.worker.id_number if show_pii else mask_id_number(appeal.worker.id_number),
        "calendar_warning": workcalendar.calendar_warning(appeal.resolve_by.astimezone(workcalendar.SHANGHAI).date()),
        "rule": services.dispatch_rule_match(category=appeal.category, region_code=appeal.region_code),
        "message_kinds": [(k, k.label) for k in (MessageKind.CONTACT, MessageKind.TO_WORKER, MessageKind.NOTE)],
    })


@staff_page
@require_POST
def appeal_act(request, appeal_id: int, action: str):
    p, user = request.POST, request.user
    calls = {
        "dispatch": lambda: services.appeal_dispatch(user, appeal_id=appeal_id, union_id=int(p["union"])
                                                     if p.get("union", "").isdigit() else None, note=p.get("note", "")),
        "accept": lambda: services.appeal_accept(user, appeal_id=appeal_id, note=p.get("note", "")),
        "return": lambda: services.appeal_return(user, appeal_id=appeal_id, reason=p.get("reason", "")),
        "wait": lambda: services.appeal_wait(user, appeal_id=appeal_id, note=p.get("note", "")),
        "resume": lambda: services.appeal_resume(user, appeal_id=appeal_id, note=p.get("note", "")),
        "answer": lambda: services.appeal_answer(user, appeal_id=appeal_id, answer=p.get("answer", ""),
                                                 close_now=p.get("close") == "1"),
        "close": lambda: services.appeal_close(user, appeal_id=appeal_id, outcome=p.get("outcome", ""),
                                               note=p.get("note", "")),
        "callback": lambda: services.appeal_callback(user, appeal_id=appeal_id, resolved=p.get("resolved") == "1",
                                                     satisfied=p.get("satisfied") == "1",
                                                     comment=p.get("comment", "")),
        "reopen": lambda: services.appeal_reopen(user, appeal_id=appeal_id, reason=p.get("reason", "")),
        "merge": lambda: services.appeal_merge(user, appeal_id=appeal_id, into_id=int(p.get("into") or 0)),
        "message": lambda: services.appeal_message_add(user, appeal_id=appeal_id, kind=p.get("kind", ""),
                                                       text=p.get("text", "")),
    }
    if action not in calls:
        return redirect("appeals:appeal_detail", appeal_id=appeal_id)
    try:
        calls[action]()
        messages.success(request, ACTION_DONE.get(action, _("已保存")))
    except DomainError as exc:
        messages.error(request, exc.message)
    target = int(p["into"]) if action == "merge" and p.get("into", "").isdigit() else appeal_id
    return redirect("appeals:appeal_detail", appeal_id=target)


# --- staff: the hotline agent's page ------------------------------------------------------------------------------
@staff_page
def intake(request):
    """Built for a call: the cursor starts in the lookup, Tab walks the form, Ctrl+Enter dispatches, Alt+Enter
    answers on the spot. The worker's recent appeals and a duplicate warning appear beside the form (htmx)."""
    require_staff(request.user)
    form = request.POST if request.method == "POST" else {}
    error = None
    if request.method == "POST":
        try:
            result = services.appeal_create(
                request.user, channel=form.get("channel") or Channel.HOTLINE_12351, category=form.get("category", ""),
                urgency=form.get("urgency") or Urgency.NORMAL, text=form.get("text", ""),
                worker=int(form["worker"]) if form.get("worker", "").isdigit() else None,
                worker_phone=form.get("worker_phone") or None, worker_id_number=form.get("worker_id_number") or None,
                worker_name=form.get("worker_name") or None, region_code=form.get("region_code") or None,
                idempotency_key=form.get("idempotency_key") or None)
            appeal = result.appeal
            merge_into = form.get("merge_into", "")
            if merge_into.isdigit() and not result.replayed:
                services.appeal_merge(request.user, appeal_id=appeal.pk, into_id=int(merge_into))
                messages.success(request, _("%(number)s 已并入重复诉求") % {"number": appeal.number})
                return redirect(f"{reverse('appeals:intake')}?last={merge_into}")
            if form.get("finish") == "answer":
                services.appeal_answer(request.user, appeal_id=appeal.pk, answer=form.get("answer", ""),
                                       close_now=True)
                messages.success(request, _("%(number)s 已当场解答办结") % {"number": appeal.number})
            elif form.get("finish") == "dispatch" and not result.replayed:
                union = form.get("union", "")
                services.appeal_dispatch(request.user, appeal_id=appeal.pk,
                                         union_id=int(union) if union.isdigit() else None)
                messages.success(request, _("%(number)s 已受理并派单") % {"number": appeal.number})
            else:
                messages.success(request, _("%(number)s 已受理") % {"number": appeal.number})
            return redirect(f"{reverse('appeals:intake')}?last={appeal.pk}")
        except DomainError as exc:
            error = exc
    last = None
    if request.GET.get("last", "").isdigit():
        last = selectors.appeal_list(user=request.user).filter(pk=int(request.GET["last"])).first()
    scope = require_staff(request.user)
    return render(request, "appeals/intake.html", {
        "form": form, "error": error, "categories": selectors.categories(), "channels": Channel.choices,
        "units": union_children(user=request.user, union_id=scope.pk)[:300], "last": last,
        "idempotency_key": form.get("idempotency_key") or services.new_idempotency_key(),
    }, status=400 if error else 200)


@staff_page
def intake_lookup(request):
    found = selectors.worker_lookup(user=request.user, q=request.GET.get("q", ""))
    worker = found[0] if len(found) == 1 else None
    recent = selectors.recent_appeals_of(user=request.user, worker=worker) if worker else []
    return render(request, "appeals/_lookup.html", {
        "found": [(w, mask_phone(w.phone), mask_id_number(w.id_number)) for w in found], "worker": worker,
        "recent": recent, "q": request.GET.get("q", ""),
    })


@staff_page
def intake_duplicates(request):
    g = request.GET
    dups = []
    if g.get("worker", "").isdigit() and g.get("category"):
        from zhijia.appeals.models import Category
        from zhijia.members.models import Worker

        worker = Worker.objects.filter(pk=int(g["worker"])).first()
        category = Category.objects.select_related("parent").filter(code=g["category"]).first()
        if worker and category:
            scope = require_staff(request.user)
            dups = list(services.likely_duplicates(worker=worker, category=category)
                        .filter(handling_union__path__startswith=scope.path).select_related("category")[:5])
    return render(request, "appeals/_duplicates.html", {"dups": dups})


# --- staff: rates ------------------------------------------------------------------------------------------------
def _rates_args(request):
    union = request.GET.get("union", "")
    period = selectors.period_parse(_date(request.GET.get("from"), "from"), _date(request.GET.get("to"), "to"))
    return (int(union) if union.isdigit() else None), period


@staff_page
def rates(request):
    union_id, period = _rates_args(request)
    summary = selectors.rates(user=request.user, union_id=union_id, period=period)
    ranking = selectors.rates_ranking(user=request.user, union_id=union_id, period=period)
    monthly = selectors.rates_monthly(user=request.user, union_id=union_id, period=period)
    qs = f"from={period.start}&to={period.end}"
    return render(request, "appeals/rates.html", {
        "s": summary, "ranking": ranking, "monthly": monthly, "period": period, "qs": qs,
        "chart": {"labels": [m["month"] for m in monthly],
                  "response": [m["response_rate"] for m in monthly],
                  "resolution": [m["resolution_rate"] for m in monthly],
                  "satisfaction": [m["satisfaction_rate"] for m in monthly]},
    })


@staff_page
def rates_cases(request):
    union_id, period = _rates_args(request)
    measure = request.GET.get("measure", "received")
    qs = selectors.rates_cases(user=request.user, union_id=union_id, period=period, measure=measure)
    summary = selectors.rates(user=request.user, union_id=union_id, period=period)
    return render(request, "appeals/rates_cases.html", {
        "page": Paginator(qs, 50).get_page(request.GET.get("page")), "s": summary, "period": period,
        "measure": measure, "measure_label": MEASURE_LABELS_I18N.get(measure, measure),
        "qs": f"union={summary['union']}&from={period.start}&to={period.end}&measure={measure}",
    })


@staff_page
def rates_export(request):
    """The three rates of the unit and its sub-units, and the cases behind them, as an Excel workbook."""
    from openpyxl import Workbook

    union_id, period = _rates_args(request)
    summary = selectors.rates(user=request.user, union_id=union_id, period=period)
    ranking = selectors.rates_ranking(user=request.user, union_id=union_id, period=period)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("三率"))
    head = [_("单位"), _("受理量"), _("按时响应"), _("已回访"), _("已解决"), _("满意"), _("响应率"), _("解决率"),
            _("满意率")]
    ws.append(head)
    total = _("%(name)s（合计）") % {"name": summary["union_name"]}
    for r in [{**summary, "union_name": total}, *ranking]:
        ws.append([r["union_name"], r["received"], r["responded_in_time"], r["rated"], r["resolved"], r["satisfied"],
                   r["response_rate"], r["resolution_rate"], r["satisfaction_rate"]])
    cases = wb.create_sheet(_("诉求明细"))
    cases.append([_("编号"), _("渠道"), _("类别"), _("紧急"), _("状态"), _("承办单位"), _("受理时间"), _("响应期限"),
                  _("首次响应"), _("按时响应"), _("回访"), _("解决"), _("满意")])
    qs = selectors.rates_cases(user=request.user, union_id=union_id, period=period, measure="received")
    for a in qs.iterator(chunk_size=2000):
        cases.append([a.number, a.get_channel_display(), a.category.name, a.get_urgency_display(),
                      a.get_status_display(), a.handling_union.name, _xl(a.received_at), _xl(a.respond_by),
                      _xl(a.responded_at), bool(a.responded_at and a.responded_at <= a.respond_by),
                      a.get_rating_status_display(), a.rating_resolved, a.rating_satisfied])
    buf = io.BytesIO()
    wb.save(buf)
    audit_record(actor=request.user, action="export", object_type="appeals.rates",
                 object_id=str(summary["union"]), detail={"from": str(period.start), "to": str(period.end)})
    resp = HttpResponse(buf.getvalue(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="rates-{summary["union"]}-{period.start}-{period.end}.xlsx"'
    return resp


def _xl(value: dt.datetime | None):
    return value.astimezone(workcalendar.SHANGHAI).replace(tzinfo=None) if value else None


# --- staff: configuration, outbox, inbox --------------------------------------------------------------------------
@staff_page
def rules(request):
    error = None
    if request.method == "POST":
        p = request.POST
        try:
            services.dispatch_rule_save(
                request.user, rule_id=int(p["rule"]) if p.get("rule", "").isdigit() else None,
                category=p.get("category") or None, region_prefix=p.get("region_prefix", ""),
                handling_union_id=int(p.get("handling_union") or 0), assign_mode=p.get("assign_mode", ""),
                priority=int(p.get("priority") or 0) if (p.get("priority") or "0").isdigit() else 0,
                active=p.get("active", "1") == "1")
            messages.success(request, _("派单规则已保存"))
            return redirect("appeals:rules")
        except DomainError as exc:
            error = exc.message
    scope = require_staff(request.user)
    units = Union.objects.filter(path__startswith=scope.path, level__in=[Level.MUNICIPAL, Level.DISTRICT,
                                                                        Level.STREET, Level.TOWNSHIP]) \
        .order_by("path")[:600]
    return render(request, "appeals/rules.html", {
        "rules": selectors.dispatch_rules(user=request.user)[:500], "categories": selectors.categories(),
        "units": units, "modes": AssignMode.choices, "error": error,
    }, status=400 if error else 200)


@staff_page
def outbox(request):
    if request.method == "POST" and request.POST.get("retry", "").isdigit():
        try:
            services.outbox_retry(request.user, message_id=int(request.POST["retry"]))
            messages.success(request, _("已重新加入发送队列"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("appeals:outbox")
    qs = selectors.outbox_list(user=request.user, status=request.GET.get("status") or None)
    return render(request, "appeals/outbox.html", {"page": Paginator(qs, 50).get_page(request.GET.get("page"))})


@staff_page
def calendar(request):
    year = int(request.GET.get("year") or dt.date.today().year + 1)
    error = None
    if request.method == "POST":
        def days(raw: str, field: str) -> list[dt.date]:
            out = []
            for part in raw.replace("，", ",").replace("\n", ",").split(","):
                if part.strip():
                    out.append(_date(part.strip(), field))
            return out

        try:
            year = int(request.POST.get("year") or 0)
            services.calendar_year_save(request.user, year=year,
                                        holidays=days(request.POST.get("holidays", ""), "holidays"),
                                        workdays=days(request.POST.get("workdays", ""), "workdays"))
            messages.success(request, _("%(year)s年节假日安排已保存") % {"year": year})
            return redirect(f"{reverse('appeals:calendar')}?year={year}")
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "message", _("年份不正确"))
    from zhijia.appeals.models import CalendarDay

    entered = CalendarDay.objects.filter(day__year=year).order_by("day")
    return render(request, "appeals/calendar.html", {
        "year": year, "entered": entered, "error": error,
        "warning": workcalendar.calendar_warning(dt.date(year, 6, 1)),
        "holidays": ", ".join(str(d.day) for d in entered if not d.is_workday),
        "workdays": ", ".join(str(d.day) for d in entered if d.is_workday),
    }, status=400 if error else 200)


@staff_page
def inbox(request):
    if request.method == "POST":
        services.notification_mark_read(request.user)
        return redirect("appeals:inbox")
    return render(request, "appeals/inbox.html", {
        "page": Paginator(selectors.inbox(user=request.user), 50).get_page(request.GET.get("page")), "worker": False})


# --- worker pages ------------------------------------------------------------------------------------------------
@worker_page
def my_appeals(request):
    return render(request, "appeals/my_appeals.html", {
        "appeals": selectors.worker_appeals(user=request.user)[:100],
        "unread": selectors.inbox(user=request.user).filter(read_at__isnull=True)[:20],
    })


@worker_page
def worker_new(request):
    """The worker's own form; with ?mailbox=1 it is the chair's mailbox (工会主席信箱) of a chosen union."""
    mailbox = request.GET.get("mailbox") == "1" or request.POST.get("mailbox") == "1"
    error = None
    form = request.POST if request.method == "POST" else {}
    if worker_for_user(request.user) is None:
        error = _("请先完成实名登记后再提交诉求")
    elif request.method == "POST":
        try:
            union = form.get("mailbox_union", "")
            if mailbox and not union.isdigit():
                raise ValidationFailed.field("mailbox_union", _("请选择收信的工会"))
            result = services.appeal_create(
                request.user, channel=Channel.MAILBOX if mailbox else Channel.APP,
                category=form.get("category", ""), urgency=form.get("urgency") or Urgency.NORMAL,
                text=form.get("text", ""), region_code=form.get("region_code") or None,
                mailbox_union=int(union) if mailbox and union.isdigit() else None,
                idempotency_key=form.get("idempotency_key") or None)
            for upload in request.FILES.getlist("attachments")[:10]:
                try:
                    services.appeal_attachment_add(request.user, appeal_id=result.appeal.pk, upload=upload)
                except DomainError as exc:
                    messages.error(request, _("%(file)s：%(error)s") % {"file": upload.name, "error": exc.message})
            return redirect("appeals:worker_detail", appeal_id=result.appeal.pk)
        except DomainError as exc:
            error = exc.message
    from zhijia.orgs.models import Union as U

    chairs = U.objects.filter(level__in=[Level.MUNICIPAL, Level.DISTRICT], kind="federation").order_by("path")
    return render(request, "appeals/worker_new.html", {
        "form": form, "error": error, "categories": [c for c in selectors.categories() if c.parent_id is None],
        "mailbox": mailbox, "chairs": chairs if mailbox else [],
        "idempotency_key": form.get("idempotency_key") or services.new_idempotency_key(),
    }, status=400 if error and request.method == "POST" else 200)


@worker_page
def worker_detail(request, appeal_id: int):
    appeal = selectors.worker_appeal_get(user=request.user, appeal_id=appeal_id)
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("do") == "rate":
                services.appeal_callback(request.user, appeal_id=appeal.pk, resolved=p.get("resolved") == "1",
                                         satisfied=p.get("satisfied") == "1", comment=p.get("comment", ""))
                messages.success(request, _("感谢您的评价"))
            elif p.get("do") == "reopen":
                services.appeal_reopen(request.user, appeal_id=appeal.pk, reason=p.get("reason", ""))
                messages.success(request, _("已退回重办，承办单位将重新办理"))
            elif p.get("do") == "message":
                services.appeal_message_add(request.user, appeal_id=appeal.pk, kind=MessageKind.FROM_WORKER,
                                            text=p.get("text", ""))
                messages.success(request, _("留言已发送"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("appeals:worker_detail", appeal_id=appeal.pk)
    services.notification_mark_read_for_appeal(request.user, appeal_id=appeal.pk)
    visible = appeal.messages.exclude(kind=MessageKind.NOTE)
    steps = [e for e in appeal.events.all() if e.action not in ("remind", "escalate")]
    return render(request, "appeals/worker_detail.html", {"a": appeal, "messages_list": visible, "steps": steps,
                                                          "labels": services.ACTION_LABELS})


@staff_page
def limits(request):
    """Time limits per urgency and category, and a unit's working hours."""
    from zhijia.appeals.models import LimitUnit, TimeLimit, WorkingHours

    error = None
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("form") == "hours":
                services.working_hours_save(request.user, union_id=int(p.get("union") or 0),
                                            start=dt.time.fromisoformat(p.get("start", "")),
                                            end=dt.time.fromisoformat(p.get("end", "")))
            else:
                services.time_limit_save(
                    request.user, category=p.get("category") or None, urgency=p.get("urgency", ""),
                    respond_amount=int(p.get("respond_amount") or 0), respond_unit=p.get("respond_unit", ""),
                    resolve_amount=int(p.get("resolve_amount") or 0), resolve_unit=p.get("resolve_unit", ""))
            messages.success(request, _("已保存，对新受理的诉求生效"))
            return redirect("appeals:limits")
        except ValueError:
            error = _("时间或数字格式不正确")
        except DomainError as exc:
            error = exc.message
    scope = require_staff(request.user)
    return render(request, "appeals/limits.html", {
        "limits": TimeLimit.objects.select_related("category").order_by("category_id", "urgency"),
        "hours": WorkingHours.objects.select_related("union").filter(union__path__startswith=scope.path)[:200],
        "categories": selectors.categories(), "units": LimitUnit.choices, "urgencies": Urgency.choices,
        "unions": union_children(user=request.user, union_id=scope.pk)[:300], "scope": scope, "error": error,
    }, status=400 if error else 200)


def _attachment_response(appeal, attachment_id: int):
    att = appeal.attachments.filter(pk=attachment_id).first()
    if att is None:
        raise Http404
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)


@staff_page
def attachment(request, appeal_id: int, attachment_id: int):
    appeal = selectors.appeal_get(user=request.user, appeal_id=appeal_id)
    return _attachment_response(appeal, attachment_id)


@worker_page
def worker_attachment(request, appeal_id: int, attachment_id: int):
    appeal = selectors.worker_appeal_get(user=request.user, appeal_id=appeal_id)
    return _attachment_response(appeal, attachment_id)
