from participation.api import exports, imports, kiosk, moderation, records

urlpatterns = [
    *kiosk.urlpatterns,
    *moderation.urlpatterns,
    *records.urlpatterns,
    *imports.urlpatterns,
    *exports.urlpatterns,
]
