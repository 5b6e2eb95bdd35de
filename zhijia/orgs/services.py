"""Writes to the union tree. Each public function is one use case in one transaction and checks scope itself."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core.errors import Conflict, NotFound, ValidationFailed
from zhijia.core.regions import validate_region_code
from zhijia.orgs.models import CommitteeMember, CommitteeRole, Founding, Kind, Level, Occupation, Union
from zhijia.orgs.selectors import require_staff

TREE_EDITORS = ("municipal_admin", "district_staff")
EDITABLE_FIELDS = ("name", "level", "kind", "region_code", "occupation", "credit_code", "address", "chair",
                   "contact_name", "contact_phone", "founded_on")


def _check_choices(*, level: str, kind: str, occupation: str) -> None:
    if level not in Level.values:
        raise ValidationFailed.field("level", _("未知层级：%(value)s") % {"value": level})
    if kind not in Kind.values:
        raise ValidationFailed.field("kind", _("未知类型：%(value)s") % {"value": kind})
    if occupation and occupation not in Occupation.values:
        raise ValidationFailed.field("occupation", _("未知行业：%(value)s") % {"value": occupation})
    if kind == Kind.REGIONAL_INDUSTRY and not occupation:
        raise ValidationFailed.field("occupation", _("区域(行业)工会须注明所覆盖的行业"))


def _save(union: Union, *, duplicate_message: str) -> None:
    """Save; a clash with a unique constraint is a Conflict (`duplicate_message`: a Chinese msgid, translated here)."""
    try:
        with transaction.atomic():
            union.save()
    except IntegrityError as exc:
        text = str(exc)
        if "federation" in text:
            message = _("该地区该层级已有总工会")
            raise Conflict(message, code="duplicate", fields={"region_code": message}) from exc
        message = _(duplicate_message)
        raise Conflict(message, code="duplicate", fields={"name": message}) from exc


def _insert(union: Union) -> Union:
    """Insert `union` under its parent and give it its path (the id is only known after the insert)."""
    union.path = f"pending-{id(union)}-{dt.datetime.now().timestamp()}"
    _save(union, duplicate_message=gettext_noop("同一上级下已有同名工会"))
    prefix = union.parent.path if union.parent_id else ""
    union.path = f"{prefix}{union.pk}/"
    union.depth = union.parent.depth + 1 if union.parent_id else 0
    Union.objects.filter(pk=union.pk).update(path=union.path, depth=union.depth)
    return union


def union_create_root(*, name: str, level: str, kind: str, region_code: str, **fields) -> Union:
    """Create a root node (no parent). Used by the seed and by deployment; there is no API for it."""
    with transaction.atomic():
        _check_choices(level=level, kind=kind, occupation=fields.get("occupation", ""))
        union = Union(name=name, level=level, kind=kind, region_code=validate_region_code(region_code), **fields)
        return _insert(union)


@transaction.atomic
def union_create(*, actor, parent_id: int, name: str, level: str, kind: str, region_code: str,
                 occupation: str = "", credit_code: str = "", address: str = "", chair: str = "",
                 contact_name: str = "", contact_phone: str = "", founded_on: dt.date | None = None) -> Union:
    scope = require_staff(actor, roles=TREE_EDITORS)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.field("name", _("请填写工会名称"))
    parent = Union.objects.filter(pk=parent_id, path__startswith=scope.path).first()
    if parent is None:
        raise ValidationFailed.field("parent_id", _("上级工会不存在或不在管辖范围内"), code="unknown_parent")
    _check_choices(level=level, kind=kind, occupation=occupation)
    union = Union(
        parent=parent, name=name, level=level, kind=kind,
        region_code=validate_region_code(region_code), occupation=occupation, credit_code=credit_code,
        address=address, chair=chair, contact_name=contact_name, contact_phone=contact_phone, founded_on=founded_on,
    )
    _insert(union)
    audit_record(actor=actor, action=Action.CREATE, obj=union)
    return union


@transaction.atomic
def union_update(*, actor, union_id: int, **changes) -> Union:
    scope = require_staff(actor, roles=TREE_EDITORS)
    union = Union.objects.select_for_update().filter(pk=union_id, path__startswith=scope.path).first()
    if union is None:
        raise NotFound(_("工会不存在"))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationFailed.field(field, _("字段 %(field)s 不可修改") % {"field": field})
    if "region_code" in changes:
        changes["region_code"] = validate_region_code(changes["region_code"])
    if "name" in changes and not (changes["name"] or "").strip():
        raise ValidationFailed.field("name", _("请填写工会名称"))
    for key, value in changes.items():
        setattr(union, key, value)
    _check_choices(level=union.level, kind=union.kind, occupation=union.occupation)
    _save(union, duplicate_message=gettext_noop("同一上级下已有同名工会"))
    audit_record(actor=actor, action=Action.UPDATE, obj=union, detail={"fields": sorted(changes)})
    return union


@transaction.atomic
def union_move(*, actor, union_id: int, new_parent_id: int) -> Union:
    """Move a node and its whole subtree under a new parent, in one UPDATE of the paths.

    Refuses a move under the node itself or one of its descendants (a cycle), and a move of the caller's own
    scope root. Both nodes are locked (in id order, so two crossing moves cannot deadlock) before the check.
    """
    scope = require_staff(actor, roles=TREE_EDITORS)
    ids = sorted({union_id, new_parent_id})
    # Lock both rows in a stable order before reading their paths.
    locked = {u.pk: u for u in Union.objects.select_for_update().filter(pk__in=ids, path__startswith=scope.path)
              .order_by("pk")}
    node = locked.get(union_id)
    if node is None:
        raise NotFound(_("工会不存在"))
    new_parent = locked.get(new_parent_id)
    if new_parent is None:
        raise ValidationFailed.field("parent_id", _("新的上级工会不存在或不在管辖范围内"), code="unknown_parent")
    if node.pk == scope.pk:
        raise ValidationFailed.field("union_id", _("不能移动自己所在的工会"))
    if new_parent.path.startswith(node.path):
        raise ValidationFailed.field("parent_id", _("不能移到自身或下级工会之下（会形成环）"), code="cycle")
    if node.parent_id == new_parent.pk:
        return node
    if Union.objects.filter(parent=new_parent, name=node.name).exists():
        message = _("新的上级下已有同名工会")
        raise Conflict(message, code="duplicate", fields={"parent_id": message})
    old_path, new_path = node.path, f"{new_parent.path}{node.pk}/"
    depth_shift = new_parent.depth + 1 - node.depth
    Union.objects.filter(pk=node.pk).update(parent=new_parent)
    # Rewrite every path in the subtree: new prefix + the part after the old prefix.
    Union.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), Length(Value(old_path)) + 1)),
        depth=F("depth") + depth_shift,
    )
    node.refresh_from_db()
    audit_record(actor=actor, action=Action.MOVE, obj=node, detail={"from": old_path, "to": new_path})
    return node


@transaction.atomic
def founding_record(*, actor, union_id: int, founded_on: dt.date, term_years: int, chair: str,
                    vice_chairs: list[str] | None = None, members: list[str] | None = None, note: str = "") -> Founding:
    """建会: record a union's founding with its first committee and term. A union is founded once."""
    scope = require_staff(actor)
    union = Union.objects.select_for_update().filter(pk=union_id, path__startswith=scope.path).first()
    if union is None:
        raise NotFound(_("工会不存在"))
    if Founding.objects.filter(union=union).exists():
        raise Conflict(_("该工会已登记建会"), code="already_founded")
    if not (chair or "").strip():
        raise ValidationFailed.field("chair", _("请填写首届工会主席"))
    if not 1 <= term_years <= 5:
        raise ValidationFailed.field("term_years", _("任期应为1至5年"))
    try:
        term_ends_on = founded_on.replace(year=founded_on.year + term_years)
    except ValueError:  # 29 February
        term_ends_on = founded_on.replace(year=founded_on.year + term_years, day=28)
    founding = Founding.objects.create(union=union, founded_on=founded_on, term_years=term_years,
                                       term_ends_on=term_ends_on, note=note, recorded_by=actor)
    rows = [CommitteeMember(founding=founding, role=CommitteeRole.CHAIR, name=chair.strip(), position=0)]
    rows += [CommitteeMember(founding=founding, role=CommitteeRole.VICE_CHAIR, name=n.strip(), position=i + 1)
             for i, n in enumerate(vice_chairs or []) if n.strip()]
    rows += [CommitteeMember(founding=founding, role=CommitteeRole.MEMBER, name=n.strip(), position=100 + i)
             for i, n in enumerate(members or []) if n.strip()]
    CommitteeMember.objects.bulk_create(rows)
    union.founded_on, union.chair = founded_on, chair.strip()
    union.save(update_fields=["founded_on", "chair", "updated_at"])
    audit_record(actor=actor, action=Action.CREATE, obj=founding, union=union,
                 detail={"founded_on": founded_on.isoformat(), "committee": len(rows)})
    return founding
