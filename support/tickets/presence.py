"""Who has a ticket open in the back office, and who is typing a reply: a short-lived note in
the shared cache per ticket, refreshed by the ticket page's polling (no websockets)."""

import time

from django.core.cache import cache

SEEN_FOR = 30  # seconds a page counts as open after its last poll (it polls every 10)
TYPING_FOR = 12  # seconds "is typing" lasts after the last keystroke report


def _key(ticket_id):
    return f"ticket-presence:{ticket_id}"


def touch(ticket_id, user, *, typing=False, now=None):
    """Note that `user` has the ticket open (and whether they are typing); return the others,
    as [{"name", "typing"}], most recent first."""
    now = now or time.time()
    entries = {
        user_id: entry
        for user_id, entry in (cache.get(_key(ticket_id)) or {}).items()
        if entry["seen"] > now - SEEN_FOR
    }
    previous = entries.get(str(user.pk), {})
    entries[str(user.pk)] = {
        "name": user.display_name,
        "seen": now,
        "typing_until": now + TYPING_FOR if typing else previous.get("typing_until", 0),
    }
    cache.set(_key(ticket_id), entries, SEEN_FOR * 2)
    others = [entry for user_id, entry in entries.items() if user_id != str(user.pk)]
    others.sort(key=lambda entry: entry["seen"], reverse=True)
    return [{"name": entry["name"], "typing": entry["typing_until"] > now} for entry in others]


def others(ticket_id, user, now=None):
    """Who else has the ticket open, without noting this visit (one cache read)."""
    now = now or time.time()
    entries = cache.get(_key(ticket_id)) or {}
    found = [
        entry
        for user_id, entry in entries.items()
        if user_id != str(user.pk) and entry["seen"] > now - SEEN_FOR
    ]
    found.sort(key=lambda entry: entry["seen"], reverse=True)
    return [{"name": entry["name"], "typing": entry["typing_until"] > now} for entry in found]
