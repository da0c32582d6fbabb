"""Rate limits of the kiosk API, overridable in ``KIEZLABOR_KIOSK_THROTTLE_RATES`` by scope.

A tablet is throttled by its identity, so ten tablets behind the container's one mobile router
do not share a limit; the per-address backstop only stops a flood from one address. Residents'
phones have no identity and are limited by address, generously for reading.

The counts live in the cache: in production Redis (``CACHE_URL``), shared by all web workers.
If the cache is unreachable the limits are not applied: a resident's input must not be lost
because a backstop cannot count.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from participation.models import Device

logger = logging.getLogger(__name__)


class _KioskThrottle(SimpleRateThrottle):
    """A rate from the class, unless the settings override it for the scope (None = no limit)."""

    def __init__(self) -> None:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self) -> str | None:
        overrides = getattr(settings, "KIEZLABOR_KIOSK_THROTTLE_RATES", {})
        return overrides.get(self.scope, type(self).rate)

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache backend's own connection errors, whichever backend
            logger.warning("%s not applied: the cache is unreachable", self.scope, exc_info=True)
            return True

    def _key(self, ident: object) -> str:
        # Not even the cache holds an address: counting needs only a stable pseudonym.
        pseudonym = hashlib.sha256(f"{settings.SECRET_KEY}:{ident}".encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": pseudonym}


class DeviceRateThrottle(_KioskThrottle):
    """Per tablet: a tablet sending its offline queue stays well below it."""

    scope = "kiosk_device"
    rate = "60/min"

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, Device):
            return None
        return self._key(request.auth.pk)


class DeviceAddressRateThrottle(_KioskThrottle):
    """Per address, for tablets: ten tablets behind one router never reach it."""

    scope = "kiosk_address"
    rate = "600/min"

    def get_cache_key(self, request, view) -> str:
        return self._key(self.get_ident(request))


class PublicReadRateThrottle(_KioskThrottle):
    """Per address, loading the flow on residents' phones (many phones may share one address)."""

    scope = "kiosk_public_read"
    rate = "60/min"

    def get_cache_key(self, request, view) -> str:
        return self._key(self.get_ident(request))


class PublicSubmitRateThrottle(_KioskThrottle):
    """Per address, sending from residents' phones."""

    scope = "kiosk_public"
    rate = "20/min"

    def get_cache_key(self, request, view) -> str:
        return self._key(self.get_ident(request))


class PairingRateThrottle(_KioskThrottle):
    """Per address, trying pairing codes: guessing one of 387 million codes takes forever."""

    scope = "kiosk_pair"
    rate = "10/min"

    def get_cache_key(self, request, view) -> str:
        return self._key(self.get_ident(request))
