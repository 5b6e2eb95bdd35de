"""走访慰问: recording visits against an allocation and a unit's goods stock; group lists from Excel.

Guarantees under concurrent calls: a visit locks its allocation and the stock rows it draws on (allocation first,
then stock rows by id; stock is never locked before an allocation anywhere), re-reads them under the lock and
refuses when the allocation's remainder or the stock would go below zero. `stock_not_negative` and
`allocation_within_amount` are the database's last word.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijia.audit.services import audit_record
from zhijia.care.models import (
    Allocation,
    BudgetEntry,
    EntryKind,
    GoodsKind,
    GoodsStock,
    StockEntry,
    Visit,
    VisitGoods,
    VisitPhoto,
    VisitRecipient,
)
from zhijia.care.services import locking
from zhijia.care.services.budgets import BUDGET_ROLES, _campaign_for, _union_in_scope
from zhijia.care.services.locking import lock_rows
from zhijia.care.services.money import parse_amount, yuan
from zhijia.core.crypto import keyed_hash
from zhijia.core.errors import NotFound, ValidationFailed
from zhijia.core.identity import parse_id_number
from zhijia.members.models import Worker
from zhijia.orgs.selectors import require_staff, scoped

MAX_GOODS_LINES = 20
# A test hook: called between reading the locked rows and writing them (widens the race window in tests).
_after_read_hook = None


@transaction.atomic
def stock_receive(actor, *, union: int, kind: str, quantity: int, unit_value=None, note: str = "") -> GoodsStock:
    """Goods arrive at a union's store (adds to its stock; an entry in the stock ledger)."""
    require_staff(actor, roles=BUDGET_ROLES)
    owner = _union_in_scope(actor, union)
    if kind not in GoodsKind.values:
        raise ValidationFailed.field("kind", _("慰问品种类不正确"))
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValidationFailed.field("quantity", _("数量应为正整数"))
    value = parse_amount(unit_value, field="unit_value", allow_zero=True) if unit_value is not None else None
    stock, _created = GoodsStock.objects.get_or_create(union=owner, kind=kind)
    stock = lock_rows(GoodsStock.objects.all(), [stock.pk])[stock.pk]
    stock.quantity += quantity
    if value is not None:
        stock.unit_value = value
    stock.save(update_fields=["quantity", "unit_value", "updated_at"])
    StockEntry.objects.create(stock=stock, change=quantity, note=note[:200] or "入库", actor=actor)
    return stock


def _parse_goods(goods) -> list[tuple[str, int, Decimal]]:
    lines = []
    if goods in (None, ""):
        return lines
    if not isinstance(goods, list) or len(goods) > MAX_GOODS_LINES:
        raise ValidationFailed.field("goods", _("慰问品应为列表，最多%(n)s项") % {"n": MAX_GOODS_LINES})
    seen = set()
    for i, line in enumerate(goods):
        line = line if isinstance(line, dict) else getattr(line, "__dict__", {})
        kind = line.get("kind")
        if kind not in GoodsKind.values:
            raise ValidationFailed.field(f"goods.{i}.kind", _("慰问品种类不正确"))
        if kind in seen:
            raise ValidationFailed.field(f"goods.{i}.kind", _("同一种慰问品请合并为一行"))
        seen.add(kind)
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise ValidationFailed.field(f"goods.{i}.quantity", _("数量应为正整数"))
        unit_value = parse_amount(line.get("unit_value"), field=f"goods.{i}.unit_value", allow_zero=True)
        lines.append((kind, quantity, unit_value))
    return lines


