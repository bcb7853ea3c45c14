"""Everything the public status page shows, gathered in a fixed number of queries."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from .models import (
    COMPONENT_STATUS_IMPACT,
    INDICATOR_DESCRIPTIONS,
    Component,
    ComponentGroup,
    Incident,
    IncidentUpdate,
    worst_impact,
)
from .uptime import Outage, daily_uptime, day_bounds, overall_uptime

HISTORY_DAYS = 90


def with_updates(queryset):
    """Incidents with their components and updates (newest first) in two more queries."""
    return queryset.prefetch_related(
        "components",
        Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-display_at", "-pk")),
    )


def page_indicator(components, active_incidents):
    """Statuspage's status.indicator: the worst of the components and the open incidents."""
    impacts = [COMPONENT_STATUS_IMPACT[component.status] for component in components]
    impacts += [incident.impact for incident in active_incidents]
    indicator = worst_impact(impacts)
    return indicator, INDICATOR_DESCRIPTIONS[indicator]


@dataclass
class ComponentRow:
    component: Component
    days: list = field(default_factory=list)
    uptime: float | None = None

    @property
    def incident_days(self):
        return [day for day in self.days if day.incidents]


@dataclass
class GroupRow:
    group: ComponentGroup | None
    rows: list = field(default_factory=list)


def outages_by_component(incidents):
    outages = {}
    for incident in incidents:
        start, end = incident.downtime_interval()
        for component in incident.components.all():
            outages.setdefault(component.pk, []).append(
                Outage(start, end, incident.impact, incident)
            )
    return outages


def status_overview(zone, now=None):
    now = now or timezone.now()
    today = now.astimezone(zone).date()
    window_start = day_bounds(today - datetime.timedelta(days=HISTORY_DAYS - 1), zone)[0]

    components = list(Component.objects.visible().select_related("group"))
    window = Incident.objects.public().overlapping(window_start, now)
    outages = outages_by_component(window.prefetch_related("components"))

    groups = {}
    for component in components:
        row = ComponentRow(component)
        if component.show_uptime:
            row.days = daily_uptime(
                outages.get(component.pk, []),
                today,
                HISTORY_DAYS,
                zone,
                now,
                since=component.created_at,
            )
            row.uptime = overall_uptime(row.days)
        groups.setdefault(component.group_id, GroupRow(component.group)).rows.append(row)

    active = list(with_updates(Incident.objects.active().public().order_by("-started_at")))
    upcoming = list(with_updates(Incident.objects.public().upcoming().order_by("scheduled_for")))
    indicator, description = page_indicator(
        components, [i for i in active if i.kind == Incident.Kind.INCIDENT]
    )
    return {
        "groups": list(groups.values()),
        "active_incidents": [i for i in active if not i.is_maintenance],
        "active_maintenance": [i for i in active if i.is_maintenance],
        "upcoming_maintenance": upcoming,
        "indicator": indicator,
        "indicator_description": description,
        "history_days": HISTORY_DAYS,
        "generated_at": now,
    }
