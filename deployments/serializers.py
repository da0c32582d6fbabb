"""API representations of the planning side; related choices are limited to the caller's
organisations, so no request can attach an object to another organisation's data."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deployments import rules as planning_rules
from deployments.models import (
    Area,
    Deployment,
    Event,
    Organisation,
    Partner,
    Shift,
    Site,
    TargetGroup,
    Theme,
)


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {
                "type": "array",
                "items": {"type": "number"},
                "minItems": 2,
                "maxItems": 2,
            },
        },
        "required": ["type", "coordinates"],
    }
)
class GeoJSONPointField(serializers.Field):
    """A WGS 84 point as GeoJSON: ``{"type": "Point", "coordinates": [lon, lat]}``."""

    default_error_messages = {
        "invalid": _(
            'Erwartet wird ein GeoJSON-Punkt: {"type": "Point", "coordinates": [Länge, Breite]}.'
        ),
        "range": _("Die Koordinaten liegen außerhalb des gültigen Bereichs."),
    }

    def to_representation(self, value: Point) -> dict:
        return {"type": "Point", "coordinates": [round(value.x, 7), round(value.y, 7)]}

    def to_internal_value(self, data: object) -> Point:
        if not isinstance(data, dict) or data.get("type") != "Point":
            self._fail_invalid()
        coordinates = data.get("coordinates")
        if (
            not isinstance(coordinates, list)
            or len(coordinates) != 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates)
        ):
            self._fail_invalid()
        lon, lat = coordinates
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            self.fail("range")
        return Point(float(lon), float(lat), srid=4326)

    def _fail_invalid(self) -> None:
        # Not self.fail(): it runs str.format on the message, whose example has braces.
        raise serializers.ValidationError(self.error_messages["invalid"], code="invalid")


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary-key field whose choices are the caller's organisations' objects."""

    def __init__(self, *, scope_path: str, **kwargs: object) -> None:
        self.scope_path = scope_path
        super().__init__(**kwargs)

    def get_queryset(self):
        user = self.context["request"].user
        return planning_rules.scope_to_user(
            super().get_queryset(), user, self.scope_path
        ).distinct()


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = [
            "id",
            "kind",
            "code",
            "name",
            "parent",
            "population_total",
            "population_by_age",
            "population_reference_date",
            "social_status_index",
        ]


class SiteSerializer(serializers.ModelSerializer):
    organisation = ScopedRelatedField(scope_path="pk", queryset=Organisation.objects.all())
    location = GeoJSONPointField()
    areas = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Site
        fields = [
            "id",
            "organisation",
            "name",
            "address",
            "location",
            "areas",
            "status",
            "site_type",
            "footfall",
            "has_power",
            "has_water",
            "step_free",
            "permit",
            "permit_reference",
            "agreement_with",
            "agreement_on",
            "notes",
        ]
        read_only_fields = ["status"]


class DeploymentSerializer(serializers.ModelSerializer):
    organisation = ScopedRelatedField(scope_path="pk", queryset=Organisation.objects.all())
    site = ScopedRelatedField(scope_path="organisation", queryset=Site.objects.all())
    target_groups = serializers.SlugRelatedField(
        many=True, slug_field="code", queryset=TargetGroup.objects.all(), required=False
    )
    themes = ScopedRelatedField(
        scope_path="organisation", queryset=Theme.objects.all(), many=True, required=False
    )
    team = ScopedRelatedField(
        scope_path="memberships__organisation",
        queryset=get_user_model().objects.all(),
        many=True,
        required=False,
    )

    class Meta:
        model = Deployment
        fields = [
            "id",
            "organisation",
            "site",
            "title",
            "slug",
            "vehicle",
            "starts_on",
            "ends_on",
            "status",
            "target_groups",
            "themes",
            "team",
            "description",
        ]
        read_only_fields = ["status"]

    def validate(self, attrs: dict) -> dict:
        organisation = attrs.get("organisation", getattr(self.instance, "organisation", None))
        site = attrs.get("site", getattr(self.instance, "site", None))
        if site and organisation and site.organisation_id != organisation.pk:
            raise serializers.ValidationError(
                {"site": _("Der Standort gehört zu einer anderen Organisation.")}
            )
        return attrs


class EventSerializer(serializers.ModelSerializer):
    deployment = ScopedRelatedField(scope_path="organisation", queryset=Deployment.objects.all())
    partners = ScopedRelatedField(
        scope_path="organisation", queryset=Partner.objects.all(), many=True, required=False
    )
    target_groups = serializers.SlugRelatedField(
        many=True, slug_field="code", queryset=TargetGroup.objects.all(), required=False
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "deployment",
            "series",
            "title",
            "description",
            "format",
            "starts_at",
            "ends_at",
            "lead",
            "partners",
            "target_groups",
            "languages",
            "accessibility",
            "capacity",
            "is_public",
            "state",
            "cancel_reason",
            "cancelled_on",
            "attendance",
        ]
        read_only_fields = ["series", "state", "cancel_reason", "cancelled_on", "attendance"]


class PartnerSerializer(serializers.ModelSerializer):
    organisation = ScopedRelatedField(scope_path="pk", queryset=Organisation.objects.all())
    referred_by = ScopedRelatedField(
        scope_path="organisation", queryset=Partner.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Partner
        fields = [
            "id",
            "organisation",
            "name",
            "kind",
            "contribution",
            "agreement",
            "referred_by",
            "website",
        ]


class ShiftSerializer(serializers.ModelSerializer):
    deployment = ScopedRelatedField(scope_path="organisation", queryset=Deployment.objects.all())
    staff = ScopedRelatedField(
        scope_path="memberships__organisation",
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Shift
        fields = ["id", "deployment", "staff", "starts_at", "ends_at", "is_public", "notes"]


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Deployment.Status.choices)
