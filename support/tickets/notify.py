"""Ticket emails: who gets which, threaded by Message-ID, queued in the outbox.

Every email carries `[REFERENCE]` in its subject, a Message-ID recorded in
TicketEmail, and In-Reply-To/References pointing at the ticket's thread id so that
mail programs thread them. The Message-ID and the Reply-To address (when
INBOUND_REPLY_ADDRESS is set) carry a reply token signed for this ticket and this
recipient (support.inbound.authenticity): a reply that brings it back is known to
come from the person it was sent to. Who receives customer emails is decided in
access.py. Internal notes are never passed to any template here.
"""

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection

from accounts.staff_groups import AGENTS, ENGINEERS
from portal.emails import render_email
from portal.net import absolute_url
from support.inbound.authenticity import reply_address, reply_token

from .access import email_recipients, email_recipients_for
from .models import TicketEmail

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
            "recipient": user,
            "ticket_url": absolute_url(ticket.get_absolute_url()),
            "admin_url": absolute_url(f"/admin/tickets/ticket/{ticket.pk}/change/"),
            **context,
        }
        subject, text, html = render_email(
            f"tickets/email/{kind}", context, user.language, user.time_zone
        )
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
            headers=headers,
        )
        message.attach_alternative(html, "text/html")
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


def team_members(team):
    if team is None or team.group_id is None:
        return group_members(AGENTS)
    return list(User.objects.filter(is_active=True, is_staff=True, groups=team.group_id))


def engineers():
    return group_members(ENGINEERS)


def handlers(ticket):
    """The assignee, or everyone in the ticket's team while nobody is assigned."""
    return [ticket.assignee] if ticket.assignee_id else team_members(ticket.team)
