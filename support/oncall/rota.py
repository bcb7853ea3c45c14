"""Who is on call, free of the database.

A rota is weekly shifts, each in its own time zone (follow the sun: Shanghai
08:00–16:00, Berlin 16:00–24:00, New York …), plus overrides: a fixed span of
real time in which someone else covers (a swap, holiday cover). An override
beats the weekly pattern; of two overlapping overrides the later one given wins.

Shift times are wall-clock times: a shift from 08:00 to 16:00 Berlin time is
8 hours long in winter and summer alike, and 7 or 9 hours on the night the
clocks change only when it spans 02:00–03:00. Every comparison is made in UTC,
because Python compares two datetimes with the same tzinfo by their wall time.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

PRIMARY, SECONDARY = "primary", "secondary"


@dataclass(frozen=True)
class Shift:
    """Every week on `weekdays` (0 = Monday) from `starts` to `ends`, local time.

    `ends` at or before `starts` runs past midnight into the next day (00:00 → 00:00 is a
    whole day). `person` is whatever the caller uses to name people (an id, a user)."""

    person: object
    weekdays: frozenset
    starts: time
    ends: time
    time_zone: str = "UTC"
    role: str = PRIMARY

    def span_on(self, day: date):
        """(start, end) in UTC of the shift starting on local `day`, or None."""
        if day.weekday() not in self.weekdays:
            return None
        zone = zoneinfo.ZoneInfo(self.time_zone)
        end_day = day if self.ends > self.starts else day + timedelta(days=1)
        start = datetime.combine(day, self.starts, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(end_day, self.ends, tzinfo=zone).astimezone(UTC)
        return (start, end) if end > start else None

    def spans(self, start: datetime, end: datetime):
        """Every (start, end) of this shift that overlaps [start, end)."""
        zone = zoneinfo.ZoneInfo(self.time_zone)
        day = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date()
        while day <= last:
            span = self.span_on(day)
            if span and span[0] < end and span[1] > start:
                yield span
            day += timedelta(days=1)


@dataclass(frozen=True)
class Override:
    person: object
    starts_at: datetime
    ends_at: datetime
    role: str = PRIMARY


def on_call(moment: datetime, shifts, overrides=(), role=PRIMARY):
    """The person on call at `moment` for `role`, or None when nobody is."""
    moment = moment.astimezone(UTC)
    for override in reversed(list(overrides)):
        if override.role == role and override.starts_at <= moment < override.ends_at:
            return override.person
    for shift in shifts:
        if shift.role != role:
            continue
        for start, end in shift.spans(moment, moment + timedelta(microseconds=1)):
            if start <= moment < end:
                return shift.person
    return None


@dataclass(frozen=True)
class Stint:
    """A stretch of time with one person on call (None: nobody)."""

    person: object
    starts_at: datetime
    ends_at: datetime


def timeline(start: datetime, end: datetime, shifts, overrides=(), role=PRIMARY):
    """Who is on call from `start` to `end`, as consecutive stints (hand-overs in between)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    moments = {start, end}
    for shift in shifts:
        if shift.role == role:
            for span in shift.spans(start, end):
                moments.update(span)
    for override in overrides:
        if override.role == role:
            moments.update((override.starts_at.astimezone(UTC), override.ends_at.astimezone(UTC)))
    moments = sorted(moment for moment in moments if start <= moment <= end)
    stints = []
    for begin, finish in zip(moments, moments[1:], strict=False):
        person = on_call(begin, shifts, overrides, role)
        if stints and stints[-1].person == person:
            stints[-1] = Stint(person, stints[-1].starts_at, finish)
        else:
            stints.append(Stint(person, begin, finish))
    return stints
