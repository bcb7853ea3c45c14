"""The ticket pages together with the knowledge base, the status page and surveys."""

import pytest
from django.urls import reverse

from accounts.models import Service
from support.kb.models import Category as ArticleCategory
from support.kb.tests.conftest import make_article
from support.status.models import Component, ComponentGroup
from support.status.tests.conftest import open_incident
from support.tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def dns_article():
    category = ArticleCategory.objects.create(
        slug="dns-domains", name_en="DNS and domains", ticket_category_slug="domain-dns"
    )
    return make_article("pointing-a-domain", category, en=("Pointing a domain", "Set an A record."))


@pytest.fixture
def affected_service(organization):
    service = Service.objects.create(organization=organization, name="web01", kind="dedicated")
    group = ComponentGroup.objects.create(name="Frankfurt")
    component = Component.objects.create(group=group, name="Web servers", slug="fra1-web")
    component.services.add(service)
    return component


def test_open_a_ticket_from_an_article_preselects_its_category(owner_client, dns_article):
    page = owner_client.get("/tickets/new/?article=pointing-a-domain")
    assert page.context["form"].initial["category"].slug == "domain-dns"


def test_an_article_the_person_may_not_see_preselects_nothing(owner_client, dns_article):
    dns_article.visibility = "internal"
    dns_article.save()
    page = owner_client.get("/tickets/new/?article=pointing-a-domain")
    assert "category" not in page.context["form"].initial


def test_the_form_names_a_known_issue_touching_the_organisations_services(
    owner_client, affected_service
):
    assert "Known issue" not in owner_client.get("/tickets/new/").content.decode()
    open_incident([affected_service], name="Frankfurt web servers unreachable")
    page = owner_client.get("/tickets/new/").content.decode()
    assert "Known issue — you may not need to open a ticket" in page
    assert "Frankfurt web servers unreachable" in page


def test_the_form_offers_knowledge_base_suggestions_as_you_type(owner_client):
    page = owner_client.get("/tickets/new/").content.decode()
    assert "data-kb-suggestions" in page and "kb/suggest" in page


def test_staff_link_a_ticket_to_an_incident_and_the_customer_sees_it(
    client, owner, ticket, affected_service, django_user_model
):
    incident = open_incident([affected_service], name="Frankfurt web servers unreachable")
    admin = django_user_model.objects.create_superuser("boss@support.example", "x")
    client.force_login(admin)
    data = {
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": "",
        "team": ticket.team_id or "",
        "category": ticket.category_id or "",
        "service": "",
        "incident": incident.pk,
        "reply_kind": "public",
        "reply_body": "",
        "macro": "",
        "priority_reason": "",
    }
    response = client.post(reverse("admin:tickets_ticket_change", args=[ticket.pk]), data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.incident == incident

    client.force_login(owner)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "linked to a known incident" in page
    assert incident.get_absolute_url() in page


def test_a_solved_ticket_asks_its_requester_how_we_did(owner_client, owner, ticket, agent):
    rate_url = reverse("surveys:ticket_rate", args=[ticket.reference])
    assert rate_url not in owner_client.get(ticket.get_absolute_url()).content.decode()
    services.change_status(ticket, "solved", by=agent)
    assert rate_url in owner_client.get(ticket.get_absolute_url()).content.decode()
