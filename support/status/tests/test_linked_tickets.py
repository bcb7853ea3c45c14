"""Tickets joined to an incident and answered together: staff link and unlink them from the
ticket, from the incident and from the queue; an update is posted to every linked open ticket
(one query count whatever their number), and resolving solves them."""

import itertools
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization
from conftest import make_organization, make_user
from support.status.models import Incident
from support.tickets import incidents, services
from support.tickets.models import Ticket, TimelineEvent
from support.tickets.tests.test_admin import LIST, change_url, form_data

from .conftest import open_incident
from .test_admin import incident_form

pytestmark = pytest.mark.django_db
Kind = TimelineEvent.Kind
numbers = itertools.count()


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def incident_url(incident):
    return f"/admin/status/incident/{incident.pk}/change/"


def incident_page_form(incident, **fields):
    """The incident's page as the browser sends it (no update unless one is given)."""
    data = incident_form(
        list(incident.components.all()),
        name=incident.name,
        impact=incident.impact,
        update_status="",
        update_body="",
        component_status="",
    )
    data.update(fields)
    return data


def customer_tickets(count, incident=None, language="en"):
    """`count` tickets, each from another organisation's owner, linked to `incident`."""
    tickets = []
    for number in itertools.islice(numbers, count):
        person = make_user(f"customer{number}@example.com", language=language)
        organization = make_organization(
            f"Customer {number}", Organization.Tier.BUSINESS, owner=person
        )
        ticket = services.open_ticket(
            organization=organization,
            requester=person,
            subject=f"Site {number} is down",
            description="It shows a 502.",
        )
        if incident is not None:
            services.change_incident(ticket, incident, by=None)
        tickets.append(ticket)
    return tickets


def incident_events(ticket, kind=Kind.INCIDENT):
    return list(ticket.events.filter(kind=kind).values_list("actor_id", "data"))


# Linking and unlinking -------------------------------------------------------------------


def test_staff_link_and_unlink_from_the_ticket_page(agent_client, agent, ticket, web):
    incident = open_incident([web])
    agent_client.post(change_url(ticket), form_data(ticket, incident=incident.pk, _save="1"))
    ticket.refresh_from_db()
    assert ticket.incident == incident
    agent_client.post(change_url(ticket), form_data(ticket, incident="", _save="1"))
    ticket.refresh_from_db()
    assert ticket.incident is None
    assert incident_events(ticket) == [
        (agent.pk, {"old": "", "new": "Web servers down"}),
        (agent.pk, {"old": "Web servers down", "new": ""}),
    ]


