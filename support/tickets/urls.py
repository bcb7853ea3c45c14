from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_new, name="new"),
    path("<str:reference>/", views.ticket_detail, name="detail"),
    path("<str:reference>/data.json", views.ticket_data, name="data"),
    path("<str:reference>/reply/", views.ticket_reply, name="reply"),
    path("<str:reference>/solve/", views.ticket_solve, name="solve"),
    path("<str:reference>/reopen/", views.ticket_reopen, name="reopen"),
    path("<str:reference>/urgent/", views.ticket_urgent, name="urgent"),
    path(
        "<str:reference>/attachments/<int:pk>/<str:name>",
        views.attachment_download,
        name="attachment",
    ),
]
