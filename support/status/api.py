"""Statuspage-compatible public JSON (api/v2), so Statuspage clients and widgets work unchanged.

Shapes, field names and values follow Atlassian Statuspage's public API v2. Every
response is built once per cache version and served as bytes from the cache.
"""

import json

from django.conf import settings
from django.db.models import Max
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from .cache import cached
from .models import (
    Component,
    ComponentGroup,
    Incident,
    IncidentUpdateComponent,
    content_language,
)
from .overview import page_indicator, with_updates

PAGE_ID = "hosting-status"
RECENT_LIMIT = 50


def timestamp(value):
    return value.isoformat(timespec="milliseconds") if value else None


def page_json():
    latest = [
        ComponentGroup.objects.aggregate(latest=Max("updated_at"))["latest"],
        Component.objects.aggregate(latest=Max("updated_at"))["latest"],
        Incident.objects.public().aggregate(latest=Max("updated_at"))["latest"],
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
        "name": component.local_name,
        "status": component.status,
        "created_at": timestamp(component.created_at),
        "updated_at": timestamp(component.updated_at),
        "position": position,
        "description": component.local_description or None,
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
        "name": group.local_name,
        "status": worst,
        "created_at": timestamp(group.created_at),
        "updated_at": timestamp(group.updated_at),
        "position": position,
        "description": group.local_description or None,
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
                "name": change.component.local_name,
                "old_status": change.old_status,
                "new_status": change.new_status,
            }
        )
    return [incident_json(incident, changes) for incident in incidents]


def incident_json(incident, changes):
    data = {
        "id": str(incident.pk),
        "name": incident.local_name,
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
                "body": update.local_body,
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
    active = Incident.objects.active().public().incidents()
    indicator, description = page_indicator(components, active)
    with translation.override("en"):
        return {"indicator": indicator, "description": str(description)}


public = Incident.objects.public
PAYLOADS = {
    "summary": lambda: {
        "page": page_json(),
        "components": components_json(Component.objects.visible().select_related("group")),
        "incidents": incidents_json(public().incidents().unresolved()),
        "scheduled_maintenances": incidents_json(
            public().maintenance().unresolved().order_by("scheduled_for")
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
        "incidents": incidents_json(public().incidents()),
    },
    "incidents_unresolved": lambda: {
        "page": page_json(),
        "incidents": incidents_json(public().incidents().unresolved()),
    },
    "maintenances": lambda: {
        "page": page_json(),
        "scheduled_maintenances": incidents_json(public().maintenance()),
    },
    "maintenances_upcoming": lambda: {
        "page": page_json(),
        "scheduled_maintenances": incidents_json(public().upcoming().order_by("scheduled_for")),
    },
    "maintenances_active": lambda: {
        "page": page_json(),
        "scheduled_maintenances": incidents_json(public().in_progress()),
    },
}


class StatuspageView(APIView):
    """Anonymous, cross-origin, read-only; the body comes from the cache."""

    authentication_classes = []
    permission_classes = [AllowAny]
    payload = None

    def get(self, request):
        language = api_language(request)

        def build():
            with translation.override(language):
                return json.dumps(PAYLOADS[self.payload](), separators=(",", ":")).encode()

        return json_response(cached(api_cache_name(self.payload, language), build), language)


def api_language(request):
    """Names and messages in Chinese for clients that ask for it in Accept-Language (only:
    the API ignores the site's cookie), else in English."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for language, _quality in parse_accept_lang_header(header):
        if language == "*":
            break
        if language.startswith("zh") or language.startswith("en"):
            return content_language(language)
    return "en"


def api_cache_name(payload, language):
    return f"api:{payload}:{language}"


def json_response(body, language):
    response = HttpResponse(body, content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
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
