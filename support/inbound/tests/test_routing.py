"""The routing rules, as pure logic: every case of the issue, with the lookups injected."""

from dataclasses import dataclass, field

import pytest

from support.inbound.authenticity import Evidence, ReplyToken
from support.inbound.models import InboundEmail
from support.inbound.parsing import parse_email
from support.inbound.routing import (
    Decision,
    TicketInfo,
    attachments_for_ticket,
    auto_reply_headers,
    decide,
)

from .conftest import message

Action = InboundEmail.Action
PORTAL_ID = "ticket.K7F3QX9.3.b1946ac92492d2347c6235b4d2611184@support.example.com"


@dataclass(frozen=True)
class Person:
    email: str
    organizations: tuple = ()
    pk: int = 0


@dataclass
class FakeDirectory:
    """In-memory stand-in for the tickets app and the accounts' lookups."""

    people: dict = field(default_factory=dict)
    tickets_by_message_id: dict = field(default_factory=dict)
    tickets_by_reference: dict = field(default_factory=dict)
    sent: dict = field(default_factory=dict)  # (Message-ID, address) -> ticket
    asked: list = field(default_factory=list)

    def ticket_by_message_ids(self, message_ids):
        self.asked.append(("ids", list(message_ids)))
        return next(
            (self.tickets_by_message_id[i] for i in message_ids if i in self.tickets_by_message_id),
            None,
        )

    def ticket_by_reference(self, reference):
        self.asked.append(("reference", reference))
        return self.tickets_by_reference.get(reference)

    def ticket_sent_to(self, message_ids, email_address):
        return next(
            (self.sent[i, email_address] for i in message_ids if (i, email_address) in self.sent),
            None,
        )

    def person(self, email_address):
        return self.people.get(email_address.lower())

    def default_organization(self, person):
        return person.organizations[0] if person.organizations else None


ACME, GLOBEX = 1, 2
OLIVIA = Person("owner@acme.example", (ACME,), pk=1)
MAX = Person("member@acme.example", (ACME,), pk=2)
OTTO = Person("otto@globex.example", (GLOBEX,), pk=3)
TICKET = TicketInfo("K7F-3QX9", ACME, closed=False, posters=frozenset({OLIVIA.pk}))
CLOSED = TicketInfo("K7F-3QX9", ACME, closed=True, posters=frozenset({OLIVIA.pk}))


def directory(ticket=TICKET, by_id=True, by_reference=True, people=(OLIVIA, MAX, OTTO), sent=()):
    return FakeDirectory(
        people={person.email: person for person in people},
        tickets_by_message_id={PORTAL_ID: ticket} if by_id else {},
        tickets_by_reference={"K7F-3QX9": ticket} if by_reference else {},
        sent={(PORTAL_ID, person.email): ticket for person in sent},
    )


def with_sender(name, sender):
    raw = message(name)
    return parse_email(raw.replace(b"owner@acme.example>", f"{sender}>".encode(), 1))


def vouched(parsed):
    """Evidence of a trusted Authentication-Results header with DMARC pass for the From domain."""
    return Evidence(authenticated_domain=parsed.from_address.rpartition("@")[2], method="dmarc")


def token(reference, person):
    return Evidence(tokens=(ReplyToken(reference, person.pk),))


def decide_vouched(parsed, lookups, unknown_senders="triage"):
    return decide(parsed, lookups, unknown_senders, vouched(parsed))


def test_reply_matched_by_our_message_id_sent_to_the_sender_is_threaded_and_verified():
    decision = decide(parse_email(message("outlook_reply")), directory(sent=[OLIVIA]))
    assert decision == Decision(
        Action.REPLY,
        decision.reason,
        author=OLIVIA,
        ticket=TICKET,
        threaded=True,
        verified_by="token",
    )
    assert "threaded" in decision.reason


def test_a_reply_token_for_the_sender_verifies_and_finds_the_ticket():
    parsed = parse_email(message("html_only"))  # answers nothing we know, no [reference]
    decision = decide(parsed, directory(by_id=False), evidence=token("K7F-3QX9", OLIVIA))
    assert (decision.action, decision.ticket, decision.threaded, decision.verified_by) == (
        Action.REPLY,
        TICKET,
        True,
        "token",
    )


