from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReportPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = ReportPreference
        fields = ["opted_out"]
        widgets = {
            "opted_out": forms.CheckboxInput(attrs={"aria-describedby": "id_report_opted_out_help"})
        }
        help_texts = {
            "opted_out": _(
                "Owners and admins get a short summary of the monthly service report on the "
                "1st of each month. Tick this to stop it; the reports stay under Reports."
            )
        }
