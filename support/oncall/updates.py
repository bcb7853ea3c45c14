"""The "update every" clock, swept each minute with the SLA sweep (support.tickets.tasks).

Reminds the assignee shortly before a customer update is due (paging them for
P0), and records a missed update like any other breach: an "SLA target missed"
entry with target "update" in the timeline and a count on the ticket, so
reports can show update attainment. A missed update starts the next interval
from the moment it was due.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection

from support.tickets import notify, sla
from support.tickets.models import DigestLine, Priority, Ticket, TimelineEvent

from . import lookup, paging
from .models import Alert

BATCH = 5000
Kind = TimelineEvent.Kind


def reminder_minutes():
    return getattr(settings, "ONCALL_UPDATE_REMINDER_MINUTES", 5)


def running():
    tickets = Ticket.objects.filter(
        status__in=Ticket.ACTIVE_STATES, sla_paused_at__isnull=True, update_due_at__isnull=False
    ).select_related("assignee", "team", "sla_calendar", "organization")
    tickets = tickets.prefetch_related("sla_calendar__holidays")
    if connection.features.has_select_for_update_skip_locked:
        tickets = tickets.select_for_update(skip_locked=True, of=("self",))
    return tickets


def remind(now, staff, limit=BATCH):
    """Tell (P0: page) whoever works the ticket a few minutes before an update is due: a line
    in their next SLA digest (support.tickets.digests)."""
    lead = timedelta(minutes=reminder_minutes())
    tickets = list(
        running()
        .filter(update_reminded=False, update_due_at__gt=now, update_due_at__lte=now + lead)
        .order_by("update_due_at", "pk")[:limit]
    )
    events, lines = [], []
    for ticket in tickets:
        events.append(
            TimelineEvent(
                ticket=ticket,
                kind=Kind.SLA_WARNING,
                data={"target": "update", "due": ticket.update_due_at.isoformat()},
            )
        )
        if ticket.priority == Priority.P0:
            person = ticket.assignee or lookup.on_call(ticket.team, now)
            if person is not None:
                paging.raise_alert(
                    Alert.Reason.UPDATE_DUE,
                    team=ticket.team,
                    ticket=ticket,
                    person=person,
                    escalates=False,
                    now=now,
                )
                continue
        lines += [
            DigestLine(person=person, ticket=ticket, kind=DigestLine.Kind.UPDATE, target="update")
            for person in notify.unique(staff.handlers(ticket))
        ]
    if tickets:
        Ticket.objects.filter(pk__in=[ticket.pk for ticket in tickets]).update(update_reminded=True)
    TimelineEvent.objects.bulk_create(events)
    DigestLine.objects.bulk_create(lines)
    return len(tickets)


def mark_missed(now, limit=BATCH):
    """Record each missed update and start the next interval from when it was due."""
    tickets = list(running().filter(update_due_at__lte=now).order_by("update_due_at", "pk")[:limit])
    if not tickets:
        return 0
    events = []
    for ticket in tickets:
        due = ticket.update_due_at
        events.append(
            TimelineEvent(
                ticket=ticket,
                kind=Kind.SLA_BREACH,
                data={"target": "update", "due": due.isoformat()},
                created_at=now,
            )
        )
        ticket.updates_missed += 1
        minutes, clock = float(ticket.update_target or 0), ticket.clock()
        following = sla.next_update_due(due, minutes, clock)
        if following is None or following <= now:
            following = sla.next_update_due(now, minutes, clock)
        ticket.update_due_at = following
        ticket.update_reminded = False
    Ticket.objects.bulk_update(
        tickets, ["updates_missed", "update_due_at", "update_reminded"], batch_size=1000
    )
    TimelineEvent.objects.bulk_create(events)
    return len(tickets)


def reset_for_incident(incident_id, now):
    """An incident update is an update to every customer whose ticket is linked to it."""
    from support.tickets.services import count_update

    tickets = list(
        Ticket.objects.filter(incident_id=incident_id, update_due_at__isnull=False)
        .select_related("sla_calendar")
        .prefetch_related("sla_calendar__holidays")
    )
    for ticket in tickets:  # what services.reset_update_clock does, saved together
        count_update(ticket, now)
        ticket.restart_update_clock(now)
    Ticket.objects.bulk_update(
        tickets, ["update_due_at", "update_reminded", "updates_on_time"], batch_size=1000
    )
