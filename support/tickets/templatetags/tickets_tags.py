from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal import dates

from ..models import PRIORITY_EXPLANATIONS, Ticket

register = template.Library()

STATUS_BADGES = {
    "new": "badge-info",
    "open": "badge-info",
    "pending": "badge-warn",
    "solved": "badge-ok",
    "closed": "badge-muted",
}
PRIORITY_BADGES = {
    "P0": "badge-danger",
    "P1": "badge-warn",
    "P2": "badge-info",
    "P3": "badge-muted",
}


EMPTY_FIELDS = {}  # (form class, field, language) → HTML: code and translations only


@register.simple_tag
def plain_field(field):
    """tickets/_field.html for a field of a form whose fields are code only (no choices from
    the database), such as the reply form; an empty form's field is drawn once per process
    and language."""
    form = field.form
    if form.is_bound or form.initial or field.initial is not None:
        return render_to_string("tickets/_field.html", {"field": field})
    key = (type(form).__qualname__, form.prefix, field.name, get_language())
    html = EMPTY_FIELDS.get(key)
    if html is None:
        html = EMPTY_FIELDS[key] = render_to_string("tickets/_field.html", {"field": field})
    return mark_safe(html)


@register.filter
def status_badge(status):
    return STATUS_BADGES.get(status, "")


@register.filter
def priority_badge(priority):
    return PRIORITY_BADGES.get(priority, "")


@register.filter
def priority_explanation(priority):
    return PRIORITY_EXPLANATIONS.get(priority, "")


def when(moment, now, with_zone=False):
    """ "30 Nov 2026, 03:15" in the active language and time zone (pages name the zone once;
    emails name it here)."""
    return dates.format_datetime(moment, with_zone=with_zone)


def left(due, now):
    """ "12 minutes" until a moment in the future (at least a minute)."""
    return dates.approximate(max((due - now).total_seconds(), dates.MINUTE))


@register.simple_tag
def sla_promise(ticket, now=None, with_zone=False):
    """The promise in words: "First response expected by 30 Nov 2026, 03:15 (in 12 minutes)"."""
    now = now or timezone.now()
    if ticket.status not in Ticket.ACTIVE_STATES:
        return ""
    if ticket.is_paused:
        return _("The response clock is paused while we wait for your reply.")
    if ticket.first_response_at is None and ticket.first_response_due_at:
        due = ticket.first_response_due_at
        if due > now:
            return _("First response expected by %(time)s (in %(left)s).") % {
                "time": when(due, now, with_zone),
                "left": left(due, now),
            }
        return _("First response was due at %(time)s; we are on it.") % {
            "time": when(due, now, with_zone)
        }
    if ticket.update_due_at:
        due = ticket.update_due_at
        if due > now:
            return _("Next update by %(time)s (in %(left)s).") % {
                "time": when(due, now, with_zone),
                "left": left(due, now),
            }
        return _("Next update was due at %(time)s; it is on its way.") % {
            "time": when(due, now, with_zone)
        }
    if ticket.resolution_due_at and ticket.resolution_due_at > now:
        return _("Resolution expected by %(time)s (in %(left)s).") % {
            "time": when(ticket.resolution_due_at, now, with_zone),
            "left": left(ticket.resolution_due_at, now),
        }
    return ""


@register.simple_tag
def sla_left(ticket, now=None):
    """For staff lists: "in 12 minutes" or "23 minutes ago"."""
    now = now or timezone.now()
    if ticket.next_due_at is None:
        return ""
    if ticket.next_due_at > now:
        return dates.format_time_left(ticket.next_due_at, now)
    late = (now - ticket.next_due_at).total_seconds()
    if late < dates.MINUTE:
        return dates.overdue()
    return late_by(dates.approximate(late))


@dates.kept_per_locale
def late_by(duration):
    return _("%(late)s late") % {"late": duration}
