"""Ticket emails are written by a django-q2 task from one durable row stored with the change:
the submit stays a handful of queries, and nothing is lost between the request and the worker."""

import re
import secrets
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from accounts.staff_groups import AGENTS
from conftest import make_organization, make_user
from support.outbox.models import OutboxMessage
from support.tickets import notify, services
from support.tickets.models import Category, Notification, Ticket

from .conftest import bulk_tickets

pytestmark = pytest.mark.django_db

# The submit: the session, the user with their membership and organisation (one query:
# accounts/backends.py); one statement writing the ticket, its first message, the timeline
# entry and the notification row (portal/inserts.py; with django-q2's database broker, the
# task's row too), between SAVEPOINT and RELEASE here because a test runs in a transaction
# (in a request, the statement commits alone: three queries). The category with its team, the
# SLA policy with its calendar and holidays and whether the organisation listens for webhooks
# come from the cache of the ticket setup (support/tickets/cache.py: with a shared cache, one
# version check a second at most).
SUBMIT_QUERIES = 5
# The form: the session, the user with their membership. The categories, the priorities'
# targets (SLA policies) and the other fields of an empty form are drawn once per language and
# tier, the services once per organisation and the colleagues once per person, until they
# change; ongoing incidents for the notice are looked for only when the status page's cache
# knows of some.
FORM_QUERIES = 2


def submit_data():
    return {
        "category": Category.objects.get(slug="website-down").pk,
        "priority": "P2",
        "subject": "Shop is down",
        "description": "Every page answers 502.",
        "form_token": secrets.token_urlsafe(24),
    }


def tier1_agents(count, **fields):
    group = Group.objects.get(name=AGENTS)
    people = [
        make_user(f"tier1-{number}@support.example", is_staff=True, **fields)
        for number in range(count)
    ]
    for person in people:
        person.groups.add(group)
    return people


def more_of_everything(scale, organization, owner):
    tier1_agents(scale)
    for number in range(scale):
        make_organization(f"Other {number}")
    bulk_tickets(scale * 10, organization, owner)


def submit_queries(client, monkeypatch, django_capture_on_commit_callbacks):
    """The queries of one submit and of what runs right after its commit (the task's
    enqueueing aside: in tests django-q2 would run the task then and there). The first
    submit fills the cache of the ticket setup (three queries more); the next is counted."""
    monkeypatch.setattr(notify, "schedule_sending", lambda: None)
    assert client.post("/tickets/new/", submit_data()).status_code == 302
    data = submit_data()
    capture = CaptureQueriesContext(connection)
    with capture as queries, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/tickets/new/", data)
    assert response.status_code == 302
    return len(queries)


@pytest.mark.parametrize("scale", [1, 30])
def test_submit_takes_the_same_few_queries_however_many_agents_organisations_and_tickets(
    scale, owner_client, organization, owner, monkeypatch, django_capture_on_commit_callbacks
):
    more_of_everything(scale, organization, owner)
    count = submit_queries(owner_client, monkeypatch, django_capture_on_commit_callbacks)
    assert count == SUBMIT_QUERIES
    assert Notification.objects.count() == 2 and not OutboxMessage.objects.exists()


@pytest.mark.parametrize("scale", [1, 30])
def test_the_form_takes_the_same_few_queries_however_many_agents_and_tickets(
    scale, owner_client, organization, owner, django_assert_num_queries
):
    more_of_everything(scale, organization, owner)
    organization.services.create(name="web01", kind="vps")
    owner_client.get("/tickets/new/")  # fills the cache of the empty form's parts
    with django_assert_num_queries(FORM_QUERIES):
        response = owner_client.get("/tickets/new/")
    assert response.status_code == 200


