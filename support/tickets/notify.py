"""Ticket emails: who gets which, threaded by Message-ID, queued in the outbox.

Every email carries `[REFERENCE]` in its subject, a Message-ID with a random
part recorded in TicketEmail (so an inbound-mail app can match replies), and
In-Reply-To/References pointing at the ticket's first email so that mail
programs thread them. Internal notes are never passed to any template here.
"""

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection

from accounts.staff_groups import AGENTS, ENGINEERS
from portal.emails import render_email
from portal.net import absolute_url

from .models import TicketEmail

User = get_user_model()

HUMAN_KINDS = {"staff_reply"}


def mail_domain():
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def new_thread_id():
    return f"<ticket.{secrets.token_urlsafe(16)}@{mail_domain()}>"


def new_message_id(ticket):
    return f"<{ticket.reference}.{secrets.token_urlsafe(16)}@{mail_domain()}>"


def thread_headers(ticket, first):
    """The ticket's first email (to its requester) has the thread's id; the others reply to it."""
    root = ticket.email_thread_id
    if first:
        return root, {"Message-ID": root}
    message_id = new_message_id(ticket)
    return message_id, {"Message-ID": message_id, "In-Reply-To": root, "References": root}


class Batch:
    """Collects a run of emails and queues them with two queries, however many there are."""

    def __init__(self):
        self.messages = []
        self.records = []

    def add(self, ticket, kind, user, first=False, **context):
        message_id, headers = thread_headers(ticket, first)
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
    people = [ticket.requester, *ticket.cc.all()]
    return [person for person in people if exclude is None or person.pk != exclude.pk]


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
