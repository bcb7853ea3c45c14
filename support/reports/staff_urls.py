from django.contrib import admin
from django.urls import path

from . import staff_views

app_name = "staff_reports"

urlpatterns = [
    path("", admin.site.admin_view(staff_views.index), name="index"),
    path("credits/", admin.site.admin_view(staff_views.credits), name="credits"),
    *[
        path(
            f"{slug}/",
            admin.site.admin_view(staff_views.report),
            {"slug": slug},
            name=slug,
        )
        for slug in ("sla", "volume", "problems", "agents")
    ],
]
