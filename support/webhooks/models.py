"""Outgoing webhooks: endpoints customers register, and one durable row per delivery.

Deliveries follow support/outbox: a row first, then django-q2 sends it and retries with
back-off; the row is the delivery log customers see.
"""

import base64
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("A ticket is opened")
    TICKET_UPDATED = "ticket.updated", _("A ticket's status or priority changes")
    TICKET_REPLIED = "ticket.replied", _("Support replies on a ticket")
    INCIDENT_CREATED = "incident.created", _("An incident or maintenance touching our services")
    INCIDENT_UPDATED = "incident.updated", _("It is updated")
    INCIDENT_RESOLVED = "incident.resolved", _("It is resolved or completed")


def new_secret():
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class EndpointQuerySet(models.QuerySet):
    def listening_to(self, event_type):
        """Active endpoints subscribed to this event (an organisation has a handful)."""
        return [
            endpoint for endpoint in self.filter(is_active=True) if event_type in endpoint.events
        ]


class Endpoint(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.URLField(_("address (URL)"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret)
    is_active = models.BooleanField(_("active"), default=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "is_active"], name="webhook_org_active")]

    def __str__(self):
        return self.url


def new_event_id():
    return f"msg_{uuid.uuid4().hex}"


# Standard Webhooks' suggested schedule, then twice a day until the endpoint has failed for
# WEBHOOK_DISABLE_AFTER_DAYS and is disabled.
RETRY_DELAYS = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
]
LATER_DELAY = timedelta(hours=12)
MAX_ATTEMPTS = 12


class DeliveryQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now or timezone.now()
        )


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(_("event id"), max_length=40, default=new_event_id, unique=True)
    event_type = models.CharField(_("event"), max_length=40, choices=EventType.choices)
    payload = models.JSONField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_endpoint_log"),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.endpoint}"

    def retry_delay(self):
        index = self.attempts - 1
        return RETRY_DELAYS[index] if index < len(RETRY_DELAYS) else LATER_DELAY
