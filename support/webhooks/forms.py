from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EventType
from .ssrf import UnsafeURL, resolve


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Address (URL)"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https address on the public internet that accepts POST requests."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[EventType.TICKET_REPLIED.value, EventType.TICKET_UPDATED.value],
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            resolve(url)
        except UnsafeURL as error:
            raise forms.ValidationError(str(error)) from error
        return url
