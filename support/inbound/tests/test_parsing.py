"""The parser against messages as real mail programs write them (tests/messages/*.eml)."""

import pytest

from support.inbound.htmltext import html_to_text
from support.inbound.parsing import UnparseableEmail, decode_bytes, parse_email, safe_filename

from .conftest import MESSAGES, message

PORTAL_ID = "ticket.K7F3QX9.3.b1946ac92492d2347c6235b4d2611184@support.example.com"

# name, subject, (author name, author address), text that must be there, quoted text that must not
CASES = [
    (
        "outlook_reply",
        "RE: [K7F-3QX9] Website down",
        ("Olivia Owner", "owner@acme.example"),
        "The site is still returning 503 errors after your change.",
        ["We have restarted PHP-FPM", "From: Hosting Support", "Sent: Friday"],
    ),
    (
        "gmail_reply",
        "Re: [K7F-3QX9] Website down",
        ("Max Member", "member@acme.example"),
        "could you also raise the PHP memory_limit to 512M on the staging site?",
        ["We have restarted PHP-FPM", "wrote:", "Developer, Acme Corp"],
    ),
    (
        "apple_mail",
        "Re: [K7F-3QX9] Backup didn’t finish",
        ("Olivia Owner", "owner@acme.example"),
        "The backup from last night didn’t finish — the panel says “quota exceeded”. "
        "Can you restore yesterday’s copy of café-acme.example?",
        ["Sent from my iPhone", "nightly backup is scheduled", "wrote:"],
    ),
    (
        "foxmail_gbk",
        "回复: 网站打开很慢，后台超时",
        ("张喆", "zhangzhe@shop.example"),
        "我们的网站 www.zhang-shop.example 从今天早上开始打开非常慢，后台也经常超时。",
        ["发件人", "请问问题是从什么时候开始的", "发送时间"],
    ),
    (
        "netease_gb2312",
        "回复：域名续费后仍显示过期",
        ("张喆", "zhangzhe@163.example"),
        "你好，续费后域名 shop-zhang.example 还是显示已过期，麻烦尽快处理，谢谢。\n\n张喆",
        ["发自我的iPhone", "写道", "请及时续费"],
    ),
    (
        "outlook_big5",
        "回覆: 帳單金額有誤",
        ("陳志明", "chen@taipei-shop.example"),
        "我們的主機帳單金額是 €120，但合約上寫的是 €100，請協助確認。",
        ["寄件者", "附件是本月帳單"],
    ),
    (
        "latin1_qp",
        "Re : Erreur 500 après la mise à jour",
        ("François Lefèvre", "francois@boulangerie.example"),
        "Pourriez-vous vérifier les journaux d’erreurs\u00a0?\n\nMerci d’avance,\nFrançois",
        ["a écrit", "Nous avons mis à jour PHP"],
    ),
    (
        "thunderbird_reply",
        "Re: Your request",
        ("Max Member", "member@acme.example"),
        "Confirmed: the DNS change is live now.\n\nMax",
        ["please confirm once", "wrote:"],
    ),
    (
        "html_only",
        "Pages missing after migration",
        ("Olivia Owner", "owner@acme.example"),
        "Since the migration, these pages answer 404 Not Found:",
        ["alert(", "color: #333"],
    ),
]


@pytest.mark.parametrize("name, subject, author, present, absent", CASES)
def test_subject_author_and_new_text(name, subject, author, present, absent):
    parsed = parse_email(message(name))
    assert parsed.subject == subject
    assert (parsed.from_name, parsed.from_address) == author
    assert present in parsed.text
    for quoted in absent:
        assert quoted not in parsed.text, quoted
    assert parsed.is_automatic is False
    assert "\ufffd" not in parsed.text + parsed.subject + parsed.from_name


@pytest.mark.parametrize("name", ["outlook_reply", "gmail_reply", "apple_mail", "foxmail_gbk"])
def test_quoted_history_is_still_in_the_full_text(name):
    parsed = parse_email(message(name))
    assert len(parsed.full_text) > len(parsed.text)
    assert parsed.text.splitlines()[0] in parsed.full_text


