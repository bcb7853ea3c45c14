from django.urls import path

from . import alertmanager, api, feeds, views

app_name = "status"

urlpatterns = [
    path("", views.index, name="index"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident"),
    path("history/", views.history, name="history"),
    path("feed.atom", feeds.AtomFeed(), name="feed_atom"),
    path("feed.rss", feeds.RssFeed(), name="feed_rss"),
    path("maintenance.ics", feeds.maintenance_calendar, name="maintenance_ics"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", views.subscribe_confirm, name="subscribe_confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("api/alertmanager/", alertmanager.AlertmanagerWebhook.as_view(), name="alertmanager"),
    path("api/v2/summary.json", api.Summary.as_view(), name="api_summary"),
    path("api/v2/status.json", api.Status.as_view(), name="api_status"),
    path("api/v2/components.json", api.Components.as_view(), name="api_components"),
    path("api/v2/incidents.json", api.Incidents.as_view(), name="api_incidents"),
    path(
        "api/v2/incidents/unresolved.json",
        api.UnresolvedIncidents.as_view(),
        name="api_incidents_unresolved",
    ),
    path(
        "api/v2/scheduled-maintenances.json",
        api.ScheduledMaintenances.as_view(),
        name="api_maintenances",
    ),
    path(
        "api/v2/scheduled-maintenances/upcoming.json",
        api.UpcomingMaintenances.as_view(),
        name="api_maintenances_upcoming",
    ),
    path(
        "api/v2/scheduled-maintenances/active.json",
        api.ActiveMaintenances.as_view(),
        name="api_maintenances_active",
    ),
]
