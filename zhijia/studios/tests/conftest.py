"""Fixtures for the studios tests: a municipal admin, staff of two sibling districts, members, and a studio maker
that goes through the real service."""

from __future__ import annotations

import itertools

import pytest

from zhijia.studios import services

FANGSHAN = (39.7353, 116.1392)
HAIDIAN = (39.9593, 116.2981)
_names = itertools.count(1)


@pytest.fixture
def admin(city, make_staff):
    return make_staff("sd_admin", city.root, role="municipal_admin")


@pytest.fixture
def fangshan_staff(city, make_staff):
    return make_staff("sd_fs", city.fangshan)


@pytest.fixture
def haidian_staff(city, make_staff):
    return make_staff("sd_hd", city.haidian)


@pytest.fixture
def fangshan_worker(city, make_worker_user):
    """An admitted member of 城关街道 (房山)."""
    return make_worker_user(11, union=city.chengguan).worker


@pytest.fixture
def make_studio(city):
    def make(actor, *, union=None, level="district", lat=None, lng=None, region_code=None, **kw):
        union = union or city.fangshan
        point = FANGSHAN if union.region_code.startswith("110111") else HAIDIAN
        fields = {"name": f"测试创新工作室{next(_names)}", "address": "北京市房山区良乡创新路1号",
                  "recognised_year": 2020, "field": "manufacturing", "leader_name": "张师傅",
                  "leader_title": "北京市劳动模范"}
        fields.update(kw)
        return services.studio_create(actor, union_id=union.pk, level=level, lat=lat or point[0],
                                      lng=lng or point[1], region_code=region_code or union.region_code[:6],
                                      **fields)

    return make