def test_a_changed_sla_policy_category_or_endpoint_applies_to_the_next_ticket_at_once(
    owner_client, organization, owner, django_capture_on_commit_callbacks
):
    from support.tickets.models import SlaPolicy
    from support.webhooks.models import Delivery, Endpoint

    owner_client.post("/tickets/new/", submit_data())  # everything cached
    policy = SlaPolicy.objects.get(tier=organization.tier, priority="P2")
    policy.first_response_minutes, policy.calendar = 17, None
    policy.save()
    category = Category.objects.get(slug="website-down")
    category.name = "Site down"
    category.save()
    Endpoint.objects.create(
        organization=organization, url="https://hooks.example/x", events=["ticket.created"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/tickets/new/", {**submit_data(), "subject": "Second"})
    ticket = Ticket.objects.get(subject="Second")
    assert ticket.first_response_due_at == ticket.created_at + timedelta(minutes=17)
    assert ticket.category.name == "Site down"
    assert Delivery.objects.filter(event_type="ticket.created").count() == 1
    category.is_active = False
    category.save()
    refused = owner_client.post("/tickets/new/", {**submit_data(), "subject": "Third"})
    assert refused.status_code == 200 and not Ticket.objects.filter(subject="Third").exists()


def test_the_worker_tells_the_customer_and_the_team_in_their_languages(
    owner_client, owner, send_queued_mail
):
    english = tier1_agents(1)[0]
    chinese = make_user("zh@support.example", is_staff=True, language="zh-hans")
    chinese.groups.add(Group.objects.get(name=AGENTS))
    owner_client.post("/tickets/new/", submit_data())
    ticket = Ticket.objects.get()
    assert not OutboxMessage.objects.exists()  # nothing written in the request
    mails = {m.to[0]: m for m in send_queued_mail()}
    assert set(mails) == {owner.email, english.email, chinese.email}
    assert mails[owner.email].subject == f"[{ticket.reference}] Received: Shop is down"
    assert mails[english.email].subject.startswith(f"[{ticket.reference}] New ticket")
    assert "新建工单" in mails[chinese.email].subject
    assert "Every page answers 502." in mails[chinese.email].body
    assert not Notification.objects.exists()


def test_a_lost_task_or_a_dead_worker_loses_nothing(ticket, agent, monkeypatch, send_queued_mail):
    """The row commits with the ticket; a worker that dies while writing rolls back and
    leaves it; the run every minute writes the emails, once."""
    from django_q.models import Schedule

    assert Schedule.objects.filter(func="support.tickets.notify.send_pending", minutes=1).exists()
    assert Notification.objects.filter(ticket=ticket).count() == 1  # its task never ran

    def crash(batch):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(notify.Batch, "send", crash)
    with pytest.raises(RuntimeError):
        notify.send_pending()
    assert Notification.objects.count() == 1 and not OutboxMessage.objects.exists()
    monkeypatch.undo()
    assert notify.send_pending() == 2  # the confirmation and the agent
    assert notify.send_pending() == 0
    assert sorted(m.to[0] for m in send_queued_mail()) == sorted(
        [agent.email, ticket.requester.email]
    )


def test_every_ticket_email_takes_the_same_path(ticket, agent, owner, send_queued_mail):
    send_queued_mail()
    written = OutboxMessage.objects.count()
    services.add_reply(ticket, author=agent, body="Looking into it")
    services.change_status(ticket, Ticket.Status.PENDING, by=agent)
    services.add_reply(ticket, author=owner, body="Thanks")
    services.escalate(ticket, by=agent, reason="Needs an engineer")
    services.request_urgency(ticket, by=owner, reason="Shop still down")
    assert Notification.objects.count() == 5 and OutboxMessage.objects.count() == written
    # The customer gets the reply and "waiting"; recipients are worked out when the emails
    # are written, so the customer's reply goes to the ticket's handlers by then: tier 2
    # after the escalation, nobody here (no engineers, no account manager).
    assert notify.send_pending() == 2
    assert not Notification.objects.exists()


def test_many_notifications_are_written_in_batches(organization, owner, agent, send_queued_mail):
    for number in range(7):
        services.open_ticket(
            organization=organization, requester=owner, subject=f"T{number}", description="x"
        )
    assert notify.send_pending(batch_size=3) == 14
    assert len(send_queued_mail()) == 14


def test_the_empty_forms_choices_are_drawn_once_per_language_until_they_change(
    client, owner, organization, django_assert_num_queries
):
    from support.tickets.models import SlaPolicy

    client.force_login(owner)
    client.get("/tickets/new/")
    with django_assert_num_queries(FORM_QUERIES):
        page = client.get("/tickets/new/").text
    assert "Address (URL) of the affected site" in page and 'data-slug="website-down"' in page
    owner.language = "zh-hans"
    owner.save()
    page = client.get("/tickets/new/").text
    assert "受影响网站的地址（URL）" in page and "affected site" not in page
    category = Category.objects.get(slug="website-down")
    category.name_zh_hans = "网站打不开了"
    category.save()
    policy = SlaPolicy.objects.get(tier=organization.tier, priority="P2")
    policy.first_response_minutes = 17
    policy.calendar = None
    policy.save()
    page = client.get("/tickets/new/").text
    assert "网站打不开了" in page and "17 分钟" in page
    sent = client.post("/tickets/new/", {**submit_data(), "subject": ""})  # errors: not cached
    assert 'name="extra__website-down__url"' in sent.text
    chosen = client.get("/tickets/new/?category=email").text  # chosen beforehand: not cached
    email = Category.objects.get(slug="email")
    assert f'<option value="{email.pk}" selected data-slug="email">' in chosen


def test_the_empty_forms_services_and_colleagues_follow_changes(
    client, owner, member, organization, outsider
):
    def form(person, query=""):
        client.force_login(person)
        page = client.get(f"/tickets/new/{query}").text
        return page[
            page.index('class="ticket-form"') : page.index(
                "</form>", page.index('class="ticket-form"')
            )
        ]

    web01 = organization.services.create(name="web01", kind="vps")
    page = form(owner)
    assert "web01" in page and "Max Member" in page and "Olivia Owner" not in page
    page = form(member)  # their own colleagues, not the owner's
    assert "web01" in page and "Olivia Owner" in page and "Max Member" not in page
    page = form(outsider)
    assert "web01" not in page and "Max Member" not in page and "Olivia" not in page
    web01.is_active = False
    web01.save()
    organization.services.create(name="db02", kind="vps")
    member.full_name = "Maxine Member"
    member.save()
    newcomer = make_user("nina@acme.example", full_name="Nina Newcomer")
    Membership.objects.create(user=newcomer, organization=organization)
    page = form(owner)
    assert "web01" not in page and "db02" in page
    assert "Maxine Member" in page and "Nina Newcomer" in page
    service = organization.services.get(name="db02")
    chosen = form(owner, f"?service={service.pk}")  # chosen beforehand: drawn afresh
    assert f'<option value="{service.pk}" selected>db02</option>' in chosen
    Membership.objects.filter(user=newcomer).delete()
    assert "Nina Newcomer" not in form(owner)
    sent = client.post("/tickets/new/", {**submit_data(), "subject": "", "cc": [member.pk]})
    assert re.search(rf'name="cc" value="{member.pk}" id="id_cc_\d+" checked>', sent.text)


@pytest.fixture
def database_queue(monkeypatch):
    """django-q2 with its database broker, tasks queued rather than run at once (production
    without Redis)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")


def test_a_submit_is_three_queries_and_its_task_commits_with_it(
    transactional_db, owner, organization, database_queue
):
    """Outside a test's transaction, as in a request: the session, the user, and one statement
    that writes the ticket with everything else (no BEGIN, no COMMIT); the worker finds the task
    row, which commits with the notification, and writes the emails."""
    from django.test import Client
    from django_q.brokers import get_broker
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    client = Client()
    client.force_login(owner)
    client.post("/tickets/new/", submit_data())  # fills the cache of the ticket setup
    OrmQ.objects.all().delete()
    data = {**submit_data(), "subject": "Second"}
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/tickets/new/", data)
    assert len(queries) == 3, [query["sql"][:60] for query in queries]
    ticket = Ticket.objects.get(subject="Second")
    assert response.status_code == 302 and response.url == ticket.get_absolute_url()
    assert ticket.messages.get().body == "Every page answers 502."
    assert ticket.events.get().kind == "created" and ticket.first_response_due_at
    notification = Notification.objects.get(ticket=ticket)
    assert notification.message == ticket.messages.get()
    [(_id, package)] = get_broker().dequeue()  # what a cluster's broker hands its workers
    task = SignedPackage.loads(package)
    assert task["func"] == "support.tickets.notify.send_pending" and not task["args"]
    assert notify.send_pending() == 2  # each ticket's confirmation (no Tier 1 agents here)
    assert not Notification.objects.exists() and OutboxMessage.objects.count() == 2


def test_a_taken_reference_writes_nothing_and_the_next_try_succeeds(
    owner, organization, monkeypatch
):
    """The one statement fails whole on a reference taken meanwhile (in the test's
    transaction: rolled back to its savepoint) and is sent again with another."""
    first = services.open_ticket(
        organization=organization, requester=owner, subject="First", description="x"
    )
    field = Ticket._meta.get_field("reference")
    monkeypatch.setattr(field, "_get_default", lambda: first.reference)
    monkeypatch.setattr(services, "new_reference", lambda: "NEW-0001")
    second = services.open_ticket(
        organization=organization, requester=owner, subject="Second", description="y"
    )
    assert second.reference == "NEW-0001"
    assert Ticket.objects.count() == 2 and Notification.objects.count() == 2
    assert second.messages.get().body == "y" and second.events.count() == 1
    assert Ticket.objects.get(reference="NEW-0001").subject == "Second"
