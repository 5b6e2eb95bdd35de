"""Working days on the Chinese calendar: public holidays and make-up working days (调休).

The `chinesecalendar` package carries the State Council's holiday arrangements year by year. For a year it does not
cover yet (the arrangement is published each November or December), we fall back to Monday–Friday and say so in
`calendar_covers(date)`, so a caller can show that a deadline is provisional. Extra days off or on can be given in
settings (ZHIJIA_EXTRA_HOLIDAYS / ZHIJIA_EXTRA_WORKDAYS, ISO dates, comma separated) when the package lags.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache

import chinese_calendar


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
