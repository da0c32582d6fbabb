"""API representations of exports: what to start, and how far a started one has got."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from deployments.models import Deployment
from deployments.serializers import ScopedRelatedField
from participation.models import ExportJob, JobState

FORMAT_HELP = _(
    "csv: für deutsches Excel (Semikolon, UTF-8 mit BOM, Dezimalkomma); xlsx: Excel mit "
    "zusammengefassten Angaben zur Person auf einem zweiten Blatt; geojson: nur Beiträge mit Ort."
)


# A component of its own: one named after the field would clash with events' "format".
@extend_schema_field(
    {"type": "string", "enum": ExportJob.Format.values}, component_name="ExportFormatEnum"
)
class ExportFormatField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=ExportJob.Format.choices, help_text=FORMAT_HELP, **kwargs)


class ExportCreateSerializer(serializers.Serializer):
    deployment = ScopedRelatedField(scope_path="organisation", queryset=Deployment.objects.all())
    format = ExportFormatField()


class ExportJobSerializer(serializers.ModelSerializer):
    format = ExportFormatField(read_only=True)
    download_url = serializers.SerializerMethodField(
        help_text=_("Adresse der Datei, sobald der Export fertig ist; sonst leer.")
    )

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "deployment",
            "format",
            "state",
            "progress",
            "row_count",
            "include_unapproved",
            "include_demographics",
            "error",
            "created_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, job: ExportJob) -> str | None:
        if job.state != JobState.DONE:
            return None
        return reverse("export-download", args=[job.pk], request=self.context.get("request"))
