"""Survey pages. A GET only shows the form (mail scanners open links); answers come by POST."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.decorators import organization_required

from . import services
from .forms import CsatForm, NpsForm, PreferenceForm
from .models import (
    CHANGE_WINDOW,
    CsatResponse,
    CsatSurvey,
    NpsResponse,
    SurveyPreference,
    has_opted_out,
    set_opt_out,
)


def invalid_link(request, kind):
    return render(request, "surveys/invalid_link.html", {"kind": kind}, status=400)


def _answer_saved(request, created, closed=False):
    if request.headers.get("X-Survey-Autosubmit"):
        return JsonResponse({"saved": not closed, "closed": closed}, status=409 if closed else 200)
    if closed:
        messages.error(
            request, _("This answer can no longer be changed: answers can be changed for 7 days.")
        )
    elif created:
        messages.success(request, _("Thank you! Your answer has been recorded."))
    else:
        messages.success(request, _("Thank you! Your answer has been updated."))
    return redirect(request.path)


def csat_survey(request, token):
    found = services.read_csat_token(token)
    if found is None:
        return invalid_link(request, "csat")
    survey, token_rating = found
    response = CsatResponse.objects.filter(survey=survey).first()
    if request.method == "POST":
        form = CsatForm(request.POST)
        if form.is_valid():
            try:
                _response, created = services.record_csat(survey, **form.cleaned_data)
            except services.SurveyClosed:
                return _answer_saved(request, False, closed=True)
            return _answer_saved(request, created)
        status = 400
    else:
        initial = {"rating": token_rating}
        if response:
            initial = {"rating": token_rating or response.rating, "comment": response.comment}
        form = CsatForm(initial=initial)
        status = 200
    context = {
        "survey": survey,
        "ticket": survey.ticket,
        "form": form,
        "response": response,
        "can_change": response is None or response.can_change(),
        "change_until": response.created_at + CHANGE_WINDOW if response else None,
        "autosubmit": response is None and token_rating is not None and request.method == "GET",
    }
    return render(request, "surveys/csat.html", context, status=status)


def nps_survey(request, token):
    found = services.read_nps_token(token)
    if found is None:
        return invalid_link(request, "nps")
    invitation, token_score = found
    response = NpsResponse.objects.filter(invitation=invitation).first()
    if request.method == "POST":
        form = NpsForm(request.POST)
        if form.is_valid():
            try:
                _response, created = services.record_nps(invitation, **form.cleaned_data)
            except services.SurveyClosed:
                return _answer_saved(request, False, closed=True)
            return _answer_saved(request, created)
        status = 400
    else:
        initial = {"score": token_score}
        if response:
            initial = {
                "score": token_score if token_score is not None else response.score,
                "reason": response.reason,
            }
        form = NpsForm(initial=initial)
        status = 200
    context = {
        "invitation": invitation,
        "campaign": invitation.campaign,
        "message": invitation.campaign.localized_message,
        "form": form,
        "response": response,
        "can_change": response is None or response.can_change(),
        "change_until": response.created_at + CHANGE_WINDOW if response else None,
        "autosubmit": response is None and token_score is not None and request.method == "GET",
    }
    return render(request, "surveys/nps.html", context, status=status)


# The survey on the ticket page ----------------------------------------------------------------


def ratable_tickets(request):
    """Solved or closed tickets the signed-in customer asked for, in their current organisation."""
    from support.tickets.models import Ticket

    return Ticket.objects.visible_to(request.user, request.membership).filter(
        requester=request.user, status__in=[Ticket.Status.SOLVED, Ticket.Status.CLOSED]
    )


def ticket_survey_context(request, ticket):
    """What _ticket_survey.html needs, or None when this viewer can't rate this ticket."""
    from support.tickets.models import Ticket

    if (
        not getattr(request, "membership", None)
        or ticket.requester_id != request.user.pk
        or ticket.organization_id != request.membership.organization_id
        or ticket.status not in (Ticket.Status.SOLVED, Ticket.Status.CLOSED)
    ):
        return None
    response = CsatResponse.objects.filter(
        survey__ticket=ticket, survey__person=request.user
    ).first()
    initial = {"rating": response.rating, "comment": response.comment} if response else {}
    return {
        "ticket": ticket,
        "form": CsatForm(initial=initial, auto_id="id_csat_%s"),
        "response": response,
        "can_change": response is None or response.can_change(),
        "change_until": response.created_at + CHANGE_WINDOW if response else None,
    }


@require_POST
@organization_required
def ticket_rate(request, reference):
    ticket = ratable_tickets(request).filter(reference=str(reference).strip().upper()[:20]).first()
    if ticket is None:
        raise Http404
    form = CsatForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rating from 1 to 5 to rate this ticket."))
        return redirect(ticket)
    survey, _created = CsatSurvey.objects.get_or_create(ticket=ticket, person=request.user)
    try:
        _response, created = services.record_csat(survey, **form.cleaned_data)
    except services.SurveyClosed:
        messages.error(
            request, _("This answer can no longer be changed: answers can be changed for 7 days.")
        )
        return redirect(ticket)
    if created:
        messages.success(request, _("Thank you! Your rating has been recorded."))
    else:
        messages.success(request, _("Thank you! Your rating has been updated."))
    return redirect(ticket)


# Opting out -----------------------------------------------------------------------------------


@require_POST
@login_required
def preferences(request):
    preference = SurveyPreference.objects.filter(user=request.user).first()
    form = PreferenceForm(request.POST, instance=preference or SurveyPreference(user=request.user))
    if form.is_valid():
        form.save()
        if form.cleaned_data["opted_out"]:
            messages.success(request, _("You won't receive satisfaction surveys any more."))
        else:
            messages.success(request, _("You will receive satisfaction surveys again."))
    return redirect("profile")


@csrf_exempt  # mail clients POST here for one-click unsubscribe (RFC 8058); the token is the proof
def opt_out(request, token):
    """The "stop these questions" link of survey emails: GET asks, POST opts out."""
    person = services.read_opt_out_token(token)
    if person is None:
        return invalid_link(request, "opt_out")
    if request.method == "POST":
        set_opt_out(person, True)
    return render(
        request, "surveys/opt_out.html", {"person": person, "opted_out": has_opted_out(person)}
    )
