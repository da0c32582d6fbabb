"""What staff keep of an analysis: the recommendations as they curated them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deployments.models import Deployment


class Recommendation(models.Model):
    """A Handlungsempfehlung for one deployment, proposed by a rule or written by staff.

    Rules propose recommendations each time the analysis runs; a proposal is matched to its
    row by ``key``. Once staff edited a row (``edited_at`` set) the analysis no longer touches
    its text; dropped rows stay dropped. Rows staff add themselves have no rule and no key.
    """

    class Priority(models.TextChoices):
        HIGH = "high", _("hoch")
        MEDIUM = "medium", _("mittel")
        LOW = "low", _("niedrig")

    deployment = models.ForeignKey(
        Deployment,
        on_delete=models.CASCADE,
        related_name="recommendations",
        verbose_name=_("Einsatz"),
    )
    rule = models.CharField(_("Regel"), max_length=60, blank=True, editable=False)
    key = models.CharField(max_length=120, blank=True, editable=False)
    finding = models.TextField(_("Befund"))
    action = models.TextField(_("Empfohlene Maßnahme"))
    addressee = models.CharField(_("Adressat"), max_length=200)
    priority = models.CharField(
        _("Priorität"), max_length=10, choices=Priority, default=Priority.MEDIUM
    )
    evidence = models.JSONField(_("Belege"), default=list, blank=True, editable=False)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    is_dropped = models.BooleanField(_("verworfen"), default=False)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("bearbeitet von"),
    )
    edited_at = models.DateTimeField(_("bearbeitet am"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Handlungsempfehlung")
        verbose_name_plural = _("Handlungsempfehlungen")
        ordering = ["deployment", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["deployment", "key"],
                condition=~Q(key=""),
                name="recommendation_unique_rule_key",
            ),
        ]

    def __str__(self) -> str:
        return self.finding[:80]
