"""One HTTP attempt, to the address the SSRF check resolved."""

import http.client
import json
import socket
import ssl

from django.conf import settings

from . import signing
from .ssrf import resolve


class PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, address, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to a fixed address, with SNI and certificate checks for the URL's host name."""

    def __init__(self, address, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def body_of(payload):
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def post(url, secret, event_id, timestamp, payload):
    """POST the signed payload; return (status code, first bytes of the answer).
    Raises UnsafeURL or OSError (connection refused, timeout, TLS)."""
    target = resolve(url)
    body = body_of(payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"{settings.SITE_NAME} webhooks",
        **signing.headers(secret, event_id, timestamp, body),
    }
    timeout = settings.WEBHOOK_TIMEOUT
    if target.scheme == "https":
        connection = PinnedHTTPSConnection(
            target.address,
            target.host,
            target.port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        connection = PinnedHTTPConnection(target.address, target.host, target.port, timeout=timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(500).decode("utf-8", "replace")
    finally:
        connection.close()
