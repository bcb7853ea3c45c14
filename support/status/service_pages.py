"""A customer's services with the live status of their components, and one service's history.

A service runs on the status-page components staff map it to (Component.services). Its
live status is the worst of those components'; its uptime counts every published
incident on any of them (the worst one when they overlap), with support/status/uptime.py's
arithmetic, so it matches what the status page shows for the components themselves.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from accounts.models import Service

from .models import COMPONENT_STATUS_IMPACT, IMPACT_RANK, Component, ComponentStatus, Incident
from .overview import HISTORY_DAYS
from .uptime import Outage, daily_uptime, day_bounds, overall_uptime

PAST_TICKETS_SHOWN = 10


def visible_services(request):
    return Service.objects.visible_to(request.user, getattr(request, "membership", None))


def get_service_for_user(request, pk):
    """The service `pk` if the signed-in customer's organisation has it, else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    service = with_live_components(visible_services(request).filter(pk=pk)).first()
    if service is None:
        raise Http404
    return service


# A private incident leaves the public component status alone; for the customers it
# touches, their service shows what its impact means.
IMPACT_COMPONENT_STATUS = {
    "none": ComponentStatus.OPERATIONAL,
    "minor": ComponentStatus.DEGRADED_PERFORMANCE,
    "major": ComponentStatus.PARTIAL_OUTAGE,
    "critical": ComponentStatus.MAJOR_OUTAGE,
    "maintenance": ComponentStatus.UNDER_MAINTENANCE,
}


def with_live_components(services):
    """Services with their visible components and the active private incidents on those
    (two more queries), for their live status."""
    live = Component.objects.visible().order_by("pk")
    private = Incident.objects.active().filter(is_private=True).only("pk", "impact")
    return services.prefetch_related(
        Prefetch("status_components", queryset=live, to_attr="live_components"),
        Prefetch("live_components__incidents", queryset=private, to_attr="private_active"),
    )


def live_status(service):
    """The worst status among the service's components (counting the private incidents
    on them), None when none is mapped."""
    statuses = []
    for component in service.live_components:
        statuses.append(component.status)
        statuses += [IMPACT_COMPONENT_STATUS[i.impact] for i in component.private_active]
    if not statuses:
        return None
    return max(statuses, key=lambda status: IMPACT_RANK[COMPONENT_STATUS_IMPACT[status]])


def services_with_status(services):
    """The services (a queryset) as a list, each with .status and .status_label."""
    result = list(with_live_components(services).order_by("name", "pk"))
    for service in result:
        label_status(service)
    return result


def label_status(service):
    service.status = live_status(service)
    service.status_label = ComponentStatus(service.status).label if service.status else None
    return service


@dataclass
class ServiceHistory:
    service: Service
    days: list = field(default_factory=list)
    uptime: float | None = None
    incidents: list = field(default_factory=list)
    open_tickets: list = field(default_factory=list)
    past_tickets: list = field(default_factory=list)
    more_past_tickets: bool = False

    @property
    def active_incidents(self):
        return [incident for incident in self.incidents if incident_is_active(incident)]


def incident_is_active(incident):
    if incident.is_maintenance:
        return incident.status in ("in_progress", "verifying")
    return not incident.is_resolved


def service_history(service, tickets, zone, now=None):
    """Everything /services/<id>/ shows, in a fixed number of queries.

    `service` comes from get_service_for_user; `tickets` is the customer's visible tickets.
    """
    now = now or timezone.now()
    label_status(service)
    incidents = list(
        Incident.objects.published()
        .filter(components__services=service)
        .distinct()
        .prefetch_related(
            Prefetch(
                "components",
                queryset=Component.objects.filter(services=service).order_by("name"),
                to_attr="service_components",
            )
        )
        .order_by("-started_at", "-pk")
    )
    history = ServiceHistory(service, incidents=incidents)
    if service.live_components:
        today = now.astimezone(zone).date()
        window_start = day_bounds(today - datetime.timedelta(days=HISTORY_DAYS - 1), zone)[0]
        outages = [
            Outage(incident.started_at, incident.resolved_at, incident.impact, incident)
            for incident in incidents
            if incident.started_at < now
            and (incident.resolved_at is None or incident.resolved_at > window_start)
        ]
        since = min(component.created_at for component in service.live_components)
        history.days = daily_uptime(outages, today, HISTORY_DAYS, zone, now, since=since)
        history.uptime = overall_uptime(history.days)
    about = tickets.filter(service=service).select_related("category", "requester")
    history.open_tickets = list(about.active().order_by("-last_activity_at", "-pk"))
    past = list(
        about.exclude(status__in=about.model.ACTIVE_STATES).order_by("-last_activity_at", "-pk")[
            : PAST_TICKETS_SHOWN + 1
        ]
    )
    history.past_tickets = past[:PAST_TICKETS_SHOWN]
    history.more_past_tickets = len(past) > PAST_TICKETS_SHOWN
    return history
