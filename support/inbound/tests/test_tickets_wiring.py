"""End to end: real messages through ingest() into the real tickets app and outbox.

Replies are threaded to Message-IDs the portal really sent: a ticket is opened
with open_ticket, its delivered "ticket received" email gives the Message-ID,
and that goes in the fixture's In-Reply-To/References before it is ingested.
"""

import re

import pytest

from conftest import make_organization, make_user
from support.inbound.ingest import ingest
from support.inbound.models import InboundEmail
from support.tickets import services
from support.tickets.models import Message, Ticket

from .conftest import authenticated, message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]
Status, Action = InboundEmail.Status, InboundEmail.Action
FIXTURE_REFERENCE = b"K7F-3QX9"


@pytest.fixture
def ticket(organization, owner, member, send_queued_mail):
    ticket = services.open_ticket(
        organization=organization,
        requester=owner,
        subject="Website down",
        description="Our shop shows a 502 error.",
        cc=[member],
    )
    send_queued_mail()
    return ticket


def sent_message_id(send_queued_mail, ticket, to):
    """The Message-ID of the portal's last delivered email about `ticket` to `to`."""
    mails = [m for m in send_queued_mail() if m.to == [to] and f"[{ticket.reference}]" in m.subject]
    return mails[-1].message()["Message-ID"]


def threaded_to(raw, message_id, reference=None):
    """The fixture answering `message_id`: its own threading headers replaced."""
    head, separator, body = raw.partition(b"\r\n\r\n")
    head = re.sub(rb"(?im)^(In-Reply-To|References):.*\r\n(?:[ \t].*\r\n)*", b"", head + b"\r\n")
    ids = message_id.encode()
    head = b"In-Reply-To: %s\r\nReferences: %s\r\n%s" % (ids, ids, head.rstrip(b"\r\n"))
    raw = head + separator + body
    if reference:
        raw = raw.replace(FIXTURE_REFERENCE, reference.encode())
    return raw


def from_(raw, address):
    return re.sub(rb"(?m)^From: .*$", b"From: " + address.encode() + b"\r", raw, count=1)


def test_threaded_reply_lands_on_the_ticket_as_a_public_message(ticket, member, send_queued_mail):
    message_id = sent_message_id(send_queued_mail, ticket, member.email)
    entry = ingest(threaded_to(message("gmail_reply"), message_id), "imap")

    assert (entry.status, entry.action) == (Status.PROCESSED, Action.REPLY)
    assert (entry.ticket_reference, entry.threaded) == (ticket.reference, True)
    reply = ticket.messages.get(internal=False, author=member)
    assert reply.channel == "email"
    assert "raise the PHP memory_limit to 512M on the staging site?" in reply.body
    assert "We have restarted PHP-FPM" not in reply.body  # quoted history
    assert "Developer, Acme Corp" not in reply.body  # signature
    assert not ticket.messages.filter(internal=True).exists()


def test_the_first_email_of_the_thread_threads_too(ticket, owner, send_queued_mail):
    first = sent_message_id(send_queued_mail, ticket, owner.email)
    entry = ingest(threaded_to(message("apple_mail"), first), "imap")
    assert (entry.action, entry.ticket_reference, entry.threaded) == (
        Action.REPLY,
        ticket.reference,
        True,
    )
    assert entry.sender_verified_by == "token"
    assert ticket.messages.filter(author=owner, channel="email").count() == 1


def test_every_email_carries_a_reply_token_for_its_recipient(
    ticket, owner, member, send_queued_mail
):
    from support.inbound.authenticity import find_tokens

    mails = {
        m.to[0]: m.message() for m in send_queued_mail() if f"[{ticket.reference}]" in m.subject
    }
    for person in (owner, member):
        headers = mails[person.email]
        [token] = find_tokens(headers["Message-ID"])
        assert (token.reference, token.user_id) == (ticket.reference, person.pk)
        assert find_tokens(headers["Reply-To"]) == [token]
        assert headers["Reply-To"].startswith("support+") and len(headers["Reply-To"]) < 64 + 13
        assert headers["In-Reply-To"] == ticket.email_thread_id
    assert mails[owner.email]["Message-ID"] != mails[member.email]["Message-ID"]


