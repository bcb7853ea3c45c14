"""Signed, scoped, expiring tokens for links in emails.

Each purpose has its own salt, so a token made for one purpose (say, an
unsubscribe link) is worthless for another (say, a survey).
"""

from django.core import signing


def make_token(purpose, payload):
    return signing.dumps(payload, salt=f"portal.{purpose}", compress=True)


def read_token(purpose, token, max_age):
    """Return the payload, or None when the token is tampered with, foreign or expired."""
    try:
        return signing.loads(token, salt=f"portal.{purpose}", max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
