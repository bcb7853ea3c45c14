import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.spreadsheets import spreadsheet_safe
from support.surveys.models import CsatResponse, CsatSurvey, NpsCampaign, NpsInvitation, NpsResponse
from support.tickets.models import Category, Team, Ticket

RESULTS = reverse("admin:surveys_surveyresults_changelist")
EXPORT = reverse("admin:surveys_surveyresults_export")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def add_csat(organization, owner):
    count = iter(range(1, 10_000))

    def add(
        rating,
        comment="",
        *,
        days_ago=1,
        assignee=None,
        team="Tier 1",
        category="website-down",
        org=None,
    ):
        ticket = Ticket.objects.create(
            organization=org or organization,
            requester=owner,
            subject=f"Ticket {next(count)}",
            description="…",
            status=Ticket.Status.SOLVED,
            assignee=assignee,
            team=Team.objects.get(name=team),
            category=Category.objects.get(slug=category),
        )
        when = timezone.now() - timedelta(days=days_ago)
        survey = CsatSurvey.objects.create(ticket=ticket, person=owner, emailed_at=when)
        return CsatResponse.objects.create(
            survey=survey, rating=rating, comment=comment, created_at=when, updated_at=when
        )

    return add


@pytest.fixture
def add_nps(organization, owner):
    nps = NpsCampaign.objects.create(
        name="Spring", status=NpsCampaign.Status.SENT, sent_at=timezone.now() - timedelta(days=3)
    )

    def add(score, reason="", *, person=None, days_ago=1):
        from conftest import make_user

        person = person or make_user(f"p{NpsInvitation.objects.count()}@acme.example")
        invitation = NpsInvitation.objects.create(
            campaign=nps, person=person, organization=organization
        )
        when = timezone.now() - timedelta(days=days_ago)
        return NpsResponse.objects.create(
            invitation=invitation, score=score, reason=reason, created_at=when, updated_at=when
        )

    add.campaign = nps
    return add


def test_only_staff_with_the_permission_see_results(client, owner, agent):
    from conftest import make_user

    staff_user = make_user("staff@support.example", is_staff=True)
    client.force_login(owner)
    assert client.get(RESULTS).status_code == 302  # to the admin login
    client.force_login(staff_user)  # staff, no survey permissions
    assert client.get(RESULTS).status_code == 403
    assert client.get(EXPORT).status_code == 403
    client.force_login(agent)
    assert client.get(RESULTS).status_code == 200


def test_the_results_page_agrees_with_the_data(agent_client, add_csat, add_nps, agent, engineer):
    add_csat(5, "Great", assignee=agent)
    add_csat(4, assignee=agent)
    add_csat(2, "Slow", assignee=engineer, team="Tier 2", category="email")
    add_csat(1, assignee=engineer, team="Tier 2", category="email")
    for score in (10, 9, 8, 3):
        add_nps(score, f"reason {score}")

    response = agent_client.get(RESULTS)

    context = response.context
    assert (context["csat_total"]["answers"], context["csat_total"]["score"]) == (4, 50.0)
    assert (context["nps_total"]["answers"], context["nps_total"]["score"]) == (4, 25.0)
    by_agent = {
        row["label"]: (row["answers"], row["score"]) for row in context["csat_groups"][2]["rows"]
    }
    assert by_agent == {"Alex Agent": (2, 100.0), "Erin Engineer": (2, 0.0)}
    by_team = {row["label"]: row["score"] for row in context["csat_groups"][1]["rows"]}
    assert by_team == {"Tier 1": 100.0, "Tier 2": 0.0}
    assert context["csat_rate"] == {"asked": 4, "answered": 4, "rate": 100.0}
    assert context["campaigns"][0]["invited"] == 4 and context["campaigns"][0]["score"] == 25.0
    this_month = context["csat_by_month"][-1]
    html = response.content.decode()
    assert "50.0 %" in html and "25.0" in html
    assert "<svg" in html and "CSAT: share of answers rated 4 or 5, in per cent" in html
    assert "Slow" in html and "reason 3" in html
    assert this_month["answers"] + context["csat_by_month"][-2]["answers"] == 4


