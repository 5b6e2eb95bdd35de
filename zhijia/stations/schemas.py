from __future__ import annotations

import datetime as dt

from ninja import Schema

from zhijia.stations import geo, hours


class StationIn(Schema):
    union_id: int
    name: str
    kind: str
    address: str
    lat: float
    lng: float
    opening_hours: dict
    amenities: list[str] = []
    host_type: str = "other"
    grade: str = ""
    code: str | None = None
    photos: list[str] = []
    contact_name: str = ""
    contact_phone: str = ""
    status: str = "open"


class StationPatch(Schema):
    union_id: int | None = None
    name: str | None = None
    kind: str | None = None
    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    opening_hours: dict | None = None
    amenities: list[str] | None = None
    host_type: str | None = None
    grade: str | None = None
    code: str | None = None
    photos: list[str] | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    status: str | None = None


class StationOut(Schema):
    id: int
    code: str | None
    name: str
    kind: str
    kind_label: str
    grade: str
    host_type: str
    union_id: int
    union_name: str
    address: str
    region_code: str
    lat: float
    lng: float
    gcj02: list[float]
    amenities: list[str]
    opening_hours: dict
    hours_text: list[str]
    open_now: bool
    status: str
    photos: list[str]
    contact_name: str
    contact_phone: str

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_union_name(obj):
        return obj.union.name

    @staticmethod
    def resolve_gcj02(obj):
        return [round(v, 6) for v in geo.to_gcj02(obj.lat, obj.lng)]

    @staticmethod
    def resolve_hours_text(obj):
        return hours.describe(obj.opening_hours)

    @staticmethod
    def resolve_open_now(obj):
        if hasattr(obj, "open_now"):
            return obj.open_now
        from django.utils import timezone

        return obj.status == "open" and hours.is_open(obj.opening_hours, timezone.now())


class NearestOut(StationOut):
    distance_m: float


class InspectionItemIn(Schema):
    score: int
    note: str = ""


class InspectionIn(Schema):
    inspected_on: dt.date
    items: dict
    note: str = ""
    photos: list[str] = []


class FollowUpOut(Schema):
    id: int
    station_id: int
    station_name: str
    failed_items: list[str]
    deadline: dt.date
    status: str
    overdue: bool
    resolution: str

    @staticmethod
    def resolve_station_name(obj):
        return obj.station.name

    @staticmethod
    def resolve_overdue(obj):
        from django.utils import timezone

        return obj.status == "open" and obj.deadline < timezone.localdate()


class InspectionOut(Schema):
    id: int
    station_id: int
    inspected_on: dt.date
    items: dict
    total_score: int
    passed: bool
    note: str
    photos: list[str]
    follow_up_id: int | None = None

    @staticmethod
    def resolve_follow_up_id(obj):
        follow_up = getattr(obj, "follow_up", None) if hasattr(obj, "follow_up") else None
        return follow_up.pk if follow_up else None


class ResolveIn(Schema):
    resolution: str


class CheckInIn(Schema):
    token: str


class CheckInOut(Schema):
    id: int
    station_id: int
    station_name: str
    at: dt.datetime
    created: bool


class ImportIn(Schema):
    union_id: int
    dry_run: bool = False
