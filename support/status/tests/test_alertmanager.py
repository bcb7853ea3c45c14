import json

import pytest

from support.apitokens.models import ApiToken, create_token
from support.status.models import Incident, IncidentUpdate

URL = "/status/api/alertmanager/"


@pytest.fixture
def token(db):
    _token, raw = create_token(name="prometheus", scopes=["alertmanager:publish"])
    return raw


def alert(status="firing", severity="critical", component="fra1-web", fingerprint="abc123"):
    return {
        "status": status,
        "labels": {"alertname": "HTTPDown", "component": component, "severity": severity},
        "annotations": {"summary": "HTTP checks failing", "description": "5 of 8 probes fail."},
        "startsAt": "2026-11-22T00:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-22T01:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": fingerprint,
    }


def payload(*alerts):
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HTTPDown"}',
        "truncatedAlerts": 0,
        "status": alerts[0]["status"],
        "receiver": "status",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager",
        "alerts": list(alerts),
    }


def post(client, body, token):
    data = body if isinstance(body, str) else json.dumps(body)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(URL, data, content_type="application/json", **headers)


@pytest.mark.django_db
def test_firing_alert_opens_an_incident_and_moves_the_component(client, web, token):
    response = post(client, payload(alert()), token)
    assert response.status_code == 200, response.content
    incident = Incident.objects.get()
    assert incident.is_published and incident.status == "investigating"
    assert incident.impact == "critical"
    assert incident.name == "Web servers: HTTP checks failing"
    assert incident.updates.get().body == "5 of 8 probes fail."
    web.refresh_from_db()
    assert web.status == "major_outage"
    assert "Web servers: HTTP checks failing" in client.get("/status/").text


@pytest.mark.django_db
def test_the_same_payload_twice_changes_nothing(client, web, token):
    post(client, payload(alert()), token)
    before = IncidentUpdate.objects.count()
    response = post(client, payload(alert()), token)
    assert response.json()["results"][0]["result"] == "unchanged"
    assert Incident.objects.count() == 1 and IncidentUpdate.objects.count() == before


@pytest.mark.django_db
def test_severity_change_updates_and_resolution_resolves_idempotently(client, web, token):
    post(client, payload(alert(severity="warning")), token)
    web.refresh_from_db()
    assert web.status == "degraded_performance"
    post(client, payload(alert(severity="critical")), token)
    web.refresh_from_db()
    assert web.status == "major_outage"
    incident = Incident.objects.get()
    assert incident.updates.count() == 2 and incident.impact == "critical"

    post(client, payload(alert(status="resolved")), token)
    incident.refresh_from_db()
    web.refresh_from_db()
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert web.status == "operational"
    assert incident.updates.count() == 3
    post(client, payload(alert(status="resolved")), token)
    assert incident.updates.count() == 3


@pytest.mark.django_db
def test_draft_tokens_keep_incidents_as_drafts(client, web):
    _draft_token, raw = create_token(name="staging", scopes=["alertmanager"])
    post(client, payload(alert()), raw)
    incident = Incident.objects.get()
    assert not incident.is_published
    web.refresh_from_db()
    assert web.status == "operational"
    assert "HTTP checks failing" not in client.get("/status/").text
    incident.publish()
    web.refresh_from_db()
    assert web.status == "major_outage"


@pytest.mark.django_db
def test_alerts_for_unknown_components_are_ignored(client, web, token):
    response = post(client, payload(alert(component="nope")), token)
    assert response.json()["results"][0]["result"] == "ignored"
    assert not Incident.objects.exists()


@pytest.mark.parametrize("bad", ["", "wrong-token", "revoked"])
@pytest.mark.django_db
def test_missing_wrong_or_revoked_token_is_refused(client, web, token, bad):
    if bad == "revoked":
        ApiToken.objects.update(revoked_at="2026-01-01T00:00Z")
        bad = token
    response = post(client, payload(alert()), bad)
    assert response.status_code == 401
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "body, reason",
    [
        ("{not json", "JSON parse error"),
        ({"version": "3", "status": "firing", "alerts": [alert()]}, "version"),
        ({"version": "4", "status": "firing", "alerts": []}, "alerts"),
        ({"version": "4", "status": "firing", "alerts": [{"status": "firing"}]}, "fingerprint"),
    ],
)
@pytest.mark.django_db
def test_malformed_bodies_are_refused_with_the_reason(client, web, token, body, reason):
    response = post(client, body, token)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_nothing_is_half_written(client, web, token):
    bad_second = alert(fingerprint="x" * 80)  # too long: the whole payload is refused
    response = post(client, payload(alert(), bad_second), token)
    assert response.status_code == 400
    assert not Incident.objects.exists()
    web.refresh_from_db()
    assert web.status == "operational"


@pytest.mark.django_db
def test_csrf_does_not_apply_to_the_token_authenticated_webhook(web, token):
    from django.test import Client

    response = post(Client(enforce_csrf_checks=True), payload(alert()), token)
    assert response.status_code == 200
