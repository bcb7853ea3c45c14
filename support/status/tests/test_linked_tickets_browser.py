"""Staff post an incident update to its three linked tickets in the back office; each of the
three customers then reads it on their own ticket."""

import pytest
from django.contrib.auth.models import Group

from accounts.staff_groups import AGENTS
from conftest import make_user, sign_in_with_browser

from .conftest import open_incident
from .test_linked_tickets import customer_tickets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ENGLISH = "A failed disk on web03; we are replacing it."
CHINESE = "web03 的一块硬盘故障，我们正在更换。"


def test_staff_post_an_update_to_three_linked_tickets_and_each_customer_sees_it(browser_page, web):
    agent = make_user("agent@example.com", full_name="Alex Agent", is_staff=True)
    agent.groups.add(Group.objects.get(name=AGENTS))
    incident = open_incident([web], name="Web servers down")
    tickets = customer_tickets(2, incident) + customer_tickets(1, incident, language="zh-hans")
    page = browser_page

    sign_in_with_browser(page, agent.email)
    page.goto(f"/admin/status/incident/{incident.pk}/change/")
    for ticket in tickets:
        assert page.get_by_role("link", name=ticket.reference).is_visible()
    page.get_by_label("New status").select_option(label="Identified")
    page.get_by_label("Update message", exact=True).fill(ENGLISH)
    page.get_by_label("Update message (Chinese)").fill(CHINESE)
    page.get_by_label("Also post this update to the 3 linked open tickets").check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("It is being posted to 3 linked tickets.").is_visible()

    for ticket in tickets:
        page.context.clear_cookies()
        sign_in_with_browser(page, ticket.requester.email)
        page.goto(ticket.get_absolute_url())
        if ticket.requester.language == "zh-hans":
            assert page.get_by_text(CHINESE).is_visible()
            assert page.get_by_text("故障“Web servers down”的最新进展：已确认原因").is_visible()
        else:
            assert page.get_by_text(ENGLISH).is_visible()
            heading = "Update on the incident “Web servers down”: Identified"
            assert page.get_by_text(heading).is_visible()
