"""A strict Content-Security-Policy on every page: the browser refuses nothing on ours.

Chromium reports each blocked script, style, image, frame or form target as a
`securitypolicyviolation` event (and a "Refused to …" console message); the test
collects both while it walks the main pages as a visitor, a customer and staff.
"""

import pytest
from django.core.management import call_command

from conftest import sign_in_with_browser
from support.kb.models import Article
from support.status.models import Incident
from support.tickets.models import Ticket

LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


def test_every_answer_carries_the_policy(client, db):
    policy = client.get("/").headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ):
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert client.get("/accounts/login/").headers["Content-Security-Policy"] == policy
    assert "Content-Security-Policy" in client.get("/status/").headers  # also from its cache
    assert "Content-Security-Policy" in client.get("/status/").headers


def test_the_back_office_has_only_the_documented_exceptions(admin_client):
    policy = admin_client.get("/admin/").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "img-src 'self' data:" in policy and "form-action 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


@pytest.fixture
def watched_page(browser_page):
    problems = []
    browser_page.add_init_script(LISTEN)
    browser_page.on(
        "console",
        lambda message: (
            problems.append(f"{browser_page.url}: {message.text}")
            if "Refused to" in message.text or "CSP violation" in message.text
            else None
        ),
    )
    browser_page.problems = problems
    return browser_page


def visit(page, paths):
    for path in paths:
        response = page.goto(path)
        page.wait_for_load_state("load")
        assert response.status < 500, path


@pytest.mark.browser
def test_no_page_breaks_the_policy(watched_page, transactional_db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    page = watched_page
    article = Article.objects.filter(status="published", visibility="public").first()
    incident = Incident.objects.filter(is_published=True).first()
    ticket = Ticket.objects.filter(organization__name="Acme Corp").first()

    visit(
        page,
        [
            "/",
            "/status/",
            "/status/history/",
            "/status/subscribe/",
            f"/status/incidents/{incident.pk}/",
            "/kb/",
            article.get_absolute_url(),
            "/kb/search/?q=dns",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
            "/no-such-page/",
            "/api/docs/",
        ],
    )

    sign_in_with_browser(page, "customer@example.com", "portal-demo")
    visit(
        page,
        [
            "/",
            "/tickets/",
            "/tickets/new/",
            f"/tickets/{ticket.reference}/",
            "/accounts/profile/",
            "/accounts/organization/",
            "/accounts/email/",
            "/accounts/2fa/",
        ],
    )
    page.goto("/tickets/new/")
    page.get_by_label("Subject").first.fill("Mail bounces from our domain")
    page.wait_for_timeout(800)  # the knowledge-base suggestions arrive by fetch()
    page.context.clear_cookies()

    sign_in_with_browser(page, "admin@example.com", "portal-demo")
    visit(
        page,
        [
            "/admin/",
            "/admin/tickets/ticket/",
            f"/admin/tickets/ticket/{ticket.pk}/change/",
            "/admin/kb/article/",
            f"/admin/kb/article/{article.pk}/change/",
            "/admin/status/incident/",
            "/admin/inbound/inboundemail/",
            "/admin/accounts/organization/",
        ],
    )
    assert page.problems == [], "\n".join(sorted(set(page.problems)))
