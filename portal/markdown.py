"""The one path from user-written Markdown to HTML: render, then sanitise.

Everything a person writes (ticket text, replies, articles, incident updates)
is shown through `render_markdown`; nothing else marks user text as safe.
Images become links to the image: a page never loads a picture from an address
someone typed (it would tell that server who read the ticket, and when).
"""

import functools
import html
import re
import threading

import markdown
import nh3
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

EXTENSIONS = ["extra", "sane_lists", "admonition", "toc"]
EXTENSION_CONFIGS = {"toc": {"permalink": False, "toc_depth": "2-3"}}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p",
    "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "td": {"align"},
    "th": {"align"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
}  # fmt: skip
ALLOWED_CLASSES = {
    "div": {"admonition", "note", "tip", "info", "warning", "danger", "important", "toc"},
    "p": {"admonition-title"},
}


# nh3 writes every attribute as name="value" with quotes escaped.
IMAGE = re.compile(r'<img((?:\s+[a-z-]+(?:="[^"]*")?)*)\s*/?>')
ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')


def _image_as_link(match):
    attributes = {name: html.unescape(value) for name, value in ATTRIBUTE.findall(match[1])}
    label = attributes.get("alt") or attributes.get("title")
    text = html.escape(
        _("Image: %(label)s") % {"label": label} if label else _("Image"), quote=False
    )
    source = attributes.get("src")
    if not source:
        return f"<span>{text}</span>"
    return f'<a href="{html.escape(source)}" rel="noopener noreferrer nofollow">{text}</a>'


def _sanitise(markup):
    return _focusable_scrollers(IMAGE.sub(_image_as_link, _clean(markup)))


def _focusable_scrollers(markup):
    """Code blocks and tables may scroll sideways on a phone: keyboards can reach them."""
    return markup.replace("<pre>", '<pre tabindex="0">').replace("<table>", '<table tabindex="0">')


def _clean(markup):
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


class Converters(threading.local):
    """One Markdown converter per thread, reset between texts: building one (its
    extensions, patterns and processors) costs more than converting a short message."""

    def get(self):
        converter = getattr(self, "converter", None)
        if converter is None:
            converter = markdown.Markdown(
                extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS
            )
            self.converter = converter
        return converter.reset()


converters = Converters()


def render_markdown(text):
    """Return sanitised HTML for a piece of Markdown written by anyone."""
    return mark_safe(_rendered(text or "", get_language()))


@functools.lru_cache(maxsize=1024)
def _rendered(text, language):
    """The sanitised HTML of a text (in a language: images become translated links), kept
    by content: a ticket's messages are drawn once per process, not on every view."""
    return _sanitise(converters.get().convert(text))


def render_markdown_with_toc(text):
    """Return (html, toc_html): the body and a table of contents of its headings."""
    md = converters.get()
    html = md.convert(text or "")
    toc = md.toc if getattr(md, "toc_tokens", None) else ""
    return mark_safe(_sanitise(html)), mark_safe(_sanitise(toc))
