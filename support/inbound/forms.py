"""Staff triage: turn a held email into a ticket for a real organisation and requester."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from support.tickets.access import may_post


class TriageForm(forms.Form):
    NEW_TICKET = "new_ticket"
    CLAIMED_TICKET = "claimed_ticket"

    what = forms.ChoiceField(
        label=_("What to do"),
        widget=forms.RadioSelect,
        choices=[(NEW_TICKET, _("Open a new ticket"))],
        initial=NEW_TICKET,
    )
    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        help_text=_("Where the new ticket goes."),
    )
    requester_email = forms.EmailField(
        label=_("Requester's email address"),
        help_text=_(
            "An existing account: the requester of the new ticket, or the author of the reply. "
            "They receive the portal's usual emails."
        ),
    )

    def __init__(self, *args, entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.entry = entry
        self.claimed = None
        if entry.related_ticket_reference:
            from support.tickets.models import Ticket

            self.claimed = Ticket.objects.filter(reference=entry.related_ticket_reference).first()
        if self.claimed is not None:
            label = _("Add it to the claimed ticket %(reference)s") % {
                "reference": self.claimed.reference
            }
            self.fields["what"].choices += [(self.CLAIMED_TICKET, label)]
        self.fields["requester_email"].initial = entry.from_address

    def clean_requester_email(self):
        address = self.cleaned_data["requester_email"]
        person = User.objects.filter(email__iexact=address, is_active=True).first()
        if person is None:
            raise forms.ValidationError(
                _("No active account uses this address: invite the person first.")
            )
        return person

    def clean(self):
        data = super().clean()
        person = data.get("requester_email")
        if person is None:
            return data
        if data.get("what") == self.CLAIMED_TICKET:
            ticket = self.claimed
            if ticket.status == ticket.Status.CLOSED:
                raise forms.ValidationError(
                    _("The claimed ticket is closed: open a new ticket instead.")
                )
            if not may_post(person, ticket):  # the same rule as the web and email
                self.add_error(
                    "requester_email",
                    _(
                        "This person may not post on this ticket (not on it, or no longer in "
                        "its organisation)."
                    ),
                )
            return data
        organization = data.get("organization")
        if organization is None:
            self.add_error("organization", _("Choose the organisation of the new ticket."))
        elif not person.memberships.filter(organization=organization).exists():
            self.add_error("requester_email", _("This person is not in that organisation."))
        return data
