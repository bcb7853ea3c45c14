"""Every main page in a real browser, at 1280 and 390 px, in English and Chinese.

For each page: it loads, never scrolls sideways, logs no JavaScript error, axe-core finds
no serious or critical violation, the title reads "Page · Portal", and the regions the
issue named sit where they belong (ticket details beside the conversation on a desktop,
below it on a phone; all 90 uptime days on a phone; no word broken inside KB tables;
the ticket list's columns all visible on a phone; buttons that stay buttons).

One browser; one context per width and language; the demo data once. Problems are
collected over all pages and reported together.
"""

import os
import time

import pytest
from django.conf import settings

from accounts.demo import PASSWORD
from conftest import serve_collected_static

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {1280: 900, 390: 844}
LANGUAGES = ["en", "zh-hans"]
CUSTOMER = "customer@example.com"
STAFF = "admin@example.com"
SERIOUS = {"serious", "critical"}

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Words in a table cell that the browser split over two lines (e.g. "Privat|e key").
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('.prose td, .prose th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/[A-Za-z0-9_.~\\/-]{2,}/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""

BOX = """element => {
  const r = element.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom];
}"""


def demo_pages():
    """The main pages of the issue, found in the demo data."""
    from support.kb.models import Article
    from support.status.models import Incident
    from support.tickets.models import Ticket

    incident = Incident.objects.filter(is_published=True).order_by("-started_at").first()
    article = Article.objects.filter(slug="adding-an-ssh-key").select_related("category").get()
    ticket = (
        Ticket.objects.filter(requester__email=CUSTOMER, status="open", priority="P0")
        .order_by("created_at")
        .first()
    )
    return {
        None: [
            "/",
            "/status/",
            incident.get_absolute_url(),
            "/kb/",
            article.get_absolute_url(),
            "/kb/search/?q=SSL",
        ],
        CUSTOMER: [
            "/",
            "/tickets/",
            "/tickets/new/",
            ticket.get_absolute_url(),
            "/accounts/profile/",
            "/accounts/organization/",
        ],
        STAFF: [
            "/admin/",
            "/admin/tickets/ticket/",
            f"/admin/tickets/ticket/{ticket.pk}/change/",
        ],
    }


def layout_problems(page, path, width, language):
    """The places the issue found wrong, each checked where it applies."""
    problems = []
    if path.startswith("/tickets/") and page.locator(".ticket-side").count():
        main = page.locator(".ticket-main").evaluate(BOX)
        side = page.locator(".ticket-side").evaluate(BOX)
        beside = side[0] >= main[2] - 1 and side[1] < main[3]
        below = side[1] >= main[3] - 1
        if width >= 1024 and not beside:
            problems.append("the details panel is not beside the conversation")
        if width < 768 and not below:
            problems.append("the details panel is not below the conversation")
        numbered = page.locator(".conversation").evaluate(
            "element => getComputedStyle(element).listStyleType"
        )
        if numbered != "none":
            problems.append(f"messages are numbered ({numbered})")
    if path == "/tickets/":
        table = page.locator(".ticket-table").evaluate(BOX)
        wrap = page.locator(".ticket-table").locator("xpath=..").evaluate(BOX)
        if table[2] > wrap[2] + 1:
            problems.append("the ticket table is wider than the page (columns cut off)")
        button = page.locator(".ticket-filters button").evaluate(BOX)
        if width >= 1024 and button[2] - button[0] > 200:
            problems.append(f"the Filter button is {button[2] - button[0]:.0f} px wide")
    if path == "/" and page.locator(".hero-search button").count():
        button = page.locator(".hero-search button").evaluate(BOX)
        field = page.locator(".hero-search input").evaluate(BOX)
        if button[3] - button[1] > (field[3] - field[1]) * 1.3:
            problems.append("the search button is taller than the search field (text wraps)")
    if path == "/status/":
        days = page.locator(".uptime-bar").first.locator(".day")
        shown = days.evaluate_all(
            "items => items.filter(item => item.getBoundingClientRect().width > 0).length"
        )
        if shown != days.count():
            problems.append(f"{shown} of {days.count()} uptime days shown")
    if "/kb/" in path and page.locator(".prose td").count():
        broken = page.evaluate(BROKEN_WORDS)
        if broken:
            problems.append(f"words broken inside table cells: {broken[:5]}")
    return problems


def check_page(page, axe, path, width, language, errors):
    problems = []
    errors.clear()
    response = page.goto(path, wait_until="load")
    if response is None or response.status != 200:
        return [f"answered {response.status if response else 'nothing'}"]
    title = page.title()
    ours = not path.startswith("/admin/")  # the back office titles its pages its own way
    if ours and (not title.endswith(" · " + settings.SITE_NAME) or title.startswith(" · ")):
        problems.append(f"title {title!r}")
    overflow = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if overflow[0] > overflow[1]:
        problems.append(f"scrolls sideways ({overflow[0]} px in {overflow[1]} px)")
    problems += layout_problems(page, path, width, language)
    results = axe.run(page)
    for violation in results.response["violations"]:
        if violation["impact"] in SERIOUS:
            targets = [node["target"] for node in violation["nodes"][:3]]
            problems.append(f"axe {violation['impact']}: {violation['id']} at {targets}")
    problems += [f"console: {error}" for error in errors]
    return problems


def seed_demo():
    """The demo people, tickets, status and articles (not the survey history: not needed)."""
    from accounts import demo as accounts_demo
    from support.kb import demo as kb_demo
    from support.status import demo as status_demo
    from support.tickets import demo as tickets_demo

    for demo in (accounts_demo, tickets_demo, status_demo, kb_demo):
        demo.seed(stdout=open(os.devnull, "w"))  # noqa: SIM115


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{email} could not sign in"


def test_every_main_page_looks_right_at_both_widths_in_both_languages(live_server):
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Debian's Chromium (/usr/bin/chromium) is not installed")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from accounts.models import User

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs an event loop
    seeding = time.monotonic()
    seed_demo()
    pages = demo_pages()
    print(f"\ndemo data in {time.monotonic() - seeding:.0f} s")
    axe = Axe()
    report = []
    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for language in LANGUAGES:
            User.objects.filter(email__in=[CUSTOMER, STAFF]).update(language=language)
            for width, height in WIDTHS.items():
                context = browser.new_context(
                    base_url=live_server.url,
                    viewport={"width": width, "height": height},
                    locale="zh-CN" if language == "zh-hans" else "en-US",
                )
                context.add_cookies(
                    [{"name": "django_language", "value": language, "url": live_server.url}]
                )
                context.route("**/static/**", serve_collected_static)
                page = context.new_page()
                page.set_default_timeout(30000)
                errors = []
                page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
                page.on(
                    "console",
                    lambda message, errors=errors: (
                        message.type == "error"
                        and errors.append(f"{message.text} {message.location.get('url', '')}")
                    ),
                )
                for who, paths in pages.items():
                    if who:
                        sign_in(page, who)
                    for path in paths:
                        for problem in check_page(page, axe, path, width, language, errors):
                            report.append(
                                f"{language} {width}px {who or 'visitor'} {path}: {problem}"
                            )
                    if who:
                        context.clear_cookies()
                        context.add_cookies(
                            [{"name": "django_language", "value": language, "url": live_server.url}]
                        )
                context.close()
        browser.close()
    checks = sum(map(len, pages.values())) * len(WIDTHS) * len(LANGUAGES)
    print(f"{checks} page checks in {time.monotonic() - started:.0f} s")
    print("\n".join(report))
    assert not report, f"{len(report)} problems (listed above)"
