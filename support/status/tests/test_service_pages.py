import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Service
from support.status.uptime import day_bounds
from support.tickets.models import Ticket

from .conftest import open_incident, schedule_maintenance


@pytest.fixture
def shop(organization, web, dns):
    service = Service.objects.create(organization=organization, name="shop.acme.example",
                                     kind="shared", region="fra1")  # fmt: skip
    web.services.add(service)
    dns.services.add(service)
    return service


@pytest.fixture
def globex_service(outsider, dns):
    service = Service.objects.create(organization=outsider.organizations.get(),
                                     name="globex.example", kind="domain")  # fmt: skip
    dns.services.add(service)
    return service


def add_services(organization, web, count):
    for number in range(count):
        service = Service.objects.create(organization=organization, name=f"vps{number}.example",
                                         kind="vps")  # fmt: skip
        web.services.add(service)


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.django_db
def test_dashboard_lists_services_with_the_live_status_of_their_components(
    owner_client, shop, web, dns
):
    Service.objects.create(organization=shop.organization, name="acme.example", kind="domain")
    page = owner_client.get("/").text
    assert f'<a href="/services/{shop.pk}/">shop.acme.example</a>' in page
    assert '<span class="badge badge-ok">Operational</span>' in page
    open_incident([web], name="Web servers down")  # web → partial outage, dns stays operational
    page = owner_client.get("/").text
    assert '<span class="badge badge-warn">Partial outage</span>' in page
    nothing_mapped = 'acme.example</a></td><td data-label="Status"><span class="muted">—</span>'
    assert nothing_mapped in page


@pytest.mark.django_db
def test_dashboard_queries_do_not_grow_with_services(owner_client, organization, shop, web):
    owner_client.get("/")  # fills the caches a first request in a process fills
    few = queries_for(owner_client, "/")
    add_services(organization, web, 12)
    assert queries_for(owner_client, "/") == few


@pytest.mark.django_db
def test_service_page_shows_status_uptime_tickets_and_history_newest_first(
    owner_client, owner, open_ticket, shop, web, dns, settings
):
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    old = open_incident([web], name="Web servers down", impact="critical")
    start, end = day_bounds(today - datetime.timedelta(days=10), zone)
    old.post_update("resolved", "Fixed.")
    type(old).objects.filter(pk=old.pk).update(started_at=start, resolved_at=end)
    current = open_incident([dns], name="DNS slow", impact="minor")
    open_incident([dns], name="Draft", is_published=False)
    other = open_incident([], name="Mail queue delayed")  # touches no component of the shop
    upcoming = schedule_maintenance([web], timezone.now() + datetime.timedelta(days=3))
    open_ticket(subject="Shop is slow", service=shop)
    solved = open_ticket(subject="Certificate expired", service=shop)
    Ticket.objects.filter(pk=solved.pk).update(status=Ticket.Status.SOLVED)
    open_ticket(subject="Unrelated question")

    page = owner_client.get(f"/services/{shop.pk}/").text

    assert "<h1>shop.acme.example</h1>" in page
    assert '<span class="badge badge-warn">Partial outage</span>' in page  # dns: the worst
    # One full day of a critical outage in 90 days of data (the components are older).
    assert "Uptime over the last 90 days: 98.89%" in page
    assert page.count('class="day day-critical"') == 1
    assert "Shop is slow" in page and "Certificate expired" in page
    assert page.index("Shop is slow") < page.index("Past") < page.index("Certificate expired")
    assert "Unrelated question" not in page
    history = page[page.index('id="service-incidents-title"') :]
    positions = [history.index(f"/status/incidents/{i.pk}/") for i in (upcoming, current, old)]
    assert positions == sorted(positions)
    assert "Draft" not in page and other.name not in page
    assert f'href="/status/incidents/{current.pk}/"' in page
    assert f'href="/tickets/?service={shop.pk}"' in page


@pytest.mark.django_db
def test_service_page_queries_do_not_grow_with_tickets_or_incidents(
    owner_client, open_ticket, shop, web, dns
):
    open_ticket(service=shop)
    open_incident([web])
    few = queries_for(owner_client, f"/services/{shop.pk}/")
    for number in range(6):
        open_ticket(subject=f"Question {number}", service=shop)
        open_incident([web, dns], name=f"Incident {number}")
    assert queries_for(owner_client, f"/services/{shop.pk}/") == few


@pytest.mark.django_db
def test_another_organisations_service_answers_404(
    client, owner_client, outsider, shop, globex_service
):
    assert owner_client.get(f"/services/{globex_service.pk}/").status_code == 404
    assert owner_client.get(f"/tickets/?service={globex_service.pk}").status_code == 404
    assert owner_client.get("/tickets/?service=nonsense").status_code == 404
    client.force_login(outsider)
    assert client.get(f"/services/{shop.pk}/").status_code == 404
    assert client.get(f"/services/{globex_service.pk}/").status_code == 200


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in(client, shop):
    response = client.get(f"/services/{shop.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_members_see_the_service_with_only_their_own_tickets(
    client, member, open_ticket, owner, shop
):
    open_ticket(subject="Owner ticket", service=shop)
    open_ticket(subject="Member ticket", service=shop, requester=member)
    client.force_login(member)
    page = client.get(f"/services/{shop.pk}/").text
    assert "Member ticket" in page and "Owner ticket" not in page
    listed = client.get(f"/tickets/?service={shop.pk}").text
    assert "Member ticket" in listed and "Owner ticket" not in listed


@pytest.mark.django_db
def test_ticket_list_filters_by_service(owner_client, open_ticket, shop, organization):
    other = Service.objects.create(organization=organization, name="acme.example", kind="domain")
    open_ticket(subject="Shop is slow", service=shop)
    open_ticket(subject="Domain renewal", service=other)
    page = owner_client.get(f"/tickets/?service={shop.pk}").text
    assert "Shop is slow" in page and "Domain renewal" not in page
    assert f'Tickets about <a href="/services/{shop.pk}/">shop.acme.example</a>.' in page
    assert f'<input type="hidden" name="service" value="{shop.pk}">' in page
    page = owner_client.get(f"/tickets/?service={shop.pk}&state=solved").text
    assert "Shop is slow" not in page and "No tickets match" in page
    assert "Domain renewal" in owner_client.get("/tickets/").text


@pytest.mark.django_db
def test_new_ticket_form_starts_with_the_service_chosen(owner_client, shop, globex_service):
    page = owner_client.get(f"/tickets/new/?service={shop.pk}").text
    assert f'<option value="{shop.pk}" selected>' in page
    page = owner_client.get(f"/tickets/new/?service={globex_service.pk}").text
    assert "selected>globex.example" not in page and "globex.example" not in page


@pytest.mark.django_db
def test_service_page_in_chinese(owner_client, owner, shop, web):
    owner.language = "zh-hans"
    owner.save(update_fields=["language"])
    owner_client.cookies["django_language"] = "zh-hans"
    page = owner_client.get(f"/services/{shop.pk}/").text
    assert '<span class="badge badge-ok">正常运行</span>' in page
    assert "没有关于此服务的未结工单。" in page
