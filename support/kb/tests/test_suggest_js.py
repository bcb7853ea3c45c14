"""static/kb/suggest.js in a real browser: typed subjects bring up matching articles."""

import os

import pytest
from django.db import connections

from support.kb.models import Article, ArticleTranslation, Category

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="/usr/bin/chromium is missing"),
]


@pytest.fixture
def browser_page():
    sync_api = pytest.importorskip("playwright.sync_api")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser.new_page()
        browser.close()
        # Database work inside Playwright's context gets its own connection: close it,
        # or the test database can't be dropped at the end of the run.
        connections.close_all()


def test_typing_a_subject_lists_matching_articles(live_server, transactional_db, browser_page):
    category = Category.objects.create(slug="email", name_en="Email")
    article = Article.objects.create(slug="spf-record", category=category, status="published")
    ArticleTranslation.objects.create(
        article=article, language="en", title="Setting up an SPF record", body="TXT record."
    )
    page = browser_page
    page.goto(f"{live_server.url}/kb/")
    page.evaluate(
        """() => {
            const input = document.createElement("input");
            input.id = "id_subject";
            const box = document.createElement("div");
            box.setAttribute("data-kb-suggestions", "");
            document.querySelector("main").append(input, box);
        }"""
    )
    page.add_script_tag(url=f"{live_server.url}/static/kb/suggest.js")
    page.fill("#id_subject", "SPF")
    link = page.locator("[data-kb-suggestions] a")
    link.wait_for(timeout=5000)
    assert link.inner_text() == "Setting up an SPF record"
    assert link.get_attribute("href") == "/kb/email/spf-record/?from=ticket-form"
    assert page.get_attribute("[data-kb-suggestions]", "aria-live") == "polite"
