"""Back-office page parts drawn once and kept, and the ticket queue's rows drawn in one pass.

`{% fragment "name" key … %}…{% endfragment %}`: a part that changes only with configuration
(a list's filter choices, the bulk-action fields), rendered once per language and key and kept
(portal.backoffice.fragments, invalidated when the models behind it change).
`{% keyed_fragment "name" key … %}…{% endkeyed_fragment %}`: a part that depends on its key
alone (the sidebar: which links the reader may follow, which is active), kept in the process.
Both render afresh, uncached, for anything but a GET."""

import datetime
import hashlib

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, parts, store):
        self.nodelist = nodelist
        self.parts = parts
        self.store = store

    def render(self, context):
        request = context.get("request")
        if request is None or request.method != "GET":
            return self.nodelist.render(context)
        text = "\x1f".join([get_language() or ""] + [str(p.resolve(context)) for p in self.parts])
        key = hashlib.sha256(text.encode()).hexdigest()
        return mark_safe(self.store().cached(key, lambda: self.nodelist.render(context)))  # noqa: S308


class LocalFragments:
    """Fragments that depend on their key alone (and the code): kept in this process."""

    limit = 1000

    def __init__(self):
        self.entries = {}

    def cached(self, key, build):
        value = self.entries.get(key)
        if value is None:
            if len(self.entries) >= self.limit:
                self.entries.clear()
            value = self.entries[key] = build()
        return value


local_fragments = LocalFragments()


def _compile(parser, token, end, store):
    parts = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    if not parts:
        raise template.TemplateSyntaxError(f"{token.contents.split()[0]} needs a name")
    nodelist = parser.parse((end,))
    parser.delete_first_token()
    return FragmentNode(nodelist, parts, store)


@register.tag
def fragment(parser, token):
    """Kept while the models behind it don't change (portal.backoffice.fragments)."""

    def store():
        from portal.backoffice import fragments

        return fragments

    return _compile(parser, token, "endfragment", store)


@register.tag
def keyed_fragment(parser, token):
    """Depends on its key alone (no data): kept in this process, no query ever."""
    return _compile(parser, token, "endkeyed_fragment", lambda: local_fragments)


@register.filter
def choice_values(field):
    """The values of a form field's choices, as a key."""
    return ",".join(str(value) for value, _label in field.field.choices)


ROW_OPEN = (
    '<tbody class="block relative lg:table-row-group {}" x-data="{{rowOpen: false}}" >'
    '<tr class="data-row block border border-base-200 mb-3 relative rounded-default '
    'lg:table-row lg:border-none lg:mb-0 lg:rounded-none dark:border-base-800">'
)
ROW_SHADES = ("", "bg-base-50 dark:bg-white/[.02]")


@register.filter
def plain_columns(cl):
    """Lists whose columns are all methods of their ModelAdmin, without editable rows,
    sections, drag ordering or row actions: the case lean_result_list draws."""
    admin = cl.model_admin
    return (
        list(cl.list_display[:1]) == ["action_checkbox"]
        and not getattr(cl, "formset", None)
        and not getattr(admin, "ordering_field", None)
        and not getattr(admin, "list_sections", None)
        and not cl.is_popup
        and not cl.to_field
        and all(callable(getattr(admin, name, None)) for name in cl.list_display)
        and all(
            not getattr(getattr(admin, name), flag, False)
            for name in cl.list_display
            for flag in ("boolean", "label", "dropdown", "header")
        )
    )


@register.inclusion_tag("admin/backoffice_results.html", takes_context=True)
def lean_result_list(context, cl):
    """unfold 0.91's result list (its change_list_results.html and items_for_result), the
    same markup drawn in one pass: per-cell template work was most of a queue's time."""
    from django.contrib.admin.templatetags.admin_list import result_hidden_fields
    from django.utils.html import conditional_escape
    from django.utils.translation import gettext
    from unfold import utils as unfold_utils
    from unfold.templatetags import unfold_list

    headers = list(unfold_list.result_headers(cl))
    admin = cl.model_admin
    empty = admin.get_empty_value_display()
    row_classes = " ".join(unfold_list.ROW_CLASSES)
    checkbox_classes = " ".join(unfold_list.CHECKBOX_CLASSES)
    link_classes = " ".join(unfold_list.LINK_CLASSES)
    links = set(cl.list_display_links or ())
    checkbox = admin.action_checkbox  # plain_columns: always the first column
    checkbox_opening = (
        f'<td class="{checkbox_classes}" data-label="'
        + conditional_escape(gettext("Select record"))
        + '">'
    )
    columns = []
    first_link = True
    for index, name in enumerate(cl.list_display[1:], start=1):
        link = name in links
        tag = "th" if link and first_link else "td"
        first_link = first_link and not link
        label = conditional_escape(str(headers[index]["text"]))
        classes = f"field-{name} {row_classes}"
        columns.append((getattr(admin, name), classes, tag, label, link))
    link_for = row_link(cl)
    rows = []
    for number, result in enumerate(cl.result_list):
        rows.append(ROW_OPEN.format(ROW_SHADES[number % 2]))
        rows.append(f"{checkbox_opening}{conditional_escape(checkbox(result))}</td>")
        for method, classes, tag, label, link in columns:
            value = method(result)
            if not isinstance(value, str):
                if isinstance(value, datetime.date | datetime.time):
                    classes += " nowrap"
                value = unfold_utils.display_for_value(value, empty)
            text = conditional_escape(value)
            if link:
                url = conditional_escape(link_for(result))
                text = f'<a href="{url}" class="{link_classes}" >{text}</a>'
            rows.append(f'<{tag} class="{classes}" data-label="{label}">{text}</{tag}>')
        rows.append("</tr></tbody>")
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "rows": mark_safe("".join(rows)),  # noqa: S308 (escaped above)
    }


def row_link(cl):
    """`add_preserved_filters(…, cl.url_for_result(row))` for every row, worked out once with
    a stand-in for the key: each call reversed and resolved a URL, a tenth of a queue's time."""
    from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
    from django.contrib.admin.utils import quote
    from django.urls import reverse

    stand_in = "__row_pk__"
    url = reverse(
        f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change",
        args=(stand_in,),
        current_app=cl.model_admin.admin_site.name,
    )
    preserved = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    before, after = add_preserved_filters(preserved, url).split(stand_in, 1)
    return lambda row: f"{before}{quote(getattr(row, cl.pk_attname))}{after}"
