"""The one way in for every inbound email, whichever door it came through.

`ingest` stores the raw message first (committed on its own, so nothing is ever
lost), then decides and applies what to do in a second transaction: if that
part fails, the stored message says why and can be processed again from the
admin. The same Message-ID (or, without one, the same bytes) is stored once.
"""

import hashlib
import logging
import re
from email.utils import parseaddr

from django.conf import settings
from django.core.cache import cache
from django.db import DataError, IntegrityError, transaction

from . import routing
from .authenticity import evidence
from .models import InboundEmail
from .parsing import UnparseableEmail, parse_email

log = logging.getLogger(__name__)
Status = InboundEmail.Status


def ingest(raw, source):
    """Store one raw RFC 822 message and route it; return its InboundEmail (existing if seen)."""
    raw = bytes(raw)
    digest = hashlib.sha256(raw).hexdigest()
    parsed, error = _parse(raw)
    message_id = parsed.message_id if parsed else _message_id_of_broken(raw)
    existing = _already_stored(message_id, digest)
    if existing is not None:
        return existing
    try:
        entry = _store(raw, source, digest, message_id, parsed)
    except IntegrityError:  # the same message arriving twice at the same moment
        existing = _already_stored(message_id, digest)
        if existing is None:
            raise
        return existing
    except (DataError, ValueError) as problem:  # headers the database refuses: keep the bytes
        log.exception("Inbound email stored without its headers")
        parsed, error = None, f"Could not store the headers: {problem!r}"
        entry = _store(raw, source, digest, "", None)
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
            sha256=digest,
            raw=raw,
            size=len(raw),
            from_address=parsed.from_address if parsed else "",
            from_name=parsed.from_name[:200] if parsed else "",
            subject=parsed.subject[:998] if parsed else "",
            sent_at=parsed.date if parsed else None,
        )


def rate_limited(address):
    """True once a sender has sent more than INBOUND_RATE_LIMIT messages in the window."""
    key = "inbound:rate:" + hashlib.sha256(address.lower().encode()).hexdigest()
    window = settings.INBOUND_RATE_LIMIT_WINDOW
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count > settings.INBOUND_RATE_LIMIT


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


def _already_stored(message_id, digest):
    if message_id:
        return InboundEmail.objects.filter(message_id=message_id[:255]).first()
    return InboundEmail.objects.filter(message_id="", sha256=digest).first()


def _message_id_of_broken(raw):
    match = re.search(
        rb"^Message-ID:\s*<([^<>\s\x00]+)>", raw[:65536], re.IGNORECASE | re.MULTILINE
    )
    return match.group(1).decode("ascii", "replace") if match else ""
