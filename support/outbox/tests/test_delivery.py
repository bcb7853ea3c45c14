import socket
import threading
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail import send_mail
from django.core.mail.backends import locmem
from django.db import connection
from django.utils import timezone

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


class Killed(BaseException):
    """The worker process dies (SIGKILL, OOM): nothing after this line runs."""


class CrashingBackend(locmem.EmailBackend):
    """Accepts each message like an SMTP server, and kills the worker after the Nth."""

    crash_after = None

    def send_messages(self, messages):
        count = super().send_messages(messages)
        if len(mail.outbox) == type(self).crash_after:
            raise Killed
        return count


def sent_ids():
    return [message.message()["Message-ID"] for message in mail.outbox]


def test_a_normal_run_delivers_each_message_once(db, settings):
    for number in range(3):
        send_mail(f"Update {number}", "Text", None, [f"person{number}@example.com"])
    assert deliver_pending() == 3
    assert deliver_pending() == 0
    assert sorted(sent_ids()) == sorted(OutboxMessage.objects.values_list("message_id", flat=True))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_a_worker_killed_after_smtp_accepted_resends_only_that_message(db, settings):
    """Finding 13: the duplicate window is one message, not the whole batch."""
    settings.OUTBOX_DELIVERY_BACKEND = "support.outbox.tests.test_delivery.CrashingBackend"
    CrashingBackend.crash_after = 2
    for number in range(3):
        send_mail(f"Update {number}", "Text", None, [f"person{number}@example.com"])
    first, second, third = OutboxMessage.objects.order_by("pk")

    with pytest.raises(Killed):  # accepted by SMTP, killed before it was marked sent
        deliver_pending()
    CrashingBackend.crash_after = None
    assert deliver_pending() == 1  # the third; the second is still held by the dead worker
    OutboxMessage.objects.filter(status="sending").update(
        claimed_until=timezone.now() - timedelta(seconds=1)  # its lease has run out
    )
    assert deliver_pending() == 1

    ids = sent_ids()
    assert [ids.count(row.message_id) for row in (first, second, third)] == [1, 2, 1]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


class SlowBackend(locmem.EmailBackend):
    """An SMTP server that takes its time, so that deliverers overlap."""

    def send_messages(self, messages):
        time.sleep(0.02)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_deliverers_running_side_by_side_never_send_a_message_twice(settings, monkeypatch):
    settings.OUTBOX_DELIVERY_BACKEND = "support.outbox.tests.test_delivery.SlowBackend"
    monkeypatch.setattr("support.outbox.backend.schedule_delivery", lambda: None)  # no delivery yet
    for number in range(60):
        send_mail(f"Update {number}", "Text", None, [f"person{number}@example.com"])
    counts, errors = [], []

    def deliverer():
        try:
            counts.append(deliver_pending())
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliverer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(counts) == 60 and len([count for count in counts if count]) >= 2
    ids = sent_ids()
    assert len(ids) == len(set(ids)) == 60
