"""A fast path for what everybody loads during an outage: /status/ and the Statuspage JSON.

First in the middleware list, like a reverse proxy in front of the site: a GET or HEAD
is answered with the bytes and headers of a whole earlier response, before the security,
CSP, session, CSRF, language and authentication middleware run, with no database query
(portal/fastcache.py keeps the entries in memory and follows changes within a second).

The cache holds complete responses as the rest of the chain produced them, so every
header (CSP, X-Frame-Options, Vary, Content-Language, …) is what the slow path sends.
It is filled on the way out of the first such request and only with what is the same for
everyone asking alike: the JSON for any caller (its language comes from Accept-Language
alone), the page only for visitors who carry no cookie but the language and CSRF ones and
no query string (anyone signed in, or with a message waiting, takes the normal path). A
response that sets a cookie or carries a CSP nonce is never kept. Any change to
components or incidents bumps the version (cache.py), which orphans every entry.
"""

from django.conf import settings
from django.http import HttpResponse

from portal.middleware import LanguageMiddleware

from .api import api_language
from .cache import status_cache

PAGE_PATH = "/status/"
API_PREFIX = "/status/api/v2/"
ANONYMOUS_COOKIES = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def is_anonymous_visitor(request):
    return not request.META.get("QUERY_STRING") and set(request.COOKIES) <= ANONYMOUS_COOKIES


def fast_cache_name(request):
    """The cache entry that answers this request, or None when it must take the slow path."""
    if request.method not in ("GET", "HEAD"):
        return None
    path = request.path
    if path == PAGE_PATH:
        if not is_anonymous_visitor(request):
            return None
        language = LanguageMiddleware.language_for(request)
    elif path.startswith(API_PREFIX) and path.endswith(".json"):
        language = api_language(request)
    else:
        return None
    secure = request.is_secure()
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None  # SecurityMiddleware redirects it
    request.get_host()  # a host not allowed gets its 400, as on the slow path
    return f"response:{path}:{language}:{'https' if secure else 'http'}"


def keepable(response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "nonce-" not in response.get("Content-Security-Policy", "")
    )


class StatusCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = fast_cache_name(request)
        if name is None:
            return self.get_response(request)
        version = status_cache.current_version()
        kept = status_cache.get(name)
        if kept is not None:
            body, headers = kept
            return HttpResponse(body, headers=headers)
        response = self.get_response(request)
        if request.method == "GET" and keepable(response):
            status_cache.set(name, (response.content, dict(response.headers)), version=version)
        return response
