"""The on-call agent opens the acknowledge link from the page email and acknowledges."""

import re

import pytest

from support.oncall.models import Alert

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_on_call_agent_acknowledges_from_the_page_email(
    browser_page, live_server, rotas, open_ticket, agent, send_queued_mail
):
    ticket = open_ticket(priority="P0", subject="Checkout returns 502")
    email = next(m for m in send_queued_mail() if m.subject.startswith("PAGE"))
    assert email.to == [agent.email]
    link = re.search(r"https://support\.example\.com(/oncall/ack/\S+/)", email.body).group(1)

    page = browser_page
    page.goto(link)
    assert page.get_by_role("heading", name="New P0 ticket").is_visible()
    assert page.get_by_text(f"{ticket.reference} — Checkout returns 502").is_visible()
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().startswith("Acknowledged by Alex Agent")

    alert = Alert.objects.get(ticket=ticket)
    assert alert.acknowledged_by == agent
    ticket.refresh_from_db()
    assert ticket.assignee == agent
