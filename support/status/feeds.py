"""Atom and RSS feeds of incidents and maintenance, and maintenance windows as iCalendar."""

import datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .models import Incident
from .overview import with_updates

FEED_ITEMS = 50


class RssFeed(Feed):
    title = _("System status: incidents and maintenance")
    description = _("Incidents and scheduled maintenance, with every update.")

    def link(self):
        return "/status/"

    def items(self):
        return with_updates(Incident.objects.published().order_by("-updated_at"))[:FEED_ITEMS]

    def item_title(self, item):
        return f"{item.name} [{item.get_status_display()}]"

    def item_description(self, item):
        return render_to_string("status/feed_item.html", {"incident": item})

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return settings.SITE_URL + item.get_absolute_url()

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.get_kind_display()]


class AtomFeed(RssFeed):
    feed_type = Atom1Feed
    subtitle = RssFeed.description


def maintenance_calendar(request):
    """Maintenance windows from the past 90 days on, one VEVENT each with a stable UID."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    since = timezone.now() - datetime.timedelta(days=90)
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//Status//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", str(_("Scheduled maintenance")) + f" · {settings.SITE_NAME}")
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    windows = with_updates(
        Incident.objects.published()
        .maintenance()
        .filter(scheduled_for__isnull=False, scheduled_until__gte=since)
        .order_by("scheduled_for")
    )
    for window in windows:
        event = icalendar.Event()
        event.add("uid", f"maintenance-{window.pk}@{host}")
        event.add("dtstamp", window.updated_at)
        event.add("last-modified", window.updated_at)
        event.add("created", window.created_at)
        event.add("sequence", window.sequence)
        event.add("dtstart", window.scheduled_for)
        event.add("dtend", window.scheduled_until or window.scheduled_for)
        event.add("summary", window.name)
        latest = next(iter(window.updates.all()), None)
        components = ", ".join(c.name for c in window.components.all())
        description = "\n\n".join(
            part
            for part in [
                latest.body if latest else "",
                str(_("Affected components: %(names)s") % {"names": components})
                if components
                else "",
                settings.SITE_URL + window.get_absolute_url(),
            ]
            if part
        )
        event.add("description", description)
        event.add("url", settings.SITE_URL + window.get_absolute_url())
        event.add("status", "CONFIRMED")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="maintenance.ics"'
    return response
