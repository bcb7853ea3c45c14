"""Finding 11: email subjects and plain-text bodies are text, never HTML-escaped."""

import pytest
from django.utils import timezone

from support.status.models import Incident, Subscriber
from support.surveys.services import send_csat_survey
from support.tickets import services
from support.tickets.models import Ticket

SUBJECT = "Q&A <b>Tom's</b> 网站 & 数据库"
ESCAPED = ("&amp;", "&lt;", "&gt;", "&#x27;", "&#39;", "&quot;")


def assert_text(value):
    assert not [entity for entity in ESCAPED if entity in value], value


@pytest.fixture
def ticket(open_ticket):
    return open_ticket(subject=SUBJECT, description="<script>alert('x')</script> & more")


@pytest.mark.django_db
def test_the_received_email_reads_the_subject_as_written(ticket, owner, send_queued_mail):
    (received,) = [m for m in send_queued_mail() if m.to == [owner.email]]
    assert received.subject == f"[{ticket.reference}] Received: {SUBJECT}"
    assert f'"{SUBJECT}"' in received.body
    assert_text(received.subject)
    assert_text(received.body)
    html = received.alternatives[0][0]
    assert "Q&amp;A &lt;b&gt;Tom&#x27;s&lt;/b&gt; 网站" in html  # the HTML part stays escaped


@pytest.mark.django_db
def test_status_change_emails_read_the_subject_as_written(ticket, owner, agent, send_queued_mail):
    send_queued_mail()
    services.change_status(ticket, Ticket.Status.PENDING, by=agent)
    services.change_status(ticket, Ticket.Status.SOLVED, by=agent)
    mails = [m for m in send_queued_mail() if m.to == [owner.email]][-2:]
    assert len(mails) == 2
    for message in mails:
        assert SUBJECT in message.subject
        assert_text(message.subject)
        assert_text(message.body)


@pytest.mark.django_db
def test_the_survey_email_reads_the_subject_as_written(ticket, owner, agent, send_queued_mail):
    send_queued_mail()
    ticket.status = Ticket.Status.SOLVED
    send_csat_survey(ticket)
    (survey,) = [m for m in send_queued_mail() if m.to == [owner.email]][-1:]
    assert survey.subject == f"How did we do on [{ticket.reference}] {SUBJECT}?"
    assert_text(survey.body)


@pytest.mark.django_db
def test_the_status_page_update_email_reads_as_written(
    send_queued_mail, django_capture_on_commit_callbacks
):
    Subscriber.objects.create(
        email="all@example.com", language="zh-hans", confirmed_at=timezone.now()
    )
    incident = Incident.objects.create(name="DNS & <mail> for Tom's 客户", impact="major")
    with django_capture_on_commit_callbacks(execute=True):
        incident.post_update("investigating", "Looking at A & MX records <now>.", {}, notify=True)
    (update,) = send_queued_mail()
    assert update.subject.endswith("DNS & <mail> for Tom's 客户")
    assert "Looking at A & MX records <now>." in update.body
    assert_text(update.subject)
    assert_text(update.body)
