"""Reply tokens and the trusted mail server's Authentication-Results, as pure logic."""

import pytest

from support.inbound.authenticity import (
    ReplyToken,
    evidence,
    find_tokens,
    reply_address,
    reply_token,
)

SERVER = "mx.support.example"
MESSAGE = (
    b"From: Olivia <owner@acme.example>\r\nTo: support@example.com\r\nSubject: Hi\r\n\r\nHello\r\n"
)


@pytest.fixture(autouse=True)
def trusted(settings):
    settings.INBOUND_TRUSTED_AUTHSERV_ID = SERVER
    settings.INBOUND_REPLY_ADDRESS = "support+{token}@example.com"
    settings.SECRET_KEY = "k" * 50
    settings.SECRET_KEY_FALLBACKS = []


def with_headers(*lines):
    return b"".join(line.encode() + b"\r\n" for line in lines) + MESSAGE


def test_a_token_names_the_ticket_and_the_recipient_and_is_short():
    token = reply_token("K7F-3QX9", 42)
    assert token.startswith("k7f-3qx9.42.")
    assert find_tokens(f"<{token}.Xr4_a-b@support.example.com>") == [ReplyToken("K7F-3QX9", 42)]
    address = reply_address(token)
    assert address == f"support+{token}@example.com"
    assert len(address.split("@")[0]) <= 64  # RFC 5321's limit for the local part


def test_mail_servers_that_change_the_case_keep_the_token_valid():
    assert find_tokens(reply_token("K7F-3QX9", 42).upper()) == [ReplyToken("K7F-3QX9", 42)]


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace(".42.", ".43."),  # another recipient
        lambda t: t.replace("k7f-3qx9", "k7f-3qx8"),  # another ticket
        lambda t: t[:-1] + ("a" if t[-1] != "a" else "b"),  # another signature
    ],
)
def test_a_changed_token_is_worthless(change):
    assert find_tokens(change(reply_token("K7F-3QX9", 42))) == []


def test_tokens_signed_with_a_retired_key_still_count(settings):
    token = reply_token("K7F-3QX9", 42)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "n" * 50, ["k" * 50]
    assert find_tokens(token) == [ReplyToken("K7F-3QX9", 42)]
    settings.SECRET_KEY_FALLBACKS = []
    assert find_tokens(token) == []


def test_no_reply_address_without_the_setting(settings):
    settings.INBOUND_REPLY_ADDRESS = ""
    assert reply_address(reply_token("K7F-3QX9", 42)) == ""


def test_tokens_are_read_from_the_recipient_and_threading_headers_only():
    token = reply_token("K7F-3QX9", 42)
    raw = with_headers(f"Delivered-To: support+{token}@example.com")
    assert evidence(raw, "owner@acme.example").tokens == (ReplyToken("K7F-3QX9", 42),)
    raw = with_headers(f"In-Reply-To: <{token}.abc@support.example.com>")
    assert evidence(raw, "owner@acme.example").tokens == (ReplyToken("K7F-3QX9", 42),)
    raw = with_headers(f"X-Comment: {token}")
    assert evidence(raw, "owner@acme.example").tokens == ()


def vouched(raw):
    found = evidence(raw, "owner@acme.example")
    return found.method if found.vouches_for("owner@acme.example") else ""


def test_dmarc_pass_from_the_trusted_server_vouches_for_the_from_domain():
    raw = with_headers(
        f"Authentication-Results: {SERVER}; spf=pass smtp.mailfrom=acme.example; "
        "dkim=pass header.d=acme.example; dmarc=pass (p=reject) header.from=acme.example",
        "Received: from mail.acme.example by mx.support.example",
    )
    assert vouched(raw) == "dmarc"


def test_an_aligned_dkim_pass_vouches_when_there_is_no_dmarc_result():
    raw = with_headers(f"Authentication-Results: {SERVER}; dkim=pass header.d=acme.example")
    assert vouched(raw) == "dkim"
    raw = with_headers(f"Authentication-Results: {SERVER}; dkim=pass header.d=mailer.example")
    assert vouched(raw) == ""


@pytest.mark.parametrize(
    "headers",
    [
        # nothing at all
        [],
        # DMARC fails; a DKIM pass of the right domain does not override it
        [f"{SERVER}; dmarc=fail header.from=acme.example; dkim=pass header.d=acme.example"],
        # a pass for another domain
        [f"{SERVER}; dmarc=pass header.from=elsewhere.example"],
        # another server's word
        ["mx.attacker.example; dmarc=pass header.from=acme.example"],
        # the trusted id, but below another server's header: written by the sender
        [
            "mx.attacker.example; dmarc=none",
            f"{SERVER}; dmarc=pass header.from=acme.example",
        ],
        # the trusted server's fail beside a pass the sender wrote
        [
            f"{SERVER}; dmarc=fail header.from=acme.example",
            f"{SERVER}; dmarc=pass header.from=acme.example",
        ],
        # junk the parser refuses
        [f"{SERVER}; ;;dmarc"],
    ],
)
def test_what_does_not_vouch(headers):
    raw = with_headers(*[f"Authentication-Results: {value}" for value in headers])
    assert vouched(raw) == ""


def test_a_header_below_the_trusted_servers_received_line_does_not_count():
    raw = with_headers(
        f"Authentication-Results: {SERVER}; spf=none",
        "Received: from mx.attacker.example by mx.support.example",
        f"Authentication-Results: {SERVER}; dmarc=pass header.from=acme.example",
    )
    assert vouched(raw) == ""


def test_nothing_is_trusted_without_the_setting(settings):
    settings.INBOUND_TRUSTED_AUTHSERV_ID = ""
    raw = with_headers(f"Authentication-Results: {SERVER}; dmarc=pass header.from=acme.example")
    assert vouched(raw) == ""


def test_the_authserv_id_and_domain_compare_without_case():
    raw = with_headers(
        "Authentication-Results: MX.Support.Example; dmarc=pass header.from=ACME.example"
    )
    assert vouched(raw) == "dmarc"
