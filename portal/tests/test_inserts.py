"""Rows of several tables in one statement (portal/inserts.py)."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from portal.inserts import insert_together
from support.tickets.models import Message, Ticket, TimelineEvent

pytestmark = pytest.mark.django_db


def new_rows(organization, owner, reference="ROW-0001"):
    ticket = Ticket(
        reference=reference,
        organization=organization,
        requester=owner,
        created_by=owner,
        subject="Shop is down",
        description="Every page answers 502.",
    )
    message = Message(ticket=ticket, author=owner, body="Every page answers 502.")
    first = Message(ticket=ticket, author=owner, body="And the checkout.")
    event = TimelineEvent(ticket=ticket, kind=TimelineEvent.Kind.CREATED, data={"channel": "web"})
    return ticket, message, first, event


def test_a_ticket_its_messages_and_its_event_are_one_statement(organization, owner):
    from django.db import connection

    saved = []

    def remember(sender, instance, created, **kwargs):
        saved.append((sender.__name__, instance.pk, created))

    ticket, message, other, event = new_rows(organization, owner)
    post_save.connect(remember, dispatch_uid="test-inserts")
    try:
        with CaptureQueriesContext(connection) as queries:
            insert_together([ticket, message, other, event])
    finally:
        post_save.disconnect(dispatch_uid="test-inserts")
    writes = [query["sql"] for query in queries if "INSERT" in query["sql"]]
    assert len(writes) == 1 and writes[0].startswith("WITH row0 AS (INSERT")
    assert queries[0]["sql"] == writes[0]  # then the receivers' reads (webhooks: endpoints)
    assert ticket.pk and message.ticket_id == ticket.pk and event.ticket_id == ticket.pk
    assert message.ticket is ticket and not ticket._state.adding
    assert list(Ticket.objects.get(pk=ticket.pk).messages.order_by("pk")) == [message, other]
    assert TimelineEvent.objects.get(ticket=ticket) == event
    assert saved == [
        ("Ticket", ticket.pk, True),
        ("Message", message.pk, True),
        ("Message", other.pk, True),
        ("TimelineEvent", event.pk, True),
    ]


def test_a_row_that_fails_writes_none_of_them(organization, owner):
    insert_together(new_rows(organization, owner)[:1])
    rows = new_rows(organization, owner)  # the same reference again
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_together(rows)
    assert Ticket.objects.count() == 1 and not Message.objects.exists()
    assert rows[0].pk is None and rows[1].pk is None


def test_a_row_must_come_after_the_row_it_points_at(organization, owner):
    ticket, message, _other, _event = new_rows(organization, owner)
    with pytest.raises(ValueError, match="before"):
        insert_together([message, ticket])
    assert not Ticket.objects.exists()
