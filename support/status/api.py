"""Statuspage-compatible public JSON (api/v2), so Statuspage clients and widgets work unchanged.

Shapes, field names and values follow Atlassian Statuspage's public API v2. Every
response is built once per cache version and served as bytes from the cache.
"""

import json

from django.conf import settings
from django.db.models import Max
from django.http import HttpResponse
from django.utils import translation
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from .cache import cached
from .models import Component, ComponentGroup, Incident, IncidentUpdateComponent
from .overview import page_indicator, with_updates

PAGE_ID = "hosting-status"
RECENT_LIMIT = 50


def timestamp(value):
    return value.isoformat(timespec="milliseconds") if value else None


def page_json():
    latest = [
        ComponentGroup.objects.aggregate(latest=Max("updated_at"))["latest"],
        Component.objects.aggregate(latest=Max("updated_at"))["latest"],
        Incident.objects.published().aggregate(latest=Max("updated_at"))["latest"],
    ]
    latest = [value for value in latest if value]
    return {
        "id": PAGE_ID,
        "name": settings.SITE_NAME,
        "url": settings.SITE_URL + "/status/",
        "time_zone": "Etc/UTC",
        "updated_at": timestamp(max(latest)) if latest else None,
    }


def component_json(component, position):
    return {
        "id": str(component.pk),
        "name": component.name,
        "status": component.status,
        "created_at": timestamp(component.created_at),
        "updated_at": timestamp(component.updated_at),
        "position": position,
        "description": component.description or None,
        "showcase": component.show_uptime,
        "start_date": component.created_at.date().isoformat(),
        "group_id": f"group-{component.group_id}" if component.group_id else None,
        "page_id": PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }


def group_json(group, children, position):
    worst = max(
        (c["status"] for c in children),
        key=["operational", "under_maintenance", "degraded_performance", "partial_outage",
             "major_outage"].index,
        default="operational",
    )  # fmt: skip
    return {
        "id": f"group-{group.pk}",
        "name": group.name,
        "status": worst,
        "created_at": timestamp(group.created_at),
        "updated_at": timestamp(group.updated_at),
        "position": position,
        "description": group.description or None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": PAGE_ID,
        "group": True,
        "only_show_if_degraded": False,
        "components": [c["id"] for c in children],
    }


def components_json(components):
    """Components and their groups, in page order, like Statuspage lists them."""
    result, groups = [], {}
    for position, component in enumerate(components, start=1):
        data = component_json(component, position)
        result.append(data)
        if component.group_id:
            groups.setdefault(component.group_id, (component.group, []))[1].append(data)
    for position, (group, children) in enumerate(groups.values(), start=len(result) + 1):
        result.append(group_json(group, children, position))
    return result


def incidents_json(queryset):
    incidents = list(with_updates(queryset)[:RECENT_LIMIT])
    changes = {}
    for change in IncidentUpdateComponent.objects.filter(
        update__incident__in=incidents
    ).select_related("component"):
        changes.setdefault(change.update_id, []).append(
            {
                "code": str(change.component_id),
                "name": change.component.name,
                "old_status": change.old_status,
                "new_status": change.new_status,
            }
        )
    return [incident_json(incident, changes) for incident in incidents]


def incident_json(incident, changes):
    data = {
        "id": str(incident.pk),
        "name": incident.name,
        "status": incident.status,
        "created_at": timestamp(incident.created_at),
        "updated_at": timestamp(incident.updated_at),
        "monitoring_at": timestamp(incident.monitoring_at),
        "resolved_at": timestamp(incident.resolved_at),
        "impact": incident.impact,
        "shortlink": settings.SITE_URL + incident.get_absolute_url(),
        "started_at": timestamp(incident.started_at),
        "page_id": PAGE_ID,
        "incident_updates": [
            {
                "id": str(update.pk),
                "status": update.status,
                "body": update.body,
                "incident_id": str(incident.pk),
                "created_at": timestamp(update.created_at),
                "updated_at": timestamp(update.updated_at),
                "display_at": timestamp(update.display_at),
                "affected_components": changes.get(update.pk) or None,
                "deliver_notifications": update.notify_subscribers,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for update in incident.updates.all()
        ],
        "components": [
            component_json(component, position)
            for position, component in enumerate(incident.components.all(), start=1)
        ],
    }
    if incident.is_maintenance:
        data["scheduled_for"] = timestamp(incident.scheduled_for)
        data["scheduled_until"] = timestamp(incident.scheduled_until)
    return data


def status_json():
    """Statuspage's descriptions are fixed English values that clients may compare."""
    components = Component.objects.visible()
    active = Incident.objects.active().incidents()
    indicator, description = page_indicator(components, active)
    with translation.override("en"):
        return {"indicator": indicator, "description": str(description)}


published = Incident.objects.published
PAYLOADS = {
    "summary": lambda: {
        "page": page_json(),
        "components": components_json(Component.objects.visible().select_related("group")),
        "incidents": incidents_json(published().incidents().unresolved()),
        "scheduled_maintenances": incidents_json(
            published().maintenance().unresolved().order_by("scheduled_for")
        ),
        "status": status_json(),
    },
    "status": lambda: {"page": page_json(), "status": status_json()},
    "components": lambda: {
        "page": page_json(),
        "components": components_json(Component.objects.visible().select_related("group")),
    },
    "incidents": lambda: {
        "page": page_json(),
        "incidents": incidents_json(published().incidents()),
    },
    "incidents_unresolved": lambda: {
        "page": page_json(),
        "incidents": incidents_json(published().incidents().unresolved()),
    },
    "maintenances": lambda: {
        "page": page_json(),
        "scheduled_maintenances": incidents_json(published().maintenance()),
    },
    "maintenances_upcoming": lambda: {
        "page": page_json(),
        "scheduled_maintenances": incidents_json(published().upcoming().order_by("scheduled_for")),
    },
    "maintenances_active": lambda: {
        "page": page_json(),
        "scheduled_maintenances": incidents_json(published().in_progress()),
    },
}


class StatuspageView(APIView):
    """Anonymous, cross-origin, read-only; the body comes from the cache."""

    authentication_classes = []
    permission_classes = [AllowAny]
    payload = None

    def get(self, request):
        body = cached(
            f"api:{self.payload}",
            lambda: json.dumps(PAYLOADS[self.payload](), separators=(",", ":")).encode(),
        )
        response = HttpResponse(body, content_type="application/json")
        response["Access-Control-Allow-Origin"] = "*"
        return response


class Summary(StatuspageView):
    payload = "summary"


class Status(StatuspageView):
    payload = "status"


class Components(StatuspageView):
    payload = "components"


class Incidents(StatuspageView):
    payload = "incidents"


class UnresolvedIncidents(StatuspageView):
    payload = "incidents_unresolved"


class ScheduledMaintenances(StatuspageView):
    payload = "maintenances"


class UpcomingMaintenances(StatuspageView):
    payload = "maintenances_upcoming"


class ActiveMaintenances(StatuspageView):
    payload = "maintenances_active"
