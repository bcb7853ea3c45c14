"""Several nodes, faults injected.

A real Redis (started by scripts/test and named by TEST_REDIS_URL, or one of this test's
own), two gunicorn nodes and two django-q2 clusters share the test database and Redis, and
an SMTP server (aiosmtpd) on loopback receives the mail. Eight clients send about 2,000
requests to both nodes: status reads, ticket submissions through the web form and the API,
replies and ticket reads through the API. Half-way, node B and cluster B are killed with
SIGKILL while requests and deliveries are in flight. A client whose submission got no
answer sends it again to node A with the same form token or Idempotency-Key, as a browser
or an integration does; a reply is not sent again.

Then: every accepted submission (answered 2xx/3xx) is stored exactly once and every
accepted reply once; every email in the outbox reached the SMTP server — twice only for a
message that cluster B was sending when it died (the same Message-ID); limits counted on
one node hold on the other (allauth's sign-in lockout, the portal's /kb/suggest/ limit);
node A never answers 5xx.

The outbox lease (OUTBOX_LEASE_SECONDS) is 10 minutes in production; here the clusters get
LEASE seconds, so node A's cluster takes over what cluster B had claimed within the test.
The last submissions are sent once that lease has run out: the tasks they start (as any
new email's do, or the minute schedules) write and send whatever is left — ticket emails
whose writing task cluster B took down with it (support.tickets.notify), and emails it had
claimed or whose delivery task it had taken from Redis (support.outbox).
"""

import email
import email.policy
import http.client
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.test import Client as DjangoClient
from django_q.models import Schedule

from conftest import PASSWORD, make_organization, make_user
from support.apitokens.models import CUSTOMER_SCOPES, create_token
from support.outbox.models import OutboxMessage
from support.tickets.models import Category, Message, Notification, Ticket

from .servers import Client, Cluster, Gunicorn, free_port

pytestmark = [
    pytest.mark.nodes,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="several nodes need a shared PostgreSQL server"
    ),
]

LEASE = 10  # seconds an outbox row stays claimed by its deliverer (OUTBOX_LEASE_SECONDS)
CLUSTER_WORKERS = 2
KB_SUGGEST_LIMIT = 20  # per client address and minute, counted in Redis
CLIENTS = 8
CUSTOMERS = 8
# How many operations of each kind; a web submission is two requests (the form, then the post).
OPERATIONS = {"status": 900, "summary": 300, "api_read": 350}
OPERATIONS |= {"api_ticket": 100, "web_ticket": 70, "reply": 170}
LATE_SUBMISSIONS = 4
MAIL_SCHEDULES = ["support.tickets.notify.send_pending", "support.outbox.tasks.deliver_pending"]


# --- Redis and SMTP on loopback -----------------------------------------------------------


def redis_client(url, seconds=10):
    """A client once Redis answers, or None."""
    import redis

    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            client.ping()
            return client
        except redis.ConnectionError:
            time.sleep(0.1)
    return None


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """scripts/test's Redis (TEST_REDIS_URL), else a throwaway redis-server of our own."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        if redis_client(url) is None:
            pytest.skip(f"Redis at TEST_REDIS_URL ({url}) does not answer")
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (scripts/system-packages installs Debian's)")
    directory = tmp_path_factory.mktemp("redis")
    port = free_port()
    log = directory / "redis.log"
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory)]
        + ["--save", "", "--appendonly", "no", "--logfile", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    if redis_client(url) is None:
        process.kill()
        process.wait()
        reason = log.read_text(errors="replace")[-500:] if log.exists() else ""
        pytest.skip(f"redis-server did not start: {reason}")
    yield url
    process.terminate()
    process.wait(timeout=10)


class Mailbox:
    """An SMTP server's handler that keeps every message it accepts."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def messages(self):
        for recipients, content in list(self.received):
            yield recipients, email.message_from_bytes(content, policy=email.policy.default)


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()


# --- the people and what the clients send --------------------------------------------------


@dataclass
class Customer:
    email: str
    token: str
    tickets: list
    cookies: dict = field(default_factory=dict)


@dataclass
class Answer:
    kind: str
    node: str
    status: int | None  # None: no answer (connection refused, reset or cut short)
    after_kill: bool  # the kill had begun when the answer came (or did not)


@dataclass
class Submission:
    subject: str
    accepted: bool = False


