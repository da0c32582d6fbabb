from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from deployments.models import Area, Organisation


class Code(models.Model):
    """An entry in an organisation's hierarchical codebook (e.g. Mobilität › Radverkehr)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="codes", verbose_name=_("Organisation")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("Oberbegriff"),
    )
    name = models.CharField(_("Name"), max_length=100)
    description = models.CharField(_("Beschreibung"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Code")
        verbose_name_plural = _("Codebuch")
        ordering = ["organisation", "parent__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "parent", "name"],
                nulls_distinct=False,
                name="code_unique_name_per_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent} › {self.name}" if self.parent_id else self.name


class Department(models.Model):
    """A Fachamt of a district administration that residents' concerns are passed on to."""

    district = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="departments",
        limit_choices_to={"kind": Area.Kind.DISTRICT},
        verbose_name=_("Bezirk"),
    )
    name = models.CharField(_("Name"), max_length=200)
    email = models.EmailField(_("Funktionspostfach"), blank=True)
    answer_within_days = models.PositiveSmallIntegerField(
        _("Antwort erwartet binnen (Tagen)"), default=28
    )

    class Meta:
        verbose_name = _("Fachamt")
        verbose_name_plural = _("Fachämter")
        ordering = ["district", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"], name="department_unique_per_district"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.district})"


class Routing(models.Model):
    """A contribution passed on to a Fachamt, and how far the department has got with it."""

    class Status(models.TextChoices):
        FORWARDED = "forwarded", _("weitergeleitet")
        IN_PROGRESS = "in_progress", _("in Bearbeitung")
        ANSWERED = "answered", _("beantwortet")
        DECLINED = "declined", _("nicht zuständig")

    contribution = models.ForeignKey(
        "participation.Contribution", on_delete=models.CASCADE, related_name="routings"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="routings", verbose_name=_("Fachamt")
    )
    status = models.CharField(_("Stand"), max_length=20, choices=Status, default=Status.FORWARDED)
    forwarded_on = models.DateField(_("weitergeleitet am"))
    due_on = models.DateField(_("Antwort erwartet bis"))
    answered_on = models.DateField(_("beantwortet am"), null=True, blank=True)
    answer = models.TextField(_("Antwort des Fachamts"), blank=True)
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Weiterleitung")
        verbose_name_plural = _("Weiterleitungen")
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "department"], name="routing_once_per_department"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contribution} → {self.department}"