def test_a_reply_to_the_reply_address_alone_is_verified(ticket, owner, send_queued_mail):
    """No In-Reply-To at all (a webmail that drops it): the token in To is enough."""
    reply_to = [m.message()["Reply-To"] for m in send_queued_mail() if m.to == [owner.email]][-1]
    raw = message("apple_mail").replace(
        b"To: Hosting Support <support@example.com>", b"To: " + reply_to.encode()
    )
    raw = re.sub(rb"(?im)^(In-Reply-To|References):.*\r?\n(?:[ \t].*\r?\n)*", b"", raw)
    entry = ingest(raw, "imap")
    assert (entry.action, entry.ticket_reference, entry.sender_verified_by) == (
        Action.REPLY,
        ticket.reference,
        "token",
    )


def test_the_thread_id_everyone_received_verifies_nobody(ticket, owner, send_queued_mail):
    """Staff and people copied in have the thread id too: it can't vouch for the requester."""
    send_queued_mail()
    entry = ingest(threaded_to(message("apple_mail"), ticket.email_thread_id), "imap")
    assert (entry.status, entry.related_ticket_reference, entry.sender_verified_by) == (
        Status.TRIAGE,
        ticket.reference,
        "",
    )
    assert not ticket.messages.filter(channel="email").exists()


def test_threaded_attachments_are_stored_and_refused_ones_listed_for_staff(
    ticket, owner, send_queued_mail, settings
):
    settings.TICKET_ATTACHMENT_MAX_BYTES = 100
    message_id = sent_message_id(send_queued_mail, ticket, owner.email)
    entry = ingest(threaded_to(message("attachments"), message_id), "imap")

    reply = ticket.messages.get(internal=False, author=owner, channel="email")
    assert "attached invoice lists a service we cancelled" in reply.body
    (stored,) = reply.attachments.all()
    assert (stored.name, stored.content_type, stored.size) == ("screenshot.png", "image/png", 70)
    note = ticket.messages.get(internal=True)
    assert "Rechnung übersicht.pdf (application/pdf, 193 bytes)" in note.body
    assert entry.refused_attachments == "Rechnung übersicht.pdf"


def test_decoded_file_names_reach_the_ticket(ticket, owner, send_queued_mail):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=owner, email="zhangzhe@shop.example", verified=True)
    message_id = sent_message_id(send_queued_mail, ticket, owner.email)
    ingest(threaded_to(message("foxmail_gbk"), message_id), "imap")
    reply = ticket.messages.get(internal=False, channel="email")
    assert "从今天早上开始打开非常慢" in reply.body
    assert [a.name for a in reply.attachments.all()] == ["错误日志.txt"]


def test_a_reply_to_a_merged_ticket_lands_on_the_ticket_it_was_merged_into(
    ticket, owner, agent, organization, send_queued_mail
):
    message_id = sent_message_id(send_queued_mail, ticket, owner.email)
    target = services.open_ticket(
        organization=organization, requester=owner, subject="Shop down", description="Again."
    )
    services.merge(ticket, target, by=agent)
    entry = ingest(threaded_to(message("apple_mail"), message_id), "imap")
    assert (entry.action, entry.ticket_reference) == (Action.REPLY, target.reference)


def test_a_forged_reply_with_the_reference_goes_to_triage_not_to_the_ticket(
    ticket, owner, agent, send_queued_mail
):
    """Finding 1: From the requester, [REF] in the subject, but nothing proves who sent it."""
    before = len(send_queued_mail())
    raw = message("outlook_reply").replace(FIXTURE_REFERENCE, ticket.reference.encode())
    entry = ingest(raw, "http")

    assert (entry.status, entry.action, entry.threaded) == (Status.TRIAGE, Action.TRIAGE, False)
    assert (entry.related_ticket_reference, entry.ticket_reference) == (ticket.reference, "")
    assert entry.sender_verified_by == ""
    assert entry.reason.startswith("Sender not verified")
    assert not ticket.messages.filter(channel="email").exists()
    new_mail = send_queued_mail()[before:]
    assert [m.to for m in new_mail] == [[agent.email]]  # only tier 1's triage notice


def test_a_reply_by_subject_with_the_domain_authenticated_is_added(ticket, owner, send_queued_mail):
    raw = message("outlook_reply").replace(FIXTURE_REFERENCE, ticket.reference.encode())
    entry = ingest(authenticated(raw), "imap")
    assert (entry.action, entry.threaded, entry.sender_verified_by) == (
        Action.REPLY,
        False,
        "dmarc",
    )
    reply = ticket.messages.get(internal=False, channel="email")
    assert reply.author == owner  # From, never Reply-To


