"""Delivery by django-q2: right after the event's transaction commits, and every minute for
retries. A delivery is leased (its next attempt moved into the future) before the request,
so two workers never send it twice and no transaction stays open during the request."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import MAX_ATTEMPTS, Delivery
from .notify import endpoint_disabled
from .sending import post
from .ssrf import UnsafeURL

log = logging.getLogger(__name__)
BATCH = 100


def lease_seconds():
    return settings.WEBHOOK_TIMEOUT * 3 + 30


def claim(delivery_id):
    """Take the delivery if it is due and nobody else holds it; returns it or None."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.due(now)
            .select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return None
        delivery.next_attempt_at = now + timedelta(seconds=lease_seconds())
        delivery.save(update_fields=["next_attempt_at"])
    return delivery


def deliver(delivery_id):
    delivery = claim(delivery_id)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    now = timezone.now()
    if not endpoint.is_active:
        delivery.status = Delivery.Status.FAILED
        delivery.last_error = "The endpoint is disabled."
        delivery.save(update_fields=["status", "last_error"])
        return delivery.status
    timestamp = int(now.timestamp())
    try:
        code, answer = post(
            endpoint.url, endpoint.secret, delivery.event_id, timestamp, delivery.payload
        )
        error = "" if 200 <= code < 300 else f"HTTP {code}: {answer}"
    except (UnsafeURL, OSError) as failure:
        code, error = None, str(failure) or failure.__class__.__name__
    record_attempt(delivery, code, error, now)
    return delivery.status


def record_attempt(delivery, code, error, now):
    endpoint = delivery.endpoint
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = code
    delivery.last_error = error[:2000]
    if not error:
        delivery.status = Delivery.Status.DELIVERED
        delivery.delivered_at = now
        if endpoint.failing_since:
            type(endpoint).objects.filter(pk=endpoint.pk).update(failing_since=None)
    else:
        log.info("Webhook %s to %s failed: %s", delivery.event_id, endpoint.url, error)
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = now + delivery.retry_delay()
        if note_failure(endpoint, now):
            delivery.status = Delivery.Status.FAILED
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )


def note_failure(endpoint, now):
    """An endpoint failing for WEBHOOK_DISABLE_AFTER_DAYS is disabled and its owners told."""
    with transaction.atomic():
        endpoint = type(endpoint).objects.select_for_update().get(pk=endpoint.pk)
        if endpoint.failing_since is None:
            endpoint.failing_since = now
            endpoint.save(update_fields=["failing_since"])
            return False
        limit = timedelta(days=settings.WEBHOOK_DISABLE_AFTER_DAYS)
        if endpoint.is_active and now - endpoint.failing_since >= limit:
            endpoint.is_active = False
            endpoint.disabled_at = now
            endpoint.save(update_fields=["is_active", "disabled_at"])
            Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).update(
                status=Delivery.Status.FAILED, last_error="The endpoint was disabled."
            )
            endpoint_disabled(endpoint)
            return True
    return False


def deliver_due():
    """Every minute: send what is due (retries, and anything a worker never picked up)."""
    sent = 0
    ids = list(
        Delivery.objects.due().order_by("next_attempt_at").values_list("pk", flat=True)[:BATCH]
    )
    for delivery_id in ids:
        if deliver(delivery_id) == Delivery.Status.DELIVERED:
            sent += 1
    return sent


def schedule(delivery_ids):
    from django_q.tasks import async_task

    for delivery_id in delivery_ids:
        async_task("support.webhooks.tasks.deliver", delivery_id, task_name="deliver webhook")
