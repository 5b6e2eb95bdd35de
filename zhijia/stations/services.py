"""Writes of the stations subsystem. Each public function is one use case in one transaction; scope and role are
checked inside through zhijia.orgs.selectors."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijia.accounts.models import Role
from zhijia.audit.services import audit_record
from zhijia.core import workcalendar
from zhijia.core.errors import Conflict, NotFound, ValidationFailed
from zhijia.core.i18n import listed
from zhijia.orgs.models import Union
from zhijia.orgs.selectors import in_scope, require_staff, scoped
from zhijia.stations import checkin_tokens, geo, hours
from zhijia.stations.models import (
    Amenity,
    CheckIn,
    FollowUp,
    FollowUpStatus,
    HostType,
    Inspection,
    SevenHave,
    Station,
    StationGrade,
    StationKind,
    StationStatus,
    amenity_mask,
)

EDITOR_ROLES = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF)
INSPECTOR_ROLES = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF)
_PHONE_RE = re.compile(r"^[0-9+\-() ]{5,32}$")
_FIELDS = ("code", "name", "kind", "grade", "host_type", "address", "lat", "lng", "opening_hours", "amenities",
           "photos", "contact_name", "contact_phone", "status")



def _choice(value, choices, field: str, label: str) -> str:
    if value not in choices.values:
        raise ValidationFailed.field(field, _("%(label)s“%(value)s”不在可选范围内：%(options)s")
                                     % {"label": label, "value": value, "options": listed(choices.values)})
    return value


def validate_amenities(codes, *, field: str = "amenities") -> list[str]:
    if codes is None:
        return []
    if not isinstance(codes, list | tuple):
        raise ValidationFailed.field(field, _("配备物品应为代码列表"))
    out = []
    for code in codes:
        if code not in Amenity.values:
            raise ValidationFailed.field(field, _("未知的配备物品代码“%(code)s”，可选：%(options)s")
                                         % {"code": code, "options": listed(Amenity.values)},
                                         code="unknown_amenity")
        if code not in out:
            out.append(code)
    return out


def _photos(photos) -> list[str]:
    if photos is None:
        return []
    if not isinstance(photos, list) or not all(isinstance(p, str) for p in photos):
        raise ValidationFailed.field("photos", _("照片应为地址列表"))
    for p in photos:
        if not (p.startswith("https://") or p.startswith(settings.MEDIA_URL)) or len(p) > 500:
            raise ValidationFailed.field("photos", _("照片地址“%(url)s”应以 https:// 或 %(media)s 开头")
                                         % {"url": p[:60], "media": settings.MEDIA_URL})
    return photos


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Validate the station fields present in `data`; coordinates come as a pair."""
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = (data["name"] or "").strip()
        if not out["name"]:
            raise ValidationFailed.field("name", _("请填写站点名称"))
    if "code" in data:
        out["code"] = (data["code"] or "").strip() or None
    if "kind" in data:
        out["kind"] = _choice(data["kind"], StationKind, "kind", _("站点类型"))
    if "grade" in data:
        out["grade"] = _choice(data["grade"] or "", StationGrade, "grade", _("等级"))
    if "host_type" in data:
        out["host_type"] = _choice(data["host_type"], HostType, "host_type", _("承载场所"))
    if "status" in data:
        out["status"] = _choice(data["status"], StationStatus, "status", _("状态"))
    if "address" in data:
        out["address"] = (data["address"] or "").strip()
        if not out["address"]:
            raise ValidationFailed.field("address", _("请填写地址"))
    if "lat" in data or "lng" in data:
        lat, lng = geo.validate_point(data.get("lat"), data.get("lng"))
        district = geo.district_code_at(lat, lng)
        if not district:
            raise ValidationFailed.field("lat", _("坐标（%(lat)s, %(lng)s）不在中国境内的陆地上")
                                         % {"lat": lat, "lng": lng}, code="outside_china")
        out.update(lat=lat, lng=lng, region_code=district)
        cells = geo.cells_of(lat, lng)
        out.update(cell_fine=cells[geo.FINE_RES], cell_coarse=cells[geo.COARSE_RES])
    if "opening_hours" in data:
        out["opening_hours"] = hours.validate_hours(data["opening_hours"])
    if "amenities" in data:
        out["amenities"] = validate_amenities(data["amenities"])
        out["amenity_mask"] = amenity_mask(out["amenities"])
    if "photos" in data:
        out["photos"] = _photos(data["photos"])
    for key in ("contact_name", "contact_phone"):
        if key in data:
            out[key] = (data[key] or "").strip()
    if out.get("contact_phone") and not _PHONE_RE.match(out["contact_phone"]):
        raise ValidationFailed.field("contact_phone", _("联系电话格式不正确"))
    return out


