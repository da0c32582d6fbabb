"""Residents' pages: the kiosk app on the tablet and the same flow on their own phones."""

app_name = "participation"

urlpatterns = []