class Load:
    """Sends requests to whichever nodes are up and writes down every answer."""

    def __init__(self, nodes):
        self.nodes = dict(nodes)  # name -> port
        self.up = list(self.nodes)
        self.killed = False
        self.answers = []
        self.submissions = []
        self.replies = []
        self.lock = threading.Lock()

    def node(self, number):
        up = self.up
        return up[number % len(up)]

    def send(self, kind, name, method, path, body=None, headers=None, cookies=None):
        client = Client(self.nodes[name], timeout=120)
        if cookies is not None:
            client.cookies = cookies
        try:
            response = client.request(method, path, body=body, headers=headers)
        except (OSError, http.client.HTTPException):
            response = None
        with self.lock:
            status = response.status if response else None
            self.answers.append(Answer(kind, name, status, self.killed))
        return response

    def send_until_answered(self, kind, number, method, path, **request):
        """The request, and again to a node still up while there is no answer (a browser's
        or an integration's retry, carrying the same form token or Idempotency-Key)."""
        for attempt in range(3):
            response = self.send(kind, self.node(number + attempt), method, path, **request)
            if response is not None:
                return response
        return None

    # The operations ----------------------------------------------------------------------

    def status(self, number, customer):
        self.send("status", self.node(number), "GET", "/status/")

    def summary(self, number, customer):
        self.send("summary", self.node(number), "GET", "/status/api/v2/summary.json")

    def api_ticket(self, number, customer):
        subject = f"Fault test API submission {number} {secrets.token_hex(4)}"
        submission = Submission(subject)
        with self.lock:
            self.submissions.append((customer, submission))
        body = {
            "category": "billing",
            "priority": "P3",
            "subject": subject,
            "description": "Invoice 2026-11 lists a domain we cancelled.",
            "fields": {"invoice": f"INV-{number}"},
        }
        headers = {
            "Authorization": f"Bearer {customer.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": secrets.token_hex(16),
        }
        response = self.send_until_answered(
            "api_ticket", number, "POST", "/api/v1/tickets/", body=json.dumps(body), headers=headers
        )
        submission.accepted = response is not None and 200 <= response.status < 400

    def web_ticket(self, number, customer, category_id):
        subject = f"Fault test web submission {number} {secrets.token_hex(4)}"
        submission = Submission(subject)
        with self.lock:
            self.submissions.append((customer, submission))
        form = self.send_until_answered(
            "web_form", number, "GET", "/tickets/new/", cookies=customer.cookies
        )
        assert form is not None and form.status == 200, form and form.text[:500]
        fields = {
            "csrfmiddlewaretoken": re.search(
                r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text
            )[1],
            "form_token": re.search(r'name="form_token" value="([^"]+)"', form.text)[1],
            "category": category_id,
            "priority": "P3",
            "subject": subject,
            "description": "Our backup from last night is missing.",
        }
        from urllib.parse import urlencode

        response = self.send_until_answered(
            "web_ticket",
            number,
            "POST",
            "/tickets/new/",
            body=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            cookies=customer.cookies,
        )
        submission.accepted = response is not None and 200 <= response.status < 400

    def reply(self, number, customer):
        body = f"Fault test reply {number} {secrets.token_hex(4)}"
        reference = customer.tickets[number % len(customer.tickets)]
        response = self.send(
            "reply",
            self.node(number),
            "POST",
            f"/api/v1/tickets/{reference}/messages/",
            body=json.dumps({"body": body}),
            headers={
                "Authorization": f"Bearer {customer.token}",
                "Content-Type": "application/json",
            },
        )
        with self.lock:
            self.replies.append((body, response is not None and response.status == 201))

    def api_read(self, number, customer):
        reference = customer.tickets[number % len(customer.tickets)]
        self.send(
            "api_read",
            self.node(number),
            "GET",
            f"/api/v1/tickets/{reference}/",
            headers={"Authorization": f"Bearer {customer.token}"},
        )


def sign_in(load, name, email_address, password):
    client = Client(load.nodes[name], timeout=120)
    token = client.csrf_token("/accounts/login/")
    fields = {"csrfmiddlewaretoken": token, "login": email_address, "password": password}
    return client.post_form("/accounts/login/", fields)


# --- limits counted on both nodes ----------------------------------------------------------


