"""Request limits per token and per address, counted in the shared cache (Redis in
production), so every web node counts the same requests."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from apitokens.models import ApiToken
from portal.net import client_ip


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_rate(self):
        return settings.API_RATE_PER_TOKEN

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class AddressRateThrottle(SimpleRateThrottle):
    """Checked before authentication, so floods of bad tokens are limited too."""

    scope = "api_address"

    def get_rate(self):
        return settings.API_RATE_PER_ADDRESS

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}
