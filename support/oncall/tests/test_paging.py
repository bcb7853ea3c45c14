"""Paging: who is paged, escalation without acknowledgement, acknowledgement."""

from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from support.oncall import paging, tasks
from support.oncall.models import Alert, Override, Page
from support.tickets import services
from support.tickets.models import TimelineEvent
from support.tickets.tasks import sweep


def paged(alert=None):
    pages = Page.objects.filter(alert=alert) if alert else Page.objects.all()
    return [page.person.email for page in pages.select_related("person").order_by("pk")]


def test_a_new_p0_pages_the_on_call_person_only(
    rotas, open_ticket, agent, second_agent, engineer, send_queued_mail
):
    ticket = open_ticket(priority="P0")
    assert paged() == [agent.email]
    mail = send_queued_mail()
    page_mail = [m for m in mail if m.subject.startswith("PAGE")]
    assert [m.to for m in page_mail] == [[agent.email]]
    assert ticket.reference in page_mail[0].subject
    assert "/oncall/ack/" in page_mail[0].body
    # The rest of Tier 1 hears of the ticket by the usual email, but is not paged;
    # Tier 2 and everybody else hear nothing.
    everyone = {address for m in mail for address in m.to}
    assert engineer.email not in everyone
    paged_event = ticket.events.get(kind=paging.PAGED_KIND)
    assert paged_event.describe() == "Paged Alex Agent (On call for Tier 1)"


def test_lower_priorities_page_nobody(rotas, open_ticket):
    open_ticket(priority="P1")
    assert Alert.objects.count() == 0


def test_an_override_pages_the_cover_instead(rotas, open_ticket, second_agent, agent):
    now = timezone.now()
    Override.objects.create(
        rota=rotas,
        person=second_agent,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        reason="Alex at the dentist",
    )
    open_ticket(priority="P0")
    assert paged() == [second_agent.email]


def test_raising_to_p0_pages_too(rotas, ticket, agent, owner):
    services.change_priority(ticket, "P0", by=owner)
    assert paged() == [agent.email]


def test_no_acknowledgement_pages_the_next_step_after_the_timeout(
    rotas, open_ticket, agent, engineer, duty_manager, settings
):
    settings.ONCALL_ACK_MINUTES = 5
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        ticket = open_ticket(priority="P0")
        alert = ticket.pager_alerts.get()
        clock.shift(timedelta(minutes=4, seconds=59))
        assert tasks.sweep()["escalated"] == 0
        assert paged(alert) == [agent.email]
        clock.shift(timedelta(seconds=1))
        assert tasks.sweep()["escalated"] == 1
        # No secondary on the rota: the next step is Tier 2's on-call person.
        assert paged(alert) == [agent.email, engineer.email]
        clock.shift(timedelta(minutes=5))
        tasks.sweep()
        # The account manager step names nobody (Acme has none): the duty manager is next.
        assert paged(alert) == [agent.email, engineer.email, duty_manager.email]
        clock.shift(timedelta(minutes=5))
        tasks.sweep()
        alert.refresh_from_db()
        assert alert.closed_at is not None
    entries = [e.describe() for e in ticket.events.filter(kind__startswith="page")]
    assert entries == [
        "Paged Alex Agent (On call for Tier 1)",
        "Paged Erin Engineer (On call for Tier 2)",
        "Paged Dana Duty (Duty manager)",
        "Nobody acknowledged the page: every escalation step was paged",
    ]


def test_acknowledging_assigns_and_stops_the_escalation(rotas, open_ticket, agent, engineer):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        ticket = open_ticket(priority="P0")
        alert = ticket.pager_alerts.get()
        clock.shift(timedelta(minutes=2))
        assert paging.acknowledge(alert, agent) is True
        assert paging.acknowledge(alert, agent) is False
        clock.shift(timedelta(minutes=30))
        assert tasks.sweep()["escalated"] == 0
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert paged(alert) == [agent.email]
    assert ticket.events.filter(kind=paging.ACK_KIND).get().describe() == (
        "Alex Agent acknowledged the page"
    )


def test_acknowledging_keeps_an_existing_assignee(rotas, open_ticket, agent, engineer):
    ticket = open_ticket(priority="P0")
    services.assign(ticket, engineer, by=engineer)
    paging.acknowledge(ticket.pager_alerts.get(), agent)
    ticket.refresh_from_db()
    assert ticket.assignee == engineer


