"""What every /api/v1/ view shares: bearer tokens, scopes, limits, problem+json errors."""

from django.conf import settings
from rest_framework import exceptions, generics
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer

from portal.jsonbody import SafeJSONParser
from support.apitokens.auth import BearerTokenAuthentication, HasScope

from . import problems
from .throttles import AddressRateThrottle, TokenRateThrottle


class ApiView(generics.GenericAPIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [TokenRateThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [SafeJSONParser]
    required_scopes = {}
    customer_only = True  # customer tokens (organisation + person); staff tokens get 403

    def get_exception_handler(self):
        return problems.handle

    def initial(self, request, *args, **kwargs):
        throttle = AddressRateThrottle()
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait())
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.API_MAX_REQUEST_BYTES:
            raise problems.PayloadTooLarge
        super().initial(request, *args, **kwargs)
        if self.customer_only and getattr(request, "api_membership", None) is None:
            raise exceptions.PermissionDenied(
                "This endpoint needs a customer token (one made at /accounts/api-tokens/)."
            )

    @property
    def membership(self):
        return self.request.api_membership

    @property
    def organization(self):
        return self.request.api_membership.organization


class UploadView(ApiView):
    parser_classes = [SafeJSONParser, MultiPartParser]


class NotFoundView(ApiView):
    """Unknown addresses under /api/v1/ answer in problem+json too."""

    authentication_classes = []
    permission_classes = []
    customer_only = False
    schema = None

    def initial(self, request, *args, **kwargs):
        raise exceptions.NotFound
