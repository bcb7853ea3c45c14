from django import template

from ..forms import PreferenceForm
from ..models import SurveyPreference

register = template.Library()


@register.inclusion_tag("surveys/_ticket_survey.html", takes_context=True)
def ticket_survey(context, ticket):
    """The CSAT survey on a solved or closed ticket's page, for its requester."""
    from ..views import ticket_survey_context

    return {
        "survey": ticket_survey_context(context["request"], ticket),
        "request": context["request"],
    }


@register.inclusion_tag("surveys/_preference_form.html", takes_context=True)
def survey_preference_form(context):
    """The opt-out checkbox on the profile page."""
    request = context["request"]
    preference = SurveyPreference.objects.filter(user=request.user).first()
    return {"form": PreferenceForm(instance=preference, auto_id="id_survey_%s"), "request": request}
