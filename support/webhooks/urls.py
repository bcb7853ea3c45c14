from django.urls import path

from . import views

urlpatterns = [
    path("webhooks/", views.endpoint_list, name="webhooks"),
    path("webhooks/<int:pk>/", views.endpoint_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/toggle/", views.endpoint_toggle, name="webhook_toggle"),
    path("webhooks/<int:pk>/delete/", views.endpoint_delete, name="webhook_delete"),
]
