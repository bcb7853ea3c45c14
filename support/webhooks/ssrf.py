"""Where a webhook may be sent: https only, and only to public addresses, checked after DNS
resolution. The request then goes to the address that was checked (pinned), so a DNS answer
that changes between the check and the connection cannot reach the internal network.
WEBHOOK_ALLOW_PRIVATE (development and tests) allows http and private addresses."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class UnsafeURL(ValueError):
    pass


@dataclass
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def is_public(address):
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(url):
    """Check `url` and return where to connect; raises UnsafeURL with a reason for people."""
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(_("This is not a valid address.")) from error
    allowed_schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed_schemes:
        raise UnsafeURL(_("Webhook addresses must start with https://."))
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeURL(_("The address needs a host name and no user name or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeURL(_("The host name does not resolve.")) from error
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise UnsafeURL(_("The host name does not resolve."))
    if not allow_private and not all(is_public(address) for address in addresses):
        raise UnsafeURL(_("The address points to a private, loopback or link-local network."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])