def _union_in_scope(actor, union_id: int) -> Union:
    union = scoped(Union.objects.all(), actor, via="").filter(pk=union_id).first()
    if union is None:
        raise ValidationFailed.field("union_id", _("所属工会不存在或不在管辖范围内"))
    return union


def _station_for_update(actor, station_id: int) -> Station:
    # Row lock: two editors of the same station apply their changes one after the other.
    station = scoped(Station.objects.select_for_update(), actor).filter(pk=station_id).first()
    if station is None:
        raise NotFound(_("站点不存在"))
    return station


def _save(station: Station, code_changed: bool) -> None:
    try:
        with transaction.atomic():
            station.save()
    except IntegrityError:
        if code_changed:
            raise Conflict(_("站点编号“%(code)s”已被使用") % {"code": station.code}, code="duplicate_code",
                           fields={"code": _("站点编号已被使用")})
        raise


@transaction.atomic
def station_create(actor, *, union_id: int, name: str, kind: str, address: str, lat: float, lng: float,
                   opening_hours: dict, amenities: list[str] | None = None, host_type: str = HostType.OTHER,
                   grade: str = "", code: str | None = None, photos: list[str] | None = None,
                   contact_name: str = "", contact_phone: str = "", status: str = StationStatus.OPEN) -> Station:
    require_staff(actor, roles=EDITOR_ROLES)
    union = _union_in_scope(actor, union_id)
    fields = _clean({"name": name, "kind": kind, "address": address, "lat": lat, "lng": lng,
                     "opening_hours": opening_hours, "amenities": amenities or [], "host_type": host_type,
                     "grade": grade, "code": code, "photos": photos or [], "contact_name": contact_name,
                     "contact_phone": contact_phone, "status": status})
    station = Station(union=union, created_by=actor, **fields)
    _save(station, code_changed=bool(station.code))
    audit_record(actor=actor, action="station.create", obj=station, union=union)
    return station


@transaction.atomic
def station_update(actor, *, station_id: int, union_id: int | None = None, **changes) -> Station:
    require_staff(actor, roles=EDITOR_ROLES)
    unknown = set(changes) - set(_FIELDS)
    if unknown:
        raise ValidationFailed.field(sorted(unknown)[0], _("不能修改此项"))
    station = _station_for_update(actor, station_id)
    if ("lat" in changes) != ("lng" in changes):
        changes.setdefault("lat", station.lat)
        changes.setdefault("lng", station.lng)
    fields = _clean(changes)
    if union_id is not None:
        station.union = _union_in_scope(actor, union_id)
    for key, value in fields.items():
        setattr(station, key, value)
    _save(station, code_changed="code" in fields)
    audit_record(actor=actor, action="station.update", obj=station, union=station.union,
                 detail={"fields": sorted(fields) + (["union"] if union_id is not None else [])})
    return station


@transaction.atomic
def station_qr_reissue(actor, *, station_id: int) -> Station:
    """Void every printed QR of the station; the next print carries the new version."""
    require_staff(actor, roles=EDITOR_ROLES)
    station = _station_for_update(actor, station_id)
    station.qr_version += 1
    station.save(update_fields=["qr_version", "updated_at"])
    audit_record(actor=actor, action="station.qr_reissue", obj=station, union=station.union)
    return station


# --- Bulk import from xlsx ---------------------------------------------------------------------------------------

IMPORT_COLUMNS = {
    "站点编号": "code", "名称": "name", "类型": "kind", "等级": "grade", "承载场所": "host_type", "地址": "address",
    "纬度": "lat", "经度": "lng", "开放时间": "opening_hours", "配备物品": "amenities", "联系人": "contact_name",
    "联系电话": "contact_phone", "状态": "status",
}
REQUIRED_COLUMNS = ("站点编号", "名称", "类型", "地址", "纬度", "经度", "开放时间")
_LABEL_TO_CODE = {
    "kind": {label: value for value, label in StationKind.choices},
    "grade": {label: value for value, label in StationGrade.choices if value},
    "host_type": {label: value for value, label in HostType.choices},
    "status": {label: value for value, label in StationStatus.choices},
    "amenities": {label: value for value, label in Amenity.choices},
}


def _read_rows(content: bytes) -> list[list]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:  # noqa: BLE001 - any unreadable upload is the same answer to the user
        raise ValidationFailed.field("file", _("无法读取文件，请上传 .xlsx 格式的表格"))


