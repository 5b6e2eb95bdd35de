"""The staff-entered holiday arrangements, fed to zhijia.core.workcalendar (the one place for the calendar)."""

from __future__ import annotations

import time

from zhijia.core import workcalendar

_TTL_S = 30.0
_cache: dict = {"at": 0.0, "value": (frozenset(), frozenset(), frozenset())}


def _load() -> tuple[frozenset, frozenset, frozenset]:
    # Read at most every 30 s per process; the process that writes refreshes at once (calendar_refresh).
    if time.monotonic() - _cache["at"] < _TTL_S:
        return _cache["value"]
    from zhijia.appeals.models import CalendarDay, CalendarYear

    holidays, workdays = set(), set()
    for day, is_workday in CalendarDay.objects.values_list("day", "is_workday"):
        (workdays if is_workday else holidays).add(day)
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    _cache["value"] = (frozenset(holidays), frozenset(workdays), years)
    _cache["at"] = time.monotonic()
    return _cache["value"]


def calendar_refresh() -> None:
    _cache["at"] = 0.0


def register_provider() -> None:
    workcalendar.set_override_provider(_load)
