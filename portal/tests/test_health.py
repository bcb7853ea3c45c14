import pytest
from django.db import connection


def test_healthz_answers_ok_with_named_checks(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "task_queue": "ok"},
    }


@pytest.fixture
def unreachable_database(transactional_db):
    """Point the connection at a database that isn't there, then put it back."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1", OPTIONS={"connect_timeout": 2})
    else:
        connection.settings_dict["NAME"] = "/nonexistent/directory/portal.sqlite3"
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def test_healthz_answers_503_when_the_database_is_down(client, unreachable_database):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"


def test_the_welcome_page_shows_the_status_at_a_glance(client, db):
    from support.status.models import Component, ComponentGroup

    group = ComponentGroup.objects.create(name="DNS")
    Component.objects.create(group=group, name="Resolvers", slug="dns", status="operational")
    assert "All systems operational" in client.get("/").content.decode()

    Component.objects.filter(slug="dns").update(status="major_outage")
    Component.objects.get(slug="dns").save()  # a change through the model clears the cache
    assert "All systems operational" not in client.get("/").content.decode()


@pytest.mark.parametrize(
    "component_status, words",
    [
        ("degraded_performance", "Minor service disruption"),
        ("partial_outage", "Partial outage"),
        ("major_outage", "Major outage"),
        ("under_maintenance", "Maintenance in progress"),
    ],
)
def test_home_and_status_page_use_the_same_words(client, db, component_status, words):
    from support.status.models import Component, ComponentGroup

    group = ComponentGroup.objects.create(name="DNS")
    Component.objects.create(group=group, name="Resolvers", slug="dns", status=component_status)
    home = client.get("/").content.decode()
    status = client.get("/status/").content.decode()
    assert words in home and words in status


def test_staff_are_pointed_to_the_back_office_from_the_dashboard(client, staff_user):
    client.force_login(staff_user)
    page = client.get("/").content.decode()
    assert 'href="/admin/"' in page
    assert "not in an organisation" not in page
