"""The wellbeing and volunteers report as an Excel workbook (anonymised counts only, scoped, audited)."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils import translation
from openpyxl import Workbook

from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.orgs.selectors import require_staff
from zhijia.volunteers.selectors import volunteer_stats
from zhijia.wellbeing.models import Scale
from zhijia.wellbeing.scales import SCALES
from zhijia.wellbeing.selectors import wellbeing_report


def band_label(scale: str, band: str) -> str:
    return next((b.label for b in SCALES[scale].bands if b.code == band), band)


def report_workbook(*, user) -> Workbook:
    scope = require_staff(user)
    data = wellbeing_report(user=user)
    stats = volunteer_stats(user=user)
    wb = Workbook()
    ws = wb.active
    ws.title = "测评分级"
    ws.append(["月份", "量表", "分级", "人次"])
    for r in data["assessments_by_band"]:
        with translation.override(None):  # the workbook stays Chinese; the choice label is lazy (translatable)
            scale_label = str(Scale(r["scale"]).label)
        ws.append([r["month"], scale_label, band_label(r["scale"], r["band"]), r["count"]])
    ws = wb.create_sheet("预约与等待")
    b, c = data["bookings"], data["consultations"]
    for row in (["预约总数", b["total"]], ["待咨询", b["booked"]], ["已完成", b["attended"]], ["未到", b["no_show"]],
                ["已取消", b["cancelled"]], ["平均提前预约（小时）", b["avg_lead_hours"]],
                ["平均评分", b["avg_rating"]], ["极速问诊接起数", c["taken"]],
                ["极速问诊平均等待（分钟）", c["avg_wait_minutes"]]):
        ws.append(row)
    ws = wb.create_sheet("危机预警")
    f = data["crisis_flags"]
    for row in (["预警数", f["raised"]], ["已确认", f["acknowledged"]], ["未确认", f["open"]],
                ["超时", f["late"]], ["升级", f["escalated"]], ["平均确认用时（分钟）", f["avg_ack_minutes"]]):
        ws.append(row)
    ws = wb.create_sheet("志愿服务")
    ws.append(["工会", "批次", "人次", "服务时长（小时）"])
    for r in stats["per_union"]:
        ws.append([r["union"], r["batches"], r["person_times"], r["hours"]])
    ws.append(["合计", stats["batches"], stats["person_times"], stats["hours"]])
    audit_record(actor=user, action=Action.EXPORT, object_type="wellbeing.report", union=scope)
    return wb


def report_xlsx_response(*, user) -> HttpResponse:
    buf = io.BytesIO()
    report_workbook(user=user).save(buf)
    response = HttpResponse(buf.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="wellbeing-report.xlsx"'
    return response