@transaction.atomic
def visit_record(actor, *, campaign: int, union: int, visited_at: dt.datetime, worker: int | None = None,
                 group_name: str = "", people: int | None = None, amount=None, goods=None, visitors: str = "",
                 place: str = "", note: str = "") -> Visit:
    """Record a visit: money and goods charged to `union`'s allocation, goods taken from `union`'s stock."""
    campaign_obj = _campaign_for(actor, campaign)
    require_staff(actor, roles=BUDGET_ROLES)
    owner = _union_in_scope(actor, union)
    cash = parse_amount(amount if amount not in (None, "") else "0", field="amount", allow_zero=True)
    lines = _parse_goods(goods)
    goods_value = sum((q * v for _kind, q, v in lines), Decimal("0.00"))
    if cash + goods_value <= 0:
        raise ValidationFailed.field("amount", _("请填写慰问金或慰问品"))
    group_name = (group_name or "").strip()
    worker_obj = None
    if worker:
        worker_obj = Worker.objects.filter(pk=worker).first()
        if worker_obj is None:
            raise ValidationFailed.field("worker", _("职工不存在"))
        if group_name:
            raise ValidationFailed.field("group_name", _("慰问个人时不填集体名称"))
        people = 1
    elif group_name:
        if people is None or isinstance(people, bool) or not isinstance(people, int) or people < 1:
            raise ValidationFailed.field("people", _("请填写慰问人数（正整数）"))
    else:
        raise ValidationFailed.field("worker", _("请选择慰问的职工，或填写慰问集体名称和人数"))
    if visited_at is None:
        raise ValidationFailed.field("visited_at", _("请填写走访时间"))
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    local_day = timezone.localtime(visited_at).date()
    if not campaign_obj.starts_on <= local_day <= campaign_obj.ends_on:
        raise ValidationFailed.field("visited_at", _("走访时间不在活动期间内"))
    if visited_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationFailed.field("visited_at", _("走访时间不能晚于现在"))
    allocation = Allocation.objects.filter(campaign=campaign_obj, union=owner).only("pk").first()
    if allocation is None:
        raise ValidationFailed.field("union", _("该单位在本活动中没有预算分配"))
    stocks = {s.kind: s for s in GoodsStock.objects.filter(union=owner, kind__in=[k for k, _q, _v in lines])}
    for i, (kind, _q, _v) in enumerate(lines):
        if kind not in stocks:
            raise ValidationFailed.field(f"goods.{i}.quantity", _("本单位没有%(goods)s库存")
                                         % {"goods": GoodsKind(kind).label})

    # The rows of the visit are written first, unlocked: they stay invisible until commit and vanish with a
    # rollback, so the lock below is held only for the check and the counter updates (short critical section).
    total = cash + goods_value
    visit = Visit.objects.create(
        campaign=campaign_obj, allocation_id=allocation.pk, union=owner, worker=worker_obj,
        group_name=group_name[:120], people=people, visitors=visitors[:200], place=place[:200],
        visited_at=visited_at, amount=cash, goods_value=goods_value, total=total, note=note[:500], recorded_by=actor)
    VisitGoods.objects.bulk_create([VisitGoods(visit=visit, kind=k, quantity=q, unit_value=v) for k, q, v in lines])
    BudgetEntry.objects.create(campaign=campaign_obj, kind=EntryKind.SPEND, source_id=allocation.pk, amount=total,
                               visit=visit, actor=actor, note=(group_name or worker_obj.name)[:200])
    StockEntry.objects.bulk_create([StockEntry(stock=stocks[k], change=-q, visit=visit, note="走访慰问发放",
                                               actor=actor) for k, q, _v in lines])

    # Lock: the allocation first, then the stock rows by id (the order every care service uses); re-read, check.
    allocation = lock_rows(Allocation.objects.all(), [allocation.pk])[allocation.pk]
    locked_stock = lock_rows(GoodsStock.objects.all(), [s.pk for s in stocks.values()]) if stocks else {}
    if _after_read_hook is not None:
        _after_read_hook()
    if total > allocation.remaining:
        raise ValidationFailed.field("amount", _("超出本单位预算余额（剩余%(amount)s元）")
                                     % {"amount": yuan(allocation.remaining)})
    for i, (kind, quantity, _v) in enumerate(lines):
        if quantity > locked_stock[stocks[kind].pk].quantity:
            raise ValidationFailed.field(f"goods.{i}.quantity", _("%(goods)s库存不足（现有%(quantity)s）") % {
                "goods": GoodsKind(kind).label, "quantity": locked_stock[stocks[kind].pk].quantity})
    allocation.spent += total
    allocation.save(update_fields=["spent"])
    for kind, quantity, _v in lines:
        stock = locked_stock[stocks[kind].pk]
        stock.quantity -= quantity
        stock.save(update_fields=["quantity", "updated_at"])
    visit.allocation = allocation
    return visit


