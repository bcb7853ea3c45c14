from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.translation import gettext

from ..tables import DECIMALS

register = template.Library()


@register.filter
def minutes(value):
    """A duration in minutes as people read it: "45 min", "3 h 05 min", "2 d 4 h"."""
    if value is None or value == "":
        return "—"
    total = round(float(value))
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return gettext("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return gettext("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": mins}
    return gettext("%(minutes)d min") % {"minutes": mins}


@register.filter
def cell(value, column):
    """One table cell, formatted by the column's kind (the CSV has the same figures)."""
    if value is None or value == "":
        return "—"
    if column.kind == "link":
        text, url = value
        return format_html('<a href="{}">{}</a>', url, text) if url else text
    if column.kind == "minutes":
        return minutes(value)
    if column.kind in DECIMALS:
        return floatformat(value, DECIMALS[column.kind])
    return value


@register.filter
def percent(value, decimals=1):
    if value is None:
        return "—"
    # Rounded (Django's number_format cuts the digits off: 99.8669 would read 99.866 here
    # and 99.867 in the credit's explanation).
    return f"{floatformat(value, decimals)} %"
