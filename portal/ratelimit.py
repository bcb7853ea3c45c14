"""The portal's one rate-limit mechanism: fixed windows counted in the shared cache.

A `Limit` names what is counted ("kb-vote"), how many hits a window allows and how
long a window lasts. `hit(limit, identity)` counts one hit for that person, address or
IP and answers how long to wait (0: go ahead). Counting is `cache.add` + `cache.incr`,
atomic on Redis and on the embedded database cache (portal/cache.py), so a limit holds
across every worker and node sharing the cache.

Views either call `hit()` and decide themselves (email intake keeps a held message),
or raise `RateLimited` / use the `limit()` decorator: `RateLimitMiddleware` turns it into
a 429 answer with `Retry-After` — an HTML page, or JSON for API callers. The same
middleware gives allauth's own limits (a form error about too many attempts, rendered
with 200) the status 429 and a `Retry-After`.
"""

import hashlib
import math
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .net import client_ip


@dataclass(frozen=True)
class Limit:
    scope: str
    count: int
    window: int  # seconds


def from_settings(scope, name):
    """A function giving the limit set as `NAME = (count, window)` in settings, read when used."""

    def current():
        count, window = getattr(settings, name)
        return Limit(scope, count, window)

    return current


class RateLimited(Exception):
    def __init__(self, retry_after, message=None):
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))
        self.message = message


def _key(limit, identity, window_number):
    digest = hashlib.sha256(str(identity).lower().encode()).hexdigest()[:32]
    return f"rl:{limit.scope}:{limit.window}:{window_number}:{digest}"


def hit(limit, identity):
    """Count one hit; 0 while within the limit, else the seconds until the window ends."""
    now = time.time()
    window_number = int(now // limit.window)
    retry_after = (window_number + 1) * limit.window - now
    if limit.count <= 0:
        return max(1, math.ceil(retry_after))
    key = _key(limit, identity, window_number)
    cache.add(key, 0, limit.window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, limit.window + 1)
        count = 1
    return 0 if count <= limit.count else max(1, math.ceil(retry_after))


def check(limit, identity, message=None):
    """Count one hit; raise RateLimited once over the limit."""
    retry_after = hit(limit, identity)
    if retry_after:
        raise RateLimited(retry_after, message)


def limit(rate, key=client_ip, methods=("POST",), message=None):
    """View decorator: `key(request)` (the client IP by default) is counted against `rate`
    (a Limit, or a function returning one, read at each request)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                current = rate() if callable(rate) else rate
                check(current, f"{key(request)}", message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def wants_json(request):
    accept = request.headers.get("Accept", "")
    return (
        request.path.endswith(".json")
        or "/api/" in request.path
        or request.path.startswith("/inbound/")
        or ("application/json" in accept and "text/html" not in accept)
    )


def too_many_requests(request, retry_after, message=None):
    """The 429 answer: a page for people, JSON for programs; both say when to try again."""
    retry_after = max(1, math.ceil(retry_after))
    message = message or _("Too many requests. Please wait a moment and try again.")
    if wants_json(request):
        response = JsonResponse({"detail": message, "retry_after": retry_after}, status=429)
    else:
        minutes = math.ceil(retry_after / 60)
        response = render(
            request,
            "429.html",
            {"message": message, "retry_after": retry_after, "minutes": minutes},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response


def handler429(request):
    """allauth's hook for its own 429 answers (see allauth.core.internal.ratelimit)."""
    return too_many_requests(request, 60, _("Too many attempts. Please try again later."))


# allauth reports its form-level limits through these error codes.
ALLAUTH_LIMIT_CODES = {"too_many_login_attempts", "rate_limited"}
ALLAUTH_RETRY_AFTER = 300


def mark_limited(request, retry_after=ALLAUTH_RETRY_AFTER):
    request.rate_limited_for = retry_after


class RateLimitMiddleware:
    """RateLimited → 429; a page that showed a rate-limit form error → status 429."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        retry_after = getattr(request, "rate_limited_for", None)
        if retry_after and response.status_code == 200:
            response.status_code = 429
            response.reason_phrase = "Too Many Requests"
            response["Retry-After"] = str(retry_after)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            return too_many_requests(request, exception.retry_after, exception.message)
        return None
