"""Real-world mail that other projects collected for their own test suites (tests/corpus/,
sources in its README), each message through `manage.py ingest_email` in this process:
once as it is, once as if a known customer had sent it (so tickets and files are made).

For every message: exit 0, and no U+FFFD or mojibake in the stored subject or in any
attachment name, unless the source itself is broken (BROKEN says how); where Zammad's
expectations give the subject and sender, ours match (DIFFERENT says where we differ on
purpose, and why).
"""

import io
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from ftfy.badness import is_bad

from support.inbound.ingest import content_hash, ingest
from support.inbound.models import InboundEmail
from support.inbound.parsing import parse_email
from support.tickets.models import Attachment, Ticket

from .conftest import authenticated

CORPUS = Path(__file__).parent / "corpus"
MESSAGES = sorted(path for path in CORPUS.rglob("*") if path.suffix in (".eml", ".box"))
ZAMMAD = json.loads((CORPUS / "zammad" / "expected.json").read_text())

# Sources that are themselves broken: stored text may show it.
BROKEN = {
    "mikel-mail/error_emails__content_transfer_encoding_empty.eml": (
        "the file holds Big5 already misread as Latin-1 and saved as UTF-8"
    ),
    "mikel-mail/error_emails__must_supply_encoding.eml": "the bytes hold U+FFFD themselves",
}
# Zammad's expectation (subject, sender) where we decide otherwise on purpose.
DIFFERENT = {
    "mail018": (
        "Benachrichtung zum Übermittlungsstatus (Fehlgeschlagen)",
        "postmaster@example.com",
        "Zammad leaves the UTF-7 encoded word (with spaces inside) undecoded",
    ),
    "mail035": (
        "Darlehen bieten jetzt bewerben",
        "finances8@firstfinanceloanfirm.example.com",
        "Zammad keeps the quotes around the address",
    ),
    "mail071": (
        "how've things been?",
        "",
        "`<power quadrant system@example.com>` is no address: failed, kept with its subject",
    ),
    "mail076": (
        "[SPAM] (19.9) Your Winning Notification!!!",
        "",
        '`"Millions Lottery Spain transfer"@example.com>` is no address: failed, kept',
    ),
    "mail087": ("Failed Mail", "test@example.com", "Zammad takes `Test test@example.com` whole"),
}
FROM_HEADER = re.compile(rb"^From:.*(?:\r?\n[ \t].*)*\r?\n", re.IGNORECASE | re.MULTILINE)
CUSTOMER = b"From: Olivia Owner <owner@acme.example>\r\n"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]


def key(path):
    return str(path.relative_to(CORPUS))


def pipe(raw):
    """`manage.py ingest_email` < raw, in process: (exit code, what it printed)."""
    out = io.StringIO()
    stdin = SimpleNamespace(buffer=io.BytesIO(raw))
    old_stdin, sys.stdin = sys.stdin, stdin
    try:
        call_command("ingest_email", stdout=out, stderr=out)
    except SystemExit as exit:
        return exit.code, out.getvalue()
    finally:
        sys.stdin = old_stdin
    return 0, out.getvalue()


def unreadable(text):
    """Why `text` is not what a person wrote ("" when it reads fine)."""
    if "\ufffd" in text:
        return "U+FFFD"
    if is_bad(text):
        return "mojibake"
    return ""


def as_customer(raw):
    """The message as if the known customer owner@acme.example had sent it (and the mail
    server had authenticated her domain)."""
    if raw.startswith(b"From "):  # the mbox separator line
        raw = raw.split(b"\n", 1)[-1]
    return authenticated(CUSTOMER + FROM_HEADER.sub(b"", raw, count=1))


def feed(transform):
    """Every corpus message through the command; the problems found, one line each."""
    problems, seen = [], set()
    for path in MESSAGES:
        raw = transform(path.read_bytes())
        digest = content_hash(raw)
        code, output = pipe(raw)
        # A few corpus files are one message twice (only the line endings differ).
        said = "Already stored as inbound email" if digest in seen else "Stored inbound email"
        seen.add(digest)
        if code != 0 or not output.startswith(said):
            problems.append(f"{key(path)}: exit {code}: {output.strip()}")
            continue
        entry = InboundEmail.objects.get(content_hash=digest)
        names = [entry.subject]
        if entry.status != InboundEmail.Status.FAILED:
            names += [attachment.filename for attachment in parse_email(raw).attachments]
        for text in names:
            why = unreadable(text)
            if why and key(path) not in BROKEN:
                problems.append(f"{key(path)}: {why} in {text!r} ({entry.charsets})")
    return "\n".join(problems), len(seen)


def test_every_message_is_stored_with_readable_subject_and_file_names(settings):
    settings.INBOUND_RATE_LIMIT = 10_000
    assert len(MESSAGES) >= 200
    problems, distinct = feed(lambda raw: raw)
    assert problems == ""
    assert InboundEmail.objects.count() == distinct > 200


def test_from_a_customer_every_message_makes_a_ticket_or_is_ignored(
    settings, tmp_path, owner, organization
):
    settings.INBOUND_RATE_LIMIT = 10_000
    settings.MEDIA_ROOT = tmp_path
    problems, _distinct = feed(as_customer)
    assert problems == ""
    failed = InboundEmail.objects.filter(status=InboundEmail.Status.FAILED)
    assert [(entry.subject, entry.reason) for entry in failed] == []
    assert Ticket.objects.count() > 150
    for attachment in Attachment.objects.all():
        assert not unreadable(attachment.name), attachment.name
        assert len(Path(attachment.file.name).name.encode()) <= 255


@pytest.mark.parametrize("stem", sorted(ZAMMAD))
def test_subject_and_sender_as_zammad_expects(stem):
    expected = ZAMMAD[stem]
    subject, sender, _why = DIFFERENT.get(
        stem, (" ".join((expected["subject"] or "").split()), expected["from_email"].lower(), "")
    )
    raw = (CORPUS / "zammad" / f"{stem}.box").read_bytes()
    entry = ingest(raw, InboundEmail.Source.PIPE)
    assert (entry.subject, entry.from_address) == (subject, sender)
