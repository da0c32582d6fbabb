"""How a paired tablet proves who it is: ``Authorization: Device <token>``."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import pgettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from participation.models import Device
from participation.services.devices import device_for_token

NOT_PAIRED = pgettext_lazy(
    "kiosk",
    "Dieses Tablet ist nicht mehr angemeldet. Bitte wenden Sie sich an das Team.",
)


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    """A tablet's token; ``request.auth`` becomes the Device, ``request.user`` stays anonymous.

    Unknown, revoked and unassigned tablets get 401 with ``WWW-Authenticate: Device``, which the
    tablet answers with its "please ask the team" screen.
    """

    keyword = "Device"

    def authenticate(self, request) -> tuple[AnonymousUser, Device] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(NOT_PAIRED)
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(NOT_PAIRED) from None
        device = device_for_token(token)
        if device is None or not device.is_paired:
            raise exceptions.AuthenticationFailed(NOT_PAIRED)
        return AnonymousUser(), device

    def authenticate_header(self, request) -> str:
        return self.keyword


class IsPairedDevice(permissions.BasePermission):
    """The request comes from a paired tablet."""

    message = NOT_PAIRED

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Device)


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = DeviceTokenAuthentication
    name = "deviceToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'The tablet\'s token, sent as "Device <token>".',
        }
