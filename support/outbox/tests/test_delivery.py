import socket
import time

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import send_mail

from support.outbox.models import OutboxMessage
from support.outbox.tasks import deliver_pending


class Recorder:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_settings(settings):
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    return settings


def test_mail_waits_while_smtp_is_down_and_goes_out_once_it_is_back(db, smtp_settings):
    send_mail("Your ticket [K7F-3QX9]", "We are on it.", None, ["carla@example.com"])
    row = OutboxMessage.objects.get()
    assert row.status == "pending"

    assert deliver_pending() == 0  # nothing listens on the port yet
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > row.created_at

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=smtp_settings.EMAIL_PORT)
    controller.start()
    try:
        OutboxMessage.objects.update(next_attempt_at=row.created_at)  # the back-off has passed
        assert deliver_pending() == 1
        assert deliver_pending() == 0  # sent once, not again
    finally:
        controller.stop()

    [envelope] = recorder.envelopes
    assert envelope.rcpt_tos == ["carla@example.com"]
    assert b"Subject: Your ticket [K7F-3QX9]" in envelope.content
    assert b"Message-ID: " in envelope.content
    row.refresh_from_db()
    assert row.status == "sent" and row.sent_at is not None


def test_back_off_grows_and_gives_up_after_many_attempts(db, smtp_settings):
    send_mail("Hello", "Body", None, ["x@example.com"])
    row = OutboxMessage.objects.get()
    delays = []
    for _ in range(OutboxMessage.MAX_ATTEMPTS):
        before = time.time()
        row.mark_failed_attempt("connection refused")
        delays.append(round((row.next_attempt_at.timestamp() - before) / 60))
    assert delays[:4] == [1, 2, 4, 8]
    assert max(delays) == 60
    assert row.status == "failed"

    row.retry()
    assert row.status == "pending"


def test_staff_see_failed_mail_and_retry_it(admin_client, db):
    send_mail("Stuck", "Body", None, ["x@example.com"])
    row = OutboxMessage.objects.get()
    row.status = "failed"
    row.save()
    page = admin_client.get("/admin/outbox/outboxmessage/?status__exact=failed")
    assert "Stuck" in page.content.decode()
    admin_client.post(
        "/admin/outbox/outboxmessage/",
        {"action": "retry_now", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.status in ("pending", "sent")
