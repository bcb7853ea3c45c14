"""Where an inbound email goes: the rules (pure), and the one place that touches tickets.

The rules, in order (`decide`):

1. A message sent by a machine (auto-reply, bounce, bulk) is ignored: no ticket, no answer.
2. The ticket it answers is found by a reply token (authenticity.py) in its
   recipient address or In-Reply-To/References, then by the Message-IDs the
   portal sent for tickets (the message is *threaded*); failing that, by a
   "[K7F-3QX9]" reference in the subject (`threaded=False`).
3. Who sent it: the From address (never Reply-To) names a person, but the message
   counts as theirs only when it is *verified* (`Decision.verified_by`): it
   answers a token issued to that person ("token"; or, for emails sent before
   tokens, a Message-ID the portal recorded as sent to that address), or the
   operator's mail server vouches for the From domain in its
   Authentication-Results header ("dmarc", "dkim"). A message that is not verified
   never posts, opens a ticket or is answered in anybody's name: it waits for
   staff triage, marked "sender not verified".
4. A verified message that claims a ticket is added to its conversation only when
   the sender may post on it (support.tickets.access, the same rule as the web);
   otherwise it goes to triage (the claimed ticket is named in the decision). A
   permitted reply to a closed ticket opens a follow-up ticket linked to it.
5. A new verified message from a known person opens a ticket in their default
   organisation (`user.default_organization`). A known person with no
   organisation goes to triage.
6. A message from an unknown address goes to staff triage, or, when its domain is
   authenticated, is answered with a polite pointer to sign up, as
   settings.INBOUND_UNKNOWN_SENDERS says ("triage" | "reply"). The pointer carries
   Auto-Submitted: auto-replied and is sent at most once a day per address.

Carrying a decision out (`apply_decision`), against the tickets app:

- REPLY: `add_reply(channel="email")` by the sender, with the files the web form
  would take.
- FOLLOW_UP: `open_ticket(follow_up_of=<closed ticket>)` in its organisation.
- NEW_TICKET: `open_ticket(channel="email", priority="P2", category "Question or
  advice")` in the sender's default organisation; it sends "ticket received". The
  ticket gets the full text (a forwarded or quoted message is what it is about);
  replies and follow-ups get only the new text.
- TRIAGE: nothing is created and nobody but tier 1 is emailed. A ticket needs a
  real organisation and requester, so the message waits in the admin ("Awaiting
  triage") until staff open a ticket for the organisation and requester they
  choose, add it to the claimed ticket, or dismiss it.

Files refused by the web form's limits are listed in an internal note and on the
InboundEmail; the original .eml keeps them all.

A staff member answering one of the portal's emails is NOT added as a staff reply:
it goes to triage, so that nothing sent by email can speak for staff.
"""

import hashlib
import mimetypes
import re
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db.models import F, Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.staff_groups import AGENTS
from portal.emails import send_email, send_email_to_user
from portal.filetypes import content_matches
from portal.net import absolute_url

from .authenticity import NO_EVIDENCE
from .models import InboundEmail
from .parsing import parse_email

Action = InboundEmail.Action
REFERENCE_IN_SUBJECT = re.compile(r"\[([A-Za-z0-9]{2,8}-[A-Za-z0-9]{2,8})\]")
SIGN_UP_REPLY_INTERVAL = 24 * 3600
DEFAULT_PRIORITY = "P2"
DEFAULT_CATEGORY_SLUG = "question"  # "Question or advice"
CHANNEL = "email"


@dataclass(frozen=True)
class TicketInfo:
    """What the rules need to know about a ticket."""

    reference: str
    organization_id: int
    closed: bool
    posters: frozenset = frozenset()  # ids of the people who may post on it (access.py)


