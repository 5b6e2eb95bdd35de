"""xlsx exports (openpyxl). Each export is scoped like the page it comes from, masked by role, and audited."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from zhijia.audit.services import audit_record
from zhijia.care import selectors
from zhijia.care.models import WarmthCampaign
from zhijia.care.services.hardship import APPROVER_ROLES
from zhijia.core.identity import mask_id_number, mask_name
from zhijia.orgs.selectors import require_staff

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _book(title: str, header: list[str], rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def campaign_report_xlsx(*, user, campaign: WarmthCampaign, union_id: int | None = None) -> bytes:
    rows = selectors.campaign_report(user=user, campaign=campaign, union_id=union_id)
    audit_record(actor=user, action="care.report.export", obj=campaign, union=require_staff(user),
                 detail={"union": union_id})
    header = ["单位", "预算（元）", "已下拨（元）", "已支出（元）", "走访次数", "慰问人次", "慰问人数"]
    return _book("送温暖支出", header,
                 [[r.union.name, float(r.budget), float(r.allocated), float(r.spent), r.visits, r.person_times,
                   r.people] for r in rows])


def hardship_files_xlsx(*, user) -> bytes:
    """Names in full for staff who may see personal data; ID numbers in full only for district and city staff."""
    scope = require_staff(user)
    full_id = user.role in APPROVER_ROLES
    rows = []
    for f in selectors.hardship_file_list(user=user).iterator(chunk_size=500):
        rows.append([f.pk, f.worker.name if user.may_see_pii else mask_name(f.worker.name),
                     f.worker.id_number if full_id else mask_id_number(f.worker.id_number), f.union.name,
                     f.get_status_display(), f.get_category_display(), "、".join(f.causes), f.household_size,
                     float(f.per_capita_monthly), float(f.standard_monthly),
                     f.review_due_on.isoformat() if f.review_due_on else ""])
    audit_record(actor=user, action="care.hardship.export", object_type="care.hardshipfile", union=scope,
                 detail={"rows": len(rows), "unmasked_id": full_id})
    return _book("困难职工档案", ["档案号", "姓名", "身份证号", "建档单位", "状态", "类别", "致困原因", "家庭人口",
                                  "月人均收入", "低保标准", "下次复核"], rows)


def claims_xlsx(*, user) -> bytes:
    scope = require_staff(user)
    rows = [[c.pk, c.plan.name, mask_name(c.worker.name), c.union.name, c.get_event_display(), c.event_on.isoformat(),
             float(c.expenses), c.get_status_display(), float(c.payout)]
            for c in selectors.claim_list(user=user).iterator(chunk_size=500)]
    audit_record(actor=user, action="care.claim.export", object_type="care.claim", union=scope,
                 detail={"rows": len(rows)})
    return _book("互助保障理赔", ["编号", "计划", "姓名", "单位", "事件", "出险日期", "费用", "状态", "给付"], rows)
