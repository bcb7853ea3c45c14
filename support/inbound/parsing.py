"""Raw RFC 822 bytes → ParsedEmail: headers, the new text, attachments, and whether
the message was sent by a machine.

Built on the standard library's parser with the compat32 policy, which never
raises on malformed input; but every header, parameter and body is decoded here
from its raw bytes, by the one rule in `decoding.py` (UTF-8 first, then the
charsets the message names, then a detector), so no text is destroyed before
we see it.

Broken header blocks are repaired before parsing (a text line before the first
header is dropped, a continuation line without indentation is folded into the
header above it), and the sender is read leniently: From, else Sender, else
Reply-To; a bare `Name addr@example.com`, or several addresses where one is
expected, give the first address. Machine-sent mail (bounces, read receipts,
auto-replies) is recognised before the sender is required, so a bounce from a
domainless `MAILER-DAEMON` is ignored as automatic rather than failed. Only a
message with no usable header block, or a person's message with no sender,
raises UnparseableEmail (the caller keeps it anyway).
"""

import email
import email.policy
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime

from .decoding import MessageDecoder, charsets_named_in, header_text
from .htmltext import html_to_text
from .quotes import is_forward, strip_quotes

ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+$")
ADDRESS_IN_TEXT = re.compile(r"[^@\s<>()\[\],;:\"']+@[^@\s<>()\[\],;:\"']+\.[^@\s<>()\[\],;:\"']+")
HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
AUTOMATIC_PRECEDENCE = {"bulk", "junk", "auto_reply", "list"}
MACHINE_SENDERS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
SENDER_HEADERS = ("From", "Sender", "Reply-To")
# Subjects of read receipts: Outlook, Thunderbird, Apple Mail, Gmail, in our languages.
READ_RECEIPT_SUBJECT = re.compile(
    r"^\s*(read|gelesen|lu|leído|leido|lido|letto|已读|已讀|開封済み|읽음)\s*[:：]"
    r"|^\s*(return receipt|read receipt|lesebestätigung|accusé de lecture|已读回执)",
    re.IGNORECASE,
)
MAX_FILENAME_CHARACTERS = 200


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
    sender_header: str = "From"  # the header the sender was read from
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
    decoding: list = field(default_factory=list)  # how each piece of text was decoded

    @property
    def thread_ids(self):
        """Message-IDs this message answers, the most recent first."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids += [ref for ref in reversed(self.references) if ref not in ids]
        return ids

    @property
    def charset_summary(self):
        """One line for staff: which charset each decoded piece was read in, and why."""
        return "; ".join(self.decoding)


def parse_email(raw):
    """Parse raw message bytes; raise UnparseableEmail only when nobody sent it."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    raw = repair_header_block(raw.lstrip(b"\r\n\t "))
    if not raw or not re.match(rb"^(From |[!-9;-~]+:)", raw):
        raise UnparseableEmail("The data does not start with a mail header.")
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    parts = list(message.walk())
    raw_values = [value for part in parts for _name, value in raw_items(part)]
    decoder = MessageDecoder(
        named=charsets_named_in(raw_values, parts),
        sample=b"\n".join(value for value in raw_values if _needs_detection(value)),
    )
    headers = _Headers(message, decoder)

    sender_header, (from_name, from_address) = _sender(headers)
    reason = automatic_reason(message, headers, from_address)
    if not from_address:
        machine = _machine_name(headers.text("From"))
        if not (reason and machine):
            raise UnparseableEmail("The message has no sender address (From header).")
        from_name, from_address, sender_header = headers.text("From").strip(), machine, "From"
    parsed = ParsedEmail(
        message_id=_message_id(headers.text("Message-ID")),
        in_reply_to=_message_id(headers.text("In-Reply-To")),
        references=_message_ids(headers.text("References")),
        subject=_one_line(headers.text("Subject", what="subject")),
        from_address=from_address,
        from_name=from_name,
        sender_header=sender_header,
        reply_to=_first_address(headers.addresses("Reply-To"))[1],
        to=headers.addresses("To"),
        cc=headers.addresses("Cc"),
        date=_date(headers.text("Date")),
        headers={name.lower(): header_text(value, decoder) for name, value in raw_items(message)},
        automatic_reason=reason,
        is_automatic=bool(reason),
    )
    body = _Body(decoder)
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
    if sender_header != "From":
        decoder.decisions.append(f"sender: read from {sender_header} (no usable From)")
    parsed.decoding = decoder.decisions
    return parsed


