from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SurveyPreference

COMMENT_MAX = 4000


class CsatForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the help you got?"),
        choices=[
            (5, _("5 — Very satisfied")),
            (4, _("4 — Satisfied")),
            (3, _("3 — Neither")),
            (2, _("2 — Dissatisfied")),
            (1, _("1 — Very dissatisfied")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you'd like to tell us? (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class NpsForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend or colleague?"),
        help_text=_("0 = not at all likely, 10 = extremely likely"),
        choices=[(score, str(score)) for score in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("What is the main reason for your score?"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = SurveyPreference
        fields = ["opted_out"]
        widgets = {
            "opted_out": forms.CheckboxInput(attrs={"aria-describedby": "id_survey_opted_out_help"})
        }
        help_texts = {
            "opted_out": _(
                "We ask after solved tickets how we did, and now and then whether you would "
                "recommend us. Tick this to stop those questions."
            )
        }
