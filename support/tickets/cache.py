"""What opening a ticket reads that staff seldom change: the new-ticket form's choices as
drawn for an empty form, the SLA policies with their calendars and holidays, and which
organisations listen for webhooks. One versioned cache (portal/fastcache.py) holds them, so
a submit or a form costs at most one version check a second, not a query each; any change
to those rows drops them all (signals connected by the app's ready(); bulk writes, such as
loading public holidays, call `ticket_setup.invalidate()` themselves)."""

from portal.fastcache import VersionedCache

ticket_setup = VersionedCache("ticket-setup", ttl=300)


def connect_signals():
    from support.webhooks.models import Endpoint

    from .models import BusinessCalendar, Category, Holiday, SlaPolicy, Team

    ticket_setup.invalidate_on_change(
        Category, Team, SlaPolicy, BusinessCalendar, Holiday, Endpoint
    )
