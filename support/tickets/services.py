"""What can happen to a ticket. Views, the admin, email intake and jobs all come through here,
so the timeline, the SLA clock and the notifications stay right whoever acts."""

import copy
import hashlib
from contextlib import nullcontext
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef
from django.dispatch import Signal
from django.utils import timezone

from portal.inserts import insert_together
from support.oncall import paging

from . import notify, sla
from .cache import ticket_setup
from .forms import safe_filename, storage_filename
from .models import (
    Attachment,
    Holiday,
    Message,
    Priority,
    SlaPolicy,
    Team,
    Ticket,
    TimelineEvent,
    new_reference,
)

ticket_solved = Signal()  # sender=Ticket, ticket=…
# sender=Ticket, messages=[…], entries=[…]: rows reply_to_many wrote together (no post_save).
replied_together = Signal()

Kind = TimelineEvent.Kind
Status = Ticket.Status
Outcome = Ticket.Outcome


class TicketError(Exception):
    """An action that the ticket's state doesn't allow; the message is for people."""


def record(ticket, kind, by=None, **data):
    return TimelineEvent.objects.create(ticket=ticket, kind=kind, actor=by, data=data)


def policy_for(tier, priority):
    """The policy with its calendar and the calendar's holidays (None without one), from the
    cache of the ticket setup (cache.py); a copy, so that nothing a caller does reaches the
    cached one."""
    (policy,) = ticket_setup.cached(
        f"sla-policy:{tier}:{priority}", lambda: (_policy_for(tier, priority),)
    )
    return copy.copy(policy)


def _policy_for(tier, priority):
    """policy_for from the database, in one query on PostgreSQL (the days come as two arrays
    beside the row)."""
    policies = SlaPolicy.objects.select_related("calendar").filter(tier=tier, priority=priority)
    if connection.vendor != "postgresql":
        return policies.prefetch_related("calendar__holidays").first()
    days = Holiday.objects.filter(calendar_id=OuterRef("calendar_id")).order_by("date")
    policy = policies.annotate(
        closed_days=ArraySubquery(days.filter(is_working_day=False).values("date")),
        working_days=ArraySubquery(days.filter(is_working_day=True).values("date")),
    ).first()
    if policy is not None and policy.calendar is not None:
        policy.calendar.loaded_holidays = [
            Holiday(calendar=policy.calendar, date=day, is_working_day=False)
            for day in policy.closed_days
        ] + [
            Holiday(calendar=policy.calendar, date=day, is_working_day=True)
            for day in policy.working_days
        ]
    return policy


def apply_policy(ticket):
    """Take the targets of the organisation's tier and the ticket's priority."""
    policy = policy_for(ticket.organization.tier, ticket.priority)
    ticket.first_response_target = policy.first_response_minutes if policy else None
    ticket.resolution_target = policy.resolution_minutes if policy else None
    ticket.sla_calendar = policy.calendar if policy else None
    ticket.update_target = policy.update_minutes if policy else None
    ticket.apply_targets()


def default_team(tier=1):
    return Team.objects.filter(tier=tier).order_by("pk").first()


def save_attachments(ticket, message, files, by):
    """Store files (already checked for size and type by the caller) under safe names;
    one INSERT for all of them."""
    Attachment.objects.bulk_create(attachment_rows(ticket, message, files, by))


def attachment_rows(ticket, message, files, by):
    """The files stored, and their rows still to INSERT."""
    rows = []
    for upload in files:
        name = safe_filename(upload.name)  # shown whole; stored under a name short in bytes
        attachment = Attachment(
            ticket=ticket,
            message=message,
            name=name,
            content_type=getattr(upload, "content_type", "") or "application/octet-stream",
            size=upload.size,
            uploaded_by=by,
        )
        attachment.file.save(storage_filename(name), upload, save=False)
        rows.append(attachment)
    return rows


def submission_token(person, source, key):
    """The `form_token` stored for a submission sent twice (a form's hidden token, an API
    Idempotency-Key): the sender's own, since the column is unique over all tickets, so
    nothing one person sends can match, or block, another person's ticket."""
    if not key:
        return None
    return hashlib.sha256(f"{source}:{person.pk}:{key}".encode()).hexdigest()


