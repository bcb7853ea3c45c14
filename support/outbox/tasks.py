import logging
import secrets

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone

from .models import OutboxMessage

log = logging.getLogger(__name__)
BATCH = 20


def deliver_pending():
    """Send every due message in the outbox; failures wait and are tried again later.

    Rows are claimed in small batches (committed before any SMTP traffic), so that
    deliverers running side by side never send the same row, and each row is marked
    sent in its own commit as soon as the SMTP server has accepted it.
    """
    sent = 0
    while True:
        claim, rows = claim_due()
        if not rows:
            return sent
        sent += deliver(rows, claim)
        if len(rows) < BATCH:
            return sent


def claim_due(limit=BATCH):
    """(claim, rows): up to `limit` due rows, marked as being sent by this deliverer."""
    claim = secrets.token_hex(16)
    now = timezone.now()
    with transaction.atomic():
        due = OutboxMessage.objects.due(now).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxMessage.Status.SENDING,
            claim=claim,
            claimed_until=now + OutboxMessage.LEASE,
        )
    rows = list(OutboxMessage.objects.filter(pk__in=ids, claim=claim).order_by("pk"))
    return claim, rows


def deliver(rows, claim):
    sent = 0
    try:
        delivery = get_connection(settings.OUTBOX_DELIVERY_BACKEND, fail_silently=False)
        delivery.open()
    except Exception as error:  # the mail server is down: every row waits its turn
        log.warning("Mail server unavailable: %s", error)
        for row in rows:
            row.mark_failed_attempt(error)
        return 0
    try:
        for row in rows:
            if not row.renew_claim(claim):  # our lease ran out and another deliverer took it
                continue
            try:
                delivery.send_messages([row.as_email()])
            except Exception as error:
                log.warning("Could not send %s: %s", row.pk, error)
                row.mark_failed_attempt(error)
            else:
                row.mark_sent()
                sent += 1
    finally:
        try:
            delivery.close()
        except Exception:
            log.warning("Closing the mail connection failed", exc_info=True)
    return sent
