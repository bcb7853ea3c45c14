import zoneinfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control


class LanguageMiddleware:
    """Picks the page language: the switcher's cookie, the person's preference, Accept-Language.

    URLs carry no language prefix, so this replaces Django's LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self.language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers["Vary"] = ", ".join(
            filter(None, [response.headers.get("Vary"), "Accept-Language, Cookie"])
        )
        translation.deactivate()
        return response

    @staticmethod
    def language_for(request):
        supported = dict(settings.LANGUAGES)
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie in supported:
            return cookie
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in supported:
            return user.language
        return translation.get_language_from_request(request, check_path=False)


class TimezoneMiddleware:
    """Shows every time in the signed-in person's time zone (UTC for visitors)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone_name = user.time_zone if user is not None and user.is_authenticated else "UTC"
        try:
            timezone.activate(zoneinfo.ZoneInfo(zone_name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo("UTC"))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class HealthCheckMiddleware:
    """Answers /healthz before sessions and authentication are looked at.

    A load balancer's probe may carry a session cookie; loading that session needs the
    database, so with the database down the probe would get the 500 page instead of
    the 503 JSON that says what is wrong.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            from .views import healthz

            return healthz(request)
        return self.get_response(request)


class PrivateAnswersMiddleware:
    """`Cache-Control: no-store, private` on whatever is for one person only.

    Every answer to someone signed in (or calling with a token), every download and every
    JSON answer: shared caches and the browser's disk keep none of it, and the back
    button after signing out shows nothing. Public pages keep their caching (and
    portal/fastpath.py replays exactly these headers).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            (user is not None and user.is_authenticated)
            or "Authorization" in request.headers
            or response.get("Content-Disposition", "").startswith("attachment")
            or "json" in response.get("Content-Type", "")
        ):
            patch_cache_control(response, no_store=True, private=True)
        return response
