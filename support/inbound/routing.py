"""Where an inbound email goes: the rules (pure), and the one place that touches tickets.

The rules, in order (`decide`):

1. A message sent by a machine (auto-reply, bounce, bulk) is ignored: no ticket, no answer.
2. The ticket it answers is found by its In-Reply-To/References against the
   Message-IDs the portal sent for tickets (they carry an unguessable part, so a
   match proves the sender received our email): the reply is *threaded*. Failing
   that, by a "[K7F-3QX9]" reference in the subject: anyone can type that, so the
   decision says `threaded=False` and staff are shown it is not threaded.
3. A message that claims a ticket is added to its conversation only when the
   sender (From, never Reply-To) is a known person who is the requester, copied
   in, or a member of the ticket's organisation. Otherwise it becomes a new
   ticket for staff triage (the claimed ticket is named in the decision). A
   permitted reply to a closed ticket opens a follow-up ticket linked to it.
4. A new message from a known person opens a ticket in their default
   organisation (`user.default_organization`). A known person with no
   organisation goes to triage.
5. A message from an unknown address goes to staff triage, or is answered with a
   polite pointer to sign up, as settings.INBOUND_UNKNOWN_SENDERS says
   ("triage" | "reply"). The pointer carries Auto-Submitted: auto-replied and is
   sent at most once a day per address.

CONNECTING THE TICKETS APP (the lead, after merging issue 3) — the five small
functions below marked "To connect" are the only code that needs the tickets app:

- `PortalDirectory.ticket_by_message_ids(ids)`: look the ids up in the table where
  the tickets app records every Message-ID it sent for a ticket, return
  `ticket_info(ticket)` for the newest match or None.
- `PortalDirectory.ticket_by_reference(reference)`: `Ticket.objects.filter(
  reference=reference)` → `ticket_info(ticket)` or None.
- `ticket_info(ticket)`: the TicketInfo the rules read (reference, organisation
  id, closed or not, the requester's and copied-in people's addresses).
- `open_ticket_from_email(decision, parsed, entry)` and
  `add_email_reply(decision, parsed, entry)`:

  ============= =============================================================
  REPLY          add_reply(ticket, author=decision.author, body=parsed.text,
                 channel="email", attachments=<see attachments_for_ticket>)
                 (+ flag "not threaded" for staff when decision.threaded is False)
  FOLLOW_UP      open_ticket(organization=<closed ticket's organisation>,
                 requester=decision.author, channel="email", priority="P2",
                 category="Question or advice", subject=parsed.subject,
                 description=parsed.text, attachments=…,
                 follow_up_of=<the closed ticket>)
  NEW_TICKET     open_ticket(organization=decision.organization,
                 requester=decision.author, channel="email", priority="P2",
                 category="Question or advice" (unless staff rules route it),
                 subject=parsed.subject, description=parsed.text, attachments=…)
                 — open_ticket sends the usual "ticket received" email
  TRIAGE         open_ticket(organization=None or decision.organization,
                 requester=decision.author (may be None: keep
                 parsed.from_address/from_name), channel="email", needs_triage=True,
                 …, related_to=decision.ticket), and send NO email to an
                 unknown address
  ============= =============================================================

  Each returns the ticket's reference, which is stored on the InboundEmail.
  Until they are connected they raise TicketsNotConnected, and the message
  waits in the admin with status "received" and its decision; the admin's
  "Process again" action applies it later.

Also for the lead: the tickets app's own notification emails should carry
`Auto-Submitted: auto-generated` (RFC 3834) and Message-IDs recorded per ticket,
so that replies thread and auto-replies to them are recognised.
"""

import hashlib
import re
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from portal.emails import send_email
from portal.net import absolute_url

from .models import InboundEmail

Action = InboundEmail.Action
REFERENCE_IN_SUBJECT = re.compile(r"\[([A-Za-z0-9]{2,8}-[A-Za-z0-9]{2,8})\]")
SIGN_UP_REPLY_INTERVAL = 24 * 3600
DEFAULT_PRIORITY = "P2"
DEFAULT_CATEGORY = "Question or advice"
CHANNEL = "email"


