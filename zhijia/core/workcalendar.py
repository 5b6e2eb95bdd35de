"""Working days on the Chinese calendar: public holidays and make-up working days (调休).

The `chinesecalendar` package carries the State Council's holiday arrangements year by year. For a year it does not
cover yet (the arrangement is published each November or December), we fall back to Monday–Friday and say so in
`calendar_covers(date)`, so a caller can show that a deadline is provisional. Extra days off or on can be given in
settings (ZHIJIA_EXTRA_HOLIDAYS / ZHIJIA_EXTRA_WORKDAYS, ISO dates, comma separated) when the package lags.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar
from django.utils.translation import gettext


@lru_cache(maxsize=1)
def _overrides() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    def parse(name: str) -> frozenset[dt.date]:
        raw = os.environ.get(name, "")
        return frozenset(dt.date.fromisoformat(p.strip()) for p in raw.split(",") if p.strip())

    return parse("ZHIJIA_EXTRA_HOLIDAYS"), parse("ZHIJIA_EXTRA_WORKDAYS")


def calendar_covers(day: dt.date) -> bool:
    """True when the holiday arrangement of `day`'s year is known (not the weekday fallback)."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=4096)
def is_workday(day: dt.date) -> bool:
    holidays, workdays = _overrides()
    if day in holidays:
        return False
    if day in workdays:
        return True
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def is_public_holiday(day: dt.date) -> bool:
    """A statutory holiday (not an ordinary weekend)."""
    holidays, _ = _overrides()
    if day in holidays:
        return True
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return False
    return bool(on_holiday and name)


def next_workday(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def add_workdays(day: dt.date, n: int) -> dt.date:
    """The date `n` working days after `day` (n >= 0); with n == 0, `day` itself if it is a working day, else the
    next working day."""
    if n == 0:
        return day if is_workday(day) else next_workday(day)
    for _ in range(n):
        day = next_workday(day)
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_workday(day)
    return count


# --- Staff-entered arrangements and the fallback beyond the known data --------------------------------------------
# The State Council publishes next year's arrangement late each autumn and the library can lag behind it. Staff enter
# a year's holidays and make-up working days in the console (zhijia.appeals keeps them); that app registers a
# provider here returning (holidays, workdays, years_entered). For a date in a year nobody knows yet, the calendar
# falls back to weekends plus the fixed-date holidays below, and `calendar_warning` says so.
FIXED_DATE_HOLIDAYS = ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3))
_provider = None


def set_override_provider(fn) -> None:
    """Register fn() -> (frozenset holidays, frozenset workdays, frozenset years fully entered)."""
    global _provider
    _provider = fn


def _provided() -> tuple[frozenset, frozenset, frozenset]:
    if _provider is None:
        return frozenset(), frozenset(), frozenset()
    try:
        return _provider()
    except Exception:  # noqa: BLE001 - before migrations or without a database, the library alone decides
        return frozenset(), frozenset(), frozenset()


@lru_cache(maxsize=8192)
def _library_workday(day: dt.date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def is_workday_known(day: dt.date) -> bool:
    """Like is_workday, but also honours the staff-entered arrangements and the fixed-date fallback."""
    env_holidays, env_workdays = _overrides()
    holidays, workdays, years = _provided()
    if day in env_holidays or day in holidays:
        return False
    if day in env_workdays or day in workdays:
        return True
    known = _library_workday(day)
    if known is not None and day.year not in years:
        return known
    if day.year in years:
        return day.weekday() < 5
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_DATE_HOLIDAYS


def calendar_warning(day: dt.date) -> str | None:
    """A warning, in the request's language, when `day` lies in a year whose arrangement is not known (neither
    library nor staff)."""
    if _library_workday(day) is not None or day.year in _provided()[2]:
        return None
    return gettext("%(year)s年节假日安排尚未录入，期限按周末及固定日期节日估算，仅供参考") % {"year": day.year}


# --- Working hours ----------------------------------------------------------------------------------------------
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True)
class WorkingHours:
    """A unit's working hours on a working day (default 09:00–17:30)."""

    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(17, 30)


DEFAULT_HOURS = WorkingHours()


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(SHANGHAI)


def _bounds(day: dt.date, hours: WorkingHours) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(day, hours.start, SHANGHAI), dt.datetime.combine(day, hours.end, SHANGHAI))


def add_work_seconds(start: dt.datetime, seconds: float, hours: WorkingHours = DEFAULT_HOURS) -> dt.datetime:
    """The moment `seconds` of working time after `start`, counting only working hours on working days."""
    cur = _local(start)
    if seconds <= 0:
        return cur
    remaining = dt.timedelta(seconds=seconds)
    for _ in range(3660):  # ten years of days: a bound, never reached by a real limit
        day_start, day_end = _bounds(cur.date(), hours)
        if is_workday_known(cur.date()) and cur < day_end:
            cur = max(cur, day_start)
            left = day_end - cur
            if remaining <= left:
                return cur + remaining
            remaining -= left
        cur = dt.datetime.combine(cur.date() + dt.timedelta(days=1), hours.start, SHANGHAI)
    raise ValueError("working-time span too long")


def add_work_hours(start: dt.datetime, hours_count: float, hours: WorkingHours = DEFAULT_HOURS) -> dt.datetime:
    return add_work_seconds(start, hours_count * 3600, hours)


def work_seconds_between(a: dt.datetime, b: dt.datetime, hours: WorkingHours = DEFAULT_HOURS) -> float:
    """Working time between two moments, in seconds (0 when b <= a)."""
    a, b = _local(a), _local(b)
    total = 0.0
    day = a.date()
    while day <= b.date():
        if is_workday_known(day):
            lo, hi = _bounds(day, hours)
            lo, hi = max(lo, a), min(hi, b)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += dt.timedelta(days=1)
    return total


def end_of_workdays(start: dt.datetime, n: int, hours: WorkingHours = DEFAULT_HOURS) -> dt.datetime:
    """The close of the n-th working day after `start`'s day ("within n working days"), at the unit's closing time."""
    day = _local(start).date()
    for _ in range(n):
        day += dt.timedelta(days=1)
        while not is_workday_known(day):
            day += dt.timedelta(days=1)
    return dt.datetime.combine(day, hours.end, SHANGHAI)
