from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CUSTOMER_SCOPES, STAFF_SCOPES, ApiToken, Scope

EXPIRY_CHOICES = [
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("One year")),
    ("", _("Never")),
]


class CustomerTokenForm(forms.Form):
    """A customer's new token: a name, scopes and a lifetime."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses it, e.g. “Monitoring” or “Dashboard”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[(scope.value, scope.label) for scope in CUSTOMER_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.TICKETS_READ.value],
    )
    expires_in = forms.ChoiceField(label=_("Expires after"), choices=EXPIRY_CHOICES, initial="90")
    expires_in.required = False

    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None


class AdminTokenForm(forms.ModelForm):
    """Staff create machine tokens (Alertmanager, inbound email, provisioning) and, for an
    organisation, customer tokens acting as one of its people."""

    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiToken
        fields = ["name", "scopes", "organization", "user", "expires_at"]

    def clean(self):
        data = super().clean()
        scopes = set(data.get("scopes") or [])
        organization, user = data.get("organization"), data.get("user")
        customer = scopes & {s.value for s in CUSTOMER_SCOPES}
        staff = scopes & {s.value for s in STAFF_SCOPES}
        if customer and staff:
            raise forms.ValidationError(_("A token is either a customer token or a staff one."))
        if customer:
            if organization is None or user is None:
                raise forms.ValidationError(
                    _("Customer tokens need an organisation and a person in it.")
                )
            if not user.memberships.filter(organization=organization).exists():
                self.add_error("user", _("This person is not in the organisation."))
        elif organization is not None or user is not None:
            raise forms.ValidationError(
                _("Staff tokens (Alertmanager, inbound email, provisioning) have no organisation.")
            )
        return data