class TicketsNotConnected(Exception):
    """The tickets app is not wired in yet (see the module docstring)."""


@dataclass(frozen=True)
class TicketInfo:
    """What the rules need to know about a ticket."""

    reference: str
    organization_id: int
    closed: bool
    participant_emails: frozenset = frozenset()  # requester and people copied in, lower case


@dataclass(frozen=True)
class Decision:
    action: str
    reason: str
    author: object = None  # the known person who sent it (accounts.User) or None
    organization: object = None  # where a new ticket goes
    ticket: TicketInfo | None = None  # the ticket answered, followed up, or claimed
    threaded: bool | None = None  # True: matched by our Message-IDs; False: by subject only


class Directory(Protocol):
    """The lookups the rules need; injected so that the rules stay pure and testable."""

    def ticket_by_message_ids(self, message_ids) -> TicketInfo | None: ...

    def ticket_by_reference(self, reference) -> TicketInfo | None: ...

    def person(self, email_address): ...

    def is_member(self, person, organization_id) -> bool: ...

    def default_organization(self, person): ...


def decide(parsed, directory, unknown_senders="triage"):
    """The Decision for a parsed email (see the module docstring for the rules)."""
    if parsed.is_automatic:
        return Decision(Action.IGNORE, f"Sent automatically ({parsed.automatic_reason}).")
    author = directory.person(parsed.from_address)
    ticket, threaded = find_ticket(parsed, directory)
    if ticket is not None:
        return _about_ticket(ticket, threaded, author, parsed, directory)
    if author is None:
        if unknown_senders == "reply":
            return Decision(
                Action.SIGN_UP_REPLY, "Unknown sender: answered with a sign-up pointer."
            )
        return Decision(Action.TRIAGE, "Unknown sender: new ticket for staff triage.")
    organization = directory.default_organization(author)
    if organization is None:
        return Decision(
            Action.TRIAGE, "The sender belongs to no organisation: triage.", author=author
        )
    return Decision(
        Action.NEW_TICKET,
        "New ticket in the sender's default organisation.",
        author=author,
        organization=organization,
    )


def find_ticket(parsed, directory):
    """(ticket, threaded): by our own Message-IDs first, then by [reference] in the subject."""
    if parsed.thread_ids:
        ticket = directory.ticket_by_message_ids(parsed.thread_ids)
        if ticket is not None:
            return ticket, True
    for reference in REFERENCE_IN_SUBJECT.findall(parsed.subject):
        ticket = directory.ticket_by_reference(reference.upper())
        if ticket is not None:
            return ticket, False
    return None, None


def _about_ticket(ticket, threaded, author, parsed, directory):
    if not may_post(ticket, author, parsed.from_address, directory):
        return Decision(
            Action.TRIAGE,
            f"Claims ticket {ticket.reference}, but {parsed.from_address} is neither on it nor "
            "in its organisation: new ticket for triage.",
            author=author,
            ticket=ticket,
            threaded=threaded,
        )
    if ticket.closed:
        return Decision(
            Action.FOLLOW_UP,
            f"Reply to closed ticket {ticket.reference}: follow-up ticket linked to it.",
            author=author,
            ticket=ticket,
            threaded=threaded,
        )
    how = "threaded" if threaded else "NOT threaded: matched by the subject's reference only"
    return Decision(
        Action.REPLY,
        f"Reply to ticket {ticket.reference} ({how}).",
        author=author,
        ticket=ticket,
        threaded=threaded,
    )


def may_post(ticket, author, from_address, directory):
    """The requester, someone copied in, or a member of the ticket's organisation."""
    if author is None:
        return False
    if from_address.lower() in ticket.participant_emails:
        return True
    return directory.is_member(author, ticket.organization_id)


# The portal's own lookups ---------------------------------------------------------