@dataclass(frozen=True)
class Decision:
    action: str
    reason: str
    author: object = None  # the known person who sent it (accounts.User) or None
    organization: object = None  # where a new ticket goes
    ticket: TicketInfo | None = None  # the ticket answered, followed up, or claimed
    threaded: bool | None = None  # True: matched by a token or our Message-IDs; False: subject
    verified_by: str = ""  # "token", "dmarc" or "dkim"; "": the sender is not verified


class Directory(Protocol):
    """The lookups the rules need; injected so that the rules stay pure and testable."""

    def ticket_by_message_ids(self, message_ids) -> TicketInfo | None: ...

    def ticket_by_reference(self, reference) -> TicketInfo | None: ...

    def ticket_sent_to(self, message_ids, email_address) -> TicketInfo | None: ...

    def person(self, email_address): ...

    def default_organization(self, person): ...


NOT_VERIFIED = "Sender not verified"


def decide(parsed, directory, unknown_senders="triage", evidence=NO_EVIDENCE):
    """The Decision for a parsed email (see the module docstring for the rules);
    `evidence` is what the raw message proves about its sender (authenticity.evidence)."""
    if parsed.is_automatic:
        return Decision(Action.IGNORE, f"Sent automatically ({parsed.automatic_reason}).")
    author = directory.person(parsed.from_address)
    ticket, threaded = find_ticket(parsed, directory, evidence)
    verified_by = verification(parsed, author, ticket, directory, evidence)
    if ticket is not None:
        return _about_ticket(ticket, threaded, author, parsed, verified_by)
    if author is None:
        if unknown_senders == "reply" and verified_by:
            return Decision(
                Action.SIGN_UP_REPLY,
                "Unknown sender: answered with a sign-up pointer.",
                verified_by=verified_by,
            )
        if unknown_senders == "reply":
            return Decision(
                Action.TRIAGE,
                f"{NOT_VERIFIED}: an unknown sender whose domain is not authenticated is "
                "never answered (the address could be forged); held for staff triage.",
            )
        return Decision(Action.TRIAGE, "Unknown sender: held for staff triage.")
    if not verified_by:
        return Decision(
            Action.TRIAGE,
            f"{NOT_VERIFIED}: a new message from {parsed.from_address} that neither answers "
            "an email we sent to that person nor has an authenticated domain; held for staff "
            "triage (no ticket is opened in their name).",
            author=author,
        )
    organization = directory.default_organization(author)
    if organization is None:
        return Decision(
            Action.TRIAGE,
            "The sender belongs to no organisation: triage.",
            author=author,
            verified_by=verified_by,
        )
    return Decision(
        Action.NEW_TICKET,
        "New ticket in the sender's default organisation.",
        author=author,
        organization=organization,
        verified_by=verified_by,
    )


def find_ticket(parsed, directory, evidence=NO_EVIDENCE):
    """(ticket, threaded): by a reply token, by our own Message-IDs, then by [reference] in
    the subject."""
    for token in evidence.tokens:
        ticket = directory.ticket_by_reference(token.reference)
        if ticket is not None:
            return ticket, True
    if parsed.thread_ids:
        ticket = directory.ticket_by_message_ids(parsed.thread_ids)
        if ticket is not None:
            return ticket, True
    for reference in REFERENCE_IN_SUBJECT.findall(parsed.subject):
        ticket = directory.ticket_by_reference(reference.upper())
        if ticket is not None:
            return ticket, False
    return None, None


def verification(parsed, author, ticket, directory, evidence):
    """How the message is known to come from `author` ("token", "dmarc", "dkim"), or ""."""
    if author is not None and ticket is not None:
        for token in evidence.tokens_for(author.pk):
            answered = directory.ticket_by_reference(token.reference)
            if answered is not None and answered.reference == ticket.reference:
                return "token"
        sent = directory.ticket_sent_to(parsed.thread_ids, parsed.from_address)
        if sent is not None and sent.reference == ticket.reference:
            return "token"
    if evidence.vouches_for(parsed.from_address):
        return evidence.method
    return ""


