import csv
import io
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization
from accounts.staff_groups import AGENTS
from conftest import make_user
from support.reports.aggregates import has_update_target
from support.reports.filters import ReportFilters
from support.reports.periods import Period
from support.reports.scope import StaffScope
from support.reports.staff import ProblemsReport, SlaReport, VolumeReport
from support.tickets.models import Category, Team

from .conftest import at, make_ticket

pytestmark = pytest.mark.django_db
OCTOBER = "month=2026-10"


def acme():
    return Organization.objects.get(name="Acme Corp")


def sla_report(user, query=None):
    """Acme's October unless asked otherwise (Globex has a ticket too)."""
    scope = StaffScope(user)
    query = {"month": "2026-10", "organization": str(acme().pk), **(query or {})}
    return SlaReport(scope, ReportFilters(query, scope))


class Tables(HTMLParser):
    """The cells of every <table id="table-…"> of a page, as text."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.cell = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id", "").startswith("table-"):
            self.current = self.tables.setdefault(attrs["id"][6:], [])
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag in ("td", "th") and self.current is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None
        elif tag in ("td", "th") and self.cell is not None:
            self.current[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def page_tables(response):
    parser = Tables()
    parser.feed(response.content.decode())
    return parser.tables


def test_attainment_medians_and_percentiles_are_exact(october, engineer):
    report = sla_report(engineer)
    totals = report.totals()
    assert totals["tickets"] == 20
    assert (totals["first_response_met"], totals["first_response_breached"]) == (17, 3)
    assert totals["first_response_pct"] == 85.0
    assert (totals["resolution_met"], totals["resolution_breached"]) == (9, 1)
    assert totals["resolution_pct"] == 90.0
    durations = {row["measure"]: row for row in report.durations_table().rows}
    first, resolution = durations["First response"], durations["Resolution"]
    assert first["count"] == 20
    assert first["median"] == pytest.approx(52.5)
    assert first["p90"] == pytest.approx(90.5)
    assert first["median_business"] == pytest.approx(42.5)
    assert first["p90_business"] == pytest.approx(80.5)
    assert resolution["count"] == 10
    assert resolution["median"] == pytest.approx(330)
    assert resolution["p90"] == pytest.approx(546)


def test_breakdowns_by_tier_priority_and_team(october, engineer):
    report = sla_report(engineer)
    rows = {(row["tier"], row["priority"]): row for row in report.tier_priority_table().rows}
    assert set(rows) == {("Business", "P0"), ("Business", "P1"), ("Business", "P2")}
    assert rows[("Business", "P0")]["first_response_pct"] == 0.0
    assert rows[("Business", "P1")]["tickets"] == 5
    assert rows[("Business", "P2")]["tickets"] == 12
    teams = {row["group"]: row for row in report.team_table().rows}
    assert teams["Tier 1"]["first_response_pct"] == 100.0
    assert teams["Tier 1"]["resolution_pct"] == 90.0
    assert teams["Tier 2"]["first_response_pct"] == 70.0
    trend = report.trend().rows
    assert len(trend) == 12
    assert trend[-1]["tickets"] == 20
    assert trend[-2]["tickets"] == 1  # the September ticket


def test_filters_narrow_every_figure(october, engineer):
    report = sla_report(engineer, {"priority": "P0"})
    assert report.totals()["tickets"] == 3
    assert report.totals()["first_response_pct"] == 0.0
    report = sla_report(engineer, {"tier": "business", "organization": ""})
    assert report.totals()["tickets"] == 20
    report = sla_report(engineer, {"tier": "standard", "organization": ""})
    assert report.totals()["tickets"] == 1
    assert report.totals()["first_response_pct"] == 0.0
    report = sla_report(engineer, {"tier": "enterprise", "organization": ""})
    assert report.totals()["tickets"] == 0
    assert report.totals()["first_response_pct"] is None


def test_any_date_range(october, engineer):
    report = sla_report(engineer, {"month": "", "start": "2026-10-02", "end": "2026-10-06"})
    assert report.period == Period(at(10, 2).date(), at(10, 7).date())
    assert report.totals()["tickets"] == 5


def test_the_page_shows_the_figures_and_links_to_the_breaches(october, admin_user, client):
    client.force_login(admin_user)
    response = client.get(f"/admin/reports/sla/?{OCTOBER}&organization={acme().pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'id="metric-first_response">\s*85.0 %', html)
    assert re.search(r'id="metric-resolution">\s*90.0 %', html)
    assert "first_response_outcome__exact=breached" in html
    report = html.split('class="staff-report"')[1].split("<script")[0]  # the theme's scripts follow
    assert "<svg" in report and "style=" not in report
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
    tables = page_tables(response)
    assert tables["durations"][1][:4] == ["First response", "20", "52 min", "1 h 30 min"]


def test_the_organisations_admin_page_links_to_its_reports(october, admin_user, client):
    client.force_login(admin_user)
    html = client.get(f"/admin/accounts/organization/{acme().pk}/change/").content.decode()
    link = f'href="/admin/reports/sla/?organization={acme().pk}"'
    assert link in html and f'href="/admin/reports/volume/?organization={acme().pk}"' in html
    response = client.get(f"/admin/reports/sla/?organization={acme().pk}")
    assert response.status_code == 200


@pytest.mark.parametrize("slug", ["sla", "volume", "problems", "agents"])
def test_every_table_downloads_as_csv_equal_to_the_page(october, admin_user, client, slug):
    client.force_login(admin_user)
    response = client.get(f"/admin/reports/{slug}/?{OCTOBER}")
    shown = page_tables(response)
    assert shown
    for table_id, rows in shown.items():
        download = client.get(f"/admin/reports/{slug}/?{OCTOBER}&format=csv&table={table_id}")
        assert download["Content-Type"].startswith("text/csv")
        assert "attachment" in download["Content-Disposition"]
        data = list(csv.reader(io.StringIO(download.content.decode())))
        assert len(data) == len(rows), table_id
        assert data[0] == rows[0]
        for page_row, csv_row in zip(rows[1:], data[1:], strict=True):
            for page_cell, csv_cell in zip(page_row, csv_row, strict=True):
                assert same_figure(page_cell, csv_cell), (table_id, page_cell, csv_cell)


def same_figure(page_cell, csv_cell):
    if page_cell == "—":
        return csv_cell == ""
    if page_cell == csv_cell:
        return True
    minutes = re.fullmatch(r"(?:(\d+) d )?(?:(\d+) h ?)?(?:(\d+) min)?", page_cell)
    if minutes and csv_cell:
        days, hours, mins = (int(part or 0) for part in minutes.groups())
        return round(float(csv_cell)) // (60 if days else 1) == (
            (days * 24 + hours) if days else (hours * 60 + mins)
        )
    return False


def test_csv_cells_cannot_run_as_formulas(october, admin_user, client):
    Category.objects.filter(slug="billing").update(name='=HYPERLINK("http://evil")')
    make_ticket(
        october[0].organization,
        october[0].requester,
        at(10, 3),
        category=Category.objects.get(slug="billing"),
    )
    client.force_login(admin_user)
    download = client.get(f"/admin/reports/sla/?{OCTOBER}&format=csv&table=category")
    assert "'=HYPERLINK" in download.content.decode()


def test_agents_see_their_teams_tickets_only(october, agent, client):
    report = sla_report(agent)
    assert report.totals()["tickets"] == 10
    assert report.totals()["first_response_pct"] == 100.0
    client.force_login(agent)
    response = client.get(f"/admin/reports/sla/?{OCTOBER}")
    assert response.status_code == 200
    assert "Tier 2" not in [row[0] for row in page_tables(response)["team"][1:]]
    assert client.get("/admin/reports/credits/?month=2026-10").status_code == 404
    other = Team.objects.get(name="Tier 2")
    response = client.get(f"/admin/reports/sla/?{OCTOBER}&team={other.pk}")
    assert response.context["totals"]["tickets"] == 10  # a team that isn't theirs is ignored


def test_customers_and_staff_without_a_group_get_no_reports(october, owner, client):
    client.force_login(owner)
    assert client.get("/admin/reports/sla/").status_code == 302
    stranger = make_user("temp@support.example", is_staff=True)
    client.force_login(stranger)
    assert client.get("/admin/reports/sla/").status_code == 403


def test_volume_per_day_and_backlog(october, engineer):
    scope = StaffScope(engineer)
    query = {"month": "2026-10", "organization": str(acme().pk)}
    report = VolumeReport(scope, ReportFilters(query, scope))
    days = report.per_day().rows
    assert len(days) == 31
    assert sum(row["created"] for row in days) == 20
    assert sum(row["solved"] for row in days) == 10
    # the September ticket was open when October began; 10 of October's are still open
    assert days[0]["backlog"] == 1
    assert days[-1]["backlog"] == 1 + 10
    assert report.channel_table().rows == [{"channel": "Web", "count": 20, "share": 100.0}]
    from support.tickets.models import TimelineEvent

    for ticket in october[:4]:
        TimelineEvent.objects.create(
            ticket=ticket, kind="status", data={"old": "open", "new": "solved"}
        )
    TimelineEvent.objects.create(
        ticket=october[0], kind="status", data={"old": "solved", "new": "open"}
    )
    assert report.reopen_table().rows == [{"solved": 4, "reopened": 1, "rate": 25.0}]


def test_frequent_problems_segment_chinese_subjects(october, engineer, organization, owner):
    email = Category.objects.get(slug="email")
    for subject in ["邮件发送失败", "邮件发送很慢", "无法接收邮件", "SSL certificate expired"]:
        make_ticket(organization, owner, at(10, 12), subject=subject, category=email)
    make_ticket(organization, owner, at(9, 12), subject="邮件", category=email)
    scope = StaffScope(engineer)
    report = ProblemsReport(scope, ReportFilters({"month": "2026-10"}, scope))
    words = {row["category"]: row["words"] for row in report.words_table().rows}
    assert "邮件发送 (2)" in words["Email"]
    categories = {row["group"]: row for row in report.category_table().rows}
    assert categories["Email"]["count"] == 4
    assert categories["Email"]["previous"] == 1
    assert categories["Email"]["change"] == 3


def test_query_counts_do_not_grow_with_tickets(october, admin_user, client, organization, owner):
    client.force_login(admin_user)
    urls = [f"/admin/reports/{slug}/?{OCTOBER}" for slug in ("sla", "volume", "problems", "agents")]
    urls.append("/admin/reports/credits/?month=2026-10")

    def counts():
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    before = counts()
    for number in range(30):
        make_ticket(
            organization,
            owner,
            at(10, 1 + number % 28, 9),
            subject=f"Another problem {number}",
            first_response_outcome="met",
            category=Category.objects.order_by("?").first(),
        )
    assert counts() == before


def test_workload_per_agent(october, engineer):
    from support.reports.staff import AgentsReport

    scope = StaffScope(engineer)
    query = {"month": "2026-10", "organization": str(acme().pk)}
    rows = {
        row["agent"]: row for row in AgentsReport(scope, ReportFilters(query, scope)).table().rows
    }
    assert rows["Sam Support"]["open"] == 0
    assert rows["Sam Support"]["solved"] == 10
    assert rows["Sam Support"]["first_pct"] == 100.0
    assert rows["Sam Support"]["replies"] == 1
    assert rows["Eve Expert"]["open"] == 10
    assert rows["Eve Expert"]["first_met"] == 7
    assert rows["Eve Expert"]["first_pct"] == 70.0


def test_reports_are_reachable_from_an_agent_in_the_group(agent):
    assert agent.groups.filter(name=AGENTS).exists()
    assert StaffScope(agent).team_ids == [Team.objects.get(group=Group.objects.get(name=AGENTS)).pk]


@pytest.mark.skipif(
    not has_update_target(), reason="the update-every target comes with the on-call work"
)
def test_update_attainment_counts_every_update(october, engineer):
    from support.tickets.models import Ticket

    Ticket.objects.filter(pk=october[0].pk).update(updates_on_time=3, updates_missed=1)
    Ticket.objects.filter(pk=october[1].pk).update(updates_on_time=4)
    totals = sla_report(engineer).totals()
    assert (totals["update_met"], totals["update_breached"], totals["update_pct"]) == (7, 1, 87.5)


def test_one_grouping_sets_query_counts_as_one_query_per_breakdown(october, engineer):
    """The SLA report's breakdowns come from one GROUPING SETS query, its trend from
    another cut into months; the same figures as one query per breakdown (the path for
    databases without GROUPING SETS)."""
    from support.reports.aggregates import _attainment_by_sets_one_by_one, attainment_by_sets

    def ordered(found):
        return {
            name: sorted(rows, key=lambda row: repr(sorted(row.items())))
            for name, rows in found.items()
        }

    report = sla_report(engineer, {"organization": ""})
    tickets = report.opened()
    sets, labels = SlaReport.BREAKDOWNS, SlaReport.LABELS
    one = attainment_by_sets(tickets, sets, labels)
    assert ordered(one) == ordered(_attainment_by_sets_one_by_one(tickets, sets, labels, None))
    assert one["total"] == [
        {
            "tickets": 21,  # Acme's 20 and Globex's
            "first_response_met": 17,
            "first_response_breached": 4,
            "resolution_met": 9,
            "resolution_breached": 1,
            **({"update_met": 0, "update_breached": 0} if has_update_target() else {}),
        }
    ]
    teams = {row["team__name"]: row["tickets"] for row in one["team"]}
    assert (teams["Tier 1"], teams["Tier 2"]) == (10, 10)

    edges = [at(9, 1), at(10, 1), at(10, 15), at(11, 1), at(12, 1)]
    sliced = attainment_by_sets(report.all_tickets(), sets, labels, edges)
    assert ordered(sliced) == ordered(
        _attainment_by_sets_one_by_one(
            report.all_tickets().filter(created_at__gte=edges[0], created_at__lt=edges[-1]),
            sets,
            labels,
            edges,
        )
    )
    assert {row["slice"]: row["tickets"] for row in sliced["total"]} == {0: 1, 1: 14, 2: 7, 3: 1}


def test_the_filter_lists_draw_as_djangos_select_does(october, engineer):
    from django import forms

    def drawn(html):
        return " ".join(html.split()).replace("> <", "><")

    scope = StaffScope(engineer)
    filters = ReportFilters({"month": "2026-10", "organization": str(acme().pk)}, scope)
    for name in ("tier", "priority", "team", "category", "organization"):
        field = filters[name]
        django = forms.Select.render(
            field.field.widget, field.html_name, field.value(), {"id": field.auto_id}
        )
        assert drawn(str(field)) == drawn(django)
    assert f'<option value="{acme().pk}" selected>Acme Corp</option>' in str(
        filters["organization"]
    )


@pytest.mark.parametrize(
    "url",
    [
        "/admin/reports/sla/?month=9999-12",
        "/admin/reports/sla/?start=9999-12-31&end=9999-12-31",
        "/admin/reports/sla/?start=0001-01-01&end=0001-01-01",
        "/admin/reports/volume/?start=0001-01-01&end=0001-01-02",
        "/admin/reports/agents/?month=0001-01",
        "/admin/reports/problems/?start=9999-12-30&end=9999-12-31",
        "/admin/reports/problems/?start=9999-12-30&end=9999-12-31&format=csv",
        "/admin/reports/credits/?month=9999-12",
        "/admin/reports/credits/?month=0001-01&format=csv",
    ],
)
def test_dates_outside_the_reports_show_the_current_month(admin_user, client, url):
    """As for dates that don't parse (?month=garbage)."""
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    current = Period.from_query({})
    if "format=csv" in url:
        assert current.slug in response["Content-Disposition"]
    else:
        assert response.context["period"] == current
