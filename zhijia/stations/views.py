"""Pages: the workers' map and check-in, the staff console's registry, station card, inspections and coverage.
Thin: they parse, call a service or selector, and render."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from zhijia.core.errors import ValidationFailed
from zhijia.core.views_support import staff_page, worker_page
from zhijia.orgs.selectors import require_staff, visible_unions
from zhijia.stations import checkin_tokens, exports, geo, hours, selectors, services
from zhijia.stations.models import (
    Amenity,
    FollowUpStatus,
    HostType,
    SevenHave,
    StationGrade,
    StationKind,
    StationStatus,
)


def _translated(choices) -> list[tuple[str, str]]:
    """Choices with their labels in the request's language (the models mark them with gettext_noop)."""
    return [(value, gettext(label)) for value, label in choices]


def _districts():
    return [{"code": code, "name": name, "lat": lat, "lng": lng}
            for code, (name, lat, lng) in geo.DISTRICT_CENTRES.items()]


@worker_page
def worker_map(request):
    return render(request, "stations/worker_map.html", {
        "kinds": _translated(StationKind.choices), "amenities": _translated(Amenity.choices),
        "districts": _districts(),
        "map_config": {"tileUrl": settings.MAP_TILE_URL, "tileCoords": settings.MAP_TILE_COORDS,
                       "nearestUrl": "/api/v1/stations/nearest",
                       "amenityLabels": dict(_translated(Amenity.choices)), "districts": _districts(),
                       "defaultDistrict": "110111"},
    })


@worker_page
def worker_checkin(request):
    token = request.POST.get("t") or request.GET.get("t", "")
    context = {"token": token}
    try:
        station_id, _ = checkin_tokens.token_read(token)
        context["station"] = selectors.station_public_get(station_id=station_id)
        if request.method == "POST":
            check_in, created = services.check_in_record(request.user, token=token)
            context.update(check_in=check_in, created=created)
    except ValidationFailed as exc:
        context["error"] = exc.message
    return render(request, "stations/worker_checkin.html", context, status=400 if "error" in context else 200)


