import datetime
import zoneinfo

import pytest
from django.utils import timezone

from conftest import make_user
from support.status.models import Component, Incident

from .conftest import open_incident, schedule_maintenance


@pytest.mark.django_db
def test_status_page_shows_banner_components_and_active_incident(client, web, dns):
    response = client.get("/status/")
    assert response.status_code == 200
    assert "All systems operational" in response.text
    open_incident([web], name="Frankfurt web servers unreachable")
    response = client.get("/status/")
    text = response.text
    assert "All systems operational" not in text
    assert "Partial outage" in text
    assert "Frankfurt web servers unreachable" in text
    assert "We are looking into it." in text
    assert "Web servers" in text and "Authoritative DNS" in text
    assert text.count('class="day ') == 2 * 90


@pytest.mark.django_db
def test_page_changes_immediately_after_an_update(client, web):
    incident = open_incident([web], name="Slow web servers")
    assert "Investigating" in client.get("/status/").text
    incident.post_update("resolved", "Fixed: a **bad** deploy was rolled back.")
    page = client.get("/status/").text
    assert "All systems operational" in page
    assert "Slow web servers" not in page.split("Components")[0]  # no longer active
    summary = client.get("/status/api/v2/summary.json").json()
    assert summary["status"]["indicator"] == "none"
    assert summary["incidents"] == []
    web.refresh_from_db()
    assert web.status == "operational"


@pytest.mark.django_db
def test_component_changes_show_at_once(client, web):
    client.get("/status/")
    web.name = "Web cluster"
    web.save()
    assert "Web cluster" in client.get("/status/").text
    web.delete()
    assert "Web cluster" not in client.get("/status/").text


def make_history(components, count):
    start = timezone.now() - datetime.timedelta(days=85)
    for number in range(count):
        began = start + datetime.timedelta(hours=number * 7)
        incident = Incident.objects.create(
            name=f"Incident {number}",
            impact=["minor", "major", "critical"][number % 3],
            status="resolved",
            started_at=began,
            resolved_at=began + datetime.timedelta(hours=2),
        )
        incident.components.set(components)
        incident.updates.create(status="resolved", body="Done.", display_at=began)


@pytest.mark.parametrize("history", [1, 60])
@pytest.mark.django_db
def test_cold_status_page_takes_a_fixed_number_of_queries(
    client, web, dns, history, django_assert_max_num_queries
):
    make_history([web, dns], history)
    open_incident([web])
    schedule_maintenance([dns], timezone.now() + datetime.timedelta(days=2))
    with django_assert_max_num_queries(9):
        response = client.get("/status/")
    assert response.status_code == 200
    assert "Incident 0" in response.text  # listed in a day's tooltip
    with django_assert_max_num_queries(0):
        client.get("/status/")  # warm: straight from the cache


@pytest.mark.django_db
def test_drafts_are_hidden_from_the_public(client, web, staff_user):
    draft = Incident.objects.create(name="Suspected disk failure", is_published=False)
    draft.post_update("investigating", "Checking.", {web: "major_outage"})
    web.refresh_from_db()
    assert web.status == "operational"  # a draft changes nothing public
    assert "Suspected disk failure" not in client.get("/status/").text
    assert client.get(f"/status/incidents/{draft.pk}/").status_code == 404
    client.force_login(staff_user)
    assert client.get(f"/status/incidents/{draft.pk}/").status_code == 200


@pytest.mark.django_db
def test_incident_page_shows_updates_components_and_postmortem(client, web):
    incident = open_incident([web], name="Database outage")
    incident.post_update("resolved", "All good <script>alert(1)</script>")
    incident.postmortem = "## Root cause\n\nA full disk."
    incident.save()
    text = client.get(f"/status/incidents/{incident.pk}/").text
    assert "Database outage" in text
    assert "We are looking into it." in text and "All good" in text
    assert "<script>alert(1)</script>" not in text
    assert "Root cause" in text and "Post-mortem" in text
    assert "Web servers" in text
    assert "Times in UTC." in text  # visitors see UTC, named once


@pytest.mark.django_db
def test_signed_in_people_see_their_own_time_zone(client, web):
    person = make_user("berlin@example.com", time_zone="Europe/Berlin")
    incident = open_incident([web])
    client.force_login(person)
    text = client.get(f"/status/incidents/{incident.pk}/").text
    assert "Times in Europe/Berlin." in text
    started = timezone.localtime(incident.started_at, zoneinfo.ZoneInfo("Europe/Berlin"))
    assert f"{started:%H:%M}</time>" in text


@pytest.mark.django_db
def test_pages_are_translated(client, web):
    client.cookies["django_language"] = "zh-hans"
    response = client.get("/status/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_history_is_grouped_by_month_and_paginated(client, web):
    now = timezone.now()
    for months_ago in range(7):
        began = now - datetime.timedelta(days=31 * months_ago + 1)
        incident = Incident.objects.create(
            name=f"Past problem {months_ago}",
            status="resolved",
            started_at=began,
            resolved_at=began + datetime.timedelta(hours=1),
        )
        incident.components.set([web])
    first = client.get("/status/history/").text
    assert "Past problem 0" in first and "Past problem 6" not in first
    assert "Older" in first
    last = client.get("/status/history/?page=3").text
    assert "Past problem 6" in last
    assert client.get("/status/history/?page=99").status_code == 200


@pytest.mark.django_db
def test_history_takes_a_fixed_number_of_queries(client, web, django_assert_max_num_queries):
    make_history([web], 40)
    with django_assert_max_num_queries(6):
        assert client.get("/status/history/").status_code == 200


@pytest.mark.django_db
def test_upcoming_maintenance_is_listed(client, web):
    schedule_maintenance([web], timezone.now() + datetime.timedelta(days=2), name="Core swap")
    text = client.get("/status/").text
    assert "Core swap" in text
    assert Component.objects.get(pk=web.pk).status == "operational"


@pytest.mark.django_db
def test_cached_page_for_visitors_switches_language_with_a_link(web):
    import html
    import re

    from django.test import Client

    first = Client(enforce_csrf_checks=True)
    first.get("/status/")  # fills the cache
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get("/status/")  # answered by portal.fastpath
    assert "csrfmiddlewaretoken" not in response.text
    link = re.search(r'<a href="([^"]+)"[^>]*lang="zh-Hans"[^>]*>简体中文</a>', response.text)
    switched = visitor.get(html.unescape(link.group(1)))
    assert switched.status_code == 302 and switched["Location"] == "/status/"
    page = visitor.get("/status/")
    assert page.headers["Content-Language"] == "zh-hans"
    assert 'lang="zh-Hans"' in page.text and "系统状态" in page.text
    assert page["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_signed_in_people_never_get_the_visitors_cached_page(client, web, owner):
    assert "Sign up" in client.get("/status/").text
    client.force_login(owner)
    assert "Sign up" not in client.get("/status/").text


@pytest.mark.django_db
def test_closing_one_incident_leaves_components_another_still_affects(web, dns):
    first = open_incident([web, dns], name="Network")
    open_incident([web], name="Disk")
    first.post_update("resolved", "Network fixed.")
    web.refresh_from_db()
    dns.refresh_from_db()
    assert (web.status, dns.status) == ("partial_outage", "operational")


@pytest.mark.django_db
def test_api_descriptions_stay_english_whatever_the_visitors_language(client, web):
    client.cookies["django_language"] = "zh-hans"
    data = client.get("/status/api/v2/status.json").json()
    assert data["status"]["description"] == "All Systems Operational"
