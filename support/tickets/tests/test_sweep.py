"""The escalation sweep: warnings at 75 %, breaches, escalation, closing, in bulk."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_user
from support.tickets import services
from support.tickets.models import Ticket, TicketEmail, TimelineEvent
from support.tickets.tasks import sweep

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
    warnings = [m for m in send_queued_mail() if "SLA warning" in m.subject]
    assert [m.to for m in warnings] == [[agent.email]]  # unassigned: its team


def test_warning_goes_to_the_assignee_when_there_is_one(
    open_ticket, agent, staff_user, send_queued_mail
):
    ticket = open_ticket(priority="P1")
    services.assign(ticket, staff_user, by=agent)
    shift_into_past(ticket, 50)
    sweep()
    warnings = [m for m in send_queued_mail() if "SLA warning" in m.subject]
    assert [m.to for m in warnings] == [[staff_user.email]]


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
    breach_mails = [m for m in send_queued_mail() if "SLA breached" in m.subject]
    assert sorted(m.to[0] for m in breach_mails) == [manager.email, engineer.email]
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


@pytest.mark.parametrize("count", [10, 1000])
def test_sweep_over_many_overdue_tickets_in_constant_queries(
    count, organization, owner, agent, engineer, django_assert_max_num_queries
):
    past = timezone.now() - timedelta(hours=2)
    soon = timezone.now() + timedelta(minutes=5)
    half = count // 2
    bulk_tickets(
        half,
        organization,
        owner,
        first_response_due_at=past,
        first_response_warn_at=past,
        next_due_at=past,
    )
    bulk_tickets(
        count - half, organization, owner,
        first_response_due_at=soon, first_response_warn_at=past, next_due_at=soon,
    )  # fmt: skip
    Ticket.objects.filter(status="solved")  # noqa: B018
    with django_assert_max_num_queries(20):
        result = sweep()
    assert result == {
        "warned": count - half,
        "breached": half,
        "update_reminders": 0,
        "updates_missed": 0,
        "closed": 0,
    }
    assert Ticket.objects.filter(first_response_outcome="breached", tier=2).count() == half
    assert TimelineEvent.objects.filter(kind="escalated").count() == half
    assert TicketEmail.objects.filter(kind="staff_sla_breach").count() == half
    assert TicketEmail.objects.filter(kind="staff_sla_warning").count() == count - half