class PortalDirectory:
    """Directory backed by the portal's database."""

    def person(self, email_address):
        from allauth.account.models import EmailAddress

        from accounts.models import User

        user = User.objects.filter(email__iexact=email_address, is_active=True).first()
        if user is None:
            address = (
                EmailAddress.objects.filter(email__iexact=email_address, verified=True)
                .select_related("user")
                .first()
            )
            user = address.user if address and address.user.is_active else None
        return user

    def is_member(self, person, organization_id):
        return person.memberships.filter(organization_id=organization_id).exists()

    def default_organization(self, person):
        return person.default_organization

    def ticket_by_message_ids(self, message_ids):
        """To connect: the ticket whose sent Message-IDs include one of these (newest first)."""
        return None

    def ticket_by_reference(self, reference):
        """To connect: the ticket with this reference."""
        return None


def ticket_info(ticket):
    """To connect: TicketInfo(ticket.reference, ticket.organization_id, ticket is closed,
    frozenset(requester's and copied-in people's emails, lower case))."""
    raise TicketsNotConnected


def open_ticket_from_email(decision, parsed, entry):
    """To connect: NEW_TICKET, FOLLOW_UP and TRIAGE → tickets.services.open_ticket(...)."""
    raise TicketsNotConnected


def add_email_reply(decision, parsed, entry):
    """To connect: REPLY → tickets.services.add_reply(ticket, author=…, channel="email", …)."""
    raise TicketsNotConnected


def attachments_for_ticket(parsed, max_bytes=None, allowed_types=None):
    """(kept, refused): the web form's limits applied to the message's attachments.

    Inline images count as attachments too. `max_bytes`/`allowed_types` default to
    TICKET_ATTACHMENT_MAX_BYTES / TICKET_ATTACHMENT_TYPES when the tickets app
    defines them (10 MB and any type otherwise).
    """
    if max_bytes is None:
        max_bytes = getattr(settings, "TICKET_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    if allowed_types is None:
        allowed_types = getattr(settings, "TICKET_ATTACHMENT_TYPES", None)
    kept, refused = [], []
    for attachment in parsed.attachments:
        too_big = attachment.size > max_bytes
        wrong_type = allowed_types is not None and attachment.content_type not in allowed_types
        (refused if too_big or wrong_type else kept).append(attachment)
    return kept, refused


# Applying a decision ----------------------------------------------------------------


def apply_decision(decision, parsed, entry):
    """Carry out `decision` for the stored `entry`; return the ticket reference, if any."""
    if decision.action == Action.IGNORE:
        return ""
    if decision.action == Action.SIGN_UP_REPLY:
        send_sign_up_pointer(parsed)
        return ""
    if decision.action == Action.REPLY:
        return add_email_reply(decision, parsed, entry)
    return open_ticket_from_email(decision, parsed, entry)


def send_sign_up_pointer(parsed):
    """A polite answer to an unknown sender, at most once a day per address; never to a machine."""
    if parsed.is_automatic:
        return False
    key = "inbound:sign-up-pointer:" + hashlib.sha256(parsed.from_address.encode()).hexdigest()
    if not cache.add(key, 1, SIGN_UP_REPLY_INTERVAL):
        return False
    headers = auto_reply_headers(parsed)
    language = "zh-hans" if re.search(r"[\u4e00-\u9fff]", parsed.subject + parsed.text) else "en"
    send_email(
        "inbound/email/sign_up_pointer",
        {
            "name": parsed.from_name,
            "original_subject": parsed.subject,
            "sign_up_url": absolute_url(reverse("account_signup")),
            "support_address": parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        },
        parsed.from_address,
        language=language,
        headers=headers,
    )
    return True


def auto_reply_headers(parsed):
    """Headers for any automatic answer to `parsed` (RFC 3834): no loops, correct threading."""
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if parsed.message_id:
        headers["In-Reply-To"] = f"<{parsed.message_id}>"
        references = [*parsed.references, parsed.message_id][-10:]
        headers["References"] = " ".join(f"<{ref}>" for ref in references)
    return headers
