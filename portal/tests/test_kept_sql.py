"""Querysets whose SQL is written once and then run with new values (portal/kept_sql.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import User
from portal.kept_sql import KeptQuery
from support.tickets.admin import messages_with_files
from support.tickets.models import Attachment, Message, Ticket

pytestmark = pytest.mark.django_db


def new_ticket(organization, owner, reference):
    return Ticket.objects.create(
        reference=reference,
        organization=organization,
        requester=owner,
        created_by=owner,
        subject=f"Ticket {reference}",
        description="Shop is down.",
    )


def test_the_kept_sql_reads_each_calls_rows(organization, owner, member):
    first = new_ticket(organization, owner, "KEPT-0001")
    second = new_ticket(organization, owner, "KEPT-0002")
    Message.objects.create(ticket=first, author=owner, body="First ticket's message")
    reply = Message.objects.create(ticket=second, author=member, body="Second ticket's reply")
    Attachment.objects.create(
        ticket=second,
        message=reply,
        file="a/log.txt",
        name="log.txt",
        size=3,
        content_type="text/plain",
    )

    for ticket in (first, second, first):
        with CaptureQueriesContext(connection) as kept:
            rows = messages_with_files(ticket.pk)
        with CaptureQueriesContext(connection) as built:
            expected = list(messages_with_files.build(ticket.pk))
        assert [kept_query["sql"] for kept_query in kept] == [q["sql"] for q in built]
        assert [(m.pk, m.body, m.author.email, m.files) for m in rows] == [
            (m.pk, m.body, m.author.email, m.files) for m in expected
        ]
    assert len(rows) == 1 and rows[0].body == "First ticket's message"
    assert messages_with_files(second.pk)[0].files == [
        {"pk": reply.attachments.get().pk, "name": "log.txt", "size": 3}
    ]
    assert all(messages_with_files.kept.values())  # the SQL was kept, not built each time


def test_values_of_each_kind_go_where_they_belong(organization, owner):
    new_ticket(organization, owner, "KEPT-0001")
    other = new_ticket(organization, owner, "KEPT-0002")
    by_reference = KeptQuery(
        lambda organization_id, reference, exclude_id: Ticket.objects.filter(
            organization_id=organization_id, reference=reference
        ).exclude(pk=exclude_id)
    )
    assert by_reference(organization.pk, "KEPT-0002", 0) == [other]
    assert by_reference(organization.pk, "KEPT-0002", other.pk) == []
    assert by_reference(organization.pk + 1, "KEPT-0002", 0) == []
    assert by_reference(organization.pk, "KEPT-0001", other.pk)[0].reference == "KEPT-0001"
    assert all(by_reference.kept.values())


def test_a_query_that_reads_the_clock_is_built_each_time(organization, owner):
    ticket = new_ticket(organization, owner, "KEPT-0001")
    created_before_now = KeptQuery(
        lambda pk: Ticket.objects.filter(pk=pk, created_at__lte=timezone.now())
    )
    assert created_before_now(ticket.pk) == [ticket]
    assert list(created_before_now.kept.values()) == [()]  # not kept: it would stop the clock
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=timezone.now() + timezone.timedelta(seconds=1)
    )
    assert created_before_now(ticket.pk) == []


def test_the_sql_is_kept_per_language(owner):
    User.objects.filter(pk=owner.pk).update(language="zh-hans")
    in_the_readers_language = KeptQuery(
        lambda pk: User.objects.filter(pk=pk, language=translation.get_language())
    )
    with translation.override("en"):
        assert in_the_readers_language(owner.pk) == []
    with translation.override("zh-hans"):
        assert in_the_readers_language(owner.pk) == [owner]
