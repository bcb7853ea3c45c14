"""Storing and routing inbound mail through the real database, cache and outbox."""

from pathlib import Path

import pytest
from django.db import transaction
from django_q.models import Schedule

from conftest import make_organization, make_user
from support.inbound.ingest import ingest, process
from support.inbound.models import InboundEmail
from support.tickets.models import Ticket

from .conftest import authenticated, message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]
Status, Action = InboundEmail.Status, InboundEmail.Action


def test_a_message_is_stored_with_its_headers_and_raw_bytes():
    raw = message("foxmail_gbk")
    entry = ingest(raw, InboundEmail.Source.PIPE)
    entry.refresh_from_db()
    assert entry.raw_bytes == raw
    assert entry.size == len(raw)
    assert entry.subject == "回复: 网站打开很慢，后台超时"
    assert (entry.from_address, entry.from_name) == ("zhangzhe@shop.example", "张喆")
    assert entry.message_id == "202611201845024718392@shop.example"
    assert entry.source == "pipe"
    assert entry.sent_at.isoformat() == "2026-11-20T10:45:03+00:00"


@pytest.mark.parametrize("name", ["outlook_reply", "broken", "bounce"])
def test_the_same_message_twice_makes_one_entry(name):
    first = ingest(message(name), InboundEmail.Source.IMAP)
    second = ingest(message(name), InboundEmail.Source.HTTP)
    assert second.pk == first.pk
    assert InboundEmail.objects.count() == 1


def test_the_same_message_through_another_relay_is_still_one_entry():
    first = ingest(message("gmail_reply"), "imap")
    resent = message("gmail_reply").replace(b"Delivered-To: support@example.com", b"X-Relay: 2")
    again = ingest(resent.replace(b"\r\n", b"\n"), "http")
    assert (again.pk, first.created, again.created) == (first.pk, True, False)
    assert InboundEmail.objects.count() == 1


def test_same_message_id_with_other_content_is_its_own_entry():
    first = ingest(message("gmail_reply"), "imap")
    other = message("gmail_reply").replace(b"memory_limit", b"upload_max_filesize")
    second = ingest(other, "imap")
    assert second.pk != first.pk and second.created
    assert first.message_id == second.message_id
    assert list(second.same_message_id()) == [first]
    assert second.status == Status.TRIAGE  # processed like any other message


def test_the_charsets_chosen_are_kept_on_the_entry():
    entry = ingest(message("foxmail_gbk"), "imap")
    entry.refresh_from_db()
    assert "subject: gb18030 (labelled gbk, read as gb18030)" in entry.charsets
    assert entry.raw_bytes == message("foxmail_gbk")


def test_a_domainless_mailer_daemon_bounce_is_ignored_not_failed():
    raw = (
        b"Return-Path: <>\r\nFrom: MAILER-DAEMON (Mail Delivery System)\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n\r\nThis is the mail system.\r\n"
    )
    entry = ingest(raw, "pipe")
    assert (entry.status, entry.action) == (Status.IGNORED_AUTOMATIC, Action.IGNORE)
    assert entry.reason == "null return path (Return-Path: <>)"


def test_an_outlook_read_receipt_opens_no_ticket(owner, organization):
    raw = (
        b"From: Olivia Owner <owner@acme.example>\r\nSubject: Read: Website down\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\neJ8+IgAAAQaQCAAEAAAAAAAB\r\n"
    )
    entry = ingest(raw, "imap")
    assert (entry.status, entry.reason) == (Status.IGNORED_AUTOMATIC, "read receipt (Outlook)")
    assert Ticket.objects.count() == 0