def _row_fields(raw: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for header, key in IMPORT_COLUMNS.items():
        if header not in raw:
            continue
        value = raw[header]
        if isinstance(value, float) and value.is_integer() and key in ("code", "contact_phone"):
            value = str(int(value))
        value = "" if value is None else value
        if key in ("kind", "grade", "host_type", "status"):
            value = _LABEL_TO_CODE[key].get(str(value).strip(), str(value).strip())
        elif key == "amenities":
            parts = [p.strip() for p in re.split(r"[,，、;；\s]+", str(value)) if p.strip()]
            value = [_LABEL_TO_CODE["amenities"].get(p, p) for p in parts]
        elif key == "opening_hours":
            value = hours.parse_text(str(value))
        elif key not in ("lat", "lng"):
            value = str(value).strip()
        data[key] = value
    if not data.get("status"):
        data["status"] = StationStatus.OPEN
    return data


def station_import(actor, *, union_id: int, content: bytes, dry_run: bool = False) -> dict:
    """Import stations from the first sheet of an xlsx, one row per station, keyed by 站点编号.

    Every row is checked and reported ({row, ok, action, fields}); a bad row never blocks the good ones. A code
    already in the caller's scope updates that station (so importing the same file twice writes nothing new); a
    code used by a station outside the scope is refused. With `dry_run` nothing is written (the preview).
    """
    require_staff(actor, roles=EDITOR_ROLES)
    union = _union_in_scope(actor, union_id)
    rows = _read_rows(content)
    if not rows:
        raise ValidationFailed.field("file", _("表格是空的"))
    headers = [str(h).strip() for h in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        raise ValidationFailed.field("file", _("缺少列：%(columns)s") % {"columns": listed(missing)})
    report: list[dict] = []
    seen: dict[str, int] = {}
    for number, values in enumerate(rows[1:], start=2):
        if all(v in ("", None) for v in values):
            continue
        raw = dict(zip(headers, values, strict=False))
        entry: dict[str, Any] = {"row": number, "code": str(raw.get("站点编号") or ""), "ok": False, "fields": {}}
        report.append(entry)
        try:
            data = _row_fields(raw)
            if not data.get("code"):
                raise ValidationFailed.field("code", _("请填写站点编号"))
            if data["code"] in seen:
                raise ValidationFailed.field("code", _("与第%(row)s行站点编号重复") % {"row": seen[data["code"]]})
            seen[data["code"]] = number
            entry["action"] = _import_one(actor, union, data, dry_run=dry_run)
            entry["ok"] = True
        except ValidationFailed as exc:
            entry["fields"] = exc.fields or {"row": exc.message}
        except (Conflict, NotFound) as exc:
            entry["fields"] = exc.fields or {"code": exc.message}
    ok = sum(1 for e in report if e["ok"])
    if not dry_run and ok:
        audit_record(actor=actor, action="station.import", union=union, object_type="stations.station",
                     detail={"rows": len(report), "ok": ok})
    return {"rows": len(report), "ok": ok, "failed": len(report) - ok, "dry_run": dry_run, "report": report}


def _import_one(actor, union: Union, data: dict, *, dry_run: bool) -> str:
    existing = Station.objects.filter(code=data["code"]).select_related("union").first()
    if existing is not None and not in_scope(actor, existing.union):
        raise Conflict(_("站点编号已被管辖范围外的站点使用"), fields={"code": _("站点编号已被其他单位使用")})
    if dry_run:
        _clean(data)
        return "update" if existing else "create"
    with transaction.atomic():
        if existing is not None:
            station_update(actor, station_id=existing.pk, **data)
            return "update"
        station_create(actor, union_id=union.pk, **data)
        return "create"


# --- 七有 inspections and follow-ups -------------------------------------------------------------------------------


@transaction.atomic
def inspection_record(actor, *, station_id: int, inspected_on: dt.date, items: dict, note: str = "",
                      photos: list[str] | None = None) -> Inspection:
    """Record a 七有 inspection. Any item under the pass score fails it and opens a follow-up whose deadline is
    STATIONS_FOLLOWUP_WORKDAYS working days later; a station has at most one open follow-up (a new failure while
    one is open is added to that one)."""
    require_staff(actor, roles=INSPECTOR_ROLES)
    station = _station_for_update(actor, station_id)
    today = timezone.localdate()
    if inspected_on > today:
        raise ValidationFailed.field("inspected_on", _("检查日期不能晚于今天"))
    if not isinstance(items, dict):
        raise ValidationFailed.field("items", _("检查项格式不正确"))
    clean_items = {}
    for key in SevenHave.values:
        item = items.get(key)
        if not isinstance(item, dict) or "score" not in item:
            raise ValidationFailed.field(f"items.{key}", _("请为“%(item)s”打分（0-10）")
                                         % {"item": _(SevenHave(key).label)})
        score = item["score"]
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
            raise ValidationFailed.field(f"items.{key}", _("“%(item)s”的分数应为0到10的整数")
                                         % {"item": _(SevenHave(key).label)})
        clean_items[key] = {"score": score, "note": str(item.get("note") or "")[:500]}
    extra = set(items) - set(SevenHave.values)
    if extra:
        raise ValidationFailed.field(f"items.{sorted(extra)[0]}", _("不是七有检查项"))
    pass_score = settings.STATIONS_INSPECTION_PASS_SCORE
    failed = [k for k, v in clean_items.items() if v["score"] < pass_score]
    inspection = Inspection.objects.create(
        station=station, inspector=actor, inspected_on=inspected_on, items=clean_items,
        total_score=sum(v["score"] for v in clean_items.values()), passed=not failed, note=note.strip(),
        photos=_photos(photos or []))
    if failed:
        open_one = FollowUp.objects.filter(station=station, status=FollowUpStatus.OPEN).first()
        deadline = workcalendar.add_workdays(today, settings.STATIONS_FOLLOWUP_WORKDAYS)
        if open_one is None:
            FollowUp.objects.create(station=station, inspection=inspection, failed_items=failed, deadline=deadline)
        else:
            open_one.failed_items = sorted(set(open_one.failed_items) | set(failed), key=SevenHave.values.index)
            open_one.save(update_fields=["failed_items"])
    audit_record(actor=actor, action="station.inspect", obj=station, union=station.union,
                 detail={"inspection": inspection.pk, "passed": not failed, "failed": failed})
    return inspection


@transaction.atomic
def follow_up_resolve(actor, *, follow_up_id: int, resolution: str) -> FollowUp:
    require_staff(actor, roles=EDITOR_ROLES)
    # Row lock: two people closing the same follow-up cannot both record a resolution.
    follow_up = scoped(FollowUp.objects.select_for_update(), actor, via="station__union").filter(
        pk=follow_up_id).first()
    if follow_up is None:
        raise NotFound(_("整改记录不存在"))
    if follow_up.status != FollowUpStatus.OPEN:
        raise Conflict(_("该整改已完成"), code="already_resolved")
    if not resolution.strip():
        raise ValidationFailed.field("resolution", _("请填写整改情况"))
    follow_up.status = FollowUpStatus.RESOLVED
    follow_up.resolution = resolution.strip()
    follow_up.resolved_by = actor
    follow_up.resolved_at = timezone.now()
    follow_up.save()
    audit_record(actor=actor, action="station.resolve", obj=follow_up.station,
                 union=follow_up.station.union, detail={"follow_up": follow_up.pk})
    return follow_up


# --- Check-ins ------------------------------------------------------------------------------------------------------

SLOT_SECONDS = 30 * 60


@transaction.atomic
def check_in_record(actor, *, token: str, at: dt.datetime | None = None) -> tuple[CheckIn, bool]:
    """A worker scans a station's QR: one visit per worker, station and half hour.

    Concurrency: the unique constraint (station, user, slot) decides between racing scans; the loser reads the
    winner's row, so both callers see the same single visit. Returns (check-in, created).
    """
    if not getattr(actor, "is_authenticated", False):
        raise ValidationFailed.field("token", _("请先登录再签到"))
    station_id, version = checkin_tokens.token_read(token)
    station = Station.objects.filter(pk=station_id).first()
    if station is None or station.qr_version != version:
        raise ValidationFailed.field("token", _("该签到码已失效，请扫描站点最新张贴的签到码"), code="stale_token")
    if station.status != StationStatus.OPEN:
        raise ValidationFailed.field("token", _("该站点暂停服务，无法签到"), code="station_not_open")
    at = at or timezone.now()
    local = at.astimezone(hours.SHANGHAI)
    slot = int(at.timestamp()) // SLOT_SECONDS
    try:
        with transaction.atomic():
            check_in = CheckIn.objects.create(station=station, user=actor, at=at, day=local.date(), hour=local.hour,
                                              slot=slot)
        return check_in, True
    except IntegrityError:
        return CheckIn.objects.get(station=station, user=actor, slot=slot), False