def test_a_p1_that_misses_its_response_target_pages(rotas, open_ticket, engineer):
    ticket = open_ticket(priority="P1")
    sweep(now=ticket.first_response_due_at + timedelta(seconds=1))
    # The breach moved it to Tier 2, whose on-call engineer is paged.
    alert = ticket.pager_alerts.get()
    assert alert.reason == Alert.Reason.P1_BREACH
    assert paged(alert) == [engineer.email]


def test_a_critical_monitoring_alert_pages_the_alerts_team(rotas, tier2, engineer, agent):
    from support.status.alertmanager import PayloadSerializer, apply_alert
    from support.status.models import Component, ComponentGroup

    tier2.rota.pages_for_alerts = True
    tier2.rota.save()
    group = ComponentGroup.objects.create(name="Frankfurt")
    component = Component.objects.create(group=group, name="Web", slug="fra1-web")

    def fire(severity, fingerprint):
        data = {
            "version": "4",
            "status": "firing",
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"component": "fra1-web", "severity": severity},
                    "annotations": {"summary": "HTTP down"},
                    "startsAt": "2026-11-22T00:00:00Z",
                    "fingerprint": fingerprint,
                }
            ],
        }
        payload = PayloadSerializer(data=data)
        assert payload.is_valid(), payload.errors
        apply_alert(payload.validated_data["alerts"][0], {"fra1-web": component}, True)

    fire("warning", "w1")
    assert Alert.objects.count() == 0
    fire("critical", "c1")
    alert = Alert.objects.get()
    assert alert.reason == Alert.Reason.MONITORING
    assert paged(alert) == [engineer.email]


def test_acknowledge_link_shows_the_summary_and_acknowledges(
    rotas, open_ticket, agent, client, send_queued_mail
):
    ticket = open_ticket(priority="P0")
    alert = ticket.pager_alerts.get()
    url = paging.ack_url(alert, agent).replace("https://support.example.com", "")
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert ticket.reference in text and "Acme Corp" in text
    assert "Our shop shows a 502 error" not in text  # the conversation stays in the back office
    response = client.post(url)
    assert response.status_code == 302
    assert "Acknowledged by Alex Agent" in client.get(url).content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_a_forged_or_foreign_link_is_refused(rotas, open_ticket, agent, client):
    ticket = open_ticket(priority="P0")
    alert = ticket.pager_alerts.get()
    url = paging.ack_url(alert, agent).replace("https://support.example.com", "")
    assert client.get(url[:-6] + "abcdef/").status_code == 404
    assert client.post(url[:-6] + "abcdef/").status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_acknowledge_button_in_the_back_office(rotas, open_ticket, agent, client):
    ticket = open_ticket(priority="P0")
    alert = ticket.pager_alerts.get()
    client.force_login(agent)
    change = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert f"/admin/oncall/alert/{alert.pk}/acknowledge/" in change.content.decode()
    response = client.post(f"/admin/oncall/alert/{alert.pk}/acknowledge/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == agent
    assert TimelineEvent.objects.filter(ticket=ticket, kind=paging.ACK_KIND).exists()


def test_the_back_office_shows_who_is_on_call_now_and_the_week(
    rotas, agent, engineer, second_agent, client, django_assert_max_num_queries
):
    now = timezone.now()
    Override.objects.create(
        rota=rotas,
        person=second_agent,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=3),
        reason="Swap with Bo",
    )
    client.force_login(engineer)
    client.get("/admin/oncall/rota/")  # content types and permissions are cached once
    with CaptureQueriesContext(connection) as before:
        client.get("/admin/oncall/rota/")
    for day in range(3, 6):
        Override.objects.create(
            rota=rotas,
            person=agent,
            starts_at=now + timedelta(days=day),
            ends_at=now + timedelta(days=day, hours=1),
            reason="Cover",
        )
    # Rotas, shifts and overrides in three queries, the people named in one: no more with rows.
    with django_assert_max_num_queries(len(before)):
        page = client.get("/admin/oncall/rota/").content.decode()
    assert "On call now: <strong>Alex Agent</strong>" in page
    assert "On call now: <strong>Erin Engineer</strong>" in page
    assert "Bo Backup" in page  # the override, in the next 7 days


def test_the_dashboard_says_who_is_on_duty_and_follows_a_new_override(
    rotas, agent, second_agent, client
):
    client.force_login(agent)
    assert "<strong>Tier 1</strong> Alex Agent" in client.get("/admin/").content.decode()
    now = timezone.now()
    Override.objects.create(
        rota=rotas,
        person=second_agent,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=2),
        reason="Alex on a train",
    )
    assert "<strong>Tier 1</strong> Bo Backup" in client.get("/admin/").content.decode()
