from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deployments.models import Deployment, Organisation


class JobState(models.TextChoices):
    QUEUED = "queued", _("wartet")
    RUNNING = "running", _("läuft")
    PREVIEWED = "previewed", _("Vorschau fertig")
    DONE = "done", _("fertig")
    FAILED = "failed", _("fehlgeschlagen")


class ImportProfile(models.Model):
    """A column mapping staff set up once for a kind of file and reuse for every import.

    ``mapping`` assigns each target field a column header of the file, e.g.
    ``{"text": "Ihre Idee", "age_band": "Alter"}``; ``value_maps`` translates a column's values,
    e.g. ``{"age_band": {"unter 18": "15_17"}}``.
    """

    class Target(models.TextChoices):
        PAPER_FORMS = "paper_forms", _("Papierbögen (Ideen, Rückmeldungen)")
        VISITOR_COUNTER = "visitor_counter", _("Besucherzähler (Lichtschranke)")
        PLATFORM_EXPORT = "platform_export", _("Export einer anderen Beteiligungsplattform")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="import_profiles",
        verbose_name=_("Organisation"),
    )
    name = models.CharField(_("Name"), max_length=100)
    target = models.CharField(_("Was wird importiert"), max_length=20, choices=Target)
    mapping = models.JSONField(_("Spaltenzuordnung"), default=dict)
    value_maps = models.JSONField(_("Werte übersetzen"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Import-Vorlage")
        verbose_name_plural = _("Import-Vorlagen")
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="importprofile_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Job(models.Model):
    """A background job with state and progress that the page starting it polls."""

    state = models.CharField(_("Stand"), max_length=20, choices=JobState, default=JobState.QUEUED)
    progress = models.PositiveSmallIntegerField(
        _("Fortschritt (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    error = models.TextField(_("Fehler"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("gestartet von"),
    )
    created_at = models.DateTimeField(_("gestartet am"), auto_now_add=True)
    # When the task was last queued, which Celery task runs it, since when, and how many runs
    # it took: what ``kiezlabor.jobs`` needs to send lost tasks again and claim each job once.
    queued_at = models.DateTimeField(
        _("in Warteschlange seit"), default=timezone.now, editable=False
    )
    task_id = models.CharField(max_length=255, blank=True, editable=False)
    started_at = models.DateTimeField(_("Beginn"), null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0, editable=False)
    finished_at = models.DateTimeField(_("fertig am"), null=True, blank=True)

    class Meta:
        abstract = True


class ImportJob(Job):
    """One uploaded file: previewed first (dry run), then imported all-or-nothing."""

    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("Einsatz")
    )
    profile = models.ForeignKey(
        ImportProfile, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("Vorlage")
    )
    file = models.FileField(
        _("Datei"),
        upload_to="imports/%Y/%m/",
        blank=True,
        help_text=_(
            "Die hochgeladene Datei; sie wird gelöscht, sobald der Import fertig oder "
            "gescheitert ist, denn sie kann persönliche Daten enthalten."
        ),
    )
    original_name = models.CharField(_("Dateiname"), max_length=200)
    file_hash = models.CharField(max_length=64, editable=False)
    dry_run = models.BooleanField(_("nur Vorschau"), default=True)
    rows_total = models.PositiveIntegerField(_("Zeilen"), default=0)
    rows_new = models.PositiveIntegerField(_("neue Zeilen"), default=0)
    rows_known = models.PositiveIntegerField(_("schon vorhandene Zeilen"), default=0)
    row_errors = models.JSONField(
        _("Fehler je Zeile"),
        default=list,
        blank=True,
        help_text=_('Liste von {"row": 3, "column": "Alter", "message": "…"}.'),
    )
    preview = models.JSONField(_("Vorschau"), default=list, blank=True)

    class Meta:
        verbose_name = _("Import")
        verbose_name_plural = _("Importe")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name


class ExportJob(Job):
    """An export of a deployment's contributions, written in the background to a file."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV für Excel")
        XLSX = "xlsx", _("Excel (XLSX)")
        GEOJSON = "geojson", _("GeoJSON (Beiträge mit Ort)")

    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="export_jobs", verbose_name=_("Einsatz")
    )
    format = models.CharField(_("Format"), max_length=10, choices=Format)
    include_unapproved = models.BooleanField(
        _("auch nicht freigegebene Beiträge"), default=False, editable=False
    )
    include_demographics = models.BooleanField(
        _("Angaben zur Person je Beitrag"), default=False, editable=False
    )
    file = models.FileField(_("Datei"), upload_to="exports/%Y/%m/", blank=True)
    row_count = models.PositiveIntegerField(_("Zeilen"), default=0)

    class Meta:
        verbose_name = _("Export")
        verbose_name_plural = _("Exporte")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.deployment} ({self.get_format_display()})"
