"""REST API of exports: start one, poll its state, download the file (same rules as the admin)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from kiezlabor.api import RulesPermission
from participation.admin.exports import file_response
from participation.selectors import exports as export_selectors
from participation.serializers import exports as serializers
from participation.services import exports as export_services


class ExportNotReady(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Der Export ist noch nicht fertig. Bitte den Stand später erneut abfragen.")
    default_code = "not_ready"


FILE_RESPONSES = {
    (200, content_type.split(";")[0]): OpenApiResponse(response=OpenApiTypes.BINARY)
    for content_type in export_selectors.CONTENT_TYPES.values()
}


@extend_schema_view(
    list=extend_schema(tags=["exports"]),
    retrieve=extend_schema(tags=["exports"], description="Stand eines Exports (zum Abfragen)."),
    create=extend_schema(
        tags=["exports"],
        request=serializers.ExportCreateSerializer,
        responses={201: serializers.ExportJobSerializer},
        description=(
            "Startet einen Export im Hintergrund. Was er enthält, folgt aus den Rechten: nicht "
            "freigegebene Beiträge und Angaben zur Person je Beitrag nur für die Moderation."
        ),
    ),
    download=extend_schema(
        tags=["exports"],
        description=(
            "Die fertige Datei als Anhang: CSV für deutsches Excel, XLSX oder GeoJSON. Wer nicht "
            "alles sehen darf, was ein Export enthält, bekommt 403."
        ),
        responses={
            **FILE_RESPONSES,
            403: OpenApiResponse(description="Enthält, was der Aufrufer nicht sehen darf."),
            409: OpenApiResponse(description="Noch nicht fertig."),
        },
    ),
)
class ExportJobViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Exports of the caller's organisations; others' exports do not exist for the caller."""

    permission_classes = [RulesPermission]
    serializer_class = serializers.ExportJobSerializer

    def get_queryset(self) -> QuerySet:
        return export_selectors.export_jobs_for(user=self.request.user)

    def create(self, request: Request, *args, **kwargs) -> Response:
        payload = serializers.ExportCreateSerializer(
            data=request.data, context={"request": request}
        )
        payload.is_valid(raise_exception=True)
        deployment = payload.validated_data["deployment"]
        if not request.user.has_perm("participation.add_exportjob", deployment):
            raise PermissionDenied
        job = export_services.export_job_create(
            deployment=deployment, format=payload.validated_data["format"], by=request.user
        )
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None):
        """The finished file as an attachment."""
        job = self.get_object()
        if not export_selectors.export_job_downloadable(job=job, user=request.user):
            raise PermissionDenied
        download = export_selectors.export_download(job=job)
        if download is None:
            raise ExportNotReady
        return file_response(download)


router = SimpleRouter()
router.register("exports", ExportJobViewSet, basename="export")

urlpatterns = router.urls
