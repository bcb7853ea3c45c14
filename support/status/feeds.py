"""Atom and RSS feeds of incidents and maintenance, and maintenance windows as iCalendar."""

import datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .models import Incident, content_language
from .overview import with_updates

FEED_ITEMS = 50


def feed_language(request):
    """Feeds and the calendar are in English unless asked for ?lang=zh-hans (readers carry
    no cookie, so the choice lives in the URL the Chinese status page links to)."""
    return content_language(request.GET.get("lang") or "en")


class RssFeed(Feed):
    title = _("System status: incidents and maintenance")
    description = _("Incidents and scheduled maintenance, with every update.")

    def __call__(self, request, *args, **kwargs):
        language = feed_language(request)
        with translation.override(language):
            response = super().__call__(request, *args, **kwargs)
        response["Content-Language"] = language
        return response

    def link(self):
        return "/status/"

    def items(self):
        return with_updates(Incident.objects.public().order_by("-updated_at"))[:FEED_ITEMS]

    def item_title(self, item):
        return f"{item.local_name} [{item.get_status_display()}]"

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


def new_calendar():
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//Status//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    return calendar


def maintenance_event(window, latest):
    """One maintenance window as a VEVENT, its UID stable across changes (SEQUENCE rises)."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    event = icalendar.Event()
    event.add("uid", f"maintenance-{window.pk}@{host}")
    event.add("dtstamp", window.updated_at)
    event.add("last-modified", window.updated_at)
    event.add("created", window.created_at)
    event.add("sequence", window.sequence)
    event.add("dtstart", window.scheduled_for)
    event.add("dtend", window.scheduled_until or window.scheduled_for)
    event.add("summary", window.local_name)
    components = ", ".join(c.local_name for c in window.components.all())
    description = "\n\n".join(
        part
        for part in [
            latest.local_body if latest else "",
            str(_("Affected components: %(names)s") % {"names": components}) if components else "",
            settings.SITE_URL + window.get_absolute_url(),
        ]
        if part
    )
    event.add("description", description)
    event.add("url", settings.SITE_URL + window.get_absolute_url())
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    return event


def single_event_calendar(window, update):
    """The calendar attached to a "maintenance scheduled" email: just that window."""
    calendar = new_calendar()
    calendar.add_component(maintenance_event(window, update))
    return calendar.to_ical()


def maintenance_calendar(request):
    """Public maintenance windows from the past 90 days on, one VEVENT each with a stable UID."""
    with translation.override(feed_language(request)):
        since = timezone.now() - datetime.timedelta(days=90)
        calendar = new_calendar()
        calendar.add("x-wr-calname", str(_("Scheduled maintenance")) + f" · {settings.SITE_NAME}")
        calendar.add(
            "refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"}
        )
        windows = with_updates(
            Incident.objects.public()
            .maintenance()
            .filter(scheduled_for__isnull=False, scheduled_until__gte=since)
            .order_by("scheduled_for")
        )
        for window in windows:
            calendar.add_component(
                maintenance_event(window, next(iter(window.updates.all()), None))
            )
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="maintenance.ics"'
    return response
