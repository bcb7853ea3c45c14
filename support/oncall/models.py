"""Rotas, escalation policies, pages and their deliveries.

A page is a durable row written in the same transaction as whatever caused it
(a P0 ticket, a breach, a monitoring alert); its deliveries go out through
django-q2 after commit and are retried with back-off, like the email outbox.
"""

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rota


def validate_time_zone(value):
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(_("Unknown time zone.")) from error


def validate_weekdays(value):
    if not parse_weekdays(value):
        raise ValidationError(_("Give weekday numbers, 0 = Monday … 6 = Sunday."))


def parse_weekdays(value):
    return frozenset(int(day) for day in str(value).split(",") if day.strip() in "0123456")


class Role(models.TextChoices):
    PRIMARY = rota.PRIMARY, _("Primary")
    SECONDARY = rota.SECONDARY, _("Secondary")


class Rota(models.Model):
    """The on-call schedule of one team."""

    team = models.OneToOneField(
        "tickets.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="rota"
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("Default for new shifts; each shift may have its own (follow the sun)."),
    )
    pages_for_alerts = models.BooleanField(
        _("paged for monitoring alerts"),
        default=False,
        help_text=_("Critical incidents opened by Alertmanager page this team's on-call person."),
    )

    class Meta:
        verbose_name = _("on-call rota")
        verbose_name_plural = _("on-call rotas")
        ordering = ["team__tier", "team__name"]

    def __str__(self):
        return str(self.team)


class Shift(models.Model):
    """Every week on the chosen days, from a wall-clock time to another, in a time zone."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="shifts")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.PRIMARY)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"is_staff": True},
    )
    weekdays = models.CharField(
        _("days"),
        max_length=20,
        default="0,1,2,3,4,5,6",
        validators=[validate_weekdays],
        help_text=_("Days the shift starts on: comma-separated, 0 = Monday … 6 = Sunday."),
    )
    starts = models.TimeField(_("from"), default="00:00")
    ends = models.TimeField(
        _("until"),
        default="00:00",
        help_text=_("At or before the start: the shift ends the next day (00:00–00:00 = all day)."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["role", "starts", "pk"]

    def __str__(self):
        return (
            f"{self.person} {self.weekdays} {self.starts:%H:%M}–{self.ends:%H:%M} {self.time_zone}"
        )

    def as_shift(self):
        return rota.Shift(
            person=self.person_id,
            weekdays=parse_weekdays(self.weekdays),
            starts=self.starts,
            ends=self.ends,
            time_zone=self.time_zone,
            role=self.role,
        )


class Override(models.Model):
    """Someone covers for a fixed span of time (a swap, holiday cover), with who and why."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="overrides")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.PRIMARY)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("covered by"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"is_staff": True},
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("why"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered"), default=timezone.now)

    class Meta:
        verbose_name = _("override")
        verbose_name_plural = _("overrides")
        ordering = ["starts_at", "created_at"]
        indexes = [models.Index(fields=["rota", "ends_at"], name="override_rota_ends")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="override_ends_after"
            )
        ]

    def __str__(self):
        return f"{self.person} ({self.reason})"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The override must end after it starts.")})

    def as_override(self):
        return rota.Override(self.person_id, self.starts_at, self.ends_at, self.role)


class EscalationStep(models.Model):
    """Who is paged next when nobody acknowledges in time, in order."""

    class Kind(models.TextChoices):
        SECONDARY = "secondary", _("The team's secondary on call")
        TEAM = "team", _("Another team's on-call person")
        ACCOUNT_MANAGER = "account_manager", _("The organisation's account manager")
        PERSON = "person", _("A named person (e.g. the duty manager)")

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("page"), max_length=20, choices=Kind.choices)
    team = models.ForeignKey(
        "tickets.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For “another team's on-call person”."),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
        help_text=_("For “a named person”."),
    )
    label = models.CharField(
        _("label"), max_length=100, blank=True, help_text=_("e.g. “Duty manager”.")
    )

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation policy")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.label or self.get_kind_display()

    def clean(self):
        if self.kind == self.Kind.TEAM and not self.team_id:
            raise ValidationError({"team": _("Choose the team.")})
        if self.kind == self.Kind.PERSON and not self.person_id:
            raise ValidationError({"person": _("Choose the person.")})


