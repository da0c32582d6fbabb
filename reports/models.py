"""The Ortsanalyse as a document: report jobs, their PDFs, and who may read them."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deployments.models import Area, Deployment, Organisation


class Report(models.Model):
    """One build of a deployment's site analysis as a PDF.

    The snapshot of the analysis is taken when the build first runs and kept: building the same
    report again renders the same figures even after new inputs arrived; a new report shows the
    new data. The recommendations are copied as staff curated them at that moment.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("wartet")
        RUNNING = "running", _("wird erstellt")
        DONE = "done", _("fertig")
        FAILED = "failed", _("fehlgeschlagen")

    class Language(models.TextChoices):
        GERMAN = "de", _("Deutsch")
        ENGLISH = "en", _("Englisch")

    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("Einsatz")
    )
    language = models.CharField(
        _("Sprache"), max_length=2, choices=Language, default=Language.GERMAN
    )
    state = models.CharField(
        _("Stand"), max_length=10, choices=State, default=State.QUEUED, editable=False
    )
    progress = models.PositiveSmallIntegerField(
        _("Fortschritt (%)"), default=0, validators=[MaxValueValidator(100)], editable=False
    )
    step = models.CharField(_("Schritt"), max_length=100, blank=True, editable=False)
    snapshot = models.JSONField(_("Analyse"), null=True, blank=True, editable=False)
    snapshot_version = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    recommendations = models.JSONField(
        _("Handlungsempfehlungen"), default=list, blank=True, editable=False
    )
    file = models.FileField(_("PDF"), upload_to="reports/%Y/", blank=True, editable=False)
    file_hash = models.CharField(_("SHA-256 der Datei"), max_length=64, blank=True, editable=False)
    page_count = models.PositiveSmallIntegerField(
        _("Seiten"), null=True, blank=True, editable=False
    )
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0, editable=False)
    error = models.TextField(_("Fehler"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("gestartet von"),
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    # The last time the build was queued, and the Celery task that runs it (kiezlabor.jobs).
    queued_at = models.DateTimeField(
        _("in Warteschlange seit"), default=timezone.now, editable=False
    )
    task_id = models.CharField(max_length=255, blank=True, editable=False)
    started_at = models.DateTimeField(_("Beginn"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("fertig am"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Ortsanalyse")
        verbose_name_plural = _("Ortsanalysen")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "started_at"], name="report_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="done") | (~Q(file="") & ~Q(file_hash="")),
                name="report_done_has_file",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.deployment} ({self.created_at:%d.%m.%Y %H:%M})"
            if self.created_at
            else str(self.deployment)
        )

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class PortalAccess(models.Model):
    """What an administration user (a district office, the Senate) may read in the portal.

    They see the reports and exports of deployments of the listed organisations and of
    deployments whose site lies in one of the listed districts.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="portal_access",
        verbose_name=_("Person"),
    )
    districts = models.ManyToManyField(
        Area,
        blank=True,
        limit_choices_to={"kind": Area.Kind.DISTRICT},
        related_name="+",
        verbose_name=_("Bezirke"),
    )
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="+", verbose_name=_("Organisationen")
    )
    note = models.CharField(
        _("Dienststelle"), max_length=200, blank=True, help_text=_("z. B. Bezirksamt Neukölln, SPK")
    )

    class Meta:
        verbose_name = _("Zugang zum Portal")
        verbose_name_plural = _("Zugänge zum Portal")

    def __str__(self) -> str:
        return str(self.user)
