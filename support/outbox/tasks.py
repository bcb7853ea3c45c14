import logging

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction

from .models import OutboxMessage

log = logging.getLogger(__name__)
BATCH = 100


def deliver_pending():
    """Send every due message in the outbox; failures wait and are tried again later."""
    sent = 0
    while True:
        with transaction.atomic():
            due = OutboxMessage.objects.due().order_by("next_attempt_at")
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True)
            batch = list(due[:BATCH])
            if not batch:
                return sent
            sent += deliver(batch)
            if len(batch) < BATCH:
                return sent


def deliver(rows):
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
