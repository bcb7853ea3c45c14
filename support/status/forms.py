from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Component


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
