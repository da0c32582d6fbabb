"""The kiosk API: tablets (device token) and residents' phones (public, per address).

Only HTTP is translated here; the rules are in ``participation.services``. Bodies are small
JSON documents: anything larger than ``MAX_BODY_BYTES`` is refused with 413 before parsing.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import pgettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.json import strict_constant
from rest_framework.views import APIView

from deployments.models import Deployment
from participation.authentication import NOT_PAIRED, DeviceTokenAuthentication, IsPairedDevice
from participation.models import Channel, Contribution, Device
from participation.selectors.kiosk import kiosk_bootstrap, public_participation_deployment
from participation.serializers import kiosk as serializers
from participation.services import devices
from participation.services.submissions import (
    SubmissionConflict,
    contribution_submit,
    poll_response_submit,
)
from participation.throttles import (
    DeviceAddressRateThrottle,
    DeviceRateThrottle,
    PairingRateThrottle,
    PublicReadRateThrottle,
    PublicSubmitRateThrottle,
)

# A submission is a few kilobytes at most (1,000 characters of text, a handful of answers).
MAX_BODY_BYTES = 64 * 1024

TAGS = ["kiosk"]


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = pgettext_lazy("kiosk", "Die Anfrage ist zu groß.")
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = pgettext_lazy(
        "kiosk",
        "Unter dieser Kennung ist schon ein anderer Beitrag eingegangen. "
        "Bitte wenden Sie sich an das Team.",
    )
    default_code = "conflict"


class KioskJSONParser(JSONParser):
    """JSON with a size limit, and 400 (not 500) for nesting too deep to parse."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise PayloadTooLarge
        body = stream.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLarge
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            text = codecs.decode(body, encoding)
            return json.loads(text, parse_constant=strict_constant)
        except (ValueError, LookupError, RecursionError) as error:
            raise exceptions.ParseError(
                pgettext_lazy("kiosk", "Die Anfrage ist kein gültiges JSON.")
            ) from error


SUBMIT_RESPONSES = {
    201: serializers.SubmissionResponseSerializer,
    200: OpenApiResponse(
        serializers.SubmissionResponseSerializer,
        description="Sent before with the same content: the stored input, nothing new.",
    ),
    400: OpenApiResponse(description="A rule is broken; messages by field."),
    409: OpenApiResponse(description="The client_uuid belongs to an input with other content."),
    413: OpenApiResponse(description="The body is too large."),
}


