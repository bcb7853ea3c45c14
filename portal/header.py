"""The portal's page header, drawn once per language and kind of visitor, kept in this process.

Drawing the header (the account menu's links, the language switcher, the CSRF token) was a
good part of every customer page's time. What it shows depends on a handful of yes/no
questions (signed in? staff? in an organisation? managing it? reports shown? which part of
the site?) and on the language, so it is drawn once for each combination, with markers where
the person's own values go: their name, their organisation's name, the CSRF token and the
page's address (the language switcher comes back to it). Those are filled in for each request,
escaped as the template would, in one pass over the kept text: the kept text never holds
anybody's data, so nothing of one person can reach another's page.

Someone in more than one organisation gets the header drawn in full (the switcher lists their
organisations). includes/header.html stays the one template of the header.
"""

import functools
import re
from types import SimpleNamespace
from urllib.parse import quote

from django.conf import settings
from django.template import Context
from django.urls import reverse
from django.utils.autoreload import file_changed
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

TEMPLATE = "includes/header.html"
MARKER = re.compile(r"___(csrf|name|organization|path)___")
# The parts of the site whose navigation link is marked as the current page.
SECTIONS = ("/status/", "/kb/", "/tickets/", "/reports/")

_drawn = {}  # key → the header with markers (a few dozen at most: see draw())
_footers = {}  # (language, site name) → the footer, which is the same for everyone


def forget(sender=None, file_path=None, **kwargs):
    """The development server's reloader saw a template change: draw them again."""
    _drawn.clear()
    _footers.clear()


file_changed.connect(forget, dispatch_uid="portal-header-forget")


@functools.cache
def home_url():
    return reverse("home")


def section(path):
    """The navigation entry the page belongs to: "/" for the home page, a prefix, or ""."""
    if path == home_url():
        return path
    return next((prefix for prefix in SECTIONS if path.startswith(prefix)), "")


def draw(context):
    """The header for the page being drawn with `context` (a RequestContext)."""
    request = context["request"]
    user = context.get("user")
    memberships = context.get("memberships") or []
    signed_in = bool(user is not None and user.is_authenticated)
    # Only signed-in people get forms in the header. A visitor's token is never asked for:
    # that would set the CSRF cookie, and a page that sets a cookie can't be cached whole.
    token = str(context.get("csrf_token") or "") if signed_in else ""
    if len(memberships) > 1 or (signed_in and token in ("", "NOTPROVIDED")):
        template = context.template.engine.get_template(TEMPLATE)
        return mark_safe(template.render(context))
    membership = context.get("current_membership")
    organization = context.get("current_organization")
    manages = bool(membership is not None and membership.can_manage_members)
    key = (
        get_language(),
        settings.SITE_NAME,
        signed_in,
        signed_in and bool(user.is_staff),
        bool(memberships),
        organization is not None,
        manages,
        manages or bool(organization is not None and organization.members_see_reports),
        section(request.path),
    )
    kept = _drawn.get(key)
    if kept is None:
        kept = _drawn[key] = draw_with_markers(context.template.engine, key)
    path = request.get_full_path()
    values = {
        "csrf": conditional_escape(token),
        "name": conditional_escape(user.display_name) if signed_in else "",
        "organization": conditional_escape(organization.name) if organization else "",
        # The switcher's form sends the address back as a field, its links in the query.
        "path": conditional_escape(path) if signed_in else quote(path, safe=""),
    }
    return mark_safe(MARKER.sub(lambda found: values[found.group(1)], kept))


def draw_with_markers(engine, key):
    _language, site_name, signed_in, staff, member, in_organization, manages, reports, where = key
    membership = SimpleNamespace(can_manage_members=manages) if in_organization else None
    organization = (
        SimpleNamespace(name="___organization___", members_see_reports=reports)
        if in_organization
        else None
    )
    user = SimpleNamespace(is_authenticated=signed_in, is_staff=staff, display_name="___name___")
    request = SimpleNamespace(
        path=where,
        get_full_path=lambda: "___path___",
        membership=membership,
        organization=organization,
    )
    values = {
        "request": request,
        "user": user,
        "memberships": [membership] if member else [],
        "current_membership": membership,
        "current_organization": organization,
        "csrf_token": "___csrf___",
        "SITE_NAME": site_name,
    }
    return engine.get_template(TEMPLATE).render(Context(values))


def footer(context):
    key = (get_language(), settings.SITE_NAME)
    kept = _footers.get(key)
    if kept is None:
        template = context.template.engine.get_template("includes/footer.html")
        kept = _footers[key] = template.render(Context({"SITE_NAME": settings.SITE_NAME}))
    return mark_safe(kept)
