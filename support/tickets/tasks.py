"""The SLA sweep, run by django-q2 every minute.

It works through whatever is due in batches of at most SLA_SWEEP_BATCH tickets, each
batch its own transaction in a fixed handful of queries (every flag set with one UPDATE,
timeline entries and digest lines inserted in bulk), until nothing is left or the run
has used SLA_SWEEP_SECONDS; a backlog left then (after an outage) is the next minute's.
So a run always ends well inside django-q2's task timeout, however much is due. Staff
hear of it in one digest email each per run (support.tickets.digests), written from the
digest lines the batches stored: a run that dies mid-way loses no line.
"""

import time
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from support.oncall import paging, updates

from . import digests, notify
from .models import DigestLine, Team, Ticket, TimelineEvent, auto_close_after

Kind = TimelineEvent.Kind
Outcome = Ticket.Outcome
Line = DigestLine.Kind
TARGETS = ("first_response", "resolution")
PARTS = ("warned", "breached", "update_reminders", "updates_missed", "closed")


def batch_size():
    return settings.SLA_SWEEP_BATCH


def sweep(now=None):
    """Warn at 75 %, mark breaches (final), escalate them, remind and record customer
    updates, close old solved tickets; then send each person their digest."""
    now = now or timezone.now()
    started = time.monotonic()
    totals = dict.fromkeys(PARTS, 0)
    batches = 0
    while True:
        result = sweep_batch(now)
        batches += 1
        for part in PARTS:
            totals[part] += result[part]
        if not result["more"] or time.monotonic() - started >= settings.SLA_SWEEP_SECONDS:
            break
    totals["batches"] = batches
    totals["more"] = result["more"]
    totals["digests"] = digests.send()
    return totals


def sweep_batch(now=None, size=None):
    """One transaction over at most `size` tickets; "more" says whether work was left."""
    now = now or timezone.now()
    left = size or batch_size()
    result = dict.fromkeys(PARTS, 0)
    with transaction.atomic():
        commit_without_waiting_for_the_disk()
        staff = Directory()
        steps = (
            ("warned", lambda limit: send_warnings(now, staff, limit)),
            ("breached", lambda limit: mark_breaches(now, staff, limit)),
            ("update_reminders", lambda limit: updates.remind(now, staff, limit)),
            ("updates_missed", lambda limit: updates.mark_missed(now, limit)),
            ("closed", lambda limit: close_solved(now, limit)),
        )
        for part, step in steps:
            if left <= 0:
                break
            result[part] = step(left)
            left -= result[part]
    result["more"] = left <= 0
    return result


