"""The shapes of real-world mail issue #19 measured, one test per finding (parsing only;
storing and routing them is in test_ingest.py)."""

import pytest

from support.inbound.decoding import MessageDecoder, detect, header_text, iso2022jp_as_cp932
from support.inbound.parsing import UnparseableEmail, parse_email, repair_header_block
from support.inbound.quotes import is_forward, strip_quotes


def mail(headers, body=b"Hello\r\n"):
    return headers.replace(b"\n", b"\r\n") + b"\r\n" + body


def attached(name_header, body_charset=b"utf-8"):
    return mail(
        b"From: a@example.net\nSubject: files\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n',
        b"--b\r\nContent-Type: text/plain; charset=" + body_charset + b"\r\n\r\nsee attached\r\n"
        b"--b\r\nContent-Type: application/vnd.ms-excel\r\n" + name_header + b"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n",
    )


# 1. Raw 8-bit attachment names --------------------------------------------------------


@pytest.mark.parametrize(
    "header, body_charset, name",
    [
        (
            'Content-Disposition: attachment; filename="绩效管理,究竟谁错了.xls"'.encode(),
            b"utf-8",
            "绩效管理,究竟谁错了.xls",
        ),
        (
            'Content-Disposition: attachment; filename="Hofjägerallee Übersicht.xls"'.encode(
                "cp1252"
            ),
            b"iso-8859-1",
            "Hofjägerallee Übersicht.xls",
        ),
        (
            'Content-Type: application/vnd.ms-excel; name="绩效管理.xls"'.encode("gb18030"),
            b"gb2312",
            "绩效管理.xls",
        ),
        (
            b"Content-Disposition: attachment; filename*0*=utf-8''%E7%BB%A9%E6%95%88;"
            b"\r\n filename*1*=%E7%AE%A1%E7%90%86.xls",
            b"utf-8",
            "绩效管理.xls",
        ),
        (
            b'Content-Disposition: attachment; filename="=?gb2312?B?vKjQp7ncwO0=?=.xls"',
            b"utf-8",
            "绩效管理.xls",
        ),
    ],
)
def test_raw_8bit_attachment_names_keep_every_character(header, body_charset, name):
    (attachment,) = parse_email(attached(header, body_charset)).attachments
    assert attachment.filename == name


# 2. Headers without a charset ------------------------------------------------------------


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("Die Hasen und die Frösche".encode("latin-1"), "Die Hasen und die Frösche"),
        ("Formação do Verão".encode("latin-1"), "Formação do Verão"),
        ("网站打开很慢，后台超时".encode("gb18030"), "网站打开很慢，后台超时"),
        ("Grüße".encode(), "Grüße"),
    ],
)
def test_unlabelled_subjects_are_not_guessed_as_chinese_first(subject, expected):
    parsed = parse_email(mail(b"From: a@example.net\nSubject: " + subject + b"\n"))
    assert parsed.subject == expected


def test_unlabelled_header_in_the_charset_the_message_names_elsewhere():
    raw = mail(
        b"From: a@example.net\nSubject: " + "ツール".encode("cp932") + b"\n"
        b"Content-Type: text/plain; charset=shift_jis\n",
        "本文".encode("cp932"),
    )
    parsed = parse_email(raw)
    assert (parsed.subject, parsed.text) == ("ツール", "本文")
    assert "subject: cp932 (named elsewhere in the message)" in parsed.decoding


def test_raw_headers_in_two_charsets_are_each_read_right():
    raw = mail(
        b"From: "
        + "Jürgen".encode()
        + b" <j@example.net>\nSubject: "
        + "网站打开很慢".encode("gb18030")
        + b"\nX-Note: "
        + "Grüße".encode("cp1252")
        + b"\n"
    )
    parsed = parse_email(raw)
    assert (parsed.from_name, parsed.subject) == ("Jürgen", "网站打开很慢")


def test_the_detector_ranks_plausible_text_first():
    assert detect("Übersicht für Jürgen".encode("cp1252")) == "cp1252"
    assert detect("绩效管理,究竟谁错了".encode("gb18030")) == "gb18030"
    assert detect("日本語のテストです".encode("euc_jp")) == "euc_jp"


# 3. Labelled charsets that are wrong, extended or sloppy ---------------------------------


