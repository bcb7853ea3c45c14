"""Background jobs: notifying subscribers in batches, and moving maintenance windows along."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django_q.tasks import async_task

from portal.emails import send_email
from portal.net import absolute_url

from .models import ComponentStatus, Incident, IncidentStatus, IncidentUpdate, Subscriber
from .subscriptions import unsubscribe_headers, unsubscribe_url

log = logging.getLogger(__name__)
BATCH_SIZE = 100


def queue_notifications(update):
    """After the update is committed, fan the emails out through django-q2."""
    transaction.on_commit(lambda: async_task("support.status.tasks.notify_subscribers", update.pk))


def notify_subscribers(update_id):
    """Split the subscribers of the affected components into batches of emails."""
    with transaction.atomic():
        update = (
            IncidentUpdate.objects.select_for_update()
            .select_related("incident")
            .filter(pk=update_id, notified_at__isnull=True)
            .first()
        )
        if update is None or not update.incident.is_published or update.incident.is_private:
            return 0
        component_ids = list(update.incident.components.values_list("pk", flat=True))
        subscriber_ids = list(
            Subscriber.objects.for_components(component_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        update.notified_at = timezone.now()
        update.save(update_fields=["notified_at", "updated_at"])
    queue_in_batches("support.status.tasks.send_notification_batch", update_id, subscriber_ids)
    return len(subscriber_ids)


def queue_in_batches(task, update_id, ids):
    """One django-q2 task per BATCH_SIZE recipients, so no single task grows with the audience."""
    for start in range(0, len(ids), BATCH_SIZE):
        async_task(task, update_id, ids[start : start + BATCH_SIZE])


def send_notification_batch(update_id, subscriber_ids):
    update = IncidentUpdate.objects.select_related("incident").get(pk=update_id)
    incident = update.incident
    components = list(incident.components.all())
    sent = 0
    for subscriber in Subscriber.objects.confirmed().filter(pk__in=subscriber_ids):
        context = {
            "incident": incident,
            "update": update,
            "components": components,
            "incident_url": absolute_url(incident.get_absolute_url()),
            "unsubscribe_url": unsubscribe_url(subscriber),
        }
        send_email(
            "status/email/update",
            context,
            subscriber.email,
            language=subscriber.language,
            headers=unsubscribe_headers(subscriber),
        )
        sent += 1
    return sent


def in_both_languages(message):
    """(English, Chinese) of one of our own messages, for an update's two texts."""
    with translation.override(settings.LANGUAGE_CODE):
        english = gettext(message)
    with translation.override("zh-hans"):
        return english, gettext(message)


def advance_maintenance(now=None):
    """Start and complete maintenance windows on time (run every minute by django-q2)."""
    now = now or timezone.now()
    started = completed = 0
    due = Incident.objects.published().upcoming().filter(scheduled_for__lte=now)
    for maintenance in due:
        body, body_zh_hans = in_both_languages(
            gettext_noop("The scheduled maintenance has started.")
        )
        maintenance.post_update(
            IncidentStatus.IN_PROGRESS,
            body,
            dict.fromkeys(maintenance.components.all(), ComponentStatus.UNDER_MAINTENANCE),
            body_zh_hans=body_zh_hans,
            notify=True,
        )
        started += 1
    done = Incident.objects.published().in_progress().filter(scheduled_until__lte=now)
    for maintenance in done:
        body, body_zh_hans = in_both_languages(
            gettext_noop("The scheduled maintenance has been completed.")
        )
        maintenance.post_update(
            IncidentStatus.COMPLETED, body, body_zh_hans=body_zh_hans, notify=True
        )
        completed += 1
    if started or completed:
        log.info("Maintenance windows: %s started, %s completed", started, completed)
    return started, completed
