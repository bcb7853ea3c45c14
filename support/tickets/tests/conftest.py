import pytest
from django.contrib.auth.models import Group

from accounts.staff_groups import AGENTS, ENGINEERS
from conftest import make_user
from support.tickets import services
from support.tickets.models import Category


@pytest.fixture
def agent(db):
    user = make_user("tier1@support.example", full_name="Tia Tier-One", is_staff=True)
    user.groups.add(Group.objects.get(name=AGENTS))
    return user


@pytest.fixture
def engineer(db):
    user = make_user("engineer@support.example", full_name="Erin Engineer", is_staff=True)
    user.groups.add(Group.objects.get(name=ENGINEERS))
    return user


@pytest.fixture
def category(db):
    return Category.objects.get(slug="website-down")


@pytest.fixture
def open_ticket(organization, owner):
    def open_(**fields):
        values = {
            "organization": organization,
            "requester": owner,
            "subject": "Shop is down",
            "description": "Our shop shows a 502 error.",
        }
        values.update(fields)
        return services.open_ticket(**values)

    return open_


@pytest.fixture
def ticket(open_ticket):
    return open_ticket()


def bulk_tickets(count, organization, requester, **fields):
    """Many tickets at once (bulk_create), for query-count and sweep tests."""
    from datetime import timedelta

    from django.utils import timezone

    from support.tickets.models import Message, Ticket

    now = timezone.now()
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                organization=organization,
                requester=requester,
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
