"""Service stations (服务阵地): the registry, 七有 inspections with their follow-ups, and check-ins.

A station's coordinates are WGS-84 (lat, lng); GCJ-02 is computed when a Chinese base map or navigation app needs
it (geo.to_gcj02). The spatial index is two H3 cells per station (`cell_fine`, `cell_coarse`), written by the
services whenever the coordinates change. Amenities are kept twice: the list of codes people read, and a bit mask
the nearest search filters on in SQL on any database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop


# Choice labels are marked with gettext_noop, not gettext_lazy: they stay plain Chinese strings here (the API, the
# exports and the Excel import's label-to-code mapping read them as they are); the pages translate them on display.
class StationKind(models.TextChoices):
    WORKERS_HOME = "workers_home", gettext_noop("职工之家")
    WARM_STATION = "warm_station", gettext_noop("职工暖心驿站")
    OUTDOOR_STATION = "outdoor_station", gettext_noop("户外劳动者服务站")
    MIND_STATION = "mind_station", gettext_noop("职工心灵驿站")
    READING_ROOM = "reading_room", gettext_noop("职工书屋")
    GYM = "gym", gettext_noop("职工健身室")
    COURIERS_HOME = "couriers_home", gettext_noop("投递员之家")


class StationGrade(models.TextChoices):
    NONE = "", gettext_noop("—")
    MODEL = "model", gettext_noop("模范职工之家")
    ENTERPRISE = "enterprise", gettext_noop("企业职工之家")


class HostType(models.TextChoices):
    COMMUNITY_CENTRE = "community_centre", gettext_noop("党群服务中心")
    ENTERPRISE = "enterprise", gettext_noop("企业")
    PETROL_STATION = "petrol_station", gettext_noop("加油站")
    DELIVERY_POINT = "delivery_point", gettext_noop("快递网点")
    BOOKSHOP = "bookshop", gettext_noop("书店")
    BARBER = "barber", gettext_noop("理发店")
    SUPERMARKET = "supermarket", gettext_noop("超市")
    BANK = "bank", gettext_noop("银行网点")
    PUBLIC_SPACE = "public_space", gettext_noop("公共场所")
    OTHER = "other", gettext_noop("其他")


class StationStatus(models.TextChoices):
    OPEN = "open", gettext_noop("开放")
    SUSPENDED = "suspended", gettext_noop("暂停")
    CLOSED = "closed", gettext_noop("关闭")


class Amenity(models.TextChoices):
    """配备物品. The order is the bit order of `Station.amenity_mask`: append, never reorder."""

    DRINKING_WATER = "drinking_water", gettext_noop("直饮水")
    MICROWAVE = "microwave", gettext_noop("微波炉")
    FIRST_AID_KIT = "first_aid_kit", gettext_noop("医用应急箱")
    TYRE_PUMP = "tyre_pump", gettext_noop("打气筒")
    CHARGER = "charger", gettext_noop("充电器")
    SEATS = "seats", gettext_noop("休憩座椅")
    TOILET = "toilet", gettext_noop("卫生间")
    WIFI = "wifi", gettext_noop("无线网络")


AMENITY_BITS = {code: 1 << i for i, code in enumerate(Amenity.values)}


def amenity_mask(codes) -> int:
    mask = 0
    for code in codes:
        mask |= AMENITY_BITS[code]
    return mask


class Station(models.Model):
    code = models.CharField("站点编号", max_length=32, null=True, blank=True, unique=True)
    name = models.CharField("名称", max_length=120)
    kind = models.CharField("类型", max_length=24, choices=StationKind.choices)
    grade = models.CharField("等级", max_length=16, choices=StationGrade.choices, blank=True, default="")
    host_type = models.CharField("承载场所", max_length=24, choices=HostType.choices, default=HostType.OTHER)
    union = models.ForeignKey("orgs.Union", verbose_name="所属工会", on_delete=models.PROTECT, related_name="stations")
    address = models.CharField("地址", max_length=200)
    region_code = models.CharField("所在区", max_length=12, blank=True, db_index=True)
    lat = models.FloatField("纬度(WGS-84)")
    lng = models.FloatField("经度(WGS-84)")
    cell_fine = models.BigIntegerField(editable=False)
    cell_coarse = models.BigIntegerField(editable=False)
    opening_hours = models.JSONField("开放时间")
    amenities = models.JSONField("配备物品", default=list)
    amenity_mask = models.PositiveIntegerField(default=0, editable=False)
    photos = models.JSONField("照片", default=list, blank=True)
    contact_name = models.CharField("联系人", max_length=60, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    status = models.CharField("状态", max_length=16, choices=StationStatus.choices, default=StationStatus.OPEN)
    # Bumped to void every printed QR of the station (reprint after a sign is stolen or copied).
    qr_version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "服务站点"
        verbose_name_plural = "服务站点"
        indexes = [
            models.Index(fields=["cell_fine"], name="station_cell_fine"),
            models.Index(fields=["cell_coarse"], name="station_cell_coarse"),
            models.Index(fields=["union", "kind"], name="station_union_kind"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                                   name="station_coordinates_range"),
        ]

    def __str__(self) -> str:
        return self.name


class SevenHave(models.TextChoices):
    """七有: the seven things a station must have."""

    SITE = "site", gettext_noop("有场地")
    SIGN = "sign", gettext_noop("有标识")
    FACILITIES = "facilities", gettext_noop("有设施")
    PUBLICITY = "publicity", gettext_noop("有宣传")
    SERVICES = "services", gettext_noop("有服务")
    RULES = "rules", gettext_noop("有制度")
    RESULTS = "results", gettext_noop("有成效")


class Inspection(models.Model):
    """A 七有 inspection: a score of 0-10 and a note per item; it passes when every item reaches the pass score."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="inspections")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inspected_on = models.DateField("检查日期")
    items = models.JSONField("检查项")  # {"site": {"score": 8, "note": ""}, ...}, all seven
    total_score = models.PositiveSmallIntegerField("总分")
    passed = models.BooleanField("是否达标")
    note = models.TextField("检查意见", blank=True)
    photos = models.JSONField("照片", default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "七有检查"
        ordering = ["-inspected_on", "-id"]


class FollowUpStatus(models.TextChoices):
    OPEN = "open", gettext_noop("整改中")
    RESOLVED = "resolved", gettext_noop("已整改")


class FollowUp(models.Model):
    """整改: opened by a failed inspection, with a deadline in working days; one open per station at a time."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="follow_ups")
    inspection = models.OneToOneField(Inspection, on_delete=models.CASCADE, related_name="follow_up")
    failed_items = models.JSONField("未达标项")
    deadline = models.DateField("整改期限")
    status = models.CharField("状态", max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    resolution = models.TextField("整改情况", blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "整改"
        ordering = ["deadline", "id"]


class CheckIn(models.Model):
    """A worker's visit, recorded by scanning the station's signed QR at the door.

    `slot` is the half-hour the scan fell in: one visit per worker, station and slot (a unique constraint), so
    scanning twice, or two taps racing each other, counts once.
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="check_ins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="station_check_ins")
    at = models.DateTimeField()
    day = models.DateField("日期(北京时间)")
    hour = models.PositiveSmallIntegerField("时(北京时间)")
    slot = models.BigIntegerField()

    class Meta:
        verbose_name = "签到"
        constraints = [models.UniqueConstraint(fields=["station", "user", "slot"], name="checkin_once_per_slot")]
        indexes = [models.Index(fields=["station", "day"], name="checkin_station_day")]
