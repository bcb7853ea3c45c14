"""The back office's frame (django-unfold): title, sidebar grouped by work, our static files, and
the dashboard on the admin index.

Other apps plug in without editing this module:
- `add_navigation_item(group, item)` adds a sidebar link to one of the groups below
  (e.g. reports adds its pages to "reports");
- `add_dashboard_panel(slot, template, context)` renders a panel on the dashboard. The slot
  "on_duty" is the "Who is on duty" panel (filled by the on-call app); "extra" panels follow the
  figures. `context(request)` returns the template's context; keep it to one or two queries.
"""

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlparse

from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from unfold.settings import get_config
from unfold.sites import UnfoldAdminSite

from portal.fastcache import VersionedCache

# Rendered parts of back-office pages that change only with configuration ({% fragment %},
# portal/templatetags/backoffice.py): filter choices name categories and teams, bulk actions
# list staff and teams. A change to those drops every fragment (a customer's doesn't).
fragments = VersionedCache("backoffice", ttl=300)


def connect_signals():
    from django.db.models.signals import post_save

    from accounts.models import User
    from support.inbound.models import InboundEmail
    from support.status.models import Incident
    from support.tickets.models import Category, Team, Ticket
    from support.tickets.queues import recent

    fragments.invalidate_on_change(Category, Team)
    recent.forget_on_change(Ticket, InboundEmail, Incident)

    def staff_changed(sender, instance, **kwargs):
        if instance.is_staff:
            fragments.invalidate()

    post_save.connect(staff_changed, sender=User, weak=False, dispatch_uid="backoffice-staff")


GROUPS = [
    ("tickets", _("Tickets")),
    ("customers", pgettext_lazy("back-office sidebar", "Customers")),
    ("status", _("Status")),
    ("kb", _("Knowledge base")),
    ("surveys", _("Surveys")),
    ("email", _("Email")),
    ("reports", _("Reports")),
    ("settings", _("Settings")),
]

# (title, icon, "app_label.model" whose change list it opens or a URL name with ":", query
# string), by group.
ITEMS = {
    "tickets": [
        (_("Queue"), "inbox", "tickets.ticket", ""),
        (_("My tickets"), "person", "tickets.ticket", "?view=mine"),
        (_("Canned responses"), "quick_phrases", "tickets.macro", ""),
        (_("Timeline"), "history", "tickets.timelineevent", ""),
    ],
    "customers": [
        (_("Organisations"), "corporate_fare", "accounts.organization", ""),
        (_("People"), "group", "accounts.user", ""),
        (_("Services"), "dns", "accounts.service", ""),
        (_("Memberships"), "badge", "accounts.membership", ""),
    ],
    "status": [
        (_("Incidents and maintenance"), "emergency", "status.incident", ""),
        (_("Components"), "widgets", "status.component", ""),
        (_("Component groups"), "category", "status.componentgroup", ""),
        (_("Incident templates"), "description", "status.incidenttemplate", ""),
        (_("Subscribers"), "notifications", "status.subscriber", ""),
    ],
    "kb": [
        (_("Articles"), "article", "kb.article", ""),
        (_("Categories"), "folder", "kb.category", ""),
        (_("Tags"), "sell", "kb.tag", ""),
        (_("Revisions"), "edit_note", "kb.revision", ""),
        (_("Votes"), "thumb_up", "kb.vote", ""),
    ],
    "surveys": [
        (_("Results"), "insights", "surveys.surveyresults", ""),
        (_("Follow-ups"), "task_alt", "surveys.followup", ""),
        (_("NPS campaigns"), "campaign", "surveys.npscampaign", ""),
        (_("CSAT answers"), "sentiment_satisfied", "surveys.csatresponse", ""),
        (_("NPS answers"), "recommend", "surveys.npsresponse", ""),
        (_("Survey preferences"), "tune", "surveys.surveypreference", ""),
    ],
    "email": [
        (_("Awaiting triage"), "move_to_inbox", "inbound.inboundemail", "?status__exact=triage"),
        (_("Inbound emails"), "mail", "inbound.inboundemail", ""),
        (_("Outgoing emails"), "outgoing_mail", "outbox.outboxmessage", ""),
        (_("Webhook deliveries"), "webhook", "webhooks.delivery", ""),
    ],
    "reports": [
        (_("Staff reports"), "monitoring", "staff_reports:index", ""),
        (_("SLA credit contracts"), "request_quote", "reports.creditcontract", ""),
        (_("Monthly report mailings"), "forward_to_inbox", "reports.monthlymailing", ""),
        (_("Survey results"), "insights", "surveys.surveyresults", ""),
        (_("Knowledge base searches"), "manage_search", "kb.searchquery", ""),
    ],
    "settings": [
        (_("Ticket categories"), "label", "tickets.category", ""),
        (_("Teams"), "groups", "tickets.team", ""),
        (_("SLA policies"), "timer", "tickets.slapolicy", ""),
        (_("Business-hours calendars"), "calendar_month", "tickets.businesscalendar", ""),
        (_("Staff groups"), "admin_panel_settings", "auth.group", ""),
        (_("API and machine tokens"), "key", "apitokens.apitoken", ""),
        (_("Webhook endpoints"), "webhook", "webhooks.endpoint", ""),
        (_("Webhook deliveries"), "send", "webhooks.delivery", ""),
        (_("Webhook endpoints"), "webhook", "webhooks.endpoint", ""),
        (_("Scheduled tasks"), "schedule", "django_q.schedule", ""),
        (_("Failed tasks"), "error", "django_q.failure", ""),
    ],
}

