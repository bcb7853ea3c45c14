import json
import re
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from support.status.models import Component, Incident, IncidentStatus
from support.tickets import services
from support.webhooks import tasks
from support.webhooks.models import Delivery, Endpoint
from support.webhooks.ssrf import UnsafeURL, resolve

pytestmark = pytest.mark.django_db


def documented_verify():
    """The verification snippet exactly as the README shows it."""
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    code = re.search(
        r"<!-- webhook-verification-snippet -->\n```python\n(.*?)```", readme, re.S
    ).group(1)
    namespace = {}
    exec(code, namespace)  # noqa: S102 (our own README)
    return namespace["verify"]


class Receiver:
    """An HTTP server on loopback that records what it receives."""

    def __init__(self, port=0, status=200):
        self.received, self.status = [], status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver()
    yield server
    server.stop()


def endpoint_for(organization, url, events):
    return Endpoint.objects.create(organization=organization, url=url, events=events)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_owner_registers_an_endpoint_and_sees_the_secret_once(owner_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    response = owner_client.post(
        "/accounts/webhooks/",
        {"url": "http://127.0.0.1:9/hook", "events": ["ticket.created", "ticket.replied"]},
    )
    assert response.status_code == 201
    endpoint = Endpoint.objects.get()
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in response.content.decode()
    assert endpoint.secret not in owner_client.get("/accounts/webhooks/").content.decode()
    detail = owner_client.get(f"/accounts/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.secret not in detail


def test_members_and_other_organisations_cannot_manage_webhooks(
    client, member, outsider, organization
):
    endpoint = endpoint_for(organization, "https://example.com/hook", ["ticket.created"])
    client.force_login(member)
    assert client.get("/accounts/webhooks/").status_code == 403
    client.force_login(outsider)
    assert client.get(f"/accounts/webhooks/{endpoint.pk}/").status_code == 404
    assert client.post(f"/accounts/webhooks/{endpoint.pk}/delete/").status_code == 404
    assert Endpoint.objects.exists()


def test_ticket_events_are_signed_and_verified_by_the_documented_snippet(
    receiver, organization, open_ticket, staff_user, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(
        organization, receiver.url, ["ticket.created", "ticket.updated", "ticket.replied"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(subject="Webhook me")
    with django_capture_on_commit_callbacks(execute=True):
        services.add_reply(ticket, author=staff_user, body="Internal only", internal=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_reply(ticket, author=staff_user, body="We are on it.")
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, "solved", by=staff_user)

    verify = documented_verify()
    bodies = []
    for headers, body in receiver.received:
        assert verify(endpoint.secret, headers, body)
        assert not verify(endpoint.secret, headers, body + b" ")
        bodies.append(json.loads(body))
    types = [body["type"] for body in bodies]
    # the first staff reply also moves the ticket from new to open
    assert types == ["ticket.created", "ticket.replied", "ticket.updated", "ticket.updated"]
    assert bodies[0]["data"]["ticket"]["subject"] == "Webhook me"
    assert bodies[1]["data"]["message"]["body"] == "We are on it."
    assert bodies[2]["data"]["changes"] == {"status": {"old": "new", "new": "open"}}
    assert "Internal only" not in json.dumps(bodies)
    assert bodies[3]["data"]["changes"] == {"status": {"old": "open", "new": "solved"}}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert Delivery.objects.filter(last_status_code=200).count() == 4


def test_other_organisations_hear_nothing(
    receiver, organization, outsider, open_ticket, django_capture_on_commit_callbacks
):
    endpoint_for(outsider.memberships.get().organization, receiver.url, ["ticket.created"])
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket()
    assert receiver.received == [] and not Delivery.objects.exists()


def test_retried_while_down_and_delivered_once_when_back(
    settings, organization, open_ticket, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    port = free_port()
    endpoint = endpoint_for(organization, f"http://127.0.0.1:{port}/hook", ["ticket.created"])
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error and delivery.next_attempt_at > timezone.now()
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None

    assert tasks.deliver_due() == 0  # not due yet: nothing is sent early
    server = Receiver(port=port)
    try:
        Delivery.objects.update(next_attempt_at=timezone.now())
        assert tasks.deliver_due() == 1
        assert tasks.deliver_due() == 0
        assert len(server.received) == 1
        headers, _body = server.received[0]
        assert headers["webhook-id"] == delivery.event_id
    finally:
        server.stop()
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    assert endpoint.failing_since is None


def test_failing_for_three_days_disables_and_emails_the_owners(
    settings, organization, owner, open_ticket, send_queued_mail, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    endpoint = endpoint_for(
        organization, f"http://127.0.0.1:{free_port()}/hook", ["ticket.created"]
    )
    Endpoint.objects.update(failing_since=timezone.now() - timedelta(days=3, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket()
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at
    assert Delivery.objects.get().status == "failed"
    mails = [m for m in send_queued_mail() if "Webhook" in m.subject]
    assert [m.to for m in mails] == [[owner.email]]
    assert f"/accounts/webhooks/{endpoint.pk}/" in mails[0].body


def test_incident_events_reach_organisations_with_affected_services(
    receiver, organization, outsider, django_capture_on_commit_callbacks
):
    service = organization.services.create(name="Shop", kind="shared")
    component = Component.objects.create(name="fra1", slug="fra1")
    component.services.add(service)
    endpoint_for(organization, receiver.url, ["incident.created", "incident.resolved"])
    endpoint_for(outsider.memberships.get().organization, receiver.url, ["incident.created"])
    incident = Incident.objects.create(name="Slow fra1")
    with django_capture_on_commit_callbacks(execute=True):
        incident.post_update(IncidentStatus.INVESTIGATING, "Looking", {component: "major_outage"})
    with django_capture_on_commit_callbacks(execute=True):
        incident.post_update(IncidentStatus.IDENTIFIED, "Found it")
    with django_capture_on_commit_callbacks(execute=True):
        incident.post_update(IncidentStatus.RESOLVED, "Fixed")
    types = [json.loads(body)["type"] for _headers, body in receiver.received]
    assert types == ["incident.created", "incident.resolved"]
    first = json.loads(receiver.received[0][1])["data"]["incident"]
    assert first["name"] == "Slow fra1" and first["components"][0]["name"] == "fra1"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://user:pass@example.com/hook",
    ],
)
def test_ssrf_targets_are_refused(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(UnsafeURL):
        resolve(url)


def test_ssrf_checked_after_dns_and_the_checked_address_is_used(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    answers = {"rebind.example": "10.0.0.7", "public.example": "93.184.216.34"}

    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(UnsafeURL):
        resolve("https://rebind.example/hook")
    target = resolve("https://public.example/hook?x=1")
    assert (target.address, target.host, target.port, target.path) == (
        "93.184.216.34",
        "public.example",
        443,
        "/hook?x=1",
    )


def test_the_form_refuses_private_addresses(owner_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = owner_client.post(
        "/accounts/webhooks/", {"url": "https://127.0.0.1/hook", "events": ["ticket.created"]}
    )
    assert response.status_code == 400
    assert not Endpoint.objects.exists()
