"""Reads of the union tree, and the one scope rule every staff query goes through.

A staff account is bound to one union and sees that union's subtree, never a sibling's. `scoped()` is the single
place that rule is applied: every list, detail and export of every app filters through it, so an out-of-scope
object is simply not found (a 404 that does not reveal that it exists).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from zhijia.core.errors import NotFound, PermissionDenied
from zhijia.orgs.models import Union


def require_staff(user, *, roles: tuple[str, ...] | None = None) -> Union:
    """The union whose subtree `user` may see; refuses anyone who is not union staff (or not in `roles`)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_union_staff", False):
        raise PermissionDenied(_("仅限工会工作人员"))
    if roles is not None and user.role not in roles:
        raise PermissionDenied(_("当前角色没有权限执行此操作"))
    scope = user.__dict__.get("_scope_union")
    if scope is None:
        scope = Union.objects.only("id", "path", "name", "level", "depth").get(pk=user.union_id)
        user.__dict__["_scope_union"] = scope
    return scope


def scoped(qs: QuerySet, user, *, via: str = "union") -> QuerySet:
    """Restrict `qs` to rows whose union (reached through `via`) lies in the caller's subtree.

    `via` is the lookup path from the model to its Union ("union", "owner_union", "membership__union", or "" when
    the model is Union itself).
    """
    scope = require_staff(user)
    lookup = f"{via}__path__startswith" if via else "path__startswith"
    return qs.filter(**{lookup: scope.path})


def visible_unions(user) -> QuerySet[Union]:
    return scoped(Union.objects.all(), user, via="")


def in_scope(user, union: Union) -> bool:
    """True when `union` lies in the caller's subtree (no query once the scope is loaded)."""
    return require_staff(user).contains(union)


def union_get(*, user, union_id: int) -> Union:
    union = visible_unions(user).select_related("parent").filter(pk=union_id).first()
    if union is None:
        raise NotFound(_("工会不存在"))
    return union


def union_list(*, user, parent_id: int | None = None, level: str | None = None, kind: str | None = None,
               region_code: str | None = None, q: str | None = None) -> QuerySet[Union]:
    qs = visible_unions(user)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if level:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    if q:
        q = q.strip()
        # Chinese characters match the name; latin letters match the pinyin or its initials ("fs" finds 房山).
        qs = qs.filter(Q(name__contains=q) | Q(pinyin__contains=q.lower().replace(" ", "")))
    return qs.order_by("path")


def union_children(*, user, union_id: int) -> QuerySet[Union]:
    parent = union_get(user=user, union_id=union_id)
    return Union.objects.filter(parent=parent).order_by("region_code", "name")


def union_subtree(*, user, union_id: int) -> QuerySet[Union]:
    root = union_get(user=user, union_id=union_id)
    return Union.objects.filter(path__startswith=root.path)


def union_ancestors(union: Union) -> list[Union]:
    """Root first. One query by primary key, from the ids in the path."""
    by_id = Union.objects.in_bulk(union.ancestor_ids)
    return [by_id[i] for i in union.ancestor_ids if i in by_id]


def union_breadcrumb(*, user, union: Union) -> list[Union]:
    """The ancestors the caller may see (from their own scope down), then the union itself."""
    scope = require_staff(user)
    return [u for u in union_ancestors(union) if scope.contains(u)] + [union]


UNION_EXPORT_HEADERS = ("编号", "名称", "层级", "类型", "行业", "行政区划代码", "上级编号", "地址", "工会主席",
                        "联系人", "联系电话", "建会日期")


def union_export_rows(*, user, root_id: int | None = None):
    """Rows of the caller's subtree (or of `root_id`'s subtree inside it) for an Excel export, in tree order."""
    qs = union_subtree(user=user, union_id=root_id) if root_id else visible_unions(user)
    for u in qs.order_by("path").iterator(chunk_size=2000):
        yield (u.pk, u.name, u.get_level_display(), u.get_kind_display(), u.get_occupation_display() or "",
               u.region_code, u.parent_id or "", u.address, u.chair, u.contact_name, u.contact_phone,
               u.founded_on.isoformat() if u.founded_on else "")
