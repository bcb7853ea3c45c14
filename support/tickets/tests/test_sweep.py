"""The escalation sweep: warnings at 75 %, breaches, escalation, closing, in bulk batches,
with one digest email per person per run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_user
from support.tickets import services, tasks
from support.tickets.models import DigestLine, Ticket, TimelineEvent
from support.tickets.tasks import sweep, sweep_batch

from .conftest import bulk_tickets

pytestmark = pytest.mark.django_db


def shift_into_past(ticket, minutes):
    """Pretend the ticket was opened `minutes` ago."""
    ticket.created_at -= timedelta(minutes=minutes)
    ticket.apply_targets()
    ticket.save()


def test_warns_at_75_percent_once(open_ticket, agent, send_queued_mail):
    ticket = open_ticket(priority="P1")  # 60 min, 24×7
    shift_into_past(ticket, 46)
    assert sweep()["warned"] == 1
    assert sweep()["warned"] == 0
    ticket.refresh_from_db()
    assert ticket.first_response_warned and ticket.first_response_outcome == ""
    assert ticket.events.filter(kind="sla_warning").count() == 1
    digests = [m for m in send_queued_mail() if "SLA digest" in m.subject]
    assert [m.to for m in digests] == [[agent.email]]  # unassigned: its team
    assert "SLA targets due soon" in digests[0].body and ticket.reference in digests[0].body


def test_warning_goes_to_the_assignee_when_there_is_one(
    open_ticket, agent, staff_user, send_queued_mail
):
    ticket = open_ticket(priority="P1")
    services.assign(ticket, staff_user, by=agent)
    shift_into_past(ticket, 50)
    sweep()
    digests = [m for m in send_queued_mail() if "SLA digest" in m.subject]
    assert [m.to for m in digests] == [[staff_user.email]]


def test_breach_is_marked_final_escalated_and_notified(
    open_ticket, organization, engineer, agent, send_queued_mail
):
    manager = make_user("am@support.example", is_staff=True)
    organization.account_manager = manager
    organization.save()
    ticket = open_ticket(priority="P1")
    shift_into_past(ticket, 61)
    assert sweep()["breached"] == 1
    ticket.refresh_from_db()
    assert ticket.first_response_outcome == "breached"
    assert ticket.tier == 2 and ticket.team.name == "Tier 2" and ticket.escalated_at
    assert ticket.next_due_at == ticket.first_response_due_at  # still late: sorts first
    assert {"sla_breach", "escalated"} <= set(ticket.events.values_list("kind", flat=True))
    digests = [m for m in send_queued_mail() if "SLA digest" in m.subject]
    assert sorted(m.to[0] for m in digests) == [manager.email, engineer.email]
    assert all("SLA targets missed" in m.body and ticket.reference in m.body for m in digests)
    # A late reply doesn't undo the breach.
    services.add_reply(ticket, author=agent, body="Sorry")
    ticket.refresh_from_db()
    assert ticket.first_response_outcome == "breached" and ticket.first_response_at
    assert sweep()["breached"] == 0


def test_pending_tickets_do_not_breach(open_ticket, agent):
    ticket = open_ticket(priority="P1")
    services.add_reply(ticket, author=agent, body="Need info")
    services.change_status(ticket, Ticket.Status.PENDING, by=agent)
    ticket.refresh_from_db()
    ticket.resolution_due_at = timezone.now() - timedelta(minutes=1)
    ticket.save()
    assert sweep()["breached"] == 0


def test_solved_tickets_close_after_the_configured_days(ticket, agent, settings):
    settings.TICKET_AUTO_CLOSE_DAYS = 3
    services.change_status(ticket, Ticket.Status.SOLVED, by=agent)
    assert sweep()["closed"] == 0
    Ticket.objects.filter(pk=ticket.pk).update(
        solved_at=timezone.now() - timedelta(days=3, minutes=1)
    )
    assert sweep()["closed"] == 1
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.closed_at
    assert ticket.events.filter(kind="status", data__new="closed").exists()


def test_sweep_is_scheduled_every_minute():
    from django_q.models import Schedule

    from portal.schedules import ensure_schedule

    ensure_schedule("support.tickets.tasks.sweep", minutes=1)
    schedule = Schedule.objects.get(func="support.tickets.tasks.sweep")
    assert schedule.minutes == 1


def overdue_tickets(count, organization, owner, warn=0):
    """`count` tickets past their first-response target, and `warn` due within minutes."""
    past = timezone.now() - timedelta(hours=2)
    soon = timezone.now() + timedelta(minutes=5)
    bulk_tickets(
        count, organization, owner,
        first_response_due_at=past, first_response_warn_at=past, next_due_at=past,
    )  # fmt: skip
    if warn:
        bulk_tickets(
            warn, organization, owner,
            first_response_due_at=soon, first_response_warn_at=past, next_due_at=soon,
        )  # fmt: skip


# A batch, whatever its size: BEGIN; the staff directory (people, their groups, the teams);
# warnings (due tickets for each target, the flags, timeline, digest lines); breaches (due
# tickets for each target, one UPDATE, timeline, digest lines); update reminders and missed
# updates (tickets, their calendars' holidays); solved tickets to close; COMMIT.
BATCH_QUERIES = 20


@pytest.mark.parametrize("count", [10, 1000])
def test_a_batch_takes_constant_queries_however_many_tickets(
    count, organization, owner, agent, engineer, django_assert_max_num_queries
):
    half = count // 2
    overdue_tickets(half, organization, owner, warn=count - half)
    with django_assert_max_num_queries(BATCH_QUERIES):
        result = sweep_batch(size=count + 1)
    assert (result["warned"], result["breached"], result["more"]) == (count - half, half, False)
    assert Ticket.objects.filter(first_response_outcome="breached", tier=2).count() == half
    assert TimelineEvent.objects.filter(kind="escalated").count() == half
    lines = DigestLine.objects.all()
    assert lines.filter(kind="breach", person=engineer).count() == half
    assert lines.filter(kind="warning", person=agent).count() == count - half


def test_a_backlog_is_worked_off_in_batches_with_one_digest_per_person(
    organization, owner, engineer, agent, settings, send_queued_mail, monkeypatch
):
    """600 tickets breach at once (after an outage): batches of 100, each its own
    transaction in the same number of queries, every ticket marked once, one digest each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager = make_user("am@support.example", is_staff=True, language="zh-hans")
    organization.account_manager = manager
    organization.save()
    settings.SLA_SWEEP_BATCH = 100
    overdue_tickets(600, organization, owner)
    counts, original = [], tasks.sweep_batch

    def counted(*args, **kwargs):
        with CaptureQueriesContext(connection) as queries:
            result = original(*args, **kwargs)
        counts.append((len(queries), result["breached"]))
        return result

    monkeypatch.setattr(tasks, "sweep_batch", counted)
    result = sweep()
    assert (result["breached"], result["batches"], result["more"]) == (600, 7, False)
    assert [breached for _queries, breached in counts] == [100] * 6 + [0]
    assert len({queries for queries, _breached in counts[:6]}) == 1  # the same every batch
    assert counts[0][0] <= BATCH_QUERIES
    marked = TimelineEvent.objects.filter(kind="sla_breach")
    assert marked.count() == 600 and marked.values("ticket").distinct().count() == 600
    assert not DigestLine.objects.exists()
    digests = [m for m in send_queued_mail() if m.to[0] in (engineer.email, manager.email)]
    assert sorted(m.to[0] for m in digests) == [manager.email, engineer.email]
    english = next(m for m in digests if m.to == [engineer.email])
    assert "SLA digest: 600 tickets need attention" in english.subject
    assert english.body.count("Bulk ticket") == 50 and "And 550 more tickets" in english.body
    assert len(english.message().as_bytes()) < 60_000  # a list, not a giant message
    chinese = next(m for m in digests if m.to == [manager.email])
    assert "600" in chinese.subject and "SLA digest" not in chinese.subject
    assert agent.email not in [m.to[0] for m in digests]  # tier 1 isn't told of escalations
    assert sweep() | {"batches": 0} == {
        **dict.fromkeys(tasks.PARTS, 0),
        "batches": 0,
        "more": False,
        "digests": 0,
    }


