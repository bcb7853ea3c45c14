import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from accounts.models import Membership
from conftest import make_user
from support.reports.models import MonthlyMailing, ReportPreference
from support.reports.tasks import send_monthly_reports
from support.reports.templatetags.reports_tags import percent

from .conftest import at

pytestmark = pytest.mark.django_db


def test_owner_reads_the_month(october, owner_client):
    response = owner_client.get("/reports/2026-10/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'id="metric-opened">\s*20<', html)
    assert re.search(r'id="metric-solved">\s*10<', html)
    assert re.search(r'id="metric-first_response">\s*85.0 %', html)
    assert re.search(r'id="metric-resolution">\s*90.0 %', html)
    assert re.search(r'id="metric-median">\s*52 min', html)
    assert re.search(r'id="metric-uptime">\s*99.556 %', html)
    assert "Uptime was 99.556 %" in html  # the credit's explanation, the same figure
    assert re.search(r'id="metric-credit">\s*25.0 %', html)
    assert "Web maintenance" in html and "not monitored" in html
    assert re.search(r"reports/print\.\w+\.css\" media=\"print\"", html)
    assert "<script" not in html.split("</main>")[0].split("<main")[1]
    listing = owner_client.get("/reports/").content.decode()
    assert 'href="/reports/2026-01/"' in listing  # the organisation's first month
    assert 'href="/reports/2025-12/"' not in listing


def test_percentages_are_rounded_like_the_credit_explanation():
    assert percent(99.8669, 3) == "99.867 %"
    assert percent(99.9996, 3) == "100.000 %"
    assert percent(None) == "—"
    with translation.override("zh-hans"):
        assert percent(85.04) == "85.0 %"


def test_members_need_an_owners_permission(october, member, owner_client, organization):
    client = Client()
    client.force_login(member)
    assert client.get("/reports/2026-10/").status_code == 404
    owner_client.post("/reports/sharing/", {"members_see_reports": "on"})
    organization.refresh_from_db()
    assert organization.members_see_reports
    assert client.get("/reports/2026-10/").status_code == 200
    assert client.post("/reports/sharing/", {}).status_code == 404  # members can't change it


def test_another_organisations_report_is_404(october, client, outsider, organization):
    client.force_login(outsider)
    assert client.get(f"/reports/2026-10/?organization={organization.pk}").status_code == 404
    response = client.get("/reports/2026-10/")
    assert response.status_code == 200
    assert "Acme Corp" not in response.content.decode()


def test_customer_report_queries_are_constant(
    october, owner_client, organization, owner, django_assert_max_num_queries
):
    from .conftest import make_ticket

    with django_assert_max_num_queries(25) as first:
        owner_client.get("/reports/2026-10/")
    for number in range(25):
        make_ticket(organization, owner, at(10, 1 + number, 3), first_response_outcome="met")
    with django_assert_max_num_queries(len(first)):
        owner_client.get("/reports/2026-10/")


def test_monthly_emails_in_each_persons_language(october, organization, send_queued_mail, engineer):
    chinese = make_user("admin@acme.example", full_name="王芳", language="zh-hans")
    Membership.objects.create(user=chinese, organization=organization, role="admin")
    quiet = make_user("quiet@acme.example")
    Membership.objects.create(user=quiet, organization=organization, role="admin")
    ReportPreference.objects.create(user=quiet, opted_out=True)

    assert send_monthly_reports(today=at(11, 15).date()) == 0  # only on the first days
    sent = send_monthly_reports(today=at(11, 1).date())
    assert send_monthly_reports(today=at(11, 2).date()) == 0  # once
    messages = {message.to[0]: message for message in send_queued_mail()}
    assert sent == 3  # owner, 王芳, the engineer (Globex only joined in November)
    assert "quiet@acme.example" not in messages and "member@acme.example" not in messages

    english = messages["owner@acme.example"]
    assert english.subject == "Service report October 2026 for Acme Corp"
    assert "First response on time: 85.0 % (17 met, 3 missed)" in english.body
    assert "Uptime: 99.556 %" in english.body
    assert "SLA credit owed: 25.0 % of the monthly fee." in english.body
    assert f"/reports/2026-10/?organization={organization.pk}" in english.body

    zh = messages["admin@acme.example"]
    with translation.override("zh-hans"):
        assert "2026年10月" in zh.subject
    assert "首次响应" in zh.body and "85.0 %" in zh.body

    problems = messages["engineer@support.example"]
    assert "October 2026" in problems.subject
    assert "/admin/reports/problems/?month=2026-10" in problems.body
    assert MonthlyMailing.objects.count() == 3


def test_the_report_email_stops_with_one_click(october, organization, owner, send_queued_mail):
    send_monthly_reports(today=at(11, 1).date())
    email = next(m for m in send_queued_mail() if m.to == [owner.email])
    message = email.message()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip().strip("<>")
    assert f"Stop it with one click: {link}" in email.body
    url = link.split("://", 1)[1]
    url = url[url.index("/") :]
    assert url.startswith("/reports/opt-out/")

    client = Client(enforce_csrf_checks=True)  # mail clients send no session and no CSRF token
    response = client.get(url)
    assert response.status_code == 200 and "Stop this email" in response.content.decode()
    assert not ReportPreference.objects.filter(user=owner, opted_out=True).exists()
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "won't receive the monthly service report email any more" in response.content.decode()
    assert ReportPreference.objects.get(user=owner).opted_out
    assert client.post(url[:-5] + "xxxx/").status_code == 400

    MonthlyMailing.objects.all().delete()
    mail.outbox.clear()
    assert send_monthly_reports(today=at(11, 1).date()) == 0  # she was the only recipient
    assert owner.email not in {m.to[0] for m in send_queued_mail()}


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1999-12", "garbage"])
def test_a_month_outside_the_reports_is_404(owner_client, month):
    assert owner_client.get(f"/reports/{month}/").status_code == 404
