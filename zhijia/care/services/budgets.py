"""送温暖 campaigns and their budgets down the union tree.

Guarantees under concurrent calls (PostgreSQL; SQLite serialises writers anyway):
- an allocation never takes more than the parent allocation has left, and a visit never spends more than its
  allocation has left: every service that moves money locks the allocations it touches with `lock_rows` (one
  statement, ordered by id, so parent before child), re-reads the counters under the lock, checks, then writes;
- the counters can never be driven past `amount` even by a bug elsewhere: the `allocation_within_amount` check;
- nothing is overwritten: each move is one `BudgetEntry` (budget, allocate, return, reallocate, spend).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from zhijia.accounts.models import Role
from zhijia.audit.services import audit_record
from zhijia.care.models import Allocation, BudgetEntry, EntryKind, WarmthCampaign
from zhijia.care.services.locking import lock_rows
from zhijia.care.services.money import parse_amount, yuan
from zhijia.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhijia.orgs.models import Union
from zhijia.orgs.selectors import in_scope, require_staff

BUDGET_ROLES = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF)


def _union_in_scope(actor, union_id, *, field: str = "union") -> Union:
    union = Union.objects.filter(pk=union_id).first() if union_id else None
    if union is None or not in_scope(actor, union):
        raise ValidationFailed.field(field, _("工会不存在或不在管辖范围内"))
    return union


def _campaign_for(actor, campaign_id: int) -> WarmthCampaign:
    """A campaign the actor takes part in: its union is the actor's, above it or below it."""
    scope = require_staff(actor)
    campaign = WarmthCampaign.objects.select_related("union").filter(pk=campaign_id).first()
    if campaign is None or not (scope.contains(campaign.union) or campaign.union.contains(scope)):
        raise NotFound(_("活动不存在"))
    return campaign


@transaction.atomic
def campaign_create(actor, *, name: str, budget, starts_on: dt.date, ends_on: dt.date, union: int | None = None,
                    season: str = "", target_groups: str = "", funding_sources: str = "") -> WarmthCampaign:
    """A campaign at the actor's union (or one below), with its whole budget as the root allocation."""
    scope = require_staff(actor, roles=BUDGET_ROLES)
    owner = _union_in_scope(actor, union) if union else scope
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.field("name", _("请填写活动名称"))
    amount = parse_amount(budget, field="budget")
    if ends_on < starts_on:
        raise ValidationFailed.field("ends_on", _("结束日期不能早于开始日期"))
    campaign = WarmthCampaign.objects.create(
        name=name[:120], season=season[:40], target_groups=target_groups[:200], funding_sources=funding_sources[:200],
        starts_on=starts_on, ends_on=ends_on, budget=amount, union=owner, created_by=actor)
    root = Allocation.objects.create(campaign=campaign, union=owner, amount=amount)
    BudgetEntry.objects.create(campaign=campaign, kind=EntryKind.BUDGET, target=root, amount=amount, actor=actor,
                               note="设立活动预算")
    audit_record(actor=actor, action="care.campaign.create", obj=campaign, union=owner,
                 detail={"budget": yuan(amount)})
    return campaign


def _source_allocation(campaign: WarmthCampaign, union: Union) -> Allocation:
    """The nearest allocated ancestor of `union` in this campaign: where its money comes from."""
    ancestors = union.ancestor_ids
    candidates = {a.union_id: a for a in Allocation.objects.filter(campaign=campaign, union_id__in=ancestors)}
    for union_id in reversed(ancestors):
        if union_id in candidates:
            return candidates[union_id]
    raise ValidationFailed.field("union", _("该工会的上级在本活动中没有预算，无法下拨"))


@transaction.atomic
def allocation_create(actor, *, campaign_id: int, union: int, amount, note: str = "") -> Allocation:
    """Allocate `amount` to `union` from the nearest allocated ancestor (a second call adds to the allocation).

    Concurrency: the parent and (when it exists) the child allocation are locked parent first; the parent's
    remainder is read under the lock, so two concurrent allocations can never together exceed it."""
    campaign = _campaign_for(actor, campaign_id)
    require_staff(actor, roles=BUDGET_ROLES)
    target_union = _union_in_scope(actor, union)
    value = parse_amount(amount, field="amount")
    if target_union.pk == campaign.union_id:
        raise ValidationFailed.field("union", _("活动发起单位的预算即活动总预算，不能再分配给自己"))
    if not campaign.union.contains(target_union):
        raise ValidationFailed.field("union", _("只能分配给活动发起单位的下级工会"))
    source = _source_allocation(campaign, target_union)
    if not in_scope(actor, source.union):
        raise PermissionDenied(_("只能由上级工会下拨预算"))
    child, _created = Allocation.objects.get_or_create(campaign=campaign, union=target_union,
                                                defaults={"parent": source})
    locked = lock_rows(Allocation.objects.all(), [source.pk, child.pk])
    source, child = locked[source.pk], locked[child.pk]
    if child.parent_id != source.pk:
        raise ValidationFailed.field("union", _("该工会的预算来自其他上级，请从原上级追加"))
    if value > source.remaining:
        raise ValidationFailed.field("amount", _("超出上级可分配余额（剩余%(amount)s元）")
                                     % {"amount": yuan(source.remaining)})
    source.allocated += value
    source.save(update_fields=["allocated"])
    child.amount += value
    child.save(update_fields=["amount"])
    BudgetEntry.objects.create(campaign=campaign, kind=EntryKind.ALLOCATE, source=source, target=child,
                               amount=value, actor=actor, note=note[:200])
    audit_record(actor=actor, action="care.allocation.create", obj=child, union=target_union,
                 detail={"campaign": campaign.pk, "amount": yuan(value), "from": source.union_id})
    return child


