"""Raw RFC 822 bytes → ParsedEmail: headers, the new text, attachments, and whether
the message was sent by a machine.

Built on the standard library's parser with the compat32 policy, which never
raises on malformed input; every header and body is decoded here, on purpose:
mail labelled GB2312 or GBK routinely contains GB18030 characters, Big5 mail
contains Microsoft's CP950 extensions and "ISO-8859-1" is really Windows-1252,
so each label is read as the superset actually in use, and bytes that still
don't decode are replaced rather than raising. Only a message with no usable
header block or no sender raises UnparseableEmail (the caller keeps it anyway).
"""

import codecs
import email
import email.policy
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header
from email.utils import getaddresses, parsedate_to_datetime

from .htmltext import html_to_text
from .quotes import is_forward, strip_quotes

# Python codec name of the label → the superset that mail labelled so is really written in.
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "cp950",
    "iso8859-1": "cp1252",
    "ascii": "utf-8",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "tis-620": "cp874",
}
ALIASES = {"x-gbk": "gbk", "gb_2312-80": "gb2312", "x-big5": "big5"}
ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+$")
AUTOMATIC_PRECEDENCE = {"bulk", "junk", "auto_reply", "list"}
MACHINE_SENDERS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}


class UnparseableEmail(ValueError):
    """The bytes are not a mail message we can attribute to anyone."""


@dataclass
class Attachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str = ""

    @property
    def size(self):
        return len(self.content)


@dataclass
class ParsedEmail:
    message_id: str = ""
    in_reply_to: str = ""
    references: list = field(default_factory=list)
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    reply_to: str = ""
    to: list = field(default_factory=list)
    cc: list = field(default_factory=list)
    date: datetime | None = None
    text: str = ""
    full_text: str = ""
    html: str = ""
    attachments: list = field(default_factory=list)
    is_automatic: bool = False
    automatic_reason: str = ""
    headers: dict = field(default_factory=dict)

    @property
    def thread_ids(self):
        """Message-IDs this message answers, the most recent first."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids += [ref for ref in reversed(self.references) if ref not in ids]
        return ids


def parse_email(raw):
    """Parse raw message bytes; raise UnparseableEmail only when nobody sent it."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    raw = raw.lstrip(b"\r\n\t ")
    if not raw or not re.match(rb"^(From |[!-9;-~]+:)", raw):
        raise UnparseableEmail("The data does not start with a mail header.")
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    from_name, from_address = _first_address(message.get_all("From", []))
    if not from_address:
        raise UnparseableEmail("The message has no sender address (From header).")

    parsed = ParsedEmail(
        message_id=_message_id(header_text(message.get("Message-ID", ""))),
        in_reply_to=_message_id(header_text(message.get("In-Reply-To", ""))),
        references=_message_ids(header_text(message.get("References", ""))),
        subject=_one_line(header_text(message.get("Subject", ""))),
        from_address=from_address,
        from_name=from_name,
        reply_to=_first_address(message.get_all("Reply-To", []))[1],
        to=_addresses(message.get_all("To", [])),
        cc=_addresses(message.get_all("Cc", [])),
        date=_date(message.get("Date")),
        headers={name.lower(): header_text(value) for name, value in message.items()},
    )
    body = _Body()
    body.collect(message)
    parsed.html = body.html
    parsed.attachments = body.attachments
    if body.plain.strip():
        parsed.full_text = body.plain.strip()
        quoted_free = body.plain
    elif body.html:
        parsed.full_text = html_to_text(body.html)
        quoted_free = html_to_text(body.html, drop_quotes=True)
    else:
        quoted_free = ""
    parsed.text = parsed.full_text if is_forward(parsed.subject) else strip_quotes(quoted_free)
    if not parsed.text:
        parsed.text = parsed.full_text
    parsed.automatic_reason = automatic_reason(message, from_address)
    parsed.is_automatic = bool(parsed.automatic_reason)
    return parsed


