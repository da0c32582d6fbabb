"""API representations of site analyses: what to start, and how far a started one has got."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from deployments.models import Deployment
from deployments.serializers import ScopedRelatedField
from reports.models import Report


@extend_schema_field(
    {"type": "string", "enum": Report.State.values}, component_name="ReportStateEnum"
)
class ReportStateField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            choices=Report.State.choices,
            help_text=_(
                "queued: wartet; running: wird erstellt; done: fertig; failed: fehlgeschlagen."
            ),
            **kwargs,
        )


@extend_schema_field(
    {"type": "string", "enum": Report.Language.values}, component_name="ReportLanguageEnum"
)
class ReportLanguageField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            choices=Report.Language.choices,
            help_text=_("Sprache des Berichts: de (Deutsch) oder en (Englisch)."),
            **kwargs,
        )


class ReportCreateSerializer(serializers.Serializer):
    deployment = ScopedRelatedField(scope_path="organisation", queryset=Deployment.objects.all())
    language = ReportLanguageField(required=False, default=Report.Language.GERMAN)


class ReportSerializer(serializers.ModelSerializer):
    deployment_title = serializers.CharField(source="deployment.title", read_only=True)
    language = ReportLanguageField(read_only=True)
    state = ReportStateField(read_only=True)
    step = serializers.CharField(
        read_only=True, help_text=_("Der Schritt, an dem gerade gearbeitet wird.")
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    duration_seconds = serializers.SerializerMethodField(
        help_text=_("Dauer der Erstellung in Sekunden, sobald sie fertig ist.")
    )
    download_url = serializers.SerializerMethodField(
        help_text=_("Adresse des PDFs, sobald die Ortsanalyse fertig ist; sonst leer.")
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "deployment",
            "deployment_title",
            "language",
            "state",
            "progress",
            "step",
            "page_count",
            "file_hash",
            "snapshot_version",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_duration_seconds(self, report: Report) -> float | None:
        duration = report.duration
        return round(duration.total_seconds(), 1) if duration is not None else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, report: Report) -> str | None:
        if report.state != Report.State.DONE:
            return None
        return reverse("report-download", args=[report.pk], request=self.context.get("request"))