def test_a_run_stops_at_its_time_budget_and_the_next_goes_on(
    organization, owner, engineer, settings
):
    settings.SLA_SWEEP_BATCH = 50
    settings.SLA_SWEEP_SECONDS = 0  # every run stops after its first batch
    overdue_tickets(120, organization, owner)
    runs = [sweep() for _run in range(3)]
    assert [run["breached"] for run in runs] == [50, 50, 20]
    assert [run["more"] for run in runs] == [True, True, False]
    assert [run["digests"] for run in runs] == [1, 1, 1]  # the engineer, once a run


def test_digest_lines_of_a_run_that_died_go_out_with_the_next(
    organization, owner, engineer, settings, send_queued_mail
):
    settings.SLA_SWEEP_BATCH = 40
    overdue_tickets(100, organization, owner)
    sweep_batch()  # a run killed after its first batch: its lines are committed, unsent
    assert DigestLine.objects.filter(person=engineer).count() == 40
    assert sweep()["breached"] == 60
    [digest] = [m for m in send_queued_mail() if m.to == [engineer.email]]
    assert "100 tickets need attention" in digest.subject
    assert TimelineEvent.objects.filter(kind="sla_breach").count() == 100


def test_django_q_timeout_leaves_room_for_a_run(settings):
    timeout = settings.Q_CLUSTER["timeout"]
    assert settings.SLA_SWEEP_SECONDS + 30 <= timeout < settings.Q_CLUSTER["retry"]