@pytest.mark.parametrize(
    "name, quoted",
    [
        ("outlook_reply", "We have restarted PHP-FPM"),
        ("gmail_reply", "We have restarted PHP-FPM"),
        ("apple_mail", "nightly backup"),
        ("foxmail_gbk", "请问问题是从什么时候开始的"),
    ],
)
def test_html_part_alone_gives_the_same_new_text(name, quoted):
    """Gmail quotes, Apple blockquotes and Outlook header blocks go in the HTML path too."""
    from support.inbound.quotes import strip_quotes

    parsed = parse_email(message(name))
    text = strip_quotes(html_to_text(parsed.html, drop_quotes=True))
    assert parsed.text.splitlines()[0] in text
    assert quoted not in text


def test_outlook_reply_to_is_never_the_author():
    parsed = parse_email(message("outlook_reply"))
    assert parsed.reply_to == "helpdesk@acme.example"
    assert parsed.from_address == "owner@acme.example"


def test_threading_headers():
    parsed = parse_email(message("outlook_reply"))
    assert parsed.message_id == (
        "AM9PR07MB71235E1C2D0A8F7B6C9D4E2AB3C12@AM9PR07MB7123.eurprd07.prod.outlook.com"
    )
    assert parsed.in_reply_to == PORTAL_ID
    assert parsed.references[-1] == PORTAL_ID
    assert len(parsed.references) == 2
    assert parsed.thread_ids[0] == PORTAL_ID
    assert parsed.headers["thread-index"].startswith("AQHb")


def test_gmail_cc_and_date():
    parsed = parse_email(message("gmail_reply"))
    assert parsed.cc == [("Olivia Owner", "owner@acme.example")]
    assert parsed.to == [("Hosting Support", "support@example.com")]
    assert parsed.date.isoformat() == "2026-11-20T11:30:55+01:00"


def test_html_only_mail_becomes_readable_text():
    parsed = parse_email(message("html_only"))
    assert parsed.text == (
        "Hello support,\n\n"
        "Since the migration, these pages answer 404 Not Found:\n\n"
        "- https://acme.example/shop\n"
        "- https://acme.example/blog & its feed\n\n"
        "Server | Status\n"
        "web-01 | OK\n"
        "web-02 | 404\n\n"
        "See the incident page (https://status.acme.example/incident/42) for details.\n"
        "Thanks,\n"
        "Olivia"
    )


def test_a_forward_keeps_the_forwarded_message():
    parsed = parse_email(message("forwarded"))
    assert parsed.subject == "Fwd: [DOWN] www.acme.example is not responding"
    assert "Can you look into this?" in parsed.text
    assert 'Monitor "www.acme.example" is DOWN.' in parsed.text
    assert "From: UptimeBot <alerts@uptime.example>" in parsed.text


def test_attachments_pdf_and_inline_image():
    parsed = parse_email(message("attachments"))
    image, pdf = parsed.attachments
    assert image.filename == "screenshot.png"
    assert image.content_type == "image/png"
    assert image.inline is True
    assert image.content_id == "part1.screenshot@acme.example"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert pdf.filename == "Rechnung übersicht.pdf"  # RFC 2231 encoded
    assert pdf.content_type == "application/pdf"
    assert pdf.inline is False
    assert pdf.content.startswith(b"%PDF-1.4") and pdf.content.endswith(b"%%EOF\n")
    assert "attached invoice lists a service we cancelled" in parsed.text


def test_foxmail_attachment_name_in_gbk():
    (log,) = parse_email(message("foxmail_gbk")).attachments
    assert log.filename == "错误日志.txt"
    assert log.inline is False
    assert log.content.startswith(b"2026-11-20 08:01:12 [error] upstream timed out")


@pytest.mark.parametrize(
    "name, reason",
    [
        ("out_of_office", "Auto-Submitted: auto-replied"),
        ("autoreply_x_header", "X-Autoreply: yes"),
        ("bounce", "Auto-Submitted: auto-replied"),
        ("bulk_newsletter", "Precedence: bulk"),
    ],
)
def test_machine_sent_messages_are_recognised(name, reason):
    parsed = parse_email(message(name))
    assert parsed.is_automatic is True
    assert parsed.automatic_reason == reason


def test_out_of_office_subject_and_text():
    parsed = parse_email(message("autoreply_x_header"))
    assert parsed.subject == "自动回复: 网站无法访问"
    assert parsed.text == "您好，我正在休假，11月30日回来。"


HEADERS = "From: Someone <someone@example.net>\r\nSubject: hi\r\nMessage-ID: <x@y>\r\n"


