"""django-q2 jobs: escalation every minute, and page delivery with retries and back-off."""

import logging

import apprise
from django.db import connection, transaction
from django.utils import timezone

from . import paging
from .models import Delivery

log = logging.getLogger(__name__)
BATCH = 50


def sweep(now=None):
    now = now or timezone.now()
    return {"escalated": paging.escalate_due(now), "delivered": deliver_pending(now)}


def deliver_pending(now=None):
    """Send every due delivery; a channel that is down is tried again later."""
    sent = 0
    while True:
        with transaction.atomic():
            due = Delivery.objects.due(now).select_related("page").order_by("next_attempt_at")
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True, of=("self",))
            batch = list(due[:BATCH])
            for delivery in batch:
                sent += deliver(delivery, now)
            if len(batch) < BATCH:
                return sent


def deliver(delivery, now=None):
    notifier = apprise.Apprise()
    if not notifier.add(delivery.url):
        delivery.mark_failed_attempt("Apprise does not understand this URL.", now)
        return 0
    try:
        ok = notifier.notify(title=delivery.page.title, body=delivery.page.body)
    except Exception as error:  # a plugin's own failure must not stop the other deliveries
        log.warning("Page delivery %s failed", delivery.pk, exc_info=True)
        delivery.mark_failed_attempt(error, now)
        return 0
    if not ok:
        delivery.mark_failed_attempt(f"{delivery.channel} did not accept the page.", now)
        return 0
    delivery.mark_sent(now)
    return 1
