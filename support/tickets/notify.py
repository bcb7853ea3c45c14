"""Ticket emails: who gets which, threaded by Message-ID, queued in the outbox.

A change to a ticket says what to send with `later()`: one Notification row in the
change's own transaction, nothing rendered. `send_pending()` (a django-q2 task, queued
after commit or, opening a ticket with the database broker, in the same statement; and run
every minute) works out the recipients, renders each email in the
recipient's language and time zone into the outbox and deletes the row, in one
transaction: a lost task or a dead worker delays the emails, never loses them.

Every email carries `[REFERENCE]` in its subject, a Message-ID recorded in
TicketEmail, and In-Reply-To/References pointing at the ticket's thread id so that
mail programs thread them. The Message-ID and the Reply-To address (when
INBOUND_REPLY_ADDRESS is set) carry a reply token signed for this ticket and this
recipient (support.inbound.authenticity): a reply that brings it back is known to
come from the person it was sent to. Who receives customer emails is decided in
access.py. Internal notes are never passed to any template here.
"""

import secrets
from collections import defaultdict
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils import timezone

from accounts.staff_groups import AGENTS, ENGINEERS
from portal.emails import build_email_to_user
from portal.net import absolute_url
from support.inbound.authenticity import reply_address, reply_token

from .access import email_recipients, email_recipients_for
from .models import Notification, TicketEmail

User = get_user_model()

HUMAN_KINDS = {"staff_reply"}


def mail_domain():
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def new_thread_id():
    return f"<ticket.{secrets.token_urlsafe(16)}@{mail_domain()}>"


def new_message_id(ticket, user):
    """A Message-ID carrying the reply token for `user`, and a random part of its own."""
    token = reply_token(ticket.reference, user.pk)
    return f"<{token}.{secrets.token_urlsafe(9)}@{mail_domain()}>"


def thread_headers(ticket, user):
    """Every email replies to the ticket's thread id (which nobody receives as a Message-ID:
    it is shared by everyone on the ticket, so it proves nothing about who answers)."""
    root = ticket.email_thread_id
    message_id = new_message_id(ticket, user)
    headers = {"Message-ID": message_id, "In-Reply-To": root, "References": root}
    address = reply_address(reply_token(ticket.reference, user.pk))
    if address:
        headers["Reply-To"] = address
    return message_id, headers


class Batch:
    """Collects a run of emails and queues them with two queries, however many there are."""

    def __init__(self):
        self.messages = []
        self.records = []

    def add(self, ticket, kind, user, **context):
        message_id, headers = thread_headers(ticket, user)
        if kind not in HUMAN_KINDS:
            headers["Auto-Submitted"] = "auto-generated"
        context = {
            "ticket": ticket,
            "ticket_url": absolute_url(ticket.get_absolute_url()),
            "admin_url": absolute_url(f"/admin/tickets/ticket/{ticket.pk}/change/"),
            **context,
        }
        message = build_email_to_user(user, f"tickets/email/{kind}", context, headers)
        self.messages.append(message)
        self.records.append(
            TicketEmail(ticket=ticket, message_id=message_id, recipient=user.email, kind=kind)
        )

    def add_each(self, ticket, kind, users, **context):
        for user in unique(users):
            self.add(ticket, kind, user, **context)

    def send(self):
        if self.messages:
            get_connection().send_messages(self.messages)
            TicketEmail.objects.bulk_create(self.records)
        count = len(self.messages)
        self.messages, self.records = [], []
        return count


def unique(users):
    seen = set()
    for user in users:
        if user is not None and user.is_active and user.pk not in seen:
            seen.add(user.pk)
            yield user


def customers(ticket, exclude=None):
    """The customers who receive the ticket's emails (access.py decides)."""
    return email_recipients(ticket, exclude=exclude)


def customers_of(tickets):
    """customers() for many tickets at once: ticket pk → its email recipients."""
    return email_recipients_for(tickets)


def group_members(*group_names):
    return list(
        User.objects.filter(is_active=True, is_staff=True, groups__name__in=group_names).distinct()
    )


class Staff:
    """Who receives a run of emails, without a query per ticket: every active staff member
    by group (two queries) and, once loaded, the customers of the run's tickets (two)."""

    def __init__(self):
        self.by_group, self.by_name = defaultdict(list), defaultdict(list)
        self.customers_by_ticket = {}
        people = User.objects.filter(is_staff=True, is_active=True).prefetch_related("groups")
        for person in people.order_by("pk"):
            for group in person.groups.all():
                self.by_group[group.pk].append(person)
                self.by_name[group.name].append(person)

    def load_customers(self, tickets):
        """The customers of many tickets in two queries, for `customers` to answer from."""
        self.customers_by_ticket.update(customers_of(tickets))

    def customers(self, ticket, exclude=None):
        people = self.customers_by_ticket.get(ticket.pk)
        if people is None:
            people = customers(ticket)
        return [person for person in people if exclude is None or person.pk != exclude.pk]

    def team(self, team):
        """Who works `team`'s tickets (Tier 1 agents for a ticket without a team)."""
        if team is None or team.group_id is None:
            return self.by_name[AGENTS]
        return self.by_group[team.group_id]

    def engineers(self):
        return self.by_name[ENGINEERS]

    def handlers(self, ticket):
        """The assignee, or everyone in the ticket's team while nobody is assigned."""
        return [ticket.assignee] if ticket.assignee_id else self.team(ticket.team)

    def escalation(self, ticket):
        """The engineers and the organisation's account manager."""
        return self.engineers() + [ticket.organization.account_manager]