@pytest.mark.parametrize(
    "extra, reason",
    [
        ("Auto-Submitted: auto-generated\r\n", "Auto-Submitted: auto-generated"),
        ("Precedence: junk\r\n", "Precedence: junk"),
        ("Precedence: auto_reply\r\n", "Precedence: auto_reply"),
        ("Precedence: list\r\n", "Precedence: list"),
        ("X-Autorespond: vacation\r\n", "X-Autorespond: vacation"),
        ("X-Auto-Response-Suppress: All\r\n", "X-Auto-Response-Suppress: All"),
        ("Return-Path: <>\r\n", "null return path (Return-Path: <>)"),
        ("Content-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n",
         "read receipt (disposition notification)"),
    ],
)  # fmt: skip
def test_each_automatic_signal(extra, reason):
    parsed = parse_email((HEADERS + extra + "\r\nbody\r\n").encode())
    assert (parsed.is_automatic, parsed.automatic_reason) == (True, reason)


@pytest.mark.parametrize(
    "extra", ["Auto-Submitted: no\r\n", "Precedence: first-class\r\n", "Return-Path: <a@b.c>\r\n"]
)
def test_a_person_is_not_automatic(extra):
    assert parse_email((HEADERS + extra + "\r\nbody\r\n").encode()).is_automatic is False


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.net", "postmaster@example.net"])
def test_machine_senders(sender):
    parsed = parse_email(f"From: {sender}\r\nSubject: x\r\n\r\nbody\r\n".encode())
    assert parsed.automatic_reason == f"sent by {sender.lower()}"


def test_broken_message_raises_the_reason():
    with pytest.raises(UnparseableEmail, match="no sender"):
        parse_email(message("broken"))


@pytest.mark.parametrize("garbage", [b"", b"\x00\x01\x02PK\x03\x04", b"just some text\n"])
def test_garbage_is_unparseable(garbage):
    with pytest.raises(UnparseableEmail):
        parse_email(garbage)


