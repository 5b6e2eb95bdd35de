"""Console pages for the union tree. Thin: they call selectors and render."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core.errors import DomainError, ValidationFailed
from zhijia.core.http import client_ip
from zhijia.core.views_support import staff_page
from zhijia.core.xlsx import xlsx_response
from zhijia.orgs import selectors, services
from zhijia.orgs.dashboard import console_counts
from zhijia.orgs.models import Kind, Level, Occupation


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


TREE_EDITORS = ("municipal_admin", "district_staff")


def _form_error(request, template: str, context: dict, exc: DomainError):
    return render(request, template, context | {"error": exc.message, "errors": exc.fields, "form": request.POST},
                  status=exc.status)


@staff_page
@require_POST
def union_create_view(request, union_id: int):
    parent = selectors.union_get(user=request.user, union_id=union_id)
    data = request.POST
    try:
        union = services.union_create(
            actor=request.user, parent_id=parent.pk, name=data.get("name", ""), level=data.get("level", ""),
            kind=data.get("kind", ""), region_code=data.get("region_code", ""), occupation=data.get("occupation", ""),
            credit_code=data.get("credit_code", ""), address=data.get("address", ""), chair=data.get("chair", ""),
            contact_name=data.get("contact_name", ""), contact_phone=data.get("contact_phone", ""))
    except DomainError as exc:
        return _form_error(request, "orgs/_create_form.html", {"union": parent, **_choices()}, exc)
    messages.success(request, _("已新建 %(name)s") % {"name": union.name})
    return _hx_redirect(request, reverse("orgs:union_detail", args=[union.pk]))


@staff_page
@require_POST
def union_move_view(request, union_id: int):
    union = selectors.union_get(user=request.user, union_id=union_id)
    try:
        new_parent = int(request.POST.get("parent_id", "") or 0)
        services.union_move(actor=request.user, union_id=union.pk, new_parent_id=new_parent)
    except DomainError as exc:
        return _form_error(request, "orgs/_move_form.html", {"union": union}, exc)
    messages.success(request, _("已将 %(name)s 连同下级移动") % {"name": union.name})
    return _hx_redirect(request, reverse("orgs:union_detail", args=[union.pk]))


@staff_page
@require_POST
def founding_record_view(request, union_id: int):
    union = selectors.union_get(user=request.user, union_id=union_id)
    data = request.POST
    try:
        founded_on = parse_date(data.get("founded_on", "") or "")
        if founded_on is None:
            raise ValidationFailed.field("founded_on", _("请填写建会日期（年-月-日）"))
        term = data.get("term_years", "5")
        if not term.isdigit():
            raise ValidationFailed.field("term_years", _("任期应为整数年"))
        services.founding_record(
            actor=request.user, union_id=union.pk, founded_on=founded_on, term_years=int(term),
            chair=data.get("chair", ""), vice_chairs=data.get("vice_chairs", "").split("、"),
            members=data.get("members", "").split("、"), note=data.get("note", ""))
    except (DomainError, ValueError) as exc:
        if not isinstance(exc, DomainError):
            exc = ValidationFailed.field("founded_on", _("建会日期格式不正确"))
        return _form_error(request, "orgs/_founding_form.html", {"union": union}, exc)
    messages.success(request, _("已登记建会"))
    return _hx_redirect(request, reverse("orgs:union_detail", args=[union.pk]))


def _choices() -> dict:
    return {"levels": Level.choices, "kinds": Kind.choices, "occupations": Occupation.choices}


def _hx_redirect(request, url: str):
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


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
        "can_edit": request.user.role in TREE_EDITORS,
        **_choices(),
    })
