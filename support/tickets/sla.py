"""SLA clock arithmetic, free of the database.

A clock either runs 24×7 (calendar None) or only during a business-hours
calendar: a time zone, opening hours per weekday, holidays (closed days) and
make-up working days (days opened though their weekday is normally closed, such
as China's 调休 Saturdays before a long holiday). Time spent
pending is measured on the same clock and added to the targets, so pausing and
resuming moves every due time by exactly the working time that was paused.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

MAX_DAYS_SEARCHED = 3660  # a calendar with no working hours at all must not loop forever


@dataclass(frozen=True)
class Calendar:
    """Business hours: weekday (0 = Monday) → (opens, closes) in local time, holidays, and
    working days that open with `workday_hours` (else the first weekday's hours)."""

    time_zone: str = "UTC"
    hours: dict = field(default_factory=dict)
    holidays: frozenset = frozenset()
    workdays: frozenset = frozenset()
    workday_hours: tuple | None = None

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def hours_on(self, day: date):
        if day in self.workdays:
            return self.workday_hours or (min(self.hours.items())[1] if self.hours else None)
        if day in self.holidays:
            return None
        return self.hours.get(day.weekday())

    def is_working_day(self, day: date):
        return self.hours_on(day) is not None

    def window(self, day: date):
        """The working window of a local day as aware datetimes, or None when closed."""
        hours = self.hours_on(day)
        if not hours:
            return None
        opens, closes = hours
        start = datetime.combine(day, opens, tzinfo=self.zone)
        end = datetime.combine(day, closes, tzinfo=self.zone)
        return (start, end) if end > start else None


def weekdays(opens=time(9), closes=time(17), days=range(5)):
    return dict.fromkeys(days, (opens, closes))


def add_working_time(start: datetime, minutes: float, calendar: Calendar | None) -> datetime:
    """The moment `minutes` of clock time after `start`."""
    if calendar is None:
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    day = start.astimezone(calendar.zone).date()
    for _ in range(MAX_DAYS_SEARCHED):
        window = calendar.window(day)
        if window:
            begin = max(window[0], start)
            if begin < window[1]:
                available = window[1] - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("The calendar has no working hours.")


def working_minutes_between(start: datetime, end: datetime, calendar: Calendar | None) -> float:
    """Clock minutes between two moments (0 when end is not after start)."""
    if end <= start:
        return 0.0
    if calendar is None:
        return (end - start).total_seconds() / 60
    total = timedelta()
    day = start.astimezone(calendar.zone).date()
    last = end.astimezone(calendar.zone).date()
    while day <= last:
        window = calendar.window(day)
        if window:
            begin, finish = max(window[0], start), min(window[1], end)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 60


def add_business_days(day: date, count: int, calendar: Calendar | None = None) -> date:
    """The working day `count` working days after `day` (Monday–Friday without a calendar)."""
    for _ in range(MAX_DAYS_SEARCHED):
        if count <= 0:
            return day
        day += timedelta(days=1)
        if calendar.is_working_day(day) if calendar else day.weekday() < 5:
            count -= 1
    raise ValueError("The calendar has no working days.")


def next_update_due(since: datetime, minutes: float | None, calendar: Calendar | None):
    """When the next customer update is due, counting from the last one (None: no target)."""
    if not minutes:
        return None
    return add_working_time(since, minutes, calendar)


def update_reminder(due: datetime | None, lead_minutes: float):
    """When to remind the assignee: `lead_minutes` of real time before the update is due."""
    return due - timedelta(minutes=lead_minutes) if due else None


@dataclass(frozen=True)
class Targets:
    """The due times of one ticket's targets (None when a target doesn't apply)."""

    first_response_due: datetime | None
    first_response_warn: datetime | None
    resolution_due: datetime | None
    resolution_warn: datetime | None


WARN_AT = 0.75


def due_times(
    opened: datetime,
    first_response_minutes: int | None,
    resolution_minutes: int | None,
    calendar: Calendar | None,
    paused_minutes: float = 0,
) -> Targets:
    """Due and warning times of both targets, pushed back by the time spent paused."""

    def at(minutes, share=1.0):
        if minutes is None:
            return None
        return add_working_time(opened, minutes * share + paused_minutes, calendar)

    return Targets(
        first_response_due=at(first_response_minutes),
        first_response_warn=at(first_response_minutes, WARN_AT),
        resolution_due=at(resolution_minutes),
        resolution_warn=at(resolution_minutes, WARN_AT),
    )


def describe_minutes(minutes):
    """Plain words for a target: "15 minutes", "4 hours", "5 business days" is the caller's."""
    if minutes is None:
        return None
    if minutes % (24 * 60) == 0 and minutes >= 24 * 60 and minutes != 24 * 60:
        return ("days", minutes // (24 * 60))
    if minutes % 60 == 0:
        return ("hours", minutes // 60)
    return ("minutes", minutes)