def test_breaches_write_each_ticket_row_once(organization, owner, engineer, agent):
    """Every index of the ticket table is written on each update of a row: the outcomes,
    the escalation and the next due time go out in one UPDATE for the whole batch."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from support.tickets.models import Team

    past = timezone.now() - timedelta(hours=2)
    later = timezone.now() + timedelta(hours=5)
    tier2 = Team.objects.get(tier=2)
    [first_late] = bulk_tickets(
        1, organization, owner, tier=1, status="open",
        first_response_due_at=past, resolution_due_at=later, next_due_at=past,
    )  # fmt: skip
    [both_late] = bulk_tickets(
        1, organization, owner, tier=1, status="open",
        first_response_due_at=past, resolution_due_at=past, next_due_at=past,
    )  # fmt: skip
    [answered] = bulk_tickets(
        1, organization, owner, tier=2, status="open", team=tier2, first_response_at=past,
        first_response_due_at=past, resolution_due_at=past, next_due_at=past,
    )  # fmt: skip
    with CaptureQueriesContext(connection) as captured:
        assert sweep_batch()["breached"] == 3
    updates = [q["sql"] for q in captured if q["sql"].startswith('UPDATE "tickets_ticket"')]
    assert len(updates) == 1
    for ticket in (first_late, both_late, answered):
        ticket.refresh_from_db()
    assert (first_late.first_response_outcome, first_late.resolution_outcome) == ("breached", "")
    assert (first_late.tier, first_late.team, first_late.next_due_at) == (2, tier2, past)
    assert first_late.escalated_at is not None
    assert (both_late.first_response_outcome, both_late.resolution_outcome) == (
        "breached",
        "breached",
    )
    assert (answered.first_response_outcome, answered.resolution_outcome) == ("", "breached")
    assert answered.escalated_at is None  # already tier 2: not escalated again
    assert answered.next_due_at == past  # its resolution, late, still sorts first
    escalations = TimelineEvent.objects.filter(kind="escalated")
    assert set(escalations.values_list("ticket", flat=True)) == {first_late.pk, both_late.pk}
