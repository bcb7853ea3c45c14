"""Bytes from a mail message → text, without destroying any.

Mail in the wild is labelled wrongly or not at all: GB2312 mail holds GB18030
characters, "ISO-8859-1" is Windows-1252, "us-ascii" and "utf-8" parts hold
Latin-1, ISO-2022-JP carries Microsoft's NEC extensions, and headers and file
names arrive as raw 8-bit bytes with no label. Every piece of text is decoded
by one rule (`MessageDecoder.text`):

1. Labelled text is read in the superset of its label that mailers really
   write (GB2312/GBK → GB18030, Big5 → CP950, then Big5-HKSCS, Shift_JIS →
   CP932, EUC-KR → CP949, ISO-8859-1 → Windows-1252, ISO-2022-JP → its
   extended variants, then as JIS converted to CP932 for the NEC rows). A
   single-byte label (ASCII, Latin-1, Windows-1252) on bytes that are valid
   UTF-8 is taken as UTF-8: real Latin-1 text is practically never valid UTF-8.
2. When the label fails (or there is none): UTF-8, then each charset the
   message names elsewhere (its parts' labels, its encoded words), multi-byte
   ones first, then a statistical detector (charset-normalizer) across
   Windows-1252, GB18030, Big5, CP932, EUC-JP, CP949 and ISO-2022-JP, whose
   candidates are ranked by how plausible the resulting text is (no control
   characters, no Korean syllables mixed with Chinese characters, no Latin-1
   symbol soup), and finally Windows-1252, where the five bytes it leaves undefined
   become U+FFFD: only text that no charset explains is ever replaced.

Each decision is recorded (`decisions`) so staff can see how the message was
read; the raw bytes are always kept beside it.
"""

import base64
import binascii
import codecs
import re
import unicodedata
from dataclasses import dataclass, field

from charset_normalizer import from_bytes

