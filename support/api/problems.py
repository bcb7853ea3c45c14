"""Errors as RFC 9457 problem details (`application/problem+json`).

Every error of the API has `type`, `title` (the HTTP reason), `status`, `detail` (for
people), `code` (for programs) and, for invalid input, `errors`: one entry per field with a
JSON pointer into the request, e.g. `{"pointer": "#/subject", "detail": "…"}`.
"""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

CONTENT_TYPE = "application/problem+json"


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = _("The request conflicts with the resource's current state.")
    default_code = "conflict"


class Invalid(exceptions.ValidationError):
    """Field errors from a Django form or a serializer, with our field names."""

    def __init__(self, errors):
        super().__init__(errors)


def field_errors(detail, prefix=""):
    """Flatten DRF's nested error detail into [{"pointer", "detail", "code"}]."""
    found = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":
                found += field_errors(value, prefix)
            else:
                found += field_errors(value, f"{prefix}/{key}")
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                found += field_errors(value, f"{prefix}/{index}")
            else:
                found += field_errors(value, prefix)
    else:
        found.append(
            {
                "pointer": "#" + prefix,
                "detail": str(detail),
                "code": getattr(detail, "code", "invalid"),
            }
        )
    return found


def problem(status, detail, code, errors=None, instance=""):
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": str(detail),
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body


def handle(exc, context):
    """DRF's exception handler, answering in problem+json."""
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    instance = request.path if request is not None else ""
    if isinstance(exc, exceptions.ValidationError):
        body = problem(
            response.status_code,
            _("The request has invalid fields."),
            "invalid",
            field_errors(exc.detail),
            instance,
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = problem(
            response.status_code,
            detail if isinstance(detail, str) else str(detail),
            code if isinstance(code, str) else "error",
            instance=instance,
        )
    headers = {
        key: value
        for key, value in response.items()
        if key in ("WWW-Authenticate", "Retry-After", "Allow")
    }
    return Response(body, status=response.status_code, headers=headers, content_type=CONTENT_TYPE)
