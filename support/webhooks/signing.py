"""Standard Webhooks signatures (https://www.standardwebhooks.com/):
`webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the
base64-decoded part of the `whsec_…` secret."""

import base64
import hashlib
import hmac


def secret_bytes(secret):
    return base64.b64decode(secret.removeprefix("whsec_"))


def signature(secret, event_id, timestamp, body):
    signed = f"{event_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret, event_id, timestamp, body):
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, event_id, timestamp, body),
    }
