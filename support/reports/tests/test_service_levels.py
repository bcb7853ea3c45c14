import pytest

from support.reports import credits
from support.reports.periods import Period
from support.reports.service_levels import organization_months, owed_credits

from .conftest import MONTH_MINUTES, at

pytestmark = pytest.mark.django_db
OCTOBER = Period.month(at(10, 1).date())
LATER = at(12, 1)


def test_uptime_per_service_and_organisation(october, organization):
    month = organization_months(OCTOBER, [organization], now=LATER)[0]
    levels = {level.service.name: level for level in month.services}
    assert levels["shop"].downtime_minutes == pytest.approx(138)
    assert levels["shop"].uptime == pytest.approx(100 * (1 - 138 / MONTH_MINUTES))
    assert levels["acme.example"].uptime == pytest.approx(100 * (1 - 60 / MONTH_MINUTES))
    assert levels["backup box"].measured is False
    assert levels["backup box"].uptime is None
    assert month.downtime_minutes == pytest.approx(198)
    assert month.uptime == pytest.approx(99.556451612903)


def test_credit_from_uptime_and_late_p0(october, organization):
    month = organization_months(OCTOBER, [organization], now=LATER)[0]
    assert month.commitment == 99.9
    assert month.late_p0 == 3
    assert month.credit.step == credits.Step(below=99.9, credit=10.0)
    assert month.credit.uptime_credit == 10.0
    assert month.credit.p0_credit == 15.0
    assert month.credit.total == 25.0


def test_incidents_listed_with_their_minutes_in_the_month(october, organization):
    month = organization_months(OCTOBER, [organization], now=LATER, with_maintenance=True)[0]
    listed = {incident.name: minutes for incident, minutes, _services in month.incidents}
    assert listed == {
        "Web down over midnight": 60,
        "MySQL down": 60,
        "Web slow": 90,
        "Web maintenance": 240,
        "DNS down over midnight": 60,
    }


def test_only_organisations_owed_a_credit_are_listed(october, organization, second_organization):
    owed = owed_credits(OCTOBER, now=LATER)
    assert [month.organization for month in owed] == [organization]


@pytest.mark.parametrize(
    ("uptime", "expected"),
    [(99.96, 0), (99.95, 0), (99.94, 10), (99.5, 10), (99.49, 25), (98.9, 50), (None, 0)],
)
def test_enterprise_steps(uptime, expected):
    terms = credits.Terms(
        commitment=99.95,
        steps=(credits.Step(99.95, 10), credits.Step(99.5, 25), credits.Step(99, 50)),
    )
    assert credits.credit_for_month(uptime, 0, terms).total == expected


def test_credit_is_capped():
    terms = credits.Terms(99.9, (credits.Step(99.9, 50),), p0_response_credit=30, maximum=60)
    credit = credits.credit_for_month(90, 1, terms)
    assert (credit.total, credit.capped) == (60, True)


def test_credits_page_and_csv(october, admin_user, client):
    client.force_login(admin_user)
    response = client.get("/admin/reports/credits/?month=2026-10")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Corp" in html and "Globex" not in html
    download = client.get("/admin/reports/credits/?month=2026-10&format=csv")
    lines = download.content.decode().splitlines()
    assert lines[0].startswith("Organisation,Tier,Uptime %")
    assert lines[1].startswith("Acme Corp,Business,99.556,99.900,198.0,10.0,3,15.0,25.0,")
    assert 'filename="credits-credits-2026-10.csv"' in download["Content-Disposition"]
