"""The customer service report: /reports/ lists the months, /reports/YYYY-MM/ shows one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.decorators import organization_required
from accounts.models import Membership
from portal.db import reads_from_replica

from .customer import CustomerReport, report_months, reportable_membership
from .forms import PreferenceForm
from .models import ReportPreference, set_report_opt_out
from .periods import Period, parse_month
from .tasks import read_opt_out_token


def _membership(request):
    membership = reportable_membership(request.user, request.GET.get("organization"))
    if membership is None:
        raise Http404
    return membership


@organization_required
def index(request):
    membership = _membership(request)
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    context = {
        "organization": membership.organization,
        "membership": membership,
        "months": report_months(membership.organization, today),
        "is_owner": membership.role == Membership.Role.OWNER,
    }
    return render(request, "reports/index.html", context)


@organization_required
@reads_from_replica
def month(request, month):
    membership = _membership(request)
    first = parse_month(month)
    if first is None:
        raise Http404
    context = CustomerReport(membership.organization, Period.month(first)).context()
    return render(request, "reports/month.html", context)


@organization_required
@require_POST
def sharing(request):
    """An owner lets members read the reports, or stops it."""
    membership = _membership(request)
    if membership.role != Membership.Role.OWNER:
        raise Http404
    organization = membership.organization
    organization.members_see_reports = request.POST.get("members_see_reports") == "on"
    organization.save(update_fields=["members_see_reports"])
    messages.success(
        request,
        _("Members can now read the service reports.")
        if organization.members_see_reports
        else _("Only owners and admins can read the service reports now."),
    )
    return redirect("reports:index")


@require_POST
@login_required
def preferences(request):
    preference = ReportPreference.objects.filter(user=request.user).first()
    form = PreferenceForm(request.POST, instance=preference or ReportPreference(user=request.user))
    if form.is_valid():
        form.save()
        if form.cleaned_data["opted_out"]:
            messages.success(request, _("You won't receive the monthly service report any more."))
        else:
            messages.success(request, _("You will receive the monthly service report again."))
    return redirect("profile")


@csrf_exempt  # mail clients POST here for one-click unsubscribe (RFC 8058); the token is the proof
def opt_out(request, token):
    """The "stop this email" link of the monthly report email: GET asks, POST opts out."""
    person = read_opt_out_token(token)
    if person is None:
        return render(request, "reports/opt_out.html", {"person": None}, status=400)
    if request.method == "POST":
        set_report_opt_out(person, True)
    opted_out = ReportPreference.objects.filter(user=person, opted_out=True).exists()
    return render(request, "reports/opt_out.html", {"person": person, "opted_out": opted_out})
