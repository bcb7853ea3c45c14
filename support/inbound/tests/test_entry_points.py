"""The HTTP endpoint, the pipe command and the admin."""

import io
import sys

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client

from conftest import make_user
from support.apitokens.models import ApiToken, create_token
from support.inbound.ingest import ingest
from support.inbound.models import InboundEmail

from .conftest import authenticated, message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]
URL = "/inbound/email/"


@pytest.fixture
def token():
    _row, secret = create_token(name="Mail service", scopes=["inbound:email"])
    return secret


def post(client, body, token=None, **extra):
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.post(URL, body, content_type="message/rfc822", **extra)


def test_post_stores_the_message(token):
    client = Client(enforce_csrf_checks=True)  # no CSRF token: the bearer token is the proof
    response = post(client, message("gmail_reply"), token)
    assert response.status_code == 200
    entry = InboundEmail.objects.get()
    assert response.json() == {
        "id": entry.pk,
        "status": "triage",
        "action": "triage",
        "already_stored": False,
    }
    assert entry.source == "http"
    assert entry.raw_bytes == message("gmail_reply")
    assert ApiToken.objects.get().last_used_at is not None


def test_post_twice_is_one_entry(client, token):
    first = post(client, message("gmail_reply"), token).json()
    second = post(client, message("gmail_reply"), token).json()
    assert first["id"] == second["id"]
    assert InboundEmail.objects.count() == 1


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Token {token}", "Bearer "])
def test_post_without_a_valid_token_is_refused(client, token, authorization):
    extra = {"HTTP_AUTHORIZATION": authorization.format(token=token)} if authorization else {}
    response = client.post(URL, message("gmail_reply"), content_type="message/rfc822", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert InboundEmail.objects.count() == 0


def test_a_revoked_token_is_refused(client, token):
    ApiToken.objects.get().revoke()
    assert post(client, message("gmail_reply"), token).status_code == 401


def test_tokens_are_stored_hashed(token):
    row = ApiToken.objects.get()
    assert token not in (row.token_hash, row.hint)
    assert token.startswith(row.hint)


@pytest.mark.parametrize("body", [b"", b"  \r\n "])
def test_empty_body_is_a_bad_request(client, token, body):
    assert post(client, body, token).status_code == 400
    assert InboundEmail.objects.count() == 0


def test_too_large_is_refused(client, token, settings):
    settings.INBOUND_MAX_MESSAGE_BYTES = 100
    assert post(client, message("gmail_reply"), token).status_code == 413


def test_messages_larger_than_the_form_upload_limit_are_accepted(client, token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert post(client, message("foxmail_gbk"), token).status_code == 200


def test_get_is_not_allowed(client, token):
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405


def pipe(raw, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("ingest_email", stdout=out)
    return out.getvalue()


def test_pipe_command_stores_the_message(monkeypatch):
    output = pipe(message("apple_mail"), monkeypatch)
    entry = InboundEmail.objects.get()
    assert output.strip() == f"Stored inbound email {entry.pk}: Awaiting triage"
    assert entry.source == "pipe"
    assert entry.raw_bytes == message("apple_mail")


def test_pipe_command_says_truthfully_what_it_did(monkeypatch):
    first = pipe(message("apple_mail"), monkeypatch)
    again = pipe(message("apple_mail"), monkeypatch)
    other = message("apple_mail").replace(b"didn=E2=80=99t finish", b"finished after all")
    reused = pipe(other, monkeypatch)
    one, two = InboundEmail.objects.order_by("pk")
    assert first.strip() == f"Stored inbound email {one.pk}: Awaiting triage"
    assert again.strip() == (
        f"Already stored as inbound email {one.pk} (the same message arrived before); "
        "nothing done. Status: Awaiting triage"
    )
    assert reused.strip() == (
        f"Stored inbound email {two.pk}: Awaiting triage (another message with the same "
        f"Message-ID and other content: {one.pk})"
    )


def test_pipe_command_keeps_broken_messages_and_succeeds(monkeypatch):
    pipe(message("broken"), monkeypatch)
    assert InboundEmail.objects.get().status == "failed"


def test_pipe_command_with_nothing_fails(monkeypatch):
    with pytest.raises(SystemExit) as exit_:
        pipe(b"", monkeypatch)
    assert exit_.value.code == 65


def test_pipe_command_asks_the_mail_server_to_retry_when_storing_fails(monkeypatch):
    from support.inbound.management.commands import ingest_email

    def database_down(raw, source):
        raise ConnectionError("database is down")

    monkeypatch.setattr(ingest_email, "ingest", database_down)
    with pytest.raises(SystemExit) as exit_:
        pipe(message("apple_mail"), monkeypatch)
    assert exit_.value.code == 75


# Admin ---------------------------------------------------------------------------


@pytest.fixture
def agent_client(client):
    from django.contrib.auth.models import Group

    from accounts.staff_groups import AGENTS

    agent = make_user("agent@support.example", is_staff=True)
    agent.groups.add(Group.objects.get(name=AGENTS))
    client.force_login(agent)
    return client


def test_admin_lists_filters_and_searches(agent_client):
    ingest(message("gmail_reply"), "imap")
    ingest(message("bounce"), "pipe")
    ingest(message("broken"), "http")
    page = agent_client.get("/admin/inbound/inboundemail/")
    assert page.status_code == 200
    assert page.content.decode().count('name="_selected_action"') == 3
    failed = agent_client.get("/admin/inbound/inboundemail/?status__exact=failed")
    assert failed.content.decode().count('name="_selected_action"') == 1
    imap = agent_client.get("/admin/inbound/inboundemail/?source__exact=imap&q=memory")
    assert imap.content.decode().count('name="_selected_action"') == 0
    found = agent_client.get("/admin/inbound/inboundemail/?q=member%40acme.example")
    assert "Re: [K7F-3QX9] Website down" in found.content.decode()


def test_admin_detail_shows_the_new_text_and_attachments(agent_client):
    entry = ingest(message("attachments"), "imap")
    page = agent_client.get(f"/admin/inbound/inboundemail/{entry.pk}/change/").content.decode()
    assert "attached invoice lists a service we cancelled" in page
    assert "Rechnung übersicht.pdf — application/pdf, 193 bytes" in page
    assert "screenshot.png — image/png, 70 bytes (inline)" in page


def test_staff_download_the_original_eml(agent_client):
    entry = ingest(message("foxmail_gbk"), "imap")
    response = agent_client.get(f"/admin/inbound/inboundemail/{entry.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith('attachment; filename="inbound-')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == message("foxmail_gbk")


def test_customers_and_staff_without_permission_cannot_download(client, owner):
    entry = ingest(message("foxmail_gbk"), "imap")
    client.force_login(owner)
    assert client.get(f"/admin/inbound/inboundemail/{entry.pk}/download/").status_code == 302
    client.force_login(make_user("new-staff@support.example", is_staff=True))
    assert client.get(f"/admin/inbound/inboundemail/{entry.pk}/download/").status_code == 403


def test_admin_process_again_action(agent_client, settings):
    settings.INBOUND_RATE_LIMIT = 0
    entry = ingest(authenticated(message("foxmail_gbk")), "imap")
    assert entry.status == "rate_limited"
    settings.INBOUND_UNKNOWN_SENDERS = "reply"
    response = agent_client.post(
        "/admin/inbound/inboundemail/",
        {"action": "process_again", "_selected_action": [entry.pk]},
        follow=True,
    )
    assert "1 message processed again." in response.content.decode()
    entry.refresh_from_db()
    assert (entry.status, entry.action) == ("processed", "sign_up_reply")


def test_admin_creates_a_token_and_shows_it_once(client):
    admin = make_user("root@support.example", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/apitokens/apitoken/add/",
        {"name": "Mailgun", "scopes": ["inbound:email"]},
        follow=True,
    )
    page = response.content.decode()
    row = ApiToken.objects.get()
    assert "shown only once" in page
    secret = page.split("<code>")[1].split("</code>")[0]
    assert secret.startswith("inb_")
    assert ApiToken.objects.authenticate(secret) == row
    assert post(Client(), message("gmail_reply"), secret).status_code == 200
    assert Permission.objects.filter(codename="view_inboundemail").exists()


def test_admin_list_queries_do_not_grow_and_skip_the_raw_message(
    agent_client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def stored(count):
        for number in range(count):
            raw = message("attachments").replace(b"a1b2c3d4-attach", b"n%d" % number)
            ingest(raw, "imap")

    stored(2)
    with CaptureQueriesContext(connection) as few:
        assert agent_client.get("/admin/inbound/inboundemail/").status_code == 200
    stored(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert agent_client.get("/admin/inbound/inboundemail/").status_code == 200
    listing = [q["sql"] for q in few.captured_queries if 'FROM "inbound_inboundemail"' in q["sql"]]
    assert listing and not any('"inbound_inboundemail"."raw"' in sql for sql in listing)