def open_ticket(
    *,
    organization,
    requester,
    subject,
    description,
    priority="P2",
    category=None,
    service=None,
    channel="web",
    cc=(),
    attachments=(),
    created_by=None,
    extra_fields=None,
    problem_started_at=None,
    what_was_tried="",
    form_token=None,
    follow_up_of=None,
):
    """Open a ticket, start its SLA clock and store the emails that say so (written by a
    django-q2 task after commit: notify.later)."""
    if service is not None and service.organization_id != organization.pk:
        raise TicketError("The service belongs to another organisation.")
    now = timezone.now()
    team = category.team if category and category.team_id else default_team()
    ticket = Ticket(
        organization=organization,
        requester=requester,
        created_by=created_by or requester,
        subject=subject,
        description=description,
        priority=priority,
        category=category,
        service=service,
        channel=channel,
        team=team,
        tier=team.tier if team else 1,
        extra_fields=extra_fields or {},
        problem_started_at=problem_started_at,
        what_was_tried=what_was_tried,
        form_token=form_token,
        follow_up_of=follow_up_of,
        created_at=now,
        last_activity_at=now,
    )
    apply_policy(ticket)
    # Most tickets are one statement (see _open), which commits alone; anything more, or an
    # outer transaction (a savepoint, so that a taken reference can be tried again), is atomic.
    alone = not (cc or service or priority == Priority.P0 or connection.in_atomic_block)
    for _attempt in range(10):
        try:
            with nullcontext() if alone else transaction.atomic():
                _open(ticket, cc, attachments, now)
            return ticket
        except IntegrityError:
            if ticket.form_token and Ticket.objects.filter(form_token=ticket.form_token).exists():
                raise
            if not Ticket.objects.filter(reference=ticket.reference).exists():
                raise
            ticket.reference = new_reference()  # taken meanwhile: try again with another
    raise IntegrityError("Could not find a free ticket reference.")


def _open(ticket, cc, attachments, now):
    """The writes of open_ticket: the ticket, its first message, their attachments, the
    timeline entry, the stored emails and (with django-q2's database queue) the task that
    writes them go in one statement (portal/inserts.py), so a taken reference writes nothing;
    then what only some tickets need, in open_ticket's transaction."""
    message = Message(
        ticket=ticket,
        author=ticket.requester,
        body=ticket.description,
        channel=ticket.channel,
        created_at=now,
    )
    created = TimelineEvent(
        ticket=ticket, kind=Kind.CREATED, actor=ticket.created_by, data={"channel": ticket.channel}
    )
    emails = notify.row(
        ticket,
        ("received", "requester"),
        ("received", "other_customers"),
        ("staff_new", "team"),
        message=message,
    )
    task = notify.sending_row()
    files = attachment_rows(ticket, message, attachments, ticket.created_by)
    searchable = (ticket, message)
    for row in searchable:
        row.set_search_vector()
    try:
        insert_together([ticket, message, *files, created, emails, *([task] if task else [])])
    except IntegrityError:  # a taken reference or a form sent twice: the files go too
        for row in files:
            row.file.delete(save=False)
        raise
    for row in searchable:
        row.__dict__.pop("search_vector", None)  # an SQL expression until read again
    if task is None:
        notify.send_after_commit()
    if cc:
        members = set(ticket.organization.memberships.values_list("user_id", flat=True))
        copied = {person.pk for person in cc if person.pk in members} - {ticket.requester_id}
        Ticket.cc.through.objects.bulk_create(
            Ticket.cc.through(ticket_id=ticket.pk, user_id=pk) for pk in sorted(copied)
        )
    join_ongoing_incident(ticket)
    if ticket.priority == Priority.P0:
        paging.page_new_p0(ticket)


def add_reply(ticket, *, author, body, internal=False, channel="web", attachments=()):
    """Add a message. Staff public replies count as the first response; customer replies
    reopen pending or solved tickets."""
    if ticket.status == Status.CLOSED and not author.is_staff:
        raise TicketError("This ticket is closed.")
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            ticket=ticket,
            author=author,
            body=body,
            internal=internal and author.is_staff,
            channel=channel,
            created_at=now,
        )
        save_attachments(ticket, message, attachments, author)
        ticket.last_activity_at = now
        if author.is_staff and not message.internal:
            _staff_answered(ticket, author, now)
            notify.later(ticket, ("staff_reply", "customers"), message=message)
        elif not author.is_staff:
            if ticket.status in (Status.PENDING, Status.SOLVED):
                _set_status(ticket, Status.OPEN, author, now)
            notify.later(ticket, ("staff_customer_reply", "handlers"), message=message)
        ticket.refresh_next_due()
        ticket.save()
    return message


