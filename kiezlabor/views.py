from dataclasses import asdict

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kiezlabor.health import check_health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Report database, broker and storage state: 200 when all are up, 503 otherwise."""
    report = check_health()
    return JsonResponse(
        {"status": "ok" if report.healthy else "degraded", "checks": asdict(report)},
        status=200 if report.healthy else 503,
    )