def _submit(
    *,
    request: Request,
    serializer_class: type[serializers.ContributionRequestSerializer]
    | type[serializers.PollResponseRequestSerializer],
    service: Callable[..., tuple[Contribution, bool]],
    deployment: Deployment,
    device: Device | None,
    channel: Channel,
) -> Response:
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    try:
        contribution, created = service(
            deployment=deployment, device=device, channel=channel, data=payload.to_input()
        )
    except SubmissionConflict:
        raise Conflict from None
    return Response(
        serializers.SubmissionResponseSerializer(contribution).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


# --- Tablets --------------------------------------------------------------------------------


class PairView(APIView):
    """Trade the one-time code from the admin for the tablet's device token."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PairingRateThrottle]
    parser_classes = [KioskJSONParser]

    @extend_schema(
        tags=TAGS,
        request=serializers.PairRequestSerializer,
        responses={
            201: serializers.PairResponseSerializer,
            400: OpenApiResponse(description="The code is wrong or expired."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        payload = serializers.PairRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        device, token = devices.device_pair(code=payload.validated_data["code"])
        body = {"token": token, "device": {"id": device.pk, "name": device.name}}
        return Response(
            serializers.PairResponseSerializer(body).data, status=status.HTTP_201_CREATED
        )


class DeviceAPIView(APIView):
    """A view for paired tablets; anything else gets 401 and the "ask the team" screen."""

    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsPairedDevice]
    throttle_classes = [DeviceRateThrottle, DeviceAddressRateThrottle]
    parser_classes = [KioskJSONParser]

    def permission_denied(self, request, message=None, code=None):
        raise exceptions.NotAuthenticated(NOT_PAIRED)

    @property
    def device(self) -> Device:
        return self.request.auth


class BootstrapView(DeviceAPIView):
    @extend_schema(
        tags=TAGS,
        responses={
            200: serializers.KioskBootstrapSerializer,
            401: OpenApiResponse(description="Unknown, revoked or unassigned tablet."),
        },
    )
    def get(self, request: Request) -> Response:
        """Everything the tablet needs to run offline, in all languages."""
        bootstrap = kiosk_bootstrap(deployment=self.device.deployment, device=self.device)
        return Response(serializers.KioskBootstrapSerializer(bootstrap).data)


class ContributionView(DeviceAPIView):
    @extend_schema(
        tags=TAGS, request=serializers.ContributionRequestSerializer, responses=SUBMIT_RESPONSES
    )
    def post(self, request: Request) -> Response:
        """An idea or a feedback on one of today's events."""
        return _submit(
            request=request,
            serializer_class=serializers.ContributionRequestSerializer,
            service=contribution_submit,
            deployment=self.device.deployment,
            device=self.device,
            channel=Channel.KIOSK,
        )


class PollResponseView(DeviceAPIView):
    @extend_schema(
        tags=TAGS, request=serializers.PollResponseRequestSerializer, responses=SUBMIT_RESPONSES
    )
    def post(self, request: Request) -> Response:
        """The answers to one poll."""
        return _submit(
            request=request,
            serializer_class=serializers.PollResponseRequestSerializer,
            service=poll_response_submit,
            deployment=self.device.deployment,
            device=self.device,
            channel=Channel.KIOSK,
        )


class HeartbeatView(DeviceAPIView):
    @extend_schema(
        tags=TAGS,
        request=serializers.HeartbeatRequestSerializer,
        responses={200: serializers.HeartbeatResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        """The tablet is alive; it reports how many inputs wait on it and how many were refused."""
        payload = serializers.HeartbeatRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        devices.device_heartbeat(
            device=self.device,
            pending=payload.validated_data["pending"],
            rejected=payload.validated_data["rejected"],
        )
        body = {"paired": True, "server_time": timezone.now()}
        return Response(serializers.HeartbeatResponseSerializer(body).data)


# --- Residents' phones ----------------------------------------------------------------------


class PublicAPIView(APIView):
    """A view for residents' own phones: no login, limited per address."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PublicSubmitRateThrottle]
    parser_classes = [KioskJSONParser]

    def deployment(self, slug: str) -> Deployment:
        try:
            return public_participation_deployment(slug=slug)
        except Deployment.DoesNotExist:
            raise Http404(
                pgettext_lazy("kiosk", "Bei diesem Einsatz kann man gerade nicht mitmachen.")
            ) from None


class PublicBootstrapView(PublicAPIView):
    throttle_classes = [PublicReadRateThrottle]

    @extend_schema(
        tags=TAGS,
        responses={
            200: serializers.PublicBootstrapSerializer,
            404: OpenApiResponse(description="No deployment open for taking part."),
        },
        auth=[],
    )
    def get(self, request: Request, slug: str) -> Response:
        """The same start-up data as a tablet gets, without the device settings."""
        bootstrap = kiosk_bootstrap(deployment=self.deployment(slug))
        return Response(serializers.PublicBootstrapSerializer(bootstrap).data)


class PublicContributionView(PublicAPIView):
    @extend_schema(
        tags=TAGS,
        request=serializers.ContributionRequestSerializer,
        responses=SUBMIT_RESPONSES,
        auth=[],
    )
    def post(self, request: Request, slug: str) -> Response:
        """An idea or a feedback from a resident's phone."""
        return _submit(
            request=request,
            serializer_class=serializers.ContributionRequestSerializer,
            service=contribution_submit,
            deployment=self.deployment(slug),
            device=None,
            channel=Channel.ONLINE,
        )


class PublicPollResponseView(PublicAPIView):
    @extend_schema(
        tags=TAGS,
        request=serializers.PollResponseRequestSerializer,
        responses=SUBMIT_RESPONSES,
        auth=[],
    )
    def post(self, request: Request, slug: str) -> Response:
        """The answers to one poll from a resident's phone."""
        return _submit(
            request=request,
            serializer_class=serializers.PollResponseRequestSerializer,
            service=poll_response_submit,
            deployment=self.deployment(slug),
            device=None,
            channel=Channel.ONLINE,
        )


urlpatterns = [
    path("kiosk/pair/", PairView.as_view(), name="kiosk-pair"),
    path("kiosk/bootstrap/", BootstrapView.as_view(), name="kiosk-bootstrap"),
    path("kiosk/contributions/", ContributionView.as_view(), name="kiosk-contributions"),
    path("kiosk/poll-responses/", PollResponseView.as_view(), name="kiosk-poll-responses"),
    path("kiosk/heartbeat/", HeartbeatView.as_view(), name="kiosk-heartbeat"),
    path(
        "public/deployments/<slug:slug>/bootstrap/",
        PublicBootstrapView.as_view(),
        name="kiosk-public-bootstrap",
    ),
    path(
        "public/deployments/<slug:slug>/contributions/",
        PublicContributionView.as_view(),
        name="kiosk-public-contributions",
    ),
    path(
        "public/deployments/<slug:slug>/poll-responses/",
        PublicPollResponseView.as_view(),
        name="kiosk-public-poll-responses",
    ),
]
