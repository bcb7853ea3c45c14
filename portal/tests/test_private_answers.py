"""`Cache-Control: no-store, private` on every signed-in page, JSON answer and download."""

import pytest
from django.core.files.base import ContentFile

from support.tickets import services


def private(response):
    header = response.get("Cache-Control", "")
    return "no-store" in header and "private" in header


@pytest.fixture
def with_attachment(ticket, owner):
    upload = ContentFile(b"log line", name="log.txt")
    upload.content_type = "text/plain"
    services.add_reply(ticket, author=owner, body="Log attached.", attachments=[upload])
    return ticket.attachments.get()


def test_ticket_pages_json_and_downloads_are_not_stored(owner_client, ticket, with_attachment):
    """Before: none of these carried Cache-Control."""
    assert private(owner_client.get(f"/tickets/{ticket.reference}/"))
    assert private(owner_client.get(f"/tickets/{ticket.reference}/data.json"))
    assert private(owner_client.get("/tickets/"))
    assert private(owner_client.get("/"))
    download = owner_client.get(with_attachment.get_absolute_url())
    assert download.status_code == 200
    assert private(download)


def test_public_pages_for_visitors_keep_their_caching(client, db):
    assert not private(client.get("/kb/"))
    assert private(client.get("/kb/suggest/?q=dns"))  # JSON, even for visitors
