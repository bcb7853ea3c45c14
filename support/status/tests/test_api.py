import datetime

import pytest
from django.utils import timezone

from .conftest import open_incident, schedule_maintenance

PAGE_FIELDS = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT_FIELDS = {
    "id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
    "start_date", "group_id", "page_id", "group", "only_show_if_degraded",
}  # fmt: skip
INCIDENT_FIELDS = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at",
    "impact", "shortlink", "started_at", "page_id", "incident_updates", "components",
}  # fmt: skip
UPDATE_FIELDS = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
    "affected_components", "deliver_notifications", "custom_tweet", "tweet_id",
}  # fmt: skip
COMPONENT_STATUSES = {
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"
}  # fmt: skip
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}
IMPACTS = {"none", "minor", "major", "critical", "maintenance"}


@pytest.fixture
def page(web, dns):
    resolved = open_incident([dns], name="Old DNS trouble", impact="minor")
    resolved.post_update("resolved", "Done.")
    active = open_incident([web], name="Web servers down", impact="critical")
    active.post_update("identified", "Found it.", {web: "major_outage"})
    upcoming = schedule_maintenance([dns], timezone.now() + datetime.timedelta(days=2))
    running = schedule_maintenance(
        [web], timezone.now() - datetime.timedelta(minutes=5), name="Kernel updates"
    )
    running.post_update("in_progress", "Started.", {web: "under_maintenance"})
    return {"resolved": resolved, "active": active, "upcoming": upcoming, "running": running}


def get(client, path):
    response = client.get("/status/api/v2/" + path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def check_incident(incident, statuses):
    assert set(incident) >= INCIDENT_FIELDS
    assert incident["status"] in statuses
    assert incident["impact"] in IMPACTS
    assert incident["shortlink"].startswith("https://support.example.com/status/incidents/")
    for update in incident["incident_updates"]:
        assert set(update) == UPDATE_FIELDS
        assert update["status"] in statuses
        for change in update["affected_components"] or []:
            assert set(change) == {"code", "name", "old_status", "new_status"}
            assert change["new_status"] in COMPONENT_STATUSES
    for component in incident["components"]:
        assert set(component) >= COMPONENT_FIELDS


@pytest.mark.django_db
def test_summary_has_statuspage_shape_and_values(client, page):
    data = get(client, "summary.json")
    assert set(data) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert set(data["page"]) == PAGE_FIELDS
    assert data["page"]["url"] == "https://support.example.com/status/"
    assert data["status"] == {"indicator": "critical", "description": "Major Service Outage"}
    components = {c["name"]: c for c in data["components"]}
    assert components["Web servers"]["status"] == "under_maintenance"
    assert components["Authoritative DNS"]["status"] == "operational"
    group = components["Frankfurt — shared hosting"]
    assert group["group"] is True and group["components"] == [components["Web servers"]["id"]]
    assert components["Web servers"]["group_id"] == group["id"]
    for component in data["components"]:
        assert set(component) >= COMPONENT_FIELDS
        assert component["status"] in COMPONENT_STATUSES
    assert [i["name"] for i in data["incidents"]] == ["Web servers down"]
    incident = data["incidents"][0]
    check_incident(incident, INCIDENT_STATUSES)
    assert incident["impact"] == "critical" and incident["status"] == "identified"
    assert [u["status"] for u in incident["incident_updates"]] == ["identified", "investigating"]
    changes = incident["incident_updates"][0]["affected_components"]
    assert changes == [
        {
            "code": str(page["active"].components.get().pk),
            "name": "Web servers",
            "old_status": "partial_outage",
            "new_status": "major_outage",
        }
    ]
    names = sorted(m["name"] for m in data["scheduled_maintenances"])
    assert names == ["Kernel updates", "Router upgrade"]
    for maintenance in data["scheduled_maintenances"]:
        check_incident(maintenance, MAINTENANCE_STATUSES)
        assert maintenance["impact"] == "maintenance"
        assert maintenance["scheduled_for"] and maintenance["scheduled_until"]


@pytest.mark.django_db
def test_status_json(client, page):
    data = get(client, "status.json")
    assert set(data) == {"page", "status"}
    assert data["status"]["indicator"] == "critical"


@pytest.mark.django_db
def test_status_json_when_all_is_well_and_during_maintenance(client, web):
    assert get(client, "status.json")["status"] == {
        "indicator": "none",
        "description": "All Systems Operational",
    }
    maintenance = schedule_maintenance([web], timezone.now())
    maintenance.post_update("in_progress", "Started.", {web: "under_maintenance"})
    assert get(client, "status.json")["status"]["indicator"] == "maintenance"


@pytest.mark.django_db
def test_components_json(client, page):
    data = get(client, "components.json")
    assert set(data) == {"page", "components"}
    assert {c["name"] for c in data["components"] if not c["group"]} == {
        "Web servers",
        "Authoritative DNS",
    }


@pytest.mark.django_db
def test_incidents_json_lists_all_incidents_and_unresolved_only_open_ones(client, page):
    data = get(client, "incidents.json")
    assert set(data) == {"page", "incidents"}
    assert {i["name"] for i in data["incidents"]} == {"Web servers down", "Old DNS trouble"}
    for incident in data["incidents"]:
        check_incident(incident, INCIDENT_STATUSES)
    unresolved = get(client, "incidents/unresolved.json")
    assert [i["name"] for i in unresolved["incidents"]] == ["Web servers down"]


@pytest.mark.django_db
def test_scheduled_maintenance_endpoints(client, page):
    everything = get(client, "scheduled-maintenances.json")
    assert set(everything) == {"page", "scheduled_maintenances"}
    assert len(everything["scheduled_maintenances"]) == 2
    upcoming = get(client, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    assert [m["name"] for m in upcoming] == ["Router upgrade"]
    assert upcoming[0]["status"] == "scheduled"
    active = get(client, "scheduled-maintenances/active.json")["scheduled_maintenances"]
    assert [m["name"] for m in active] == ["Kernel updates"]
    assert active[0]["status"] == "in_progress"


@pytest.mark.django_db
def test_api_is_anonymous_read_only_and_hides_drafts(client, web):
    open_incident([web], name="Draft trouble", is_published=False)
    assert get(client, "incidents.json")["incidents"] == []
    assert client.post("/status/api/v2/summary.json").status_code == 405