def test_a_token_issued_to_someone_else_does_not_verify_the_sender():
    """Olivia's token in a message From Olivia's colleague (forwarded, or forged)."""
    ticket = TicketInfo("K7F-3QX9", ACME, False, frozenset({OLIVIA.pk, MAX.pk}))
    parsed = with_sender("html_only", MAX.email)
    decision = decide(parsed, directory(ticket, by_id=False), evidence=token("K7F-3QX9", OLIVIA))
    assert (decision.action, decision.ticket, decision.verified_by) == (Action.TRIAGE, ticket, "")
    assert decision.reason.startswith("Sender not verified")


def test_a_forged_reply_by_subject_reference_goes_to_triage():
    """Finding 1: From the customer, [REF] in the subject, nothing else: never her reply."""
    decision = decide(parse_email(message("outlook_reply")), directory(by_id=False))
    assert (decision.action, decision.ticket, decision.threaded) == (Action.TRIAGE, TICKET, False)
    assert (decision.author, decision.verified_by) == (OLIVIA, "")
    assert decision.reason.startswith("Sender not verified")


def test_a_forged_new_message_opens_no_ticket():
    """Finding 1: without a reference the forgery would open a ticket in her name."""
    decision = decide(parse_email(message("html_only")), directory())
    assert (decision.action, decision.author, decision.verified_by) == (Action.TRIAGE, OLIVIA, "")
    assert decision.reason.startswith("Sender not verified")


def test_the_thread_id_everyone_received_does_not_verify_anyone():
    """Message-IDs the portal sent to someone else prove nothing about this sender."""
    decision = decide(parse_email(message("outlook_reply")), directory(sent=[MAX]))
    assert (decision.action, decision.threaded, decision.verified_by) == (
        Action.TRIAGE,
        True,
        "",
    )


def test_message_ids_are_tried_newest_first_then_the_subject():
    parsed = parse_email(message("outlook_reply"))
    lookups = directory(by_id=False)
    decision = decide_vouched(parsed, lookups)
    assert lookups.asked == [
        (
            "ids",
            [
                PORTAL_ID,
                PORTAL_ID.replace(
                    "3.b1946ac92492d2347c6235b4d2611184", "1.0f8e2a1c9d3b4e5f6a7b8c9d0e1f2a3b"
                ),
            ],
        ),
        ("reference", "K7F-3QX9"),
    ]
    assert (decision.action, decision.threaded, decision.verified_by) == (
        Action.REPLY,
        False,
        "dmarc",
    )


def test_reply_by_references_only_without_reference_in_subject():
    ticket = TicketInfo("K7F-3QX9", ACME, False, frozenset({OLIVIA.pk, MAX.pk}))
    decision = decide_vouched(parse_email(message("thunderbird_reply")), directory(ticket))
    assert (decision.action, decision.author, decision.threaded) == (Action.REPLY, MAX, True)


def test_a_colleague_who_may_post_may_reply():
    """Max is not the requester; the tickets app says he may post (e.g. an admin)."""
    ticket = TicketInfo("K7F-3QX9", ACME, False, frozenset({OLIVIA.pk, MAX.pk}))
    decision = decide_vouched(parse_email(message("gmail_reply")), directory(ticket))
    assert (decision.action, decision.author, decision.ticket) == (Action.REPLY, MAX, ticket)


def test_a_colleague_who_may_not_post_goes_to_triage():
    """Finding 2: being verified is not enough; the access rule of the web applies."""
    decision = decide_vouched(parse_email(message("gmail_reply")), directory())
    assert (decision.action, decision.author, decision.ticket) == (Action.TRIAGE, MAX, TICKET)
    assert "may not post on it" in decision.reason


def test_someone_copied_in_from_elsewhere_may_reply():
    ticket = TicketInfo("K7F-3QX9", ACME, False, frozenset({OLIVIA.pk, OTTO.pk}))
    decision = decide_vouched(with_sender("outlook_reply", OTTO.email), directory(ticket))
    assert (decision.action, decision.author) == (Action.REPLY, OTTO)


def test_outsider_claiming_a_ticket_goes_to_triage():
    decision = decide_vouched(with_sender("outlook_reply", OTTO.email), directory(by_id=False))
    assert decision.action == Action.TRIAGE
    assert decision.ticket == TICKET  # named for staff, not added to it
    assert decision.threaded is False
    assert "otto@globex.example may not post on it" in decision.reason


