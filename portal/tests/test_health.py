import contextlib

import pytest
from django.db import connection
from django.test import Client


def test_healthz_answers_ok_with_named_checks(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "task_queue": "ok"},
    }


@pytest.fixture
def unreachable_database(transactional_db):
    with database_unreachable():
        yield


@contextlib.contextmanager
def database_unreachable():
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


def signed_in_browser(user):
    browser = Client(raise_request_exception=False)
    browser.force_login(user)
    return browser


def test_with_a_session_cookie_healthz_still_answers_503_json(transactional_db, owner):
    """Before: the session was loaded first, and the probe got the 500 page."""
    browser = signed_in_browser(owner)
    with database_unreachable():
        response = browser.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


@pytest.mark.parametrize("path", ["/", "/tickets/", "/kb/"])
def test_pages_answer_503_with_or_without_a_session(transactional_db, owner, path):
    visitor = Client(raise_request_exception=False)
    browser = signed_in_browser(owner)
    with database_unreachable():
        for response in (browser.get(path), visitor.get(path)):
            assert response.status_code in (503, 302)  # visitors may be sent to sign in
            if response.status_code == 503:
                assert response["Retry-After"] == "30"
                assert "Temporarily unavailable" in response.content.decode()
        assert browser.get(path).status_code == 503


def test_json_answers_503_in_json(transactional_db):
    with database_unreachable():
        response = Client(raise_request_exception=False).get("/status/api/v2/summary.json")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.json()["detail"]


def test_other_errors_stay_500(client, db, monkeypatch):
    from support.kb import views

    monkeypatch.setattr(views, "categories_with_counts", lambda user: 1 / 0)
    response = Client(raise_request_exception=False).get("/kb/")
    assert response.status_code == 500


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
