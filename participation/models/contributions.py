from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deployments.models import AgeBand, Deployment, Event, Theme

TEXT_MAX_LENGTH = 1000


class Kind(models.TextChoices):
    IDEA = "idea", _("Idee oder Anliegen")
    POLL = "poll", _("Umfrage-Antwort")
    FEEDBACK = "feedback", _("Rückmeldung zu einer Veranstaltung")
    NOTE = "note", _("Gesprächsnotiz")
    STATEMENT = "statement", _("Ergebnis einer Werkstatt")


class Channel(models.TextChoices):
    KIOSK = "kiosk", _("Tablet am Container")
    ONLINE = "online", _("Online (eigenes Handy)")
    PAPER = "paper", _("Papier oder Import")
    CONVERSATION = "conversation", _("Gespräch")
    WORKSHOP = "workshop", _("Werkstatt")


class Relation(models.TextChoices):
    LIVES_HERE = "lives_here", _("wohnt hier")
    NEWCOMER = "newcomer", _("vor weniger als zwei Jahren hergezogen")
    WORKS_HERE = "works_here", _("arbeitet hier")
    VISITING = "visiting", _("zu Besuch")


class HeardVia(models.TextChoices):
    PASSING_BY = "passing_by", _("im Vorbeigehen")
    NEIGHBOURS = "neighbours", _("Nachbarn, Freunde oder Familie")
    POSTER = "poster", _("Plakat oder Handzettel")
    SOCIAL_MEDIA = "social_media", _("soziale Medien")
    PARTNER = "partner", _("über eine Einrichtung im Kiez")
    PRESS = "press", _("Zeitung oder Radio")
    OTHER = "other", _("anders")


class ModerationStatus(models.TextChoices):
    NEW = "new", _("neu")
    APPROVED = "approved", _("freigegeben")
    REJECTED = "rejected", _("abgelehnt")
    HIDDEN = "hidden", _("ausgeblendet")


class RejectionReason(models.TextChoices):
    SPAM = "spam", _("Werbung oder Unsinn")
    PERSONAL_DATA = "personal_data", _("persönliche Daten")
    INSULT = "insult", _("Beleidigung")
    OFF_TOPIC = "off_topic", _("nicht zum Thema")
    DUPLICATE = "duplicate", _("doppelt")


class PublicStatus(models.TextChoices):
    RECEIVED = "received", _("eingegangen")
    FORWARDED = "forwarded", _("weitergeleitet")
    ANSWERED = "answered", _("beantwortet")


class AboutYou(models.Model):
    """The optional "about you" answers; every one may be left empty."""

    age_band = models.CharField(_("Altersgruppe"), max_length=10, choices=AgeBand, blank=True)
    relation = models.CharField(_("Bezug zum Kiez"), max_length=20, choices=Relation, blank=True)
    heard_via = models.CharField(
        _("vom Labor erfahren durch"), max_length=20, choices=HeardVia, blank=True
    )
    demographics_estimated = models.BooleanField(
        _("Angaben vom Team geschätzt"),
        default=False,
        help_text=_(
            "Bei Gesprächsnotizen: Alter und Bezug hat das Team eingeschätzt, nicht erfragt."
        ),
    )

    class Meta:
        abstract = True


class Contribution(AboutYou):
    """A Beitrag: one thing a resident said, however it reached us.

    Ideas and poll answers come from the tablet or residents' phones; feedback, conversation
    notes and workshop statements are recorded by staff or imported. Everything starts as
    ``new`` and only ``approved`` contributions are shown publicly or exported without extra
    permission. Free text is stored only after personal data in it has been masked.
    """

    deployment = models.ForeignKey(
        Deployment,
        on_delete=models.CASCADE,
        related_name="contributions",
        verbose_name=_("Einsatz"),
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name=_("Veranstaltung"),
    )
    kind = models.CharField(_("Art"), max_length=20, choices=Kind)
    channel = models.CharField(_("Weg"), max_length=20, choices=Channel)
    text = models.TextField(_("Text"), max_length=TEXT_MAX_LENGTH, blank=True)
    text_was_masked = models.BooleanField(
        _("persönliche Daten entfernt"),
        default=False,
        help_text=_(
            "Im Text standen E-Mail-Adressen, Telefonnummern oder IBANs; sie wurden ersetzt."
        ),
    )
    language = models.CharField(
        _("Sprache"), max_length=8, choices=settings.LANGUAGES, default="de"
    )
    theme = models.ForeignKey(
        Theme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name=_("Thema"),
    )
    location = models.PointField(_("Ort auf der Karte"), srid=4326, null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("Bewertung"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    poll = models.ForeignKey(
        "participation.Poll",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="responses",
        verbose_name=_("Umfrage"),
    )
    workshop = models.ForeignKey(
        "participation.WorkshopResult",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="statements",
        verbose_name=_("Werkstatt"),
    )
    device = models.ForeignKey(
        "participation.Device",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name=_("Tablet"),
    )
    client_uuid = models.UUIDField(
        _("Kennung vom Gerät"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Vom Tablet oder Handy vergeben; dieselbe Kennung ergibt keinen zweiten Beitrag."
        ),
    )
    content_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Prüfsumme des Inhalts: erkennt erneut gesendete oder importierte Beiträge."),
    )
    import_job = models.ForeignKey(
        "participation.ImportJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name=_("Import"),
    )
    created_on_device_at = models.DateTimeField(_("auf dem Gerät erstellt"), null=True, blank=True)
    received_at = models.DateTimeField(_("eingegangen"), default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("erfasst von"),
    )

    moderation_status = models.CharField(
        _("Moderation"),
        max_length=20,
        choices=ModerationStatus,
        default=ModerationStatus.NEW,
        editable=False,
    )
    rejection_reason = models.CharField(
        _("Grund der Ablehnung"), max_length=20, choices=RejectionReason, blank=True, editable=False
    )
    moderation_note = models.TextField(_("Anmerkung der Moderation"), blank=True, editable=False)
    public_status = models.CharField(
        _("Bearbeitungsstand"),
        max_length=20,
        choices=PublicStatus,
        default=PublicStatus.RECEIVED,
        editable=False,
    )
    public_feedback = models.TextField(_("Rückmeldung (öffentlich)"), blank=True, editable=False)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("Doppelt zu"),
        editable=False,
    )
    codes = models.ManyToManyField(
        "participation.Code", blank=True, related_name="contributions", verbose_name=_("Codes")
    )

    class Meta:
        verbose_name = _("Beitrag")
        verbose_name_plural = _("Beiträge")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(
                fields=["deployment", "moderation_status", "received_at"],
                name="contribution_moderation_idx",
            ),
            models.Index(fields=["deployment", "kind", "channel"], name="contribution_kind_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["client_uuid"], name="contribution_unique_client_uuid"),
            models.UniqueConstraint(
                fields=["deployment", "content_hash"],
                condition=Q(import_job__isnull=False),
                name="contribution_unique_import_row",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="contribution_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(kind="poll") | Q(poll__isnull=False),
                name="contribution_poll_answer_has_poll",
            ),
            models.CheckConstraint(
                condition=~Q(kind="feedback") | Q(rating__isnull=False) | ~Q(text=""),
                name="contribution_feedback_not_empty",
            ),
            models.CheckConstraint(
                condition=~Q(moderation_status="rejected") | ~Q(rejection_reason=""),
                name="contribution_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        label = self.text[:60] if self.text else self.get_kind_display()
        return f"#{self.pk} {label}"