@pytest.mark.parametrize("path", sorted(MESSAGES.glob("*.eml")), ids=lambda path: path.stem)
def test_truncated_or_mangled_messages_never_raise_anything_else(path):
    """Cut anywhere or with bytes flipped, a message parses or says it can't: no other error."""
    raw = path.read_bytes()
    variants = [raw[:cut] for cut in range(0, len(raw), max(1, len(raw) // 40))]
    variants += [
        raw.replace(b"=", b"\xff"),
        raw.replace(b"\r\n", b"\r"),
        raw.replace(b"base64", b"b64"),
    ]
    for variant in variants:
        try:
            parsed = parse_email(variant)
        except UnparseableEmail:
            continue
        assert isinstance(parsed.text, str)


def test_a_part_mislabelled_utf8_is_read_as_windows_1252_not_replaced():
    raw = (
        b"From: a@example.net\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nok \xff\xfe end\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.text == "ok ÿþ end"
    assert parsed.decoding == ["body: cp1252 (labelled utf-8, which does not fit; detected)"]


def test_raw_8bit_utf8_headers_and_unknown_charset():
    raw = (
        "From: Zoë <zoe@example.net>\r\nSubject: Grüße\r\n"
        "Content-Type: text/plain; charset=x-unknown-thing\r\n\r\nHällo\r\n"
    ).encode()
    parsed = parse_email(raw)
    assert (parsed.from_name, parsed.subject, parsed.text) == ("Zoë", "Grüße", "Hällo")


@pytest.mark.parametrize(
    "data, charset, expected",
    [
        ("喆".encode("gbk"), "gb2312", "喆"),  # labelled GB2312, written in GBK
        ("€".encode("gb18030"), "GBK", "€"),
        ("𠀀".encode("gb18030"), "gb18030", "𠀀"),  # four-byte GB18030
        ("€".encode("cp950"), "big5", "€"),
        (b"l\x92erreur", "iso-8859-1", "l’erreur"),  # Windows-1252 labelled Latin-1
        ("naïve".encode(), None, "naïve"),
        (b"\x81", "no-such-charset", "\ufffd"),
    ],
)
def test_charsets_are_read_as_their_supersets(data, charset, expected):
    assert decode_bytes(data, charset) == expected


def test_encoded_words_split_and_glued():
    raw = (
        b"From: =?utf-8?B?5byg?==?utf-8?B?5Za2?= <zz@example.net>\r\n"
        b"Subject: =?UTF-8?Q?Caf=C3=A9?= =?UTF-8?Q?_ouvert?= [K7F-3QX9]\r\n\r\nx\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.from_name == "张営"
    assert parsed.subject == "Café ouvert [K7F-3QX9]"


@pytest.mark.parametrize(
    "name, safe",
    [
        ("../../x.html", "x.html"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("a\x00b\r\n.txt", "ab.txt"),
        ("...", ""),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe


def test_message_forwarded_as_attachment_is_kept_whole_under_its_subject():
    inner = b"From: alerts@uptime.example\r\nSubject: DOWN\r\n\r\nMonitor is down.\r\n"
    raw = (
        b"From: Max <member@acme.example>\r\nSubject: FW: DOWN\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nSee the attached alert.\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\n" + inner + b"--b--\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.text == "See the attached alert."
    (attached,) = parsed.attachments
    assert (attached.filename, attached.content_type) == ("DOWN.eml", "message/rfc822")
    assert b"Monitor is down." in attached.content


def test_encoded_display_name_with_a_comma_stays_one_address():
    raw = (
        b"From: =?utf-8?Q?Smith=2C_J=C3=B6hn?= <John@Example.net>\r\n"
        b"Cc: a@x.example, b@y.example\r\n\r\nx"
    )
    parsed = parse_email(raw)
    assert (parsed.from_name, parsed.from_address) == ("Smith, Jöhn", "john@example.net")
    assert parsed.cc == [("", "a@x.example"), ("", "b@y.example")]


@pytest.mark.parametrize(
    "data, expected",
    [("张喆的网站".encode("gbk"), "张喆的网站"), ("Grüße".encode("cp1252"), "Grüße")],
)
def test_unlabelled_bytes_chinese_or_western(data, expected):
    assert decode_bytes(data, None) == expected


@pytest.mark.parametrize(
    "name, markers",
    [
        (
            "outlook_reply",
            [b"Thread-Index: ", b"Content-Type: multipart/alternative", b"MsoNormal"],
        ),
        (
            "gmail_reply",
            [b"gmail_quote gmail_quote_container", b"@mail.gmail.com>", b"quoted-printable"],
        ),
        ("apple_mail", [b"boundary=Apple-Mail-", b"quoted-printable", b"=E2=80=99"]),
        ("foxmail_gbk", [b"X-Mailer: Foxmail", b'charset="gbk"', b"=?gbk?B?", b"base64"]),
        ("netease_gb2312", [b"charset=GB2312", b"=?gb2312?B?", b"base64"]),
        ("outlook_big5", [b'charset="big5"', b"=?big5?B?"]),
        ("latin1_qp", [b"charset=ISO-8859-1", b"=?ISO-8859-1?Q?", b"quoted-printable"]),
        ("attachments", [b"Content-Id: <", b"application/pdf", b"filename*=UTF-8''"]),
        ("bounce", [b"Return-Path: <>", b"multipart/report", b"MAILER-DAEMON@"]),
        ("out_of_office", [b"Auto-Submitted: auto-replied"]),
        ("autoreply_x_header", [b"X-Autoreply: yes"]),
        ("bulk_newsletter", [b"Precedence: bulk"]),
        ("thunderbird_reply", [b"In-Reply-To: <", b"References: <"]),
    ],
)
def test_fixtures_carry_what_the_clients_write(name, markers):
    """Guards the fixtures themselves: each keeps the trait it is there to test."""
    raw = message(name)
    for marker in markers:
        assert marker in raw, marker
    assert b"winmail.dat" not in raw and b"ms-tnef" not in raw


@pytest.mark.parametrize(
    "date",
    ["Fri, 31 Dec 9999 23:59:59 -1200", "Mon, 32 Jan 2020 00:00:00 +0000", "yesterday", ""],
)
def test_impossible_dates_are_none(date):
    assert parse_email(f"From: a@example.net\r\nDate: {date}\r\n\r\nx".encode()).date is None


def test_nul_characters_are_dropped():
    raw = b"From: a\x00b@example.net\r\nSubject: bad\x00 subject\r\n\r\nbody\x00 text"
    parsed = parse_email(raw)
    assert (parsed.from_address, parsed.subject, parsed.text) == (
        "ab@example.net",
        "bad subject",
        "body text",
    )
