"""Attachments are judged by their content too: a name cannot make HTML a picture."""

from email.message import EmailMessage

import pytest

from portal.filetypes import content_matches
from support.inbound.parsing import parse_email
from support.inbound.routing import attachments_for_ticket
from support.tickets.models import Ticket

from .test_customer_pages import new_ticket_data, upload

pytestmark = pytest.mark.django_db

HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PROGRAM = b"MZ\x90\x00\x03" + b"\0" * 64


@pytest.mark.parametrize(
    "declared, content, matches",
    [
        ("image/png", PNG, True),
        ("image/png", HTML, False),
        ("application/pdf", PDF, True),
        ("application/pdf", PNG, False),
        ("text/plain", b"plain words", True),
        ("text/plain", PROGRAM, False),
        ("text/csv", PNG, False),
    ],
)
def test_content_matches_the_declared_type(declared, content, matches):
    assert content_matches(declared, content) is matches


def test_the_web_form_refuses_html_named_png(owner_client):
    """Before: the type was judged by the name alone, and fake.png was accepted."""
    response = owner_client.post(
        "/tickets/new/",
        new_ticket_data(attachments=[upload("fake.png", HTML, "image/png")]),
    )
    assert response.status_code == 200
    assert "fake.png: the file&#x27;s content doesn&#x27;t match its name." in response.text
    assert not Ticket.objects.exists()

    owner_client.post(
        "/tickets/new/", new_ticket_data(attachments=[upload("real.png", PNG, "image/png")])
    )
    assert Ticket.objects.get().attachments.get().name == "real.png"


def test_email_attachments_are_judged_by_content_too():
    message = EmailMessage()
    message["From"] = "customer@example.com"
    message["To"] = "support@example.com"
    message["Subject"] = "Screenshot"
    message.set_content("See attached.")
    message.add_attachment(HTML, maintype="image", subtype="png", filename="fake.png")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="real.png")
    kept, refused = attachments_for_ticket(parse_email(message.as_bytes()))
    assert [a.filename for a in kept] == ["real.png"]
    assert [a.filename for a in refused] == ["fake.png"]