def _visit_for(actor, visit_id: int) -> Visit:
    visit = scoped(Visit.objects.all(), actor).filter(pk=visit_id).first()
    if visit is None:
        raise NotFound(_("走访记录不存在"))
    return visit


def read_roster(content: bytes, filename: str) -> list[list[str]]:
    """Rows of the first sheet of an .xlsx/.xls/.csv upload, as text."""
    name = (filename or "").lower()
    if name.endswith(".csv"):
        import csv

        text = content.decode("utf-8-sig", errors="replace")
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=True)
    except Exception as exc:
        raise ValidationFailed.field("file", _("无法读取名单文件，请上传 Excel（.xlsx）或 CSV")) from exc
    out = []
    for row in rows:
        cells = []
        for c in row:
            if isinstance(c, float) and c.is_integer():
                c = int(c)
            cells.append(str(c).strip() if c is not None else "")
        out.append(cells)
    return out


@transaction.atomic
def visit_recipients_import(actor, *, visit_id: int, content: bytes, filename: str) -> dict:
    """Import a group visit's list (columns 姓名, 身份证号). Bad rows are reported and skipped; a person already on
    the list is not added twice (importing the same file again changes nothing). Returns a row-by-row report."""
    require_staff(actor, roles=BUDGET_ROLES)
    visit = _visit_for(actor, visit_id)
    if not visit.group_name:
        raise ValidationFailed.field("visit", _("只有集体慰问可以导入名单"))
    rows = read_roster(content, filename)
    if not rows:
        raise ValidationFailed.field("file", _("名单为空"))
    header = [c.replace(" ", "") for c in rows[0]]
    try:
        name_col, id_col = header.index("姓名"), header.index("身份证号")
    except ValueError:
        raise ValidationFailed.field("file", _("名单第一行应为表头，包含“姓名”和“身份证号”两列"))
    existing = {r.id_number for r in VisitRecipient.objects.filter(visit=visit)}
    errors, added, skipped = [], 0, 0
    seen = set()
    for lineno, row in enumerate(rows[1:], start=2):
        name = row[name_col].strip() if name_col < len(row) else ""
        raw_id = row[id_col].strip() if id_col < len(row) else ""
        if not name and not raw_id:
            continue
        if not name:
            errors.append({"row": lineno, "field": "姓名", "message": _("姓名为空")})
            continue
        try:
            facts = parse_id_number(raw_id, field="身份证号")
        except ValidationFailed as exc:
            errors.append({"row": lineno, "field": "身份证号", "message": exc.message})
            continue
        if facts.id_number in seen:
            errors.append({"row": lineno, "field": "身份证号", "message": _("文件内重复")})
            continue
        seen.add(facts.id_number)
        if facts.id_number in existing:
            skipped += 1
            continue
        worker = Worker.objects.filter(id_number_hash=keyed_hash(facts.id_number)).first()
        VisitRecipient.objects.create(visit=visit, worker=worker, name=name[:60], id_number=facts.id_number)
        existing.add(facts.id_number)
        added += 1
    listed = VisitRecipient.objects.filter(visit=visit).count()
    if listed > visit.people:
        visit.people = listed
        visit.save(update_fields=["people"])
    audit_record(actor=actor, action="care.visit.list_import", obj=visit, union=visit.union,
                 detail={"added": added, "skipped": skipped, "errors": len(errors)})
    return {"added": added, "already_listed": skipped, "errors": errors, "listed": listed}


@transaction.atomic
def visit_attach(actor, *, visit_id: int, photos=(), receipt=None) -> Visit:
    """Attach photos and the signed receipt to a visit."""
    require_staff(actor, roles=BUDGET_ROLES)
    visit = _visit_for(actor, visit_id)
    for f in photos:
        if not (getattr(f, "content_type", "") or "").startswith("image/"):
            raise ValidationFailed.field("photos", _("照片应为图片文件"))
        VisitPhoto.objects.create(visit=visit, image=f)
    if receipt is not None:
        visit.receipt = receipt
        visit.save(update_fields=["receipt"])
    return visit


__all__ = ["locking", "read_roster", "stock_receive", "visit_attach", "visit_recipients_import", "visit_record"]
