"""API representations of what the team records on site.

Deployments, events and topics offered for a write are the caller's organisations' only; the
rules that need the deployment (event of the deployment, hour within its period, …) are the
services' to check.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from deployments.models import AgeBand, Deployment, Event, Theme
from deployments.serializers import ScopedRelatedField
from participation.models import (
    Channel,
    Contribution,
    ReflectionEntry,
    Relation,
    VisitorCount,
    WorkshopPhoto,
    WorkshopResult,
)
from participation.models.contributions import TEXT_MAX_LENGTH

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def _deployment_field() -> ScopedRelatedField:
    return ScopedRelatedField(scope_path="organisation", queryset=Deployment.objects.all())


def _event_field(**kwargs) -> ScopedRelatedField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", True)
    return ScopedRelatedField(
        scope_path="deployment__organisation", queryset=Event.objects.all(), **kwargs
    )


# --- Visitor counts -------------------------------------------------------------------------


class GroupCountSerializer(serializers.Serializer):
    age_band = serializers.ChoiceField(
        choices=AgeBand.choices, allow_blank=True, default="", help_text=_("leer: alle Alter")
    )
    gender = serializers.ChoiceField(
        choices=VisitorCount.Gender.choices,
        allow_blank=True,
        default="",
        help_text=_("leer: alle"),
    )
    count = serializers.IntegerField(min_value=0)


class VisitorHourSerializer(serializers.Serializer):
    """One hour's counts of one deployment, one entry per group."""

    deployment = _deployment_field()
    event = _event_field()
    hour_starts_at = serializers.DateTimeField(
        help_text=_("Beginn einer vollen Stunde, z. B. 2026-05-06T15:00:00+02:00")
    )
    counts = GroupCountSerializer(many=True, allow_empty=False)


class VisitorCountSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitorCount
        fields = [
            "id",
            "deployment",
            "event",
            "hour_starts_at",
            "age_band",
            "gender",
            "count",
            "source",
            "recorded_by",
        ]
        read_only_fields = fields


# --- Conversation notes and feedback --------------------------------------------------------


class ConversationNoteSerializer(serializers.ModelSerializer):
    deployment = _deployment_field()
    event = _event_field()
    theme = ScopedRelatedField(
        scope_path="organisation", queryset=Theme.objects.all(), required=False, allow_null=True
    )
    text = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    # Codes only, like the kiosk's requests: one enum "language" in the schema.
    language = serializers.ChoiceField(choices=LANGUAGE_CODES, default="de")
    age_band = serializers.ChoiceField(choices=AgeBand.choices, allow_blank=True, default="")
    relation = serializers.ChoiceField(choices=Relation.choices, allow_blank=True, default="")

    class Meta:
        model = Contribution
        fields = [
            "id",
            "deployment",
            "event",
            "text",
            "text_was_masked",
            "theme",
            "language",
            "age_band",
            "relation",
            "demographics_estimated",
            "moderation_status",
            "received_at",
            "recorded_by",
        ]
        read_only_fields = [
            "text_was_masked",
            "demographics_estimated",
            "moderation_status",
            "received_at",
            "recorded_by",
        ]


class FeedbackSerializer(serializers.ModelSerializer):
    deployment = _deployment_field()
    event = _event_field(required=True, allow_null=False)
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    text = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        default=Channel.PAPER,
        help_text=_("Vom Team erfasst: „paper“ (Rückmeldekarte) oder „conversation“ (Gespräch)."),
    )

    class Meta:
        model = Contribution
        fields = [
            "id",
            "deployment",
            "event",
            "rating",
            "text",
            "text_was_masked",
            "channel",
            "moderation_status",
            "received_at",
            "recorded_by",
        ]
        read_only_fields = ["text_was_masked", "moderation_status", "received_at", "recorded_by"]


# --- Workshops ----------------------------------------------------------------------------


class StatementListField(serializers.ListField):
    """Outcome statements as plain texts; read from the workshop's statement contributions."""

    def to_representation(self, data) -> list[str]:
        return [statement.text for statement in data.all()]


class WorkshopPhotoSerializer(serializers.ModelSerializer):
    image = serializers.FileField(write_only=True, help_text=_("JPEG, PNG oder WebP, ≤ 10 MB"))

    class Meta:
        model = WorkshopPhoto
        fields = ["id", "image", "caption"]


class WorkshopResultSerializer(serializers.ModelSerializer):
    deployment = _deployment_field()
    event = _event_field()
    statements = StatementListField(
        child=serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True),
        allow_empty=False,
        help_text=_("Ein Ergebnis je Eintrag."),
    )
    photos = WorkshopPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = WorkshopResult
        fields = [
            "id",
            "deployment",
            "event",
            "title",
            "method",
            "participants",
            "held_on",
            "statements",
            "photos",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["recorded_by", "created_at"]


# --- Team reflection ------------------------------------------------------------------------


class ReflectionSerializer(serializers.ModelSerializer):
    deployment = _deployment_field()

    class Meta:
        model = ReflectionEntry
        fields = ["id", "deployment", "written_on", "author", "went_well", "to_improve", "notes"]
        read_only_fields = ["author"]
