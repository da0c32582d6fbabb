"""API representations of imports: what to upload, and how far a started import has got."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deployments.models import Deployment
from deployments.serializers import ScopedRelatedField
from participation.models import ImportJob, ImportProfile, JobState
from participation.services.imports import MAX_FILE_SIZE


# Components of their own: names derived from the fields would clash with events' "state".
@extend_schema_field(
    {"type": "string", "enum": JobState.values}, component_name="ImportJobStateEnum"
)
class ImportJobStateField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=JobState.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": ImportProfile.Target.values}, component_name="ImportTargetEnum"
)
class ImportTargetField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=ImportProfile.Target.choices, **kwargs)


class ImportProfileSerializer(serializers.ModelSerializer):
    target = ImportTargetField(read_only=True)

    class Meta:
        model = ImportProfile
        fields = ["id", "organisation", "name", "target", "mapping", "value_maps"]
        read_only_fields = fields


class ImportCreateSerializer(serializers.Serializer):
    deployment = ScopedRelatedField(scope_path="organisation", queryset=Deployment.objects.all())
    profile = ScopedRelatedField(
        scope_path="organisation",
        queryset=ImportProfile.objects.all(),
        help_text=_("Die Import-Vorlage mit der Spaltenzuordnung."),
    )
    file = serializers.FileField(
        help_text=_("CSV (Trennzeichen ; oder ,) oder Excel (.xlsx), höchstens %(size)d MB.")
        % {"size": MAX_FILE_SIZE // (1024 * 1024)}
    )


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Zeile wie in Excel gezählt; die Kopfzeile ist 1."))
    column = serializers.CharField(help_text=_("Spaltenname aus der Kopfzeile der Datei."))
    message = serializers.CharField()


class PreviewRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Zeile wie in Excel gezählt; die Kopfzeile ist 1."))
    known = serializers.BooleanField(help_text=_("Schon importiert; wird nicht erneut angelegt."))
    values = serializers.DictField(
        child=serializers.CharField(), help_text=_("Feld → Wert, wie er importiert wird.")
    )


class ImportJobSerializer(serializers.ModelSerializer):
    state = ImportJobStateField(read_only=True)
    row_errors = RowErrorSerializer(many=True, read_only=True)
    preview = PreviewRowSerializer(many=True, read_only=True)
    earlier_import = serializers.IntegerField(
        source="earlier_import_id",
        read_only=True,
        allow_null=True,
        help_text=_(
            "Ein früherer, fertiger Import derselben Datei in diesen Einsatz; dann fügt diese "
            "Datei nichts Neues hinzu."
        ),
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "deployment",
            "profile",
            "original_name",
            "file_hash",
            "dry_run",
            "state",
            "progress",
            "error",
            "rows_total",
            "rows_new",
            "rows_known",
            "row_errors",
            "preview",
            "earlier_import",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields
