import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone

from .models import OutboxMessage

log = logging.getLogger(__name__)
MAX_PER_RUN = 500  # the next run (a minute later, or right after the next commit) goes on


def deliver_pending():
    """Send every due message in the outbox; failures wait and are tried again later.

    One row at a time: a row is claimed in its own committed transaction before any
    SMTP traffic (so deliverers running side by side never send the same row) and
    marked sent in its own commit as soon as the SMTP server has accepted it. A
    deliverer killed in between leaves one row, sent again when its lease runs out.
    """
    claim = secrets.token_hex(16)
    sent = 0
    delivery = unavailable = None
    try:
        for _number in range(MAX_PER_RUN):
            row = claim_next(claim)
            if row is None:
                break
            if unavailable is not None:  # the mail server is down: every row waits its turn
                row.mark_failed_attempt(unavailable)
                continue
            if delivery is None:
                delivery, unavailable = open_connection()
                if unavailable is not None:
                    row.mark_failed_attempt(unavailable)
                    continue
            if deliver(delivery, row):
                sent += 1
    finally:
        if delivery is not None:
            try:
                delivery.close()
            except Exception:
                log.warning("Closing the mail connection failed", exc_info=True)
    return sent


def claim_next(claim):
    """The next due row, now marked as being sent by this deliverer (or None)."""
    now = timezone.now()
    with transaction.atomic():
        due = OutboxMessage.objects.due(now).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        row = due.first()
        if row is None:
            return None
        row.status = OutboxMessage.Status.SENDING
        row.claim = claim
        row.claimed_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        row.save(update_fields=["status", "claim", "claimed_until"])
    return row


def open_connection():
    """(connection, None), or (None, the error) when the mail server is unavailable."""
    try:
        delivery = get_connection(settings.OUTBOX_DELIVERY_BACKEND, fail_silently=False)
        delivery.open()
    except Exception as error:
        log.warning("Mail server unavailable: %s", error)
        return None, error
    return delivery, None


def deliver(delivery, row):
    try:
        delivery.send_messages([row.as_email()])
    except Exception as error:
        log.warning("Could not send %s: %s", row.pk, error)
        row.mark_failed_attempt(error)
        return False
    row.mark_sent()
    return True