def test_a_long_chinese_attachment_name_is_stored_whole_for_display(
    settings, tmp_path, owner, organization
):
    settings.MEDIA_ROOT = tmp_path
    name = "服务器迁移后网站访问缓慢问题的详细分析报告" * 5 + ".pdf"  # 100 characters, 300 bytes
    raw = (
        "From: Olivia Owner <owner@acme.example>\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n--b\r\n"
        f'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="{name}"'
        "\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    ).encode()
    entry = ingest(authenticated(raw), "imap")
    assert (entry.status, entry.action) == (Status.PROCESSED, Action.NEW_TICKET)
    attachment = Ticket.objects.get().attachments.get()
    assert attachment.name == name
    stored = Path(attachment.file.name).name
    assert len(stored.encode()) <= 150 and stored.endswith(".pdf")
    assert stored.startswith("服务器迁移后网站访问缓慢问题")
    assert attachment.file.read() == b"%PDF-1.4\n"


def test_a_new_ticket_keeps_the_forwarded_content(owner, organization):
    raw = (
        b"From: Olivia Owner <owner@acme.example>\r\nSubject: Test with original message\r\n"
        b"\r\nThis is email body\r\n\r\n-----Original Message-----\r\n"
        b"From: GitHub <noreply@github.com>\r\nSent: Tuesday, 6 April 2021 9:09 AM\r\n"
        b"Subject: Update notice\r\n\r\nWe noticed an outdated token format.\r\n"
    )
    ingest(authenticated(raw), "imap")
    description = Ticket.objects.get().messages.first().body
    assert description.startswith("This is email body")
    assert "We noticed an outdated token format." in description


def test_messages_without_message_id_are_told_apart_by_content():
    raw = b"From: a@example.net\r\nSubject: one\r\n\r\nfirst\r\n"
    ingest(raw, "pipe")
    ingest(raw, "pipe")
    ingest(raw.replace(b"first", b"second"), "pipe")
    assert InboundEmail.objects.count() == 2


def test_a_broken_message_is_kept_with_the_reason():
    entry = ingest(message("broken"), "pipe")
    entry.refresh_from_db()
    assert entry.status == Status.FAILED
    assert entry.reason == "Could not be parsed: The message has no sender address (From header)."
    assert entry.raw_bytes == message("broken")


def test_a_message_without_sender_is_kept_with_its_subject():
    raw = b'From: "x" <no address@example.com>\r\nSubject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\nx'
    entry = ingest(raw, "pipe")
    assert (entry.status, entry.subject) == (Status.FAILED, "Grüße")


def test_processing_again_reads_the_message_by_todays_rules():
    raw = b"Reply-To: <max@example.net>\r\nSubject: x\r\n\r\nbody\r\n"
    entry = ingest(raw, "pipe")
    InboundEmail.objects.filter(pk=entry.pk).update(from_address="", status=Status.FAILED)
    process(InboundEmail.objects.get(pk=entry.pk))
    entry.refresh_from_db()
    assert (entry.status, entry.from_address) == (Status.TRIAGE, "max@example.net")
    assert entry.charsets == "sender: read from Reply-To (no usable From)"


def test_garbage_is_kept_too():
    entry = ingest(b"\x00\x01 not mail at all", "http")
    assert entry.status == Status.FAILED
    assert "does not start with a mail header" in entry.reason


@pytest.mark.parametrize(
    "name, reason",
    [
        ("out_of_office", "Auto-Submitted: auto-replied"),
        ("autoreply_x_header", "X-Autoreply: yes"),
        ("bounce", "Auto-Submitted: auto-replied"),
        ("bulk_newsletter", "Precedence: bulk"),
    ],
)
def test_automatic_messages_are_stored_as_ignored_and_never_answered(
    name, reason, settings, send_queued_mail, django_capture_on_commit_callbacks
):
    settings.INBOUND_UNKNOWN_SENDERS = "reply"  # even when unknown senders get answers
    with django_capture_on_commit_callbacks(execute=True):
        entry = ingest(message(name), "imap")
    assert (entry.status, entry.action, entry.reason) == (
        Status.IGNORED_AUTOMATIC,
        Action.IGNORE,
        reason,
    )
    assert send_queued_mail() == []


def test_mail_from_our_own_address_is_a_loop(send_queued_mail):
    raw = b"From: Hosting Support <support@example.com>\r\nSubject: x\r\n\r\nbody\r\n"
    entry = ingest(raw, "imap")
    assert entry.status == Status.IGNORED_AUTOMATIC
    assert "mail loop" in entry.reason


def test_unknown_sender_goes_to_triage_without_answer(send_queued_mail):
    entry = ingest(message("foxmail_gbk"), "imap")
    assert (entry.status, entry.action) == (Status.TRIAGE, Action.TRIAGE)
    assert "Unknown sender" in entry.reason
    assert entry.ticket_reference == ""
    assert send_queued_mail() == []


def test_unknown_sender_gets_a_polite_automatic_pointer(
    settings, send_queued_mail, django_capture_on_commit_callbacks
):
    settings.INBOUND_UNKNOWN_SENDERS = "reply"
    with django_capture_on_commit_callbacks(execute=True):
        entry = ingest(authenticated(message("foxmail_gbk")), "imap")
    assert (entry.status, entry.action) == (Status.PROCESSED, Action.SIGN_UP_REPLY)
    (sent,) = send_queued_mail()
    assert sent.to == ["zhangzhe@shop.example"]
    assert "回复: 网站打开很慢，后台超时" in sent.subject
    assert "https://support.example.com/accounts/signup/" in sent.body
    headers = sent.message()
    assert headers["Auto-Submitted"] == "auto-replied"
    assert headers["In-Reply-To"] == "<202611201845024718392@shop.example>"
    assert "<202611201845024718392@shop.example>" in headers["References"]


def test_the_pointer_is_sent_once_a_day_per_address(
    settings, send_queued_mail, django_capture_on_commit_callbacks
):
    settings.INBOUND_UNKNOWN_SENDERS = "reply"
    with django_capture_on_commit_callbacks(execute=True):
        ingest(authenticated(message("foxmail_gbk")), "imap")
        again = authenticated(message("foxmail_gbk")).replace(
            b"202611201845024718392", b"202611201900000000001"
        )
        ingest(again, "imap")
    assert InboundEmail.objects.count() == 2
    assert len(send_queued_mail()) == 1


def test_known_sender_is_decided_as_new_ticket(owner, organization):
    entry = ingest(authenticated(message("html_only")), "http")
    assert (entry.status, entry.action) == (Status.PROCESSED, Action.NEW_TICKET)
    assert entry.reason.startswith("New ticket in the sender's default organisation.")


def test_verified_secondary_address_is_the_same_person(owner, organization):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=owner, email="zhangzhe@shop.example", verified=True)
    assert ingest(authenticated(message("foxmail_gbk")), "imap").action == Action.NEW_TICKET


