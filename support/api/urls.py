from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import provisioning, tickets, views
from .base import NotFoundView
from .provisioning import EXTERNAL_ID

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/tickets/", tickets.TicketList.as_view(), name="tickets"),
    path("v1/tickets/<str:reference>/", tickets.TicketDetail.as_view(), name="ticket"),
    path(
        "v1/tickets/<str:reference>/messages/",
        tickets.TicketMessages.as_view(),
        name="ticket-messages",
    ),
    path("v1/tickets/<str:reference>/solve/", tickets.TicketSolve.as_view(), name="ticket-solve"),
    path(
        "v1/tickets/<str:reference>/reopen/", tickets.TicketReopen.as_view(), name="ticket-reopen"
    ),
    path(
        "v1/tickets/<str:reference>/attachments/<int:pk>/",
        tickets.TicketAttachment.as_view(),
        name="ticket-attachment",
    ),
    path("v1/services/", views.ServiceList.as_view(), name="services"),
    path("v1/services/<int:pk>/", views.ServiceDetail.as_view(), name="service"),
    path("v1/incidents/", views.IncidentList.as_view(), name="incidents"),
    path("v1/kb/search/", views.KbSearch.as_view(), name="kb-search"),
    path("v1/me/", views.Me.as_view(), name="me"),
    re_path(
        rf"^v1/provisioning/organizations/(?P<org_external_id>{EXTERNAL_ID})/$",
        provisioning.OrganizationPut.as_view(),
        name="provision-organization",
    ),
    re_path(
        rf"^v1/provisioning/organizations/(?P<org_external_id>{EXTERNAL_ID})"
        rf"/services/(?P<service_external_id>{EXTERNAL_ID})/$",
        provisioning.ServicePut.as_view(),
        name="provision-service",
    ),
    re_path(
        rf"^v1/provisioning/organizations/(?P<org_external_id>{EXTERNAL_ID})/invitations/$",
        provisioning.InvitationPost.as_view(),
        name="provision-invitation",
    ),
    re_path(r"^v1/", NotFoundView.as_view(), name="not-found"),
]
