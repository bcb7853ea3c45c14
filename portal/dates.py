"""One way to write dates, times and durations, in the viewer's language and time zone.

Dates: "30 Nov 2026" / "2026年11月30日"; with the time: "30 Nov 2026, 08:08" /
"2026年11月30日 08:08" (the formats live in portal/formats and Django's zh_Hans formats).
Relative: "in 12 minutes", "3 hours ago", "now". Durations: "15 minutes", "2 hours",
"1 hour 30 minutes", "5 business days" — never "0 minutes" or "7.5 minutes".
Templates use the filters in portal/templatetags/dates.py (loaded everywhere).
"""

import datetime
import functools
import math

from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def kept_per_locale(function):
    """`function`'s answers kept for each language and time zone, for functions whose answer
    depends on their arguments and those alone. A page asks the same few phrases and dates
    again and again ("12 minutes", "in 3 hours" on every row of a list), and each
    translation looks through every catalogue, each date through the format's letters."""
    kept = functools.lru_cache(maxsize=4096)(
        lambda language, zone, args, options: function(*args, **dict(options))
    )

    @functools.wraps(function)
    def in_active_locale(*args, **options):
        zone = timezone.get_current_timezone_name()
        return kept(get_language(), zone, args, tuple(sorted(options.items())))

    return in_active_locale


def _local(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@kept_per_locale
def format_date(value):
    """ "30 Nov 2026" in the active language, the day as seen in the active time zone."""
    if not value:
        return ""
    return formats.date_format(_local(value), "DATE_FORMAT")


@kept_per_locale
def format_datetime(value, with_zone=False):
    """ "30 Nov 2026, 08:08" in the active language and time zone ("… (Europe/Berlin)")."""
    if not value:
        return ""
    text = formats.date_format(_local(value), "DATETIME_FORMAT")
    if with_zone:
        text = _("%(datetime)s (%(zone)s)") % {"datetime": text, "zone": zone_name()}
    return text


def zone_name():
    """The active time zone's name as people know it: "Europe/Berlin", "UTC"."""
    return timezone.get_current_timezone_name()


@kept_per_locale
def minutes(count):
    return ngettext("%(count)d minute", "%(count)d minutes", count) % {"count": count}


@kept_per_locale
def hours(count):
    return ngettext("%(count)d hour", "%(count)d hours", count) % {"count": count}


@kept_per_locale
def days(count):
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


def format_duration(value, business_day_minutes=None):
    """A length of time in words, from minutes (a number) or a timedelta.

    Whole minutes only (rounded up, so a target is never promised shorter than it is);
    business-hours targets count business hours and days of `business_day_minutes`.
    """
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds() / 60
    if value is None:
        return ""
    total = math.ceil(float(value) - 1e-9)
    if total <= 0:
        return _("less than a minute")
    if business_day_minutes:
        day_length = int(business_day_minutes)
        if total >= day_length and total % day_length == 0:
            count = total // day_length
            return ngettext("%(count)d business day", "%(count)d business days", count) % {
                "count": count
            }
        if total >= 60 and total % 60 == 0:
            count = total // 60
            return ngettext("%(count)d business hour", "%(count)d business hours", count) % {
                "count": count
            }
    if total < 60:
        return minutes(total)
    whole_hours, rest = divmod(total, 60)
    if whole_hours >= 48 and whole_hours % 24 == 0 and not rest:
        return days(whole_hours // 24)
    if rest and whole_hours < 24:
        return _("%(hours)s %(minutes)s") % {"hours": hours(whole_hours), "minutes": minutes(rest)}
    return hours(whole_hours)


def approximate(seconds):
    """The largest sensible unit, rounded down: "12 minutes", "3 hours", "4 days"."""
    if seconds < HOUR:
        return minutes(max(1, int(seconds // MINUTE)))
    if seconds < 2 * DAY:
        return hours(int(seconds // HOUR))
    return days(int(seconds // DAY))


def format_relative(value, now=None):
    """ "in 12 minutes", "3 hours ago"; within a minute either way: "now"."""
    if not value:
        return ""
    now = now or timezone.now()
    seconds = (value - now).total_seconds()
    if abs(seconds) < MINUTE:
        return just_now()
    return relative(seconds > 0, approximate(abs(seconds)))


def format_time_since(value, now=None):
    """How long ago, in format_relative's units, for "… since the last activity"."""
    if not value:
        return ""
    now = now or timezone.now()
    return approximate(max(MINUTE, (now - value).total_seconds()))


@kept_per_locale
def just_now():
    return _("now")


@kept_per_locale
def relative(future, duration):
    """ "in 12 minutes" or "12 minutes ago", from "12 minutes"."""
    if future:
        return _("in %(duration)s") % {"duration": duration}
    return _("%(duration)s ago") % {"duration": duration}


@kept_per_locale
def overdue():
    return _("overdue")


def format_time_left(due, now=None):
    """For deadlines: "in 12 minutes", or "overdue" once it has passed (never "0 minutes")."""
    if not due:
        return ""
    now = now or timezone.now()
    if due <= now:
        return overdue()
    if (due - now).total_seconds() < MINUTE:
        return relative(True, minutes(1))
    return format_relative(due, now)
