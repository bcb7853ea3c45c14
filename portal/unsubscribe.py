"""One-click unsubscribe (RFC 8058) for the emails a person can switch off.

Each kind of email has its own token purpose, so a link that stops surveys can't stop
anything else. The token names the person and expires; it is the only proof asked for,
because mail clients POST to the link without a session or a CSRF token.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model

from portal.tokens import make_token, read_token

MAX_AGE = timedelta(days=90)


def unsubscribe_token(purpose, user):
    return make_token(purpose, {"u": user.pk})


def read_unsubscribe_token(purpose, token):
    """The active person a valid token names, or None (tampered, foreign, expired, gone)."""
    payload = read_token(purpose, token, MAX_AGE.total_seconds())
    if not isinstance(payload, dict):
        return None
    return get_user_model().objects.filter(pk=payload.get("u"), is_active=True).first()


def unsubscribe_headers(url):
    """Mail clients show an "Unsubscribe" button that POSTs to url."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