def commit_without_waiting_for_the_disk():
    """A batch's COMMIT returns before its WAL is flushed (PostgreSQL's asynchronous commit,
    for this transaction only): the WAL writer flushes it within a fraction of a second, and
    the run's digest transaction, committed as usual, flushes it with its own. Should the
    server crash in that moment, the lost batch's work is still due and the next minute
    does it; nothing is ever half-done (atomicity and isolation are unchanged)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


class Directory(notify.Staff):
    """The staff directory of a batch, with the teams (a breach moves a ticket to tier 2)."""

    def __init__(self):
        super().__init__()
        teams = sorted(Team.objects.all(), key=lambda team: team.pk)
        self.tier2 = next((team for team in teams if team.tier == 2), None)


def running(now):
    tickets = Ticket.objects.filter(status__in=Ticket.ACTIVE_STATES, sla_paused_at__isnull=True)
    tickets = tickets.select_related("assignee", "organization__account_manager", "team")
    tickets = tickets.defer("search_vector", "description")  # the sweep never reads them
    if connection.features.has_select_for_update_skip_locked:
        tickets = tickets.select_for_update(skip_locked=True, of=("self",))
    return tickets


def due_filters(target, now, moment):
    filters = {f"{target}_outcome": "", f"{target}_{moment}_at__lte": now}
    if target == "first_response":
        filters["first_response_at__isnull"] = True
    return filters


def lines_for(people, ticket, kind, target):
    return [
        DigestLine(person_id=person.pk, ticket_id=ticket.pk, kind=kind, target=target)
        for person in notify.unique(people)
    ]


def send_warnings(now, staff, limit):
    events, lines, count = [], [], 0
    for target in TARGETS:
        tickets = list(
            running(now)
            .filter(
                **due_filters(target, now, "warn"),
                **{f"{target}_warned": False, f"{target}_due_at__gt": now},
            )
            .order_by(f"{target}_due_at", "pk")[: limit - count]
        )
        for ticket in tickets:
            events.append(
                TimelineEvent(ticket_id=ticket.pk, kind=Kind.SLA_WARNING, data={"target": target})
            )
            lines += lines_for(staff.handlers(ticket), ticket, Line.WARNING, target)
        if tickets:
            Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(
                **{f"{target}_warned": True}
            )
        count += len(tickets)
        if count >= limit:
            break
    TimelineEvent.objects.bulk_create(events)
    DigestLine.objects.bulk_create(lines)
    return count


def mark_breaches(now, staff, limit):
    """Mark late targets breached (final) and escalate to tier 2: one UPDATE for the whole
    batch, not one row at a time."""
    events, lines, changed, to_page = [], [], {}, []
    late = {target: [] for target in TARGETS}
    escalated = []
    for target in TARGETS:
        due = running(now).filter(**due_filters(target, now, "due"))
        for ticket in due.order_by(f"{target}_due_at", "pk")[: limit - len(changed)]:
            ticket = changed.setdefault(ticket.pk, ticket)  # both targets late: one ticket
            late[target].append(ticket.pk)
            setattr(ticket, f"{target}_outcome", Outcome.BREACHED)
            if target == "first_response" and ticket.priority == "P1":
                to_page.append(ticket)
            events.append(
                TimelineEvent(ticket_id=ticket.pk, kind=Kind.SLA_BREACH, data={"target": target})
            )
            people = staff.escalation(ticket)
            if ticket.tier < 2:
                ticket.tier = 2
                ticket.team = staff.tier2 or ticket.team
                ticket.escalated_at = now
                escalated.append(ticket.pk)
                events.append(
                    TimelineEvent(
                        ticket_id=ticket.pk, kind=Kind.ESCALATED, data={"tier": 2, "reason": "SLA"}
                    )
                )
            else:
                people = people + staff.handlers(ticket)
            lines += lines_for(people, ticket, Line.BREACH, target)
        if len(changed) >= limit:
            break
    for ticket in changed.values():
        ticket.refresh_next_due()
    if changed:
        mark_in_one_update(changed, late, escalated, now, staff.tier2)
    TimelineEvent.objects.bulk_create(events)
    DigestLine.objects.bulk_create(lines)
    for ticket in to_page:
        paging.page_p1_breach(ticket, now)
    return len(changed)


def only(ids, value, field):
    """`value` for the rows in `ids`, the column unchanged for the others."""
    return Case(
        When(pk__in=ids, then=Value(value)),
        default=F(field),
        output_field=Ticket._meta.get_field(field),
    )


def mark_in_one_update(changed, late, escalated, now, tier2):
    """Each ticket row written once (every index of the ticket table is written on each
    update of a row): the breached outcomes, the escalation and the next due time."""
    changes = {
        f"{target}_outcome": only(ids, Outcome.BREACHED, f"{target}_outcome")
        for target, ids in late.items()
        if ids
    }
    if escalated:
        changes["tier"] = only(escalated, 2, "tier")
        changes["escalated_at"] = only(escalated, now, "escalated_at")
        if tier2:
            changes["team"] = only(escalated, tier2.pk, "team")
    by_due = defaultdict(list)
    for ticket in changed.values():
        by_due[ticket.next_due_at].append(ticket.pk)
    changes["next_due_at"] = Case(
        *[When(pk__in=ids, then=Value(due)) for due, ids in by_due.items()],
        output_field=Ticket._meta.get_field("next_due_at"),
    )
    Ticket.objects.filter(pk__in=list(changed)).update(**changes)


def close_solved(now, limit):
    """Solved tickets close by themselves some days later; then they can't be reopened."""
    old = Ticket.objects.filter(
        status=Ticket.Status.SOLVED, solved_at__lte=now - auto_close_after()
    )
    ids = list(old.order_by("solved_at", "pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    Ticket.objects.filter(pk__in=ids).update(
        status=Ticket.Status.CLOSED, closed_at=now, next_due_at=None
    )
    TimelineEvent.objects.bulk_create(
        TimelineEvent(ticket_id=pk, kind=Kind.STATUS, data={"old": "solved", "new": "closed"})
        for pk in ids
    )
    return len(ids)
