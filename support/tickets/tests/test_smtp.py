"""No email is lost when the mail server is down: the ticket is saved, the email waits."""

import socket
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from support.outbox.models import OutboxMessage
from support.outbox.tasks import deliver_pending
from support.tickets.models import Ticket

pytestmark = pytest.mark.django_db


class Recorder(Sink):
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_smtp_down_then_up(owner_client, owner, settings, django_capture_on_commit_callbacks):
    port = free_port()
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 3
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""

    data = {
        "category": "",
        "priority": "P0",
        "subject": "Everything is down",
        "description": "Nothing answers.",
        "form_token": "s" * 32,
    }
    from support.tickets.models import Category

    data["category"] = Category.objects.get(slug="website-down").pk
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post("/tickets/new/", data)
    assert response.status_code == 302 and time.monotonic() - started < 10
    ticket = Ticket.objects.get()
    queued = OutboxMessage.objects.filter(subject__contains=ticket.reference)
    assert queued.filter(status="pending").exists()
    assert deliver_pending() == 0  # the queue worker's try: the server refuses the connection
    assert all(row.attempts == 1 and row.last_error for row in queued)
    assert queued.filter(status="pending").count() == queued.count()

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        OutboxMessage.objects.update(next_attempt_at=OutboxMessage.objects.first().created_at)
        deliver_pending()
    finally:
        controller.stop()
    assert not OutboxMessage.objects.exclude(status="sent").exists()
    delivered = [e for e in recorder.envelopes if owner.email in e.rcpt_tos]
    assert len(delivered) == 1
    content = delivered[0].content.decode()
    assert f"[{ticket.reference}]" in content and "Auto-Submitted: auto-generated" in content
