#!/usr/bin/env python
"""Times the ticket writes of issue 17: the new-ticket form (GET), a customer's submit (POST)
and the SLA sweep (a normal minute and a backlog after an outage).

    DATABASE_URL=postgres://… .venv/bin/python scripts/bench_write.py [--runs N] [--agents N]
        [--minute N] [--backlog N]

In-process with Django's test client, so the figures are server time without the network.
CPU time (this process's, unaffected by waiting for a loaded machine) is the figure to compare
while the machine is busy; the wall time and the SQL time are printed beside it. The submit
is measured with `--agents` Tier 1 agents (21, as in the issue's data set), who all get an
email about the new ticket: rendered afterwards by the notification task (timed on its own).

The sweep figures come from tickets of an organisation of their own ("Bench Sweep"): `--minute`
tickets breaching in one minute, then `--backlog` breaching at once: whole runs (batches and
the digest emails) are timed, and each batch on its own.
Call `measure()` from another script (scripts/bench) for the same figures as a dict.
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
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--agents", type=int, default=21)
    parser.add_argument("--minute", type=int, default=179)
    parser.add_argument("--backlog", type=int, default=7573)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    if not settings.USING_POSTGRES:
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the figures only matter there).")
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    # Pages are measured as served in production: static URLs from collectstatic's manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    results = measure(runs=args.runs, agents=args.agents, minute=args.minute, backlog=args.backlog)
    print_results(results)


def median_ms(values):
    return round(statistics.median(values) * 1000, 1) if values else None


def timed(function):
    """(result, wall seconds, cpu seconds, queries, sql seconds) of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started, started_cpu = time.perf_counter(), time.process_time()
        result = function()
        wall = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
    sql = sum(float(query["time"]) for query in captured.captured_queries)
    return result, wall, cpu, len(captured), sql


TARGETS = {
    "ticket form (GET)": "≤ 8 ms",
    "submit a ticket (POST)": "≤ 12 ms, ≤ 12 q",
    "SLA sweep, a minute with": "≤ 300 ms",
    "SLA sweep, backlog of": "batches ≤ 5 s",
}


def measure(runs=15, agents=21, minute=179, backlog=7573):
    """The figures as rows for scripts/bench's table: [{"issue", "page", "target", "ms"
    (wall), "cpu_ms", "sql_ms", "queries", …}] (sweeps: totals of whole runs, with the
    slowest batch). Expects Django set up on a migrated PostgreSQL database, with the test
    environment (django.test.utils.setup_test_environment) so that the test client works."""
    results = {}
    owner, organization, category = submit_people(agents)
    results.update(measure_form(owner, category, runs))
    if minute or backlog:
        results.update(measure_sweep(minute, backlog))
    rows = []
    for label, figures in results.items():
        target = next((text for start, text in TARGETS.items() if label.startswith(start)), "")
        figures = dict(figures)
        rows.append(
            {
                "issue": "17",
                "page": label,
                "target": target,
                "ms": figures.pop("wall_ms"),
                **figures,
            }
        )
    return rows


def submit_people(agents):
    from django.contrib.auth.models import Group

    from accounts.models import Membership, Organization, User
    from accounts.staff_groups import AGENTS
    from support.tickets.models import Category

    owner, _ = User.objects.get_or_create(
        email="bench-write-owner@example.com", defaults={"full_name": "Bench Writer"}
    )
    organization, _ = Organization.objects.get_or_create(
        name="Bench Write Corp", defaults={"tier": Organization.Tier.BUSINESS}
    )
    Membership.objects.get_or_create(
        user=owner, organization=organization, defaults={"role": "owner"}
    )
    group = Group.objects.get(name=AGENTS)
    for number in range(agents):
        agent, created = User.objects.get_or_create(
            email=f"bench-tier1-{number}@example.com",
            defaults={
                "is_staff": True,
                "full_name": f"Tier One {number}",
                "language": "zh-hans" if number % 2 else "en",
            },
        )
        if created:
            agent.groups.add(group)
    category = (
        Category.objects.filter(is_active=True, team__tier=1).order_by("pk").first()
        or Category.objects.filter(is_active=True).order_by("pk").first()
    )
    return owner, organization, category


def measure_form(owner, category, runs):
    import secrets

    from django.test import Client

    from support.tickets import notify
    from support.tickets.models import Ticket

    client = Client()
    client.force_login(owner)
    results = {}
    form = [client.get("/tickets/new/") for _run in range(2)]  # warm up
    assert form[-1].status_code == 200, form[-1].status_code
    walls, cpus, sqls, queries = [], [], [], 0
    for _run in range(runs):
        response, wall, cpu, queries, sql = timed(lambda: client.get("/tickets/new/"))
        assert response.status_code == 200
        walls.append(wall), cpus.append(cpu), sqls.append(sql)
    results["ticket form (GET)"] = summary(walls, cpus, sqls, queries)

    def submit():
        return client.post(
            "/tickets/new/",
            {
                "category": category.pk,
                "priority": "P2",
                "subject": "The shop answers 502",
                "description": "Since this morning every page of the shop answers 502.",
                "form_token": secrets.token_urlsafe(24),
            },
        )

    walls, cpus, sqls = [], [], []
    deferred = {"walls": [], "cpus": [], "sqls": [], "queries": 0}
    for run in range(runs + 2):
        response, wall, cpu, queries, sql = timed(submit)
        assert response.status_code == 302, response.status_code
        if run >= 2:
            walls.append(wall), cpus.append(cpu), sqls.append(sql)
        sent, d_wall, d_cpu, d_queries, d_sql = timed(notify.send_pending)
        if run >= 2:
            deferred["walls"].append(d_wall)
            deferred["cpus"].append(d_cpu)
            deferred["sqls"].append(d_sql)
            deferred["queries"] = d_queries
            deferred["emails"] = sent
    results["submit a ticket (POST)"] = summary(walls, cpus, sqls, queries)
    results["… its emails, in the worker"] = {
        **summary(deferred["walls"], deferred["cpus"], deferred["sqls"], deferred["queries"]),
        "emails": deferred.get("emails"),
    }
    Ticket.objects.filter(organization__name="Bench Write Corp").delete()
    return results


