"""Business calendars with public holidays and make-up working days (China's 调休)."""

import zoneinfo
from datetime import date, datetime, time, timedelta

import pytest

from support.surveys import services as surveys
from support.tickets import sla
from support.tickets.calendars import load_public_holidays, public_days
from support.tickets.models import BusinessCalendar, Holiday, SlaPolicy

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def shanghai(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def china_2026():
    days = public_days("CN", "", [2026])
    return sla.Calendar(
        time_zone="Asia/Shanghai",
        hours=sla.weekdays(time(9), time(18)),
        holidays=frozenset(day for day, _name, working in days if not working),
        workdays=frozenset(day for day, _name, working in days if working),
        workday_hours=(time(9), time(18)),
    )


def test_the_holiday_data_lists_national_day_2026_and_its_make_up_days():
    days = {day: working for day, _name, working in public_days("CN", "", [2026])}
    for day in [1, 2, 3, 5, 6, 7]:
        assert days[date(2026, 10, day)] is False, day  # closed
    assert days[date(2026, 9, 20)] is True  # Sunday worked
    assert days[date(2026, 10, 10)] is True  # Saturday worked


def test_sla_due_times_across_national_day_2026():
    china = china_2026()
    # Wednesday 30 September, 17:00: one working hour left that day, then the holiday
    # (1–7 October, 4 October being a Sunday anyway); the next working day is Thursday 8th.
    assert sla.add_working_time(shanghai(2026, 9, 30, 17), 4 * 60, china) == shanghai(
        2026, 10, 8, 12
    )
    # Friday 9 October, 16:00: Saturday 10 October is a make-up working day.
    assert sla.add_working_time(shanghai(2026, 10, 9, 16), 4 * 60, china) == shanghai(
        2026, 10, 10, 11
    )
    # Saturday 19 September (closed) → Sunday 20 September is worked.
    assert sla.add_working_time(shanghai(2026, 9, 19, 10), 4 * 60, china) == shanghai(
        2026, 9, 20, 13
    )
    # Working time across the whole holiday: only the two working days count.
    minutes = sla.working_minutes_between(shanghai(2026, 9, 30, 9), shanghai(2026, 10, 9, 9), china)
    assert minutes == 2 * 9 * 60  # 30 September and 8 October
    # A plain weekday calendar would have counted five more (1, 2, 5, 6 and 7 October).
    weekdays = sla.Calendar(time_zone="Asia/Shanghai", hours=sla.weekdays(time(9), time(18)))
    assert (
        sla.working_minutes_between(shanghai(2026, 9, 30, 9), shanghai(2026, 10, 9, 9), weekdays)
        == 7 * 9 * 60
    )


def test_business_days_across_national_day():
    china = china_2026()
    assert sla.add_business_days(date(2026, 9, 30), 1, china) == date(2026, 10, 8)
    assert sla.add_business_days(date(2026, 10, 8), 2, china) == date(2026, 10, 10)  # Saturday
    assert sla.add_business_days(date(2026, 9, 30), 1) == date(2026, 10, 1)  # no calendar


@pytest.fixture
def china(db):
    calendar = BusinessCalendar.objects.get(country="CN")
    load_public_holidays(calendar, [2026])
    return calendar


def test_seeded_calendars_and_loading_keeps_manual_exceptions(china):
    names = set(BusinessCalendar.objects.exclude(country="").values_list("time_zone", flat=True))
    assert names == {"Asia/Shanghai", "Europe/Berlin", "America/New_York"}
    # Staff close 8 October by hand (a company day off); reloading keeps it.
    Holiday.objects.create(calendar=china, date=date(2026, 10, 8), name="Company day off")
    load_public_holidays(china, [2026])
    assert china.holidays.get(date=date(2026, 10, 8)).source == "manual"
    assert china.holidays.get(date=date(2026, 10, 10)).is_working_day
    clock = china.as_calendar()
    assert sla.add_working_time(shanghai(2026, 9, 30, 17), 4 * 60, clock) == shanghai(
        2026, 10, 9, 12
    )
    # …and a manual exception can open a day, too.
    Holiday.objects.create(
        calendar=china, date=date(2026, 10, 11), name="Migration weekend", is_working_day=True
    )
    assert china.as_calendar().is_working_day(date(2026, 10, 11))


def test_a_ticket_on_the_china_calendar_is_due_after_the_holiday(china, open_ticket, organization):
    import time_machine

    SlaPolicy.objects.filter(tier=organization.tier, priority="P2").update(
        calendar=china, first_response_minutes=4 * 60
    )
    with time_machine.travel(shanghai(2026, 9, 30, 17), tick=False):
        ticket = open_ticket(priority="P2")
    assert ticket.first_response_due_at == shanghai(2026, 10, 8, 12)


def test_survey_follow_ups_are_due_in_the_teams_calendar(china):
    clock = china.as_calendar()
    assert surveys.add_business_days(date(2026, 9, 29), 2, clock) == date(2026, 10, 8)
    now = shanghai(2026, 9, 30, 10) - timedelta(seconds=0)
    assert surveys.follow_up_due_on(now) == date(2026, 10, 9)  # Tier 2 works the China calendar
