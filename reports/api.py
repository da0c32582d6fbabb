"""REST API of site analyses: start one, poll its state and progress, download the PDF."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kiezlabor.api import RulesPermission
from reports import selectors, serializers, services
from reports.views import pdf_response


class ReportNotReady(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _(
        "Die Ortsanalyse ist noch nicht fertig. Bitte den Stand später erneut abfragen."
    )
    default_code = "not_ready"


class ReportPermission(RulesPermission):
    """Staff start and rebuild reports; administration users with a portal access read theirs."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if request.method in permissions.SAFE_METHODS:
            return bool(user and user.is_authenticated and user.is_active) and user.has_perm(
                "reports.view_report"
            )
        return super().has_permission(request, view)


@extend_schema_view(
    list=extend_schema(tags=["reports"], description="Ortsanalysen der eigenen Einsätze."),
    retrieve=extend_schema(
        tags=["reports"],
        description="Stand einer Ortsanalyse mit Fortschritt (0–100) und Schritt, zum Abfragen.",
    ),
    create=extend_schema(
        tags=["reports"],
        request=serializers.ReportCreateSerializer,
        responses={201: serializers.ReportSerializer},
        description=(
            "Startet eine Ortsanalyse im Hintergrund. Sie hält die Zahlen von jetzt fest; "
            "den Fortschritt zeigt GET auf die Ortsanalyse."
        ),
    ),
    download=extend_schema(
        tags=["reports"],
        description="Das fertige PDF als Anhang.",
        responses={
            (200, "application/pdf"): OpenApiResponse(response=OpenApiTypes.BINARY),
            409: OpenApiResponse(description="Noch nicht fertig."),
        },
    ),
    rebuild=extend_schema(
        tags=["reports"],
        request=None,
        responses={202: serializers.ReportSerializer},
        description=(
            "Erstellt das PDF einer fertigen oder fehlgeschlagenen Ortsanalyse neu, aus ihrer "
            "gespeicherten Analyse: die Zahlen bleiben dieselben."
        ),
    ),
)
class ReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Reports in the caller's scope; others' reports do not exist for the caller (404)."""

    permission_classes = [ReportPermission]
    serializer_class = serializers.ReportSerializer

    def get_queryset(self) -> QuerySet:
        return selectors.reports_for_user(user=self.request.user).defer("snapshot")

    def create(self, request: Request, *args, **kwargs) -> Response:
        payload = serializers.ReportCreateSerializer(
            data=request.data, context={"request": request}
        )
        payload.is_valid(raise_exception=True)
        deployment = payload.validated_data["deployment"]
        if not request.user.has_perm("reports.add_report", deployment):
            raise PermissionDenied
        report = services.report_request(
            deployment=deployment, language=payload.validated_data["language"], by=request.user
        )
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None):
        """The finished PDF as an attachment."""
        report = self.get_object()
        pdf = selectors.report_download(report=report)
        if pdf is None:
            raise ReportNotReady
        return pdf_response(pdf)

    @action(detail=True, methods=["post"])
    def rebuild(self, request: Request, pk: str | None = None) -> Response:
        """Build the PDF again from the stored snapshot."""
        report = services.report_rebuild(report=self.get_object(), by=request.user)
        return Response(self.get_serializer(report).data, status=status.HTTP_202_ACCEPTED)