_extra_items: list[tuple[str, dict]] = []


@dataclass
class Panel:
    slot: str
    template: str
    context: Any = None


_panels: list[Panel] = []


def add_navigation_item(group, item):
    """item: {"title", "icon", "link" (url or callable(request)), "permission" (callable)}."""
    _extra_items.append((group, item))


def add_dashboard_panel(slot, template, context=None):
    _panels.append(Panel(slot, template, context))


def site_title(request):
    return _("Support back office")


def styles(request):
    return static("backoffice/backoffice.css")


def scripts(request):
    return static("backoffice/backoffice.js")


def _has_perm(codename):
    def check(request):
        user = request.user
        return user.is_active and user.is_staff and (codename is None or user.has_perm(codename))

    check.by_permissions = True
    return check


def _may_view(app_label, model_name):
    """Whatever the model's admin says (custom pages decide for themselves)."""

    def check(request):
        from django.apps import apps
        from django.contrib import admin

        model_admin = admin.site._registry.get(apps.get_model(app_label, model_name))
        return model_admin is not None and model_admin.has_view_or_change_permission(request)

    check.by_permissions = True  # the admins answer from the person's permissions alone
    return check


def navigation(request):
    groups = {key: [] for key, _title in GROUPS}
    for group, items in ITEMS.items():
        for title, icon, target, query in items:
            try:
                if ":" in target:  # a page of its own, for staff
                    link, permission = reverse(target) + query, _has_perm(None)
                else:
                    app_label, model_name = target.split(".")
                    link = reverse(f"admin:{app_label}_{model_name}_changelist") + query
                    permission = _may_view(app_label, model_name)
            except NoReverseMatch:
                continue
            groups[group].append(
                {"title": title, "icon": icon, "link": link, "permission": permission}
            )
    for group, item in _extra_items:
        groups[group].append({"permission": _has_perm(None), **item})
    dashboard = {
        "title": _("Dashboard"),
        "icon": "dashboard",
        "link": reverse("admin:index"),
        "permission": _has_perm(None),
    }
    return [{"items": [dashboard]}] + [
        {"title": title, "items": groups[key], "collapsible": key in COLLAPSED}
        for key, title in GROUPS
    ]


COLLAPSED = {"kb", "surveys", "reports", "settings"}


def dashboard_callback(request, context):
    from support.tickets.dashboard import figures

    context.update(figures(request))
    context["panels"] = {
        slot: [
            {"template": panel.template, "context": panel.context(request) if panel.context else {}}
            for panel in _panels
            if panel.slot == slot
        ]
        for slot in ("on_duty", "extra")
    }
    context["is_dashboard"] = True
    return context


def back_office_url():
    return reverse("admin:index")


def headers_once_per_list():
    """django-unfold 0.91 works out a list's column headers again for every row (for the
    labels of its narrow-screen cards); once per list is enough and saves a fifth of a ticket
    list's rendering time. Only the pinned version is patched."""
    from importlib.metadata import version

    from unfold.templatetags import unfold_list

    if version("django-unfold") != "0.91.0":
        return
    original = unfold_list.result_headers
    if getattr(original, "once_per_list", False):
        return

    def result_headers(cl):
        headers = cl.__dict__.get("_backoffice_headers")
        if headers is None:
            headers = cl.__dict__["_backoffice_headers"] = list(original(cl))
        return iter(headers)

    result_headers.once_per_list = True
    unfold_list.result_headers = result_headers


