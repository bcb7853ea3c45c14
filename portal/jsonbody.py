"""Limits for every JSON body the portal reads: size (413), nesting depth and unknown fields (400).

`SafeJSONParser` is DRF's JSON parser with a size cap read before parsing and a depth
check made without recursion (5,000 nested `[` used to raise RecursionError, a 500).
`StrictFieldsMixin` makes a serializer answer 400 for fields it does not know, instead of
dropping them silently. Field lengths are the serializers' own `max_length`s.
"""

import io

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "payload_too_large"

    def __init__(self, limit):
        super().__init__(_("The request body is larger than %(limit)s bytes.") % {"limit": limit})


def nesting_depth(text):
    """How deeply arrays and objects nest in JSON text (strings are skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.JSON_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(limit)
        try:
            text = raw.decode((parser_context or {}).get("encoding") or "utf-8")
        except UnicodeDecodeError as error:
            raise exceptions.ParseError(_("The body is not UTF-8 text.")) from error
        if nesting_depth(text) > MAX_DEPTH:
            raise exceptions.ParseError(
                _("The JSON nests deeper than %(depth)s levels.") % {"depth": MAX_DEPTH}
            )
        return super().parse(io.BytesIO(raw), media_type, parser_context)


class StrictFieldsMixin:
    """Unknown fields are a 400 with their names, not silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown field.")] for name in unknown[:20]}
                )
        return super().to_internal_value(data)
