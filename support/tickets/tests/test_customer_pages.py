"""The customer side: list, new-ticket form, ticket page and its actions."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import make_user
from support.tickets import services
from support.tickets.models import Attachment, Category, Ticket

pytestmark = pytest.mark.django_db


def new_ticket_data(**overrides):
    data = {
        "category": Category.objects.get(slug="website-down").pk,
        "priority": "P1",
        "subject": "Shop is down",
        "description": "We see **502**.",
        "form_token": "t" * 32,
        "extra__website-down__url": "https://shop.example/",
        "extra__website-down__error": "502 Bad Gateway",
    }
    data.update(overrides)
    return data


def upload(name, content=b"hello", content_type="text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- list -----------------------------------------------------------------------------------


def test_owner_sees_all_member_sees_own_and_copied(
    client, owner, member, organization, open_ticket
):
    mine = open_ticket(requester=member, subject="Member's own")
    owners = open_ticket(subject="Owner's private one")
    copied = open_ticket(subject="Copied to member", cc=[member])
    client.force_login(owner)
    page = client.get("/tickets/").content.decode()
    assert all(t.reference in page for t in (mine, owners, copied))
    client.force_login(member)
    page = client.get("/tickets/").content.decode()
    assert mine.reference in page and copied.reference in page
    assert owners.reference not in page
    assert client.get(owners.get_absolute_url()).status_code == 404


def test_list_filters_search_and_newest_activity_first(owner_client, open_ticket, staff_user):
    old = open_ticket(subject="Old DNS question")
    new = open_ticket(subject="New outage")
    services.change_status(old, Ticket.Status.PENDING, by=staff_user)  # now the newest activity
    page = owner_client.get("/tickets/").content.decode()
    assert page.index(old.reference) < page.index(new.reference)
    waiting = owner_client.get("/tickets/?state=waiting").content.decode()
    assert old.reference in waiting and new.reference not in waiting
    found = owner_client.get("/tickets/?q=outage").content.decode()
    assert new.reference in found and old.reference not in found
    by_reference = owner_client.get(f"/tickets/?q={old.reference.lower()}").content.decode()
    assert old.reference in by_reference and new.reference not in by_reference
    assert owner_client.get("/tickets/?q=%00&page=abc&state=<x>").status_code == 200


def test_search_never_matches_internal_notes(owner_client, ticket, staff_user):
    services.add_reply(ticket, author=staff_user, body="zebrafish internal", internal=True)
    assert ticket.reference not in owner_client.get("/tickets/?q=zebrafish").content.decode()


def test_visitors_are_sent_to_sign_in(client):
    assert client.get("/tickets/").status_code == 302
    assert client.get("/tickets/new/").status_code == 302


# --- new ticket -------------------------------------------------------------------------------


def test_form_explains_priorities_with_this_organisations_targets(owner_client, organization):
    organization.tier = "enterprise"
    organization.save()
    page = owner_client.get("/tickets/new/").content.decode()
    assert "P0 — Critical: your service is completely unavailable" in page
    assert "first response within 8 minutes, 24×7" in page  # whole minutes, never 7.5
    assert "10.0\xa0MB" in page or "10.0 MB" in page


def test_category_is_preselected_from_the_query(owner_client):
    page = owner_client.get("/tickets/new/?category=email").content.decode()
    email = Category.objects.get(slug="email")
    assert re.search(rf'<option value="{email.pk}"[^>]*selected', page)
    assert owner_client.get("/tickets/new/?category=%00nope").status_code == 200


def test_open_a_ticket(owner_client, owner, member, organization, send_queued_mail):
    service = organization.services.create(name="web01", kind="vps")
    response = owner_client.post(
        "/tickets/new/",
        new_ticket_data(
            service=service.pk,
            cc=[member.pk],
            attachments=[upload("log.txt"), upload("shot.png", b"\x89PNG", "image/png")],
        ),
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == ticket.get_absolute_url()
    assert (ticket.requester, ticket.service, ticket.priority) == (owner, service, "P1")
    assert ticket.extra_fields == {"url": "https://shop.example/", "error": "502 Bad Gateway"}
    assert list(ticket.cc.all()) == [member]
    assert sorted(a.name for a in ticket.attachments.all()) == ["log.txt", "shot.png"]
    mails = send_queued_mail()
    assert {m.to[0] for m in mails if "Received" in m.subject} == {owner.email, member.email}
    page = owner_client.get(ticket.get_absolute_url()).content.decode()
    assert "First response expected by" in page and "<strong>502</strong>" in page


def test_double_submit_creates_one_ticket(owner_client):
    data = new_ticket_data()
    first = owner_client.post("/tickets/new/", data)
    second = owner_client.post("/tickets/new/", data)
    assert Ticket.objects.count() == 1
    assert first["Location"] == second["Location"] == Ticket.objects.get().get_absolute_url()


def test_a_form_sent_twice_with_a_file_stores_the_file_once(owner_client, settings):
    for _time in range(2):
        data = new_ticket_data(attachments=upload("log.txt", b"502 at 09:14"))
        response = owner_client.post("/tickets/new/", data)
        assert response["Location"] == Ticket.objects.get().get_absolute_url()
    attachment = Attachment.objects.get()
    stored = [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]
    assert stored == [settings.MEDIA_ROOT / attachment.file.name]


def test_a_token_sent_by_another_organisation_opens_each_its_own_ticket(
    owner_client, outsider, owner
):
    other = Client()
    other.force_login(outsider)
    data = new_ticket_data(form_token="Z" * 24)
    mine = owner_client.post("/tickets/new/", data)
    theirs = other.post("/tickets/new/", data)
    assert mine.status_code == theirs.status_code == 302
    assert mine["Location"] != theirs["Location"]
    assert set(Ticket.objects.values_list("requester", flat=True)) == {owner.pk, outsider.pk}


def test_fields_customers_may_not_set_are_ignored(owner_client, outsider, staff_user):
    other_org = outsider.memberships.get().organization
    owner_client.post(
        "/tickets/new/",
        new_ticket_data(
            organization=other_org.pk,
            status="closed",
            assignee=staff_user.pk,
            tier=2,
            internal=True,
            requester=outsider.pk,
        ),
    )
    ticket = Ticket.objects.get()
    assert ticket.organization != other_org and ticket.status == "new"
    assert ticket.assignee is None and ticket.tier == 1 and ticket.requester != outsider


def test_service_and_cc_of_another_organisation_are_refused(owner_client, outsider):
    other_service = outsider.memberships.get().organization.services.create(name="x", kind="vps")
    response = owner_client.post(
        "/tickets/new/", new_ticket_data(service=other_service.pk, cc=[outsider.pk])
    )
    assert response.status_code == 200 and Ticket.objects.count() == 0


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"subject": "x" * 1_000_000}, "at most 200 characters"),
        ({"subject": "a\x00b"}, "Null characters are not allowed"),
        ({"description": "a\x00b"}, "Null characters are not allowed"),
        ({"priority": "P9"}, "Select a valid choice"),
        ({"category": "abc"}, "Select a valid choice"),
        ({"problem_started_at": "yesterday-ish"}, "Enter a valid date/time"),
        ({"extra__website-down__url": "javascript:alert(1)"}, "Enter a valid URL"),
    ],
)
def test_odd_input_gets_a_clear_answer_and_keeps_what_was_typed(owner_client, overrides, message):
    data = new_ticket_data(description="Keep me 🙂 مرحبا")
    data.update(overrides)
    response = owner_client.post("/tickets/new/", data)
    page = response.content.decode()
    assert response.status_code == 200 and Ticket.objects.count() == 0
    assert message in page
    assert "choose them again" in page
    if "description" not in overrides:
        assert "Keep me 🙂 مرحبا" in page


def test_attachment_one_byte_over_the_limit_is_refused(owner_client, settings):
    settings.TICKET_ATTACHMENT_MAX_BYTES = 100
    response = owner_client.post(
        "/tickets/new/", new_ticket_data(attachments=[upload("big.txt", b"x" * 101)])
    )
    assert "big.txt is larger than 100" in response.content.decode()
    assert "choose your attachments again" in response.content.decode()
    assert Ticket.objects.count() == 0
    owner_client.post("/tickets/new/", new_ticket_data(attachments=[upload("ok.txt", b"x" * 100)]))
    assert Ticket.objects.get().attachments.get().size == 100


@pytest.mark.parametrize("name", ["a.pdf.exe", "../../x.html", "evil.svg", "run.sh"])
def test_dangerous_file_types_are_refused(owner_client, name):
    response = owner_client.post("/tickets/new/", new_ticket_data(attachments=[upload(name)]))
    page = response.content.decode()
    assert "files of this type can&#x27;t be attached" in page
    assert "../" not in page.split("files of this type")[0][-40:]
    assert Ticket.objects.count() == 0


def test_unicode_round_trips(owner_client):
    subject = "Ünïcødé 网站 🙂 עברית"
    owner_client.post("/tickets/new/", new_ticket_data(subject=subject, description="مرحبا 🙂"))
    ticket = Ticket.objects.get()
    assert ticket.subject == subject
    assert subject in owner_client.get(ticket.get_absolute_url()).content.decode()


# --- the ticket page and its actions ---------------------------------------------------------


def test_ticket_page_shows_public_conversation_only(owner_client, ticket, staff_user):
    services.assign(ticket, staff_user, by=staff_user)
    services.add_reply(ticket, author=staff_user, body="SECRET-NOTE do not share", internal=True)
    services.add_reply(ticket, author=staff_user, body="We restarted the pool.")
    services.change_priority(ticket, "P1", by=staff_user, reason="Revenue impact")
    page = owner_client.get(ticket.get_absolute_url()).content.decode()
    assert "We restarted the pool." in page and "SECRET-NOTE" not in page
    assert staff_user.display_name in page and staff_user.email not in page
    assert "Priority changed from P2 — Normal to P1 — High" in page
    assert "Assigned" not in page  # staff-only timeline entries stay in the back office


def test_internal_note_attachment_is_not_downloadable(owner_client, ticket, staff_user):
    note = services.add_reply(
        ticket, author=staff_user, body="see log", internal=True, attachments=[upload("secret.txt")]
    )
    attachment = note.attachments.get()
    assert owner_client.get(attachment.get_absolute_url()).status_code == 404


def test_reply_with_attachment_and_reopen_pending(owner_client, ticket, staff_user):
    services.change_status(ticket, Ticket.Status.PENDING, by=staff_user)
    response = owner_client.post(
        reverse("tickets:reply", args=[ticket.reference]),
        {"body": "Here it is", "attachments": [upload("more.txt")]},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.messages.last().body == "Here it is"
    assert ticket.attachments.filter(name="more.txt").exists()


def test_empty_reply_is_refused_with_a_message(owner_client, ticket):
    response = owner_client.post(reverse("tickets:reply", args=[ticket.reference]), {"body": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()


def test_mark_solved_reopen_and_closed_offers_follow_up(owner_client, ticket, staff_user):
    owner_client.post(reverse("tickets:solve", args=[ticket.reference]))
    ticket.refresh_from_db()
    assert ticket.status == "solved"
    owner_client.post(reverse("tickets:reopen", args=[ticket.reference]))
    ticket.refresh_from_db()
    assert ticket.status == "open"
    services.change_status(ticket, Ticket.Status.CLOSED, by=staff_user)
    owner_client.post(reverse("tickets:reopen", args=[ticket.reference]))
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    page = owner_client.get(ticket.get_absolute_url()).content.decode()
    assert f"?follow_up={ticket.reference}" in page
    form = owner_client.get(f"/tickets/new/?follow_up={ticket.reference}").content.decode()
    assert f'value="{ticket.reference}"' in form
    owner_client.post("/tickets/new/", new_ticket_data(follow_up=ticket.reference))
    assert Ticket.objects.get(follow_up_of=ticket)


def test_more_urgent_needs_a_reason_and_is_limited(owner_client, ticket, settings):
    settings.TICKET_URGENT_REQUESTS_PER_DAY = 1
    url = reverse("tickets:urgent", args=[ticket.reference])
    assert owner_client.post(url, {"reason": ""}).status_code == 400
    owner_client.post(url, {"reason": "Customers cannot pay"})
    ticket.refresh_from_db()
    assert ticket.needs_attention and ticket.priority == "P1"
    response = owner_client.post(url, {"reason": "Again"}, follow=True)
    assert "already asked several times today" in response.content.decode()
    assert ticket.events.filter(kind="urgent").count() == 1


def test_actions_need_post(owner_client, ticket):
    for name in ("reply", "solve", "reopen", "urgent"):
        assert (
            owner_client.get(reverse(f"tickets:{name}", args=[ticket.reference])).status_code == 405
        )


# --- another organisation ----------------------------------------------------------------------


def test_another_organisations_ticket_attachment_reply_and_actions_are_404(
    client, outsider, ticket, owner
):
    services.add_reply(ticket, author=owner, body="log", attachments=[upload("log.txt")])
    attachment = Attachment.objects.get()
    client.force_login(outsider)
    ref = ticket.reference
    assert client.get(ticket.get_absolute_url()).status_code == 404
    assert client.get(attachment.get_absolute_url()).status_code == 404
    for name, data in [
        ("reply", {"body": "hi"}),
        ("solve", {}),
        ("reopen", {}),
        ("urgent", {"reason": "x"}),
    ]:
        response = client.post(reverse(f"tickets:{name}", args=[ref]), data)
        assert response.status_code == 404, name
    follow_up_form = client.get(f"/tickets/new/?follow_up={ref}").content.decode()
    assert f'value="{ref}"' not in follow_up_form and "Follow-up to" not in follow_up_form
    assert "No tickets match" in client.get(f"/tickets/?q={ref}").content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.messages.count() == 2


def test_attachment_downloads_are_safe(owner_client, ticket, owner):
    services.add_reply(
        ticket, author=owner, body="x", attachments=[upload("notes.txt", b"<script>")]
    )
    attachment = Attachment.objects.get()
    response = owner_client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content) == b"<script>"


def test_script_payloads_come_out_inert(owner_client, send_queued_mail):
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>[x](javascript:alert(3))"
    owner_client.post(
        "/tickets/new/",
        new_ticket_data(
            subject=payload[:200],
            description=payload,
            what_was_tried=payload,
            attachments=[upload('"><script>alert(4)</script>.txt')],
        ),
    )
    ticket = Ticket.objects.get()
    pages = [
        owner_client.get(ticket.get_absolute_url()).content.decode(),
        owner_client.get("/tickets/").content.decode(),
    ]
    for page in pages:
        assert "<script>alert" not in page
        assert "onerror=" not in page.replace("onerror=alert(2)&gt;", "")
        assert 'href="javascript:' not in page
    assert "<script>" not in ticket.attachments.get().name
    for message in send_queued_mail():
        for html, _type in message.alternatives:
            assert "<script>alert" not in html and 'href="javascript:' not in html


def test_member_of_two_organisations_sees_only_the_current_one(client, owner, ticket, outsider):
    from accounts.models import Membership

    other_org = outsider.memberships.get().organization
    Membership.objects.create(user=owner, organization=other_org, role="owner")
    owner.current_organization = other_org
    owner.save()
    client.force_login(owner)
    assert client.get(ticket.get_absolute_url()).status_code == 404


def test_dashboard_panel_lists_open_tickets(owner_client, ticket):
    page = owner_client.get("/").content.decode()
    assert "Open tickets" in page and ticket.reference in page


def test_ticket_emails_link_with_site_url(ticket, send_queued_mail, settings):
    mails = send_queued_mail()
    assert any(settings.SITE_URL + ticket.get_absolute_url() in m.body for m in mails)


def test_customers_never_reach_the_admin(owner_client):
    response = owner_client.get("/admin/tickets/ticket/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_new_user_without_tickets_sees_the_empty_state(client, organization):
    user = make_user("new@acme.example")
    organization.memberships.create(user=user, role="member")
    client.force_login(user)
    assert "No tickets yet" in client.get("/tickets/").content.decode()


def test_json_answer_has_public_messages_only_and_is_scoped(
    owner_client, client, outsider, ticket, staff_user
):
    services.add_reply(ticket, author=staff_user, body="SECRET-NOTE", internal=True)
    services.add_reply(ticket, author=staff_user, body="Public 网站 answer")
    url = reverse("tickets:data", args=[ticket.reference])
    response = owner_client.get(url)
    assert response.status_code == 200
    data = response.json()
    assert [m["body"] for m in data["messages"]][-1] == "Public 网站 answer"
    assert "SECRET-NOTE" not in response.content.decode()
    assert data["reference"] == ticket.reference
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_dashboard_puts_what_waits_on_the_customer_first_then_urgency(owner_client, open_ticket):
    from datetime import timedelta

    from django.utils import timezone

    long_ago = timezone.now() - timedelta(days=3)
    waiting = open_ticket(subject="Waiting P1", priority="P1")
    Ticket.objects.filter(pk=waiting.pk).update(status="pending", last_activity_at=long_ago)
    urgent = open_ticket(subject="Old P0", priority="P0")
    Ticket.objects.filter(pk=urgent.pk).update(last_activity_at=long_ago)
    for number in range(6):
        open_ticket(subject=f"Fresh P3 {number}", priority="P3")
    page = owner_client.get("/").content.decode()
    attention = page.index("Needs your attention")
    assert attention < page.index("Waiting P1") < page.index("Open tickets")
    assert page.index("Open tickets") < page.index("Old P0") < page.index("Fresh P3")
    assert page.count("Fresh P3") == 4  # five open tickets shown, the most urgent first
