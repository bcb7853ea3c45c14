import datetime

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html

from portal import dates

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


@register.filter
def status_time(value, with_date=True):
    """A <time> element in the portal's one style and the viewer's time zone.

    The zone is named once per page ({% time_zone_note %}), not after every time.
    """
    if not value:
        return ""
    text = (
        dates.format_datetime(value)
        if with_date
        else formats.time_format(timezone.localtime(value), "TIME_FORMAT")
    )
    return format_html(
        '<time datetime="{}">{}</time>',
        value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
        text,
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

    indicator = cached("indicator", lambda: status_json()["indicator"])
    return {"indicator": indicator, "description": indicator_label(indicator)}


@register.filter
def indicator_label(indicator):
    """The overall state in the words people read, the same on every page."""
    from ..models import INDICATOR_LABELS

    return INDICATOR_LABELS.get(indicator, INDICATOR_LABELS["none"])


@register.inclusion_tag("status/_notice_preference_form.html", takes_context=True)
def notice_preference_form(context):
    """The proactive-notice choice on the profile page (for people in an organisation)."""
    from ..forms import NoticePreferenceForm
    from ..notices import wants_notice

    request = context["request"]
    membership = getattr(request, "membership", None)
    form = NoticePreferenceForm(
        initial={"wants_notices": wants_notice(request.user, membership)},
        auto_id="id_notice_%s",
    )
    return {
        "form": form,
        "show": bool(getattr(request, "memberships", None)),
        "request": request,
    }


@register.simple_tag
def feed_lang():
    """The query string that keeps feeds and the calendar in the page's language."""
    from ..models import content_language

    return "?lang=zh-hans" if content_language() == "zh-hans" else ""


@register.filter
def seen_by(incident, organization_id):
    """Whether this organisation's people may see the incident: a public one, or a private
    one on their own services (a query only for private ones)."""
    if not incident.is_published:
        return False
    if not incident.is_private:
        return True
    return incident.__class__.objects.touching(organization_id).filter(pk=incident.pk).exists()