def test_unverified_secondary_address_is_not(owner, organization):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=owner, email="zhangzhe@shop.example", verified=False)
    assert ingest(authenticated(message("foxmail_gbk")), "imap").action == Action.TRIAGE


def test_person_in_two_organisations_is_decided_for_their_default_one(owner):
    from support.inbound.authenticity import evidence
    from support.inbound.parsing import parse_email
    from support.inbound.routing import PortalDirectory, decide

    first = make_organization("Acme", owner=owner)
    second = make_organization("Beta", member=owner)
    owner.current_organization = second
    owner.save()
    raw = authenticated(message("html_only"))
    decision = decide(
        parse_email(raw), PortalDirectory(), evidence=evidence(raw, "owner@acme.example")
    )
    assert (decision.action, decision.organization, decision.author) == (
        Action.NEW_TICKET,
        second,
        owner,
    )
    assert first != second


def test_rate_limit_holds_a_flood_but_keeps_every_message(settings):
    settings.INBOUND_RATE_LIMIT = 3
    make_user("flood@example.net")
    raw = b"From: flood@example.net\r\nSubject: again\r\nMessage-ID: <%d@flood>\r\n\r\nx\r\n"
    entries = [ingest(raw % number, "imap") for number in range(5)]
    assert [entry.status for entry in entries] == [Status.TRIAGE] * 3 + [Status.RATE_LIMITED] * 2
    assert "More than 3 messages from this sender within 3600 seconds." in entries[-1].reason
    other = ingest(b"From: calm@example.net\r\nSubject: hi\r\n\r\nx\r\n", "imap")
    assert other.status != Status.RATE_LIMITED


def test_processing_again_applies_the_rules_without_the_rate_limit(settings):
    settings.INBOUND_RATE_LIMIT = 0
    settings.INBOUND_UNKNOWN_SENDERS = "reply"
    entry = ingest(authenticated(message("foxmail_gbk")), "imap")
    assert entry.status == Status.RATE_LIMITED
    process(entry)
    entry.refresh_from_db()
    assert (entry.status, entry.action) == (Status.PROCESSED, Action.SIGN_UP_REPLY)


def test_a_failure_while_applying_keeps_the_message_with_the_error(monkeypatch, settings):
    from support.inbound import routing

    settings.INBOUND_UNKNOWN_SENDERS = "reply"

    def broken_template(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(routing, "send_email", broken_template)
    entry = ingest(authenticated(message("foxmail_gbk")), "imap")
    entry.refresh_from_db()
    assert entry.status == Status.FAILED
    assert "RuntimeError('template missing')" in entry.reason
    assert entry.action == Action.SIGN_UP_REPLY


def test_the_message_is_committed_before_routing(monkeypatch, settings):
    """Routing runs in its own transaction: its failure can't roll the stored message back."""
    from support.inbound import routing

    def explode(*args, **kwargs):
        InboundEmail.objects.update(subject="changed inside the failed transaction")
        raise RuntimeError("boom")

    monkeypatch.setattr(routing, "apply_decision", explode)
    with transaction.atomic():
        entry = ingest(message("outlook_reply"), "imap")
    entry.refresh_from_db()
    assert entry.subject == "RE: [K7F-3QX9] Website down"
    assert entry.status == Status.FAILED


def test_polling_is_scheduled_every_minute():
    schedule = Schedule.objects.get(func="support.inbound.tasks.poll_imap")
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)


def test_polling_without_imap_host_does_nothing(settings):
    from support.inbound.tasks import poll_imap

    settings.IMAP_HOST = ""
    assert poll_imap() == 0


def test_hostile_headers_are_stored_not_lost():
    raw = (
        b"From: a\x00b@example.net\r\nSubject: bad\x00 subject\r\n"
        b"Message-ID: <nul\x00id@example.net>\r\nDate: Fri, 31 Dec 9999 23:59:59 -1200\r\n\r\nx\x00"
    )
    entry = ingest(raw, "pipe")
    entry.refresh_from_db()
    assert (entry.from_address, entry.subject, entry.sent_at) == (
        "ab@example.net",
        "bad subject",
        None,
    )
    assert entry.raw_bytes == raw
