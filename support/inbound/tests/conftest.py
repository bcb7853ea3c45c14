import re
from pathlib import Path

import pytest

MESSAGES = Path(__file__).parent / "messages"


def message(name):
    """The raw bytes of a fixture message in tests/messages/."""
    return (MESSAGES / f"{name}.eml").read_bytes()


TRUSTED_SERVER = "mx.support.example"


def authenticated(raw, result="dmarc=pass", server=TRUSTED_SERVER):
    """`raw` as the operator's mail server delivers it: its Authentication-Results on top."""
    domain = re.search(rb"(?im)^From:[^\r\n]*@([a-z0-9.-]+)", raw).group(1)
    header = b"Authentication-Results: %s; %s header.from=%s\r\n" % (
        server.encode(),
        result.encode(),
        domain,
    )
    return header + raw


@pytest.fixture
def inbound_settings(settings):
    settings.INBOUND_TRUSTED_AUTHSERV_ID = TRUSTED_SERVER
    settings.INBOUND_REPLY_ADDRESS = "support+{token}@example.com"
    settings.DEFAULT_FROM_EMAIL = "Hosting Support <support@example.com>"
    settings.INBOUND_UNKNOWN_SENDERS = "triage"
    settings.INBOUND_RATE_LIMIT = 20
    settings.INBOUND_RATE_LIMIT_WINDOW = 3600
    settings.IMAP_USER = ""
    return settings