def test_unknown_sender_with_our_message_id_still_goes_to_triage():
    decision = decide_vouched(
        with_sender("outlook_reply", "stranger@elsewhere.example"), directory()
    )
    assert (decision.action, decision.author, decision.threaded) == (Action.TRIAGE, None, True)


def test_reply_to_is_never_the_author():
    """The Outlook message's Reply-To is helpdesk@acme.example, a stranger here."""
    decision = decide(parse_email(message("outlook_reply")), directory(sent=[OLIVIA]))
    assert decision.author is OLIVIA


def test_reply_to_a_closed_ticket_opens_a_follow_up():
    decision = decide(parse_email(message("outlook_reply")), directory(CLOSED, sent=[OLIVIA]))
    assert (decision.action, decision.ticket, decision.author) == (Action.FOLLOW_UP, CLOSED, OLIVIA)


def test_known_sender_opens_a_ticket_in_their_default_organisation():
    both = Person("owner@acme.example", (GLOBEX, ACME), pk=1)
    decision = decide_vouched(parse_email(message("html_only")), directory(people=[both]))
    assert (decision.action, decision.author, decision.organization) == (
        Action.NEW_TICKET,
        both,
        GLOBEX,
    )


def test_unmatched_reply_from_known_sender_is_a_new_ticket():
    """In-Reply-To points somewhere else and no reference is in the subject."""
    francois = Person("francois@boulangerie.example", (GLOBEX,), pk=4)
    decision = decide_vouched(parse_email(message("latin1_qp")), directory(people=[francois]))
    assert (decision.action, decision.organization) == (Action.NEW_TICKET, GLOBEX)


def test_known_person_without_organisation_goes_to_triage():
    loner = Person("owner@acme.example", (), pk=1)
    decision = decide_vouched(parse_email(message("html_only")), directory(people=[loner]))
    assert (decision.action, decision.author) == (Action.TRIAGE, loner)


@pytest.mark.parametrize(
    "setting, action", [("triage", Action.TRIAGE), ("reply", Action.SIGN_UP_REPLY)]
)
def test_unknown_sender(setting, action):
    decision = decide_vouched(parse_email(message("foxmail_gbk")), directory(by_id=False), setting)
    assert (decision.action, decision.author) == (action, None)


def test_an_unverified_unknown_sender_is_never_answered():
    """The From could be forged: a sign-up pointer would go to a stranger (backscatter)."""
    decision = decide(parse_email(message("foxmail_gbk")), directory(by_id=False), "reply")
    assert (decision.action, decision.author) == (Action.TRIAGE, None)
    assert decision.reason.startswith("Sender not verified")


@pytest.mark.parametrize(
    "name", ["out_of_office", "autoreply_x_header", "bounce", "bulk_newsletter"]
)
def test_machines_are_ignored_even_with_our_message_id(name):
    decision = decide(parse_email(message(name)), directory(), "reply")
    assert decision.action == Action.IGNORE
    assert decision.reason.startswith("Sent automatically")


def test_attachment_limits_of_the_web_form():
    parsed = parse_email(message("attachments"))
    kept, refused = attachments_for_ticket(parsed, max_bytes=100)
    assert [a.filename for a in kept] == ["screenshot.png"]  # inline images count as attachments
    assert [a.filename for a in refused] == ["Rechnung übersicht.pdf"]
    kept, refused = attachments_for_ticket(parsed, allowed_types={"application/pdf"})
    assert ([a.filename for a in kept], [a.filename for a in refused]) == (
        ["Rechnung übersicht.pdf"],
        ["screenshot.png"],
    )


def test_automatic_answers_carry_auto_submitted_and_threading():
    headers = auto_reply_headers(parse_email(message("gmail_reply")))
    assert headers["Auto-Submitted"] == "auto-replied"
    assert (
        headers["In-Reply-To"]
        == "<CAF7n=4Z0mQbk8pSy1Hj9dVdW6q+fXgR2Yx7U3oNp_bY=Kq1vXg@mail.gmail.com>"
    )
    assert headers["References"].endswith(f"<{PORTAL_ID}> {headers['In-Reply-To']}")
