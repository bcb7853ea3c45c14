import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Service
from support.status.models import active_notices_for

from .conftest import open_incident, schedule_maintenance


@pytest.fixture
def linked(organization, web, dns, outsider):
    service = Service.objects.create(organization=organization, name="shop.acme.example",
                                     kind="shared")  # fmt: skip
    web.services.add(service)
    other = Service.objects.create(organization=outsider.organizations.get(), name="globex.example",
                                   kind="domain")  # fmt: skip
    dns.services.add(other)
    return service


@pytest.mark.django_db
def test_dashboard_shows_known_issues_for_the_customers_services(owner_client, linked, web, dns):
    open_incident([dns], name="DNS trouble")
    page = owner_client.get("/").text
    assert "Known issue" not in page  # DNS is not one of Acme's services
    open_incident([web], name="Web servers down")
    page = owner_client.get("/").text
    assert "Known issue — you may not need to open a ticket" in page
    assert "Web servers down" in page and "DNS trouble" not in page


@pytest.mark.django_db
def test_notices_cover_running_maintenance_but_not_resolved_incidents_or_drafts(
    organization, linked, web
):
    resolved = open_incident([web], name="Old")
    resolved.post_update("resolved", "Done.")
    open_incident([web], name="Draft", is_published=False)
    upcoming = schedule_maintenance([web], timezone.now() + datetime.timedelta(days=1))
    assert active_notices_for(organization) == []
    upcoming.post_update("in_progress", "Started.", {web: "under_maintenance"})
    notices = active_notices_for(organization)
    assert notices == [upcoming]
    assert notices[0].customer_components == [web]
    html = render_to_string("status/_known_issues.html", {"notices": notices})
    assert "Router upgrade" in html
    assert active_notices_for(None) == []


@pytest.mark.django_db
def test_sitemap_lists_public_pages_and_published_incidents(client, web):
    incident = open_incident([web])
    open_incident([web], name="Draft", is_published=False)
    content = client.get("/sitemap.xml").content.decode()
    assert "<loc>https://support.example.com/status/</loc>" in content
    assert "<loc>https://support.example.com/status/history/</loc>" in content
    assert f"<loc>https://support.example.com/status/incidents/{incident.pk}/</loc>" in content
    assert content.count("/status/incidents/") == 1
