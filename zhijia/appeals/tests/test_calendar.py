"""The working-day clock on the Chinese calendar: holidays, 调休 Saturdays, working hours, pauses, urgent limits."""

import datetime as dt

import pytest

from zhijia.core import workcalendar as wc

TZ = wc.SHANGHAI


def at(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s).replace(tzinfo=TZ)


def test_one_working_day_before_national_day_lands_after_the_holiday():
    # Given a case received on 30 September 2025, the day before the National Day break (1–8 October)
    # Then "within 1 working day" ends on 9 October at closing time
    assert wc.end_of_workdays(at("2025-09-30 10:00"), 1) == at("2025-10-09 17:30")


def test_the_make_up_sunday_before_national_day_is_a_working_day():
    # Received Saturday 27 September 2025: Sunday the 28th is a 调休 working day
    assert wc.end_of_workdays(at("2025-09-27 10:00"), 1) == at("2025-09-28 17:30")
    # and Saturday 11 October too
    assert wc.end_of_workdays(at("2025-10-10 10:00"), 1) == at("2025-10-11 17:30")


def test_five_working_days_across_spring_festival_2026():
    # The break runs 15–23 February 2026; Saturday the 14th and 28th are worked.
    # Thursday 12 Feb + 5 working days: 13 (Fri), 14 (Sat, 调休), 24, 25, 26
    assert wc.end_of_workdays(at("2026-02-12 09:30"), 5) == at("2026-02-26 17:30")


def test_working_hours_skip_the_night_and_the_weekend():
    # Friday 21 November 2025 16:30, 2 working hours at 09:00–17:30: one hour on Friday, one on Monday
    assert wc.add_work_hours(at("2025-11-21 16:30"), 2) == at("2025-11-24 10:00")
    # A unit that works 08:00–20:00
    hours = wc.WorkingHours(dt.time(8), dt.time(20))
    assert wc.add_work_hours(at("2025-11-21 19:00"), 2, hours) == at("2025-11-24 09:00")


def test_work_seconds_between_counts_only_working_time():
    assert wc.work_seconds_between(at("2025-11-21 17:00"), at("2025-11-24 10:00")) == 1.5 * 3600
    assert wc.work_seconds_between(at("2025-10-01 09:00"), at("2025-10-08 18:00")) == 0


@pytest.mark.django_db
def test_a_year_beyond_the_library_falls_back_with_a_warning_and_staff_can_enter_it(desk):
    from zhijia.appeals import services

    day = dt.date(2027, 10, 1)
    # Given no arrangement is known for 2027: weekends plus the fixed-date holidays, with a warning
    assert wc.calendar_warning(day)
    assert wc.is_workday_known(day) is False  # National Day, fixed date
    assert wc.is_workday_known(dt.date(2027, 10, 8)) is True  # Friday, a guess
    assert wc.end_of_workdays(at("2027-09-30 10:00"), 1) == at("2027-10-04 17:30")
    # When the municipal admin enters 2027's National Day arrangement
    services.calendar_year_save(desk.admin, year=2027,
                                holidays=[dt.date(2027, 10, d) for d in range(1, 8)],
                                workdays=[dt.date(2027, 9, 26), dt.date(2027, 10, 9)])
    # Then it is used and the warning goes
    assert wc.calendar_warning(day) is None
    assert wc.is_workday_known(dt.date(2027, 10, 8)) is True
    assert wc.is_workday_known(dt.date(2027, 10, 4)) is False
    assert wc.is_workday_known(dt.date(2027, 10, 9)) is True  # Saturday worked
    assert wc.end_of_workdays(at("2027-09-30 10:00"), 1) == at("2027-10-08 17:30")


@pytest.mark.django_db
def test_only_the_municipal_admin_enters_the_calendar(desk):
    from zhijia.appeals import services
    from zhijia.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.calendar_year_save(desk.fangshan, year=2027, holidays=[], workdays=[])