def subject_of_broken(raw):
    """The Subject of a message that could not be parsed, for staff to recognise it ("")."""
    match = re.search(rb"^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)", raw[:65536], re.I | re.M)
    if not match:
        return ""
    return _one_line(header_text(match.group(1), MessageDecoder())).replace("\x00", "")


def _needs_detection(value):
    """Raw 8-bit header bytes that are not UTF-8: what the detector should look at."""
    if value.isascii():
        return False
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def repair_header_block(raw):
    """Mend the header block the way other mail programs read it.

    A line of text before the first header (``---- Original email message ----``)
    is dropped, and a line without indentation that is followed by more headers is a
    continuation of the header above it (else the stdlib ends the headers there and
    the From below it is lost).
    """
    end = re.search(rb"\r?\n\r?\n", raw)
    block_end = end.start() if end else len(raw)
    lines = raw[:block_end].splitlines(keepends=True)
    if lines and not (lines[0].startswith(b"From ") or HEADER_LINE.match(lines[0])):
        first = next((i for i, line in enumerate(lines[:4]) if HEADER_LINE.match(line)), None)
        if first is None:
            return raw
        lines = lines[first:]
    is_header = [bool(HEADER_LINE.match(line)) for line in lines]
    for index, line in enumerate(lines):
        folded = index and not is_header[index] and line[:1] not in (b" ", b"\t")
        if folded and any(is_header[index + 1 :]):
            lines[index] = b" " + line
    return b"".join(lines) + raw[block_end:]


def raw_items(part):
    """(name, raw bytes) for each header of `part`, exactly as it arrived."""
    for name, value in part.raw_items():
        if isinstance(value, str):
            value = value.encode("utf-8", "surrogateescape")
        else:  # an email.header.Header from a constructed message
            value = str(value).encode("utf-8", "surrogateescape")
        yield name, value


class _Headers:
    """A message's headers read from their raw bytes with the message's decoder."""

    def __init__(self, message, decoder):
        self.decoder = decoder
        self.raw = {}
        for name, value in raw_items(message):
            self.raw.setdefault(name.lower(), []).append(value)

    def text(self, name, what=""):
        values = self.raw.get(name.lower())
        return header_text(values[0], self.decoder, what).replace("\x00", "") if values else ""

    def addresses(self, name):
        return _addresses(self.raw.get(name.lower(), []), self.decoder)


def _sender(headers):
    for name in SENDER_HEADERS:
        found = _first_address(headers.addresses(name))
        if found[1]:
            return name, found
    return "From", ("", "")


def _machine_name(text):
    """ "mailer-daemon" for a domainless machine sender such as `MAILER-DAEMON (Mail …)`."""
    words = re.findall(r"[\w.-]+", text.lower())
    return next((word for word in words if word in MACHINE_SENDERS), "")


