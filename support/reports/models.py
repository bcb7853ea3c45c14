"""SLA credit contracts per tier, people's report email choice and the monthly mailings sent."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

from . import credits

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class CreditContract(models.Model):
    """What one tier is promised each month, and the credit owed when the promise is missed."""

    tier = models.CharField(
        _("organisation tier"), max_length=20, choices=Organization.Tier.choices, unique=True
    )
    uptime_commitment = models.DecimalField(
        _("monthly uptime commitment (%)"), max_digits=6, decimal_places=3, validators=PERCENT
    )
    p0_response_credit = models.DecimalField(
        _("credit per P0 with a missed response target (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=PERCENT,
        help_text=_(
            "Added for each P0 ticket of the month whose first response came late; 0: none."
        ),
    )
    maximum_credit = models.DecimalField(
        _("largest credit in a month (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(100),
        validators=PERCENT,
    )

    class Meta:
        verbose_name = _("SLA credit contract")
        verbose_name_plural = _("SLA credit contracts")
        ordering = ["-uptime_commitment"]

    def __str__(self):
        return str(self.get_tier_display())

    def terms(self, steps=None):
        steps = self.steps.all() if steps is None else steps
        return credits.Terms(
            commitment=float(self.uptime_commitment),
            steps=tuple(
                credits.Step(below=float(step.uptime_below), credit=float(step.credit))
                for step in steps
            ),
            p0_response_credit=float(self.p0_response_credit),
            maximum=float(self.maximum_credit),
        )


class CreditStep(models.Model):
    """Uptime below `uptime_below` % in a month earns `credit` % of the month's fee."""

    contract = models.ForeignKey(CreditContract, on_delete=models.CASCADE, related_name="steps")
    uptime_below = models.DecimalField(
        _("uptime below (%)"), max_digits=6, decimal_places=3, validators=PERCENT
    )
    credit = models.DecimalField(
        _("credit (per cent of the monthly fee)"),
        max_digits=5,
        decimal_places=2,
        validators=PERCENT,
    )

    class Meta:
        verbose_name = _("credit step")
        verbose_name_plural = _("credit steps")
        ordering = ["-uptime_below"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "uptime_below"], name="one_step_per_level")
        ]

    def __str__(self):
        return f"< {self.uptime_below} % → {self.credit} %"


class ReportPreference(models.Model):
    """A person's choice about the monthly service report email; no row means they get it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_preference"
    )
    opted_out = models.BooleanField(_("don't email me the monthly service report"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("report preference")
        verbose_name_plural = _("report preferences")

    def __str__(self):
        return str(self.user)


def set_report_opt_out(user, opted_out):
    ReportPreference.objects.update_or_create(user=user, defaults={"opted_out": opted_out})


class MonthlyMailing(models.Model):
    """One monthly email to one person, recorded with the email so it goes out once."""

    class Kind(models.TextChoices):
        SERVICE_REPORT = "service_report", _("Service report")
        FREQUENT_PROBLEMS = "frequent_problems", _("Frequent problems")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    month = models.DateField(help_text=_("First day of the month reported on."))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("monthly email")
        verbose_name_plural = _("monthly emails")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "month", "user", "organization"],
                condition=models.Q(organization__isnull=False),
                name="one_monthly_mail_per_organization",
            ),
            models.UniqueConstraint(
                fields=["kind", "month", "user"],
                condition=models.Q(organization__isnull=True),
                name="one_monthly_mail",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.month:%Y-%m} {self.user}"
