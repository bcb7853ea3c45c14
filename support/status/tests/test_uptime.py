import datetime

import pytest

from support.status.uptime import Outage, daily_uptime, uptime_for_period

UTC = datetime.UTC
DAY = datetime.date(2026, 3, 10)


def at(hour, minute=0, day=DAY):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=UTC)


def days_of(outages, now=None, since=None, days=3, zone=UTC):
    now = now or at(0, day=DAY + datetime.timedelta(days=5))
    return {d.date: d for d in daily_uptime(outages, DAY + datetime.timedelta(days=1), days,
                                            zone, now, since=since)}  # fmt: skip


def test_a_day_without_incidents_is_fully_up():
    day = days_of([])[DAY]
    assert day.uptime == 100.0
    assert day.impact == "none"


def test_a_critical_incident_covering_part_of_a_day_counts_fully_for_that_part():
    six_hours = Outage(at(6), at(12), "critical")
    assert days_of([six_hours])[DAY].uptime == pytest.approx(75.0)


def test_an_incident_across_midnight_is_split_between_the_days():
    overnight = Outage(at(18), at(6, day=DAY + datetime.timedelta(days=1)), "critical")
    days = days_of([overnight])
    assert days[DAY].uptime == pytest.approx(75.0)
    assert days[DAY + datetime.timedelta(days=1)].uptime == pytest.approx(75.0)
    assert days[DAY - datetime.timedelta(days=1)].uptime == 100.0


def test_overlapping_incidents_are_not_counted_twice():
    first = Outage(at(6), at(12), "critical")
    second = Outage(at(9), at(15), "critical")
    assert days_of([first, second])[DAY].uptime == pytest.approx(62.5)  # 06:00–15:00 down


def test_overlap_counts_the_worst_impact_at_each_moment():
    partial = Outage(at(0), at(12), "major")  # a partial outage counts 30%
    full = Outage(at(6), at(12), "critical")
    # 6 h at 30% + 6 h at 100% = 7.8 h of 24
    assert days_of([partial, full])[DAY].uptime == pytest.approx(100 * (1 - 7.8 / 24))
    assert days_of([partial, full])[DAY].impact == "critical"


def test_maintenance_and_minor_incidents_colour_the_day_but_are_not_downtime():
    maintenance = Outage(at(1), at(5), "maintenance")
    assert days_of([maintenance])[DAY].uptime == 100.0
    assert days_of([maintenance])[DAY].impact == "maintenance"
    degraded = Outage(at(1), at(5), "minor")
    assert days_of([degraded])[DAY].uptime == 100.0
    assert days_of([degraded])[DAY].impact == "minor"


def test_an_ongoing_incident_counts_until_now_and_today_is_measured_until_now():
    now = at(12, day=DAY + datetime.timedelta(days=1))
    ongoing = Outage(at(6, day=DAY + datetime.timedelta(days=1)), None, "critical")
    today = days_of([ongoing], now=now)[DAY + datetime.timedelta(days=1)]
    assert today.uptime == pytest.approx(50.0)  # down 6 of the 12 hours so far


def test_days_before_the_component_existed_or_in_the_future_have_no_data():
    now = at(12, day=DAY)
    days = days_of([], now=now, since=at(0, day=DAY - datetime.timedelta(days=1)))
    assert days[DAY - datetime.timedelta(days=1)].uptime == 100.0
    assert days[DAY + datetime.timedelta(days=1)].uptime is None
    days = days_of([], since=at(0, day=DAY))
    assert days[DAY - datetime.timedelta(days=1)].uptime is None


def test_days_follow_the_given_time_zone():
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    # 20:00–22:00 UTC on DAY is 04:00–06:00 on the next day in UTC+8
    outage = Outage(at(20), at(22), "critical")
    days = days_of([outage], zone=shanghai)
    assert days[DAY].uptime == 100.0
    assert days[DAY + datetime.timedelta(days=1)].uptime == pytest.approx(100 * (1 - 2 / 24))


def test_period_uptime_returns_the_weighted_downtime():
    uptime, downtime = uptime_for_period([Outage(at(0), at(1), "critical")], at(0), at(4))
    assert uptime == pytest.approx(75.0)
    assert downtime == datetime.timedelta(hours=1)


def test_incidents_are_listed_on_each_day_they_touch():
    overnight = Outage(at(23), at(1, day=DAY + datetime.timedelta(days=1)), "minor", "inc")
    days = days_of([overnight])
    assert days[DAY].incidents == ["inc"]
    assert days[DAY + datetime.timedelta(days=1)].incidents == ["inc"]
