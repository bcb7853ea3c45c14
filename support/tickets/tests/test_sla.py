"""The SLA clock: 24×7, business hours across weekends and holidays, pause and resume."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from support.tickets import sla

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = sla.Calendar("UTC", sla.weekdays(time(9), time(17)))


def at(*parts, tz=UTC):
    return datetime(*parts, tzinfo=tz)


def test_24x7_adds_wall_clock_minutes_across_a_weekend():
    friday_evening = at(2026, 11, 20, 23, 0)
    assert sla.add_working_time(friday_evening, 15, None) == at(2026, 11, 20, 23, 15)
    assert sla.add_working_time(friday_evening, 24 * 60, None) == at(2026, 11, 21, 23, 0)


def test_business_hours_skip_the_weekend():
    friday_afternoon = at(2026, 11, 20, 15, 0)  # a Friday
    due = sla.add_working_time(friday_afternoon, 4 * 60, OFFICE)
    assert due == at(2026, 11, 23, 11, 0)  # 2 h on Friday, 2 h on Monday


def test_outside_hours_the_clock_starts_at_the_next_opening():
    saturday = at(2026, 11, 21, 10, 0)
    assert sla.add_working_time(saturday, 60, OFFICE) == at(2026, 11, 23, 10, 0)
    early_monday = at(2026, 11, 23, 6, 30)
    assert sla.add_working_time(early_monday, 30, OFFICE) == at(2026, 11, 23, 9, 30)


def test_holidays_are_skipped():
    calendar = sla.Calendar("UTC", sla.weekdays(), frozenset({date(2026, 11, 23)}))
    friday = at(2026, 11, 20, 16, 0)
    # 1 h on Friday, Monday is a holiday, 3 h on Tuesday.
    assert sla.add_working_time(friday, 4 * 60, calendar) == at(2026, 11, 24, 12, 0)


def test_five_business_days_resolution():
    monday = at(2026, 11, 23, 9, 0)
    assert sla.add_working_time(monday, 5 * 8 * 60, OFFICE) == at(2026, 11, 27, 17, 0)


def test_calendars_in_their_own_time_zone_across_dst():
    berlin = sla.Calendar("Europe/Berlin", sla.weekdays())
    friday = at(2026, 10, 23, 16, 0, tz=BERLIN)  # clocks go back on Sunday 25 October
    due = sla.add_working_time(friday, 2 * 60, berlin)
    assert due == at(2026, 10, 26, 10, 0, tz=BERLIN)
    assert due.astimezone(UTC) == at(2026, 10, 26, 9, 0)


def test_working_minutes_between_counts_only_open_hours():
    friday = at(2026, 11, 20, 16, 0)
    monday = at(2026, 11, 23, 10, 0)
    assert sla.working_minutes_between(friday, monday, OFFICE) == 120
    assert sla.working_minutes_between(friday, monday, None) == 66 * 60
    assert sla.working_minutes_between(monday, friday, OFFICE) == 0


def test_pause_and_resume_push_the_due_time_by_the_paused_working_time():
    opened = at(2026, 11, 20, 15, 0)  # Friday
    before = sla.due_times(opened, 4 * 60, None, OFFICE)
    assert before.first_response_due == at(2026, 11, 23, 11, 0)
    # Pending from Friday 16:00 to Monday 10:00: one working hour on Friday, one on Monday.
    paused = sla.working_minutes_between(at(2026, 11, 20, 16, 0), at(2026, 11, 23, 10, 0), OFFICE)
    after = sla.due_times(opened, 4 * 60, None, OFFICE, paused_minutes=paused)
    assert after.first_response_due == at(2026, 11, 23, 13, 0)


def test_pause_over_a_holiday_weekend_on_24x7():
    opened = at(2026, 12, 24, 22, 0)
    paused = sla.working_minutes_between(at(2026, 12, 24, 22, 30), at(2026, 12, 27, 8, 0), None)
    targets = sla.due_times(opened, 60, 24 * 60, None, paused_minutes=paused)
    assert targets.first_response_due == at(2026, 12, 27, 8, 30)
    assert targets.resolution_due == at(2026, 12, 28, 7, 30)


def test_warning_at_75_percent():
    opened = at(2026, 11, 23, 9, 0)
    targets = sla.due_times(opened, 4 * 60, 8 * 60, OFFICE)
    assert targets.first_response_warn == at(2026, 11, 23, 12, 0)
    assert targets.resolution_warn == at(2026, 11, 23, 15, 0)
    assert targets.resolution_due == at(2026, 11, 23, 17, 0)


def test_no_target_means_no_due_time():
    targets = sla.due_times(at(2026, 11, 23, 9, 0), 60, None, None)
    assert targets.resolution_due is None and targets.resolution_warn is None


def test_a_calendar_without_hours_fails_loudly():
    with pytest.raises(ValueError):
        sla.add_working_time(at(2026, 11, 23, 9, 0), 60, sla.Calendar("UTC", {}))
