"""Pages: the staff console's studio list with its map, the studio card with members, funds, results and reviews,
the naming form and the totals per district; the workers' list of studios near them or by district. Thin: they
parse, call a service or selector, and render."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijia.core.errors import DomainError
from zhijia.core.views_support import call_with_message, staff_page, worker_page
from zhijia.orgs.selectors import require_staff, visible_unions
from zhijia.stations import geo
from zhijia.studios import selectors, services
from zhijia.studios.models import (
    AwardLevel,
    MemberRole,
    PatentKind,
    PatentStatus,
    ReviewAction,
    StudioField,
    StudioLevel,
    StudioStatus,
)

FILTERS = ("level", "status", "region_code", "field", "q")


def _districts():
    return [{"code": code, "name": name, "lat": lat, "lng": lng}
            for code, (name, lat, lng) in geo.DISTRICT_CENTRES.items()]


def _map_config(**extra) -> dict:
    return {"tileUrl": settings.MAP_TILE_URL, "tileCoords": settings.MAP_TILE_COORDS, **extra}


def _without_page(params) -> str:
    params = params.copy()
    params.pop("page", None)
    return params.urlencode()


@staff_page
def studio_list(request):
    scope = require_staff(request.user)
    f = {k: request.GET.get(k, "").strip() for k in FILTERS}
    filters = {k: v or None for k, v in f.items()}
    qs = selectors.studio_list(user=request.user, **filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "studios/studio_list.html", {
        "scope": scope, "page": page, "f": f, "total": qs.count(), "base_query": _without_page(request.GET),
        "levels": StudioLevel.choices, "statuses": StudioStatus.choices, "fields": StudioField.choices,
        "districts": _districts(),
        "map_config": _map_config(pointsUrl="/api/v1/studios/map?" + _without_page(request.GET),
                                  detailUrl="/console/studios/"),
    })


@staff_page
def studio_detail(request, studio_id: int):
    studio = selectors.studio_get(user=request.user, studio_id=studio_id)
    grants = list(selectors.grant_list(user=request.user, studio_id=studio_id).prefetch_related("entries"))
    return render(request, "studios/studio_detail.html", {
        "studio": studio, "members": selectors.studio_members(user=request.user, studio_id=studio_id),
        "grants": grants, "results": selectors.studio_results(user=request.user, studio_id=studio_id),
        "reviews": selectors.review_list(user=request.user, studio_id=studio_id),
        "roles": [c for c in MemberRole.choices if c[0] != MemberRole.LEADER], "patent_kinds": PatentKind.choices,
        "patent_statuses": PatentStatus.choices, "award_levels": AwardLevel.choices,
        "review_items": services.REVIEW_ITEMS, "review_actions": [c for c in ReviewAction.choices if c[0] != "none"],
        "this_year": dt.date.today().year, "pass_score": services.REVIEW_PASS,
        "excellent_score": services.REVIEW_EXCELLENT,
        "map_config": _map_config(points=[selectors._point(studio)]),
    })


def _int_or_none(raw):
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() else None


def _date_or_none(raw):
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


@staff_page
@require_POST
def studio_action(request, studio_id: int, action: str):
    """The forms of the studio card: each posts here and comes back to the card with a message."""
    p = request.POST
    sid = {"studio_id": studio_id}
    if action == "member":
        call_with_message(request, services.member_add, _("已添加成员"), worker_id=p.get("worker", ""),
                          role=p.get("role", "member"), joined_on=_date_or_none(p.get("joined_on")), **sid)
    elif action == "remove-member":
        call_with_message(request, services.member_remove, _("已移除成员"), member_id=_int_or_none(p.get("member")),
                          **sid)
    elif action == "grant":
        call_with_message(request, services.grant_create, _("已拨付助推资金"), amount=p.get("amount", ""),
                          year=p.get("year", ""), purpose=p.get("purpose", ""), **sid)
    elif action == "spend":
        if p.get("spent_on") and _date_or_none(p.get("spent_on")) is None:
            messages.error(request, _("使用日期格式不正确"))
        else:
            call_with_message(request, services.grant_spend, _("已登记资金使用"),
                              grant_id=_int_or_none(p.get("grant")) or 0, amount=p.get("amount", ""),
                              purpose=p.get("purpose", ""), spent_on=_date_or_none(p.get("spent_on")))
    elif action == "patent":
        call_with_message(request, services.patent_add, _("已登记专利"), number=p.get("number", ""),
                          title=p.get("title", ""), kind=p.get("kind") or None,
                          status=p.get("status", "granted"), year=p.get("year") or None, **sid)
    elif action == "conversion":
        call_with_message(request, services.conversion_add, _("已登记成果转化"), title=p.get("title", ""),
                          partner=p.get("partner", ""), value=p.get("value", ""), year=p.get("year", ""),
                          patent_id=_int_or_none(p.get("patent")), **sid)
    elif action == "award":
        call_with_message(request, services.award_add, _("已登记获奖"), title=p.get("title", ""),
                          level=p.get("level", ""), year=p.get("year", ""), awarded_by=p.get("awarded_by", ""),
                          **sid)
    elif action == "review":
        scores = {key: p.get(f"score_{key}", "") for key, _, _ in services.REVIEW_ITEMS}
        call_with_message(request, services.review_record, _("已记录年度考核"), year=p.get("year", ""), scores=scores,
                          reason=p.get("reason", ""), action=p.get("action") or None, **sid)
    else:
        messages.error(request, _("未知操作"))
    return redirect("studios:studio_detail", studio_id=studio_id)


@staff_page
def studio_form(request):
    scope = require_staff(request.user)
    unions = visible_unions(request.user).order_by("path")[:500]
    error, values = None, request.POST if request.method == "POST" else None
    if request.method == "POST":
        p = request.POST
        try:
            studio = services.studio_create(
                request.user, name=p.get("name", ""), level=p.get("level", ""),
                union_id=_int_or_none(p.get("union")), address=p.get("address", ""), lat=p.get("lat", ""),
                lng=p.get("lng", ""), recognised_year=p.get("recognised_year", ""), field=p.get("field", "other"),
                leader_worker_id=_int_or_none(p.get("leader_worker")), leader_name=p.get("leader_name", ""),
                leader_title=p.get("leader_title", ""), region_code=p.get("region_code") or None,
                description=p.get("description", ""))
            messages.success(request, _("已命名“%(name)s”") % {"name": studio.name})
            return redirect("studios:studio_detail", studio_id=studio.pk)
        except DomainError as exc:  # shown on the form; the service wrote nothing
            error = exc
    return render(request, "studios/studio_form.html", {
        "scope": scope, "unions": unions, "error": error, "values": values, "levels": StudioLevel.choices,
        "fields": StudioField.choices, "districts": _districts(), "this_year": dt.date.today().year,
    }, status=error.status if error else 200)


@staff_page
def totals(request):
    scope = require_staff(request.user)
    return render(request, "studios/totals.html", {"scope": scope,
                                                   "totals": selectors.studio_totals(user=request.user)})


@worker_page
def worker_list(request):
    code = request.GET.get("district", "").strip()
    studios = selectors.studio_public_list(region_code=code or None, limit=200) if code else []
    return render(request, "studios/worker_list.html", {
        "districts": _districts(), "district": code, "studios": studios,
        "map_config": _map_config(publicUrl="/api/v1/studios/public", district=code,
                                  districts=_districts(), defaultDistrict="110111"),
    })
