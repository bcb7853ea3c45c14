"""Satisfaction surveys: CSAT after solved tickets, NPS campaigns, follow-ups on low scores."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organization

from .scores import DETRACTOR_MAX, LOW_CSAT_MAX

CHANGE_WINDOW = timedelta(days=7)
TOKEN_MAX_AGE = timedelta(days=30)
NPS_THROTTLE = timedelta(days=90)


class SurveyPreference(models.Model):
    """A person's choice about surveys; no row means they receive them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_preference"
    )
    opted_out = models.BooleanField(_("don't send me satisfaction surveys"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("survey preference")
        verbose_name_plural = _("survey preferences")

    def __str__(self):
        return str(self.user)


def has_opted_out(user):
    return SurveyPreference.objects.filter(user=user, opted_out=True).exists()


def set_opt_out(user, opted_out):
    SurveyPreference.objects.update_or_create(user=user, defaults={"opted_out": opted_out})


class ResponseQuerySet(models.QuerySet):
    def changeable(self, now=None):
        return self.filter(created_at__gt=(now or timezone.now()) - CHANGE_WINDOW)


class CsatSurvey(models.Model):
    """One person asked about one solved ticket (by email, or on the ticket page)."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="csat_surveys",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("CSAT survey")
        verbose_name_plural = _("CSAT surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "person"], name="one_csat_survey_per_ticket_person"
            )
        ]
        indexes = [models.Index(fields=["emailed_at"], name="csat_survey_emailed")]

    def __str__(self):
        return f"{self.ticket.reference} — {self.person}"


class CsatResponse(models.Model):
    class Rating(models.IntegerChoices):
        VERY_BAD = 1, _("1 — Very dissatisfied")
        BAD = 2, _("2 — Dissatisfied")
        NEUTRAL = 3, _("3 — Neither")
        GOOD = 4, _("4 — Satisfied")
        VERY_GOOD = 5, _("5 — Very satisfied")

    survey = models.OneToOneField(
        CsatSurvey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="response"
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), choices=Rating.choices, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("answered"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("CSAT answer")
        verbose_name_plural = _("CSAT answers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="csat_rating_1_to_5"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="csat_response_created")]

    def __str__(self):
        return f"{self.survey} — {self.rating}"

    @property
    def is_low(self):
        return self.rating <= LOW_CSAT_MAX

    def can_change(self, now=None):
        return (now or timezone.now()) < self.created_at + CHANGE_WINDOW


class NpsCampaign(models.Model):
    class Audience(models.TextChoices):
        ALL = "all", _("All organisation members")
        TIER = "tier", _("Members of organisations of one tier")
        ROLE = "role", _("Members with one role")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")

    name = models.CharField(_("name"), max_length=200)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default="all"
    )
    tier = models.CharField(
        _("tier"),
        max_length=20,
        choices=Organization.Tier.choices,
        blank=True,
        help_text=_("For the audience by tier."),
    )
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=Membership.Role.choices,
        blank=True,
        help_text=_("For the audience by role."),
    )
    send_at = models.DateTimeField(_("send at"), default=timezone.now)
    message_en = models.TextField(_("message (English)"), blank=True)
    message_zh_hans = models.TextField(_("message (Simplified Chinese)"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="draft")
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("NPS campaign")
        verbose_name_plural = _("NPS campaigns")
        ordering = ["-send_at"]
        indexes = [models.Index(fields=["status", "send_at"], name="nps_campaign_due")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.audience == self.Audience.TIER and not self.tier:
            raise ValidationError({"tier": _("Choose the tier this campaign goes to.")})
        if self.audience == self.Audience.ROLE and not self.role:
            raise ValidationError({"role": _("Choose the role this campaign goes to.")})

    def message_for(self, language):
        if language == "zh-hans" and self.message_zh_hans:
            return self.message_zh_hans
        return self.message_en

    @property
    def localized_message(self):
        return self.message_for(get_language())


class NpsInvitation(models.Model):
    campaign = models.ForeignKey(
        NpsCampaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("NPS invitation")
        verbose_name_plural = _("NPS invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person"], name="one_nps_invitation_per_campaign"
            )
        ]
        indexes = [models.Index(fields=["person", "sent_at"], name="nps_invitation_person_sent")]

    def __str__(self):
        return f"{self.campaign} — {self.person}"


class NpsResponse(models.Model):
    invitation = models.OneToOneField(
        NpsInvitation,
        verbose_name=_("invitation"),
        on_delete=models.CASCADE,
        related_name="response",
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    reason = models.TextField(_("main reason for the score"), blank=True)
    created_at = models.DateTimeField(_("answered"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("NPS answer")
        verbose_name_plural = _("NPS answers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=10), name="nps_score_0_to_10"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="nps_response_created")]

    def __str__(self):
        return f"{self.invitation} — {self.score}"

    @property
    def is_low(self):
        return self.score <= DETRACTOR_MAX

    def can_change(self, now=None):
        return (now or timezone.now()) < self.created_at + CHANGE_WINDOW


class FollowUpQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=FollowUp.Status.OPEN)

    def overdue(self, today=None):
        return self.open().filter(due_on__lt=today or timezone.localdate())


class FollowUp(models.Model):
    """Calling back someone who gave a low score, and writing down what came of it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    csat_response = models.OneToOneField(
        CsatResponse,
        verbose_name=_("CSAT answer"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_up",
    )
    nps_response = models.OneToOneField(
        NpsResponse,
        verbose_name=_("NPS answer"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_up",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="survey_follow_ups",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_follow_ups",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_follow_ups",
        limit_choices_to={"is_staff": True},
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    outcome = models.TextField(
        _("outcome"), blank=True, help_text=_("What was done; needed to close.")
    )
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["status", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(csat_response__isnull=False, nps_response__isnull=True)
                | Q(csat_response__isnull=True, nps_response__isnull=False),
                name="follow_up_has_one_source",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(outcome=""), name="follow_up_done_needs_outcome"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="follow_up_status_due"),
            models.Index(fields=["assigned_to", "status"], name="follow_up_assignee_status"),
        ]

    def __str__(self):
        return _("Follow-up #%(pk)s — %(organization)s") % {
            "pk": self.pk,
            "organization": self.organization,
        }

    @property
    def source(self):
        return "csat" if self.csat_response_id else "nps"

    @property
    def score(self):
        return self.csat_response.rating if self.csat_response_id else self.nps_response.score

    @property
    def comment(self):
        return self.csat_response.comment if self.csat_response_id else self.nps_response.reason

    def clean(self):
        if self.status == self.Status.DONE and not self.outcome.strip():
            raise ValidationError(
                {"outcome": _("Write down the outcome before closing the follow-up.")}
            )


class SurveyResults(CsatResponse):
    """No data of its own: the admin entry (and permission) for the results page."""

    class Meta:
        proxy = True
        verbose_name = _("results")
        verbose_name_plural = _("results")