def automatic_reason(message, from_address):
    """Why this message was sent by a machine (so it must never be answered), or ""."""
    auto_submitted = header_text(message.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = header_text(message.get("Precedence", "")).strip().lower()
    if precedence in AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        value = header_text(message.get(name, "")).strip()
        if value and value.lower() not in ("no", "none", "false"):
            return f"{name}: {value}"
    return_path = message.get("Return-Path")
    if return_path is not None and header_text(return_path).strip() in ("<>", ""):
        return "null return path (Return-Path: <>)"
    if from_address.split("@")[0].lower() in MACHINE_SENDERS:
        return f"sent by {from_address}"
    if message.get_content_type() == "multipart/report":
        return "delivery or read report (multipart/report)"
    return ""


# Decoding ------------------------------------------------------------------


def decode_bytes(data, charset=None):
    """Bytes → str in the given charset (or its superset); never raises.

    Unlabelled bytes are tried as UTF-8, then as GB18030 when that gives Chinese
    text, then as Windows-1252 (which decodes nearly anything).
    """
    name = _codec_name(charset)
    if not name:
        for candidate, plausible in (("utf-8", None), ("gb18030", _chinese), ("cp1252", None)):
            try:
                text = data.decode(candidate)
            except UnicodeDecodeError:
                continue
            if plausible is None or plausible(text):
                return text
        return data.decode("utf-8", "replace")
    candidates = [SUPERSETS.get(name, name), "big5hkscs" if name == "big5" else "utf-8"]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(candidates[0], "replace")


def _chinese(text):
    """True when every non-ASCII character is a CJK ideograph or CJK punctuation."""
    return all(
        ord(char) < 128 or "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"
        for char in text
    )


def _codec_name(charset):
    if not charset:
        return ""
    charset = str(charset).strip().strip('"').lower()
    if charset in ("unknown-8bit", "x-unknown", "unknown", "8bit", "default"):
        return ""
    charset = ALIASES.get(charset, charset)
    try:
        return codecs.lookup(charset).name
    except (LookupError, ValueError):
        return ""


def header_text(value):
    """Any header value (RFC 2047 encoded words, raw 8-bit bytes, Header objects) → str."""
    return _decode_header_value(value).replace("\x00", "")


def _decode_header_value(value):
    if value is None:
        return ""
    if isinstance(value, email.header.Header):  # compat32's wrapper for raw 8-bit headers
        return "".join(decode_bytes(chunk, charset) for chunk, charset in decode_header(value))
    value = str(value)
    if any("\udc80" <= char <= "\udcff" for char in value):  # raw 8-bit bytes in the header
        value = decode_bytes(value.encode("ascii", "surrogateescape"), None)
    if "=?" not in value:
        return value
    # Some mailers glue encoded words together; the decoder needs a space between them.
    value = value.replace("?==?", "?= =?")
    try:
        parts = decode_header(value)
    except Exception:
        return value
    return "".join(
        decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
        for chunk, charset in parts
    )


def _one_line(text):
    return " ".join(text.split())


def _message_id(value):
    ids = _message_ids(value)
    return ids[0] if ids else ""


def _message_ids(value):
    found = re.findall(r"<([^<>\s]+)>", value or "")
    if not found and value and value.strip() and " " not in value.strip():
        found = [value.strip()]  # some mailers forget the angle brackets
    return [item[:900] for item in found]


def _first_address(values):
    addresses = _addresses(values)
    return addresses[0] if addresses else ("", "")


def _addresses(values):
    """[(name, address)]: split first, then decode, so "=?…?=" names with commas stay whole."""
    texts = [
        header_text(v) if isinstance(v, email.header.Header) else str(v).replace("\x00", "")
        for v in values
    ]
    texts = [header_text(t) if any("\udc80" <= c <= "\udcff" for c in t) else t for t in texts]
    result = []
    for name, address in getaddresses(texts):
        address = address.strip().strip("<>").lower()
        if ADDRESS.match(address):
            result.append((_one_line(header_text(name)).strip('"'), address[:254]))
    return result


def _date(value):
    """The Date header as an aware datetime, or None when missing or impossible."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(header_text(value))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        parsed.astimezone(UTC)  # e.g. 31 Dec 9999 -1200 is past the end of time
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed


# Bodies and attachments ------------------------------------------------------


class _Body:
    def __init__(self):
        self.plain = ""
        self.html = ""
        self.attachments = []

    def collect(self, part):
        content_type = part.get_content_type()
        if part.is_multipart() and content_type != "message/rfc822":
            if content_type == "multipart/alternative":
                self._alternative(part)
            else:
                for child in part.get_payload():
                    self.collect(child)
            return
        if _is_attachment(part):
            self.attachments.append(_attachment(part, len(self.attachments) + 1))
        elif content_type == "text/html":
            self.html += _text(part)
        else:
            text = _text(part)
            self.plain += ("\n" if self.plain and text else "") + text

    def _alternative(self, part):
        """One text and one HTML rendering of the same thing: take each once."""
        branches = []
        for child in part.get_payload():
            branch = _Body()
            branch.collect(child)
            branches.append(branch)
        self.plain += next((b.plain for b in branches if b.plain.strip()), "")
        self.html += next((b.html for b in reversed(branches) if b.html.strip()), "")
        for branch in branches:
            self.attachments += branch.attachments


def _is_attachment(part):
    """Body text is text/* neither marked as an attachment nor named; anything else is a file."""
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    if disposition == "attachment" or part.get_content_type() == "message/rfc822":
        return True
    if part.get_content_maintype() == "text":
        return bool(_raw_filename(part))
    return True


def _text(part):
    """A text part, decoded; NUL characters dropped (the database refuses them in text)."""
    payload = _payload_bytes(part)
    text = decode_bytes(payload, _charset_of(part))
    return text.replace("\r\n", "\n").replace("\x00", "")


def _charset_of(part):
    try:
        return part.get_content_charset()
    except Exception:  # a malformed parameter list
        return None


def _payload_bytes(part):
    try:
        if part.get_content_type() == "message/rfc822" or part.is_multipart():
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            return inner.as_bytes() if hasattr(inner, "as_bytes") else bytes(str(inner), "utf-8")
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return payload


def _attachment(part, number):
    content_type = part.get_content_type()
    filename = safe_filename(header_text(_raw_filename(part)))
    if not filename:
        extension = ".eml" if content_type == "message/rfc822" else ""
        extension = extension or mimetypes.guess_extension(content_type) or ".bin"
        filename = f"attachment-{number}{extension}"
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    content_id = header_text(part.get("Content-ID", "")).strip().strip("<>")
    return Attachment(
        filename=filename,
        content_type=content_type,
        content=_payload_bytes(part),
        inline=disposition == "inline" or (bool(content_id) and disposition != "attachment"),
        content_id=content_id,
    )


def _raw_filename(part):
    """The file name from Content-Disposition (RFC 2231 decoded) or Content-Type's name."""
    try:
        name = part.get_filename() or part.get_param("name")
    except Exception:
        return ""
    if isinstance(name, tuple):  # RFC 2231 value compat32 could not decode
        charset, _language, value = name
        return decode_bytes(value.encode("latin-1", "replace"), charset)
    return name or ""


def safe_filename(name):
    """A file name safe to store and offer for download: no folders, no control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".").strip()
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 190 - len(extension)] + dot + extension) if dot else name[:200]
    return name