@staff_page
def station_list(request):
    scope = require_staff(request.user)
    f = {k: request.GET.get(k, "").strip() for k in ("kind", "status", "q", "region_code")}
    qs = selectors.station_list(user=request.user, kind=f["kind"] or None, status=f["status"] or None,
                                q=f["q"] or None, region_code=f["region_code"] or None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    selectors.with_open_now(page.object_list)
    return render(request, "stations/station_list.html", {
        "scope": scope, "page": page, "f": f, "kinds": _translated(StationKind.choices),
        "statuses": _translated(StationStatus.choices),
        "total": qs.count(), "query": _without_page(request.GET), "base_query": _without_page(request.GET),
        "overdue": selectors.follow_up_list(user=request.user, overdue=True).count(),
    })


def _without_page(params) -> str:
    params = params.copy()
    params.pop("page", None)
    return params.urlencode()


@staff_page
def station_detail(request, station_id: int):
    station = selectors.station_get(user=request.user, station_id=station_id)
    selectors.with_open_now([station])
    visits = selectors.visits_by_day(user=request.user, station_id=station_id, days=30)
    by_hour = selectors.busiest_hours(user=request.user, station_id=station_id)
    peak_day = max((v["visits"] for v in visits), default=0) or 1
    peak_hour = max((v["visits"] for v in by_hour), default=0) or 1
    glat, glng = geo.to_gcj02(station.lat, station.lng)
    labels = dict(_translated(SevenHave.choices))
    amenity_labels = dict(_translated(Amenity.choices))
    inspections = list(selectors.inspection_list(user=request.user, station_id=station_id)[:20])
    for i in inspections:
        i.item_rows = [(labels[k], v["score"]) for k, v in i.items.items()]
    follow_ups = list(station.follow_ups.order_by("-created_at")[:10])
    for fu in follow_ups:
        fu.failed_labels = [labels.get(k, k) for k in fu.failed_items]
    return render(request, "stations/station_detail.html", {
        "station": station, "hours_text": hours.describe(station.opening_hours),
        "amenity_labels": [amenity_labels.get(a, a) for a in station.amenities],
        "gcj02": (round(glat, 6), round(glng, 6)),
        "inspections": inspections,
        "follow_ups": follow_ups,
        "visits": [dict(v, pct=round(100 * v["visits"] / peak_day)) for v in visits],
        "hours": [dict(v, pct=round(100 * v["visits"] / peak_hour)) for v in by_hour],
        "total_visits": sum(v["visits"] for v in visits),
        "seven": _translated(SevenHave.choices), "today": timezone.localdate(),
        "pass_score": settings.STATIONS_INSPECTION_PASS_SCORE,
    })


@staff_page
def station_qr_print(request, station_id: int):
    station = selectors.station_get(user=request.user, station_id=station_id)
    svg = exports.qr_svg(request, station).decode()
    return render(request, "stations/station_qr.html", {"station": station, "svg": svg})


def _form_data(post) -> dict:
    data = {k: post.get(k, "").strip() for k in ("code", "name", "kind", "grade", "host_type", "address", "lat",
                                                  "lng", "contact_name", "contact_phone", "status")}
    data["amenities"] = post.getlist("amenities")
    data["opening_hours"] = hours.parse_text(post.get("hours_text", ""))
    return data


@staff_page
def station_form(request, station_id: int | None = None):
    station = selectors.station_get(user=request.user, station_id=station_id) if station_id else None
    unions = visible_unions(request.user).order_by("path")[:500]
    error = None
    values = request.POST if request.method == "POST" else None
    if request.method == "POST":
        try:
            data = _form_data(request.POST)
            union_id = int(request.POST.get("union_id") or 0)
            if station is None:
                station = services.station_create(request.user, union_id=union_id, **data)
            else:
                station = services.station_update(request.user, station_id=station.pk, union_id=union_id, **data)
            messages.success(request, gettext("已保存站点“%(name)s”") % {"name": station.name})
            return redirect("stations:station_detail", station_id=station.pk)
        except ValidationFailed as exc:
            error = exc
    return render(request, "stations/station_form.html", {
        "station": station, "unions": unions, "error": error, "values": values,
        "hours_text": _hours_text(station.opening_hours) if station else "周一至周日 08:00-20:00",
        "kinds": _translated(StationKind.choices), "grades": _translated(StationGrade.choices),
        "hosts": _translated(HostType.choices), "statuses": _translated(StationStatus.choices),
        "amenities": _translated(Amenity.choices),
    }, status=400 if error else 200)


def _hours_text(opening_hours: dict) -> str:
    if opening_hours.get("always"):
        return "24小时"
    parts = []
    for day, label in hours.WEEKDAY_LABELS.items():
        intervals = opening_hours["weekly"].get(day) or []
        if intervals:
            text = ",".join(f"{s}-{'次日' + e[:-2] if e.endswith('+1') else e}" for s, e in intervals)
            parts.append(f"{label} {text}")
    rule = opening_hours.get("public_holiday")
    if rule == "closed":
        parts.append("节假日 休息")
    elif isinstance(rule, list):
        parts.append("节假日 " + ",".join(f"{s}-{e}" for s, e in rule))
    return "；".join(parts)


@staff_page
@require_POST
def inspection_new(request, station_id: int):
    items = {}
    for key, _label in SevenHave.choices:
        raw = request.POST.get(f"score_{key}", "")
        items[key] = {"score": int(raw) if raw.isdigit() else raw, "note": request.POST.get(f"note_{key}", "")}
    try:
        day = dt.date.fromisoformat(request.POST.get("inspected_on", ""))
    except ValueError:
        messages.error(request, gettext("检查日期格式不正确"))
        return redirect("stations:station_detail", station_id=station_id)
    try:
        inspection = services.inspection_record(request.user, station_id=station_id, inspected_on=day, items=items,
                                                note=request.POST.get("note", ""))
        if inspection.passed:
            messages.success(request, gettext("七有检查已记录：达标，总分%(score)s")
                             % {"score": inspection.total_score})
        else:
            messages.warning(request, gettext("七有检查已记录：未达标，总分%(score)s，已生成整改")
                             % {"score": inspection.total_score})
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    return redirect("stations:station_detail", station_id=station_id)


@staff_page
def follow_ups(request):
    status = request.GET.get("status", "open")
    qs = selectors.follow_up_list(user=request.user, status=status or None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "stations/follow_ups.html", {
        "page": page, "status": status, "statuses": _translated(FollowUpStatus.choices), "today": timezone.localdate(),
        "labels": dict(_translated(SevenHave.choices))})


@staff_page
@require_POST
def follow_up_resolve(request, follow_up_id: int):
    try:
        follow_up = services.follow_up_resolve(request.user, follow_up_id=follow_up_id,
                                               resolution=request.POST.get("resolution", ""))
        messages.success(request, gettext("整改已完成"))
        target = follow_up.station_id
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        target = int(request.POST.get("station_id") or 0)
    if target:
        return redirect("stations:station_detail", station_id=target)
    return redirect("stations:follow_ups")


@staff_page
def coverage(request):
    reach_raw = request.GET.get("reach_m", "")
    reach = float(reach_raw) if reach_raw.replace(".", "", 1).isdigit() else None
    result = selectors.coverage_gaps(user=request.user, reach_m=reach, limit=100)
    heat = selectors.visit_heat(user=request.user)[:2000]
    stations = list(selectors.station_list(user=request.user, status=StationStatus.OPEN)
                    .values("id", "name", "lat", "lng")[:5000])
    return render(request, "stations/coverage.html", {
        "result": result, "reach": int(result["reach_m"]),
        "coverage_config": {"tileUrl": settings.MAP_TILE_URL, "gaps": result["gaps"], "heat": heat,
                            "stations": stations, "reach": result["reach_m"]},
    })



