"""Each organisation's month: uptime of its services and the SLA credit owed.

An organisation's uptime comes from the published incidents on the status-page
components mapped to its services, with the arithmetic of the status page
(support/status/uptime.py: a major outage counts fully, a partial outage at 30 %,
overlapping incidents once). Scheduled maintenance never counts. A service with no
component mapped is not measured. The organisation is down while any of its measured
services is. The queries don't depend on the number of organisations or tickets.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch
from django.utils import timezone

from accounts.models import Organization, Service
from support.status.models import Component, Incident
from support.status.uptime import Outage, uptime_for_period
from support.tickets.models import Ticket

from . import credits
from .models import CreditContract


@dataclass
class ServiceLevel:
    service: Service
    components: list = field(default_factory=list)
    uptime: float | None = None
    downtime_minutes: float = 0.0

    @property
    def measured(self):
        return bool(self.components)


@dataclass
class OrganizationMonth:
    organization: Organization
    period: object
    services: list = field(default_factory=list)
    uptime: float | None = None
    downtime_minutes: float = 0.0
    commitment: float | None = None
    terms: credits.Terms | None = None
    late_p0: int = 0
    credit: credits.Credit | None = None
    incidents: list = field(default_factory=list)  # (incident, minutes in the month, services)

    @property
    def owed(self):
        return bool(self.credit and self.credit.owed)

    @property
    def below_commitment(self):
        return (
            self.uptime is not None
            and self.commitment is not None
            and (self.uptime < self.commitment)
        )


def contracts():
    return {
        contract.tier: contract.terms()
        for contract in CreditContract.objects.prefetch_related("steps")
    }


def incidents_in(period, end, kinds=(Incident.Kind.INCIDENT,)):
    return (
        Incident.objects.published()
        .filter(kind__in=kinds)
        .overlapping(period.starts_at, end)
        .prefetch_related(Prefetch("components", queryset=Component.objects.only("pk", "name")))
        .order_by("started_at")
    )


def minutes_within(start, stop, period_start, period_end):
    stop = stop or period_end
    begin, finish = max(start, period_start), min(stop, period_end)
    return max((finish - begin).total_seconds() / 60, 0.0)


def organization_months(period, organizations, now=None, with_maintenance=False):
    """An OrganizationMonth for each organisation (a queryset or list), in their order."""
    now = now or timezone.now()
    end = min(period.stops_at, now)
    organizations = list(organizations)
    ids = [organization.pk for organization in organizations]
    terms_by_tier = contracts()
    services = {}
    for service in Service.objects.filter(organization_id__in=ids).order_by("name"):
        services.setdefault(service.organization_id, []).append(ServiceLevel(service))
    links = Component.services.through.objects.filter(service__organization_id__in=ids)
    components_of = {}
    for service_id, component_id in links.values_list("service_id", "component_id"):
        components_of.setdefault(service_id, []).append(component_id)
    kinds = [Incident.Kind.INCIDENT] + ([Incident.Kind.MAINTENANCE] if with_maintenance else [])
    incidents = list(incidents_in(period, end, kinds)) if end > period.starts_at else []
    outages = {}
    for incident in incidents:
        if incident.is_maintenance:
            continue
        start, stop = incident.downtime_interval()
        for component in incident.components.all():
            outages.setdefault(component.pk, []).append(
                Outage(start, stop, incident.impact, incident)
            )
    late_p0 = dict(
        Ticket.objects.filter(
            organization_id__in=ids,
            priority="P0",
            first_response_outcome=Ticket.Outcome.BREACHED,
            created_at__gte=period.starts_at,
            created_at__lt=period.stops_at,
        )
        .values("organization")
        .annotate(count=Count("pk"))
        .values_list("organization", "count")
    )
    result = []
    for organization in organizations:
        month = OrganizationMonth(organization, period, services.get(organization.pk, []))
        month.terms = terms_by_tier.get(organization.tier)
        month.commitment = month.terms.commitment if month.terms else None
        every_outage = []
        touched = {}
        for level in month.services:
            level.components = components_of.get(level.service.pk, [])
            if not level.measured or end <= period.starts_at:
                continue
            mine = [o for c in set(level.components) for o in outages.get(c, [])]
            level.uptime, downtime = uptime_for_period(mine, period.starts_at, end)
            level.downtime_minutes = downtime.total_seconds() / 60
            every_outage += mine
            for incident in incidents:
                if {c.pk for c in incident.components.all()} & set(level.components):
                    touched.setdefault(incident.pk, (incident, []))[1].append(level.service)
        if any(level.measured for level in month.services) and end > period.starts_at:
            month.uptime, downtime = uptime_for_period(every_outage, period.starts_at, end)
            month.downtime_minutes = downtime.total_seconds() / 60
        month.incidents = [
            (incident, minutes_within(*incident.downtime_interval(), period.starts_at, end), names)
            for incident, names in sorted(touched.values(), key=lambda item: item[0].started_at)
        ]
        month.late_p0 = late_p0.get(organization.pk, 0)
        if month.terms:
            month.credit = credits.credit_for_month(month.uptime, month.late_p0, month.terms)
        result.append(month)
    return result


def owed_credits(period, now=None):
    """The organisations owed a credit for the period, largest credit first."""
    months = organization_months(period, Organization.objects.order_by("name"), now)
    owed = [month for month in months if month.owed]
    owed.sort(key=lambda month: (-month.credit.total, month.organization.name))
    return owed
