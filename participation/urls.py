"""Residents' pages: the kiosk app on the tablet and the same flow on their own phones."""

from django.urls import path

from participation import views

app_name = "participation"

urlpatterns = [
    path("kiosk/", views.kiosk_app, name="kiosk"),
    path("kiosk/sw.js", views.service_worker, name="kiosk-sw"),
    path("kiosk/catalog.json", views.catalog, name="kiosk-catalog"),
    path("kiosk/manifest.webmanifest", views.manifest, name="kiosk-manifest"),
    path("mitmachen/<slug:slug>/", views.online_app, name="online"),
]