def test_a_forged_authentication_header_below_the_servers_own_counts_for_nothing(
    ticket, owner, send_queued_mail
):
    raw = message("outlook_reply").replace(FIXTURE_REFERENCE, ticket.reference.encode())
    forged = authenticated(raw)  # written by the sender: below the trusted server's headers
    delivered = authenticated(
        b"Received: from mx.attacker.example by mx.support.example; Mon, 30 Nov 2026\r\n" + forged,
        result="dmarc=fail",
    )
    entry = ingest(delivered, "imap")
    assert (entry.status, entry.sender_verified_by) == (Status.TRIAGE, "")
    assert not ticket.messages.filter(channel="email").exists()


def test_an_authentication_header_from_another_server_counts_for_nothing(
    ticket, owner, send_queued_mail
):
    raw = message("outlook_reply").replace(FIXTURE_REFERENCE, ticket.reference.encode())
    entry = ingest(authenticated(raw, server="mx.attacker.example"), "imap")
    assert (entry.status, entry.sender_verified_by) == (Status.TRIAGE, "")


def test_a_strangers_reply_goes_to_triage_and_gets_no_email(
    ticket, member, outsider, agent, send_queued_mail
):
    message_id = sent_message_id(send_queued_mail, ticket, member.email)
    before = len(send_queued_mail())
    raw = from_(threaded_to(message("gmail_reply"), message_id), "outsider@globex.example")
    entry = ingest(raw, "imap")

    assert (entry.status, entry.action) == (Status.TRIAGE, Action.TRIAGE)
    assert (entry.related_ticket_reference, entry.ticket_reference) == (ticket.reference, "")
    assert not ticket.messages.filter(channel="email").exists()
    assert Ticket.objects.count() == 1
    new_mail = send_queued_mail()[before:]
    assert not [m for m in new_mail if "outsider@globex.example" in m.recipients()]
    [notice] = new_mail  # tier 1 learns that a message waits for them
    assert notice.to == [agent.email]
    assert "awaits triage" in notice.subject
    assert f"/admin/inbound/inboundemail/{entry.pk}/triage/" in notice.body


def test_a_staff_address_in_a_thread_goes_to_triage(ticket, member, agent, send_queued_mail):
    """Customers get the thread's Message-IDs, so a forged staff From must not post as staff."""
    message_id = sent_message_id(send_queued_mail, ticket, member.email)
    raw = from_(threaded_to(message("gmail_reply"), message_id), agent.email)
    entry = ingest(raw, "imap")
    assert (entry.status, entry.related_ticket_reference) == (Status.TRIAGE, ticket.reference)
    assert "staff address" in entry.reason
    assert not ticket.messages.filter(author=agent).exists()


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(ticket, member, agent, send_queued_mail):
    message_id = sent_message_id(send_queued_mail, ticket, member.email)
    services.change_status(ticket, Ticket.Status.SOLVED, by=agent)
    services.change_status(ticket, Ticket.Status.CLOSED, by=agent)
    entry = ingest(threaded_to(message("gmail_reply"), message_id), "imap")

    assert (entry.status, entry.action) == (Status.PROCESSED, Action.FOLLOW_UP)
    follow_up = Ticket.objects.get(reference=entry.ticket_reference)
    assert follow_up.follow_up_of == ticket
    assert (follow_up.organization, follow_up.requester) == (ticket.organization, member)
    assert (follow_up.channel, follow_up.priority) == ("email", "P2")
    assert "512M on the staging site" in follow_up.description
    assert not ticket.messages.filter(channel="email").exists()
    received = [m for m in send_queued_mail() if f"[{follow_up.reference}]" in m.subject]
    assert member.email in {address for m in received for address in m.to}


