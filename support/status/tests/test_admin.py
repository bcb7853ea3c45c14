import datetime

import pytest
from django.utils import timezone

from conftest import make_user
from support.apitokens.models import ApiToken
from support.status.models import Incident, IncidentTemplate

from .conftest import open_incident


@pytest.fixture
def admin_client(client, db):
    client.force_login(make_user("root@support.example", is_staff=True, is_superuser=True))
    return client


def incident_form(components, **fields):
    data = {
        "kind": "incident",
        "name": "Web servers down",
        "impact": "major",
        "components": [c.pk for c in components],
        "is_published": "on",
        "update_status": "investigating",
        "update_body": "We are looking into it.",
        "component_status": "partial_outage",
        "postmortem": "",
        "updates-TOTAL_FORMS": "0",
        "updates-INITIAL_FORMS": "0",
        "updates-MIN_NUM_FORMS": "0",
        "updates-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


@pytest.mark.django_db
def test_admin_pages_open(admin_client, web):
    incident = open_incident([web])
    for url in [
        "/admin/status/component/",
        "/admin/status/componentgroup/",
        "/admin/status/incident/",
        "/admin/status/incident/add/",
        f"/admin/status/incident/{incident.pk}/change/",
        "/admin/status/incidenttemplate/add/",
        "/admin/status/subscriber/",
        "/admin/apitokens/apitoken/add/",
    ]:
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_creating_an_incident_posts_the_first_update_and_moves_components(
    admin_client, web, dns, client
):
    response = admin_client.post("/admin/status/incident/add/", incident_form([web]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident = Incident.objects.get()
    assert incident.status == "investigating"
    assert incident.updates.get().body == "We are looking into it."
    web.refresh_from_db()
    dns.refresh_from_db()
    assert (web.status, dns.status) == ("partial_outage", "operational")

    url = f"/admin/status/incident/{incident.pk}/change/"
    form = incident_form([web], update_status="resolved", update_body="Fixed.",
                         component_status="")  # fmt: skip
    form.update({"updates-TOTAL_FORMS": "0", "updates-INITIAL_FORMS": "0"})
    admin_client.post(url, form)
    incident.refresh_from_db()
    web.refresh_from_db()
    assert incident.status == "resolved" and web.status == "operational"
    assert incident.updates.count() == 2


@pytest.mark.django_db
def test_a_template_fills_the_message(admin_client, web):
    template = IncidentTemplate.objects.create(name="Std", status="investigating", body="Std text")
    form = incident_form([web], update_status="", update_body="", template=template.pk)
    admin_client.post("/admin/status/incident/add/", form)
    assert Incident.objects.get().updates.get().body == "Std text"


@pytest.mark.django_db
def test_a_template_fills_an_empty_title_in_both_languages(admin_client, web):
    template = IncidentTemplate.objects.create(
        name="Mail",
        title="Mail delivery delayed",
        title_zh_hans="邮件投递延迟",
        status="investigating",
        body="Mail is queued.",
    )
    form = incident_form([web], name="", update_status="", update_body="", template=template.pk)
    response = admin_client.post("/admin/status/incident/add/", form)
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.name, incident.name_zh_hans) == ("Mail delivery delayed", "邮件投递延迟")


@pytest.mark.django_db
def test_an_incident_without_a_title_is_refused(admin_client, web):
    template = IncidentTemplate.objects.create(name="Plain", status="investigating", body="Text")
    for form in (
        incident_form([web], name=""),
        incident_form([web], name="", update_body="", template=template.pk),
    ):
        response = admin_client.post("/admin/status/incident/add/", form)
        assert response.status_code == 200
        assert "This field is required." in response.context["adminform"].form.errors["name"]
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_maintenance_needs_a_window_and_maintenance_statuses(admin_client, web):
    form = incident_form([web], kind="maintenance", update_status="investigating")
    response = admin_client.post("/admin/status/incident/add/", form)
    assert response.status_code == 200
    assert not Incident.objects.exists()
    start = timezone.now() + datetime.timedelta(days=1)
    form = incident_form(
        [web],
        kind="maintenance",
        update_status="scheduled",
        component_status="",
        scheduled_for_0=start.strftime("%Y-%m-%d"),
        scheduled_for_1="02:00:00",
        scheduled_until_0=start.strftime("%Y-%m-%d"),
        scheduled_until_1="04:00:00",
    )
    assert admin_client.post("/admin/status/incident/add/", form).status_code == 302
    maintenance = Incident.objects.get()
    assert maintenance.status == "scheduled" and maintenance.impact == "maintenance"


@pytest.mark.django_db
def test_token_is_shown_once_and_stored_hashed(admin_client):
    response = admin_client.post(
        "/admin/apitokens/apitoken/add/",
        {"name": "prometheus", "scopes": ["alertmanager"]},
        follow=True,
    )
    text = response.content.decode()
    token = ApiToken.objects.get()
    raw = text.split("<code>")[1].split("</code>")[0]
    assert raw.startswith("am_") and raw not in token.token_hash
    assert ApiToken.objects.authenticate(raw) == token
    page = admin_client.get(f"/admin/apitokens/apitoken/{token.pk}/change/")
    assert raw not in page.content.decode()
