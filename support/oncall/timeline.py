"""Words for the timeline entries this app adds to tickets (staff only)."""

from django.utils.translation import gettext as _

from . import paging


def describe_oncall_event(event):
    data = event.data or {}
    if event.kind == paging.PAGED_KIND:
        return _("Paged %(person)s (%(role)s)") % {
            "person": data.get("person", ""),
            "role": data.get("role", ""),
        }
    if event.kind == paging.ACK_KIND:
        return _("%(person)s acknowledged the page") % {"person": data.get("person", "")}
    if event.kind == paging.EXHAUSTED_KIND and data.get("nobody"):
        return _("Nobody could be paged: no one is on call and the escalation policy names nobody")
    if event.kind == paging.EXHAUSTED_KIND:
        return _("Nobody acknowledged the page: every escalation step was paged")
    return None
