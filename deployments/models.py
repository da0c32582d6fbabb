"""The planning side: who runs the lab, where it stands, when, with whom, and what happens there."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kiezlabor.i18n import translated, validate_translations


class AgeBand(models.TextChoices):
    """The age bands of Berlin's official population statistics (Einwohnerregister)."""

    UNDER_6 = "0_5", _("unter 6 Jahre")
    FROM_6 = "6_14", _("6 bis 14 Jahre")
    FROM_15 = "15_17", _("15 bis 17 Jahre")
    FROM_18 = "18_26", _("18 bis 26 Jahre")
    FROM_27 = "27_44", _("27 bis 44 Jahre")
    FROM_45 = "45_54", _("45 bis 54 Jahre")
    FROM_55 = "55_64", _("55 bis 64 Jahre")
    FROM_65 = "65_plus", _("65 Jahre und älter")


class Organisation(models.Model):
    """A lab operator (Kiezlabor Berlin, stadtLABOR Soest, …) that owns its planning objects."""

    name = models.CharField(_("Name"), max_length=200, unique=True)
    slug = models.SlugField(_("Kurzname"), unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="organisations",
        verbose_name=_("Mitglieder"),
    )

    class Meta:
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisationen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A staff user's membership in an organisation, with the role they have there."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Team")
        MODERATOR = "moderator", _("Moderation")
        MANAGER = "manager", _("Leitung")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("Rolle"), max_length=20, choices=Role, default=Role.STAFF)

    class Meta:
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="membership_unique_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"


class Area(models.Model):
    """An official area of Berlin (district or LOR forecast area) with its residents by age."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("Bezirk")
        FORECAST_AREA = "forecast_area", _("Prognoseraum")

    kind = models.CharField(_("Art"), max_length=20, choices=Kind)
    code = models.CharField(_("amtlicher Schlüssel"), max_length=12)
    name = models.CharField(_("Name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("gehört zu"),
    )
    geometry = models.MultiPolygonField(_("Umriss"), srid=4326)
    population_total = models.PositiveIntegerField(_("Einwohner:innen"), default=0)
    population_by_age = models.JSONField(
        _("Einwohner:innen nach Altersgruppe"),
        default=dict,
        blank=True,
        help_text=_("Anzahl je Altersgruppe der amtlichen Statistik."),
    )
    population_reference_date = models.DateField(_("Stichtag der Einwohnerzahl"), null=True)
    social_status_index = models.DecimalField(
        _("Status-Index (MSS)"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Monitoring Soziale Stadtentwicklung, nach Einwohner:innen gewichtet: "
            "1 = hoch, 4 = sehr niedrig."
        ),
    )

    class Meta:
        verbose_name = _("Gebiet")
        verbose_name_plural = _("Gebiete")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="area_unique_code_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class TargetGroup(models.Model):
    """A group of residents a deployment or event wants to reach (Zielgruppe)."""

    code = models.SlugField(_("Schlüssel"), unique=True)
    name = models.CharField(_("Name"), max_length=100)

    class Meta:
        verbose_name = _("Zielgruppe")
        verbose_name_plural = _("Zielgruppen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A place where the lab can stand (Standort), with what it offers and who agreed to it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("vorgeschlagen")
        CONFIRMED = "confirmed", _("bestätigt")
        RETIRED = "retired", _("nicht mehr genutzt")

    class SiteType(models.TextChoices):
        SQUARE = "square", _("Platz")
        MARKET = "market", _("Markt")
        PARK = "park", _("Park oder Grünfläche")
        SCHOOL_YARD = "school_yard", _("Schulhof")
        CAR_PARK = "car_park", _("Parkplatz (z. B. Supermarkt)")
        STREET_FESTIVAL = "street_festival", _("Straßenfest")
        COURTYARD = "courtyard", _("Hof oder Innenhof")
        OTHER = "other", _("Sonstiges")

    class Footfall(models.TextChoices):
        LOW = "low", _("gering")
        MEDIUM = "medium", _("mittel")
        HIGH = "high", _("hoch")

    class Permit(models.TextChoices):
        NOT_NEEDED = "not_needed", _("nicht nötig")
        REQUESTED = "requested", _("beantragt")
        GRANTED = "granted", _("erteilt")
        REFUSED = "refused", _("abgelehnt")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="sites", verbose_name=_("Organisation")
    )
    name = models.CharField(_("Name"), max_length=200)
    address = models.CharField(_("Adresse"), max_length=300)
    location = models.PointField(_("Lage"), srid=4326)
    areas = models.ManyToManyField(
        Area,
        blank=True,
        related_name="sites",
        verbose_name=_("Gebiete"),
        help_text=_("Wird aus der Lage bestimmt."),
    )
    status = models.CharField(_("Status"), max_length=20, choices=Status, default=Status.PROPOSED)
    site_type = models.CharField(_("Art des Ortes"), max_length=20, choices=SiteType)
    footfall = models.CharField(
        _("Laufkundschaft"), max_length=10, choices=Footfall, default=Footfall.MEDIUM
    )
    has_power = models.BooleanField(_("Stromanschluss"), default=False)
    has_water = models.BooleanField(_("Wasseranschluss"), default=False)
    step_free = models.BooleanField(_("stufenlos erreichbar"), default=False)
    permit = models.CharField(
        _("Genehmigung"), max_length=20, choices=Permit, default=Permit.REQUESTED
    )
    permit_reference = models.CharField(
        _("Aktenzeichen der Genehmigung"), max_length=100, blank=True
    )
    contact = models.CharField(
        _("Ansprechperson vor Ort"),
        max_length=200,
        blank=True,
        help_text=_("Personenbezogene Daten: nur für die Abstimmung vor Ort."),
    )
    agreement_with = models.CharField(
        _("Vereinbarung mit"),
        max_length=200,
        blank=True,
        help_text=_("Lokale Akteurin, die dem Standort zugestimmt hat (z. B. Hausverwaltung)."),
    )
    agreement_on = models.DateField(_("Vereinbart am"), null=True, blank=True)
    notes = models.TextField(_("Notizen"), blank=True)

    class Meta:
        verbose_name = _("Standort")
        verbose_name_plural = _("Standorte")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="confirmed")
                | (~Q(agreement_with="") & Q(agreement_on__isnull=False)),
                name="site_confirmed_needs_agreement",
                violation_error_message=_(
                    "Ein Standort kann erst bestätigt werden, wenn eine Vereinbarung mit einer "
                    "lokalen Akteurin (wer und wann) eingetragen ist."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_agreement(self) -> bool:
        return bool(self.agreement_with and self.agreement_on)


class Theme(models.Model):
    """A theme an organisation works on (Mobilität, Grünflächen, …), chosen per deployment."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(_("Name"), max_length=100)
    translations = models.JSONField(
        _("Übersetzungen"),
        default=dict,
        blank=True,
        validators=[validate_translations],
        help_text=_('Für das Tablet, z. B. {"en": "Mobility", "tr": "Ulaşım"}.'),
    )

    class Meta:
        verbose_name = _("Thema")
        verbose_name_plural = _("Themen")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="theme_unique_name_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        return translated(self.name, self.translations, language)


