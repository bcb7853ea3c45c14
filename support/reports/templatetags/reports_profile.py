from django import template

from ..forms import PreferenceForm
from ..models import ReportPreference

register = template.Library()


@register.inclusion_tag("reports/_preference_form.html", takes_context=True)
def report_preference_form(context):
    """The monthly report opt-out on the profile page (for people in an organisation)."""
    request = context["request"]
    preference = ReportPreference.objects.filter(user=request.user).first()
    return {
        "form": PreferenceForm(instance=preference, auto_id="id_report_%s"),
        "show": bool(getattr(request, "memberships", None)),
        "request": request,
    }
