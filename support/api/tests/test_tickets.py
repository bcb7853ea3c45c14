import hashlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from support.tickets import services
from support.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

NEW = {
    "category": "website-down",
    "priority": "P1",
    "subject": "Shop is down",
    "description": "502 since 09:10.",
    "fields": {"url": "https://shop.acme.example"},
}


def test_owner_opens_a_ticket_with_the_web_forms_rules(owner_api, owner, service):
    response = owner_api.post("/api/v1/tickets/", {**NEW, "service": service.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["reference"] == ticket.reference
    assert (ticket.requester, ticket.service, ticket.priority) == (owner, service, "P1")
    assert ticket.extra_fields == {"url": "https://shop.acme.example"}
    assert body["category"] == "website-down" and body["fields"] == ticket.extra_fields
    assert body["url"].endswith(f"/tickets/{ticket.reference}/")


def test_invalid_fields_are_problem_details_with_pointers(owner_api, outsider):
    other = outsider.memberships.get().organization.services.create(name="x", kind="vps")
    response = owner_api.post(
        "/api/v1/tickets/",
        {**NEW, "subject": "", "service": other.pk, "fields": {"url": "not a url"}},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    pointers = {error["pointer"] for error in problem["errors"]}
    assert "#/subject" in pointers
    response = owner_api.post("/api/v1/tickets/", {**NEW, "service": other.pk}, format="json")
    assert {e["pointer"] for e in response.json()["errors"]} == {"#/service"}
    response = owner_api.post(
        "/api/v1/tickets/", {**NEW, "fields": {"url": "not a url"}}, format="json"
    )
    assert {e["pointer"] for e in response.json()["errors"]} == {"#/fields/url"}
    assert not Ticket.objects.exists()


def test_idempotency_key_opens_one_ticket(owner_api):
    first = owner_api.post("/api/v1/tickets/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = owner_api.post("/api/v1/tickets/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["reference"] == again.json()["reference"]
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    other = owner_api.post(
        "/api/v1/tickets/", {**NEW, "subject": "Else"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 409
    owner_api.post("/api/v1/tickets/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert Ticket.objects.count() == 2


def test_no_one_else_can_take_an_idempotency_key(owner_api, owner, outsider):
    """Globex sends the web form with the token Acme's integration would store for its key:
    Acme's request still opens its ticket (it answered 500 for ever)."""
    from support.tickets.tests.test_customer_pages import new_ticket_data

    client = Client()
    client.force_login(outsider)
    squatted = hashlib.sha256(f"api:{owner.pk}:order-4711".encode()).hexdigest()
    assert client.post("/tickets/new/", new_ticket_data(form_token=squatted)).status_code == 302
    response = owner_api.post(
        "/api/v1/tickets/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="order-4711"
    )
    assert response.status_code == 201
    assert Ticket.objects.get(reference=response.json()["reference"]).requester == owner


def test_scoping_acme_globex_member_owner(owner_api, member_api, outsider_api, open_ticket, member):
    owners = open_ticket(subject="Owner's")
    members = open_ticket(subject="Member's", requester=member)
    listed = lambda api: {t["reference"] for t in api.get("/api/v1/tickets/").json()["results"]}  # noqa: E731
    assert listed(owner_api) == {owners.reference, members.reference}
    assert listed(member_api) == {members.reference}
    assert listed(outsider_api) == set()
    for path in ["", "messages/", "attachments/1/"]:
        url = f"/api/v1/tickets/{owners.reference}/{path}"
        assert member_api.get(url).status_code == 404, url
        assert outsider_api.get(url).status_code == 404, url
    for path in ["messages/", "solve/", "reopen/"]:
        url = f"/api/v1/tickets/{owners.reference}/{path}"
        assert member_api.post(url, {"body": "x"}, format="json").status_code == 404
        assert outsider_api.post(url, {"body": "x"}, format="json").status_code == 404
    assert owner_api.get(f"/api/v1/tickets/{members.reference}/").status_code == 200


def test_internal_notes_never_appear(owner_api, ticket, staff_user):
    services.add_reply(ticket, author=staff_user, body="Customer is a pain", internal=True)
    note = Message.objects.get(internal=True)
    note.attachments.create(
        ticket=ticket,
        file=SimpleUploadedFile("secret.txt", b"x"),
        name="secret.txt",
        content_type="text/plain",
        size=1,
    )
    services.add_reply(ticket, author=staff_user, body="We are on it.")
    messages = owner_api.get(f"/api/v1/tickets/{ticket.reference}/messages/").json()
    bodies = [message["body"] for message in messages]
    assert bodies == ["Our shop shows a 502 error.", "We are on it."]
    assert "pain" not in owner_api.get(f"/api/v1/tickets/{ticket.reference}/").content.decode()
    attachment = note.attachments.get()
    url = f"/api/v1/tickets/{ticket.reference}/attachments/{attachment.pk}/"
    assert owner_api.get(url).status_code == 404


def test_reply_with_attachment_solve_and_reopen(owner_api, ticket):
    upload = SimpleUploadedFile("log.txt", b"error log", content_type="text/plain")
    response = owner_api.post(
        f"/api/v1/tickets/{ticket.reference}/messages/",
        {"body": "Here is the log.", "attachments": [upload]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    attachment = response.json()["attachments"][0]
    assert attachment["name"] == "log.txt"
    download = owner_api.get(attachment["url"].removeprefix(settings.SITE_URL))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"error log"
    solved = owner_api.post(f"/api/v1/tickets/{ticket.reference}/solve/")
    assert solved.json()["status"] == "solved"
    assert owner_api.post(f"/api/v1/tickets/{ticket.reference}/solve/").status_code == 409
    reopened = owner_api.post(f"/api/v1/tickets/{ticket.reference}/reopen/")
    assert reopened.json()["status"] == "open"


def test_filters_and_cursor_pagination(owner_api, open_ticket, service):
    for index in range(5):
        open_ticket(subject=f"T{index}", priority="P3" if index % 2 else "P2")
    open_ticket(subject="On the service", service=service)
    page = owner_api.get("/api/v1/tickets/?limit=2").json()
    assert len(page["results"]) == 2 and page["next"]
    seen = [t["subject"] for t in page["results"]]
    while page["next"]:
        page = owner_api.get(page["next"].removeprefix("http://testserver")).json()
        seen += [t["subject"] for t in page["results"]]
    assert len(seen) == len(set(seen)) == 6
    assert len(owner_api.get("/api/v1/tickets/?priority=P3").json()["results"]) == 2
    on_service = owner_api.get(f"/api/v1/tickets/?service={service.pk}").json()["results"]
    assert [t["subject"] for t in on_service] == ["On the service"]
    future = (timezone.now() + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert owner_api.get("/api/v1/tickets/", {"updated_since": future}).json()["results"] == []
    bad = owner_api.get("/api/v1/tickets/?status=nope")
    assert bad.status_code == 400 and bad.json()["errors"][0]["pointer"] == "#/status"
    bad = owner_api.get("/api/v1/tickets/?cursor=garbage")
    assert bad.status_code == 400 and bad.json()["errors"][0]["pointer"] == "#/cursor"


def test_list_queries_do_not_grow_with_rows(owner_api, open_ticket):
    open_ticket()
    with CaptureQueriesContext(connection) as one:
        owner_api.get("/api/v1/tickets/")
    for _index in range(10):
        open_ticket()
    with CaptureQueriesContext(connection) as eleven:
        owner_api.get("/api/v1/tickets/")
    # token, membership, the page of tickets (category and requester joined); the first
    # request also records the token's last use
    assert len(eleven) == 3
    assert len(one) == 4


def test_unknown_details_and_impossible_start_times_are_refused(owner_api):
    response = owner_api.post(
        "/api/v1/tickets/",
        {**NEW, "fields": {"url": "https://a.example", "zzz": "x"}},
        format="json",
    )
    assert response.status_code == 400
    assert {e["pointer"] for e in response.json()["errors"]} == {"#/fields/zzz"}
    for started in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00"):
        response = owner_api.post(
            "/api/v1/tickets/", {**NEW, "problem_started_at": started}, format="json"
        )
        assert response.status_code == 400, started
        assert {e["pointer"] for e in response.json()["errors"]} == {"#/problem_started_at"}
    assert not Ticket.objects.exists()
    yesterday = (timezone.now() - timedelta(days=1)).isoformat()
    response = owner_api.post(
        "/api/v1/tickets/", {**NEW, "problem_started_at": yesterday}, format="json"
    )
    assert response.status_code == 201
