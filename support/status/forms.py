from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Component, NoticePreference


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    components = forms.ModelMultipleChoiceField(
        label=_("Components"),
        queryset=Component.objects.visible(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to hear about every component."),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class NoticePreferenceForm(forms.ModelForm):
    class Meta:
        model = NoticePreference
        fields = ["wants_notices"]
        widgets = {
            "wants_notices": forms.CheckboxInput(
                attrs={"aria-describedby": "id_notice_wants_notices_help"}
            )
        }
        help_texts = {
            "wants_notices": _(
                "We email you when an incident or maintenance touches your organisation's "
                "services: when it starts, as it goes on and when it ends, with scheduled "
                "maintenance as a calendar event. Owners and admins get this unless they "
                "turn it off; members when they turn it on."
            )
        }
