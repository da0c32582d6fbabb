from django.urls import path

from deployments import views

app_name = "deployments"

urlpatterns = [
    path("einsatz/<slug:slug>/", views.programme_page, name="programme"),
    path("einsatz/<slug:slug>/programm.ics", views.programme_ical, name="programme-ical"),
]
