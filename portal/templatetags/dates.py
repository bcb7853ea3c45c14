"""The portal's one date and time style, for every page, email and the back office.

Loaded in every template (settings.TEMPLATES builtins); plain text, so the same
filters serve pages and plain-text emails:
    {{ ticket.created_at|local_date }}             30 Nov 2026 / 2026年11月30日
    {{ ticket.created_at|local_datetime }}         30 Nov 2026, 08:08 / 2026年11月30日 08:08
    {{ due|local_datetime:"zone" }}                30 Nov 2026, 08:08 (Europe/Berlin)
    {{ due|relative_time }}                        in 12 minutes / 3 hours ago / now
    {{ due|time_left }}                            in 12 minutes / overdue
    {{ ticket.last_activity_at|time_since }}       3 hours (as long ago as relative_time says)
    {{ policy.first_response_minutes|duration }}   15 minutes / 2 hours
    {% time_zone_note %}                           Times in Europe/Berlin.
On pages, wrap them in <time datetime="{{ value|date:'c' }}">…</time>.
"""

from django import template
from django.utils.translation import gettext as _

from portal import dates

register = template.Library()


@register.filter
def local_date(value):
    return dates.format_date(value)


@register.filter
def local_datetime(value, arg=""):
    return dates.format_datetime(value, with_zone=arg == "zone")


@register.filter
def relative_time(value):
    return dates.format_relative(value)


@register.filter
def time_since(value):
    return dates.format_time_since(value)


@register.filter
def time_left(value):
    return dates.format_time_left(value)


@register.filter
def duration(value, business_day_minutes=None):
    if value is None or value == "":
        return ""
    return dates.format_duration(value, business_day_minutes)


@register.simple_tag
def time_zone_note():
    return _("Times in %(zone)s.") % {"zone": dates.zone_name()}
