"""One rule for who may see, post on and receive a ticket (access.py), whichever the door."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership, remove_membership
from conftest import make_organization, make_user
from support.tickets import access, services
from support.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def remove(user, organization):
    remove_membership(Membership.objects.get(user=user, organization=organization))


def recipients(mails, ticket):
    return {address for m in mails if f"[{ticket.reference}]" in m.subject for address in m.to}


def test_owners_see_everything_members_what_they_are_on(owner, member, open_ticket):
    colleague_ticket = open_ticket(subject="Owner's own")
    copied = open_ticket(subject="Member copied", cc=[member])
    assert access.may_see(owner, colleague_ticket) and access.may_post(owner, copied)
    assert not access.may_see(member, colleague_ticket)
    assert access.may_post(member, copied)


def test_a_removed_member_loses_the_web_and_the_emails_of_her_own_ticket(
    client, owner, member, organization, agent, open_ticket, send_queued_mail
):
    """Finding 2, on the web and in notifications: her own ticket, and one she is copied on."""
    hers = open_ticket(requester=member, subject="Member's own")
    copied = open_ticket(subject="Copied", cc=[member])
    make_organization("Elsewhere", owner=member)  # she still has an account and a company
    before = len(send_queued_mail())
    remove(member, organization)

    client.force_login(member)
    assert client.get(hers.get_absolute_url()).status_code == 404
    assert not access.may_post(member, hers) and not access.may_see(member, copied)
    services.add_reply(copied, author=agent, body="Done.")
    services.change_status(hers, Ticket.Status.SOLVED, by=agent)
    mails = send_queued_mail()[before:]
    assert member.email not in recipients(mails, copied) | recipients(mails, hers)
    assert owner.email in recipients(mails, copied)


def test_people_removed_from_the_copy_list_get_nothing_more(
    owner, member, agent, open_ticket, send_queued_mail
):
    ticket = open_ticket(cc=[member])
    received = send_queued_mail()
    assert member.email in recipients(received, ticket)  # "received"
    ticket.cc.remove(member)
    services.add_reply(ticket, author=agent, body="Looking into it.")
    services.change_status(ticket, Ticket.Status.PENDING, by=agent)
    mails = send_queued_mail()[len(received) :]
    assert recipients(mails, ticket) == {owner.email}


def test_copied_people_who_left_the_organisation_are_not_emailed(
    owner, member, agent, open_ticket, send_queued_mail
):
    ticket = open_ticket(cc=[member])
    remove(member, ticket.organization)
    assert access.email_recipients(ticket) == [owner]
    assert access.email_recipients(ticket, exclude=owner) == []


def test_the_requester_comes_first_and_the_questions_take_one_query_each(
    owner, organization, open_ticket
):
    people = [make_user(f"colleague{n}@acme.example") for n in range(8)]
    for person in people:
        Membership.objects.create(user=person, organization=organization)
    ticket = open_ticket(cc=people)
    with CaptureQueriesContext(connection) as queries:
        found = access.email_recipients(ticket)  # one SELECT of users with a membership
        posters = access.posters(ticket)  # one SELECT of memberships
    assert len(queries) == 2
    assert found[0] == owner and {p.pk for p in found} == {owner.pk, *(p.pk for p in people)}
    assert posters == {owner.pk, *(p.pk for p in people)}


def test_staff_reasons_for_a_priority_change_stay_on_the_staff_side(owner_client, agent, ticket):
    """Finding 12: the timeline shows customers the change, never the staff's reason."""
    reason = "Customer keeps exaggerating; internal only"
    services.change_priority(ticket, "P1", by=agent, reason=reason)
    services.escalate(ticket, by=agent, reason="Needs root on web-02")
    page = owner_client.get(ticket.get_absolute_url()).content.decode()
    data = owner_client.get(ticket.get_absolute_url() + "data.json").content.decode()
    for shown in (page, data):
        assert "Priority changed from" in shown
        assert reason not in shown and "Needs root" not in shown
    event = ticket.events.get(kind="priority")
    assert reason in event.describe()  # staff read it in the back office


def test_no_survey_for_a_requester_who_left_the_organisation(
    member, organization, agent, open_ticket, send_queued_mail
):
    from support.surveys.services import send_csat_survey

    ticket = open_ticket(requester=member)
    before = len(send_queued_mail())
    remove(member, organization)
    services.change_status(ticket, Ticket.Status.SOLVED, by=agent)
    assert send_csat_survey(ticket) is None
    assert member.email not in {a for m in send_queued_mail()[before:] for a in m.to}
