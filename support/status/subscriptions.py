"""Signed links for subscribing and unsubscribing, and the sign-up rate limits.

Nothing is stored before an address confirms: the confirmation token carries the
address, the chosen components and the language. The unsubscribe token names one
subscriber row and its address, so it stops working once that row is gone.
"""

from django.urls import reverse

from portal import ratelimit
from portal.net import absolute_url
from portal.tokens import make_token, read_token

CONFIRM_PURPOSE = "status-subscribe"
UNSUBSCRIBE_PURPOSE = "status-unsubscribe"
CONFIRM_MAX_AGE = 3 * 24 * 3600
UNSUBSCRIBE_MAX_AGE = 5 * 365 * 24 * 3600

ADDRESS_LIMIT = ratelimit.Limit("status-signup-address", 5, 3600)
IP_LIMIT = ratelimit.Limit("status-signup-ip", 20, 3600)


def confirm_token(email, component_ids, language):
    return make_token(
        CONFIRM_PURPOSE, {"e": email.lower(), "c": sorted(component_ids), "l": language}
    )


def read_confirm_token(token):
    payload = read_token(CONFIRM_PURPOSE, token, max_age=CONFIRM_MAX_AGE)
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        return None
    return payload


def unsubscribe_token(subscriber):
    return make_token(UNSUBSCRIBE_PURPOSE, {"s": subscriber.pk, "e": subscriber.email})


def subscriber_for_token(token):
    """The subscriber a valid unsubscribe token names, or None (tampered, expired, gone)."""
    from .models import Subscriber

    payload = read_token(UNSUBSCRIBE_PURPOSE, token, max_age=UNSUBSCRIBE_MAX_AGE)
    if not isinstance(payload, dict):
        return None
    return Subscriber.objects.filter(pk=payload.get("s"), email=payload.get("e")).first()


def unsubscribe_url(subscriber):
    return absolute_url(reverse("status:unsubscribe", args=[unsubscribe_token(subscriber)]))


def unsubscribe_headers(subscriber):
    """RFC 2369 / RFC 8058 headers: mail clients offer a one-click unsubscribe."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscriber)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": "Status notifications <status." + absolute_url("").split("://")[-1] + ">",
    }


def signup_wait(email, ip):
    """Count a sign-up attempt for this address and this IP: 0, or seconds to wait."""
    by_ip = ratelimit.hit(IP_LIMIT, ip or "unknown")
    by_address = ratelimit.hit(ADDRESS_LIMIT, email.lower())
    return max(by_ip, by_address)