def _about_ticket(ticket, threaded, author, parsed, verified_by):
    claim = {"author": author, "ticket": ticket, "threaded": threaded, "verified_by": verified_by}
    if getattr(author, "is_staff", False):
        return Decision(
            Action.TRIAGE,
            f"Claims ticket {ticket.reference} from a staff address: never added as a staff "
            "reply automatically; triage.",
            **claim,
        )
    if not verified_by:
        return Decision(
            Action.TRIAGE,
            f"{NOT_VERIFIED}: claims ticket {ticket.reference} as {parsed.from_address}, but "
            "answers no email we sent to that person and its domain is not authenticated; "
            "held for staff triage.",
            **claim,
        )
    if not may_post(ticket, author):
        return Decision(
            Action.TRIAGE,
            f"Claims ticket {ticket.reference}, but {parsed.from_address} may not post on it "
            "(not on it, or no longer in its organisation): held for staff triage.",
            **claim,
        )
    if ticket.closed:
        return Decision(
            Action.FOLLOW_UP,
            f"Reply to closed ticket {ticket.reference}: follow-up ticket linked to it.",
            **claim,
        )
    how = "threaded" if threaded else "matched by the subject's reference"
    return Decision(
        Action.REPLY,
        f"Reply to ticket {ticket.reference} ({how}; sender verified by {verified_by}).",
        **claim,
    )


def may_post(ticket, author):
    """The ticket app's rule (support.tickets.access.may_post), as read into TicketInfo."""
    return author is not None and author.pk in ticket.posters


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

    def default_organization(self, person):
        return person.default_organization

    def ticket_by_message_ids(self, message_ids):
        """The ticket whose sent Message-IDs include one of these (the most recent answered first).

        The tickets app stores Message-IDs as it sent them, in angle brackets; the random
        part is case-sensitive, so the match is exact.
        """
        from support.tickets.models import Ticket, TicketEmail

        wanted = _bracketed(message_ids)
        found = dict(
            TicketEmail.objects.filter(message_id__in=wanted).values_list("message_id", "ticket")
        )
        roots = {}
        ours = [message_id for message_id in wanted if message_id.startswith("<ticket.")]
        if ours and not found:  # every email replies to the thread id
            roots = dict(
                Ticket.objects.filter(email_thread_id__in=ours).values_list("email_thread_id", "pk")
            )
        for message_id in wanted:
            ticket_pk = found.get(message_id) or roots.get(message_id)
            if ticket_pk:
                return ticket_info(_ticket_with_people(pk=ticket_pk))
        return None

    def ticket_by_reference(self, reference):
        """The ticket with this reference."""
        ticket = _ticket_with_people(reference=reference.upper())
        return ticket_info(ticket) if ticket else None

    def ticket_sent_to(self, message_ids, email_address):
        """The ticket of one of these Message-IDs that the portal sent to `email_address`.

        Emails sent before reply tokens existed are matched this way. A ticket's thread
        id does not count: its first email used to go out with it as Message-ID, and
        everyone on the ticket has it in In-Reply-To.
        """
        from support.tickets.models import TicketEmail

        if not message_ids:
            return None
        sent = (
            TicketEmail.objects.filter(
                message_id__in=_bracketed(message_ids), recipient__iexact=email_address
            )
            .exclude(message_id=F("ticket__email_thread_id"))
            .values_list("ticket", flat=True)
            .first()
        )
        return ticket_info(_ticket_with_people(pk=sent)) if sent else None


MAX_THREAD_IDS = 20


def _bracketed(message_ids):
    return [f"<{message_id.strip('<> ')}>" for message_id in message_ids[:MAX_THREAD_IDS]]


def _ticket_with_people(**lookup):
    """The ticket, or the one it was merged into: replies follow the conversation."""
    from support.tickets.models import Ticket

    tickets = Ticket.objects.select_related("requester")
    ticket = tickets.filter(**lookup).first()
    for _hop in range(5):
        if ticket is None or ticket.merged_into_id is None:
            break
        ticket = tickets.filter(pk=ticket.merged_into_id).first()
    return ticket


