"""Pages to an Apprise JSON webhook on loopback: delivered, and retried while it is down."""

import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from support.oncall import tasks
from support.oncall.models import Delivery, PagerProfile


class Receiver(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length", 0))
        Receiver.received.append((self.path, json.loads(self.rfile.read(length))))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def webhook():
    """Start/stop an HTTP server on a fixed loopback port; `.received` lists the POSTs."""

    class Webhook:
        port = free_port()
        server = None
        received = Receiver.received

        def start(self):
            self.server = HTTPServer(("127.0.0.1", self.port), Receiver)
            threading.Thread(target=self.server.serve_forever, daemon=True).start()

        def stop(self):
            if self.server:
                self.server.shutdown()
                self.server.server_close()

    Receiver.received.clear()
    hook = Webhook()
    yield hook
    hook.stop()


def test_a_page_reaches_a_json_webhook(rotas, open_ticket, agent, webhook):
    webhook.start()
    PagerProfile.objects.create(user=agent, apprise_urls=f"json://127.0.0.1:{webhook.port}/page")
    ticket = open_ticket(priority="P0")
    assert tasks.deliver_pending() == 1
    [(path, body)] = webhook.received
    assert path == "/page"
    assert ticket.reference in body["title"]
    assert "/oncall/ack/" in body["message"]
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_a_channel_that_is_down_gets_the_page_once_it_is_back(rotas, open_ticket, agent, webhook):
    PagerProfile.objects.create(user=agent, apprise_urls=f"json://127.0.0.1:{webhook.port}/page\n")
    ticket = open_ticket(priority="P0")
    now = timezone.now()
    assert tasks.deliver_pending(now) == 0  # nobody listens on the port
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
    assert delivery.next_attempt_at == now + timedelta(seconds=30)
    assert delivery.last_error

    webhook.start()
    assert tasks.deliver_pending(now + timedelta(seconds=10)) == 0  # not due yet
    assert tasks.deliver_pending(now + timedelta(seconds=31)) == 1
    assert tasks.deliver_pending(now + timedelta(minutes=30)) == 0  # delivered once
    assert [body["title"] for _path, body in webhook.received] == [
        f"[{ticket.reference}] P0 Shop is down"
    ]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)
