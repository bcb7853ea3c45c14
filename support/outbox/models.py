import email
import email.policy
import re
from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxQuerySet(models.QuerySet):
    def due(self, now=None):
        """Waiting rows whose time has come, and rows whose deliverer died holding them."""
        now = now or timezone.now()
        Status = OutboxMessage.Status
        return self.filter(
            models.Q(status=Status.PENDING, next_attempt_at__lte=now)
            | models.Q(status=Status.SENDING, claimed_until__lt=now)
        )


class OutboxMessage(models.Model):
    """One email waiting to be sent, sent, or given up on after many tries.

    Every email the portal sends is stored here first, inside the same
    transaction as whatever caused it, and delivered by django-q2: a mail server
    that is down delays mail but never loses it, and no request waits on SMTP.
    Delivery is at-least-once: a deliverer claims rows (status "sending", a lease
    until `claimed_until`) in a committed transaction, sends, and commits "sent"
    right after the SMTP server accepts. Only a deliverer killed between those two
    moments leaves a row that is sent again, once its lease has run out
    (`OUTBOX_LEASE_SECONDS`: a claimed row not sent by then is taken by another deliverer).
    """

    MAX_ATTEMPTS = 15  # with the back-off below, about a day and a half of retrying

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    sender = models.CharField(_("from"), max_length=400)
    recipients = models.JSONField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=400, blank=True, db_index=True)
    raw = models.BinaryField(_("message"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    claim = models.CharField(_("claimed by"), max_length=32, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return self.subject

    def mark_sent(self):
        self.status = self.Status.SENT
        self.sent_at = timezone.now()
        self.last_error = ""
        self.attempts += 1
        self.claim, self.claimed_until = "", None
        self.save(
            update_fields=["status", "sent_at", "last_error", "attempts", "claim", "claimed_until"]
        )

    def mark_failed_attempt(self, error):
        """Back off exponentially: 1, 2, 4 … minutes, at most an hour apart."""
        self.attempts += 1
        self.last_error = str(error)[:2000]
        self.status = self.Status.PENDING
        if self.attempts >= self.MAX_ATTEMPTS:
            self.status = self.Status.FAILED
        delay = min(2 ** (self.attempts - 1), 60)
        self.next_attempt_at = timezone.now() + timedelta(minutes=delay)
        self.claim, self.claimed_until = "", None
        self.save(
            update_fields=[
                "attempts",
                "last_error",
                "status",
                "next_attempt_at",
                "claim",
                "claimed_until",
            ]
        )

    def retry(self):
        """Send again now (a row being sent is left to its deliverer)."""
        if self.status == self.Status.SENDING:
            return
        self.status = self.Status.PENDING
        self.next_attempt_at = timezone.now()
        self.save(update_fields=["status", "next_attempt_at"])

    def as_email(self):
        return StoredEmail(self)


class StoredMIME(email.message.EmailMessage):
    """A parsed stored message that a Django mail backend can send as it was stored."""

    raw = b""

    def as_bytes(self, unixfrom=False, linesep="\n", policy=None):
        return re.sub(rb"\r?\n", linesep.encode(), self.raw)


class StoredEmail(EmailMessage):
    """Wraps an outbox row so that any Django mail backend can deliver it unchanged."""

    def __init__(self, row):
        parsed = email.message_from_bytes(
            bytes(row.raw), _class=StoredMIME, policy=email.policy.default
        )
        parsed.raw = bytes(row.raw)
        self._parsed = parsed
        self._recipients = list(row.recipients)
        text, html = _bodies(parsed)
        super().__init__(
            subject=str(parsed.get("Subject", "")).strip(),
            body=text,
            from_email=row.sender,
            to=_addresses(parsed, "To"),
            cc=_addresses(parsed, "Cc"),
            headers={key: str(value) for key, value in parsed.items()},
        )
        self.alternatives = [(html, "text/html")] if html else []

    def message(self, **kwargs):
        return self._parsed

    def recipients(self):
        return self._recipients


def _addresses(parsed, header):
    value = parsed.get(header)
    if not value:
        return []
    return [str(address) for address in value.addresses]


def _bodies(parsed):
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    return (
        text.get_content() if text is not None else "",
        html.get_content() if html is not None else "",
    )