# Python codec name of the label → what mail labelled so is really written in.
SUPERSETS = {
    "gb2312": ["gb18030"],
    "gbk": ["gb18030"],
    "gb18030": ["gb18030"],
    "big5": ["cp950", "big5hkscs"],
    "cp950": ["cp950", "big5hkscs"],
    "iso8859-1": ["cp1252"],
    "ascii": ["ascii"],
    "euc_kr": ["cp949"],
    "shift_jis": ["cp932", "shift_jis_2004"],
    "cp932": ["cp932", "shift_jis_2004"],
    "euc_jp": ["euc_jp", "euc_jis_2004", "cp932"],
    # Japanese mail labelled ISO-2022-JP is sometimes sent as Shift_JIS bytes.
    "iso2022_jp": ["iso2022_jp_ext", "iso2022_jp_2004", "iso2022_jp_2", "cp932"],
    "tis-620": ["cp874"],
}
ALIASES = {
    "x-gbk": "gbk",
    "gb_2312-80": "gb2312",
    "x-big5": "big5",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode-1-1-utf-7": "utf-7",
    "utf7": "utf-7",
    "x-sjis": "shift_jis",
    "sjis": "shift_jis",
    "x-euc-jp": "euc_jp",
    "ks_c_5601-1987": "euc_kr",
    "ansi_x3.4-1968": "ascii",
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-roman": "mac_roman",
}
UNLABELLED = {"unknown-8bit", "x-unknown", "unknown", "8bit", "default", "x-user-defined"}
SINGLE_BYTE_LATIN = {"ascii", "iso8859-1", "cp1252", "iso8859-15", "latin-1"}
DETECT_AMONG = ["cp1252", "gb18030", "big5", "cp932", "euc_jp", "cp949", "iso2022_jp"]
# When two readings are equally plausible: Windows-1252 first (it is the commonest
# unlabelled charset), then Chinese, Japanese, Traditional Chinese and Korean.
PREFERENCE = ["utf-8", "cp1252", "gb18030", "cp932", "euc_jp", "cp950", "big5", "cp949"]
CHINESE = {"gb18030", "big5", "cp950", "big5hkscs"}
SEVEN_BIT = {"utf-7", "hz"}  # charsets written in ASCII bytes
ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(I")


def codec_name(label):
    """Python's codec name for a MIME charset label; "" when unknown or a non-label."""
    if not label:
        return ""
    label = str(label).strip().strip("\"'").lower()
    if label in UNLABELLED:
        return ""
    label = ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return ""


@dataclass
class MessageDecoder:
    """Decodes every piece of one message by the same rules (see the module docstring).

    `named`: the charsets the message names anywhere; `sample`: the message's unlabelled
    8-bit header bytes, which give the detector more text than a single header would.
    """

    named: list = field(default_factory=list)
    sample: bytes = b""
    decisions: list = field(default_factory=list)

    def __post_init__(self):
        names = []
        for label in self.named:
            for candidate in SUPERSETS.get(codec_name(label), [codec_name(label)]):
                if candidate and candidate not in names and candidate != "ascii":
                    names.append(candidate)
        # Multi-byte charsets reject what isn't theirs; single-byte ones accept anything.
        self.named = sorted(names, key=lambda name: _single_byte(name))
        self._detected = {}

    def text(self, data, label=None, what=""):
        """`data` as text; `label` is the charset the message declared for it, if any."""
        if not data:
            return ""
        if isinstance(data, str):
            return data
        name = codec_name(label)
        if data.isascii() and b"\x1b" not in data and name not in SEVEN_BIT:
            return data.decode("ascii")
        charset, how = self._choose(data, name)
        if charset == "jis-as-cp932":
            text = iso2022jp_as_cp932(data)
        else:
            text = data.decode(charset, "replace")
        if what:
            self.note(what, charset, how)
        return text

    def note(self, what, charset, how):
        line = f"{what}: {charset} ({how})"
        if line not in self.decisions:
            self.decisions.append(line)

    def _choose(self, data, name):
        if name:
            if name in SINGLE_BYTE_LATIN and _valid(data, "utf-8"):
                return "utf-8", f"labelled {name}, but the bytes are UTF-8"
            escaped = any(escape in data for escape in ISO2022_ESCAPES)
            for candidate in SUPERSETS.get(name, [name]):
                if escaped and candidate == "cp932":
                    break  # JIS escapes: ISO-2022-JP with extensions, not Shift_JIS
                if _valid(data, candidate):
                    how = "" if candidate == name else f", read as {candidate}"
                    return candidate, f"labelled {name}{how}"
            if name == "iso2022_jp" or data.startswith(ISO2022_ESCAPES):
                return "jis-as-cp932", f"labelled {name}, with Microsoft/NEC extensions"
        elif any(escape in data for escape in ISO2022_ESCAPES) and _valid(data, "iso2022_jp_ext"):
            return "iso2022_jp_ext", "ISO-2022-JP escape sequences"
        failed = f"labelled {name}, which does not fit; " if name else ""
        if _valid(data, "utf-8"):
            return "utf-8", failed + "valid UTF-8"
        for candidate in self.named:
            if candidate != name and _valid(data, candidate):
                return candidate, failed + "named elsewhere in the message"
        detected = self._detect(data)
        if detected:
            return detected, failed + "detected"
        return "cp1252", failed + "fallback: bytes no charset explains are shown as U+FFFD"

    def _detect(self, data):
        if data not in self._detected:
            self._detected[data] = detect(data, self.sample)
        return self._detected[data]


def detect(data, context=b""):
    """The most plausible charset for unlabelled `data` (with more text from the message,
    when some charset reads both)."""
    if context and data not in context:
        context = data + b"\n" + context
    return (_ranked(data, context) if context else "") or _ranked(data, data)


def _ranked(data, sample):
    candidates = [match.encoding for match in from_bytes(sample, cp_isolation=DETECT_AMONG)]
    candidates += [name for name in PREFERENCE if name not in candidates]
    ranked = []
    for candidate in candidates:
        if not (_valid(data, candidate) and _valid(sample, candidate)):
            continue
        preference = PREFERENCE.index(candidate) if candidate in PREFERENCE else len(PREFERENCE)
        text = sample.decode(candidate)
        score = implausibility(text)
        if candidate in CHINESE:  # kana are Japanese: Chinese text very rarely has them
            score += sum("\u3040" <= char <= "\u30ff" for char in text)
        ranked.append((score, preference, candidate))
    return min(ranked)[2] if ranked else ""


def implausibility(text):
    """How unlikely `text` is as something a person wrote (0: nothing odd)."""
    hangul = any("\uac00" <= char <= "\ud7a3" for char in text)
    han = any("\u4e00" <= char <= "\u9fff" for char in text)
    kana = any("\u3040" <= char <= "\u30ff" for char in text)
    cjk = hangul or han or kana
    score = 0
    for char in text:
        code = ord(char)
        if 0x80 <= code < 0xA0 or unicodedata.category(char) in ("Co", "Cn", "Cs"):
            score += 3
        elif 0x3130 <= code <= 0x318F or 0x3400 <= code <= 0x4DBF or 0x2150 <= code <= 0x218F:
            score += 2  # compatibility jamo, rare CJK extension A, Roman numeral forms
        elif cjk and (0x0370 <= code <= 0x04FF or 0x2500 <= code <= 0x257F):
            score += 2  # Greek, Cyrillic or box drawing among CJK: a misreading
        elif hangul and ("\u4e00" <= char <= "\u9fff" or "\u3040" <= char <= "\u30ff"):
            score += 1  # modern Korean rarely mixes in Chinese characters or kana
        elif 0xA1 <= code <= 0xBF or code in (0xD7, 0xF7):
            score += 1  # Latin-1 symbols: what CJK bytes read as Windows-1252 look like
    score += 2 * len(re.findall(r"[\u00c0-\u00ff]{3,}", text))
    return score


def iso2022jp_as_cp932(data):
    """ISO-2022-JP with NEC/IBM extensions (which no Python codec reads): JIS → Shift_JIS →
    CP932, whose tables have the extension rows."""
    out = bytearray()
    mode = "ascii"
    index = 0
    while index < len(data):
        if data[index] == 0x1B:
            escape = data[index : index + 3]
            if escape in (b"\x1b$B", b"\x1b$@"):
                mode = "jis"
            elif escape == b"\x1b(I":
                mode = "katakana"
            elif escape[:2] == b"\x1b(":
                mode = "ascii"
            index += 3
            continue
        byte = data[index]
        if mode == "jis" and 0x21 <= byte <= 0x7E and index + 1 < len(data):
            second = data[index + 1]
            lead = ((byte + 1) >> 1) + (0x70 if byte <= 0x5E else 0xB0)
            trail = second + (0x1F + (second >= 0x60) if byte % 2 else 0x7E)
            out += bytes((lead, trail))
            index += 2
            continue
        out.append(byte + 0x80 if mode == "katakana" and 0x21 <= byte <= 0x5F else byte)
        index += 1
    return bytes(out).decode("cp932", "replace")


def _valid(data, charset):
    try:
        data.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _single_byte(name):
    try:
        return len(bytes(range(128, 256)).decode(name, "replace")) == 128
    except LookupError:
        return True


# RFC 2047 encoded words, read leniently ---------------------------------------------

ENCODED_WORD = re.compile(rb"=\?([^?\s*]+)(?:\*[^?]*)?\?([QqBb])\?(.*?)\?=", re.DOTALL)


def header_text(raw, decoder=None, what=""):
    """Raw header bytes (RFC 2047 encoded words and/or raw 8-bit text) → one string.

    Lenient where mailers are sloppy: spaces inside an encoded word, words glued
    together, a multi-byte character split over two words (adjacent words of one
    charset are joined before decoding), missing base64 padding.
    """
    decoder = decoder or MessageDecoder()
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    raw = re.sub(rb"\r?\n(?=[ \t])", b"", raw).replace(b"\x00", b"")
    pieces = []  # (bytes, charset or None for raw text)
    position = 0
    for match in ENCODED_WORD.finditer(raw):
        between = raw[position : match.start()]
        if between and not (between.isspace() and pieces and pieces[-1][1] is not None):
            pieces.append((between, None))
        decoded = _decode_word(match.group(2), match.group(3))
        charset = match.group(1).decode("ascii", "replace")
        if decoded is None:
            pieces.append((match.group(0), None))
        elif pieces and pieces[-1][1] is not None and pieces[-1][1].lower() == charset.lower():
            pieces[-1] = (pieces[-1][0] + decoded, pieces[-1][1])
        else:
            pieces.append((decoded, charset))
        position = match.end()
    if position < len(raw):
        pieces.append((raw[position:], None))
    return "".join(decoder.text(chunk, charset, what) for chunk, charset in pieces)


def _decode_word(encoding, text):
    if encoding in (b"B", b"b"):
        text = re.sub(rb"[^A-Za-z0-9+/]", b"", text)
        try:
            return base64.b64decode(text + b"=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return None
    text = text.replace(b"_", b" ")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda hex_byte: bytes.fromhex(hex_byte[1].decode()), text)


def charsets_named_in(raw_headers, parts):
    """The charset labels a message uses: its encoded words' and its parts' labels."""
    named = []
    for value in raw_headers:
        named += [m.group(1).decode("ascii", "replace") for m in ENCODED_WORD.finditer(value)]
    for part in parts:
        try:
            charset = part.get_content_charset()
        except Exception:  # a malformed parameter list
            charset = None
        if charset:
            named.append(charset)
    return named
