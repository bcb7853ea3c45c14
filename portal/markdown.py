"""The one path from user-written Markdown to HTML: render, then sanitise.

Everything a person writes (ticket text, replies, articles, incident updates)
is shown through `render_markdown`; nothing else marks user text as safe.
"""

import markdown
import nh3
from django.utils.safestring import mark_safe

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


def _sanitise(html):
    return _focusable_scrollers(_clean(html))


def _focusable_scrollers(html):
    """Code blocks and tables may scroll sideways on a phone: keyboards can reach them."""
    return html.replace("<pre>", '<pre tabindex="0">').replace("<table>", '<table tabindex="0">')


def _clean(html):
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text):
    """Return sanitised HTML for a piece of Markdown written by anyone."""
    html = markdown.markdown(text or "", extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    return mark_safe(_sanitise(html))


def render_markdown_with_toc(text):
    """Return (html, toc_html): the body and a table of contents of its headings."""
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    html = md.convert(text or "")
    toc = md.toc if getattr(md, "toc_tokens", None) else ""
    return mark_safe(_sanitise(html)), mark_safe(_sanitise(toc))
