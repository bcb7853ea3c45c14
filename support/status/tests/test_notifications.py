import datetime
import re

import pytest
from django.utils import timezone

from support.status.models import Incident, Subscriber
from support.status.tasks import advance_maintenance

from .conftest import schedule_maintenance


def subscribe(email, components=(), language="en", confirmed=True):
    subscriber = Subscriber.objects.create(
        email=email, language=language, confirmed_at=timezone.now() if confirmed else None
    )
    subscriber.components.set(components)
    return subscriber


@pytest.fixture
def subscribers(web, dns):
    return {
        "all": subscribe("all@example.com"),
        "web": subscribe("web@example.com", [web], language="zh-hans"),
        "dns": subscribe("dns@example.com", [dns]),
        "pending": subscribe("pending@example.com", confirmed=False),
    }


@pytest.mark.django_db
def test_update_emails_the_subscribers_of_affected_components_in_their_language(
    web, subscribers, send_queued_mail, django_capture_on_commit_callbacks, client
):
    incident = Incident.objects.create(name="Web servers down", impact="major")
    with django_capture_on_commit_callbacks(execute=True):
        incident.post_update("investigating", "Looking.", {web: "major_outage"}, notify=True)
    messages = {m.to[0]: m for m in send_queued_mail()}
    assert set(messages) == {"all@example.com", "web@example.com"}
    assert "Looking." in messages["all@example.com"].body
    assert "[Investigating] Web servers down" in messages["all@example.com"].subject
    assert '<div lang="zh-hans">' in messages["web@example.com"].alternatives[0][0]
    assert '<div lang="en">' in messages["all@example.com"].alternatives[0][0]
    for message in messages.values():
        headers = message.message()
        unsubscribe = headers["List-Unsubscribe"].strip()
        pattern = r"<https://support\.example\.com/status/unsubscribe/[^>]+/>"
        assert re.fullmatch(pattern, unsubscribe)
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe[1:-1] in message.body
    # the header's link really unsubscribes, with the RFC 8058 one-click POST
    header = messages["web@example.com"].message()["List-Unsubscribe"].strip()
    path = header[1:-1].split("example.com", 1)[1]
    client.post(path, {"List-Unsubscribe": "One-Click"})
    assert not Subscriber.objects.filter(email="web@example.com").exists()


@pytest.mark.django_db
def test_no_email_without_notify_and_each_update_is_sent_once(
    web, subscribers, send_queued_mail, django_capture_on_commit_callbacks
):
    incident = Incident.objects.create(name="Quiet fix")
    with django_capture_on_commit_callbacks(execute=True):
        incident.post_update("investigating", "Quietly.", {web: "degraded_performance"})
    assert send_queued_mail() == []
    from support.status.tasks import notify_subscribers

    with django_capture_on_commit_callbacks(execute=True):
        update = incident.post_update("resolved", "Done.", notify=True)
    assert len(send_queued_mail()) == 2
    assert notify_subscribers(update.pk) == 0  # already notified


@pytest.mark.django_db
def test_notifications_go_out_in_batches(web, send_queued_mail, django_capture_on_commit_callbacks):
    from support.status import tasks

    for number in range(tasks.BATCH_SIZE + 5):
        subscribe(f"s{number}@example.com")
    incident = Incident.objects.create(name="Big one")
    with django_capture_on_commit_callbacks(execute=True):
        incident.post_update("investigating", "Looking.", {web: "major_outage"}, notify=True)
    assert len(send_queued_mail()) == tasks.BATCH_SIZE + 5


@pytest.mark.django_db
def test_maintenance_starts_and_completes_on_schedule_and_notifies(
    web, dns, subscribers, send_queued_mail, django_capture_on_commit_callbacks
):
    start = timezone.now() + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        maintenance = schedule_maintenance([web], start)
        maintenance.post_update("scheduled", "Announced.", notify=True)
    announced = send_queued_mail()
    assert {m.to[0] for m in announced} == {"all@example.com", "web@example.com"}

    assert advance_maintenance(now=start - datetime.timedelta(minutes=1)) == (0, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert advance_maintenance(now=start + datetime.timedelta(seconds=1)) == (1, 0)
    maintenance.refresh_from_db()
    web.refresh_from_db()
    assert maintenance.status == "in_progress"
    assert web.status == "under_maintenance"
    with django_capture_on_commit_callbacks(execute=True):
        assert advance_maintenance(now=maintenance.scheduled_until) == (0, 1)
    maintenance.refresh_from_db()
    web.refresh_from_db()
    assert maintenance.status == "completed" and maintenance.resolved_at is not None
    assert web.status == "operational"
    subjects = [m.subject for m in send_queued_mail()[len(announced) :]]
    assert len(subjects) == 4  # start and end, to two subscribers each
    assert any("In progress" in s for s in subjects) and any("Completed" in s for s in subjects)


@pytest.mark.django_db
def test_maintenance_schedule_is_registered():
    from django.core.management import call_command
    from django_q.models import Schedule

    call_command("migrate", "status", verbosity=0)
    assert Schedule.objects.filter(func="support.status.tasks.advance_maintenance").exists()