def _allocation_for(actor, campaign: WarmthCampaign, union_id: int, *, field: str) -> Allocation:
    union = _union_in_scope(actor, union_id, field=field)
    allocation = Allocation.objects.filter(campaign=campaign, union=union).first()
    if allocation is None:
        raise ValidationFailed.field(field, _("该工会在本活动中没有预算分配"))
    return allocation


@transaction.atomic
def allocation_return(actor, *, campaign_id: int, union: int, amount, note: str = "") -> Allocation:
    """Return unspent, unallocated money from `union`'s allocation to its parent allocation (a ledger entry)."""
    campaign = _campaign_for(actor, campaign_id)
    require_staff(actor, roles=BUDGET_ROLES)
    child = _allocation_for(actor, campaign, union, field="union")
    if child.parent_id is None:
        raise ValidationFailed.field("union", _("活动总预算不能退回"))
    value = parse_amount(amount, field="amount")
    locked = lock_rows(Allocation.objects.all(), [child.parent_id, child.pk])
    parent, child = locked[child.parent_id], locked[child.pk]
    if value > child.remaining:
        raise ValidationFailed.field("amount", _("超出可退回余额（剩余%(amount)s元）")
                                     % {"amount": yuan(child.remaining)})
    child.amount -= value
    child.save(update_fields=["amount"])
    parent.allocated -= value
    parent.save(update_fields=["allocated"])
    BudgetEntry.objects.create(campaign=campaign, kind=EntryKind.RETURN, source=child, target=parent, amount=value,
                               actor=actor, note=note[:200] or "退回未使用资金")
    audit_record(actor=actor, action="care.allocation.return", obj=child, union=child.union,
                 detail={"amount": yuan(value)})
    return child


@transaction.atomic
def allocation_reallocate(actor, *, campaign_id: int, from_union: int, to_union: int, amount,
                          note: str = "") -> Allocation:
    """Move unspent money between two sibling allocations (same parent): one `reallocate` entry."""
    campaign = _campaign_for(actor, campaign_id)
    require_staff(actor, roles=BUDGET_ROLES)
    source = _allocation_for(actor, campaign, from_union, field="from_union")
    target = _allocation_for(actor, campaign, to_union, field="to_union")
    if source.pk == target.pk or source.parent_id is None or source.parent_id != target.parent_id:
        raise ValidationFailed.field("to_union", _("只能在同一上级下拨的单位之间调剂"))
    parent = Allocation.objects.select_related("union").get(pk=source.parent_id)
    if not in_scope(actor, parent.union):
        raise PermissionDenied(_("只能由上级工会调剂预算"))
    value = parse_amount(amount, field="amount")
    locked = lock_rows(Allocation.objects.all(), [source.pk, target.pk])
    source, target = locked[source.pk], locked[target.pk]
    if value > source.remaining:
        raise ValidationFailed.field("amount", _("超出调出单位可用余额（剩余%(amount)s元）")
                                     % {"amount": yuan(source.remaining)})
    source.amount -= value
    source.save(update_fields=["amount"])
    target.amount += value
    target.save(update_fields=["amount"])
    BudgetEntry.objects.create(campaign=campaign, kind=EntryKind.REALLOCATE, source=source, target=target,
                               amount=value, actor=actor, note=note[:200])
    audit_record(actor=actor, action="care.allocation.move", obj=target, union=parent.union,
                 detail={"from": source.union_id, "amount": yuan(value)})
    return target


def campaign_totals(campaign: WarmthCampaign) -> dict[str, Decimal]:
    """budget, allocated (to the levels below the campaign's union), spent (by everyone), remaining (not spent)."""
    from django.db.models import Sum

    root = Allocation.objects.get(campaign=campaign, parent__isnull=True)
    spent = Allocation.objects.filter(campaign=campaign).aggregate(s=Sum("spent"))["s"] or Decimal("0")
    return {"budget": campaign.budget, "allocated": root.allocated, "spent": spent,
            "remaining": root.amount - spent}
