from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("sharing/", views.sharing, name="sharing"),
    path("preferences/", views.preferences, name="preferences"),
    path("opt-out/<str:token>/", views.opt_out, name="opt_out"),
    path("<str:month>/", views.month, name="month"),
]