def _staff_answered(ticket, author, now, events=None, counted=False):
    """What a public staff reply does to the ticket; the caller saves. It counts as an update
    (unless `counted` already) and, the first time, as the first response (met or breached);
    it clears the customer's urgency flag, opens a new ticket and restarts the update clock."""
    if not counted:
        count_update(ticket, now)
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        ticket.first_response_business_minutes = ticket.business_minutes_since_opening(now)
        if not ticket.first_response_outcome and ticket.first_response_due_at:
            met = now <= ticket.first_response_due_at
            ticket.first_response_outcome = Outcome.MET if met else Outcome.BREACHED
    ticket.needs_attention = False
    if ticket.status == Status.NEW:
        _set_status(ticket, Status.OPEN, author, now, events)
    ticket.restart_update_clock(now)


def change_status(ticket, status, *, by):
    if status == ticket.status:
        return ticket
    if ticket.status == Status.CLOSED:
        raise TicketError("A closed ticket can't be reopened; open a follow-up ticket instead.")
    now = timezone.now()
    with transaction.atomic():
        _set_status(ticket, status, by, now)
        ticket.last_activity_at = now
        ticket.save()
        if status == Status.PENDING:
            notify.later(ticket, ("waiting", "customers"))
        elif status == Status.SOLVED:
            notify.later(ticket, ("solved", "customers"))
        if status == Status.SOLVED:
            ticket_solved.send(sender=Ticket, ticket=ticket)
    return ticket


def _set_status(ticket, status, by, now, events=None):
    """Move the ticket and its SLA clock; the caller saves. With `events` (a list), the
    timeline entry is added there for the caller to create with the others."""
    old = ticket.status
    ticket.status = status
    if status == Status.PENDING and ticket.sla_paused_at is None:
        ticket.sla_paused_at = now
    if old == Status.PENDING and status != Status.PENDING and ticket.sla_paused_at:
        ticket.sla_paused_minutes += sla.working_minutes_between(
            ticket.sla_paused_at, now, ticket.clock()
        )
        ticket.sla_paused_at = None
        ticket.apply_targets()
    if status == Status.SOLVED:
        ticket.solved_at = ticket.resolved_at = now
        ticket.resolution_business_minutes = ticket.business_minutes_since_opening(now)
        if not ticket.resolution_outcome and ticket.resolution_due_at:
            met = now <= ticket.resolution_due_at
            ticket.resolution_outcome = Outcome.MET if met else Outcome.BREACHED
    elif old == Status.SOLVED and status != Status.CLOSED:
        ticket.solved_at = None
    if status == Status.CLOSED:
        ticket.closed_at = now
    ticket.refresh_next_due()
    ticket.restart_update_clock(now)
    if events is None:
        record(ticket, Kind.STATUS, by, old=old, new=status)
    else:
        events.append(
            TimelineEvent(
                ticket=ticket, kind=Kind.STATUS, actor=by, data={"old": old, "new": status}
            )
        )


def count_update(ticket, now):
    """A public update given while one was due counts towards update attainment."""
    if ticket.update_due_at and now <= ticket.update_due_at:
        ticket.updates_on_time += 1


def reset_update_clock(ticket, now, *, by=None):
    """A public update reached the customer another way (a linked incident's update)."""
    if ticket.update_due_at is None:
        return
    count_update(ticket, now)
    ticket.restart_update_clock(now)
    ticket.save(update_fields=["update_due_at", "update_reminded", "updates_on_time"])


def change_priority(ticket, priority, *, by, reason=""):
    """New targets for the new priority, counted from when the ticket was opened."""
    if priority == ticket.priority or priority not in Priority.values:
        return ticket
    old = ticket.priority
    now = timezone.now()
    with transaction.atomic():
        ticket.priority = priority
        apply_policy(ticket)
        ticket.restart_update_clock(now)
        if ticket.first_response_warn_at and ticket.first_response_warn_at > now:
            ticket.first_response_warned = False
        if ticket.resolution_warn_at and ticket.resolution_warn_at > now:
            ticket.resolution_warned = False
        ticket.last_activity_at = now
        ticket.save()
        record(ticket, Kind.PRIORITY, by, old=old, new=priority, reason=reason[:500])
        if priority == Priority.P0:
            paging.page_new_p0(ticket)
    return ticket


def escalate(ticket, *, by=None, reason=""):
    """Hand the ticket to tier 2 and tell the engineers and the account manager."""
    now = timezone.now()
    with transaction.atomic():
        ticket.tier = 2
        ticket.team = default_team(2) or ticket.team
        ticket.escalated_at = now
        ticket.last_activity_at = now
        ticket.save()
        record(ticket, Kind.ESCALATED, by, tier=2, reason=reason[:500])
        notify.later(ticket, ("staff_escalated", "escalation"), reason=reason)
    return ticket


