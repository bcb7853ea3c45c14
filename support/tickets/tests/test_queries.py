"""List pages in a fixed number of queries, however many tickets there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from support.tickets import queues

from .conftest import bulk_tickets

pytestmark = pytest.mark.django_db


def count_queries(client, url):
    """A page's queries with the back office's counts worked out afresh (queues.recent)."""
    queues.recent.forget()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize(
    "url",
    ["/tickets/", "/tickets/?state=open&q=Bulk", "/tickets/?page=3"],
)
def test_customer_list_queries_do_not_grow_with_10000_tickets(
    owner_client, organization, owner, url
):
    bulk_tickets(30, organization, owner)
    few, _response = count_queries(owner_client, url)
    bulk_tickets(10_000, organization, owner)
    many, response = count_queries(owner_client, url)
    assert many == few
    assert len(response.context["page"].object_list) == 25


def test_member_list_queries_are_constant_too(client, organization, member, owner):
    bulk_tickets(30, organization, member)
    client.force_login(member)
    few, _response = count_queries(client, "/tickets/")
    bulk_tickets(10_000, organization, member)
    bulk_tickets(500, organization, owner)
    many, response = count_queries(client, "/tickets/")
    assert many == few
    assert response.context["page"].paginator.count == 10_030


@pytest.mark.parametrize(
    "url",
    [
        "/admin/tickets/ticket/",
        "/admin/tickets/ticket/?sla=at_risk&status__exact=new",
        "/admin/tickets/ticket/?q=Generated",
    ],
)
def test_admin_list_queries_do_not_grow_with_10000_tickets(
    client, agent, organization, owner, url, staff_user
):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(agent)
    now = timezone.now()
    sla = {"first_response_warn_at": now, "next_due_at": now + timedelta(hours=1)}
    bulk_tickets(30, organization, owner, assignee=staff_user, **sla)
    client.get(url)  # draws the kept fragments (filters, bulk actions) once per process
    few, _response = count_queries(client, url)
    bulk_tickets(10_000, organization, owner, assignee=staff_user, **sla)
    many, response = count_queries(client, url)
    assert many == few
    assert "Bulk ticket" in response.content.decode()


def test_ticket_page_queries_do_not_grow_with_the_conversation(
    owner_client, ticket, owner, staff_user
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from support.tickets import services

    def log(number):
        return SimpleUploadedFile(f"log-{number}.txt", b"error\n", content_type="text/plain")

    services.add_reply(ticket, author=staff_user, body="one", attachments=[log(0)])
    few, _response = count_queries(owner_client, ticket.get_absolute_url())
    for number in range(20):
        services.add_reply(
            ticket,
            author=owner if number % 2 else staff_user,
            body=f"reply {number}",
            attachments=[log(number), log(number + 100)],
        )
    many, response = count_queries(owner_client, ticket.get_absolute_url())
    # session, person with memberships; the ticket (with category, assignee, requester);
    # messages with authors, their attachments; people copied in; the public timeline
    assert many == few == 7
    page = response.content.decode()
    assert page.count(">log-119.txt</a>") == 1
    assert f"/tickets/{ticket.reference}/attachments/" in page
