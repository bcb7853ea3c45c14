from pathlib import Path

import pytest

MESSAGES = Path(__file__).parent / "messages"


def message(name):
    """The raw bytes of a fixture message in tests/messages/."""
    return (MESSAGES / f"{name}.eml").read_bytes()


@pytest.fixture
def inbound_settings(settings):
    settings.DEFAULT_FROM_EMAIL = "Hosting Support <support@example.com>"
    settings.INBOUND_UNKNOWN_SENDERS = "triage"
    settings.INBOUND_RATE_LIMIT = 20
    settings.INBOUND_RATE_LIMIT_WINDOW = 3600
    settings.IMAP_USER = ""
    return settings
