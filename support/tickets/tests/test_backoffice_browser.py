"""An agent's journey through the back office in a real browser, then the customer's view."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_user, sign_in_with_browser
from support.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_agent(db):
    from django.contrib.auth.models import Group

    from accounts.staff_groups import AGENTS

    user = make_user("agent@example.com", full_name="Alex Agent", is_staff=True)
    user.groups.add(Group.objects.get(name=AGENTS))
    return user


def test_agent_answers_the_top_breached_ticket_and_the_customer_sees_it(
    browser_page, demo_agent, open_ticket, owner
):
    late = open_ticket(subject="Checkout returns 502")
    calm = open_ticket(subject="Question about invoices")
    Ticket.objects.filter(pk=late.pk).update(next_due_at=timezone.now() - timedelta(minutes=20))
    page = browser_page

    sign_in_with_browser(page, demo_agent.email)
    assert page.url.endswith("/admin/")  # staff land in the back office
    page.locator("#dash-breached").click()
    page.wait_for_load_state()
    assert "view=breached" in page.url
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and calm.reference not in rows.first.inner_text()
    rows.first.get_by_role("link").first.click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", name="Checkout returns 502", exact=True).is_visible()
    page.get_by_label("Message").fill("We rolled back the deploy. Does checkout work now?")
    page.get_by_label("Then set status to").select_option(label="Waiting on customer")
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_load_state()
    assert page.get_by_text("Reply sent.").is_visible()
    late.refresh_from_db()
    assert late.status == "pending"

    page.context.clear_cookies()
    sign_in_with_browser(page, owner.email)
    page.goto(late.get_absolute_url())
    assert page.get_by_text("We rolled back the deploy. Does checkout work now?").is_visible()
    # On a desktop the status shows in the side panel (the phone's copy above is hidden).
    assert page.locator(".ticket-side").get_by_text("Waiting on you", exact=True).is_visible()
