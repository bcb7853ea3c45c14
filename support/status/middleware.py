"""A fast path for what everybody loads during an outage: /status/ and summary.json.

Like Django's FetchFromCacheMiddleware, it sits early in the chain and answers from the
cache before sessions, authentication and organisations are looked at, for visitors
who carry no cookie but the language and CSRF ones (anyone signed in, or with a message
waiting, takes the normal path). The views fill the cache; a miss simply falls through.
"""

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.cache import patch_vary_headers

from portal.middleware import LanguageMiddleware

from .api import api_cache_name, api_language, json_response
from .cache import cache_get

CSRF_PLACEHOLDER = "__status_csrf_token__"
PAGE_PATH = "/status/"
SUMMARY_PATH = "/status/api/v2/summary.json"
ANONYMOUS_COOKIES = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def anonymous_page_key(language):
    return f"anonymous-page:{language}"


def is_anonymous_visitor(request):
    return set(request.COOKIES) <= ANONYMOUS_COOKIES and not request.GET


def page_response(request, body, language):
    """The cached page with this visitor's own CSRF token (the language switcher is a form)."""
    csrf = CsrfViewMiddleware(lambda request: None)
    csrf.process_request(request)
    response = HttpResponse(body.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode()))
    response["Content-Language"] = language
    response["X-Frame-Options"] = "DENY"
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return csrf.process_response(request, response)


class StatusCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            if request.path == SUMMARY_PATH:
                language = api_language(request)
                body = cache_get(api_cache_name("summary", language))
                if body is not None:
                    return json_response(body, language)
            elif request.path == PAGE_PATH and is_anonymous_visitor(request):
                language = LanguageMiddleware.language_for(request)
                body = cache_get(anonymous_page_key(language))
                if body is not None:
                    return page_response(request, body, language)
        return self.get_response(request)
