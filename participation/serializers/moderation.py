"""API representations of moderation, coding and routing, and the payloads of its actions.

Related choices (originals, codes, departments) are limited to what the caller may see, so no
request can reach into another organisation's data.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deployments.models import Organisation
from deployments.serializers import GeoJSONPointField, ScopedRelatedField
from participation.models import (
    Channel,
    Code,
    Contribution,
    Department,
    Kind,
    ModerationStatus,
    PublicStatus,
    RejectionReason,
    Routing,
)

MODERATE = "participation.moderate_contribution"
PERSONAL = "participation.view_personal_demographics"


def _enum_field(choices, component_name: str, *, blank: bool = False):
    """A ChoiceField with its own schema component (names from field names would clash)."""
    values = [*([""] if blank else []), *(value for value, _label in choices)]

    @extend_schema_field({"type": "string", "enum": values}, component_name=component_name)
    class EnumField(serializers.ChoiceField):
        def __init__(self, **kwargs) -> None:
            super().__init__(choices=choices, **kwargs)

    EnumField.__name__ = f"{component_name}Field"
    return EnumField


KindField = _enum_field(Kind.choices, "ContributionKindEnum")
ChannelField = _enum_field(Channel.choices, "ContributionChannelEnum")
LanguageField = _enum_field(settings.LANGUAGES, "ContributionLanguageEnum")
ModerationStatusField = _enum_field(ModerationStatus.choices, "ContributionModerationStatusEnum")
RejectionReasonField = _enum_field(
    RejectionReason.choices, "ContributionRejectionReasonEnum", blank=True
)
RejectReasonField = _enum_field(RejectionReason.choices, "RejectReasonEnum")
PublicStatusField = _enum_field(PublicStatus.choices, "ContributionPublicStatusEnum")
RoutingStatusField = _enum_field(Routing.Status.choices, "RoutingStatusEnum")


# --- Reference data -----------------------------------------------------------------------


class CodeSerializer(serializers.ModelSerializer):
    organisation = ScopedRelatedField(scope_path="pk", queryset=Organisation.objects.all())
    parent = ScopedRelatedField(
        scope_path="organisation", queryset=Code.objects.all(), allow_null=True, required=False
    )
    label = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Code
        fields = ["id", "organisation", "parent", "name", "description", "label"]
        # Uniqueness per parent is checked by the service (full_clean); DRF's validator would
        # make "parent" required.
        validators = []

    def validate(self, attrs: dict) -> dict:
        moved = self.instance is not None and "organisation" in attrs
        if moved and attrs["organisation"] != self.instance.organisation:
            raise serializers.ValidationError(
                {"organisation": _("Ein Code bleibt im Codebuch seiner Organisation.")}
            )
        return attrs


class DepartmentSerializer(serializers.ModelSerializer):
    district_name = serializers.CharField(source="district.name", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "district", "district_name", "name", "email", "answer_within_days"]
        read_only_fields = fields


class RoutingSerializer(serializers.ModelSerializer):
    status = RoutingStatusField(read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Routing
        fields = [
            "id",
            "contribution",
            "department",
            "department_name",
            "status",
            "forwarded_on",
            "due_on",
            "answered_on",
            "answer",
            "is_overdue",
            "routed_by",
        ]
        read_only_fields = fields


class RoutingUpdateSerializer(serializers.Serializer):
    status = RoutingStatusField()
    answer = serializers.CharField(allow_blank=True, required=False, default="")


# --- Contributions ------------------------------------------------------------------------


class NestedRoutingSerializer(serializers.ModelSerializer):
    status = RoutingStatusField(read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Routing
        fields = ["id", "department", "department_name", "status", "forwarded_on", "due_on"]
        read_only_fields = fields


class AboutYouSerializer(serializers.Serializer):
    age_band = serializers.CharField()
    relation = serializers.CharField()
    heard_via = serializers.CharField()
    demographics_estimated = serializers.BooleanField()


class ContributionModerationSerializer(serializers.ModelSerializer):
    """A contribution as moderators see it; demographics only for those who may see them."""

    kind = KindField(read_only=True)
    channel = ChannelField(read_only=True)
    language = LanguageField(read_only=True)
    moderation_status = ModerationStatusField(read_only=True)
    rejection_reason = RejectionReasonField(read_only=True)
    public_status = PublicStatusField(read_only=True)
    location = GeoJSONPointField(read_only=True, allow_null=True)
    support_count = serializers.IntegerField(read_only=True)
    has_overdue_routing = serializers.BooleanField(read_only=True)
    codes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    routings = NestedRoutingSerializer(many=True, read_only=True)
    about_you = serializers.SerializerMethodField()

    class Meta:
        model = Contribution
        fields = [
            "id",
            "deployment",
            "event",
            "kind",
            "channel",
            "text",
            "text_was_masked",
            "language",
            "theme",
            "location",
            "rating",
            "received_at",
            "moderation_status",
            "rejection_reason",
            "moderation_note",
            "public_status",
            "public_feedback",
            "duplicate_of",
            "support_count",
            "codes",
            "routings",
            "has_overdue_routing",
            "about_you",
        ]
        read_only_fields = fields

    @extend_schema_field(AboutYouSerializer(allow_null=True))
    def get_about_you(self, contribution: Contribution) -> dict | None:
        user = self.context["request"].user
        if not user.has_perm(PERSONAL, contribution):
            return None
        return AboutYouSerializer(contribution).data


class ContributionFilterSerializer(serializers.Serializer):
    """The query parameters of the moderation list."""

    deployment = serializers.IntegerField(required=False, min_value=1)
    status = ModerationStatusField(required=False)
    kind = KindField(required=False)
    channel = ChannelField(required=False)
    theme = serializers.IntegerField(required=False, min_value=1)
    masked = serializers.BooleanField(required=False, allow_null=True, default=None)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)


# --- Action payloads ----------------------------------------------------------------------


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class RejectSerializer(NoteSerializer):
    reason = RejectReasonField(
        help_text=_("Doppelte Beiträge über „mark-duplicate“ zusammenführen.")
    )


class MarkDuplicateSerializer(serializers.Serializer):
    original = serializers.PrimaryKeyRelatedField(queryset=Contribution.objects.none())

    def __init__(self, *args, originals=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if originals is not None:
            self.fields["original"].queryset = originals


class PublicStatusSerializer(serializers.Serializer):
    public_status = PublicStatusField()
    public_feedback = serializers.CharField(allow_blank=True, required=False, default="")


class CodesSerializer(serializers.Serializer):
    codes = ScopedRelatedField(
        scope_path="organisation",
        queryset=Code.objects.all(),
        many=True,
        allow_empty=True,
        help_text=_("Alle Codes des Beitrags (ersetzt die bisherigen)."),
    )


class RouteSerializer(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