def test_iso_2022_jp_with_nec_extensions():
    data = b'\x1b$B-!-"\x1b(B \x1b$B3t<02q<R\x1b(B'  # ①② 株式会社 (NEC row 13)
    assert iso2022jp_as_cp932(data) == "①② 株式会社"
    raw = mail(b"From: a@example.net\nSubject: =?ISO-2022-JP?B?GyRCLSEbKEI=?= x\n")
    assert parse_email(raw).subject == "① x"


@pytest.mark.parametrize("label", [b"us-ascii", b"utf-8"])
def test_latin1_in_parts_labelled_ascii_or_utf8(label):
    raw = mail(
        b"From: a@example.net\nContent-Type: text/plain; charset=" + label + b"\n",
        b"Det h\xe4r \xe4r le\xf3 charlie",
    )
    assert parse_email(raw).text == "Det här är leó charlie"


def test_utf8_labelled_iso_8859_1_is_read_as_utf8():
    raw = mail(
        b"From: a@example.net\nSubject: =?ISO-8859-1?Q?Fund=C3=B4?=\n"
        b"Content-Type: text/plain; charset=iso-8859-1\n",
        "Fundô".encode(),
    )
    parsed = parse_email(raw)
    assert (parsed.subject, parsed.text) == ("Fundô", "Fundô")
    assert "body: utf-8 (labelled iso8859-1, but the bytes are UTF-8)" in parsed.decoding


def test_encoded_word_with_spaces_inside_and_utf7():
    raw = b"Benachrichtung zum =?unicode-1-1-utf-7?Q?+ANw-bermittlungsstatus (Fehlgeschlagen)?="
    assert header_text(raw) == "Benachrichtung zum Übermittlungsstatus (Fehlgeschlagen)"


def test_a_character_split_over_two_encoded_words():
    word = "张喆".encode()
    raw = b"=?utf-8?Q?" + b"".join(b"=%02X" % byte for byte in word[:4]) + b"?= =?utf-8?Q?"
    raw += b"".join(b"=%02X" % byte for byte in word[4:]) + b"?="
    assert header_text(raw) == "张喆"


def test_decisions_are_recorded_for_staff():
    decoder = MessageDecoder(named=["gb2312"])
    assert decoder.text("喆".encode("gbk"), "gb2312", "subject") == "喆"
    assert decoder.decisions == ["subject: gb18030 (labelled gb2312, read as gb18030)"]


# 4. Senders other parsers read --------------------------------------------------------


@pytest.mark.parametrize(
    "headers, sender, header",
    [
        (b"Subject: x\nX-Junk: a\nnot indented\nFrom: m@example.net\n", "m@example.net", "From"),
        (b"From: Test test@example.com\n", "test@example.com", "From"),
        (b"From: first@example.com second@example.org\n", "first@example.com", "From"),
        (b"Sender: list@example.net\nReply-To: r@example.net\n", "list@example.net", "Sender"),
        (b"Reply-To: <vipyimin@126.example>\nSubject: x\n", "vipyimin@126.example", "Reply-To"),
        (b"---- Original email message ----\nFrom: x@example.cz\n", "x@example.cz", "From"),
    ],
)  # fmt: skip
def test_lenient_senders(headers, sender, header):
    parsed = parse_email(mail(headers))
    assert (parsed.from_address, parsed.sender_header) == (sender, header)


def test_a_bare_name_before_the_address_is_the_name():
    parsed = parse_email(mail(b"From: Test test@example.com\n"))
    assert parsed.from_name == "Test"


def test_never_a_piece_of_an_impossible_address():
    raw = mail(b'From: "your secret past" <power quadrant system@example.com>\n')
    with pytest.raises(UnparseableEmail):
        parse_email(raw)


def test_domainless_mailer_daemon_bounce_is_automatic_not_unparseable():
    raw = mail(
        b"Return-Path: <>\nFrom: MAILER-DAEMON (Mail Delivery System)\n"
        b"Subject: Undelivered Mail Returned to Sender\n"
    )
    parsed = parse_email(raw)
    assert (parsed.is_automatic, parsed.from_address) == (True, "mailer-daemon")


def test_header_block_repair_leaves_a_body_without_separator_alone():
    raw = b"From: a@example.net\r\nSubject: x\r\nHello there\r\nsecond line\r\n"
    assert repair_header_block(raw) == raw


# 7. Read receipts and delivery reports are automatic -------------------------------------


