"""The period a report covers: a calendar month by default, or any range of days.

Months and days run in the server's time zone (settings.TIME_ZONE), so a report, its
CSV and its email show the same figures whoever looks at them.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

MAX_DAYS = 731
FIRST_YEAR = 2000  # reports cover FIRST_YEAR to next year; other dates are not a report's


def month_start(day):
    return day.replace(day=1)


def add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def within_reports(day):
    """`day` if a report can cover it (FIRST_YEAR to next year), else None."""
    this_year = timezone.localdate(timezone=timezone.get_default_timezone()).year
    return day if FIRST_YEAR <= day.year <= this_year + 1 else None


def parse_month(text):
    """A date for "YYYY-MM" within the reports' years, or None."""
    try:
        return within_reports(datetime.datetime.strptime(text or "", "%Y-%m").date())
    except ValueError:
        return None


def parse_day(text):
    """A date for "YYYY-MM-DD" within the reports' years, or None."""
    try:
        return within_reports(datetime.date.fromisoformat(text or ""))
    except ValueError:
        return None


def aware(day):
    """Midnight at the start of `day` in the server's time zone."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_default_timezone())


@dataclass(frozen=True)
class Period:
    start: datetime.date  # first day
    stop: datetime.date  # first day after

    @classmethod
    def month(cls, day):
        first = month_start(day)
        return cls(first, add_months(first, 1))

    @classmethod
    def from_query(cls, query, today=None):
        """?month=YYYY-MM, or ?start=YYYY-MM-DD&end=YYYY-MM-DD (both days included);
        anything else: the current month."""
        today = today or timezone.localdate(timezone=timezone.get_default_timezone())
        start, end = parse_day(query.get("start")), parse_day(query.get("end"))
        if start and end:
            if start > end:
                start, end = end, start
            end = min(end, start + datetime.timedelta(days=MAX_DAYS - 1))
            return cls(start, end + datetime.timedelta(days=1))
        return cls.month(parse_month(query.get("month")) or today)

    @property
    def is_month(self):
        return self.start.day == 1 and self.stop == add_months(self.start, 1)

    @property
    def last_day(self):
        return self.stop - datetime.timedelta(days=1)

    @property
    def days(self):
        return (self.stop - self.start).days

    @property
    def starts_at(self):
        return aware(self.start)

    @property
    def stops_at(self):
        return aware(self.stop)

    def previous(self):
        """The period of the same length just before (the previous month for a month)."""
        if self.is_month:
            return Period.month(add_months(self.start, -1))
        return Period(self.start - datetime.timedelta(days=self.days), self.start)

    def next(self):
        if self.is_month:
            return Period.month(self.stop)
        return Period(self.stop, self.stop + datetime.timedelta(days=self.days))

    def each_day(self):
        return [self.start + datetime.timedelta(days=n) for n in range(self.days)]

    def trend_months(self, count=12):
        """The `count` months ending with the one this period ends in, oldest first."""
        last = month_start(self.last_day)
        return [add_months(last, offset) for offset in range(-(count - 1), 1)]

    @property
    def label(self):
        if self.is_month:
            return date_format(self.start, "YEAR_MONTH_FORMAT")
        return gettext("%(start)s to %(end)s") % {
            "start": date_format(self.start, "DATE_FORMAT"),
            "end": date_format(self.last_day, "DATE_FORMAT"),
        }

    @property
    def slug(self):
        if self.is_month:
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m-%d}-to-{self.last_day:%Y-%m-%d}"

    def query(self):
        if self.is_month:
            return {"month": f"{self.start:%Y-%m}"}
        return {"start": self.start.isoformat(), "end": self.last_day.isoformat()}
