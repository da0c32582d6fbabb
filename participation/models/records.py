from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deployments.models import AgeBand, Deployment, Event


class VisitorCount(models.Model):
    """How many people came by in one hour, counted by staff or by a light-barrier counter.

    A row without age band is a count of everyone (the counter cannot tell ages).
    """

    class Gender(models.TextChoices):
        FEMALE = "female", _("weiblich")
        MALE = "male", _("männlich")
        DIVERSE = "diverse", _("divers")

    class Source(models.TextChoices):
        MANUAL = "manual", _("vom Team gezählt")
        COUNTER = "counter", _("Lichtschranke")

    deployment = models.ForeignKey(
        Deployment,
        on_delete=models.CASCADE,
        related_name="visitor_counts",
        verbose_name=_("Einsatz"),
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visitor_counts",
        verbose_name=_("Veranstaltung"),
    )
    hour_starts_at = models.DateTimeField(_("Stunde ab"))
    age_band = models.CharField(_("Altersgruppe"), max_length=10, choices=AgeBand, blank=True)
    gender = models.CharField(_("Geschlecht"), max_length=10, choices=Gender, blank=True)
    count = models.PositiveIntegerField(_("Anzahl"))
    source = models.CharField(_("Quelle"), max_length=10, choices=Source, default=Source.MANUAL)
    import_job = models.ForeignKey(
        "participation.ImportJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visitor_counts",
        verbose_name=_("Import"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Besucherzählung")
        verbose_name_plural = _("Besucherzählungen")
        ordering = ["deployment", "hour_starts_at", "age_band", "gender"]
        constraints = [
            models.UniqueConstraint(
                fields=["deployment", "hour_starts_at", "age_band", "gender", "source"],
                name="visitorcount_one_per_hour_and_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hour_starts_at:%d.%m.%Y %H} Uhr: {self.count}"


class WorkshopResult(models.Model):
    """What a workshop (Werkstatt) produced; its outcome statements are contributions."""

    class Method(models.TextChoices):
        WORLD_CAFE = "world_cafe", _("Weltcafé")
        DOT_VOTING = "dot_voting", _("Punkte kleben")
        MAP = "map", _("Arbeit an der Karte")
        WALK = "walk", _("Kiezspaziergang")
        BUILDING = "building", _("Modellbau")
        DISCUSSION = "discussion", _("Gesprächsrunde")
        OTHER = "other", _("andere Methode")

    deployment = models.ForeignKey(
        Deployment,
        on_delete=models.CASCADE,
        related_name="workshop_results",
        verbose_name=_("Einsatz"),
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop_results",
        verbose_name=_("Veranstaltung"),
    )
    title = models.CharField(_("Titel"), max_length=200)
    method = models.CharField(_("Methode"), max_length=20, choices=Method)
    participants = models.PositiveIntegerField(_("Teilnehmende"))
    held_on = models.DateField(_("am"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("erfasst am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Werkstatt-Ergebnis")
        verbose_name_plural = _("Werkstatt-Ergebnisse")
        ordering = ["deployment", "-held_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(participants__gte=1), name="workshopresult_has_participants"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class WorkshopPhoto(models.Model):
    """A photo of a workshop board (e.g. the sticky notes), kept as evidence."""

    workshop = models.ForeignKey(WorkshopResult, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("Foto"), upload_to="workshops/%Y/%m/")
    caption = models.CharField(_("Beschreibung"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Foto")
        verbose_name_plural = _("Fotos")

    def __str__(self) -> str:
        return self.caption or self.image.name


class ReflectionEntry(models.Model):
    """The team's own reflection on a deployment: internal, never part of resident statistics."""

    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="reflections", verbose_name=_("Einsatz")
    )
    written_on = models.DateField(_("am"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("von"),
    )
    went_well = models.TextField(_("Was lief gut?"), blank=True)
    to_improve = models.TextField(_("Was machen wir anders?"), blank=True)
    notes = models.TextField(_("Weitere Beobachtungen"), blank=True)

    class Meta:
        verbose_name = _("Team-Reflexion")
        verbose_name_plural = _("Team-Reflexionen")
        ordering = ["deployment", "-written_on"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(went_well="", to_improve="", notes=""), name="reflection_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deployment} – {self.written_on:%d.%m.%Y}"
