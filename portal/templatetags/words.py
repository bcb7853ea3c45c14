"""Small words every template needs the same way (loaded in every template: builtins)."""

from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def label(text):
    """ "Priority: " / "优先级：": a label and the separator its language puts after one,
    as in {{ _("Priority")|label }}{{ ticket.get_priority_display }}."""
    return str(text) + pgettext("after a label", ": ")


@register.simple_tag
def list_separator():
    """ ", " / "、": between the items of a list, as in
    {% for c in components %}{{ c }}{% if not forloop.last %}{% list_separator %}{% endif %}…"""
    return pgettext("between the items of a list", ", ")
