from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deployments.models import Deployment, Organisation


class Device(models.Model):
    """A tablet at the container, paired with one deployment at a time.

    Pairing: staff create a one-time code (shown with a QR code); the tablet trades it for a
    device token it keeps. Only the token's SHA-256 is stored, so a database leak does not let
    anyone post as a tablet. Revoking clears the token; the device then shows "please ask the team".
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="devices",
        verbose_name=_("Organisation"),
    )
    name = models.CharField(_("Name"), max_length=100, help_text=_("z. B. „Tablet 1 (Container)“"))
    deployment = models.ForeignKey(
        Deployment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("Einsatz"),
    )
    pairing_code = models.CharField(_("Kopplungscode"), max_length=12, blank=True)
    pairing_code_expires_at = models.DateTimeField(_("Code gültig bis"), null=True, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    paired_at = models.DateTimeField(_("gekoppelt am"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("gesperrt am"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("zuletzt gesehen"), null=True, blank=True)
    pending_on_device = models.PositiveIntegerField(
        _("wartende Beiträge auf dem Gerät"),
        default=0,
        help_text=_("Vom Tablet beim letzten Lebenszeichen gemeldet."),
    )
    rejected_on_device = models.PositiveIntegerField(
        _("abgelehnte Beiträge auf dem Gerät"),
        default=0,
        help_text=_("Vom Server abgelehnte Beiträge, die auf dem Tablet für das Team liegen."),
    )
    idle_seconds = models.PositiveSmallIntegerField(
        _("Zurück zum Start nach (Sekunden)"),
        default=90,
        help_text=_("Ohne Berührung kehrt das Tablet nach dieser Zeit zum Start zurück."),
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Tablet")
        verbose_name_plural = _("Tablets")
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"], condition=~Q(token_hash=""), name="device_unique_token"
            ),
            models.UniqueConstraint(
                fields=["pairing_code"],
                condition=~Q(pairing_code=""),
                name="device_unique_pairing_code",
            ),
            models.CheckConstraint(
                condition=Q(idle_seconds__gte=20) & Q(idle_seconds__lte=600),
                name="device_idle_seconds_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_paired(self) -> bool:
        return bool(self.token_hash) and self.revoked_at is None and self.deployment_id is not None
