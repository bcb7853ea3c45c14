"""A fast path for the public pages everybody loads: /status/ and the Statuspage JSON
(during an outage) and the knowledge base's index.

First in the middleware list, like a reverse proxy in front of the site: a GET or HEAD
is answered with the bytes and headers of a whole earlier response, before the security,
CSP, session, CSRF, language and authentication middleware run, with no database query
(portal/fastcache.py keeps the entries in memory and follows changes within a second).

The cache holds complete responses as the rest of the chain produced them, so every
header (CSP, X-Frame-Options, Vary, Content-Language, …) is what the slow path sends.
It is filled on the way out of the first such request and only with what is the same for
everyone asking alike: the JSON for any caller (its language comes from Accept-Language
alone), the pages only for visitors who carry no cookie but the language and CSRF ones and
no query string (anyone signed in, or with a message waiting, takes the normal path). A
response that sets a cookie or carries a CSP nonce is never kept. Each page lives in its
app's versioned cache, so whatever invalidates that app's content (a change to components
or incidents, to articles or categories) orphans its entries too.
"""

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from prometheus_client import Counter

from portal.middleware import LanguageMiddleware
from support.kb.cache import kb_cache
from support.status.api import api_language
from support.status.cache import status_cache

PAGES = {"/status/": status_cache, "/kb/": kb_cache}
API_PREFIX = "/status/api/v2/"
ANONYMOUS_COOKIES = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}

# Answers from the cache skip django-prometheus' middleware, so they are counted here.
FAST_PATH_RESPONSES = Counter(
    "portal_fast_path_responses",
    "Public pages and JSON answered from the fast path's cache, by page.",
    ["page"],
)


def count_fast_path_response(path):
    FAST_PATH_RESPONSES.labels(page=API_PREFIX if path.startswith(API_PREFIX) else path).inc()


def is_anonymous_visitor(request):
    return not request.META.get("QUERY_STRING") and set(request.COOKIES) <= ANONYMOUS_COOKIES


def fast_cache_entry(request):
    """(cache, name) of the entry that answers this request, or None for the slow path."""
    if request.method not in ("GET", "HEAD"):
        return None
    path = request.path
    if path in PAGES:
        if not is_anonymous_visitor(request):
            return None
        cache, language = PAGES[path], LanguageMiddleware.language_for(request)
    elif path.startswith(API_PREFIX) and path.endswith(".json"):
        cache, language = status_cache, api_language(request)
    else:
        return None
    secure = request.is_secure()
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None  # SecurityMiddleware redirects it
    request.get_host()  # a host not allowed gets its 400, as on the slow path
    return cache, f"response:{path}:{language}:{'https' if secure else 'http'}"


def keepable(response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "nonce-" not in response.get("Content-Security-Policy", "")
    )


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        entry = fast_cache_entry(request)
        if entry is None:
            return self.get_response(request)
        cache, name = entry
        version = cache.current_version()
        kept = cache.get(name)
        if kept is not None:
            body, headers = kept
            count_fast_path_response(request.path)
            return HttpResponse(body, headers=headers)
        response = self.get_response(request)
        if request.method == "GET" and keepable(response):
            cache.set(name, (response.content, dict(response.headers)), version=version)
        return response


class FastPathApplication:
    """The same cached answers one step earlier, as WSGI middleware around Django (wsgi.py):
    a hit costs neither Django's request handling (signals, the middleware chain, building
    a response) nor a query. A miss, or anything going wrong here, is Django's to answer,
    and Django's PublicPageCacheMiddleware fills the cache."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            kept = self.kept(environ)
            if kept is not None:
                body, headers = kept
                count_fast_path_response(environ.get("PATH_INFO", ""))
                start_response("200 OK", list(headers.items()))
                return [body] if environ["REQUEST_METHOD"] == "GET" else []
        return self.application(environ, start_response)

    @staticmethod
    def kept(environ):
        try:
            entry = fast_cache_entry(WSGIRequest(environ))
            return entry[0].get(entry[1]) if entry else None
        except Exception:
            return None  # a bad host, the cache unreachable: Django answers as usual
