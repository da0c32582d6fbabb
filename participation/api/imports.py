"""REST API of imports: upload a file, poll its preview, then confirm the import."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from kiezlabor.api import RulesPermission
from participation.selectors.imports import import_jobs_for, import_profiles_for
from participation.serializers import imports as serializers
from participation.services import imports as import_services


@extend_schema_view(
    list=extend_schema(tags=["imports"]),
    retrieve=extend_schema(
        tags=["imports"],
        description=(
            "Stand eines Imports zum Abfragen: Fortschritt, Vorschau der ersten Zeilen, neue und "
            "schon vorhandene Zeilen, Fehler je Zeile und Spalte."
        ),
    ),
    create=extend_schema(
        tags=["imports"],
        request={"multipart/form-data": serializers.ImportCreateSerializer},
        responses={201: serializers.ImportJobSerializer},
        description=(
            "Lädt eine Datei hoch und startet die Vorschau (Probelauf) im Hintergrund; es wird "
            "noch nichts importiert."
        ),
    ),
    apply=extend_schema(
        tags=["imports"],
        request=None,
        responses={202: serializers.ImportJobSerializer},
        description=(
            "Importiert eine geprüfte Datei ohne Fehler; ganz oder gar nicht. Schon vorhandene "
            "Zeilen werden nicht erneut angelegt."
        ),
    ),
)
class ImportJobViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Imports of the caller's organisations; others' imports do not exist for the caller."""

    permission_classes = [RulesPermission]
    serializer_class = serializers.ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet:
        return import_jobs_for(user=self.request.user)

    def create(self, request: Request, *args, **kwargs) -> Response:
        payload = serializers.ImportCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        payload.is_valid(raise_exception=True)
        job = import_services.import_job_create(
            deployment=payload.validated_data["deployment"],
            profile=payload.validated_data["profile"],
            uploaded_file=payload.validated_data["file"],
            by=request.user,
        )
        job = self.get_queryset().get(pk=job.pk)
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str | None = None) -> Response:
        job = import_services.import_job_confirm(job=self.get_object(), by=request.user)
        job = self.get_queryset().get(pk=job.pk)
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(list=extend_schema(tags=["imports"]), retrieve=extend_schema(tags=["imports"]))
class ImportProfileViewSet(viewsets.ReadOnlyModelViewSet):
    """Import profiles (column mappings) of the caller's organisations; set up in the admin."""

    permission_classes = [RulesPermission]
    serializer_class = serializers.ImportProfileSerializer

    def get_queryset(self) -> QuerySet:
        return import_profiles_for(user=self.request.user)


router = SimpleRouter()
router.register("imports", ImportJobViewSet, basename="importjob")
router.register("import-profiles", ImportProfileViewSet, basename="importprofile")

urlpatterns = router.urls
