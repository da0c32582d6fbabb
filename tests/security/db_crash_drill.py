"""The tablet's side of the database-crash test, run as its own process by ``test_faults``.

It works on a dedicated PostgreSQL server (``DATABASE_URL``), so the crash does not touch
the server the rest of the suite runs on. Usage: ``python -m tests.security.db_crash_drill
'<restart command as JSON>'``; prints the outcome as JSON on the last line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def main(restart: list[str]) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiezlabor.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", interactive=False, verbosity=0)

    from django.conf import settings

    from participation.models import Contribution
    from tests.participation.kiosk_factories import idea_body, paired_device, running_deployment

    settings.KIEZLABOR_KIOSK_THROTTLE_RATES = {"kiosk_device": None, "kiosk_address": None}
    deployment = running_deployment()
    _device, token = paired_device(deployment)
    client = Client(headers={"Authorization": f"Device {token}"}, raise_request_exception=False)

    def send(bodies: list[dict]) -> list[int]:
        return [
            client.post(
                "/api/kiosk/contributions/", body, content_type="application/json"
            ).status_code
            for body in bodies
        ]

    def started() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_postmaster_start_time()")
            return cursor.fetchone()[0].isoformat()

    bodies = [
        idea_body(text=f"Idee Nummer {number}: mehr Schatten am Platz.") for number in range(200)
    ]
    first, rest = bodies[:120], bodies[120:]
    outcome = {"first": send(first), "started_before": started()}
    connections.close_all()
    subprocess.run(restart, check=True, stdout=subprocess.DEVNULL, timeout=60)
    outcome["started_after"] = started()
    # The tablet did not hear back about its last 40 inputs and sends them again, then the rest.
    outcome["replayed"] = send(first[-40:])
    outcome["rest"] = send(rest)
    outcome["all_again"] = send(bodies)
    uuids = [body["client_uuid"] for body in bodies]
    outcome["stored"] = Contribution.objects.filter(client_uuid__in=uuids).count()
    outcome["rows"] = Contribution.objects.filter(deployment=deployment).count()
    return outcome


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
