"""The back office: queue, ticket page, reply box, actions, tickets on a customer's behalf."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from support.tickets import services
from support.tickets.models import Macro, Team, Ticket

pytestmark = pytest.mark.django_db

LIST = "/admin/tickets/ticket/"


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def change_url(ticket):
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def form_data(ticket, **overrides):
    """The ticket page's form as the browser sends it; add `_send_reply`, `_add_note` or
    `_save` for the button pressed."""
    data = {
        "priority": ticket.priority,
        "assignee": ticket.assignee_id or "",
        "team": ticket.team_id or "",
        "category": ticket.category_id or "",
        "service": ticket.service_id or "",
        "incident": ticket.incident_id or "",
        "cc": [person.pk for person in ticket.cc.all()],
        "after_status": "",
        "reply_body": "",
        "macro": "",
        "priority_reason": "",
        "last_seen_message": ticket.messages.order_by("pk").last().pk,
    }
    data.update(overrides)
    return data


def test_agents_group_can_work_tickets(agent_client, ticket):
    page = agent_client.get(LIST).content.decode()
    assert ticket.reference in page and "on track" in page
    assert "Waiting on customer" in page and "Waiting on you" not in page
    assert agent_client.get(change_url(ticket)).status_code == 200


def test_list_marks_sla_states(agent_client, open_ticket):
    from datetime import timedelta

    from django.utils import timezone

    late = open_ticket(subject="Late one")
    Ticket.objects.filter(pk=late.pk).update(next_due_at=timezone.now() - timedelta(minutes=5))
    risky = open_ticket(subject="Risky one")
    Ticket.objects.filter(pk=risky.pk).update(
        first_response_warn_at=timezone.now() - timedelta(minutes=1)
    )
    page = agent_client.get(LIST).content.decode()
    assert "breached" in page and "at risk" in page
    assert page.index(late.reference) < page.index(risky.reference)  # most urgent SLA first
    breached = agent_client.get(LIST + "?sla=breached").content.decode()
    assert late.reference in breached and risky.reference not in breached
    at_risk = agent_client.get(LIST + "?sla=at_risk").content.decode()
    assert risky.reference in at_risk and late.reference not in at_risk


def test_filters_and_search(agent_client, open_ticket, agent, owner):
    mine = open_ticket(subject="Mine")
    services.assign(mine, agent, by=agent)
    other = open_ticket(subject="Nobody's")
    services.add_reply(other, author=owner, body="unique-needle-text")
    assert other.reference not in agent_client.get(LIST + "?assigned=me").content.decode()
    assert mine.reference not in agent_client.get(LIST + "?assigned=none").content.decode()
    found = agent_client.get(LIST + "?q=unique-needle-text").content.decode()
    assert other.reference in found and mine.reference not in found
    by_email = agent_client.get(LIST + f"?q={owner.email}").content.decode()
    assert other.reference in by_email
    for query in [
        "?status__exact=new",
        "?priority__exact=P2",
        "?org_tier=business",
        "?channel__exact=web",
    ]:
        assert agent_client.get(LIST + query).status_code == 200


def test_reply_internal_note_and_workflow_changes_from_the_ticket_page(
    agent_client, ticket, agent, send_queued_mail
):
    Macro.objects.create(name="Hi", body="Hello {first_name}, about {reference}:")
    tier2 = Team.objects.get(name="Tier 2")
    response = agent_client.post(
        change_url(ticket),
        form_data(
            ticket,
            reply_body="We restarted PHP.",
            macro=Macro.objects.get().pk,
            after_status="pending",
            _send_reply="1",
            priority="P1",
            priority_reason="Checkout affected",
            assignee=agent.pk,
            team=tier2.pk,
            reply_attachments=[SimpleUploadedFile("fix.txt", b"done")],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee, ticket.team) == (
        "pending",
        "P1",
        agent,
        tier2,
    )
    reply = ticket.messages.last()
    assert reply.body.startswith(f"Hello Olivia, about {ticket.reference}:") and not reply.internal
    assert reply.attachments.get().name == "fix.txt"
    assert ticket.first_response_at is not None
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {"status", "priority", "assigned", "team"} <= kinds

    agent_client.post(
        change_url(ticket), form_data(ticket, _add_note="1", reply_body="SECRET-NOTE")
    )
    assert ticket.messages.last().internal
    page = agent_client.get(change_url(ticket)).content.decode()
    assert "Internal note — staff only" in page and "SECRET-NOTE" in page
    assert all("SECRET-NOTE" not in m.body for m in send_queued_mail())


def test_closed_ticket_cannot_be_reopened_in_the_admin(agent_client, ticket, agent):
    services.change_status(ticket, "closed", by=agent)
    data = form_data(ticket, after_status="open", _save="1")
    response = agent_client.post(change_url(ticket), data)
    assert response.status_code == 200 and "can&#x27;t be reopened" in response.content.decode()


def test_actions_assign_escalate_merge_close(agent_client, open_ticket, agent):
    one, two = open_ticket(subject="One"), open_ticket(subject="Two")
    post = lambda action, ids, **extra: agent_client.post(  # noqa: E731
        LIST, {"action": action, "_selected_action": [t.pk for t in ids], **extra}
    )
    post("assign_to_me", [one, two])
    assert Ticket.objects.filter(assignee=agent).count() == 2
    post("escalate_to_tier_2", [one])
    one.refresh_from_db()
    assert one.tier == 2 and one.events.filter(kind="escalated").exists()
    post("merge_into", [one], target_reference=two.reference.lower())
    one.refresh_from_db()
    assert one.merged_into == two and one.status == "closed"
    assert two.messages.count() == 2
    post("close_tickets", [two])
    two.refresh_from_db()
    assert two.status == "closed"


def test_staff_open_a_ticket_for_a_customer(
    agent_client, organization, owner, outsider, send_queued_mail
):
    url = reverse("admin:tickets_ticket_add")
    assert agent_client.get(url).status_code == 200
    data = {
        "organization": organization.pk,
        "requester": owner.pk,
        "channel": "phone",
        "priority": "P1",
        "subject": "Called: site down",
        "description": "Customer phoned at 03:00",
        "category": "",
        "service": "",
    }
    refused = agent_client.post(url, {**data, "requester": outsider.pk})
    assert refused.status_code == 200 and Ticket.objects.count() == 0
    response = agent_client.post(url, data)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.requester, ticket.created_by.is_staff) == ("phone", owner, True)
    assert any("Received" in m.subject and m.to == [owner.email] for m in send_queued_mail())


def test_staff_download_attachments(agent_client, ticket, owner):
    services.add_reply(
        ticket, author=owner, body="x", attachments=[SimpleUploadedFile("a.txt", b"abc")]
    )
    attachment = ticket.attachments.get()
    url = reverse("admin:tickets_ticket_attachment", args=[ticket.pk, attachment.pk])
    response = agent_client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    attachment.file.delete(save=False)  # gone from storage (a lost disk, a half-done restore)
    assert agent_client.get(url).status_code == 404
