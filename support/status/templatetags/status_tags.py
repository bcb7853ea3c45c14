import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()

STATUS_BADGES = {
    "operational": "ok",
    "degraded_performance": "warn",
    "partial_outage": "warn",
    "major_outage": "danger",
    "under_maintenance": "maint",
    "none": "muted",
    "minor": "warn",
    "major": "danger",
    "critical": "danger",
    "maintenance": "maint",
    "investigating": "danger",
    "identified": "warn",
    "monitoring": "info",
    "resolved": "ok",
    "postmortem": "ok",
    "scheduled": "info",
    "in_progress": "maint",
    "verifying": "maint",
    "completed": "ok",
}


def offset_label(value):
    """'UTC+00:00' for visitors; 'CET (UTC+01:00)' in a signed-in person's own zone."""
    offset = value.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    utc = f"UTC{sign}{hours:02d}:{mins:02d}"
    name = value.tzname() or ""
    if name in ("UTC", "") or name.startswith(("+", "-")):
        return utc
    return f"{name} ({utc})"


@register.filter
def status_time(value, with_date=True):
    """A <time> element in the current time zone, with the offset written out."""
    if not value:
        return ""
    local = timezone.localtime(value)
    text = local.strftime("%Y-%m-%d %H:%M") if with_date else local.strftime("%H:%M")
    return format_html(
        '<time datetime="{}">{} {}</time>',
        value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
        text,
        offset_label(local),
    )


@register.filter
def badge(value):
    return "badge badge-" + STATUS_BADGES.get(value, "muted")


@register.filter
def percent(value):
    if value is None:
        return "—"
    if value >= 99.995:
        return "100%"
    return f"{value:.2f}%"


@register.inclusion_tag("status/_glance.html")
def status_at_a_glance():
    """The overall indicator, for the home page: one cached value, no query when warm."""
    from ..api import status_json
    from ..cache import cached
    from ..models import INDICATOR_DESCRIPTIONS

    indicator = cached("indicator", lambda: status_json()["indicator"])
    return {"indicator": indicator, "description": INDICATOR_DESCRIPTIONS[indicator]}
