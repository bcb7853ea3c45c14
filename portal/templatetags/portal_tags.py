from django import template

from portal import header
from portal.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Render user-written Markdown through the one sanitising path."""
    return render_markdown(text)


@register.simple_tag(takes_context=True)
def site_header(context):
    """includes/header.html, kept per language and kind of visitor (see portal/header.py)."""
    return header.draw(context)


@register.simple_tag(takes_context=True)
def site_footer(context):
    """includes/footer.html, kept per language."""
    return header.footer(context)
