#!/usr/bin/env python
"""Seeds many tickets on PostgreSQL and prints the median time and queries of the ticket pages.

    DATABASE_URL=postgres://… .venv/bin/python scripts/bench_tickets.py [--tickets N] [--runs N]

It migrates the database it is given, adds an organisation "Bench Corp" with the
tickets (bulk_create, one message each; skipped when they are already there) and
times /tickets/, a ticket page, the back office's dashboard, every saved view of the queue,
a staff ticket page with 10 messages and a search by reference with Django's test client
in-process, so the figures are server time without the network. Each line also gives the
number of SQL queries of one request.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "1")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    if not settings.USING_POSTGRES:
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the figures only matter there).")

    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # allows the test client's host and keeps email in memory
    # Pages are measured as served in production: static URLs from collectstatic's manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    owner, agent, organization = people()
    started = time.monotonic()
    added = seed(organization, owner, args.tickets)
    if added:
        print(f"Seeded {added:,} tickets in {time.monotonic() - started:.1f} s")
    report(owner, agent, organization, args.runs)
    report_pages(owner, organization, args.runs)


def people():
    from django.contrib.auth.models import Group

    from accounts.models import Membership, Organization, User
    from accounts.staff_groups import AGENTS

    owner, _ = User.objects.get_or_create(email="bench-owner@example.com")
    agent, created = User.objects.get_or_create(
        email="bench-agent@example.com", defaults={"is_staff": True, "full_name": "Bench Agent"}
    )
    if created:
        agent.groups.add(Group.objects.get(name=AGENTS))
    organization, _ = Organization.objects.get_or_create(
        name="Bench Corp", defaults={"tier": Organization.Tier.BUSINESS}
    )
    Membership.objects.get_or_create(
        user=owner, organization=organization, defaults={"role": "owner"}
    )
    return owner, agent, organization


def seed(organization, owner, wanted):
    from django.db import transaction
    from django.utils import timezone

    from support.tickets.models import Category, Message, Priority, Team, Ticket

    existing = Ticket.objects.filter(organization=organization).count()
    missing = wanted - existing
    if missing <= 0:
        return 0
    now = timezone.now()
    from accounts.models import User

    ASSIGNEES[:] = [User.objects.get(email="bench-agent@example.com"), None, None]
    categories = list(Category.objects.all())
    teams = list(Team.objects.all())
    states = list(Ticket.Status.values)
    priorities = list(Priority.values)
    batch = 5000
    TAKEN.update(Ticket.objects.values_list("reference", flat=True))
    for start in range(0, missing, batch):
        size = min(batch, missing - start)
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create(
                [
                    bench_ticket(
                        number, organization, owner, now, categories, teams, states, priorities
                    )
                    for number in range(existing + start, existing + start + size)
                ]
            )
            Message.objects.bulk_create(
                Message(ticket=ticket, author=owner, body=f"Details of ticket {ticket.subject}")
                for ticket in tickets
            )
        print(f"  {existing + start + size:,} tickets", end="\r", flush=True)
    print()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return missing


TAKEN = set()
ASSIGNEES = []  # the bench agent for one ticket in three, nobody for the rest


def unique_reference():
    """Random references can collide in a bulk insert of 100,000; pick each one once."""
    from support.tickets.models import new_reference

    while True:
        reference = new_reference()
        if reference not in TAKEN:
            TAKEN.add(reference)
            return reference


def bench_ticket(number, organization, owner, now, categories, teams, states, priorities):
    from support.tickets.models import Ticket

    opened = now - timedelta(minutes=number * 7)
    status = states[number % len(states)]
    active = status in Ticket.ACTIVE_STATES
    due = opened + timedelta(hours=4)
    return Ticket(
        reference=unique_reference(),
        organization=organization,
        requester=owner,
        subject=f"Benchmark ticket {number}",
        description="Generated by scripts/bench_tickets.py",
        category=categories[number % len(categories)],
        team=teams[number % len(teams)],
        priority=priorities[number % len(priorities)],
        status=status,
        assignee=ASSIGNEES[number % len(ASSIGNEES)] if ASSIGNEES else None,
        created_at=opened,
        last_activity_at=opened,
        first_response_due_at=due,
        first_response_warn_at=due - timedelta(hours=1),
        next_due_at=due if active else None,
    )


def report(owner, agent, organization, runs):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from support.tickets import queues
    from support.tickets.models import Message, Ticket

    customer, staff = Client(), Client()
    customer.force_login(owner)
    staff.force_login(agent)
    ticket = Ticket.objects.filter(organization=organization).order_by("-last_activity_at").first()
    worked = Ticket.objects.filter(organization=organization, status="open").order_by("pk").first()
    missing = 10 - worked.messages.count()
    Message.objects.bulk_create(
        Message(ticket=worked, author=agent if n % 2 else owner, body=f"Message {n}")
        for n in range(max(missing, 0))
    )
    with connection.cursor() as cursor:  # what autovacuum does on a live database
        cursor.execute("VACUUM ANALYZE tickets_ticket")
    admin_list = "/admin/tickets/ticket/"
    pages = [
        ("/tickets/", customer, "/tickets/"),
        ("/tickets/?state=open&q=ticket 12345", customer, "/tickets/?state=open&q=ticket%2012345"),
        ("ticket page", customer, ticket.get_absolute_url()),
        ("back-office dashboard", staff, "/admin/"),
        *[
            (f"queue: {view.label}", staff, f"{admin_list}?view={view.slug}")
            for view in queues.VIEWS
        ],
        ("queue: breached today", staff, f"{admin_list}?view=breached_today"),
        ("admin list, at risk (filter)", staff, f"{admin_list}?sla=at_risk"),
        ("staff ticket page, 10 messages", staff, f"{admin_list}{worked.pk}/change/"),
        ("search by reference", staff, f"{admin_list}?q={worked.reference}"),
        ("search by text", staff, f"{admin_list}?q=Benchmark%20ticket%2099"),
    ]
    total = Ticket.objects.count()
    print(f"Median of {runs} runs over {total:,} tickets (in-process, no network);")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs. Columns: wall time,")
    print("this process's CPU time (Python, unaffected by waiting), time in SQL, queries.")
    for label, client, url in pages:
        timings, cpu, sql = [], [], []
        for run in range(runs + 2):
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                elapsed = time.perf_counter() - started
                elapsed_cpu = time.process_time() - started_cpu
            if response.status_code != 200:
                sys.exit(f"{url} answered {response.status_code}")
            if run >= 2:  # the first two warm caches up
                timings.append(elapsed)
                cpu.append(elapsed_cpu)
                sql.append(sum(float(query["time"]) for query in captured.captured_queries))
        print(
            f"  {label:<36} {statistics.median(timings) * 1000:8.1f} ms"
            f" {statistics.median(cpu) * 1000:8.1f} ms cpu {statistics.median(sql) * 1000:8.1f} ms"
            f" sql {len(captured):4d} queries"
        )


def report_pages(owner, organization, runs):
    """The staff reports for a month and for 12 months, and the customer service report.

    The bench tickets get first responses, resolutions and SLA outcomes first (one UPDATE,
    only where missing), so the medians and attainment have something to chew on.
    """
    from django.contrib.auth.models import Group
    from django.db.models import DurationField, ExpressionWrapper, F, Value
    from django.db.models.functions import Mod
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from accounts.staff_groups import ENGINEERS
    from support.tickets.models import Ticket

    minute = timedelta(minutes=1)
    pending = Ticket.objects.filter(organization=organization, first_response_at__isnull=True)
    pending.update(
        first_response_at=F("created_at")
        + ExpressionWrapper(Mod("id", 240) * Value(minute), output_field=DurationField()),
        first_response_business_minutes=Mod("id", 240) * 0.6,
        first_response_outcome="met",
    )
    Ticket.objects.filter(organization=organization, id__regex=r"[05]$").update(
        first_response_outcome="breached"
    )
    Ticket.objects.filter(
        organization=organization, status__in=["solved", "closed"], resolved_at__isnull=True
    ).update(
        resolved_at=F("created_at")
        + ExpressionWrapper(Mod("id", 2880) * Value(minute), output_field=DurationField()),
        solved_at=F("created_at")
        + ExpressionWrapper(Mod("id", 2880) * Value(minute), output_field=DurationField()),
        resolution_business_minutes=Mod("id", 2880) * 0.3,
        resolution_outcome="met",
    )
    engineer, created = User.objects.get_or_create(
        email="bench-engineer@example.com",
        defaults={"is_staff": True, "full_name": "Bench Engineer"},
    )
    if created:
        engineer.groups.add(Group.objects.get(name=ENGINEERS))
    staff, customer = Client(), Client()
    staff.force_login(engineer)
    customer.force_login(owner)
    today = timezone.localdate()
    month = f"{today:%Y-%m}"
    year = f"start={today - timedelta(days=364):%Y-%m-%d}&end={today:%Y-%m-%d}"
    pages = []
    for slug in ("sla", "volume", "problems", "agents"):
        pages.append((f"staff {slug}, month", staff, f"/admin/reports/{slug}/?month={month}"))
        pages.append((f"staff {slug}, 12 months", staff, f"/admin/reports/{slug}/?{year}"))
    pages.append(("staff credits, month", staff, f"/admin/reports/credits/?month={month}"))
    pages.append(("customer report, month", customer, f"/reports/{month}/"))
    print(f"Reports, median of {runs} runs (in-process, no network):")
    for label, client, url in pages:
        timings = []
        for run in range(runs + 2):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                sys.exit(f"{url} answered {response.status_code}")
            if run >= 2:
                timings.append(elapsed)
        print(f"  {label:<36} {statistics.median(timings) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
