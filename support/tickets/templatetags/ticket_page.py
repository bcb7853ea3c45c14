"""The ticket page's Properties panel drawn from a kept copy of unfold's own markup.

`{% properties_panel %}…{% endproperties_panel %}` wraps the fieldsets' include. unfold draws a
field row through a dozen nested templates; what differs from one ticket to the next is only
which options each dropdown lists and which is chosen. So, on a GET, the panel is drawn once
per language and set of "related" links (which follow the reader's permissions) with two
marker options in each dropdown, and kept in the process; each page then puts the ticket's
options in place of the markers, as Django's select_option.html writes them. A form sent
back with errors is drawn by unfold in full, as is anything but a GET.
"""

from django import forms, template
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

MARKER = "bo-option-{}-{}"


class Skeletons:
    """The kept panels, by key (the code and settings are the same for a process)."""

    limit = 100

    def __init__(self):
        self.entries = {}

    def get(self, key):
        return self.entries.get(key)

    def set(self, key, value):
        if len(self.entries) >= self.limit:
            self.entries.clear()
        self.entries[key] = value


skeletons = Skeletons()


def _select(field):
    widget = field.widget
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    return widget if isinstance(widget, forms.Select) else None


def _option(value, label, selected):
    return '<option value="{}"{}>{}</option>'.format(
        conditional_escape(value), " selected" if selected else "", conditional_escape(label)
    )


def _options(bound, select, prefix):
    """What select.html's loop writes for the field's choices (flat, as here)."""
    chosen = set(select.format_value(bound.value()))
    has_selected = False
    parts = []
    for value, label in bound.field.choices:
        value = "" if value is None else str(value)
        selected = value in chosen and (not has_selected or select.allow_multiple_selected)
        has_selected |= selected
        parts.append(prefix + _option(value, label, selected) + "\n")
    return "".join(parts)


def _draw_skeleton(nodelist, context, form, names):
    """The panel with two marker options in each dropdown it shows, cut at the options: text
    parts with each dropdown's (name, prefix) between them."""
    kept = {name: _select(form.fields[name]).choices for name in names}
    for name in names:
        _select(form.fields[name]).choices = [(MARKER.format(name, n), "") for n in (1, 2)]
    try:
        html = str(nodelist.render(context))
    finally:
        for name in names:
            _select(form.fields[name]).choices = kept[name]
    markers = {name: [_option(MARKER.format(name, n), "", False) for n in (1, 2)] for name in names}
    shown = sorted(
        (html.index(first), name) for name, (first, _) in markers.items() if first in html
    )
    parts = []
    for _, name in shown:
        first, second = markers[name]
        start, end = html.index(first), html.index(second)
        between = html[start + len(first) : end]
        if not between.startswith("\n") or html[end + len(second)] != "\n":
            raise ValueError(f"unexpected markup around the options of {name}")
        prefix = between[1:]
        if html[start - len(prefix) : start] != prefix:
            raise ValueError(f"unexpected markup before the options of {name}")
        parts += [html[: start - len(prefix)], (name, prefix)]
        html = html[end + len(second) + 1 :]
    return [*parts, html]


class PropertiesNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        request = context.get("request")
        adminform = context.get("adminform")
        form = adminform and adminform.form
        if request is None or request.method != "GET" or form is None or form.is_bound:
            return self.nodelist.render(context)
        names = tuple(name for name, field in form.fields.items() if _select(field) is not None)
        links = tuple(
            (
                name,
                field.widget.can_add_related,
                field.widget.can_change_related,
                field.widget.can_delete_related,
                field.widget.can_view_related,
            )
            for name, field in form.fields.items()
            if isinstance(field.widget, RelatedFieldWidgetWrapper)
        )
        key = (get_language(), type(form).__name__, names, links)
        skeleton = skeletons.get(key)
        if skeleton is None:
            skeleton = _draw_skeleton(self.nodelist, context, form, names)
            skeletons.set(key, skeleton)
        html = []
        for part in skeleton:
            if isinstance(part, str):
                html.append(part)
            else:
                name, prefix = part
                html.append(_options(form[name], _select(form.fields[name]), prefix))
        return mark_safe("".join(html))  # noqa: S308 (unfold's markup; options escaped)


@register.tag
def properties_panel(parser, token):
    nodelist = parser.parse(("endproperties_panel",))
    parser.delete_first_token()
    return PropertiesNode(nodelist)