class Deployment(models.Model):
    """An Einsatz: the lab at one site for a period, with its goals, target groups and team."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        PLANNED = "planned", _("geplant")
        CONFIRMED = "confirmed", _("bestätigt")
        RUNNING = "running", _("läuft")
        CLOSED = "closed", _("abgeschlossen")
        REPORTED = "reported", _("berichtet")

    class Vehicle(models.TextChoices):
        CONTAINER = "container", _("Container")
        CARGO_BIKE = "cargo_bike", _("Lastenrad")
        OTHER = "other", _("Sonstiges")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="deployments",
        verbose_name=_("Organisation"),
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="deployments", verbose_name=_("Standort")
    )
    title = models.CharField(_("Titel"), max_length=200)
    slug = models.SlugField(_("Kurzname für Links"), unique=True)
    vehicle = models.CharField(
        _("Fahrzeug"), max_length=20, choices=Vehicle, default=Vehicle.CONTAINER
    )
    starts_on = models.DateField(_("Beginn"))
    ends_on = models.DateField(_("Ende"))
    status = models.CharField(
        _("Status"), max_length=20, choices=Status, default=Status.DRAFT, editable=False
    )
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, related_name="deployments", verbose_name=_("Zielgruppen")
    )
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="deployments", verbose_name=_("Themen")
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="deployments",
        verbose_name=_("Team"),
    )
    description = models.TextField(_("Beschreibung (öffentlich)"), blank=True)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("Einsatz")
        verbose_name_plural = _("Einsätze")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="deployment_ends_after_start",
                violation_error_message=_("Das Ende liegt vor dem Beginn."),
            ),
        ]
        indexes = [models.Index(fields=["site", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return self.title


class Goal(models.TextChoices):
    """The seven goal areas of a deployment's goal profile (Zielprofil)."""

    INFORMATION = "information", _("Information")
    DIGITAL_EDUCATION = "digital_education", _("Digitale Bildung")
    MAKER_EDUCATION = "maker_education", _("Handwerkliche Bildung")
    SOCIAL = "social", _("Soziale Aspekte")
    CLOSENESS = "closeness", _("Bürgernähe")
    NETWORKING = "networking", _("Vernetzung")
    ECONOMY = "economy", _("Wirtschaftsförderung")