def assign(ticket, assignee, *, by):
    if assignee == ticket.assignee:
        return ticket
    with transaction.atomic():
        ticket.assignee = assignee
        ticket.save(update_fields=["assignee"])
        name = assignee.display_name if assignee else ""
        record(ticket, Kind.ASSIGNED, by, assignee=name)
        if assignee and assignee != by:
            notify.later(ticket, ("staff_assigned", "assignee"), by=by)
    return ticket


def change_team(ticket, team, *, by):
    if team == ticket.team:
        return ticket
    with transaction.atomic():
        ticket.team = team
        if team:
            ticket.tier = max(ticket.tier, team.tier)
        ticket.save(update_fields=["team", "tier"])
        record(ticket, Kind.TEAM, by, team=team.name if team else "")
    return ticket


def _change_link(ticket, field, value, kind, *, by):
    """Point the ticket at another category, service or incident, and say so in the timeline."""
    old = getattr(ticket, field)
    if old == value:
        return ticket
    with transaction.atomic():
        setattr(ticket, field, value)
        ticket.save(update_fields=[field])
        record(ticket, kind, by, old=str(old) if old else "", new=str(value) if value else "")
    return ticket


def change_category(ticket, category, *, by):
    return _change_link(ticket, "category", category, Kind.CATEGORY, by=by)


def change_service(ticket, service, *, by):
    if service is not None and service.organization_id != ticket.organization_id:
        raise TicketError("The service belongs to another organisation.")
    return _change_link(ticket, "service", service, Kind.SERVICE, by=by)


def change_incident(ticket, incident, *, by):
    return _change_link(ticket, "incident", incident, Kind.INCIDENT, by=by)


def join_ongoing_incident(ticket):
    """Link a new ticket to the ongoing incident on its service's components, if there is one.

    The customer sees the link on the ticket; the timeline records it (by nobody: automatic).
    Resolved incidents, drafts, maintenance and other services' incidents don't count.
    """
    from support.status.models import Incident

    if ticket.service_id is None or ticket.incident_id is not None:
        return None
    incident = (
        Incident.objects.active()
        .incidents()
        .filter(components__services=ticket.service_id)
        .order_by("-started_at", "-pk")
        .first()
    )
    if incident is not None:
        change_incident(ticket, incident, by=None)
    return incident


def change_cc(ticket, people, *, by):
    """Who else is copied in: members of the ticket's organisation, never the requester."""
    members = set(ticket.organization.memberships.values_list("user_id", flat=True))
    wanted = {person.pk for person in people if person.pk in members}
    wanted.discard(ticket.requester_id)
    ticket.cc.set(wanted)
    return ticket


FIELD_CHANGES = {
    "priority": None,  # needs a reason: see update_ticket
    "assignee": assign,
    "team": change_team,
    "category": change_category,
    "service": change_service,
    "incident": change_incident,
    "status": change_status,
}


def update_ticket(ticket, *, by, priority_reason="", **changes):
    """Apply the fields staff changed (the ticket page, bulk actions): each through its own
    function, so each leaves a timeline entry with who and when. Unchanged values are no-ops."""
    with transaction.atomic():
        for field, value in changes.items():
            if field == "priority":
                change_priority(ticket, value, by=by, reason=priority_reason)
            elif field == "cc":
                change_cc(ticket, value, by=by)
            else:
                FIELD_CHANGES[field](ticket, value, by=by)
    return ticket


def reply(ticket, *, author, body, internal=False, status=None, attachments=(), channel="web"):
    """A staff reply or note with Zendesk's "submit as": the status afterwards is exactly the
    one chosen; none chosen, the automatic rule of add_reply (a first public reply on a new
    ticket opens it). An internal note never changes the status."""
    with transaction.atomic():
        message = add_reply(
            ticket,
            author=author,
            body=body,
            internal=internal,
            attachments=attachments,
            channel=channel,
        )
        if status and not message.internal and status != ticket.status:
            change_status(ticket, status, by=author)
    return message


TICKET_FIELDS_A_REPLY_CHANGES = [
    "status",
    "last_activity_at",
    "first_response_at",
    "first_response_business_minutes",
    "first_response_outcome",
    "first_response_due_at",
    "first_response_warn_at",
    "resolution_due_at",
    "resolution_warn_at",
    "resolution_business_minutes",
    "resolution_outcome",
    "solved_at",
    "resolved_at",
    "needs_attention",
    "sla_paused_at",
    "sla_paused_minutes",
    "updates_on_time",
    "update_due_at",
    "update_reminded",
    "next_due_at",
]


