import datetime

import feedparser
import icalendar
import pytest
from django.utils import timezone

from .conftest import open_incident, schedule_maintenance


@pytest.fixture
def history(web, dns):
    incident = open_incident([web], name="Web servers & <friends> down")
    incident.post_update("resolved", "Fixed with *care*.")
    maintenance = schedule_maintenance([dns], timezone.now() + datetime.timedelta(days=3))
    return incident, maintenance


@pytest.mark.parametrize("url", ["/status/feed.atom", "/status/feed.rss"])
@pytest.mark.django_db
def test_feeds_are_valid_and_carry_incidents_with_updates(client, history, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    titles = [entry.title for entry in feed.entries]
    assert any("Web servers & <friends> down" in title for title in titles)
    assert any("Router upgrade" in title for title in titles)
    entry = next(e for e in feed.entries if "friends" in e.title)
    assert "Fixed with" in entry.summary and "We are looking into it." in entry.summary
    assert entry.link.endswith(f"/status/incidents/{history[0].pk}/")


@pytest.mark.django_db
def test_feeds_leave_out_drafts(client, web):
    open_incident([web], name="Secret draft", is_published=False)
    feed = feedparser.parse(client.get("/status/feed.atom").content)
    assert feed.bozo == 0
    assert not feed.entries


@pytest.mark.django_db
def test_maintenance_calendar_parses_with_stable_uids_and_rising_sequence(client, history):
    _incident, maintenance = history
    response = client.get("/status/maintenance.ics")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    uid = str(event["UID"])
    assert uid == f"maintenance-{maintenance.pk}@support.example.com"
    assert str(event["SUMMARY"]) == "Router upgrade"
    assert event.decoded("DTSTART") == maintenance.scheduled_for.replace(microsecond=0)
    assert int(event["SEQUENCE"]) == 0

    maintenance.refresh_from_db()
    maintenance.scheduled_until += datetime.timedelta(hours=1)
    maintenance.save()
    maintenance.name = "Router upgrade (extended)"
    maintenance.save()  # a new title is not a new window
    event = icalendar.Calendar.from_ical(client.get("/status/maintenance.ics").content).walk(
        "VEVENT"
    )[0]
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTEND") == maintenance.scheduled_until.replace(microsecond=0)
