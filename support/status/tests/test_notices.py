"""Proactive notice: the people of affected organisations are told, in their own language."""

import datetime

import icalendar
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership, Service
from conftest import make_organization, make_user
from support.status.models import Incident, IncidentUpdate, NoticePreference
from support.status.notices import notify_affected_customers, send_notice_batch
from support.status.tasks import advance_maintenance

from .conftest import schedule_maintenance


@pytest.fixture
def shop(organization, web):
    service = Service.objects.create(organization=organization, name="shop.acme.example",
                                     kind="shared")  # fmt: skip
    web.services.add(service)
    return service


@pytest.fixture
def people(organization, owner, member, outsider, shop, dns):
    """Acme: owner (en), a Chinese-speaking admin, a member; Globex (dns only): its owner."""
    admin = make_user("chen@acme.example", full_name="Chen Wei", language="zh-hans")
    Membership.objects.create(user=admin, organization=organization, role="admin")
    globex = outsider.organizations.get()
    dns.services.add(Service.objects.create(organization=globex, name="globex.example",
                                            kind="domain"))  # fmt: skip
    return {"owner": owner, "admin": admin, "member": member, "outsider": outsider}


def open_with_notice(components, capture, **fields):
    incident = Incident.objects.create(name="Web servers down", impact="major", **fields)
    incident.name_zh_hans = "Web 服务器宕机"
    incident.save()
    with capture(execute=True):
        incident.post_update(
            "investigating",
            "We are looking into it.",
            dict.fromkeys(components, "partial_outage"),
            body_zh_hans="我们正在调查。",
        )
    return incident


def calendar_parts(message):
    return [part for part in message.message().walk() if part.get_content_type() == "text/calendar"]


def by_recipient(messages):
    return {message.to[0]: message for message in messages}


@pytest.mark.django_db
def test_opening_tells_owners_and_admins_in_their_language_not_members_or_others(
    people, web, send_queued_mail, django_capture_on_commit_callbacks
):
    open_with_notice([web], django_capture_on_commit_callbacks)
    messages = by_recipient(send_queued_mail())
    assert set(messages) == {"owner@acme.example", "chen@acme.example"}
    english = messages["owner@acme.example"]
    assert english.subject == "[Incident · Investigating] Web servers down"
    assert "Hello Olivia," in english.body
    assert "An incident affects services of Acme Corp: shop.acme.example" in english.body
    assert "We are looking into it." in english.body
    assert "/status/incidents/" in english.body and "/profile/" in english.body
    chinese = messages["chen@acme.example"]
    assert chinese.subject == "[故障 · 调查中] Web 服务器宕机"
    assert "我们正在调查。" in chinese.body and "We are looking into it." not in chinese.body
    assert "Web servers down" not in chinese.body
    assert '<div lang="zh-hans">' in chinese.alternatives[0][0]


@pytest.mark.django_db
def test_a_member_who_opted_in_hears_and_an_owner_who_opted_out_does_not(
    people, web, send_queued_mail, django_capture_on_commit_callbacks
):
    NoticePreference.objects.create(user=people["member"], wants_notices=True)
    NoticePreference.objects.create(user=people["owner"], wants_notices=False)
    open_with_notice([web], django_capture_on_commit_callbacks)
    assert set(by_recipient(send_queued_mail())) == {"member@acme.example", "chen@acme.example"}