@functools.cache
def _importable(path):
    """What unfold's settings name by dotted path, imported once per process (None: a plain
    value such as an icon name or "/")."""
    try:
        return import_string(path)
    except ImportError:
        return None


@functools.cache
def _sidebar_groups():
    """navigation() resolved once per process: its links don't change while it runs."""
    groups = []
    for group in navigation(None):
        items = []
        for item in group["items"]:
            link = item["link"]
            link = link(None) if callable(link) else str(link)  # callables reverse a URL name
            parts = urlparse(link)
            items.append(
                {**item, "link": link, "path": parts.path, "query": parse_qsl(parts.query)}
            )
        groups.append({**group, "items": items})
    return groups


class BackOfficeSite(UnfoldAdminSite):
    """unfold's admin site, working out once per process what its frame repeated for every
    request (settings, the sidebar's links), and the list of every app only when a page shows
    it (the sidebar is ours; Django's app list is built on the index page alone)."""

    def each_context(self, request):
        request._backoffice_lazy_apps = True
        try:
            context = super().each_context(request)
        finally:
            del request._backoffice_lazy_apps
        navigation_items = [
            item for group in context["sidebar_navigation"] for item in group["items"]
        ]
        context["sidebar_key"] = "".join(
            f"{int(bool(item['has_permission']))}{int(bool(item['active']))}"
            for item in navigation_items
        )
        return context

    def get_app_list(self, request, app_label=None):
        if getattr(request, "_backoffice_lazy_apps", False):
            parent = super()
            return SimpleLazyObject(lambda: parent.get_app_list(request, app_label))
        return super().get_app_list(request, app_label)

    def _get_config(self, key, *args):
        config = _unfold_config(self.settings_name)
        if config.get(key):
            return self._get_value(config[key], *args)
        return None

    def _get_value(self, value, *args):
        if isinstance(value, str):
            found = _importable(value)
            return value if found is None else found(*args)
        return super()._get_value(value, *args)

    def get_sidebar_list(self, request):
        allowed = self.sidebar_permissions(request)
        active = self.active_links(request)
        results = []
        for group, group_allowed in zip(_sidebar_groups(), allowed, strict=True):
            items = []
            for item, has_permission in zip(group["items"], group_allowed, strict=True):
                permission = item.get("permission")
                if has_permission is None:
                    has_permission = permission is None or bool(permission(request))
                items.append(
                    {**item, "active": item["link"] in active, "has_permission": has_permission}
                )
            results.append({**group, "items": items})
        return results

    def active_links(self, request):
        """The sidebar links the page belongs to. A link with a query string ("My tickets",
        "?view=mine") is the page's only when the page has that query too, and then the plain
        link to the same list ("Queue") is not: one entry is marked, the one shown."""
        index_path = reverse(f"{self.name}:index")

        def on_path(item):
            path = item["path"]
            if path == index_path:
                return request.path == index_path
            return path != "" and path in request.path

        matching = [
            item
            for group in _sidebar_groups()
            for item in group["items"]
            if on_path(item) and all(request.GET.get(k) == v for k, v in item["query"])
        ]
        narrowed = {item["path"] for item in matching if item["query"]}
        return {item["link"] for item in matching if item["query"] or item["path"] not in narrowed}

    def sidebar_permissions(self, request):
        """Which sidebar links the person may follow, worked out once per process for each
        set of permissions (None: a link whose check isn't ours, asked on every request)."""
        user = request.user
        key = (
            user.is_active,
            user.is_staff,
            user.is_superuser,
            frozenset(user.get_all_permissions()) if user.is_active else frozenset(),
        )
        kept = self.__dict__.setdefault("_sidebar_permissions", {})
        allowed = kept.get(key)
        if allowed is None:
            if len(kept) >= 100:
                kept.clear()
            allowed = kept[key] = [
                [
                    bool(item["permission"](request))
                    if getattr(item.get("permission"), "by_permissions", False)
                    else None
                    for item in group["items"]
                ]
                for group in _sidebar_groups()
            ]
        return allowed


def _unfold_config(settings_name):
    """unfold merges its defaults with the settings on every call; once per settings object."""
    from django.conf import settings

    current = getattr(settings, settings_name, {})
    kept = _unfold_config.__dict__.get("kept")
    if kept is None or kept[0] is not current:
        kept = _unfold_config.kept = (current, get_config(settings_name))
    return kept[1]
