"""Services, incidents, the knowledge base: scoped to the token's organisation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from support.kb.models import Article, Category
from support.kb.tests.conftest import make_article
from support.status.models import Component, ComponentStatus, Incident, IncidentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def component(service):
    component = Component.objects.create(name="Shared hosting fra1", slug="fra1-web")
    component.services.add(service)
    return component


def test_services_with_live_status(owner_api, member_api, outsider_api, service, component):
    component.status = ComponentStatus.PARTIAL_OUTAGE
    component.save()
    listed = owner_api.get("/api/v1/services/").json()
    assert [s["name"] for s in listed] == ["Shop hosting"]
    assert listed[0]["status"] == "partial_outage"
    assert listed[0]["components"] == [
        {"id": component.pk, "name": "Shared hosting fra1", "status": "partial_outage"}
    ]
    assert member_api.get(f"/api/v1/services/{service.pk}/").status_code == 200
    assert outsider_api.get("/api/v1/services/").json() == []
    assert outsider_api.get(f"/api/v1/services/{service.pk}/").status_code == 404


def test_incidents_touching_my_services(owner_api, outsider_api, component):
    elsewhere = Component.objects.create(name="Singapore", slug="sg1")
    mine = Incident.objects.create(name="Slow fra1")
    mine.post_update(IncidentStatus.INVESTIGATING, "Looking", {component: "degraded_performance"})
    theirs = Incident.objects.create(name="Down in sg1")
    theirs.post_update(IncidentStatus.INVESTIGATING, "Looking", {elsewhere: "major_outage"})
    draft = Incident.objects.create(name="Draft", is_published=False)
    draft.post_update(IncidentStatus.INVESTIGATING, "Hidden", {component: "major_outage"})
    results = owner_api.get("/api/v1/incidents/").json()["results"]
    assert [i["name"] for i in results] == ["Slow fra1"]
    assert results[0]["updates"][0]["body"] == "Looking"
    assert results[0]["components"][0]["name"] == "Shared hosting fra1"
    assert outsider_api.get("/api/v1/incidents/").json()["results"] == []
    mine.post_update(IncidentStatus.RESOLVED, "Fixed")
    assert owner_api.get("/api/v1/incidents/?active=true").json()["results"] == []
    assert len(owner_api.get("/api/v1/incidents/?active=false").json()["results"]) == 1


def test_kb_search_sees_what_the_person_may_read(owner_api, db):
    category = Category.objects.create(slug="dns", name_en="DNS")
    make_article(
        "customer-zebra",
        category,
        en=("Customer zebra", "zebra for customers"),
        visibility=Article.Visibility.CUSTOMERS,
    )
    make_article(
        "internal-zebra",
        category,
        en=("Internal zebra", "zebra staff only"),
        visibility=Article.Visibility.INTERNAL,
    )
    response = owner_api.get("/api/v1/kb/search/", {"q": "zebra"})
    assert response.status_code == 200
    assert [r["title"] for r in response.json()["results"]] == ["Customer zebra"]
    assert response.json()["results"][0]["url"].endswith("/kb/dns/customer-zebra/")
    assert owner_api.get("/api/v1/kb/search/").status_code == 400


def test_services_and_incidents_queries_do_not_grow_with_rows(owner_api, organization):
    def counts():
        with CaptureQueriesContext(connection) as services:
            owner_api.get("/api/v1/services/")
        with CaptureQueriesContext(connection) as incidents:
            owner_api.get("/api/v1/incidents/")
        return len(services), len(incidents)

    def add(index):
        service = organization.services.create(name=f"S{index}", kind="vps")
        component = Component.objects.create(name=f"C{index}", slug=f"c{index}")
        component.services.add(service)
        incident = Incident.objects.create(name=f"I{index}")
        incident.post_update(IncidentStatus.INVESTIGATING, "Looking", {component: "major_outage"})

    add(0)
    owner_api.get("/api/v1/me/")  # the token's first use is recorded once
    before = counts()
    for index in range(1, 6):
        add(index)
    # token, membership, the rows, and one query per prefetched relation
    assert counts() == before
