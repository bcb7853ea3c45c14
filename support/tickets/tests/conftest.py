import pytest

from support.tickets.models import Category, new_reference


@pytest.fixture
def category(db):
    return Category.objects.get(slug="website-down")


def bulk_tickets(count, organization, requester, **fields):
    """Many tickets at once (bulk_create), for query-count and sweep tests."""
    from datetime import timedelta

    from django.utils import timezone

    from support.tickets.models import Message, Ticket

    existing = set(Ticket.objects.values_list("reference", flat=True))
    references = set()
    while len(references) < count:  # random references may collide in a bulk insert
        reference = new_reference()
        if reference not in existing:
            references.add(reference)
    references = sorted(references)
    now = timezone.now()
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                organization=organization,
                requester=requester,
                reference=references[number],
                subject=f"Bulk ticket {number}",
                description="Generated",
                last_activity_at=now - timedelta(seconds=number),
                **fields,
            )
            for number in range(count)
        ],
        batch_size=2000,
    )
    Message.objects.bulk_create(
        [Message(ticket=ticket, author=requester, body="Generated") for ticket in tickets],
        batch_size=2000,
    )
    return tickets
