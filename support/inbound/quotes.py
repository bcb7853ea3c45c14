"""Strip quoted history and signatures from the plain text of a reply.

Support staff want what the customer wrote this time, not the whole thread
again. The text is cut at the first line that starts the quoted history in the
way the common mail programs write it, in English, German, French, Spanish,
Portuguese, Chinese and Japanese:

- Gmail, Apple Mail, Thunderbird: "On <date>, <name> wrote:" (Gmail wraps it
  over two lines), "<name> 于2026年11月20日周五 10:21写道：", "在 2026/11/20 10:21，… 写道："
- Outlook and Foxmail: "-----Original Message-----" (-----Ursprüngliche
  Nachricht-----, -----Message d'origine-----, -----Mensaje original-----,
  -----Mensagem original-----, -----元のメッセージ-----), "-----原始邮件-----",
  "------------------ 原始邮件 ------------------", and the header block
  "From: … / Sent: …" ("Von: … / Gesendet: …", "De : … / Envoyé : …",
  "发件人: … / 发送时间: …", "差出人: … / 送信日時: …"), with the line of underscores
  Outlook puts above it
- the "-- " signature separator
- lines quoted with ">" at the end of the message

Mobile signatures ("Sent from my iPhone", "发自我的iPhone") are removed from the
end. A forwarded message (Fwd/FW/WG/TR/RV/Enc/转发/転送, or a "Forwarded
message" marker) keeps everything: the forwarded part is the point of it. If
stripping would leave nothing, the full text is kept: nothing is lost. A message
that opens a new ticket keeps its full text anyway (see routing.py).
"""

import re

# "-----Original Message-----" as each language's Outlook (and Thunderbird, Foxmail) writes it.
_ORIGINAL = (
    r"original\s+message|original|ursprüngliche\s+nachricht|originalnachricht"
    r"|message\s+d'origine|mensaje\s+original|mensagem\s+original|messaggio\s+originale"
    r"|oorspronkelijk\s+bericht|原始邮件|原始郵件|元のメッセージ|オリジナルメッセージ"
)
_SEPARATOR = re.compile(
    rf"""^\s*(
        -{{2,}}\s*({_ORIGINAL})\s*-{{2,}}
      | _{{10,}}
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_WROTE = re.compile(
    r"""^\s*(
        (on|le|el|il|op|em|no\s+dia)\s.{4,300}
        (wrote|a\s+écrit|escribió|ha\s+scritto|schreef|escreveu)\s*:
      | am\s.{4,300}\sschrieb\s.{0,300}:
      | .{0,300}(写道|寫道|書きました|wrote)\s*[:：]
      | \d{4}年\d{1,2}月\d{1,2}日.{0,200}<[^<>\s]+@[^<>\s]+>\s*[:：]
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_HEADER_FROM = re.compile(
    r"^\s*\*?(from|发件人|寄件者|寄件人|von|de|差出人|送信者)\s*\*?\s*[:：]", re.IGNORECASE
)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(sent|date|to|subject|发送时间|日期|时间|收件人|主题|寄件日期|傳送時間|gesendet|an|"
    r"datum|betreff|envoyé|à|objet|date\s+d'envoi|enviado|enviado\s+el|enviada\s+em|para|"
    r"asunto|assunto|data|送信日時|日付|宛先|件名)\s*\*?\s*[:：]",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^--\s?$")
_MOBILE = re.compile(
    r"""^\s*(
        sent\s+from\s+my\s+\S+.*
      | sent\s+from\s+(mail|outlook)\s+for\s+\S+.*
      | get\s+outlook\s+for\s+\S+.*
      | sent\s+via\s+\S+.*
      | (发自|發自)我的\s*\S+.*
      | 从我的\s*\S+\s*发送
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Fwd/FW (en), WG (de), TR (fr), RV (es), Enc (pt), 转发/轉寄 (zh), 転送 (ja)
_FORWARD_SUBJECT = re.compile(
    r"^\s*\[?(fwd?|fw|wg|tr|rv|enc|转发|轉寄|转寄|轉發|転送)\s*[:：]", re.IGNORECASE
)
_FORWARDED = (
    r"forwarded\s+message|weitergeleitete\s+nachricht|message\s+transféré|mensaje\s+reenviado"
    r"|mensagem\s+encaminhada|messaggio\s+inoltrato|转发的?邮件|轉寄的?郵件|転送メッセージ"
    r"|転送されたメッセージ"
)
_FORWARD_MARKER = re.compile(
    rf"^\s*(-{{5,}}\s*({_FORWARDED})\s*-{{5,}}|begin\s+forwarded\s+message\s*:"
    rf"|anfang\s+der\s+weitergeleiteten\s+nachricht\s*:|début\s+du\s+message\s+réexpédié\s*:)",
    re.IGNORECASE,
)


def is_forward(subject):
    return bool(_FORWARD_SUBJECT.match(subject or ""))


def strip_quotes(text):
    """The new part of a reply: quoted history, signature and mobile footer removed."""
    if not text:
        return ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _quote_start(lines)
    kept = lines[:cut]
    kept = _drop_trailing(kept)
    result = "\n".join(kept).strip()
    return result or text.strip()


def _quote_start(lines):
    for index, line in enumerate(lines):
        if _FORWARD_MARKER.match(line):
            return len(lines)  # an inline forward: the forwarded part is the message
        if _SEPARATOR.match(line) or _SIGNATURE.match(line):
            return index
        if _WROTE.match(line) or _wrote_over_two_lines(lines, index):
            return index
        if _HEADER_FROM.match(line) and _header_block_follows(lines, index):
            return index
    return len(lines)


def _wrote_over_two_lines(lines, index):
    """Gmail wraps a long attribution: "On Fri, …, Name <\\nname@example.com> wrote:"."""
    line = lines[index].strip()
    if index + 1 >= len(lines) or not re.match(r"^(on|am|le)\s", line, re.IGNORECASE):
        return False
    return bool(_WROTE.match(line + " " + lines[index + 1].strip()))


def _header_block_follows(lines, index):
    following = [line for line in lines[index + 1 : index + 5] if line.strip()]
    return any(_HEADER_NEXT.match(line) for line in following[:3])


def _drop_trailing(lines):
    """Remove blank lines, ">" quoted lines and a mobile footer from the end."""
    while lines:
        last = lines[-1].strip()
        if not last or last.startswith(">") or _MOBILE.match(last):
            lines = lines[:-1]
        else:
            break
    return lines
