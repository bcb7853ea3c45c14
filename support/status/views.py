import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import organization_required
from portal.emails import send_email
from portal.net import absolute_url, client_ip
from support.tickets.models import Ticket

from .cache import cached
from .forms import NoticePreferenceForm, SubscribeForm
from .models import (
    Component,
    Incident,
    IncidentUpdateComponent,
    NoticePreference,
    Subscriber,
    active_notices_for,
)
from .overview import HISTORY_DAYS, status_overview, with_updates
from .service_pages import get_service_for_user, service_history
from .subscriptions import (
    confirm_token,
    read_confirm_token,
    signup_wait,
    subscriber_for_token,
)

MONTHS_PER_PAGE = 3


def index(request):
    """The public status page. Its body is cached per language and time zone, and the
    whole response for visitors (see portal.fastpath)."""
    zone = timezone.get_current_timezone()
    language = translation.get_language()

    def build():
        return render_to_string("status/_overview.html", status_overview(zone))

    body = cached(f"page:{language}:{zone}", build)
    return render(request, "status/index.html", {"overview_html": body})


def _visible_incident(request, pk):
    incidents = Incident.objects.visible_to(request.user, getattr(request, "membership", None))
    incident = with_updates(incidents.filter(pk=pk)).first()
    if incident is None:
        raise Http404
    return incident


def incident_detail(request, pk):
    if (
        not request.user.is_authenticated
        and Incident.objects.filter(pk=pk, is_published=True, is_private=True).exists()
    ):
        return redirect_to_login(request.get_full_path())
    incident = _visible_incident(request, pk)
    updates = list(incident.updates.all())
    changes = {}
    for update in updates:
        changes[update.pk] = []
    for change in (
        IncidentUpdateComponent.objects.filter(update__incident=incident)
        .select_related("component")
        .order_by("component__name")
    ):
        changes[change.update_id].append(change)
    for update in updates:
        update.changes = changes[update.pk]
    return render(request, "status/incident.html", {"incident": incident, "updates": updates})


def _month_start(value):
    return value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _previous_month(month):
    return _month_start(month - datetime.timedelta(days=1))


def history(request):
    """Past incidents and maintenance by month, three months a page, newest first."""
    now = timezone.localtime()
    published = Incident.objects.public().exclude(status="scheduled")
    oldest = published.order_by("started_at").values_list("started_at", flat=True).first()
    months = [_month_start(now)]
    if oldest:
        oldest_month = _month_start(timezone.localtime(oldest))
        while months[-1] > oldest_month:
            months.append(_previous_month(months[-1]))
    page = Paginator(months, MONTHS_PER_PAGE).get_page(request.GET.get("page"))
    first, last = page.object_list[-1], page.object_list[0]
    end = (last + datetime.timedelta(days=32)).replace(day=1)
    incidents = with_updates(
        published.filter(started_at__gte=first, started_at__lt=end).order_by("-started_at")
    )
    by_month = {month: [] for month in page.object_list}
    for incident in incidents:
        by_month[_month_start(timezone.localtime(incident.started_at))].append(incident)
    return render(
        request,
        "status/history.html",
        {"page": page, "months": list(by_month.items())},
    )


@require_http_methods(["GET", "POST"])
def subscribe(request):
    groups = _component_groups()
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        wait = signup_wait(email, client_ip(request))
        if wait:
            messages.error(
                request, _("Too many sign-ups from here or for this address. Try again later.")
            )
            response = render(
                request, "status/subscribe.html", {"form": form, "groups": groups}, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        language = translation.get_language()
        components = form.cleaned_data["components"]
        token = confirm_token(email, [c.pk for c in components], language)
        send_email(
            "status/email/confirm",
            {
                "confirm_url": absolute_url(reverse("status:subscribe_confirm", args=[token])),
                "components": components,
            },
            email,
            language=language,
        )
        messages.success(
            request,
            _("Almost done: we sent a link to %(email)s. Open it to confirm your subscription.")
            % {"email": email},
        )
        return redirect("status:subscribe")
    return render(request, "status/subscribe.html", {"form": form, "groups": groups})


def _component_groups():
    groups = {}
    for component in Component.objects.visible().select_related("group"):
        groups.setdefault(component.group, []).append(component)
    return list(groups.items())


@require_http_methods(["GET", "POST"])
def subscribe_confirm(request, token):
    """GET only shows a button (mail scanners open links); the POST confirms."""
    payload = read_confirm_token(token)
    if payload is None:
        return render(request, "status/link_invalid.html", status=400)
    components = list(Component.objects.visible().filter(pk__in=payload.get("c") or []))
    if request.method == "POST":
        subscriber, _created = Subscriber.objects.get_or_create(
            email=payload["e"], defaults={"language": payload.get("l") or "en"}
        )
        subscriber.language = payload.get("l") or subscriber.language
        subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
        subscriber.save()
        subscriber.components.set(components)
        messages.success(request, _("Thank you: your subscription is confirmed."))
        return redirect("status:index")
    return render(
        request,
        "status/subscribe_confirm.html",
        {"email": payload["e"], "components": components},
    )


@csrf_exempt  # RFC 8058 one-click: the mail provider POSTs without a CSRF token; the
@require_http_methods(["GET", "POST"])  # signed token in the URL is the authorisation
def unsubscribe(request, token):
    subscriber = subscriber_for_token(token)
    if subscriber is None:
        return render(request, "status/link_invalid.html", status=400)
    if request.method == "POST":
        subscriber.delete()
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(_("You are unsubscribed."), content_type="text/plain")
        messages.success(request, _("You are unsubscribed: we will not email you again."))
        return redirect("status:index")
    return render(request, "status/unsubscribe.html", {"subscriber": subscriber})


def known_issues_panel(request):
    """Dashboard panel: incidents touching the customer's services."""
    notices = active_notices_for(getattr(request, "organization", None))
    if not notices:
        return None
    return {"template": "status/_dashboard_panel.html", "notices": notices}


@require_POST
@login_required
def notice_preference(request):
    """The profile's "email me about incidents affecting our services" checkbox."""
    preference = NoticePreference.objects.filter(user=request.user).first()
    form = NoticePreferenceForm(
        request.POST, instance=preference or NoticePreference(user=request.user)
    )
    if form.is_valid():
        form.save()
        if form.cleaned_data["wants_notices"]:
            messages.success(
                request, _("We will email you about incidents affecting your services.")
            )
        else:
            messages.success(
                request, _("We won't email you about incidents affecting your services.")
            )
    return redirect("profile")


@organization_required
def service_detail(request, pk):
    """One of the organisation's services: its status, uptime, tickets and incidents."""
    service = get_service_for_user(request, pk)
    tickets = Ticket.objects.visible_to(request.user, request.membership)
    history = service_history(service, tickets, timezone.get_current_timezone())
    return render(
        request,
        "status/service.html",
        {"history": history, "service": service, "history_days": HISTORY_DAYS},
    )