def test_filters_narrow_scores_and_comments(agent_client, add_csat, add_nps, agent):
    add_csat(5, "Lovely", assignee=agent)
    add_csat(1, "Terrible", team="Tier 2")
    add_nps(2, "Too pricey")
    add_nps(10, "Reliable")

    context = agent_client.get(RESULTS, {"team": Team.objects.get(name="Tier 1").pk}).context
    assert context["csat_total"]["answers"] == 1
    assert [a.comment for a in context["csat_comments"]] == ["Lovely"]
    assert context["nps_comments"] is None  # NPS isn't about a team

    context = agent_client.get(RESULTS, {"band": "low"}).context
    assert [a.comment for a in context["csat_comments"]] == ["Terrible"]
    assert [a.reason for a in context["nps_comments"]] == ["Too pricey"]
    context = agent_client.get(RESULTS, {"q": "reli", "kind": "nps"}).context
    assert context["csat_comments"] is None
    assert [a.reason for a in context["nps_comments"]] == ["Reliable"]


def test_old_answers_fall_outside_the_default_six_months(agent_client, add_csat):
    add_csat(5, days_ago=1)
    add_csat(1, days_ago=400)
    context = agent_client.get(RESULTS).context
    assert context["csat_total"]["answers"] == 1
    assert len(context["csat_by_month"]) == 6


def read_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_agrees_with_the_page(agent_client, add_csat, add_nps, agent):
    add_csat(5, "Great", assignee=agent)
    add_csat(2, "Slow")
    add_nps(9, "Solid")
    page = agent_client.get(RESULTS).context
    rows = read_csv(agent_client.get(EXPORT))

    csat_rows = [row for row in rows if row["survey"] == "CSAT"]
    nps_rows = [row for row in rows if row["survey"] == "NPS"]
    assert len(csat_rows) == page["csat_total"]["answers"] == 2
    assert len(nps_rows) == page["nps_total"]["answers"] == 1
    assert sorted(int(row["score"]) for row in csat_rows) == [2, 5]
    assert {row["comment"] for row in rows} == {"Great", "Slow", "Solid"}
    assert {row["agent"] for row in csat_rows} == {"Alex Agent", ""}
    assert nps_rows[0]["campaign"] == "Spring"


def test_the_csv_neutralises_formulas(agent_client, add_csat, add_nps):
    add_csat(1, '=HYPERLINK("http://evil.example","click")')
    add_csat(2, "+1 was bad")
    add_csat(3, "-2 stars")
    add_nps(4, "@SUM(A1:A9)")
    add_nps(5, "\tindented")
    add_nps(6, "\rreturn")
    add_nps(7, "fine = fine")
    comments = {row["comment"] for row in read_csv(agent_client.get(EXPORT))}
    assert comments == {
        '\'=HYPERLINK("http://evil.example","click")',
        "'+1 was bad",
        "'-2 stars",
        "'@SUM(A1:A9)",
        "'\tindented",
        "'\rreturn",
        "fine = fine",
    }


def test_spreadsheet_safe_leaves_numbers_and_plain_text():
    assert spreadsheet_safe(-3) == -3
    assert spreadsheet_safe("Good") == "Good"
    assert spreadsheet_safe("") == ""


def test_the_results_page_takes_a_constant_number_of_queries(
    agent_client, add_csat, add_nps, agent, engineer, django_assert_max_num_queries
):
    add_csat(5, "a", assignee=agent)
    add_nps(9, "b")
    with django_assert_max_num_queries(40) as few:
        agent_client.get(RESULTS)
    for index in range(30):
        add_csat(
            index % 5 + 1,
            f"comment {index}",
            assignee=[agent, engineer, None][index % 3],
            days_ago=index * 5 % 170,
            team=["Tier 1", "Tier 2"][index % 2],
        )
        add_nps(index % 11, f"reason {index}", days_ago=index * 5 % 170)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = agent_client.get(RESULTS)
    assert response.context["csat_total"]["answers"] == 31