def summary(walls, cpus, sqls, queries):
    return {
        "wall_ms": median_ms(walls),
        "cpu_ms": median_ms(cpus),
        "sql_ms": median_ms(sqls),
        "queries": queries,
    }


def sweep_organization():
    """The sweep's tickets' organisation, and an engineer (a breach's digest goes to them)."""
    from django.contrib.auth.models import Group

    from accounts.models import Organization, User
    from accounts.staff_groups import ENGINEERS

    engineer, created = User.objects.get_or_create(
        email="bench-write-engineer@example.com",
        defaults={"is_staff": True, "full_name": "Bench Engineer", "language": "zh-hans"},
    )
    if created:
        engineer.groups.add(Group.objects.get(name=ENGINEERS))

    organization, _ = Organization.objects.get_or_create(
        name="Bench Sweep", defaults={"tier": Organization.Tier.BUSINESS}
    )
    return organization


def breaching_tickets(organization, count, now):
    """`count` open tickets whose first response was due a minute ago."""
    from accounts.models import User
    from support.tickets.models import Team, Ticket, new_reference

    requester = User.objects.get(email="bench-write-owner@example.com")
    team = Team.objects.filter(tier=1).order_by("pk").first()
    due = now - timedelta(minutes=1)
    Ticket.objects.bulk_create(
        [
            Ticket(
                reference=new_reference() + f"{number % 10}",
                organization=organization,
                requester=requester,
                subject=f"Sweep ticket {number}",
                description="Generated by scripts/bench_write.py",
                priority="P2",
                status="open",
                team=team,
                tier=1,
                created_at=due - timedelta(hours=4),
                last_activity_at=due - timedelta(hours=4),
                first_response_due_at=due,
                first_response_warn_at=due - timedelta(hours=1),
                first_response_warned=True,
                next_due_at=due,
            )
            for number in range(count)
        ],
        batch_size=2000,
    )


def run_sweeps():
    """Sweep runs (batches, then the digests) until nothing is left: the runs' totals and
    each batch: ([(wall, cpu, queries, sql, result)] a run, [(wall, cpu, queries, sql)] a batch)."""
    from support.tickets import tasks

    runs, batches, original = [], [], tasks.sweep_batch

    def timed_batch(*args, **kwargs):
        result, wall, cpu, queries, sql = timed(lambda: original(*args, **kwargs))
        batches.append((wall, cpu, queries, sql, result))
        return result

    tasks.sweep_batch = timed_batch
    try:
        while True:
            result, wall, cpu, queries, sql = timed(tasks.sweep)
            runs.append((wall, cpu, queries, sql, result))
            if not result["more"]:
                return runs, batches
    finally:
        tasks.sweep_batch = original


def measure_sweep(minute, backlog):
    from django.utils import timezone

    from support.tickets.models import Ticket

    organization = sweep_organization()
    results = {}
    run_sweeps()  # whatever was due before: not ours to time
    # A worker that has run before: templates compiled, both languages' catalogues read.
    breaching_tickets(organization, 2, timezone.now())
    run_sweeps()
    runs, _batches = run_sweeps()
    wall, cpu, queries, sql, _result = runs[0]
    results["SLA sweep, nothing due"] = summary([wall], [cpu], [sql], queries)
    if minute:
        breaching_tickets(organization, minute, timezone.now())
        label = f"SLA sweep, a minute with {minute} breaches"
        results[label] = sweep_summary(*run_sweeps())
    if backlog:
        breaching_tickets(organization, backlog, timezone.now())
        label = f"SLA sweep, backlog of {backlog} breaches"
        results[label] = sweep_summary(*run_sweeps())
    Ticket.objects.filter(organization=organization).delete()
    return results


def sweep_summary(runs, batches):
    return {
        "wall_ms": round(sum(run[0] for run in runs) * 1000, 1),
        "cpu_ms": round(sum(run[1] for run in runs) * 1000, 1),
        "sql_ms": round(sum(run[3] for run in runs) * 1000, 1),
        "queries": sum(run[2] for run in runs),
        "runs": len(runs),
        "batches": len(batches),
        "slowest_batch_wall_ms": round(max(b[0] for b in batches) * 1000, 1),
        "slowest_batch_cpu_ms": round(max(b[1] for b in batches) * 1000, 1),
        "queries_per_batch": sorted({b[2] for b in batches}),
        "digests": sum(run[4]["digests"] for run in runs),
    }


def print_results(rows):
    print("Ticket writes (in-process, no network); medians except for sweeps (totals);")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.")
    shown = ("issue", "page", "target", "ms", "cpu_ms", "sql_ms", "queries")
    for row in rows:
        extra = {key: value for key, value in row.items() if key not in shown}
        print(
            f"  {row['page']:<44} {row['ms']:8.1f} ms {row['cpu_ms']:8.1f} ms cpu"
            f" {row['sql_ms']:8.1f} ms sql {row['queries']:5d} queries  {row['target']}"
            + (f"  {extra}" if extra else "")
        )


if __name__ == "__main__":
    main()
