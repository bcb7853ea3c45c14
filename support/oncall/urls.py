from django.urls import path

from . import views

app_name = "oncall"

urlpatterns = [
    path("ack/<str:token>/", views.acknowledge, name="acknowledge"),
]
