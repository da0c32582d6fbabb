"""The project's URLs plus the ceiling: the cheapest Django view that stores a kiosk submission.

It parses the same JSON and inserts the same contribution row with one raw SQL statement,
without authentication, validation, serializers or throttles, and answers 201.
"""

import hashlib
import json

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from kiezlabor.urls import urlpatterns as project_urlpatterns

INSERT = """
INSERT INTO participation_contribution (
    age_band, relation, heard_via, demographics_estimated, kind, channel, text,
    text_was_masked, language, location, rating, client_uuid, content_hash,
    created_on_device_at, received_at, moderation_status, rejection_reason, moderation_note,
    public_status, public_feedback, deployment_id, device_id, theme_id
) VALUES (
    %s, %s, %s, false, %s, 'kiosk', %s, false, %s,
    CASE WHEN %s::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(%s, %s), 4326) END,
    %s, %s, %s, %s, %s, 'new', '', '', 'received', '', %s, %s, %s
) RETURNING id
"""


@csrf_exempt
def ceiling(request, deployment_id: int, device_id: int):
    data = json.loads(request.body)
    location = data.get("location") or {}
    lng, lat = location.get("lng"), location.get("lat")
    received_at = timezone.now()
    content_hash = hashlib.sha256(request.body).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT,
            [
                data.get("age_band", ""),
                data.get("relation", ""),
                data.get("heard_via", ""),
                data["kind"],
                data.get("text", ""),
                data["language"],
                lng,
                lng,
                lat,
                data.get("rating"),
                data["client_uuid"],
                content_hash,
                data["created_on_device_at"],
                received_at,
                deployment_id,
                device_id,
                data.get("theme"),
            ],
        )
        pk = cursor.fetchone()[0]
    body = {"id": pk, "client_uuid": data["client_uuid"], "received_at": received_at.isoformat()}
    return JsonResponse(body, status=201)


urlpatterns = [
    path("bench/ceiling/<int:deployment_id>/<int:device_id>/", ceiling),
    *project_urlpatterns,
]
