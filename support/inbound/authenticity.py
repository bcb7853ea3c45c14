"""Who really sent an inbound email: reply tokens, and the operator's mail server's word.

A From header can say anything. An inbound message counts as written by a person
only when one of these holds (checked by `routing.decide`):

(a) It answers a *reply token* issued to that person. Every email the portal sends
    about a ticket carries a token bound to the ticket and the recipient, signed
    with the SECRET_KEY: in its reply address (INBOUND_REPLY_ADDRESS, e.g.
    ``support+k7f-3qx9.42.mfrggzdfmztwq2lk@example.com``) and inside its
    Message-ID (``<k7f-3qx9.42.mfrggzdfmztwq2lk.Xr4…@support.example.com>``), so a
    reply carries it back in To/Delivered-To or In-Reply-To/References. Only
    someone who received that email knows it; it names whom it was sent to.
(b) The operator's own mail server vouches for the From domain: the topmost
    Authentication-Results header(s), with the authserv-id
    INBOUND_TRUSTED_AUTHSERV_ID, say dmarc=pass for that domain, or dkim=pass
    with a signing domain (header.d) equal to it. Headers lower down, or from any
    other server, are ignored: anybody can write them.

Everything here reads the raw header block itself (order and repeated headers
matter for the second rule), so it needs nothing from the parser but the bytes.
"""

import base64
import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32

import authres
from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "portal.inbound.reply-token"
SIGNATURE_LENGTH = 16  # base32 characters: 80 bits
TOKEN = re.compile(
    r"(?<![a-z0-9])([a-z0-9]{2,8}-[a-z0-9]{2,8})\.([0-9]{1,12})\.([a-z2-7]{16})(?![a-z0-9])",
    re.IGNORECASE,
)
# Where a reply carries a token back: the address it was sent to, and the ids it answers.
TOKEN_HEADERS = (
    "to",
    "cc",
    "delivered-to",
    "x-original-to",
    "envelope-to",
    "x-delivered-to",
    "in-reply-to",
    "references",
)
MAX_TOKENS = 20


@dataclass(frozen=True)
class ReplyToken:
    reference: str  # the ticket's reference, upper case
    user_id: int  # the person the email was sent to


@dataclass(frozen=True)
class Evidence:
    """What the message itself proves about its sender."""

    tokens: tuple = ()  # valid ReplyTokens found in the message, in header order
    authenticated_domain: str = ""  # the From domain the trusted server vouched for, if any
    method: str = ""  # "dmarc" or "dkim" when authenticated_domain is set
    details: list = field(default_factory=list, compare=False)  # what was read, for staff

    def tokens_for(self, user_id):
        return [token for token in self.tokens if token.user_id == user_id]

    def vouches_for(self, address):
        domain = address.rpartition("@")[2].lower()
        return bool(domain) and domain == self.authenticated_domain


NO_EVIDENCE = Evidence()


# Tokens ------------------------------------------------------------------------------


def _signature(reference, user_id, secret):
    value = f"{reference.lower()}.{user_id}"
    digest = salted_hmac(SALT, value, secret=secret, algorithm="sha256").digest()
    return base64.b32encode(digest[:10]).decode().lower()


def reply_token(reference, user_id):
    """The token for emails about ticket `reference` sent to user `user_id`."""
    return f"{reference.lower()}.{user_id}.{_signature(reference, user_id, settings.SECRET_KEY)}"


def read_reply_token(text):
    """The ReplyToken in `text` with a valid signature, or None."""
    tokens = find_tokens(text)
    return tokens[0] if tokens else None


def find_tokens(text):
    """Every validly signed token in `text` (signatures made with a retired key count too)."""
    found = []
    for reference, user_id, signature in TOKEN.findall(text or "")[:MAX_TOKENS]:
        signature = signature.lower()
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        if any(
            constant_time_compare(signature, _signature(reference, user_id, key)) for key in keys
        ):
            token = ReplyToken(reference.upper(), int(user_id))
            if token not in found:
                found.append(token)
    return found


def reply_address(token):
    """The Reply-To address carrying `token`, or "" when INBOUND_REPLY_ADDRESS is not set."""
    template = settings.INBOUND_REPLY_ADDRESS
    return template.replace("{token}", token) if template else ""


# Reading a message --------------------------------------------------------------------


def evidence(raw, from_address):
    """The Evidence in the raw message `raw` about its sender `from_address`."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(bytes(raw)).items()
    tokens = []
    for name, value in headers:
        if name.lower() in TOKEN_HEADERS:
            tokens += [token for token in find_tokens(str(value)) if token not in tokens]
    domain, method, details = authenticated_from_domain(headers, from_address)
    return Evidence(
        tokens=tuple(tokens), authenticated_domain=domain, method=method, details=details
    )


def authenticated_from_domain(headers, from_address):
    """(domain, method, details): the From domain when the trusted server vouches for it.

    The trusted results are the Authentication-Results headers at the top of the
    message with authserv-id INBOUND_TRUSTED_AUTHSERV_ID: reading down, the first
    Authentication-Results header must be the trusted server's, and the run ends at
    the first one by anybody else or at the first Received header after it (what
    lies below arrived with the message). Every DMARC result for the domain in that
    run must be a pass (a forged "pass" beside the server's "fail" is not one);
    otherwise an aligned DKIM pass (header.d equal to the From domain) counts.
    """
    trusted_id = settings.INBOUND_TRUSTED_AUTHSERV_ID.strip().lower()
    domain = from_address.rpartition("@")[2].lower()
    if not trusted_id or not domain:
        return "", "", []
    results, details = [], []
    seen_trusted = False
    for name, value in headers:
        name = name.lower()
        if name == "received" and seen_trusted:
            break
        if name != "authentication-results":
            continue
        parsed = _parse_results(str(value))
        if parsed is None or parsed.authserv_id.lower() != trusted_id:
            break
        seen_trusted = True
        results += parsed.results
        details.append(" ".join(str(value).split())[:500])
    dmarc = [r for r in results if r.method.lower() == "dmarc"]
    if dmarc and all(r.result.lower() == "pass" and _about(r, domain) for r in dmarc):
        return domain, "dmarc", details
    if dmarc:  # DMARC failed, or passed for another domain: no DKIM pass overrides that
        return "", "", details
    dkim = [r for r in results if r.method.lower() == "dkim" and r.result.lower() == "pass"]
    if any(_property(r, "header", "d") == domain for r in dkim):
        return domain, "dkim", details
    return "", "", details


def _parse_results(value):
    try:
        return authres.AuthenticationResultsHeader.parse_value(" ".join(value.split()))
    except Exception:  # authres raises its own SyntaxError and others on junk
        return None


def _about(result, domain):
    """A DMARC result that names `domain` as the From domain (header.from)."""
    return _property(result, "header", "from") == domain


def _property(result, kind, name):
    for item in result.properties:
        if item.type.lower() == kind and item.name.lower() == name:
            return (item.value or "").strip().lower()
    return ""
