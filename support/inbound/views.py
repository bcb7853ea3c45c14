from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal import ratelimit
from support.apitokens.auth import token_for_request
from support.apitokens.models import Scope

from .ingest import ingest
from .models import InboundEmail


@csrf_exempt  # no cookies are involved: the caller proves itself with its bearer token
@require_POST
@ratelimit.limit(ratelimit.from_settings("token-inbound", "TOKEN_ENDPOINT_RATE_LIMIT"))
def receive_email(request):
    """Inbound-mail services POST one raw RFC 822 message, authenticated by a bearer token."""
    if token_for_request(request, Scope.INBOUND_EMAIL) is None:
        response = JsonResponse({"error": "A valid bearer token is required."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="inbound-email"'
        return response
    limit = settings.INBOUND_MAX_MESSAGE_BYTES
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return JsonResponse({"error": "The message is too large."}, status=413)
    raw = request.read(limit + 1)  # not request.body: messages exceed the form upload limit
    if len(raw) > limit:
        return JsonResponse({"error": "The message is too large."}, status=413)
    if not raw.strip():
        return JsonResponse(
            {"error": "The request body must be a raw RFC 822 message."}, status=400
        )
    entry = ingest(raw, InboundEmail.Source.HTTP)
    return JsonResponse(
        {
            "id": entry.pk,
            "status": entry.status,
            "action": entry.action,
            "already_stored": not entry.created,
        }
    )