class DeploymentGoal(models.Model):
    """One goal area of a deployment's goal profile with its rank (1 = most important)."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="goals")
    goal = models.CharField(_("Zielbereich"), max_length=30, choices=Goal)
    rank = models.PositiveSmallIntegerField(_("Rang"))

    class Meta:
        verbose_name = _("Ziel")
        verbose_name_plural = _("Zielprofil")
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "goal"], name="goal_once_per_deployment"),
            models.UniqueConstraint(fields=["deployment", "rank"], name="goal_rank_unique"),
            models.CheckConstraint(
                condition=Q(rank__gte=1) & Q(rank__lte=7), name="goal_rank_between_1_and_7"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.get_goal_display()}"


class Partner(models.Model):
    """A local organisation, office, school or initiative that contributes to the programme."""

    class Kind(models.TextChoices):
        CIVIL_SOCIETY = "civil_society", _("Zivilgesellschaft")
        ADMINISTRATION = "administration", _("Verwaltung / Fachamt")
        EDUCATION = "education", _("Schule oder Bildung")
        BUSINESS = "business", _("Wirtschaft")
        SCIENCE = "science", _("Wissenschaft")
        CULTURE = "culture", _("Kultur")
        RELIGIOUS = "religious", _("Religionsgemeinschaft")
        OTHER = "other", _("Sonstiges")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="partners",
        verbose_name=_("Organisation"),
    )
    name = models.CharField(_("Name"), max_length=200)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind)
    contribution = models.TextField(_("Beitrag"), blank=True, help_text=_("Was sie einbringen."))
    agreement = models.TextField(_("Vereinbarung"), blank=True)
    referred_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("vermittelt durch"),
    )
    website = models.URLField(_("Webseite"), blank=True)

    class Meta:
        verbose_name = _("Partner:in")
        verbose_name_plural = _("Partner:innen")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="partner_unique_name_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerContact(models.Model):
    """A contact person at a partner: personal data, kept for a purpose and deleted after it."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("Name"), max_length=200)
    role = models.CharField(_("Funktion"), max_length=200, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    purpose = models.CharField(
        _("Zweck"), max_length=200, help_text=_("Wofür die Kontaktdaten gespeichert werden.")
    )
    delete_after = models.DateField(
        _("löschen nach"), null=True, blank=True, help_text=_("Vereinbarte Aufbewahrungsfrist.")
    )

    class Meta:
        verbose_name = _("Kontaktperson")
        verbose_name_plural = _("Kontaktpersonen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeploymentPartner(models.Model):
    """The role a partner plays in one deployment."""

    class Role(models.TextChoices):
        PROGRAMME = "programme", _("gestaltet Programm")
        CO_HOST = "co_host", _("Mitveranstalter:in")
        MULTIPLIER = "multiplier", _("Multiplikator:in")
        INFRASTRUCTURE = "infrastructure", _("Infrastruktur (Strom, Wasser, Fläche)")
        ADMINISTRATION = "administration", _("Verwaltung / Fachamt")
        OTHER = "other", _("Sonstiges")

    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="partner_roles"
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="deployment_roles",
        verbose_name=_("Partner:in"),
    )
    role = models.CharField(_("Rolle"), max_length=20, choices=Role, default=Role.PROGRAMME)
    notes = models.CharField(_("Notiz"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Rolle einer Partner:in")
        verbose_name_plural = _("Partner:innen im Einsatz")
        constraints = [
            models.UniqueConstraint(
                fields=["deployment", "partner"], name="partner_once_per_deployment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} ({self.get_role_display()})"


class EventSeries(models.Model):
    """A recurring programme item (Reihe); series reach more people than one-off dates."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="series")
    title = models.CharField(_("Titel"), max_length=200)

    class Meta:
        verbose_name = _("Veranstaltungsreihe")
        verbose_name_plural = _("Veranstaltungsreihen")

    def __str__(self) -> str:
        return self.title


class Event(models.Model):
    """A programme item of a deployment (Veranstaltung): a workshop, a consultation hour, …"""

    class Format(models.TextChoices):
        WORKSHOP = "workshop", _("Werkstatt")
        CONSULTATION = "consultation", _("Sprechstunde")
        EXHIBITION = "exhibition", _("Ausstellung")
        CITIZENS_OFFICE = "citizens_office", _("Bürgeramt-Service")
        CO_DESIGN = "co_design", _("Co-Design")
        DATA_WALK = "data_walk", _("Datenspaziergang")
        OPEN_HOURS = "open_hours", _("Offene Zeit")
        FESTIVAL = "festival", _("Kiezfest")
        OTHER = "other", _("Sonstiges")

    class Lead(models.TextChoices):
        OWN = "own", _("eigene Veranstaltung")
        PARTNER = "partner", _("Partner:in")

    class State(models.TextChoices):
        PLANNED = "planned", _("geplant")
        HELD = "held", _("stattgefunden")
        CANCELLED = "cancelled", _("abgesagt")

    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="events", verbose_name=_("Einsatz")
    )
    series = models.ForeignKey(
        EventSeries,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("Reihe"),
    )
    title = models.CharField(_("Titel"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True)
    format = models.CharField(_("Format"), max_length=20, choices=Format)
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    lead = models.CharField(
        pgettext_lazy("event", "Durchführung"), max_length=10, choices=Lead, default=Lead.OWN
    )
    partners = models.ManyToManyField(
        Partner, blank=True, related_name="events", verbose_name=_("Partner:innen")
    )
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, related_name="events", verbose_name=_("Zielgruppen")
    )
    languages = models.JSONField(
        _("Sprachen"), default=list, blank=True, help_text=_("Sprachcodes, z. B. de, tr, ar.")
    )
    accessibility = models.CharField(_("Hinweise zur Barrierefreiheit"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("Plätze"), null=True, blank=True)
    is_public = models.BooleanField(_("öffentlich"), default=True)
    state = models.CharField(_("Stand"), max_length=20, choices=State, default=State.PLANNED)
    cancel_reason = models.CharField(_("Grund der Absage"), max_length=300, blank=True)
    cancelled_on = models.DateField(_("abgesagt am"), null=True, blank=True)
    attendance = models.PositiveIntegerField(_("Teilnehmende"), null=True, blank=True)

    class Meta:
        verbose_name = _("Veranstaltung")
        verbose_name_plural = _("Programm")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("Die Veranstaltung endet, bevor sie beginnt."),
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled")
                | (~Q(cancel_reason="") & Q(cancelled_on__isnull=False)),
                name="event_cancellation_has_reason_and_date",
                violation_error_message=_("Eine Absage braucht einen Grund und ein Datum."),
            ),
        ]
        indexes = [models.Index(fields=["deployment", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class Shift(models.Model):
    """Who staffs the lab when (Schicht); public shifts are the published opening hours."""

    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("Einsatz")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shifts",
        verbose_name=_("Teammitglied"),
        help_text=_("Leer lassen, solange die Schicht noch nicht besetzt ist."),
    )
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    is_public = models.BooleanField(
        _("Öffnungszeit"), default=True, help_text=_("Wird als Öffnungszeit veröffentlicht.")
    )
    notes = models.CharField(_("Notiz"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Schicht")
        verbose_name_plural = _("Schichten")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="shift_ends_after_start",
                violation_error_message=_("Die Schicht endet, bevor sie beginnt."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deployment}: {self.starts_at:%d.%m.%Y %H:%M}"


class AuditEntry(models.Model):
    """Who did what to which object, and when: the trail of staff actions on shared data."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("Organisation"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("wer"),
    )
    action = models.CharField(_("Aktion"), max_length=60)
    target_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, verbose_name=_("Art des Objekts")
    )
    target_id = models.CharField(_("Objekt-ID"), max_length=64)
    target_repr = models.CharField(_("Objekt"), max_length=200)
    data = models.JSONField(_("Einzelheiten"), default=dict, blank=True)
    at = models.DateTimeField(_("wann"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokoll")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_repr}"
