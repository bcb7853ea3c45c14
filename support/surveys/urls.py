from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("csat/<str:token>/", views.csat_survey, name="csat"),
    path("nps/<str:token>/", views.nps_survey, name="nps"),
    path("tickets/<str:reference>/rate/", views.ticket_rate, name="ticket_rate"),
    path("preferences/", views.preferences, name="preferences"),
    path("opt-out/<str:token>/", views.opt_out, name="opt_out"),
]
