"""The "update every" clock: due, reminder, missed, reset by a reply, paused while pending."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from support.oncall.models import Alert
from support.status.models import Incident, IncidentStatus
from support.tickets import services
from support.tickets.models import TimelineEvent
from support.tickets.tasks import sweep


def answered_p0(open_ticket, agent):
    ticket = open_ticket(priority="P0")
    services.assign(ticket, agent, by=agent)
    services.add_reply(ticket, author=agent, body="Looking into it now.")
    return ticket


def update_breaches(ticket):
    return TimelineEvent.objects.filter(
        ticket=ticket, kind=TimelineEvent.Kind.SLA_BREACH, data__target="update"
    )


def test_a_p0_update_is_due_15_minutes_after_the_last_one(rotas, open_ticket, agent):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ticket = open_ticket(priority="P0")
        assert ticket.update_due_at is None  # the first response target covers the start
        services.add_reply(ticket, author=agent, body="On it.")
    assert ticket.update_due_at == start + timedelta(minutes=15)


def test_the_assignee_is_paged_five_minutes_before_and_a_miss_is_recorded(
    rotas, open_ticket, agent, engineer, send_queued_mail
):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        ticket = answered_p0(open_ticket, agent)
        services.assign(ticket, engineer, by=agent)
        clock.shift(timedelta(minutes=9, seconds=59))
        assert sweep()["update_reminders"] == 0
        clock.shift(timedelta(seconds=1))
        assert sweep()["update_reminders"] == 1
        reminder = Alert.objects.get(reason=Alert.Reason.UPDATE_DUE)
        assert [page.person for page in reminder.pages.all()] == [engineer]
        assert sweep()["update_reminders"] == 0  # once per interval
        clock.shift(timedelta(minutes=5))
        assert sweep()["updates_missed"] == 1
    ticket.refresh_from_db()
    assert ticket.updates_missed == 1
    assert update_breaches(ticket).get().describe() == "Customer update target missed"
    # The next interval runs from the missed due time.
    assert ticket.update_due_at == start + timedelta(minutes=30)
    assert not ticket.update_reminded


def test_a_public_reply_resets_the_clock_and_counts_as_on_time(rotas, open_ticket, agent):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        ticket = answered_p0(open_ticket, agent)
        clock.shift(timedelta(minutes=12))
        services.add_reply(ticket, author=agent, body="Disk replaced, restoring.")
        services.add_reply(ticket, author=agent, body="Internal only", internal=True)
        clock.shift(timedelta(minutes=14))
        assert sweep()["updates_missed"] == 0
    ticket.refresh_from_db()
    assert ticket.update_due_at == start + timedelta(minutes=27)
    assert (ticket.updates_on_time, ticket.updates_missed) == (1, 0)


def test_a_linked_incident_update_resets_the_clock(rotas, open_ticket, agent):
    start = timezone.now()
    incident = Incident.objects.create(name="Frankfurt web down", status="investigating")
    with time_machine.travel(start, tick=False) as clock:
        ticket = answered_p0(open_ticket, agent)
        ticket.incident = incident
        ticket.save(update_fields=["incident"])
        clock.shift(timedelta(minutes=10))
        incident.post_update(IncidentStatus.IDENTIFIED, "A failed switch; replacing it.")
    ticket.refresh_from_db()
    assert ticket.update_due_at == start + timedelta(minutes=25)
    assert ticket.updates_on_time == 1


def test_an_incident_update_also_posted_to_the_ticket_counts_once(rotas, open_ticket, agent):
    from support.tickets import incidents

    start = timezone.now()
    incident = Incident.objects.create(name="Frankfurt web down", status="investigating")
    with time_machine.travel(start, tick=False) as clock:
        ticket = answered_p0(open_ticket, agent)
        services.change_incident(ticket, incident, by=agent)
        clock.shift(timedelta(minutes=10))
        update = incident.post_update(IncidentStatus.IDENTIFIED, "A failed switch.", author=agent)
        incidents.post_update_to_tickets(update.pk, [ticket.pk], agent.pk)
    ticket.refresh_from_db()
    assert ticket.messages.filter(author=agent, body__contains="A failed switch.").exists()
    assert ticket.update_due_at == start + timedelta(minutes=25)
    assert ticket.updates_on_time == 1


def test_the_clock_pauses_while_waiting_on_the_customer(rotas, open_ticket, agent, owner):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        ticket = answered_p0(open_ticket, agent)
        clock.shift(timedelta(minutes=5))
        services.change_status(ticket, "pending", by=agent)
        assert ticket.update_due_at is None
        clock.shift(timedelta(hours=3))
        result = sweep()
        assert (result["update_reminders"], result["updates_missed"]) == (0, 0)
        services.add_reply(ticket, author=owner, body="Here are the logs.")
        assert ticket.status == "open"
        assert ticket.update_due_at == timezone.now() + timedelta(minutes=15)
        clock.shift(timedelta(minutes=15))
        services.change_status(ticket, "solved", by=agent)
        assert ticket.update_due_at is None
    assert not update_breaches(ticket).exists()


def test_the_customer_sees_when_the_next_update_is_due(rotas, open_ticket, agent, owner_client):
    ticket = answered_p0(open_ticket, agent)
    page = owner_client.get(ticket.get_absolute_url()).content.decode()
    assert "Next update by" in page
