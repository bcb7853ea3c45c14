from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.staff_groups import ENGINEERS
from conftest import make_user
from support.surveys import services
from support.surveys.models import CsatSurvey, FollowUp, NpsCampaign, NpsInvitation
from support.tickets import services as ticket_services
from support.tickets.models import TimelineEvent


@pytest.fixture
def survey(ticket, owner, agent, solve):
    solve(ticket, by=agent)
    return CsatSurvey.objects.get(ticket=ticket, person=owner)


@pytest.fixture
def invitation(organization, owner):
    nps = NpsCampaign.objects.create(name="Spring", status=NpsCampaign.Status.SENT)
    return NpsInvitation.objects.create(campaign=nps, person=owner, organization=organization)


@pytest.mark.parametrize(
    "rating, opened", [(1, True), (2, True), (3, False), (4, False), (5, False)]
)
def test_csat_follow_ups_for_one_and_two_only(survey, engineer, rating, opened):
    services.record_csat(survey, rating)
    assert FollowUp.objects.exists() is opened


@pytest.mark.parametrize(
    "score, opened", [(0, True), (6, True), (7, False), (8, False), (10, False)]
)
def test_nps_follow_ups_for_detractors_only(invitation, engineer, score, opened):
    services.record_nps(invitation, score)
    assert FollowUp.objects.exists() is opened


def test_the_account_manager_gets_it_first(survey, organization, engineer, send_queued_mail):
    manager = make_user("manager@support.example", full_name="Mona Manager", is_staff=True)
    organization.account_manager = manager
    organization.save()
    ticket_services.assign(survey.ticket, engineer, by=None)
    send_queued_mail()

    response, _created = services.record_csat(survey, 1, "Nobody answered for hours")

    follow_up = FollowUp.objects.get()
    assert follow_up.assigned_to == manager
    assert (follow_up.organization, follow_up.ticket, follow_up.person) == (
        organization,
        survey.ticket,
        survey.person,
    )
    assert follow_up.csat_response == response and follow_up.status == "open"
    mail = [m for m in send_queued_mail() if m.to == [manager.email]]
    assert len(mail) == 1
    assert f"Follow-up: CSAT 1/5 from Acme Corp on {survey.ticket.reference}" == mail[0].subject
    assert "Nobody answered for hours" in mail[0].body
    assert reverse("admin:surveys_followup_change", args=[follow_up.pk]) in mail[0].body


def test_then_the_tickets_assignee(survey, agent, engineer):
    ticket_services.assign(survey.ticket, agent, by=None)
    services.record_csat(survey, 2)
    assert FollowUp.objects.get().assigned_to == agent


def test_then_someone_from_tier_two(invitation, engineer, agent):
    services.record_nps(invitation, 3)
    assert FollowUp.objects.get().assigned_to == engineer


def test_tier_two_work_is_shared_out(organization, owner, member, engineer):
    second = make_user("second@support.example", full_name="Sam Second", is_staff=True)
    second.groups.add(Group.objects.get(name=ENGINEERS))
    nps = NpsCampaign.objects.create(name="Spring", status=NpsCampaign.Status.SENT)
    for person in (owner, member):
        services.record_nps(
            NpsInvitation.objects.create(campaign=nps, person=person, organization=organization), 0
        )
    assert {f.assigned_to for f in FollowUp.objects.all()} == {engineer, second}


def test_the_due_date_is_two_business_days_later():
    assert services.add_business_days(date(2026, 11, 19), 2) == date(2026, 11, 23)  # Thu → Mon
    assert services.add_business_days(date(2026, 11, 16), 2) == date(2026, 11, 18)  # Mon → Wed
    assert services.add_business_days(date(2026, 11, 21), 2) == date(2026, 11, 24)  # Sat → Tue


def test_changing_a_rating_does_not_open_a_second_follow_up(survey, engineer):
    services.record_csat(survey, 1)
    services.record_csat(survey, 2)
    services.record_csat(survey, 5)
    assert FollowUp.objects.count() == 1


