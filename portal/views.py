import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods

from support.status.service_pages import services_with_status, visible_services

from .dashboard import dashboard_panels
from .ratelimit import wants_json

UNAVAILABLE_RETRY_AFTER = 30


def home(request):
    if not request.user.is_authenticated:
        return render(request, "portal/welcome.html")
    context = {"organization": request.organization, "panels": dashboard_panels(request)}
    if request.organization is not None:
        context["services"] = services_with_status(visible_services(request))
    return render(request, "portal/dashboard.html", context)


def set_language_cookie(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def set_language(request):
    """The header's language switcher: a cookie for everyone, the preference for people.

    Visitors get plain links (GET), so public pages carry no CSRF token and can be served
    from the cache as they are; a link only sets the language cookie of this browser.
    Signed-in people get a form (POST, with its CSRF token) that also saves their
    preference, which emails follow.
    """
    data = request.POST if request.method == "POST" else request.GET
    language = data.get("language")
    target = data.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = redirect(target)
    if language not in dict(settings.LANGUAGES):
        return response
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and request.user.language != language
    ):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return set_language_cookie(response, language)


@never_cache
def healthz(request):
    """Liveness for load balancers: 200 when the database answers, 503 otherwise."""
    checks = {"database": _database_ok(), "task_queue": _task_queue_ok()}
    healthy = checks["database"]
    body = {
        "status": "ok" if healthy else "error",
        "checks": {name: "ok" if ok else "error" for name, ok in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _task_queue_ok():
    """The broker answers (the ORM broker is the database; Redis is pinged)."""
    try:
        from django_q.brokers import get_broker

        return bool(get_broker().ping())
    except Exception:
        return False


def server_error(request):
    """The 500 handler; a database that cannot be reached (or is overloaded: the
    operational errors, all passing) is a 503 with Retry-After instead.

    Django calls this while the exception is being handled, so sys.exc_info() names it.
    Neither page touches the database (no session, no context processors).
    """
    if not isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return HttpResponseServerError(loader.get_template("500.html").render())
    if wants_json(request):
        response = JsonResponse(
            {"detail": "The service is temporarily unavailable. Please try again shortly."},
            status=503,
        )
    else:
        response = HttpResponseServerError(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    return response


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the back office, files)."""
    return redirect(static("img/favicon.svg"), permanent=True)


# What a search engine may read: the public status page and knowledge base, not the pages
# behind a sign-in (they would only answer with the sign-in form) nor signed links.
ROBOTS_DISALLOWED = [
    "/admin/",
    "/accounts/",
    "/tickets/",
    "/reports/",
    "/surveys/",
    "/oncall/",
    "/inbound/",
    "/services/",
    "/api/",
    "/i18n/",
    "/status/subscribe/",
    "/status/unsubscribe/",
    "/status/api/alertmanager/",
    "/kb/search/",
]


@cache_control(public=True, max_age=86400)
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOWED)]
    lines.append(f"Sitemap: {settings.SITE_URL}{reverse('django.contrib.sitemaps.views.sitemap')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