def reply_to_many(tickets, *, author, bodies, status=None, event=None, counted=False):
    """The same public staff reply on many tickets at once (an incident's update posted to
    its linked tickets), each in its own words: `bodies` maps a ticket's pk to its text.

    Each active ticket gets what `reply` gives one: the message, the first response and
    update clock, the status (`status`, e.g. solved, afterwards), its timeline entries,
    `event` = (kind, data) as one more entry, and its customers' emails — in a number of
    queries that doesn't grow with the tickets. Closed and inactive tickets are left alone.
    `counted`: the update was already counted towards update attainment (an incident's update
    is, for its linked tickets), so the reply doesn't count it again. Returns the messages.
    """
    tickets = [ticket for ticket in tickets if ticket.status in Ticket.ACTIVE_STATES]
    if not tickets:
        return []
    now = timezone.now()
    with transaction.atomic():
        messages = Message.objects.bulk_create(
            [
                Message(ticket=ticket, author=author, body=bodies[ticket.pk], created_at=now)
                for ticket in tickets
            ]
        )
        events, solved, notifications = [], [], []
        for ticket, message in zip(tickets, messages, strict=True):
            ticket.last_activity_at = now
            _staff_answered(ticket, author, now, events, counted=counted)
            emails = [("staff_reply", "customers")]
            if status and status != ticket.status:
                _set_status(ticket, status, author, now, events)
                if status == Status.PENDING:
                    emails.append(("waiting", "customers"))
                elif status == Status.SOLVED:
                    emails.append(("solved", "customers"))
                    solved.append(ticket)
            notifications.append(notify.row(ticket, *emails, message=message))
            ticket.refresh_next_due()
            if event is not None:
                kind, data = event
                events.append(
                    TimelineEvent(ticket=ticket, kind=kind, actor=author, data=data, created_at=now)
                )
        for entry in events:
            entry.created_at = now
        Ticket.objects.bulk_update(tickets, TICKET_FIELDS_A_REPLY_CHANGES, batch_size=500)
        TimelineEvent.objects.bulk_create(events)
        replied_together.send(sender=Ticket, messages=messages, entries=events)
        notify.later_many(notifications)
        for ticket in solved:
            ticket_solved.send(sender=Ticket, ticket=ticket)
    return messages


def merge(source, target, *, by):
    """Move the conversation, attachments and people of `source` into `target` and close it."""
    if source.pk == target.pk:
        raise TicketError("A ticket can't be merged into itself.")
    if source.organization_id != target.organization_id:
        raise TicketError("Only tickets of the same organisation can be merged.")
    if target.status == Status.CLOSED:
        raise TicketError("Tickets can't be merged into a closed ticket.")
    now = timezone.now()
    with transaction.atomic():
        Message.objects.filter(ticket=source).update(ticket=target)
        Attachment.objects.filter(ticket=source).update(ticket=target)
        target.cc.add(
            *source.cc.all(), *([source.requester] if source.requester != target.requester else [])
        )
        source.merged_into = target
        source.save(update_fields=["merged_into"])
        if source.status != Status.CLOSED:
            _set_status(source, Status.CLOSED, by, now)
            source.save()
        target.last_activity_at = now
        target.save(update_fields=["last_activity_at"])
        record(source, Kind.MERGED, by, into=target.reference)
        record(target, Kind.MERGED, by, **{"from": source.reference})
    return target


class UrgencyLimitReached(TicketError):
    pass


def request_urgency(ticket, *, by, reason):
    """A customer says it's more urgent: flag it for staff and raise P3/P2 one step."""
    limit = getattr(settings, "TICKET_URGENT_REQUESTS_PER_DAY", 3)
    since = timezone.now() - timedelta(days=1)
    if ticket.events.filter(kind=Kind.URGENT, created_at__gte=since).count() >= limit:
        raise UrgencyLimitReached("Limit reached")
    if ticket.status not in Ticket.ACTIVE_STATES:
        raise TicketError("Only open tickets can be made more urgent.")
    with transaction.atomic():
        record(ticket, Kind.URGENT, by, reason=reason[:500])
        ticket.needs_attention = True
        ticket.save(update_fields=["needs_attention"])
        higher = {"P3": "P2", "P2": "P1"}.get(ticket.priority)
        if higher:
            change_priority(ticket, higher, by=by, reason=reason[:500])
        notify.later(ticket, ("staff_urgent", "handlers"), reason=reason, by=by)
    return ticket