def test_follow_ups_show_in_the_tickets_timeline(survey, engineer):
    services.record_csat(survey, 1)
    follow_up = FollowUp.objects.get()
    event = TimelineEvent.objects.get(ticket=survey.ticket, kind=services.FOLLOW_UP_KIND)
    assert event.data["follow_up"] == follow_up.pk and event.data["score"] == 1
    assert event.data["assignee"] == "Erin Engineer"
    assert services.FOLLOW_UP_KIND not in TimelineEvent.PUBLIC_KINDS  # staff only

    services.close_follow_up(follow_up, "Called back; the cache fix is live.", by=engineer)
    done = TimelineEvent.objects.get(ticket=survey.ticket, kind=services.FOLLOW_UP_DONE_KIND)
    assert done.data["outcome"] == "Called back; the cache fix is live."


@pytest.fixture
def engineer_client(client, engineer):
    client.force_login(engineer)
    return client


def test_closing_in_the_admin_needs_an_outcome(engineer_client, survey, engineer):
    services.record_csat(survey, 1)
    follow_up = FollowUp.objects.get()
    url = reverse("admin:surveys_followup_change", args=[follow_up.pk])
    form = {
        "assigned_to": engineer.pk,
        "due_on": follow_up.due_on.isoformat(),
        "status": "done",
        "outcome": "  ",
    }

    response = engineer_client.post(url, form)
    assert response.status_code == 200
    assert "Write down the outcome before closing the follow-up." in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == "open"

    response = engineer_client.post(url, {**form, "outcome": "Refunded one month."})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.outcome, follow_up.closed_by) == (
        "done",
        "Refunded one month.",
        engineer,
    )
    assert follow_up.closed_at is not None
    assert TimelineEvent.objects.filter(kind=services.FOLLOW_UP_DONE_KIND).count() == 1


def test_the_database_refuses_a_done_follow_up_without_outcome(survey, engineer):
    from django.db import IntegrityError, transaction

    services.record_csat(survey, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.update(status="done", outcome="")


def test_follow_ups_are_on_the_organisations_admin_page(
    engineer_client, survey, organization, engineer
):
    services.record_csat(survey, 2)
    engineer.user_permissions.add(*_permissions("accounts", "view_organization"))
    page = engineer_client.get(
        reverse("admin:accounts_organization_change", args=[organization.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Survey follow-ups" in html or "survey follow-ups" in html
    assert "CSAT 2/5" in html


def test_agents_may_view_but_not_close_follow_ups(client, agent, survey, engineer):
    services.record_csat(survey, 1)
    follow_up = FollowUp.objects.get()
    client.force_login(agent)
    url = reverse("admin:surveys_followup_change", args=[follow_up.pk])
    assert client.get(url).status_code == 200
    client.post(
        url,
        {"assigned_to": agent.pk, "due_on": timezone.localdate(), "status": "done", "outcome": "x"},
    )
    follow_up.refresh_from_db()
    assert follow_up.status == "open"
    assert timedelta(0) <= follow_up.due_on - timezone.localdate() <= timedelta(days=4)


def _permissions(app_label, codename):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label=app_label, codename=codename)


def test_timeline_words_for_survey_entries(survey, engineer):
    from support.surveys.timeline import describe_survey_event

    services.record_csat(survey, 2)
    services.record_csat(survey, 1)
    services.close_follow_up(FollowUp.objects.get(), "Credited a month.", by=engineer)
    events = TimelineEvent.objects.filter(ticket=survey.ticket).exclude(
        kind__in=["created", "status"]
    )
    words = [describe_survey_event(event) for event in events.order_by("pk")]
    assert words[0] == "Customer rated the support 2/5"
    due = FollowUp.objects.get().due_on
    assert words[1] == (
        "Low satisfaction score (2/5): follow-up opened — assigned to Erin Engineer, "
        f"due {due.day} {due:%b %Y}"  # the portal's date style, not 2026-12-03
    )
    assert words[2] == "Customer changed their satisfaction rating to 1/5"
    assert words[3] == "Satisfaction follow-up closed: Credited a month."
    assert describe_survey_event(TimelineEvent(kind="created")) is None