def test_a_new_email_from_a_known_person_opens_a_ticket_in_their_default_organisation(
    owner, organization, agent, send_queued_mail
):
    other = make_organization("Second Org", member=owner)
    owner.current_organization = organization
    owner.save()
    entry = ingest(authenticated(message("html_only")), "imap")

    assert (entry.status, entry.action) == (Status.PROCESSED, Action.NEW_TICKET)
    assert entry.sender_verified_by == "dmarc"
    ticket = Ticket.objects.get(reference=entry.ticket_reference)
    assert (ticket.organization, ticket.requester) == (organization, owner)
    assert ticket.organization != other
    assert (ticket.channel, ticket.priority, ticket.category.slug) == ("email", "P2", "question")
    assert ticket.category.name == "Question or advice"
    assert ticket.subject == "Pages missing after migration"
    assert "these pages answer 404 Not Found:" in ticket.description
    (received,) = [m for m in send_queued_mail() if m.to == [owner.email]]
    assert f"[{ticket.reference}]" in received.subject
    assert received.message()["In-Reply-To"] == ticket.email_thread_id


def test_a_forged_new_email_opens_no_ticket_and_sends_her_nothing(
    owner, organization, agent, send_queued_mail
):
    """Finding 1: without a reference, a forgery used to open a ticket as her and email her."""
    entry = ingest(message("html_only"), "http")

    assert (entry.status, entry.action, entry.sender_verified_by) == (
        Status.TRIAGE,
        Action.TRIAGE,
        "",
    )
    assert entry.reason.startswith("Sender not verified")
    assert Ticket.objects.count() == 0
    recipients = {address for m in send_queued_mail() for address in m.recipients()}
    assert recipients == {agent.email}


@pytest.mark.parametrize("name", ["out_of_office", "autoreply_x_header", "bounce"])
def test_auto_replies_and_bounces_open_nothing_and_send_nothing(
    name, ticket, owner, send_queued_mail
):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=owner, email="zhangzhe@shop.example", verified=True)
    message_id = sent_message_id(send_queued_mail, ticket, owner.email)
    before = len(send_queued_mail())
    entry = ingest(threaded_to(message(name), message_id, ticket.reference), "imap")

    assert entry.status == Status.IGNORED_AUTOMATIC
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(channel="email").count() == 0
    assert len(send_queued_mail()) == before


def test_the_same_message_twice_is_one_entry_and_one_reply(ticket, member, send_queued_mail):
    raw = threaded_to(
        message("gmail_reply"), sent_message_id(send_queued_mail, ticket, member.email)
    )
    first, second = ingest(raw, "imap"), ingest(raw, "pipe")
    assert first.pk == second.pk
    assert InboundEmail.objects.count() == 1
    assert ticket.messages.filter(channel="email").count() == 1


def test_the_portals_answers_to_an_emailed_ticket_thread(
    owner, organization, agent, send_queued_mail
):
    entry = ingest(authenticated(message("html_only")), "imap")
    ticket = Ticket.objects.get(reference=entry.ticket_reference)
    send_queued_mail()
    services.add_reply(ticket, author=agent, body="We are restoring the pages now.")
    (answer,) = [m for m in send_queued_mail() if "restoring the pages" in m.body]
    headers = answer.message()
    assert f"[{ticket.reference}]" in answer.subject
    assert headers["In-Reply-To"] == ticket.email_thread_id
    assert ticket.email_thread_id in headers["References"]
    # and the customer's answer to that email threads back onto the ticket
    reply = ingest(threaded_to(message("apple_mail"), headers["Message-ID"]), "imap")
    assert (reply.ticket_reference, reply.threaded) == (ticket.reference, True)


# Staff triage in the admin ---------------------------------------------------------


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def test_triage_queue_in_the_admin_shows_the_message(agent_client, send_queued_mail):
    entry = ingest(message("foxmail_gbk"), "imap")
    queue = agent_client.get("/admin/inbound/inboundemail/?status__exact=triage").content.decode()
    assert "Awaiting triage" in queue
    assert "回复: 网站打开很慢，后台超时" in queue
    page = agent_client.get(f"/admin/inbound/inboundemail/{entry.pk}/triage/").content.decode()
    assert "从今天早上开始打开非常慢" in page
    assert "错误日志.txt" in page
    assert 'value="zhangzhe@shop.example"' in page


def test_the_triage_action_opens_a_ticket_for_the_chosen_organisation_and_requester(
    agent_client, owner, organization, send_queued_mail
):
    entry = ingest(message("foxmail_gbk"), "imap")
    response = agent_client.post(
        f"/admin/inbound/inboundemail/{entry.pk}/triage/",
        {"what": "new_ticket", "organization": organization.pk, "requester_email": owner.email},
        follow=True,
    )
    entry.refresh_from_db()
    assert entry.status == Status.PROCESSED
    ticket = Ticket.objects.get(reference=entry.ticket_reference)
    assert f"The message is now on ticket {ticket.reference}." in response.content.decode()
    assert (ticket.organization, ticket.requester, ticket.channel) == (organization, owner, "email")
    assert "从今天早上开始打开非常慢" in ticket.description
    assert [a.name for a in ticket.attachments.all()] == ["错误日志.txt"]
    recipients = {address for m in send_queued_mail() for address in m.to}
    assert owner.email in recipients
    assert "zhangzhe@shop.example" not in recipients


