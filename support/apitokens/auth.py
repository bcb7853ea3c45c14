"""Reading a bearer token from a request: for the REST API (as a DRF authentication class)
and for the plain endpoints that machines post to (Alertmanager, inbound email)."""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from portal.net import client_ip

from .models import ApiToken

QUERY_STRING_NAMES = ("access_token", "token", "api_key", "apikey", "key")


def bearer_token(request):
    """The value of `Authorization: Bearer …`, or ""."""
    scheme, _sep, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def token_for_request(request, *scopes):
    """The live token the request carries with one of `scopes`, its use recorded; or None."""
    token = ApiToken.objects.authenticate(bearer_token(request))
    if token is None or not any(token.has_scope(scope) for scope in scopes):
        return None
    token.record_use(client_ip(request) or None)
    return token


class InvalidToken(exceptions.AuthenticationFailed):
    default_detail = _("The bearer token is missing, wrong, expired or revoked.")
    default_code = "invalid_token"


class TokenInQueryString(exceptions.AuthenticationFailed):
    default_detail = _(
        "Tokens in the address are refused (they end up in logs). "
        "Send it as “Authorization: Bearer <token>”."
    )
    default_code = "token_in_query_string"


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`. Customer tokens act as their person within their
    organisation; the membership is read at every request, so a person who left loses access."""

    def authenticate(self, request):
        if any(name in request.query_params for name in QUERY_STRING_NAMES):
            raise TokenInQueryString
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        raw = bearer_token(request)
        token = ApiToken.objects.authenticate(raw)
        if token is None:
            raise InvalidToken
        if token.is_customer_token:
            membership = token.membership()
            if membership is None or not token.user.is_active:
                raise InvalidToken
            request.api_membership = membership
            user = token.user
        else:
            request.api_membership = None
            user = token.created_by or AnonymousUser()
        token.record_use(client_ip(request) or None)
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class HasScope(BasePermission):
    """The token has the scope the view asks for: `required_scopes` maps HTTP methods
    (or "*") to one scope."""

    message = _("This token lacks the scope this request needs.")

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        scopes = getattr(view, "required_scopes", {})
        scope = scopes.get(request.method, scopes.get("*"))
        if scope is None:
            return True
        self.message = _("This token lacks the “%(scope)s” scope.") % {"scope": scope}
        return token.has_scope(scope)
