"""HTML mail → readable plain text, with the standard library's HTMLParser.

Mail HTML is rarely well-formed (Outlook's Word markup, unclosed tags), so the
converter only tracks what it needs: block boundaries become line breaks, list
items get a dash, links keep their address, script/style/head disappear. With
`drop_quotes`, the parts mail programs use for quoted history are left out:
Gmail's gmail_quote and gmail_signature, Apple Mail's <blockquote type="cite">,
Yahoo's yahoo_quoted, and everything from Outlook's divRplyFwdMsg/appendonsend
markers to the end (Outlook puts the quoted mail after, not inside, them).
"""

import re
from html.parser import HTMLParser

BLOCKS = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
    "fieldset", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody",
    "tfoot", "thead", "tr", "ul",
}  # fmt: skip
PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "pre", "blockquote"}
INVISIBLE = {"script", "style", "head", "title", "template", "noscript", "xml"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
QUOTE_CLASSES = {"gmail_quote", "gmail_signature", "yahoo_quoted", "moz-cite-prefix"}
QUOTE_IDS_STOP = {"divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container"}


def html_to_text(html, drop_quotes=False):
    parser = _TextParser(drop_quotes)
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; this guards against the unexpected only
        pass
    return _tidy("".join(parser.out))


def _tidy(text):
    text = text.replace("\xa0", " ").replace("\u200b", "")
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n").strip()


class _TextParser(HTMLParser):
    def __init__(self, drop_quotes):
        super().__init__(convert_charrefs=True)
        self.drop_quotes = drop_quotes
        self.out = []
        self.stack = []  # open elements: (tag, hides its content)
        self.hidden = 0
        self.pre = 0
        self.stopped = False
        self.links = []

    # Element bookkeeping -------------------------------------------------

    def handle_starttag(self, tag, attrs):
        if self.stopped:
            return
        attrs = {name: (value or "") for name, value in attrs}
        if self.drop_quotes and attrs.get("id", "").lower() in QUOTE_IDS_STOP:
            self.stopped = True
            return
        if tag in VOID:
            self._void(tag, attrs)
            return
        hides = tag in INVISIBLE or (self.drop_quotes and self._is_quote(tag, attrs))
        breaks = 2 if tag in PARAGRAPHS and not _is_mso(attrs) else 1 if tag in BLOCKS else 0
        self.stack.append((tag, hides, breaks))
        if hides:
            self.hidden += 1
        if self.hidden:
            return
        if tag == "pre":
            self.pre += 1
        self._break(breaks)
        if tag == "li":
            self.out.append("- ")
        elif tag in ("td", "th") and not self._at_line_start():
            self.out.append(" | ")
        elif tag == "a":
            self.links.append((attrs.get("href", ""), len(self.out)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.stopped or tag in VOID:
            return
        if not any(open_tag == tag for open_tag, _hides, _breaks in self.stack):
            return  # a stray end tag: ignore it rather than unwinding everything
        while self.stack:
            open_tag, hides, breaks = self.stack.pop()
            if hides:
                self.hidden -= 1
            elif not self.hidden:
                self._close(open_tag, breaks)
            if open_tag == tag:
                break

    def _close(self, tag, breaks):
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.out[start:]).strip()
            if href.startswith(("http://", "https://")) and _bare(href) != _bare(label):
                self.out.append(f" ({href})" if label else href)
        self._break(breaks)

    def _void(self, tag, attrs):
        if self.hidden:
            return
        if tag == "br":
            self.out.append("\n")
        elif tag == "hr":
            self._break(1)
            self.out.append("---")
            self._break(1)
        elif tag == "img" and attrs.get("alt", "").strip():
            self.out.append(f"[{attrs['alt'].strip()}]")

    def _is_quote(self, tag, attrs):
        classes = set(attrs.get("class", "").lower().split())
        if classes & QUOTE_CLASSES:
            return True
        return tag == "blockquote" and attrs.get("type", "").lower() == "cite"

    # Text ----------------------------------------------------------------

    def handle_data(self, data):
        if self.stopped or self.hidden:
            return
        if not self.pre:
            data = re.sub(r"[ \t\r\n\f]+", " ", data)
            if self._at_line_start():
                data = data.lstrip(" ")
        if data:
            self.out.append(data)

    def _at_line_start(self):
        for chunk in reversed(self.out):
            if chunk:
                return chunk.endswith("\n")
        return True

    def _break(self, count):
        if not count or not self.out:
            return
        tail = "".join(self.out[-3:])
        existing = len(tail) - len(tail.rstrip("\n"))
        if existing < count:
            self.out.append("\n" * (count - existing))


def _is_mso(attrs):
    """Outlook writes every line as <p class=MsoNormal>: those are lines, not paragraphs."""
    return "msonormal" in attrs.get("class", "").lower()


def _bare(url):
    return re.sub(r"^https?://", "", url.strip()).rstrip("/").lower()