def test_triage_refuses_a_requester_outside_the_organisation(agent_client, organization, outsider):
    entry = ingest(message("foxmail_gbk"), "imap")
    response = agent_client.post(
        f"/admin/inbound/inboundemail/{entry.pk}/triage/",
        {"what": "new_ticket", "organization": organization.pk, "requester_email": outsider.email},
    )
    assert "This person is not in that organisation." in response.content.decode()
    entry.refresh_from_db()
    assert (entry.status, Ticket.objects.count()) == (Status.TRIAGE, 0)


def test_triage_can_add_the_message_to_the_claimed_ticket(
    agent_client, ticket, member, outsider, send_queued_mail
):
    message_id = sent_message_id(send_queued_mail, ticket, member.email)
    raw = from_(threaded_to(message("gmail_reply"), message_id), "outsider@globex.example")
    entry = ingest(raw, "imap")
    agent_client.post(
        f"/admin/inbound/inboundemail/{entry.pk}/triage/",
        {"what": "claimed_ticket", "requester_email": member.email},
    )
    entry.refresh_from_db()
    assert (entry.status, entry.ticket_reference) == (Status.PROCESSED, ticket.reference)
    assert ticket.messages.filter(author=member, channel="email", internal=False).count() == 1


def test_staff_can_dismiss_messages_awaiting_triage(agent_client):
    entry = ingest(message("foxmail_gbk"), "imap")
    response = agent_client.post(
        "/admin/inbound/inboundemail/",
        {"action": "dismiss", "_selected_action": [entry.pk]},
        follow=True,
    )
    assert "1 message dismissed." in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == Status.DISMISSED
    assert Ticket.objects.count() == 0


def test_customers_cannot_reach_the_triage_page(client, owner):
    entry = ingest(message("foxmail_gbk"), "imap")
    client.force_login(owner)
    assert client.get(f"/admin/inbound/inboundemail/{entry.pk}/triage/").status_code == 302
    client.force_login(make_user("new-staff@support.example", is_staff=True))
    assert client.get(f"/admin/inbound/inboundemail/{entry.pk}/triage/").status_code == 403


def test_a_member_removed_from_the_organisation_neither_posts_nor_receives(
    ticket, member, agent, send_queued_mail
):
    """Finding 2: her own reply token still verifies her, but she may no longer post."""
    from accounts.models import Membership, remove_membership

    message_id = sent_message_id(send_queued_mail, ticket, member.email)
    remove_membership(Membership.objects.get(user=member, organization=ticket.organization))
    entry = ingest(threaded_to(message("gmail_reply"), message_id), "imap")

    assert (entry.status, entry.sender_verified_by) == (Status.TRIAGE, "token")
    assert "may not post on it" in entry.reason
    assert not ticket.messages.filter(author=member).exists()
    before = len(send_queued_mail())
    services.add_reply(ticket, author=agent, body="Fixed: PHP memory_limit is 512M now.")
    new_mail = send_queued_mail()[before:]
    assert [m.to for m in new_mail] == [[ticket.requester.email]]
    assert not [m for m in new_mail if member.email in m.recipients()]


def test_triage_adds_nothing_as_someone_who_left_the_organisation(
    agent_client, ticket, member, outsider, send_queued_mail
):
    from accounts.models import Membership, remove_membership

    message_id = sent_message_id(send_queued_mail, ticket, member.email)
    raw = from_(threaded_to(message("gmail_reply"), message_id), "outsider@globex.example")
    entry = ingest(raw, "imap")
    remove_membership(Membership.objects.get(user=member, organization=ticket.organization))
    response = agent_client.post(
        f"/admin/inbound/inboundemail/{entry.pk}/triage/",
        {"what": "claimed_ticket", "requester_email": member.email},
    )
    assert "may not post on this ticket" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == Status.TRIAGE
    assert not ticket.messages.filter(author=member).exists()
