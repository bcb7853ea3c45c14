from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

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


@register.filter
def status_badge(status):
    return STATUS_BADGES.get(status, "")


@register.filter
def priority_badge(priority):
    return PRIORITY_BADGES.get(priority, "")


@register.filter
def priority_explanation(priority):
    return PRIORITY_EXPLANATIONS.get(priority, "")


def when(moment, now):
    """ "03:15 CET" today, otherwise "Mon 24 Nov 03:15 CET", in the active time zone."""
    local = timezone.localtime(moment)
    same_day = local.date() == timezone.localtime(now).date()
    return date_format(local, "H:i T" if same_day else "D j M, H:i T")


@register.simple_tag
def sla_promise(ticket, now=None):
    """The promise in words: "First response expected by 03:15 CET (in 12 minutes)"."""
    now = now or timezone.now()
    if ticket.status not in Ticket.ACTIVE_STATES:
        return ""
    if ticket.is_paused:
        return _("The response clock is paused while we wait for your reply.")
    if ticket.first_response_at is None and ticket.first_response_due_at:
        due = ticket.first_response_due_at
        if due > now:
            return _("First response expected by %(time)s (in %(left)s).") % {
                "time": when(due, now),
                "left": timeuntil(due, now, depth=1),
            }
        return _("First response was due at %(time)s; we are on it.") % {"time": when(due, now)}
    if ticket.update_due_at:
        due = ticket.update_due_at
        if due > now:
            return _("Next update by %(time)s (in %(left)s).") % {
                "time": when(due, now),
                "left": timeuntil(due, now, depth=1),
            }
        return _("Next update was due at %(time)s; it is on its way.") % {"time": when(due, now)}
    if ticket.resolution_due_at and ticket.resolution_due_at > now:
        return _("Resolution expected by %(time)s (in %(left)s).") % {
            "time": when(ticket.resolution_due_at, now),
            "left": timeuntil(ticket.resolution_due_at, now, depth=1),
        }
    return ""


@register.simple_tag
def sla_left(ticket, now=None):
    """For staff lists: "in 12 minutes" or "23 minutes ago"."""
    now = now or timezone.now()
    if ticket.next_due_at is None:
        return ""
    if ticket.next_due_at > now:
        return _("in %(left)s") % {"left": timeuntil(ticket.next_due_at, now, depth=1)}
    return _("%(late)s late") % {"late": timesince(ticket.next_due_at, now, depth=1)}
