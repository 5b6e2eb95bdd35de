"""Files out of the stations subsystem: GeoJSON and xlsx of stations, the coverage-gap table, the printable QR."""

from __future__ import annotations

import io
import json

import segno
from django.http import HttpResponse
from django.urls import reverse
from openpyxl import Workbook

from zhijia.stations import checkin_tokens, geo, hours
from zhijia.stations.models import Amenity, Station

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_AMENITY_LABELS = dict(Amenity.choices)


def _props(s: Station) -> dict:
    return {"id": s.pk, "code": s.code, "name": s.name, "kind": s.kind, "kind_label": s.get_kind_display(),
            "host_type": s.host_type, "union": s.union.name, "address": s.address, "region_code": s.region_code,
            "amenities": s.amenities, "opening_hours": s.opening_hours, "hours_text": hours.describe(s.opening_hours),
            "contact_phone": s.contact_phone}


def geojson_bytes(stations) -> bytes:
    """A FeatureCollection in WGS-84 (RFC 7946: [lng, lat])."""
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [s.lng, s.lat]},
                 "properties": _props(s)} for s in stations.iterator(chunk_size=2000)]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def stations_xlsx(stations) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("站点")
    sheet.append(["站点编号", "名称", "类型", "等级", "承载场所", "所属工会", "地址", "纬度", "经度", "纬度(GCJ-02)",
                  "经度(GCJ-02)", "开放时间", "配备物品", "联系人", "联系电话", "状态"])
    for s in stations.iterator(chunk_size=2000):
        glat, glng = geo.to_gcj02(s.lat, s.lng)
        sheet.append([s.code or "", s.name, s.get_kind_display(), s.get_grade_display() if s.grade else "",
                      s.get_host_type_display(), s.union.name, s.address, s.lat, s.lng, round(glat, 6),
                      round(glng, 6), "；".join(hours.describe(s.opening_hours)),
                      "、".join(_AMENITY_LABELS.get(a, a) for a in s.amenities), s.contact_name, s.contact_phone,
                      s.get_status_display()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def gaps_xlsx(result: dict) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("覆盖缺口")
    sheet.append([f"步行可达距离 {result['reach_m']:.0f} 米；网格 H3 第{result['resolution']}级"])
    sheet.append(["排名", "网格", "中心纬度", "中心经度", "职工人数", "所在区代码"])
    for rank, gap in enumerate(result["gaps"], start=1):
        sheet.append([rank, gap["cell"], gap["lat"], gap["lng"], gap["workers"], gap["district_code"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def checkin_url(request, station: Station) -> str:
    token = checkin_tokens.token_for(station.pk, station.qr_version)
    return request.build_absolute_uri(reverse("stations:worker_checkin") + f"?t={token}")


def qr_svg(request, station: Station) -> bytes:
    out = io.BytesIO()
    segno.make(checkin_url(request, station), error="m").save(out, kind="svg", scale=8, border=2)
    return out.getvalue()
