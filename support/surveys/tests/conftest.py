import re

import pytest
from django.contrib.auth.models import Group

from accounts.staff_groups import AGENTS, ENGINEERS
from conftest import make_user
from support.tickets import services as ticket_services
from support.tickets.models import Category, Ticket


@pytest.fixture(autouse=True)
def run_tasks_at_once(monkeypatch):
    """django-q2 reads `sync` once at import, so the root conftest's setting doesn't reach it."""
    monkeypatch.setattr("django_q.tasks.Conf.SYNC", True)


@pytest.fixture
def agent(db):
    user = make_user("agent@support.example", full_name="Alex Agent", is_staff=True)
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
        return ticket_services.open_ticket(**values)

    return open_


@pytest.fixture
def ticket(open_ticket):
    return open_ticket()


@pytest.fixture
def solve(django_capture_on_commit_callbacks):
    """Solve a ticket the way staff do, running what waits for the commit (the CSAT task)."""

    def solve_(ticket, by=None):
        with django_capture_on_commit_callbacks(execute=True):
            ticket_services.change_status(ticket, Ticket.Status.SOLVED, by=by)
        return ticket

    return solve_


def links(text, kind="csat"):
    return re.findall(rf"https://support\.example\.com/surveys/{kind}/[^/\s\"]+/", text)


def path_of(url):
    return url.replace("https://support.example.com", "")
