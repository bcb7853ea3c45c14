"""A hand-computed October 2026 (31 days = 44,640 minutes) for the report tests.

Tickets of Acme Corp (business tier), all opened in October:
- 20 tickets; ticket i answered after 5·i minutes (5 … 100). Tickets 18–20 are P0 and
  missed their first-response target; the other 17 met it → 85.0 %.
  Median 52.5 min, 90th percentile 90.5 min (percentile_cont over 5, 10, … 100).
- Tickets 19 and 20 run on office hours (Mon–Fri 09:00–17:00 UTC) and were opened and
  answered on a weekend: 0 business minutes. Business times: 0, 0, 5, 10 … 90 →
  median 42.5, 90th percentile 80.5.
- Tickets 1–10 were solved after 60·i minutes (60 … 600); ticket 10 missed the
  resolution target → 9 of 10 = 90.0 %. Median 330, 90th percentile 546.
- Tickets 1–10 are Tier 1's (the agents' team) and Sam Support's, 11–20 Tier 2's and
  Eve Expert's; Sam wrote one public reply.
Plus one ticket on 30 September and one on 1 November (outside the month) and one of
Globex (another organisation).

Status page, October:
- "shop" runs on fra1-web and fra1-mysql; "acme.example" on dns; "backup box" on nothing.
- Critical on fra1-web 30 Sep 23:00 → 1 Oct 01:00: 60 minutes in October.
- Critical on fra1-mysql 10 Oct 10:00–11:00 overlapping a major one on fra1-web
  10:30–12:00: 60 + 60·0.3 = 78 minutes.
- Maintenance on fra1-web 20 Oct 02:00–06:00: not counted.
- Critical on dns 31 Oct 23:00 → 1 Nov 01:00: 60 minutes in October.
shop: 138 min → 99.690860…%; acme.example: 60 min → 99.865591…%;
Acme (any service down): 198 min → 99.556451…% < 99.9 → 10 % credit, plus 3 late P0 ×
5 % = 25 %.
"""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Organization, Service
from conftest import make_organization, make_user
from support.reports.models import CreditContract
from support.status.models import Component, Incident
from support.tickets.models import BusinessCalendar, Message, Team, Ticket

UTC = datetime.UTC
MONTH_MINUTES = 31 * 24 * 60


def at(month, day, hour=0, minute=0):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def make_ticket(organization, requester, created, **fields):
    ticket = Ticket.objects.create(
        organization=organization,
        requester=requester,
        subject=fields.pop("subject", "Shop is slow"),
        description="…",
        created_at=created,
        last_activity_at=created,
        **fields,
    )
    if ticket.first_response_at:
        ticket.first_response_business_minutes = ticket.business_minutes_since_opening(
            ticket.first_response_at
        )
    if ticket.resolved_at:
        ticket.resolution_business_minutes = ticket.business_minutes_since_opening(
            ticket.resolved_at
        )
    ticket.save()
    return ticket


@pytest.fixture
def october(organization, owner, outsider):
    organization.tier = Organization.Tier.BUSINESS
    organization.created_at = at(1, 1)
    organization.save()
    tier1, tier2 = Team.objects.get(name="Tier 1"), Team.objects.get(name="Tier 2")
    office = BusinessCalendar.objects.create(name="Test office hours", time_zone="UTC")
    sam = make_user("sam@support.example", full_name="Sam Support", is_staff=True)
    eve = make_user("eve@support.example", full_name="Eve Expert", is_staff=True)
    tickets = []
    for number in range(1, 21):
        if number >= 19:
            # Saturday 24 and Sunday 25 October, 10:00
            created = at(10, 5 + number, 10)
            calendar = office
        else:
            created = at(10, 1 + number, 8)
            calendar = None
        answered = created + datetime.timedelta(minutes=5 * number)
        solved = created + datetime.timedelta(minutes=60 * number) if number <= 10 else None
        tickets.append(
            make_ticket(
                organization,
                owner,
                created,
                priority="P0" if number >= 18 else ("P1" if number <= 5 else "P2"),
                team=tier1 if number <= 10 else tier2,
                assignee=sam if number <= 10 else eve,
                sla_calendar=calendar,
                first_response_at=answered,
                first_response_outcome="breached" if number >= 18 else "met",
                resolved_at=solved,
                solved_at=solved,
                status="solved" if solved else "open",
                resolution_outcome=("breached" if number == 10 else "met") if solved else "",
            )
        )
    Message.objects.create(ticket=tickets[0], author=sam, body="On it.", created_at=at(10, 2, 8, 5))
    make_ticket(
        organization, owner, at(9, 30, 12), priority="P0", first_response_outcome="breached"
    )
    make_ticket(
        organization, owner, at(11, 1, 0, 1), priority="P0", first_response_outcome="breached"
    )
    globex = Organization.objects.get(name="Globex")
    make_ticket(globex, outsider, at(10, 10), first_response_outcome="breached")

    shop = Service.objects.create(organization=organization, name="shop", kind="shared")
    domain = Service.objects.create(organization=organization, name="acme.example", kind="domain")
    Service.objects.create(organization=organization, name="backup box", kind="dedicated")
    web = Component.objects.create(name="Web", slug="fra1-web")
    mysql = Component.objects.create(name="MySQL", slug="fra1-mysql")
    dns = Component.objects.create(name="DNS", slug="dns")
    web.services.add(shop)
    mysql.services.add(shop)
    dns.services.add(domain)

    def incident(name, start, end, impact, components, kind="incident"):
        made = Incident.objects.create(
            name=name,
            kind=kind,
            impact=impact,
            status="resolved" if kind == "incident" else "completed",
            started_at=start,
            resolved_at=end,
            scheduled_for=start if kind == "maintenance" else None,
            scheduled_until=end if kind == "maintenance" else None,
        )
        made.components.set(components)
        return made

    incident("Web down over midnight", at(9, 30, 23), at(10, 1, 1), "critical", [web])
    incident("MySQL down", at(10, 10, 10), at(10, 10, 11), "critical", [mysql])
    incident("Web slow", at(10, 10, 10, 30), at(10, 10, 12), "major", [web])
    incident("Web maintenance", at(10, 20, 2), at(10, 20, 6), "maintenance", [web], "maintenance")
    incident("DNS down over midnight", at(10, 31, 23), at(11, 1, 1), "critical", [dns])

    CreditContract.objects.filter(tier="business").update(p0_response_credit=Decimal(5))
    return tickets


@pytest.fixture
def admin_user(db):
    return make_user("root@support.example", full_name="Root", is_staff=True, is_superuser=True)


@pytest.fixture
def second_organization(db):
    person = make_user("third@initech.example")
    return make_organization("Initech", Organization.Tier.ENTERPRISE, owner=person)
