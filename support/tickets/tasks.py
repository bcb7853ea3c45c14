"""The escalation sweep, run by django-q2 every minute.

It works in bulk: a fixed handful of queries whether 1 or 10,000 tickets are
due, because the emails of a run are queued together and every flag is set
with one UPDATE.
"""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from accounts.staff_groups import ENGINEERS
from support.oncall import paging, updates

from . import notify
from .models import Team, Ticket, TimelineEvent, auto_close_after

Kind = TimelineEvent.Kind
Outcome = Ticket.Outcome
BATCH = 5000
TARGETS = ("first_response", "resolution")


def sweep(now=None):
    """Warn at 75 %, mark breaches (final), escalate them, and close old solved tickets."""
    now = now or timezone.now()
    with transaction.atomic():
        staff = StaffDirectory()
        warned = send_warnings(now, staff)
        breached = mark_breaches(now, staff)
        reminded = updates.remind(now, staff)
        missed = updates.mark_missed(now)
        closed = close_solved(now)
    return {
        "warned": warned,
        "breached": breached,
        "update_reminders": reminded,
        "updates_missed": missed,
        "closed": closed,
    }


class StaffDirectory:
    """Every active staff member and their groups, loaded once per sweep."""

    def __init__(self):
        User = get_user_model()
        self.by_group = defaultdict(list)
        self.engineers = []
        people = User.objects.filter(is_staff=True, is_active=True).prefetch_related("groups")
        for person in people:
            for group in person.groups.all():
                self.by_group[group.pk].append(person)
                if group.name == ENGINEERS:
                    self.engineers.append(person)
        self.teams = {team.pk: team for team in Team.objects.all()}
        self.tier1 = next((team for team in self.teams.values() if team.tier == 1), None)
        self.tier2 = next((team for team in self.teams.values() if team.tier == 2), None)

    def handlers(self, ticket):
        if ticket.assignee_id:
            return [ticket.assignee]
        team = self.teams.get(ticket.team_id) or self.tier1
        return self.by_group.get(team.group_id, []) if team else []


def running(now):
    tickets = Ticket.objects.filter(status__in=Ticket.ACTIVE_STATES, sla_paused_at__isnull=True)
    tickets = tickets.select_related("assignee", "organization__account_manager", "requester")
    if connection.features.has_select_for_update_skip_locked:
        tickets = tickets.select_for_update(skip_locked=True, of=("self",))
    return tickets


def due_filters(target, now, moment):
    filters = {f"{target}_outcome": "", f"{target}_{moment}_at__lte": now}
    if target == "first_response":
        filters["first_response_at__isnull"] = True
    return filters


def send_warnings(now, staff):
    batch, events, count = notify.Batch(), [], 0
    for target in TARGETS:
        tickets = list(
            running(now).filter(
                **due_filters(target, now, "warn"),
                **{f"{target}_warned": False, f"{target}_due_at__gt": now},
            )[:BATCH]
        )
        for ticket in tickets:
            events.append(
                TimelineEvent(ticket=ticket, kind=Kind.SLA_WARNING, data={"target": target})
            )
            batch.add_each(ticket, "staff_sla_warning", staff.handlers(ticket), target=target)
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(**{f"{target}_warned": True})
        count += len(tickets)
    TimelineEvent.objects.bulk_create(events)
    batch.send()
    return count


def mark_breaches(now, staff):
    batch, events, changed, to_page = notify.Batch(), [], {}, []
    for target in TARGETS:
        for ticket in running(now).filter(**due_filters(target, now, "due"))[:BATCH]:
            ticket = changed.setdefault(ticket.pk, ticket)
            setattr(ticket, f"{target}_outcome", Outcome.BREACHED)
            if target == "first_response" and ticket.priority == "P1":
                to_page.append(ticket)
            events.append(
                TimelineEvent(ticket=ticket, kind=Kind.SLA_BREACH, data={"target": target})
            )
            people = staff.engineers + [ticket.organization.account_manager]
            if ticket.tier < 2:
                ticket.tier = 2
                ticket.team = staff.tier2 or ticket.team
                ticket.escalated_at = now
                events.append(
                    TimelineEvent(
                        ticket=ticket, kind=Kind.ESCALATED, data={"tier": 2, "reason": "SLA"}
                    )
                )
            else:
                people = people + staff.handlers(ticket)
            batch.add_each(ticket, "staff_sla_breach", people, target=target)
    for ticket in changed.values():
        ticket.refresh_next_due()
    fields = [
        "first_response_outcome",
        "resolution_outcome",
        "tier",
        "team",
        "escalated_at",
        "next_due_at",
    ]
    Ticket.objects.bulk_update(changed.values(), fields, batch_size=1000)
    TimelineEvent.objects.bulk_create(events)
    batch.send()
    for ticket in to_page:
        paging.page_p1_breach(ticket, now)
    return len(changed)


def close_solved(now):
    """Solved tickets close by themselves some days later; then they can't be reopened."""
    old = Ticket.objects.filter(
        status=Ticket.Status.SOLVED, solved_at__lte=now - auto_close_after()
    )
    ids = list(old.values_list("pk", flat=True)[:BATCH])
    Ticket.objects.filter(pk__in=ids).update(
        status=Ticket.Status.CLOSED, closed_at=now, next_due_at=None
    )
    TimelineEvent.objects.bulk_create(
        TimelineEvent(ticket_id=pk, kind=Kind.STATUS, data={"old": "solved", "new": "closed"})
        for pk in ids
    )
    return len(ids)