def test_outlook_read_receipt_in_tnef():
    raw = mail(
        b"From: Max <max@example.net>\nSubject: Read: Server down\nMIME-Version: 1.0\n"
        b'Content-Type: application/ms-tnef; name="winmail.dat"\n'
        b"Content-Transfer-Encoding: base64\n",
        b"eJ8+IgAAAQaQCAAEAAAAAAABAAEAAQeQBgAIAAAA5AQAAAAAAADoAAEIgAcAGAAAAElQTS5NaWNy\r\n",
    )
    parsed = parse_email(raw)
    assert parsed.automatic_reason == "read receipt (Outlook)"


def test_a_person_writing_read_in_the_subject_is_not_a_receipt():
    assert not parse_email(mail(b"From: a@example.net\nSubject: Read: my question\n")).is_automatic


@pytest.mark.parametrize(
    "content_type, reason",
    [
        (b"multipart/report; report-type=disposition-notification; boundary=b",
         "read receipt (disposition notification)"),
        (b"multipart/report; report-type=delivery-status; boundary=b",
         "delivery status notification (bounce)"),
        (b"multipart/mixed; boundary=b", "delivery status notification (bounce)"),
    ],
)  # fmt: skip
def test_reports_are_automatic(content_type, reason):
    raw = mail(
        b"From: mail@example.net\nMIME-Version: 1.0\nContent-Type: " + content_type + b"\n",
        b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\n"
        b"Content-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n"
        if b"disposition" not in content_type
        else b"--b\r\nContent-Type: message/disposition-notification\r\n\r\n"
        b"Disposition: manual-action/MDN-sent-manually; displayed\r\n--b--\r\n",
    )
    assert parse_email(raw).automatic_reason == reason


# 8. Quoted history in other languages, forwards -------------------------------------------


NEW = "Bitte prüfen Sie das."


@pytest.mark.parametrize(
    "history",
    [
        "-----Ursprüngliche Nachricht-----\nVon: Support\nGesendet: Freitag\nAn: Max\nalt",
        "-----Message d'origine-----\nDe : Support\nEnvoyé : vendredi\nÀ : Max\nancien",
        "-----Mensaje original-----\nDe: Support\nEnviado el: viernes\nPara: Max\nviejo",
        "-----Mensagem original-----\nDe: Support\nEnviada em: sexta\nPara: Max\nvelho",
        "-----元のメッセージ-----\n差出人: Support\n送信日時: 2026年11月20日\n件名: x\n古い",
        "Von: Support <support@example.com>\nGesendet: Freitag\nBetreff: x\n\nalt",
        "Em sex., 20 de nov. de 2026 às 10:21, Support <support@example.com> escreveu:\n> velho",
        "2026年11月20日(金) 10:21 Support <support@example.com>:\n> 古い",
    ],
)
def test_localised_separators_are_cut_not_left_dangling(history):
    assert strip_quotes(f"{NEW}\n\n{history}\n") == NEW


@pytest.mark.parametrize(
    "subject", ["RV: x", "Enc: x", "WG: x", "TR: x", "Fwd: x", "转发：x", "転送: x", "[Fwd: x]"]
)
def test_forward_prefixes(subject):
    assert is_forward(subject)


@pytest.mark.parametrize(
    "marker",
    [
        "---------- Weitergeleitete Nachricht ----------",
        "-------- Message transféré --------",
        "---------- Mensaje reenviado ----------",
        "---------- Mensagem encaminhada ---------",
        "Anfang der weitergeleiteten Nachricht:",
    ],
)
def test_inline_forwards_keep_the_forwarded_part(marker):
    text = f"Siehe unten.\n\n{marker}\nVon: x\nBetreff: y\n\nDer Inhalt."
    assert strip_quotes(text) == text


# 9. Forwarded messages are named after their subject -------------------------------------


def test_forwarded_message_saved_under_its_subject():
    inner = "From: alerts@uptime.example\r\nSubject: 服务器宕机 / Server down\r\n\r\nx\r\n"
    raw = mail(
        b"From: a@example.net\nSubject: FW: alert\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n',
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\n" + inner.encode() + b"--b--\r\n",
    )
    (attachment,) = parse_email(raw).attachments
    assert attachment.filename == "服务器宕机 _ Server down.eml"


def test_an_unnamed_part_is_named_after_its_description():
    raw = mail(
        b"From: a@example.net\nSubject: x\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n',
        b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\nContent-Description: Undelivered Message\r\n\r\n"
        b"From: b@example.net\r\n\r\nno subject here\r\n--b\r\n"
        b"Content-Type: image/png\r\n\r\nPNG\r\n--b--\r\n",
    )
    names = [attachment.filename for attachment in parse_email(raw).attachments]
    assert names == ["Undelivered Message.eml", "attachment-2.png"]
