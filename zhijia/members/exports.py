"""Export of members to xlsx: masked by default, unmasked only for a role that may see personal data and asks for
it; every export is written to the audit log with its filter and row count."""

from __future__ import annotations

import tempfile

from django.utils.translation import gettext as _
from openpyxl import Workbook

from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core.errors import PermissionDenied
from zhijia.core.identity import mask_id_number, mask_name, mask_phone
from zhijia.members import selectors
from zhijia.orgs.models import Occupation
from zhijia.orgs.selectors import require_staff

HEADERS = ["会员编号", "姓名", "身份证号", "手机号", "性别", "出生日期", "职业", "工作单位", "所在工会", "状态",
           "入会日期"]
MAX_ROWS = 1_000_000


def members_export_xlsx(actor, *, union_id: int | None = None, status: str | None = "admitted",
                        occupation: str | None = None, q: str | None = None, unmasked: bool = False,
                        ip: str | None = None):
    """Write the caller's (scoped) members to a temporary xlsx file and return it, open for reading."""
    scope = require_staff(actor)
    if unmasked and not actor.may_see_pii:
        raise PermissionDenied(_("当前角色只能导出脱敏数据"))
    qs = selectors.membership_list(user=actor, union_id=union_id, status=status, q=q, occupation=occupation)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("会员")
    ws.append(HEADERS)
    labels = dict(Occupation.choices)
    count = 0
    for m in qs.iterator(chunk_size=2000):
        w = m.worker
        ws.append([
            m.member_number or "", w.name if unmasked else mask_name(w.name),
            w.id_number if unmasked else mask_id_number(w.id_number),
            w.phone if unmasked else mask_phone(w.phone), w.get_gender_display(),
            w.birth_date.isoformat() if unmasked else f"{w.birth_date:%Y}", labels.get(w.occupation, ""),
            w.employer_name, m.union.name, m.get_status_display(), m.joined_on.isoformat() if m.joined_on else "",
        ])
        count += 1
        if count >= MAX_ROWS:
            break
    out = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response, closed by it
    wb.save(out.name)
    audit_record(actor=actor, action=Action.EXPORT, object_type="members.membership", union=scope, ip=ip,
                 detail={"rows": count, "unmasked": unmasked, "union_id": union_id, "status": status,
                         "occupation": occupation, "q": bool(q)})
    out.seek(0)
    return out, count


def roster_failed_rows_export(actor, *, import_id: int, ip: str | None = None):
    """The rows of an import that failed their checks, as uploaded (full ID numbers and phones: the uploader must fix
    them) with a 原因 column. Only the roles that import may download it, and each download is an audited export."""
    from pathlib import Path

    from zhijia.members import imports

    require_staff(actor, roles=imports.IMPORT_ROLES)
    item = selectors.roster_import_get(user=actor, import_id=import_id)
    out = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response, closed by it
    imports.failed_rows_xlsx(item, Path(out.name))
    audit_record(actor=actor, action=Action.EXPORT, obj=item, union=item.union, ip=ip,
                 detail={"failed_rows": item.bad_rows, "unmasked": True})
    out.seek(0)
    return out, item