def ticket_info(ticket):
    """What the rules read about a real ticket."""
    from support.tickets.access import posters

    return TicketInfo(
        reference=ticket.reference,
        organization_id=ticket.organization_id,
        closed=ticket.status == ticket.Status.CLOSED,
        posters=frozenset(posters(ticket)),
    )


def open_ticket_from_email(decision, parsed, entry):
    """NEW_TICKET and FOLLOW_UP: a ticket opened with the usual "ticket received" email.

    Triage never gets here: a ticket needs an organisation and a requester, which only
    staff can choose for an unknown or unauthorised sender (see the admin).
    """
    from support.tickets.models import Ticket
    from support.tickets.services import open_ticket

    follow_up_of = None
    organization = decision.organization
    if decision.action == Action.FOLLOW_UP:
        follow_up_of = Ticket.objects.select_related("organization").get(
            reference=decision.ticket.reference
        )
        organization = follow_up_of.organization
    kept, refused = attachments_for_ticket(parsed)
    ticket = open_ticket(
        organization=organization,
        requester=decision.author,
        subject=ticket_subject(parsed),
        description=parsed.text if follow_up_of else parsed.full_text or parsed.text,
        priority=DEFAULT_PRIORITY,
        category=default_category(),
        channel=CHANNEL,
        cc=people_copied_in(parsed, decision.author),
        attachments=as_files(kept),
        follow_up_of=follow_up_of,
    )
    add_staff_note(ticket, staff_note(decision, refused))
    record_refused(entry, refused)
    return ticket.reference


def add_email_reply(decision, parsed, entry):
    """REPLY: the new text and permitted files on the ticket, with a note for staff when the
    reply was not threaded or files were refused."""
    from support.tickets.models import Ticket
    from support.tickets.services import add_reply

    ticket = Ticket.objects.get(reference=decision.ticket.reference)
    kept, refused = attachments_for_ticket(parsed)
    add_reply(
        ticket,
        author=decision.author,
        body=parsed.text,
        channel=CHANNEL,
        attachments=as_files(kept),
    )
    add_staff_note(ticket, staff_note(decision, refused))
    record_refused(entry, refused)
    return ticket.reference


def add_to_ticket_for_staff(entry, ticket, author):
    """Triage: staff add a held message to a ticket, as a reply from `author`."""
    from support.tickets.services import add_reply

    parsed = parse_email(entry.raw_bytes)
    kept, refused = attachments_for_ticket(parsed)
    add_reply(ticket, author=author, body=parsed.text, channel=CHANNEL, attachments=as_files(kept))
    add_staff_note(ticket, staff_note(None, refused))
    record_refused(entry, refused)
    return ticket.reference


def open_ticket_for_staff(entry, organization, requester):
    """Triage: staff open a ticket from a held message for the organisation and requester
    they chose (the "ticket received" email goes to that requester, never to the sender)."""
    parsed = parse_email(entry.raw_bytes)
    decision = Decision(
        Action.NEW_TICKET,
        "Opened by staff from triage.",
        author=requester,
        organization=organization,
    )
    return open_ticket_from_email(decision, parsed, entry)


def staff_note(decision, refused):
    """The internal note staff should read next to an emailed message (empty: none)."""
    lines = []
    if refused:
        lines.append(
            str(_("Attachments not added (larger than %(limit)s or of a type not allowed):"))
            % {"limit": filesizeformat(settings.TICKET_ATTACHMENT_MAX_BYTES)}
        )
        lines += [
            f"- {attachment.filename} ({attachment.content_type}, {attachment.size} bytes)"
            for attachment in refused
        ]
        lines.append(str(_("The original email, with every file, is kept in Inbound emails.")))
    return "\n".join(lines)


