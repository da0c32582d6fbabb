"""The administration portal (included at ``portal/``)."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("anmelden/", views.PortalLoginView.as_view(), name="login"),
    path("abmelden/", views.PortalLogoutView.as_view(), name="logout"),
    path("berichte/stand/", views.status, name="status"),
    path("berichte/<int:pk>/pdf/", views.download, name="download"),
    path("exporte/<int:pk>/datei/", views.export_file, name="export"),
    path("einsaetze/<int:deployment_id>/ortsanalyse/", views.request_report, name="request"),
]
