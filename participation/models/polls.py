from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deployments.models import Deployment
from kiezlabor.i18n import translated, validate_translations


class Poll(models.Model):
    """A quick question staff set up for one deployment, answered on the tablet or a phone."""

    class Type(models.TextChoices):
        SINGLE = "single", _("eine Antwort")
        MULTIPLE = "multiple", _("mehrere Antworten")
        RATING = "rating", _("Bewertung 1 bis 5")
        DOTS = "dots", _("Punkte verteilen")

    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="polls", verbose_name=_("Einsatz")
    )
    question = models.CharField(_("Frage"), max_length=200)
    translations = models.JSONField(
        _("Übersetzungen der Frage"), default=dict, blank=True, validators=[validate_translations]
    )
    type = models.CharField(_("Art"), max_length=20, choices=Type, default=Type.SINGLE)
    points = models.PositiveSmallIntegerField(
        _("Punkte zum Verteilen"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2), MaxValueValidator(20)],
        help_text=_("Nur beim Punkteverteilen: so viele Punkte hat jede Person."),
    )
    is_active = models.BooleanField(_("auf dem Tablet zeigen"), default=True)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Umfrage")
        verbose_name_plural = _("Umfragen")
        ordering = ["deployment", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type="dots", points__isnull=False)
                | (~Q(type="dots") & Q(points__isnull=True)),
                name="poll_points_only_for_dots",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    def question_in(self, language: str) -> str:
        return translated(self.question, self.translations, language)


class PollOption(models.Model):
    """One answer a poll offers (not used by rating polls)."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("Antwort"), max_length=120)
    translations = models.JSONField(
        _("Übersetzungen"), default=dict, blank=True, validators=[validate_translations]
    )
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Antwortmöglichkeit")
        verbose_name_plural = _("Antwortmöglichkeiten")
        ordering = ["poll", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "label"], name="polloption_unique_label"),
        ]

    def __str__(self) -> str:
        return self.label

    def label_in(self, language: str) -> str:
        return translated(self.label, self.translations, language)


class PollAnswer(models.Model):
    """One chosen option of a poll response, with its points (1 unless dot voting)."""

    contribution = models.ForeignKey(
        "participation.Contribution", on_delete=models.CASCADE, related_name="poll_answers"
    )
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="answers")
    points = models.PositiveSmallIntegerField(_("Punkte"), default=1)

    class Meta:
        verbose_name = _("Umfrage-Antwort")
        verbose_name_plural = _("Umfrage-Antworten")
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "option"], name="pollanswer_one_per_option"
            ),
            models.CheckConstraint(condition=Q(points__gte=1), name="pollanswer_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.option} ({self.points})"
