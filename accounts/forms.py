from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Membership, User, start_organization, time_zone_choices


class SignupDetailsForm(forms.Form):
    """Extra fields on allauth's sign-up form; the company unless an invitation says which."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    company = forms.CharField(
        label=_("Company"),
        max_length=200,
        help_text=_("Your organisation's name. You can invite colleagues once you are in."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        initial="UTC",
        help_text=_("Times in the portal and in emails are shown in this time zone."),
        widget=forms.Select(attrs={"data-browser-time-zone": ""}),
    )

    def __init__(self, *args, invited=False, **kwargs):
        super().__init__(*args, **kwargs)
        if invited:
            del self.fields["company"]

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"]
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["full_name", "time_zone"])
        if self.cleaned_data.get("company"):
            start_organization(user, self.cleaned_data["company"])


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["full_name", "language", "time_zone"]
        labels = {"full_name": _("Full name"), "language": _("Language")}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial="member")

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.fields["role"].choices = assignable_roles(membership)

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        organization = self.membership.organization
        if organization.memberships.filter(user__email__iexact=email).exists():
            raise forms.ValidationError(_("This person is already a member."))
        if organization.invitations.pending().filter(email__iexact=email).exists():
            raise forms.ValidationError(_("This person has already been invited."))
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = assignable_roles(membership)


def assignable_roles(membership):
    """Owners may hand out every role; admins may make admins and members."""
    if membership.role == Membership.Role.OWNER:
        return Membership.Role.choices
    return [(value, label) for value, label in Membership.Role.choices if value != "owner"]
