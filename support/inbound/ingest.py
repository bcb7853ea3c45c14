"""The one way in for every inbound email, whichever door it came through.

`ingest` stores the raw message first (committed on its own, so nothing is ever
lost), then decides and applies what to do in a second transaction: if that
part fails, the stored message says why and can be processed again from the
admin.

A message is identified by its content hash (`content_hash`): the Message-ID
plus what the sender wrote, without the headers servers add in transit. The same
message delivered twice (through IMAP and the pipe, or re-fetched) is stored
once; a different message that reuses a Message-ID (broken mailers, templates,
forged ids) is stored as its own entry. `entry.created` tells the caller which
happened.
"""

import hashlib
import logging
import re
from email.utils import parseaddr

from django.conf import settings
from django.db import DataError, IntegrityError, transaction

from portal import ratelimit

from . import routing
from .authenticity import evidence
from .models import InboundEmail
from .parsing import UnparseableEmail, parse_email, subject_of_broken

log = logging.getLogger(__name__)
Status = InboundEmail.Status


def ingest(raw, source):
    """Store one raw RFC 822 message and route it; return its InboundEmail.

    `entry.created` is False when this very message was stored before (nothing was done).
    """
    raw = bytes(raw)
    digest = content_hash(raw)
    existing = _already_stored(digest)
    if existing is not None:
        return existing
    parsed, error = _parse(raw)
    message_id = parsed.message_id if parsed else _message_id_of_broken(raw)
    try:
        entry = _store(raw, source, digest, message_id, parsed)
    except IntegrityError:  # the same message arriving twice at the same moment
        existing = _already_stored(digest)
        if existing is None:
            raise
        return existing
    except (DataError, ValueError) as problem:  # headers the database refuses: keep the bytes
        log.exception("Inbound email stored without its headers")
        parsed, error = None, f"Could not store the headers: {problem!r}"
        entry = _store(raw, source, digest, "", None)
    entry.created = True
    if parsed is None:
        entry.mark(Status.FAILED, error)
        return entry
    process(entry, parsed, check_rate=True)
    return entry


def process(entry, parsed=None, check_rate=False):
    """Decide what `entry` means and carry it out; also the admin's "Process again"."""
    if parsed is None:
        parsed, error = _parse(entry.raw_bytes)
        if parsed is None:
            entry.mark(Status.FAILED, error)
            return entry
        entry.mark(entry.status, entry.reason, **described(parsed))  # read by today's rules
    loop = own_address(parsed.from_address)
    if parsed.is_automatic or loop:
        reason = parsed.automatic_reason or "Sent by the portal's own address (mail loop)."
        entry.mark(Status.IGNORED_AUTOMATIC, reason, action=InboundEmail.Action.IGNORE)
        return entry
    if check_rate and rate_limited(parsed.from_address):
        entry.mark(
            Status.RATE_LIMITED,
            f"More than {settings.INBOUND_RATE_LIMIT} messages from this sender within "
            f"{settings.INBOUND_RATE_LIMIT_WINDOW} seconds.",
        )
        return entry
    decision = routing.decide(
        parsed,
        routing.PortalDirectory(),
        settings.INBOUND_UNKNOWN_SENDERS,
        evidence(entry.raw_bytes, parsed.from_address),
    )
    fields = {
        "action": decision.action,
        "threaded": decision.threaded,
        "sender_verified_by": decision.verified_by,
        "related_ticket_reference": decision.ticket.reference if decision.ticket else "",
    }
    done = Status.TRIAGE if decision.action == InboundEmail.Action.TRIAGE else Status.PROCESSED
    try:
        with transaction.atomic():
            reference = routing.apply_decision(decision, parsed, entry) or ""
            entry.mark(done, decision.reason, ticket_reference=reference, **fields)
    except Exception as error:
        log.exception("Inbound email %s could not be processed", entry.pk)
        entry.mark(Status.FAILED, f"{decision.reason} Error: {error!r}"[:5000], **fields)
    return entry


def _store(raw, source, digest, message_id, parsed):
    with transaction.atomic():
        return InboundEmail.objects.create(
            source=source,
            message_id=message_id[:255],
            sha256=hashlib.sha256(raw).hexdigest(),
            content_hash=digest,
            raw=raw,
            size=len(raw),
            **(described(parsed) if parsed else {"subject": subject_of_broken(raw)[:998]}),
        )


def described(parsed):
    """The entry's fields that say what the message is, from the parsed message."""
    return {
        "from_address": parsed.from_address[:254],
        "from_name": parsed.from_name[:200],
        "subject": parsed.subject[:998],
        "sent_at": parsed.date,
        "charsets": parsed.charset_summary,
    }


def rate_limited(address):
    """True once a sender has sent more than INBOUND_RATE_LIMIT messages in the window."""
    limit = ratelimit.Limit(
        "inbound-sender", settings.INBOUND_RATE_LIMIT, settings.INBOUND_RATE_LIMIT_WINDOW
    )
    return bool(ratelimit.hit(limit, address))


def own_address(address):
    ours = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(), settings.IMAP_USER.lower()}
    return address.lower() in ours


def _parse(raw):
    try:
        return parse_email(raw), ""
    except UnparseableEmail as error:
        return None, f"Could not be parsed: {error}"
    except Exception as error:  # a parser bug must not lose the message
        log.exception("Parser error")
        return None, f"Could not be parsed (parser error): {error!r}"


def _already_stored(digest):
    existing = InboundEmail.objects.filter(content_hash=digest).first()
    if existing is not None:
        existing.created = False
    return existing


# What the sender wrote; every other header is added or rewritten in transit.
CONTENT_HEADERS = {
    b"message-id",
    b"from",
    b"sender",
    b"reply-to",
    b"to",
    b"cc",
    b"subject",
    b"date",
    b"in-reply-to",
    b"references",
    b"content-type",
}


def content_hash(raw):
    """SHA-256 of the message without its transit headers (Received, Delivered-To, DKIM,
    Authentication-Results…), line endings and trailing blanks normalised."""
    raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    head, _blank, body = raw.partition(b"\n\n")
    unfolded = re.sub(rb"\n[ \t]+", b" ", head).split(b"\n")
    kept = sorted(
        b" ".join(line.split())
        for line in unfolded
        if line.split(b":", 1)[0].strip().lower() in CONTENT_HEADERS
    )
    if not kept:  # not a mail message: only the exact bytes identify it
        return hashlib.sha256(raw).hexdigest()
    body = b"\n".join(line.rstrip() for line in body.split(b"\n")).strip()
    return hashlib.sha256(b"\n".join(kept) + b"\n\n" + body).hexdigest()


def _message_id_of_broken(raw):
    match = re.search(
        rb"^Message-ID:\s*<([^<>\s\x00]+)>", raw[:65536], re.IGNORECASE | re.MULTILINE
    )
    return match.group(1).decode("ascii", "replace") if match else ""
