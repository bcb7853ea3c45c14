"""Private incidents: seen by the organisations whose services they touch and by staff only."""

import datetime

import feedparser
import icalendar
import pytest
from django.utils import timezone

from accounts.models import Service
from support.status.models import Component, Incident
from support.status.overview import status_overview
from support.status.service_pages import get_service_for_user, service_history
from support.tickets.models import Ticket

from .conftest import open_incident, schedule_maintenance
from .test_notifications import subscribe

SECRET = "VPS host 17 lost power"
SECRET_WINDOW = "Host 17 memory swap"
JSON_ENDPOINTS = [
    "summary",
    "status",
    "components",
    "incidents",
    "incidents/unresolved",
    "scheduled-maintenances",
    "scheduled-maintenances/upcoming",
    "scheduled-maintenances/active",
]


@pytest.fixture
def shop(organization, web):
    service = Service.objects.create(organization=organization, name="shop.acme.example",
                                     kind="vps")  # fmt: skip
    web.services.add(service)
    return service


@pytest.fixture
def private(shop, web):
    """A critical private incident on Acme's component and a private maintenance window."""
    incident = open_incident([web], name=SECRET, impact="critical", is_private=True)
    window = schedule_maintenance(
        [web], timezone.now() + datetime.timedelta(days=2), name=SECRET_WINDOW, is_private=True
    )
    return incident, window


@pytest.fixture
def outsider_client(client, outsider):
    client.force_login(outsider)
    return client


@pytest.mark.django_db
def test_private_incidents_are_absent_from_every_public_surface(client, private, web, dns):
    public = open_incident([dns], name="DNS slow", impact="minor")
    incident, window = private

    page = client.get("/status/").text
    assert "DNS slow" in page and SECRET not in page and SECRET_WINDOW not in page
    web.refresh_from_db()
    assert web.status == "operational"  # a private incident doesn't move the public status
    assert client.get("/status/history/").text.count(SECRET) == 0
    for url in ("/status/feed.atom", "/status/feed.rss", "/status/feed.atom?lang=zh-hans"):
        feed = feedparser.parse(client.get(url).content)
        assert [entry.title.split(" [")[0] for entry in feed.entries] == ["DNS slow"], url
    calendar = icalendar.Calendar.from_ical(client.get("/status/maintenance.ics").content)
    assert calendar.walk("VEVENT") == []
    for endpoint in JSON_ENDPOINTS:
        body = client.get(f"/status/api/v2/{endpoint}.json").text
        assert SECRET not in body and SECRET_WINDOW not in body, endpoint
        for hidden in (incident, window):
            assert f'"incident_id":"{hidden.pk}"' not in body, endpoint
    # DNS's partial outage; the private incident (critical) would make it "critical"
    assert client.get("/status/api/v2/status.json").json()["status"]["indicator"] == "major"
    sitemap = client.get("/sitemap.xml").text
    assert f"/status/incidents/{public.pk}/" in sitemap
    assert f"/status/incidents/{incident.pk}/" not in sitemap
    assert f"/status/incidents/{window.pk}/" not in sitemap
    response = client.get(f"/status/incidents/{incident.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_an_unaffected_organisation_sees_nothing_of_it(outsider_client, private):
    incident, window = private
    assert SECRET not in outsider_client.get("/").text
    assert SECRET not in outsider_client.get("/status/").text
    assert outsider_client.get(f"/status/incidents/{incident.pk}/").status_code == 404
    assert outsider_client.get(f"/status/incidents/{window.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_affected_organisation_and_staff_see_it(
    owner_client, member, client, staff_user, private, shop
):
    incident, _window = private
    dashboard = owner_client.get("/").text
    assert SECRET in dashboard  # the known-issue banner
    page = owner_client.get(f"/status/incidents/{incident.pk}/")
    assert page.status_code == 200 and SECRET in page.text
    assert "Private: only the organisations it affects see this" in page.text
    assert '<span class="badge badge-danger">Major outage</span>' in dashboard  # the service
    service_page = owner_client.get(f"/services/{shop.pk}/").text
    assert SECRET in service_page and SECRET_WINDOW in service_page
    client.force_login(member)
    assert client.get(f"/status/incidents/{incident.pk}/").status_code == 200
    client.force_login(staff_user)
    assert client.get(f"/status/incidents/{incident.pk}/").status_code == 200


@pytest.mark.django_db
def test_a_new_ticket_about_the_service_is_joined_to_the_private_incident(
    owner_client, open_ticket, private, shop
):
    incident, _window = private
    ticket = open_ticket(service=shop)
    assert ticket.incident_id == incident.pk
    assert SECRET in owner_client.get(f"/tickets/{ticket.reference}/").text


@pytest.mark.django_db
def test_private_downtime_counts_for_the_customer_not_for_the_public(
    rf, owner, organization, private, shop, web
):
    incident, _window = private
    start = timezone.now() - datetime.timedelta(days=1)
    Incident.objects.filter(pk=incident.pk).update(started_at=start)
    zone = datetime.UTC
    overview = status_overview(zone)
    row = next(row for group in overview["groups"] for row in group.rows if row.component == web)
    assert row.uptime == pytest.approx(100.0)

    request = rf.get("/")
    request.user, request.membership = owner, owner.memberships.get()
    service = get_service_for_user(request, shop.pk)
    history = service_history(service, Ticket.objects.none(), zone)
    assert history.uptime < 99.0
    assert incident in history.incidents


@pytest.mark.django_db
def test_subscribers_of_the_public_page_never_hear_of_it(
    web, shop, send_queued_mail, django_capture_on_commit_callbacks
):
    subscribe("all@example.com")
    incident = Incident.objects.create(name=SECRET, impact="major", is_private=True)
    with django_capture_on_commit_callbacks(execute=True):
        incident.post_update("investigating", "Looking.", {web: "major_outage"}, notify=True)
    assert "all@example.com" not in {m.to[0] for m in send_queued_mail()}
    assert Component.objects.get(pk=web.pk).status == "operational"


@pytest.mark.django_db
def test_a_ticket_of_another_organisation_linked_by_staff_does_not_show_it(
    client, outsider, private, staff_user
):
    from support.tickets import services

    incident, _window = private
    ticket = services.open_ticket(
        organization=outsider.organizations.get(),
        requester=outsider,
        subject="Site slow",
        description="Slow.",
    )
    services.change_incident(ticket, incident, by=staff_user)
    client.force_login(outsider)
    page = client.get(f"/tickets/{ticket.reference}/")
    assert page.status_code == 200 and SECRET not in page.text