class PagerProfile(models.Model):
    """How a staff member is paged: email always, plus any Apprise URLs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pager"
    )
    apprise_urls = models.TextField(
        _("extra channels (Apprise URLs)"),
        blank=True,
        help_text=_(
            "One per line, e.g. an SMS gateway, dingtalk://…, wecombot://…, json://host/path. "
            "Email is always used as well."
        ),
    )

    class Meta:
        verbose_name = _("pager channels")
        verbose_name_plural = _("pager channels")

    def __str__(self):
        return str(self.user)

    def urls(self):
        return [line.strip() for line in self.apprise_urls.splitlines() if line.strip()]


class AlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(acknowledged_at__isnull=True, closed_at__isnull=True)

    def due_to_escalate(self, now):
        return self.open().filter(escalates=True, next_step_at__lte=now)


class Alert(models.Model):
    """Something that needs a person now; paged step by step until someone acknowledges."""

    class Reason(models.TextChoices):
        NEW_P0 = "new_p0", _("New P0 ticket")
        P1_BREACH = "p1_breach", _("P1 missed its response target")
        MONITORING = "monitoring", _("Critical monitoring alert")
        UPDATE_DUE = "update_due", _("Customer update due")

    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pager_alerts",
    )
    incident = models.ForeignKey(
        "status.Incident",
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pager_alerts",
    )
    team = models.ForeignKey(
        "tickets.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("raised"), default=timezone.now)
    step = models.PositiveSmallIntegerField(_("escalation step"), default=0)
    escalates = models.BooleanField(default=True)
    next_step_at = models.DateTimeField(_("escalates at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(
        _("closed"), null=True, blank=True, help_text=_("Every step was paged, or it was resolved.")
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["acknowledged_at", "closed_at", "next_step_at"]),
            models.Index(fields=["ticket", "acknowledged_at"], name="alert_ticket_ack"),
        ]

    def __str__(self):
        subject = self.ticket or self.incident
        return f"{self.get_reason_display()}: {subject}"

    @property
    def is_open(self):
        return self.acknowledged_at is None and self.closed_at is None


class Page(models.Model):
    """One person paged for an alert (the first one, or a later escalation step)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="pages")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE
    )
    step = models.PositiveSmallIntegerField(_("step"), default=0)
    step_label = models.CharField(_("as"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("paged"), default=timezone.now)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("page sent")
        verbose_name_plural = _("pages sent")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.person} ({self.step_label})"


class DeliveryQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now or timezone.now()
        )


class Delivery(models.Model):
    """A page on one Apprise channel, retried with back-off until it goes through."""

    MAX_ATTEMPTS = 20

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="deliveries")
    url = models.TextField(_("channel"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("page delivery")
        verbose_name_plural = _("page deliveries")
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return self.channel

    @property
    def channel(self):
        """The URL's scheme and host only: the rest often holds a secret."""
        scheme, _sep, rest = self.url.partition("://")
        return f"{scheme}://{rest.split('/')[0].split('@')[-1]}"

    def mark_sent(self, now=None):
        self.status = self.Status.SENT
        self.sent_at = now or timezone.now()
        self.attempts += 1
        self.last_error = ""
        self.save(update_fields=["status", "sent_at", "attempts", "last_error"])

    def mark_failed_attempt(self, error, now=None):
        """Pages are urgent: retry after 30 s, 1, 2, 4 … minutes, at most 10 minutes apart."""
        self.attempts += 1
        self.last_error = str(error)[:2000]
        if self.attempts >= self.MAX_ATTEMPTS:
            self.status = self.Status.FAILED
        delay = min(30 * 2 ** (self.attempts - 1), 600)
        self.next_attempt_at = (now or timezone.now()) + timedelta(seconds=delay)
        self.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
