"""Console pages for the union tree. Thin: they call selectors and render."""

from django.core.paginator import Paginator
from django.shortcuts import render

from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core.http import client_ip
from zhijia.core.views_support import staff_page
from zhijia.core.xlsx import xlsx_response
from zhijia.orgs import selectors
from zhijia.orgs.dashboard import console_counts


@staff_page
def console_home(request):
    scope = selectors.require_staff(request.user)
    return render(request, "orgs/console_home.html", {"scope": scope, "counts": console_counts(user=request.user)})


@staff_page
def union_tree(request):
    scope = selectors.require_staff(request.user)
    q = request.GET.get("q", "").strip()
    results = None
    if q:
        results = Paginator(selectors.union_list(user=request.user, q=q), 50).get_page(request.GET.get("page"))
    children = selectors.union_children(user=request.user, union_id=scope.pk)
    return render(request, "orgs/union_tree.html", {"scope": scope, "children": children[:500], "q": q,
                                                    "results": results})


@staff_page
def union_export(request):
    scope = selectors.require_staff(request.user)
    root = request.GET.get("root")
    root_id = int(root) if root and root.isdigit() else None
    audit_record(actor=request.user, action=Action.EXPORT, object_type="orgs.union", union=scope,
                 ip=client_ip(request), detail={"root": root_id})
    return xlsx_response("工会组织.xlsx", selectors.UNION_EXPORT_HEADERS,
                         selectors.union_export_rows(user=request.user, root_id=root_id), sheet="工会组织")


@staff_page
def union_children_partial(request, union_id: int):
    children = selectors.union_children(user=request.user, union_id=union_id)
    return render(request, "orgs/_children.html", {"children": children[:500]})


@staff_page
def union_detail(request, union_id: int):
    union = selectors.union_get(user=request.user, union_id=union_id)
    children = Paginator(selectors.union_children(user=request.user, union_id=union_id), 50).get_page(
        request.GET.get("page"))
    founding = getattr(union, "founding", None) if hasattr(union, "founding") else None
    return render(request, "orgs/union_detail.html", {
        "union": union,
        "breadcrumb": selectors.union_breadcrumb(user=request.user, union=union),
        "children": children,
        "founding": founding,
        "subtree_size": selectors.union_subtree(user=request.user, union_id=union_id).count(),
    })
