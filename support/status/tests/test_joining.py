import datetime

import pytest
from django.utils import timezone

from accounts.models import Service
from support.tickets.models import TimelineEvent

from .conftest import open_incident, schedule_maintenance


@pytest.fixture
def shop(organization, web):
    service = Service.objects.create(organization=organization, name="shop.acme.example",
                                     kind="shared")  # fmt: skip
    web.services.add(service)
    return service


@pytest.fixture
def mailbox(organization, dns):
    service = Service.objects.create(organization=organization, name="mail.acme.example",
                                     kind="email")  # fmt: skip
    dns.services.add(service)
    return service


@pytest.mark.django_db
def test_a_new_ticket_about_an_affected_service_joins_the_ongoing_incident(
    owner_client, open_ticket, shop, web
):
    incident = open_incident([web], name="Web servers down")
    ticket = open_ticket(subject="Shop shows 502", service=shop)
    assert ticket.incident == incident
    event = ticket.events.get(kind=TimelineEvent.Kind.INCIDENT)
    assert event.actor is None and event.data == {"old": "", "new": "Web servers down"}
    page = owner_client.get(ticket.get_absolute_url()).text
    assert "linked to a known incident, still ongoing — we will update you here:" in page
    assert f'href="/status/incidents/{incident.pk}/"' in page


@pytest.mark.django_db
def test_no_joining_for_other_services_no_service_or_after_resolution(
    owner_client, open_ticket, shop, mailbox, web, dns
):
    incident = open_incident([web], name="Web servers down")
    assert open_ticket(service=mailbox).incident is None
    assert open_ticket().incident is None
    open_incident([dns], name="DNS draft", is_published=False)
    assert open_ticket(service=mailbox).incident is None
    schedule_maintenance([dns], timezone.now() + datetime.timedelta(hours=1))
    assert open_ticket(service=mailbox).incident is None
    incident.post_update("resolved", "Fixed.")
    ticket = open_ticket(service=shop)
    assert ticket.incident is None
    assert not ticket.events.filter(kind=TimelineEvent.Kind.INCIDENT).exists()


@pytest.mark.django_db
def test_a_ticket_linked_to_a_resolved_incident_says_so_plainly(
    owner_client, open_ticket, shop, web
):
    incident = open_incident([web], name="Web servers down")
    ticket = open_ticket(service=shop)
    incident.post_update("resolved", "Fixed.")
    page = owner_client.get(ticket.get_absolute_url()).text
    assert "This ticket is linked to a known incident:" in page
    assert "still ongoing" not in page
