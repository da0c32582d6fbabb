"""The kiosk API's bodies (see the contract in the kiosk API documentation).

Request serializers check types and choices only; the rules that need the deployment (topics,
map region, today's events, poll shapes, clock) live in ``participation.services.submissions``
so that every way in obeys them. Messages are for residents: context "kiosk".
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deployments.models import AgeBand, Deployment, Event, Theme
from deployments.serializers import GeoJSONPointField
from participation.models import Contribution, HeardVia, Kind, Poll, PollOption, Relation
from participation.models.contributions import TEXT_MAX_LENGTH
from participation.selectors.kiosk import KioskBootstrap, map_tiles
from participation.services.submissions import (
    TEXT_MIN_LENGTH,
    AboutYouInput,
    AnswerInput,
    ContributionInput,
    Location,
    PollResponseInput,
)

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
# Primary keys are 64-bit; larger numbers are not ids (and must not reach the database).
MAX_ID = 2**63 - 1
MAX_ANSWERS = 50

CHOOSE_OFFERED = pgettext_lazy("kiosk", "Bitte wählen Sie eine der angebotenen Antworten.")
CHOOSE_LANGUAGE = pgettext_lazy("kiosk", "Bitte wählen Sie eine der angebotenen Sprachen.")
RATING_RANGE = pgettext_lazy("kiosk", "Bitte wählen Sie eine Bewertung von 1 bis 5.")
CONSENT_NEEDED = pgettext_lazy(
    "kiosk", "Bitte stimmen Sie zu, damit wir Ihren Beitrag speichern dürfen."
)
HONEYPOT_FILLED = pgettext_lazy("kiosk", "Dieses Feld bitte leer lassen.")


def _id_field(**kwargs: object) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _rating_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=5,
        allow_null=True,
        default=None,
        error_messages={"min_value": RATING_RANGE, "max_value": RATING_RANGE},
    )


def _optional_choice(choices) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices,
        allow_blank=True,
        default="",
        error_messages={"invalid_choice": CHOOSE_OFFERED},
    )


# --- Pairing and heartbeat ------------------------------------------------------------------


class PairRequestSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=20,
        error_messages={
            "required": pgettext_lazy("kiosk", "Bitte geben Sie den Code ein."),
            "blank": pgettext_lazy("kiosk", "Bitte geben Sie den Code ein."),
        },
    )


class PairedDeviceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PairResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Keep it; send it as 'Authorization: Device <token>'.")
    device = PairedDeviceSerializer()


class HeartbeatRequestSerializer(serializers.Serializer):
    pending = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    rejected = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    app_version = serializers.CharField(max_length=40, allow_blank=True, default="")


class HeartbeatResponseSerializer(serializers.Serializer):
    paired = serializers.BooleanField()
    server_time = serializers.DateTimeField()


# --- Submissions ----------------------------------------------------------------------------


class _SubmissionSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField()
    language = serializers.ChoiceField(
        choices=LANGUAGE_CODES, error_messages={"invalid_choice": CHOOSE_LANGUAGE}
    )
    age_band = _optional_choice(AgeBand.choices)
    relation = _optional_choice(Relation.choices)
    heard_via = _optional_choice(HeardVia.choices)
    created_on_device_at = serializers.DateTimeField()
    consent = serializers.BooleanField(error_messages={"required": CONSENT_NEEDED})
    website = serializers.CharField(
        allow_blank=True,
        default="",
        max_length=200,
        help_text="Leave empty or out: a field people on phones do not see, for bots to fill in.",
    )

    def validate_website(self, value: str) -> str:
        if value:
            raise serializers.ValidationError(HONEYPOT_FILLED)
        return value

    def validate_consent(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError(CONSENT_NEEDED)
        return value

    def _about(self) -> AboutYouInput:
        data = self.validated_data
        return AboutYouInput(
            age_band=data["age_band"], relation=data["relation"], heard_via=data["heard_via"]
        )


class LocationSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)


class ContributionRequestSerializer(_SubmissionSerializer):
    kind = serializers.ChoiceField(
        choices=[(Kind.IDEA.value, Kind.IDEA.label), (Kind.FEEDBACK.value, Kind.FEEDBACK.label)],
        error_messages={
            "invalid_choice": pgettext_lazy("kiosk", "Bitte wählen Sie: Idee oder Rückmeldung.")
        },
    )
    text = serializers.CharField(
        allow_blank=True,
        default="",
        max_length=TEXT_MAX_LENGTH,
        error_messages={
            "max_length": pgettext_lazy(
                "kiosk", "Bitte schreiben Sie höchstens {max_length} Zeichen."
            )
        },
        help_text=f"Ideas: {TEXT_MIN_LENGTH}–{TEXT_MAX_LENGTH} characters; feedback: optional.",
    )
    theme = _id_field(allow_null=True, default=None)
    location = LocationSerializer(allow_null=True, default=None)
    event = _id_field(allow_null=True, default=None)
    rating = _rating_field()

    def to_input(self) -> ContributionInput:
        data = self.validated_data
        location = data["location"]
        return ContributionInput(
            client_uuid=data["client_uuid"],
            kind=data["kind"],
            language=data["language"],
            created_on_device_at=data["created_on_device_at"],
            text=data["text"],
            theme=data["theme"],
            location=Location(lat=location["lat"], lng=location["lng"]) if location else None,
            event=data["event"],
            rating=data["rating"],
            about=self._about(),
        )


class AnswerSerializer(serializers.Serializer):
    option = _id_field()
    points = serializers.IntegerField(
        min_value=1,
        max_value=20,
        default=1,
        error_messages={
            "min_value": pgettext_lazy(
                "kiosk", "Jede gewählte Antwort braucht mindestens einen Punkt."
            )
        },
    )


class PollResponseRequestSerializer(_SubmissionSerializer):
    poll = _id_field()
    answers = serializers.ListField(child=AnswerSerializer(), default=list, max_length=MAX_ANSWERS)
    rating = _rating_field()

    def to_input(self) -> PollResponseInput:
        data = self.validated_data
        return PollResponseInput(
            client_uuid=data["client_uuid"],
            poll=data["poll"],
            language=data["language"],
            created_on_device_at=data["created_on_device_at"],
            answers=tuple(
                AnswerInput(option=answer["option"], points=answer["points"])
                for answer in data["answers"]
            ),
            rating=data["rating"],
            about=self._about(),
        )


def _model_field(name: str):
    return Contribution._meta.get_field(name)


# Declared rather than a ModelSerializer, which introspects the model for every response of
# the kiosk's busiest endpoint. The same fields and schema as the model's.
class SubmissionResponseSerializer(serializers.Serializer):
    id = serializers.BigIntegerField(label="ID", read_only=True)
    client_uuid = serializers.UUIDField(
        allow_null=True,
        label=capfirst(_model_field("client_uuid").verbose_name),
        help_text=_model_field("client_uuid").help_text,
        read_only=True,
    )
    received_at = serializers.DateTimeField(
        label=capfirst(_model_field("received_at").verbose_name), read_only=True
    )


# --- Start-up data --------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "properties": {code: {"type": "string"} for code in LANGUAGE_CODES},
        "required": LANGUAGE_CODES,
    }
)
class TranslatedField(serializers.Field):
    """A text in every resident language, from a model method ``<name>_in(language)``."""

    def __init__(self, *, method: str, **kwargs: object) -> None:
        self.method = method
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance) -> dict[str, str]:
        text_in = getattr(instance, self.method)
        return {code: text_in(code) for code in LANGUAGE_CODES}


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "GeoJSON MultiPolygon (WGS 84) of the site's forecast area.",
    }
)
class GeoJSONGeometryField(serializers.Field):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> dict:
        return json.loads(value.geojson)


class BootstrapDeviceSerializer(serializers.Serializer):
    name = serializers.CharField()
    idle_seconds = serializers.IntegerField()


class BootstrapDeploymentSerializer(serializers.ModelSerializer):
    site_name = serializers.CharField(source="site.name")

    class Meta:
        model = Deployment
        fields = ["id", "slug", "title", "site_name", "starts_on", "ends_on"]
        read_only_fields = fields


class BootstrapMapSerializer(serializers.Serializer):
    site = GeoJSONPointField(source="deployment.site.location", read_only=True)
    area = GeoJSONGeometryField()
    bounds = serializers.SerializerMethodField(
        help_text="[[south, west], [north, east]]: where pins may be set."
    )
    tiles_url = serializers.SerializerMethodField()
    attribution = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "array",
            "items": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
            "minItems": 2,
            "maxItems": 2,
        }
    )
    def get_bounds(self, bootstrap: KioskBootstrap) -> list[list[float]]:
        return bootstrap.bounds.as_pairs()

    @extend_schema_field(OpenApiTypes.STR)
    def get_tiles_url(self, bootstrap: KioskBootstrap) -> str:
        return map_tiles()[0]

    @extend_schema_field(OpenApiTypes.STR)
    def get_attribution(self, bootstrap: KioskBootstrap) -> str:
        return map_tiles()[1]


class TopicSerializer(serializers.ModelSerializer):
    name = TranslatedField(method="name_in")

    class Meta:
        model = Theme
        fields = ["id", "name"]


class PollOptionSerializer(serializers.ModelSerializer):
    label = TranslatedField(method="label_in")

    class Meta:
        model = PollOption
        fields = ["id", "label"]


class PollSerializer(serializers.ModelSerializer):
    question = TranslatedField(method="question_in")
    options = PollOptionSerializer(many=True, read_only=True)

    class Meta:
        model = Poll
        fields = ["id", "type", "points", "question", "options"]


class EventTodaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "title", "starts_at", "ends_at"]
        read_only_fields = fields


class LimitsSerializer(serializers.Serializer):
    text_max_length = serializers.IntegerField()
    text_min_length = serializers.IntegerField()


class PublicBootstrapSerializer(serializers.Serializer):
    """Start-up data for residents' phones: everything but the device."""

    deployment = BootstrapDeploymentSerializer()
    map = BootstrapMapSerializer(source="*")
    topics = TopicSerializer(source="themes", many=True)
    polls = PollSerializer(many=True)
    events_today = EventTodaySerializer(many=True)
    limits = serializers.SerializerMethodField()
    server_time = serializers.DateTimeField()

    @extend_schema_field(LimitsSerializer)
    def get_limits(self, bootstrap: KioskBootstrap) -> dict:
        return {"text_max_length": TEXT_MAX_LENGTH, "text_min_length": TEXT_MIN_LENGTH}


class KioskBootstrapSerializer(PublicBootstrapSerializer):
    """Start-up data for a tablet, with its own settings."""

    device = BootstrapDeviceSerializer()