@pytest.mark.django_db
def test_updates_notify_when_staff_choose_and_resolution_always(
    people, web, send_queued_mail, django_capture_on_commit_callbacks
):
    incident = open_with_notice([web], django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident.post_update("identified", "Found it.")
    assert send_queued_mail() == []
    with django_capture_on_commit_callbacks(execute=True):
        incident.post_update("monitoring", "Watching.", notify_customers=True)
    assert {m.to[0] for m in send_queued_mail()} == {"owner@acme.example", "chen@acme.example"}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident.post_update("resolved", "Fixed.", body_zh_hans="已修复。")
    messages = by_recipient(send_queued_mail())
    assert "Resolved" in messages["owner@acme.example"].subject
    assert "已修复。" in messages["chen@acme.example"].body
    notify_affected_customers(incident.updates.first().pk)  # a second run sends nothing
    assert len(send_queued_mail()) == 2


@pytest.mark.django_db
def test_private_incident_reaches_only_the_affected_organisation(
    people, web, dns, send_queued_mail, django_capture_on_commit_callbacks
):
    open_with_notice([web], django_capture_on_commit_callbacks, is_private=True)
    assert set(by_recipient(send_queued_mail())) == {"owner@acme.example", "chen@acme.example"}
    mail.outbox.clear()
    open_with_notice([dns], django_capture_on_commit_callbacks, is_private=True)
    assert set(by_recipient(send_queued_mail())) == {"outsider@globex.example"}


@pytest.mark.django_db
def test_drafts_tell_nobody_until_published(
    people, web, send_queued_mail, django_capture_on_commit_callbacks
):
    incident = open_with_notice([web], django_capture_on_commit_callbacks, is_published=False)
    assert send_queued_mail() == []
    with django_capture_on_commit_callbacks(execute=True):
        incident.publish()
    assert set(by_recipient(send_queued_mail())) == {"owner@acme.example", "chen@acme.example"}


@pytest.mark.django_db
def test_maintenance_is_announced_with_its_calendar_event_then_started_and_ended(
    people, web, send_queued_mail, django_capture_on_commit_callbacks
):
    start = timezone.now() + datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        window = schedule_maintenance([web], start, name="Router upgrade",
                                      name_zh_hans="路由器升级")  # fmt: skip
    messages = by_recipient(send_queued_mail())
    assert set(messages) == {"owner@acme.example", "chen@acme.example"}
    for address, summary in [("owner@acme.example", "Router upgrade"),
                             ("chen@acme.example", "路由器升级")]:  # fmt: skip
        message = messages[address]
        assert message.subject.endswith(summary)
        (part,) = calendar_parts(message)
        assert part.get_filename() == "maintenance.ics"
        event = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
        assert str(event["SUMMARY"]) == summary
        assert str(event["UID"]).startswith(f"maintenance-{window.pk}@")
        assert event.decoded("DTSTART") == start.replace(microsecond=0)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        advance_maintenance(start + datetime.timedelta(minutes=1))
    started = [m for m in send_queued_mail() if m.to[0] == "owner@acme.example"]
    assert [m.subject for m in started] == ["[Maintenance · In progress] Router upgrade"]
    assert calendar_parts(started[0]) == []
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        advance_maintenance(start + datetime.timedelta(hours=3))
    ended = [m for m in send_queued_mail() if m.to[0] == "owner@acme.example"]
    assert [m.subject for m in ended] == ["[Maintenance · Completed] Router upgrade"]


@pytest.mark.django_db
def test_a_batch_takes_the_same_queries_for_3_or_30_people(web, dns):
    def organisation_with(count, name):
        owners = [make_user(f"o{n}@{name}.example") for n in range(count)]
        organization = make_organization(name, owner=owners)
        web.services.add(Service.objects.create(organization=organization, name=name,
                                                kind="vps"))  # fmt: skip
        return organization

    small, large = organisation_with(3, "small"), organisation_with(30, "large")
    incident = Incident.objects.create(name="Web servers down", impact="major")
    incident.components.set([web, dns])
    update = IncidentUpdate.objects.create(incident=incident, status="investigating", body="x")

    def queries(organization):
        ids = list(
            Membership.objects.filter(organization=organization).values_list("pk", flat=True)
        )
        with CaptureQueriesContext(connection) as context:
            assert send_notice_batch(update.pk, ids) == len(ids)
        return len(context.captured_queries)

    # the update and incident, its components, the memberships with people and
    # organisations, their affected services, and one insert of every email into the outbox
    assert queries(small) == queries(large) <= 6


@pytest.mark.django_db
def test_profile_shows_the_default_and_saves_the_choice(client, owner, member, organization):
    client.force_login(member)
    page = client.get("/accounts/profile/").text
    assert "Incidents affecting your services" in page
    assert (
        'name="wants_notices" aria-describedby' in page
        and "checked" not in page.split('name="wants_notices"')[1].split(">")[0]
    )
    response = client.post("/services/notices/", {"wants_notices": "on"})
    assert response.status_code == 302
    assert NoticePreference.objects.get(user=member).wants_notices
    client.force_login(owner)
    owner_page = client.get("/accounts/profile/").text
    assert "checked" in owner_page.split('name="wants_notices"')[1].split(">")[0]
    client.post("/services/notices/", {})
    assert not NoticePreference.objects.get(user=owner).wants_notices
    assert client.get("/services/notices/").status_code == 405
