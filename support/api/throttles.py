"""Request limits per token and per address: DRF throttles (so 429 with Retry-After in
problem+json) counted by the portal's one rate-limit mechanism (portal/ratelimit.py), in the
shared cache, so every worker and node counts the same requests."""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from portal.net import client_ip
from portal.ratelimit import Limit, hit
from support.apitokens.models import ApiToken


class PortalThrottle(BaseThrottle):
    scope = ""
    setting = ""

    def identity(self, request):
        raise NotImplementedError

    def allow_request(self, request, view):
        identity = self.identity(request)
        if identity is None:
            return True
        count, window = getattr(settings, self.setting)
        self.retry_after = hit(Limit(self.scope, count, window), identity)
        return not self.retry_after

    def wait(self):
        return self.retry_after


class TokenRateThrottle(PortalThrottle):
    scope = "api-token"
    setting = "API_RATE_PER_TOKEN"

    def identity(self, request):
        return request.auth.pk if isinstance(request.auth, ApiToken) else None


class AddressRateThrottle(PortalThrottle):
    """Checked before authentication, so floods of bad tokens are limited too."""

    scope = "api-address"
    setting = "API_RATE_PER_ADDRESS"

    def identity(self, request):
        return client_ip(request)
