"""The figures on the back-office dashboard (the admin index), each a link to the queue that
holds the tickets behind it. A constant number of queries, whatever the number of tickets."""

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from support.inbound.models import InboundEmail
from support.status.models import Incident

from .models import Ticket
from .queues import (
    breached_since,
    count_open_work,
    recent,
    start_of_today,
    waiting_on_us,
)

FIGURES = ["breached", "at_risk", "on_track", "paused", "urgent", "unassigned", "waiting", "mine"]


def queue_url(view):
    return f"{reverse('admin:tickets_ticket_changelist')}?view={view}"


def figures(request, now=None):
    """The dashboard's figures for its reader, worked out at most every few seconds
    (queues.recent) unless asked for a given moment."""
    if now is not None:
        return _figures(request.user, now)
    return recent.get(("dashboard", request.user.pk), lambda: _figures(request.user))


def _figures(user, now=None):
    now = now or timezone.now()
    # 1 query: every open-work figure (from the covering index alone).
    counts = count_open_work(user, now, ["open", *FIGURES])
    # 1 query: targets missed today.
    counts["breached_today"] = Ticket.objects.filter(
        breached_since(start_of_today(now), now)
    ).count()
    # 1 query: email held for staff.
    triage = InboundEmail.objects.filter(status=InboundEmail.Status.TRIAGE).count()
    # 1 query: the tickets waiting longest for our move.
    longest = list(
        Ticket.objects.filter(waiting_on_us())
        .select_related("organization", "assignee")
        .order_by("last_activity_at")[:8]
    )
    # 1 query: incidents and maintenance affecting people now or announced.
    incidents = list(
        (Incident.objects.active() | Incident.objects.published().upcoming())
        .annotate(component_count=Count("components"))
        .order_by("kind", "-started_at")[:10]
    )
    tiles = [
        {"slug": "breached", "label": _("Breached"), "tone": "danger"},
        {"slug": "at_risk", "label": _("At risk"), "tone": "warning"},
        {"slug": "on_track", "label": _("On track"), "tone": "ok"},
        {"slug": "paused", "label": _("No SLA clock running"), "tone": "muted"},
    ]
    work = [
        {"slug": "urgent", "label": _("P0/P1 open"), "tone": "danger"},
        {"slug": "breached_today", "label": _("Breached today"), "tone": "danger"},
        {"slug": "unassigned", "label": _("Unassigned"), "tone": "warning"},
        {"slug": "waiting", "label": _("Waiting on customer"), "tone": "muted"},
        {"slug": "mine", "label": _("My tickets"), "tone": "ok"},
    ]
    for tile in tiles + work:
        tile["count"] = counts[tile["slug"]]
        tile["url"] = queue_url(tile["slug"])
    work.append(
        {
            "slug": "triage",
            "label": _("Email awaiting triage"),
            "tone": "warning",
            "count": triage,
            "url": reverse("admin:inbound_inboundemail_changelist") + "?status__exact=triage",
        }
    )
    return {
        "open_total": counts["open"],
        "open_url": queue_url("open"),
        "sla_tiles": tiles,
        "work_tiles": work,
        "waiting_longest": longest,
        "incidents": incidents,
    }
