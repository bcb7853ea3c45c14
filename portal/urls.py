from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from support.kb.sitemaps import sitemaps as kb_sitemaps
from support.status.sitemaps import sitemaps as status_sitemaps

from . import metrics, views

# Public pages for search engines; each app adds its sections here.
sitemaps = {**kb_sitemaps, **status_sitemaps}

# allauth's rate-limited answers (and ours) share one 429 page with Retry-After.
handler429 = "portal.ratelimit.handler429"
handler500 = "portal.views.server_error"

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Support back office")
admin.site.site_title = _("Support back office")
admin.site.index_title = _("Back office")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("metrics", metrics.metrics, name="metrics"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("support.apitokens.urls")),
    path("accounts/", include("support.webhooks.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/", include("support.api.urls")),
    path("tickets/", include("support.tickets.urls")),
    path("status/", include("support.status.urls")),
    path("services/", include("support.status.service_urls")),
    path("kb/", include("support.kb.urls")),
    path("inbound/", include("support.inbound.urls")),
    path("surveys/", include("support.surveys.urls")),
    path("oncall/", include("support.oncall.urls")),
    path("reports/", include("support.reports.urls")),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": sitemaps},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("admin/reports/", include("support.reports.staff_urls")),
    path("admin/", admin.site.urls),
]