# Who an audience named in Notification.emails is, worked out when the emails are written.
AUDIENCES = {
    "requester": lambda ticket, staff: [ticket.requester],
    "customers": lambda ticket, staff: staff.customers(ticket),
    "other_customers": lambda ticket, staff: staff.customers(ticket, exclude=ticket.requester),
    "team": lambda ticket, staff: staff.team(ticket.team),
    "handlers": lambda ticket, staff: staff.handlers(ticket),
    "assignee": lambda ticket, staff: [ticket.assignee],
    "escalation": lambda ticket, staff: staff.escalation(ticket),
}
CONTEXT = ("reason", "target")  # what a row may carry besides the message and the actor


def later(ticket, *emails, message=None, by=None, **context):
    """Remember to send `emails` ((template, audience) pairs) about `ticket`: one INSERT in the
    caller's transaction; the emails are written by `send_pending` after it commits."""
    if not emails:
        return None
    return later_many([row(ticket, *emails, message=message, by=by, **context)])[0]


def row(ticket, *emails, message=None, by=None, **context):
    """An unsaved Notification, for `later_many` to store with others in one INSERT."""
    unknown = {audience for _template, audience in emails} - AUDIENCES.keys()
    if unknown or context.keys() - set(CONTEXT):
        raise ValueError(f"Unknown audience or context: {unknown or set(context)}")
    return Notification(
        ticket=ticket,
        emails=[list(pair) for pair in emails],
        message=message,
        actor=by,
        context=context,
    )


def later_many(rows):
    """Store notifications (one INSERT) and have them written after commit."""
    rows = Notification.objects.bulk_create(rows)
    if rows:
        send_after_commit()
    return rows


def schedule_sending(broker=None):
    from django_q.tasks import async_task

    options = {"broker": broker} if broker else {}
    async_task("support.tickets.notify.send_pending", task_name="write ticket emails", **options)


class KeptPackage:
    """A stand-in broker for async_task: keeps the signed task it is handed."""

    def __init__(self, list_key):
        self.list_key, self.package = list_key, None

    def enqueue(self, package):
        self.package = package
        return "with the change's rows"  # for django-q2's log line


def sending_row():
    """The task that writes the emails as an unsaved row of django-q2's ORM broker queue, for
    the caller to INSERT with its Notification (portal/inserts.py): the worker then sees both
    or neither, and the request saves a round trip. None with another broker (Redis) or when
    tasks run at once (tests): then `schedule_sending` after commit, as `later_many` does."""
    from django_q.conf import Conf
    from django_q.models import OrmQ

    if Conf.SYNC or Conf.ORM != DEFAULT_DB_ALIAS or Conf.BROKER_CLASS or Conf.IRON_MQ or Conf.SQS:
        return None  # not django-q2's database broker on the database written to
    kept = KeptPackage(Conf.CLUSTER_NAME)
    schedule_sending(broker=kept)
    return OrmQ(key=kept.list_key, payload=kept.package, lock=timezone.now())


def send_after_commit():
    """Queue the task after commit, once a transaction (see later_many)."""
    if not any(callback is schedule_sending for _s, callback, *_r in connection.run_on_commit):
        transaction.on_commit(schedule_sending)


SEND_BATCH = 100  # rows a transaction: a long run of emails commits as it goes


def send_pending(batch_size=SEND_BATCH):
    """Write the stored notifications' emails into the outbox; returns how many emails.

    Rows are taken with SKIP LOCKED, so two workers never write the same row twice; each
    batch's emails and the deletion of its rows commit together."""
    written = 0
    while True:
        with transaction.atomic():
            rows = pending_rows(batch_size)
            if not rows:
                return written
            batch, staff = Batch(), Staff()
            staff.load_customers({row.ticket.pk: row.ticket for row in rows}.values())
            for row in rows:
                add_row(batch, row, staff)
            written += batch.send()
            Notification.objects.filter(pk__in=[row.pk for row in rows]).delete()
        if len(rows) < batch_size:
            return written


def pending_rows(limit):
    rows = Notification.objects.select_related(
        "ticket__organization__account_manager",
        "ticket__requester",
        "ticket__assignee",
        "ticket__team",
        "ticket__sla_calendar",
        "message__author",
        "actor",
    ).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return list(rows[:limit])


def add_row(batch, row, staff):
    context = {key: row.context[key] for key in CONTEXT if key in row.context}
    if row.message_id:
        context["message"] = row.message
    if row.actor_id:
        context["by"] = row.actor
    for template, audience in row.emails:
        batch.add_each(row.ticket, template, AUDIENCES[audience](row.ticket, staff), **context)