def test_the_incident_page_lists_links_and_unlinks_tickets(agent_client, agent, web, open_ticket):
    incident = open_incident([web])
    first, second = customer_tickets(2, incident)
    third = open_ticket(subject="Mail bounces", priority="P1")

    page = agent_client.get(incident_url(incident)).content.decode()
    for ticket in (first, second):
        assert ticket.reference in page and ticket.subject in page
        assert ticket.organization.name in page
    assert "New" in page and "on track" in page
    assert "Also post this update to the 2 linked open tickets" in page
    assert third.reference not in page

    response = agent_client.post(
        incident_url(incident),
        incident_page_form(
            incident, link_references=f"{third.reference.lower()}, ", unlink_tickets=[first.pk]
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert set(incident.tickets.all()) == {second, third}
    assert incident_events(third) == [(agent.pk, {"old": "", "new": "Web servers down"})]
    assert incident_events(first)[-1] == (agent.pk, {"old": "Web servers down", "new": ""})
    page = agent_client.get(incident_url(incident)).content.decode()
    assert "Mail bounces" in page and "P1" in page and first.reference not in page


def test_an_unknown_reference_is_refused_and_nothing_changes(agent_client, web, ticket):
    incident = open_incident([web])
    response = agent_client.post(
        incident_url(incident),
        incident_page_form(incident, link_references=f"{ticket.reference} ZZZ-ZZZZ"),
    )
    assert response.status_code == 200
    assert "No ticket has the reference ZZZ-ZZZZ." in response.content.decode()
    assert not incident.tickets.exists()


def test_bulk_link_and_unlink_from_the_queue(agent_client, agent, web, open_ticket):
    incident = open_incident([web])
    one, two = open_ticket(), open_ticket()

    def bulk(action, **extra):
        return agent_client.post(
            LIST, {"action": action, "_selected_action": [one.pk, two.pk], **extra}
        )

    assert "Link to incident…" in agent_client.get(LIST).content.decode()
    choose = bulk("link_to_incident").content.decode()  # a page to choose the incident
    assert "Link 2 tickets to an incident" in choose and one.reference in choose
    assert f'<option value="{incident.pk}">Web servers down — Investigating' in choose
    assert not incident.tickets.exists()
    bulk("link_to_incident", incident=incident.pk)
    assert set(incident.tickets.all()) == {one, two}
    bulk("unlink_from_incident")
    assert not incident.tickets.exists()
    for ticket in (one, two):
        assert incident_events(ticket) == [
            (agent.pk, {"old": "", "new": "Web servers down"}),
            (agent.pk, {"old": "Web servers down", "new": ""}),
        ]


# Answering together ------------------------------------------------------------------------


def post_update(incident, agent, status="identified", body="A failed disk; replacing it."):
    return incident.post_update(status, body, author=agent)


def test_an_update_goes_to_n_tickets_in_the_same_number_of_queries(agent, web):
    counts = {}
    for count in (3, 20):
        incident = open_incident([web], name=f"Outage {count}")
        tickets = customer_tickets(count, incident, language="en" if count == 3 else "zh-hans")
        for ticket in tickets[::2]:  # some copy a colleague in
            colleague = make_user(f"cc{ticket.pk}@example.com")
            ticket.organization.memberships.create(user=colleague, role="member")
            ticket.cc.add(colleague)
        update = post_update(incident, agent)
        ids = [ticket.pk for ticket in tickets]
        with CaptureQueriesContext(connection) as queries:
            assert incidents.post_update_to_tickets(update.pk, ids, agent.pk) == count
        counts[count] = len(queries)
        assert Ticket.objects.filter(pk__in=ids, messages__author=agent).count() == count
    assert counts[3] == counts[20], counts
    # The update, the author, the tickets, their calendars' holidays; a savepoint; the
    # messages, the tickets, the timeline and the stored notifications written (the emails are
    # written from them by notify.send_pending, in django-q2); the savepoint's release.
    assert counts[3] <= 10, counts


def test_webhooks_hear_each_reply_and_look_at_the_tickets_together(
    agent, web, django_capture_on_commit_callbacks
):
    from support.webhooks import events
    from support.webhooks.models import Delivery, Endpoint

    counts = {}
    for count in (3, 20):
        incident = open_incident([web], name=f"Outage {count}")
        tickets = customer_tickets(count, incident)
        listener = tickets[0].organization
        Endpoint.objects.create(
            organization=listener,
            url="https://hooks.example.com/",
            events=["ticket.replied", "ticket.updated"],
        )
        update = post_update(incident, agent)
        with django_capture_on_commit_callbacks() as callbacks:
            incidents.post_update_to_tickets(update.pk, [t.pk for t in tickets], agent.pk)
        together = [c for c in callbacks if getattr(c, "func", None) is events.ticket_events]
        with CaptureQueriesContext(connection) as queries:
            for callback in together:
                callback()
        counts[count] = len(queries)
        found = Delivery.objects.filter(endpoint__organization=listener)
        assert sorted(found.values_list("event_type", flat=True)) == [
            "ticket.replied",
            "ticket.updated",
        ]
        replied = found.get(event_type="ticket.replied").payload["data"]["message"]["body"]
        assert "A failed disk; replacing it." in replied
        assert Delivery.objects.count() == 2
        Delivery.objects.all().delete()
    assert counts[3] == counts[20], counts


ENGLISH = "A failed disk; replacing it."
CHINESE = "一块硬盘故障，正在更换。"


def test_each_customer_sees_the_update_on_their_ticket_and_by_email_in_their_language(
    client, agent, web, send_queued_mail
):
    incident = open_incident([web])
    incident.name_zh_hans = "网站服务器故障"
    incident.save()
    (english,) = customer_tickets(1, incident)
    (chinese,) = customer_tickets(1, incident, language="zh-hans")
    update = incident.post_update("identified", ENGLISH, body_zh_hans=CHINESE, author=agent)
    send_queued_mail()
    mail.outbox.clear()
    incidents.post_update_to_tickets(update.pk, [english.pk, chinese.pk], agent.pk)
    delivered = {message.to[0]: message for message in send_queued_mail()}

    for ticket, text, other in [(english, ENGLISH, CHINESE), (chinese, CHINESE, ENGLISH)]:
        client.force_login(ticket.requester)
        page = client.get(ticket.get_absolute_url()).content.decode()
        assert text in page and other not in page
        email = delivered[ticket.requester.email]
        assert text in email.body and other not in email.body
        assert ticket.reference in email.subject
        assert incident_events(ticket, Kind.INCIDENT_UPDATE) == [
            (
                agent.pk,
                {"incident": "Web servers down", "update": update.pk, "status": "identified"},
            )
        ]
    english_email = delivered[english.requester.email].body
    assert "Update on the incident “Web servers down”: Identified" in english_email
    assert f"/status/incidents/{incident.pk}/" in english_email
    chinese_email = delivered[chinese.requester.email].body
    assert "故障“网站服务器故障”的最新进展：已确认原因" in chinese_email
    assert "回复了您的工单" in chinese_email  # the email around it in Chinese too


def test_without_a_chinese_text_a_chinese_customer_reads_the_update_in_english_whole(agent, web):
    incident = open_incident([web])
    incident.name_zh_hans = "网站服务器故障"
    incident.save()
    (ticket,) = customer_tickets(1, incident, language="zh-hans")
    update = post_update(incident, agent)
    incidents.post_update_to_tickets(update.pk, [ticket.pk], agent.pk)
    reply = ticket.messages.get(author=agent).body
    assert reply.startswith("**Update on the incident “Web servers down”: Identified**")
    assert ENGLISH in reply and "网站" not in reply


def test_a_private_incident_reply_does_not_point_to_the_status_page(agent, web):
    incident = open_incident([web], is_private=True)
    (ticket,) = customer_tickets(1, incident)
    update = post_update(incident, agent)
    incidents.post_update_to_tickets(update.pk, [ticket.pk], agent.pk)
    reply = ticket.messages.get(author=agent).body
    assert ENGLISH in reply and "/status/" not in reply


def test_the_reply_counts_as_the_first_response_and_is_not_posted_twice(agent_client, agent, web):
    incident = open_incident([web])
    (ticket,) = customer_tickets(1, incident)
    assert ticket.first_response_due_at is not None and ticket.first_response_at is None
    update = post_update(incident, agent)
    incidents.post_update_to_tickets(update.pk, [ticket.pk], agent.pk)
    incidents.post_update_to_tickets(update.pk, [ticket.pk], agent.pk)  # a retried task
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.first_response_outcome == Ticket.Outcome.MET
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.messages.filter(author=agent).count() == 1
    page = agent_client.get(change_url(ticket)).content.decode()
    assert "Update of the incident Web servers down posted here (Identified)" in page
    assert f"/admin/status/incident/{incident.pk}/change/" in page  # the ticket links to it


def test_resolving_solves_the_linked_tickets_and_a_customer_reopens(
    agent_client, agent, web, client, django_capture_on_commit_callbacks
):
    incident = open_incident([web])
    first, second = customer_tickets(2, incident)
    services.change_status(second, Ticket.Status.CLOSED, by=agent)  # closed: left alone
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            incident_url(incident),
            incident_page_form(
                incident,
                update_status="resolved",
                update_body="The disk is replaced; all sites are back.",
                solve_tickets="on",
            ),
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Ticket.Status.SOLVED and second.status == Ticket.Status.CLOSED
    reply = first.messages.get(author=agent)
    assert "The disk is replaced; all sites are back." in reply.body
    assert not second.messages.filter(author=agent).exists()

    client.force_login(first.requester)
    page = client.get(first.get_absolute_url()).content.decode()
    assert "The disk is replaced; all sites are back." in page
    services.add_reply(first, author=first.requester, body="Still down for me.")
    first.refresh_from_db()
    assert first.status == Ticket.Status.OPEN


def test_the_update_form_posts_to_the_linked_open_tickets(
    agent_client, agent, web, django_capture_on_commit_callbacks
):
    incident = open_incident([web])
    tickets = customer_tickets(3, incident)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            incident_url(incident),
            incident_page_form(
                incident,
                update_status="identified",
                update_body="Disk found.",
                post_to_tickets="on",
            ),
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.messages.filter(author=agent, body__contains="Disk found.").exists()
        assert ticket.status == Ticket.Status.OPEN


def test_solving_needs_a_resolving_update_and_posting_a_published_incident(agent_client, web):
    incident = open_incident([web])
    customer_tickets(1, incident)
    response = agent_client.post(
        incident_url(incident),
        incident_page_form(
            incident, update_status="identified", update_body="Found.", solve_tickets="on"
        ),
    )
    assert "Tickets are solved with the update that resolves the incident." in (
        response.content.decode()
    )
    draft = Incident.objects.create(name="Draft", is_published=False)
    customer_tickets(1, draft)
    response = agent_client.post(
        incident_url(draft),
        incident_page_form(
            draft,
            is_published="",
            update_status="identified",
            update_body="x",
            post_to_tickets="on",
        ),  # fmt: skip
    )
    assert "Publish the incident before posting to its tickets." in response.content.decode()


def test_a_new_incident_offers_no_tickets_and_one_without_open_tickets_offers_nothing(
    agent_client, web
):
    page = agent_client.get("/admin/status/incident/add/").content.decode()
    assert "linked open ticket" not in page and 'name="link_references"' not in page
    incident = open_incident([web])
    page = agent_client.get(incident_url(incident)).content.decode()
    assert "No tickets are linked to this incident." in page
    assert "Also post this update to the 0 linked open tickets" in page
    box = re.search(r'<input[^>]*name="post_to_tickets"[^>]*>', page).group(0)
    assert "disabled" in box
