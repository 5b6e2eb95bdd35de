"""Fixtures for the stations tests: staff of two sibling districts and a station maker going through the service."""

from __future__ import annotations

import itertools

import pytest

from zhijia.stations import services

OFFICE = {"weekly": {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
          "public_holiday": "closed"}
ALWAYS = {"always": True}
# 房山 (良乡) and 海淀 (中关村), WGS-84.
FANGSHAN = (39.7353, 116.1392)
HAIDIAN = (39.9593, 116.2981)

_codes = itertools.count(1)


@pytest.fixture
def fangshan_staff(city, make_staff):
    return make_staff("fs_staff", city.fangshan)


@pytest.fixture
def haidian_staff(city, make_staff):
    return make_staff("hd_staff", city.haidian)


@pytest.fixture
def make_station(city):
    def make(actor, *, lat=FANGSHAN[0], lng=FANGSHAN[1], union=None, **kw):
        fields = {"name": f"测试驿站{next(_codes)}", "kind": "warm_station", "address": "北京市房山区良乡",
                  "opening_hours": ALWAYS, "amenities": ["drinking_water", "charger"]}
        fields.update(kw)
        return services.station_create(actor, union_id=(union or actor.union).pk, lat=lat, lng=lng, **fields)

    return make