def automatic_reason(message, headers, from_address):
    """Why this message was sent by a machine (so it must never be answered), or ""."""
    auto_submitted = headers.text("Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = headers.text("Precedence").strip().lower()
    if precedence in AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        value = headers.text(name).strip()
        if value and value.lower() not in ("no", "none", "false"):
            return f"{name}: {value}"
    report = _report_kind(message)
    if report:
        return report
    if "return-path" in headers.raw and headers.text("Return-Path").strip() in ("<>", ""):
        return "null return path (Return-Path: <>)"
    if headers.text("X-Failed-Recipients").strip():
        return "delivery failure (X-Failed-Recipients)"
    machine = from_address.split("@")[0] if from_address else _machine_name(headers.text("From"))
    if machine.lower() in MACHINE_SENDERS:
        return f"sent by {from_address or machine}"
    if READ_RECEIPT_SUBJECT.match(headers.text("Subject")) and _outlook_receipt(message, headers):
        return "read receipt (Outlook)"
    return ""


def _report_kind(message):
    """A delivery status notification or a read receipt (RFC 3464, RFC 8098), or ""."""
    kinds = set()
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "multipart/report":
            kinds.add(str(part.get_param("report-type") or "").lower())
        elif content_type in ("message/delivery-status", "message/global-delivery-status"):
            kinds.add("delivery-status")
        elif content_type in ("message/disposition-notification", "message/global-disposition"):
            kinds.add("disposition-notification")
    if "disposition-notification" in kinds:
        return "read receipt (disposition notification)"
    if "delivery-status" in kinds:
        return "delivery status notification (bounce)"
    if kinds:
        return "report (multipart/report)"
    return ""


def _outlook_receipt(message, headers):
    """Outlook sends read receipts as "Read: …" with the receipt itself in TNEF (winmail.dat)."""
    content_class = headers.text("Content-Class").lower()
    if "mdn" in content_class or "report" in content_class:
        return True
    return any(
        part.get_content_type() in ("application/ms-tnef", "application/vnd.ms-tnef")
        for part in message.walk()
    )


# Addresses, ids, dates -------------------------------------------------------


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


def _first_address(addresses):
    return addresses[0] if addresses else ("", "")


def _addresses(raw_values, decoder):
    """[(name, address)] from raw header values, leniently.

    Split first, then decode the names, so "=?…?=" names with commas stay whole. When
    the standard parser finds no valid address (a bare `Name addr@example.com`, two
    addresses separated by a space), every address-shaped word is taken in order.
    """
    result = []
    for raw in raw_values:
        text = re.sub(r"\r?\n(?=[ \t])", "", raw.decode("ascii", "surrogateescape"))
        text = text.replace("\x00", "")
        found = []
        for name, address in getaddresses([text]):
            address = _address(address)
            if ADDRESS.match(address):
                found.append((_name(name, decoder), address[:254]))
        if not found:
            # Never a piece of an impossible address: `<power quadrant system@x.com>`.
            text = re.sub(r"<[^<>]*\s[^<>]*>", " ", text)
            for match in ADDRESS_IN_TEXT.finditer(text):
                name = text[: match.start()].strip(" \t<>\"',") if not found else ""
                address = _address(match.group(0))
                if address:
                    found.append((_name(name, decoder), address))
        result += found
    return result


def _address(text):
    """An address as text: raw UTF-8 (internationalised addresses) decoded, else ""."""
    raw = text.strip().strip("<>").lower().encode("ascii", "surrogateescape")
    try:
        return raw.decode("utf-8")[:254]
    except UnicodeDecodeError:
        return ""


def _name(name, decoder):
    raw = name.encode("ascii", "surrogateescape")
    return _one_line(header_text(raw, decoder, "sender name")).strip('"').strip()


def _date(value):
    """The Date header as an aware datetime, or None when missing or impossible."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        parsed.astimezone(UTC)  # e.g. 31 Dec 9999 -1200 is past the end of time
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed


def decode_bytes(data, charset=None):
    """Bytes → str by the decoding rule (see decoding.py); never raises."""
    return MessageDecoder().text(data, charset)


# Bodies and attachments ------------------------------------------------------


class _Body:
    def __init__(self, decoder):
        self.decoder = decoder
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
        if _is_attachment(part, self.decoder):
            self.attachments.append(_attachment(part, len(self.attachments) + 1, self.decoder))
        elif content_type == "text/html":
            self.html += self._text(part, "html body")
        else:
            text = self._text(part, "body")
            self.plain += ("\n" if self.plain and text else "") + text

    def _alternative(self, part):
        """One text and one HTML rendering of the same thing: take each once."""
        branches = []
        for child in part.get_payload():
            branch = _Body(self.decoder)
            branch.collect(child)
            branches.append(branch)
        self.plain += next((b.plain for b in branches if b.plain.strip()), "")
        self.html += next((b.html for b in reversed(branches) if b.html.strip()), "")
        for branch in branches:
            self.attachments += branch.attachments

    def _text(self, part, what):
        """A text part, decoded; NUL characters dropped (the database refuses them in text)."""
        text = self.decoder.text(_payload_bytes(part), _charset_of(part), what)
        return text.replace("\r\n", "\n").replace("\x00", "")


def _is_attachment(part, decoder):
    """Body text is text/* neither marked as an attachment nor named; anything else is a file."""
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    if disposition == "attachment" or part.get_content_type() == "message/rfc822":
        return True
    if part.get_content_maintype() == "text":
        return bool(raw_filename(part, decoder))
    return True


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


def _attachment(part, number, decoder):
    content_type = part.get_content_type()
    filename = safe_filename(raw_filename(part, decoder))
    if not filename and content_type == "message/rfc822":
        filename = _forwarded_message_name(part, decoder)
    extension = ".eml" if content_type == "message/rfc822" else ""
    extension = extension or mimetypes.guess_extension(content_type) or ".bin"
    if not filename:  # an unnamed part: its description ("Undelivered Message"), else a number
        described = _one_line(_part_header(part, "Content-Description", decoder))[:150]
        described = safe_filename(re.sub(r"[/\\]", "_", described))
        filename = f"{described}{extension}" if described else f"attachment-{number}{extension}"
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    content_id = _part_header(part, "Content-ID", decoder).strip().strip("<>")
    return Attachment(
        filename=filename,
        content_type=content_type,
        content=_payload_bytes(part),
        inline=disposition == "inline" or (bool(content_id) and disposition != "attachment"),
        content_id=content_id,
    )


def _forwarded_message_name(part, decoder):
    """A forwarded message is saved under its own subject: "Server down.eml"."""
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    if not hasattr(inner, "raw_items"):
        return ""
    subject = re.sub(r"[/\\]", "_", _one_line(_part_header(inner, "Subject", decoder)))
    name = safe_filename(subject[:150])
    return f"{name}.eml" if name else ""


def _part_header(part, wanted, decoder):
    values = [value for name, value in raw_items(part) if name.lower() == wanted.lower()]
    return header_text(values[0], decoder) if values else ""


def raw_filename(part, decoder):
    """The file name from Content-Disposition's filename, else Content-Type's name.

    Read from the raw header bytes: RFC 2231 (`filename*=charset''…`, continuations),
    RFC 2047 encoded words inside quotes, and raw 8-bit names in any charset.
    """
    headers = {name.lower(): value for name, value in raw_items(part)}
    for header, parameter in (("content-disposition", "filename"), ("content-type", "name")):
        if header in headers:
            name = _parameter(headers[header], parameter, decoder)
            if name:
                return name
    return ""


def _parameter(raw, wanted, decoder):
    """One MIME parameter of a raw header value, decoded (see raw_filename)."""
    raw = re.sub(rb"\r?\n[ \t]*", b" ", raw)
    pieces = {}
    pattern = rb'(?:^|;)\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)'
    for match in re.finditer(pattern, raw):
        key = match.group(1).decode("ascii", "replace").lower()
        value = match.group(2).strip()
        if value.startswith(b'"'):
            value = re.sub(rb"\\(.)", rb"\1", value[1:].removesuffix(b'"'))
        name, _star, section = key.partition("*")
        if name == wanted:
            pieces.setdefault(key, value)
    if not pieces:
        return ""
    extended = sorted(
        (key for key in pieces if "*" in key),
        key=lambda key: int(re.sub(r"\D", "", key) or 0),
    )
    if extended:
        charset, data = None, b""
        for index, key in enumerate(extended):
            value = pieces[key]
            if key.endswith("*"):
                if index == 0 and value.count(b"'") >= 2:
                    label, _language, value = value.split(b"'", 2)
                    charset = label.decode("ascii", "replace")
                value = re.sub(rb"%([0-9A-Fa-f]{2})", lambda h: bytes.fromhex(h[1].decode()), value)
            data += value
        return (
            decoder.text(data, charset, "file name")
            if charset
            else header_text(data, decoder, "file name")
        )
    return header_text(pieces[wanted], decoder, "file name")


def safe_filename(name):
    """A file name safe to offer for download, kept whole for display (at most 200
    characters, the extension kept): no folders, no control characters.

    Where files are stored, tickets limit the name in bytes as file systems do
    (see support/tickets/forms.py `storage_filename`).
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".").strip()
    if len(name) > MAX_FILENAME_CHARACTERS:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: MAX_FILENAME_CHARACTERS - 1 - len(extension)] + dot + extension
        else:
            name = name[:MAX_FILENAME_CHARACTERS]
    return name