def add_staff_note(ticket, body):
    """An internal note written by the system (no author): customers never see it."""
    from support.tickets.models import Message

    if body:
        Message.objects.create(
            ticket=ticket, author=None, body=body, internal=True, channel=CHANNEL
        )


def record_refused(entry, refused):
    if refused:
        names = ", ".join(attachment.filename for attachment in refused)
        entry.refused_attachments = names[:1000]
        entry.save(update_fields=["refused_attachments"])


def ticket_subject(parsed):
    from support.tickets.models import Ticket

    subject = parsed.subject.strip() or str(_("(no subject)"))
    return subject[: Ticket._meta.get_field("subject").max_length]


def default_category():
    from support.tickets.models import Category

    return Category.objects.filter(slug=DEFAULT_CATEGORY_SLUG).first()


def people_copied_in(parsed, author):
    """Known people in Cc: open_ticket keeps only the organisation's members among them."""
    from accounts.models import User

    addresses = [address for _name, address in parsed.cc if address]
    if not addresses:
        return []
    query = Q()
    for address in addresses:
        query |= Q(email__iexact=address)
    return list(User.objects.filter(query, is_active=True).exclude(pk=author.pk))


def as_files(attachments):
    """Parsed attachments as the File objects open_ticket/add_reply store."""
    files = []
    for attachment in attachments:
        upload = ContentFile(attachment.content, name=attachment.filename or "attachment")
        by_name, _encoding = mimetypes.guess_type(upload.name, strict=False)
        upload.content_type = by_name or attachment.content_type
        files.append(upload)
    return files


def attachments_for_ticket(parsed, max_bytes=None, allowed_types=None):
    """(kept, refused): the web form's limits applied to the message's attachments.

    Inline images count as attachments too. Like the web form, the type is judged by
    the file name (mail programs often declare application/octet-stream), by the
    declared type only when the name says nothing, and the content must not contradict
    it (portal/filetypes.py); at most as many files as the form.
    """
    from support.tickets.forms import MAX_FILES

    if max_bytes is None:
        max_bytes = settings.TICKET_ATTACHMENT_MAX_BYTES
    if allowed_types is None:
        allowed_types = settings.TICKET_ATTACHMENT_ALLOWED_TYPES
    kept, refused = [], []
    for attachment in parsed.attachments:
        by_name, _encoding = mimetypes.guess_type(attachment.filename or "", strict=False)
        too_big = attachment.size > max_bytes
        declared = by_name or attachment.content_type
        wrong_type = declared not in allowed_types or not content_matches(
            declared, attachment.content
        )
        if too_big or wrong_type or len(kept) >= MAX_FILES:
            refused.append(attachment)
        else:
            kept.append(attachment)
    return kept, refused


# Applying a decision ----------------------------------------------------------------


def apply_decision(decision, parsed, entry):
    """Carry out `decision` for the stored `entry`; return the ticket reference, if any."""
    if decision.action == Action.IGNORE:
        return ""
    if decision.action == Action.SIGN_UP_REPLY:
        send_sign_up_pointer(parsed)
        return ""
    if decision.action == Action.TRIAGE:
        notify_triage(decision, parsed, entry)  # the sender is not answered; tier 1 is told
        return ""
    if decision.action == Action.REPLY:
        return add_email_reply(decision, parsed, entry)
    return open_ticket_from_email(decision, parsed, entry)


def notify_triage(decision, parsed, entry):
    """Tell the tier 1 agents that a message waits in the "Awaiting triage" queue."""
    from support.tickets.notify import group_members

    link = absolute_url(reverse("admin:inbound_inboundemail_triage", args=[entry.pk]))
    for agent in group_members(AGENTS):
        send_email_to_user(
            agent,
            "inbound/email/triage_notice",
            {"parsed": parsed, "reason": decision.reason, "link": link},
            headers={"Auto-Submitted": "auto-generated"},
        )


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
