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
    """A rate from the class, unless the settings override it for the scope (None = no limit).

    Requests are counted per window of the rate's duration (a minute) with one atomic increment.
    DRF's own throttle keeps the time of every request in a list that each request reads and
    writes back whole: up to 600 timestamps per request for the address backstop, and two web
    workers answering at the same moment overwrite each other's count. A fixed window lets a
    client send up to twice the rate across a window's edge, which is fine for a backstop.
    """

    def __init__(self) -> None:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self) -> str | None:
        overrides = getattr(settings, "KIEZLABOR_KIOSK_THROTTLE_RATES", {})
        return overrides.get(self.scope, type(self).rate)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        try:
            count = self._count(f"{key}:{window}")
        except Exception:  # the cache backend's own connection errors, whichever backend
            logger.warning("%s not applied: the cache is unreachable", self.scope, exc_info=True)
            return True
        return count <= self.num_requests

    def _count(self, key: str) -> int:
        """This request's number in the window."""
        try:
            return self.cache.incr(key)
        except ValueError:  # the window's first request (or the count expired)
            if self.cache.add(key, 1, self.duration):
                return 1
            return self.cache.incr(key)

    def wait(self) -> float:
        """Seconds until the window ends (DRF's Retry-After)."""
        return max(self.window_ends - self.now, 1.0)

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
