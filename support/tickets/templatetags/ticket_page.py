"""The ticket page's conversation and timeline drawn in one pass, and its Properties panel
drawn from a kept copy of unfold's own markup.

`{% conversation_items conversation original %}` and `{% timeline_items timeline %}` write what
the loops of change_form.html wrote, element for element: per-message template work (a dozen
lookups, tags and filters for each) was the largest part of the page's own time.

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
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext

from portal.dates import kept_per_locale
from portal.markdown import render_markdown

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


@kept_per_locale
def _date(value, format_name):
    return conditional_escape(date_filter(template_localtime(value), format_name))


@register.simple_tag
def conversation_items(conversation, ticket):
    """The conversation's <li> items; each message's attachments come as `files`, a list of
    {"pk", "name", "size"} (read with the messages, TicketAdmin.change_view)."""
    labels = {
        True: '<span class="bo-label bo-label-note">{}</span>'.format(
            conditional_escape(gettext("Internal note — staff only"))
        ),
        False: '<span class="bo-label bo-label-public">{}</span>'.format(
            conditional_escape(gettext("Public reply"))
        ),
    }
    staff = ' <span class="bo-muted">({})</span>'.format(conditional_escape(gettext("staff")))
    download = reverse("admin:tickets_ticket_attachment", args=[ticket.pk, 0])[: -len("0/")]
    channels = {}  # get_channel_display() makes its choices hashable on every call: once here
    parts = []
    for message in conversation:
        author = message.author
        name = author.display_name if author else ""
        parts.append(
            '\n        <li class="{kind}" id="message-{pk}">\n'
            '          <p class="bo-message-meta">\n'
            "            {label}\n"
            "            <strong>{name}</strong>{staff}\n"
            '            <span class="bo-muted">{when} · {channel}</span>\n'
            "          </p>\n"
            '          <div class="bo-message-body">{body}</div>\n'
            "          ".format(
                kind="bo-internal" if message.internal else "bo-public",
                pk=int(message.pk),
                label=labels[bool(message.internal)],
                name=conditional_escape(name or "—"),
                staff=staff if author and author.is_staff else "",
                when=_date(message.created_at, "DATETIME_FORMAT"),
                channel=channels.get(message.channel)
                or channels.setdefault(
                    message.channel, conditional_escape(message.get_channel_display())
                ),
                body=render_markdown(message.body),
            )
        )
        for file in message.files:
            parts.append(
                '\n            <p><a href="{}{}/">{}</a> ({})</p>\n          '.format(
                    download,
                    int(file["pk"]),
                    conditional_escape(file["name"]),
                    conditional_escape(filesizeformat(file["size"])),
                )
            )
        parts.append("\n        </li>\n        ")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


@register.simple_tag
def timeline_items(timeline):
    """The timeline's <li> items."""
    parts = []
    for event in timeline:
        actor = event.actor
        parts.append(
            '<li><span class="bo-muted">{}</span> {}{}</li>'.format(
                _date(event.created_at, "SHORT_DATETIME_FORMAT"),
                conditional_escape(event.describe()),
                " — " + conditional_escape(actor.display_name) if actor else "",
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


TOOLS_MARKER = 987654321  # a ticket number in place of the real one while the tools are drawn


class ObjectToolsNode(template.Node):
    """The page's History and View-on-site links (unfold's object tools), drawn once per
    language and set of flags for a stand-in ticket number, which each page then replaces
    with its own: the markup is otherwise the same for every ticket."""

    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        request = context.get("request")
        original = context.get("original")
        admin = context.get("adminform") and context["adminform"].model_admin
        if request is None or request.method != "GET" or original is None or not admin:
            return self.nodelist.render(context)
        flags = tuple(
            bool(context.get(name))
            for name in ("show_history", "has_absolute_url", "show_view_on_site", "is_popup")
        )
        preserved = context.get("preserved_filters") or ""  # the queue's filters, in links
        key = ("object-tools", get_language(), type(original), flags, preserved)
        skeleton = skeletons.get(key)
        if skeleton is None:
            stand_in = type(original)(pk=TOOLS_MARKER)
            with context.push(original=stand_in, absolute_url=admin.get_view_on_site_url(stand_in)):
                skeleton = str(self.nodelist.render(context))
            skeletons.set(key, skeleton)
        html = skeleton.replace(str(TOOLS_MARKER), str(int(original.pk)))
        return mark_safe(html)  # noqa: S308 (unfold's markup and an integer)


@register.tag
def object_tools(parser, token):
    nodelist = parser.parse(("endobject_tools",))
    parser.delete_first_token()
    return ObjectToolsNode(nodelist)


@register.filter
def choices_key(bound):
    """A dropdown's choices, values and labels, as a key: the reply box is drawn once per
    language and list of canned responses (and afresh for a form sent back)."""
    return "\x1f".join(f"{value}\x1e{label}" for value, label in bound.field.choices)


@register.tag
def properties_panel(parser, token):
    nodelist = parser.parse(("endproperties_panel",))
    parser.delete_first_token()
    return PropertiesNode(nodelist)