def try_the_limits(load):
    """While both nodes are up: allauth's lockout and the portal's /kb/suggest/ limit."""
    results = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results["wrong"] = list(
            pool.map(
                lambda n: sign_in(load, "AB"[n % 2], "locked@example.com", "wrong"),
                range(7),
            )
        )
    results["right"] = [sign_in(load, name, "locked@example.com", PASSWORD) for name in ("A", "B")]

    # A fixed window of a minute: every request must fall into one, so the probe starts early
    # in a window, and once more in the next if a slow machine made it cross the boundary.
    for _attempt in range(2):
        if 60 - time.time() % 60 < 15:
            time.sleep(60 - time.time() % 60 + 0.1)
        started = time.time()
        with ThreadPoolExecutor(max_workers=8) as pool:
            results["suggest"] = list(
                pool.map(
                    lambda n: Client(load.nodes["AB"[n % 2]], timeout=120).get(
                        "/kb/suggest/?q=backup"
                    ),
                    range(2 * KB_SUGGEST_LIMIT),
                )
            )
        if int(started // 60) == int(time.time() // 60):
            break
        time.sleep(60 - time.time() % 60 + 0.1)
    else:
        pytest.fail("the /kb/suggest/ probe crossed a minute twice")
    return results


# --- the test ----------------------------------------------------------------------------------


@pytest.fixture
def customers(transactional_db, agent):
    billing = Category.objects.get(slug="billing")
    make_user("locked@example.com")  # for the sign-in lockout
    people = []
    for number in range(CUSTOMERS):
        person = make_user(f"customer{number}@org{number}.example")
        organization = make_organization(f"Org {number}", owner=person)
        _row, token = create_token(
            name="load",
            scopes=[scope.value for scope in CUSTOMER_SCOPES],
            organization=organization,
            user=person,
            created_by=person,
        )
        tickets = [
            Ticket.objects.create(
                organization=organization,
                requester=person,
                subject=f"Earlier question {ticket}",
                description="Asked before the test.",
                category=billing,
            ).reference
            for ticket in range(3)
        ]
        browser = DjangoClient()
        browser.force_login(person)  # a session in the shared database, as signing in makes
        cookies = {"sessionid": browser.cookies["sessionid"].value}
        people.append(Customer(person.email, token, tickets, cookies))
    return people


def node_logs(tmp_path):
    return "\n".join(
        f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
        for path in sorted(tmp_path.glob("*.log"))
    )


def test_two_nodes_and_two_clusters_survive_losing_one_of_each(
    tmp_path, redis_url, smtp_server, customers
):
    mailbox, smtp_port = smtp_server
    redis_client(redis_url).flushdb()
    # The clusters run what the requests cause, and the minute tasks that write and deliver
    # email: the other schedules would queue emails of their own at moments the test cannot
    # know.
    Schedule.objects.exclude(func__in=MAIL_SCHEDULES).delete()
    category_id = Category.objects.get(slug="billing").pk
    shared = {
        "REDIS_URL": redis_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_TIMEOUT": "5",
        "OUTBOX_LEASE_SECONDS": str(LEASE),
        "Q_WORKERS": str(CLUSTER_WORKERS),
        "KB_SUGGEST_RATE_LIMIT": str(KB_SUGGEST_LIMIT),
        "API_RATE_PER_TOKEN": "100000",
        "API_RATE_PER_ADDRESS": "100000",
        "DATABASE_CONN_MAX_AGE": "600",  # as in production (all are stopped before teardown)
    }

    def env(name):
        return {**shared, "VAR_DIR": str(tmp_path / name), "MEDIA_ROOT": str(tmp_path / "media")}

    with ExitStack() as stack:
        clusters = {}
        for name in ("A", "B"):
            clusters[name] = Cluster(tmp_path / f"cluster-{name}.log", **env(f"cluster-{name}"))
            stack.callback(clusters[name].stop)
        with ThreadPoolExecutor(max_workers=2) as pool:
            starting = {
                name: pool.submit(
                    Gunicorn,
                    workers=2,
                    extra_args=["--preload"],
                    log_path=tmp_path / f"node-{name}.log",
                    **env(f"node-{name}"),
                )
                for name in ("A", "B")
            }
        for future in starting.values():
            if future.exception() is None:
                stack.callback(future.result().stop)
        nodes = {name: future.result() for name, future in starting.items()}
        for cluster in clusters.values():
            cluster.wait_until_running()

        load = Load({name: node.port for name, node in nodes.items()})
        for number, customer in enumerate(customers):  # each browser's CSRF cookie
            form = load.send(
                "web_form", "AB"[number % 2], "GET", "/tickets/new/", cookies=customer.cookies
            )
            assert form.status == 200 and "csrftoken" in customer.cookies, form.text[:500]

        operations = [kind for kind, count in OPERATIONS.items() for _ in range(count)]
        random.Random(11).shuffle(operations)

        def run(number, kind):
            customer = customers[number % len(customers)]
            if kind == "web_ticket":
                load.web_ticket(number, customer, category_id)
            else:
                getattr(load, kind)(number, customer)

        limits = try_the_limits(load)
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            running = [pool.submit(run, n, kind) for n, kind in enumerate(operations)]
            # Half-way, with requests and deliveries in flight: SIGKILL node B and cluster B.
            while sum(future.done() for future in running) < len(running) // 2:
                time.sleep(0.05)
            load.up = ["A"]
            load.killed = True
            nodes["B"].kill()
            clusters["B"].kill()
            killed_at = time.monotonic()
            being_sent = set(
                OutboxMessage.objects.filter(status=OutboxMessage.Status.SENDING).values_list(
                    "message_id", flat=True
                )
            )
            for future in running:
                future.result()
            # The dead cluster's claims run out; the mail these submissions cause sends the rest.
            time.sleep(max(0, killed_at + LEASE + 1 - time.monotonic()))
            late = [
                pool.submit(load.api_ticket, len(operations) + n, customers[n])
                for n in range(LATE_SUBMISSIONS)
            ]
            for future in late:
                future.result()

        deadline = time.monotonic() + 120
        while (
            Notification.objects.exists()
            or OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT).exists()
        ):
            assert time.monotonic() < deadline, (
                f"mail is still waiting ({Notification.objects.count()} notifications): "
                + str(Counter(OutboxMessage.objects.values_list("status", flat=True)))
                + node_logs(tmp_path)
            )
            time.sleep(0.5)
        stack.close()

    answers = load.answers
    # One answer (or none) per request: a web submission is two, retries add some.
    requests = sum(OPERATIONS.values()) + OPERATIONS["web_ticket"] + CUSTOMERS + LATE_SUBMISSIONS
    assert requests > 1900 and len(answers) >= requests

    # Node A never failed, and answered no 5xx; node B only stopped answering once killed.
    errors = [a for a in answers if a.status is not None and a.status >= 500]
    assert not errors, f"{errors[:10]}\n{node_logs(tmp_path)}"
    unanswered = [a for a in answers if a.status is None]
    assert all(a.node == "B" and a.after_kill for a in unanswered), unanswered
    for kind in ("status", "summary", "api_read", "web_form"):
        assert {a.status for a in answers if a.kind == kind} <= {200, None}, kind

    # Every accepted submission is stored exactly once (and with the retries, all were).
    stored = Counter(
        Ticket.objects.filter(subject__startswith="Fault test").values_list("subject", flat=True)
    )
    submissions = [submission for _customer, submission in load.submissions]
    assert len(submissions) == OPERATIONS["api_ticket"] + OPERATIONS["web_ticket"] + 4
    assert all(submission.accepted for submission in submissions)
    assert {submission.subject: 1 for submission in submissions} == dict(stored)
    bodies = Counter(
        Message.objects.filter(body__startswith="Fault test reply").values_list("body", flat=True)
    )
    for body, accepted in load.replies:
        assert bodies[body] == 1 if accepted else bodies[body] <= 1, body
    assert sum(accepted for _body, accepted in load.replies) >= OPERATIONS["reply"] - CLIENTS

    # Every email reached the SMTP server; twice only when cluster B died sending it.
    message_ids = list(OutboxMessage.objects.values_list("message_id", flat=True))
    assert len(message_ids) == len(set(message_ids)) > len(submissions)
    received = Counter(message["Message-ID"] for _to, message in mailbox.messages())
    assert set(received) == set(message_ids)
    twice = {message_id for message_id, count in received.items() if count > 1}
    assert twice <= being_sent
    assert len(twice) <= CLUSTER_WORKERS
    assert all(received[message_id] == 2 for message_id in twice)
    # … and each accepted ticket's "Received" email reached the person who sent it.
    confirmations = {
        (to, str(message["Subject"]))
        for recipients, message in mailbox.messages()
        for to in recipients
    }
    for customer, submission in load.submissions:
        ticket = Ticket.objects.get(subject=submission.subject)
        subject = f"[{ticket.reference}] Received: {submission.subject}"
        assert (customer.email, subject) in confirmations

    # Limits counted on one node held on the other.
    wrong = [response.status for response in limits["wrong"]]
    assert set(wrong) <= {200, 429} and wrong.count(200) <= 5, wrong
    for response in limits["right"]:
        assert response.status == 429 and response.header("Retry-After")
    suggest = [response.status for response in limits["suggest"]]
    assert suggest.count(200) == KB_SUGGEST_LIMIT and suggest.count(429) == KB_SUGGEST_LIMIT
