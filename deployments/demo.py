"""Demo data of the planning side: one season of Kiezlabor Berlin at real places.

Scale follows the seeds (2024: 7 sites, 100+ events). Everything is keyed by fixed names and
slugs, so seeding twice changes nothing; all writes go through the planning services.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from deployments.models import (
    Deployment,
    DeploymentGoal,
    DeploymentPartner,
    Event,
    Goal,
    Membership,
    Organisation,
    Partner,
    Site,
    TargetGroup,
    Theme,
)
from deployments.services import areas as area_services
from deployments.services import planning

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
ORGANISATION = ("Kiezlabor Berlin", "kiezlabor-berlin")
TEAM = [
    ("lena.hoffmann", "Lena", "Hoffmann", Membership.Role.MANAGER),
    ("murat.yilmaz", "Murat", "Yılmaz", Membership.Role.STAFF),
    ("sofia.kowalska", "Sofia", "Kowalska", Membership.Role.MODERATOR),
    ("jonas.becker", "Jonas", "Becker", Membership.Role.STAFF),
]
THEMES = [
    "Verkehr und Mobilität",
    "Grün- und Freiflächen",
    "Jugend",
    "Digitale Verwaltung",
    "Nachbarschaft",
]

PARTNERS = [
    # name, kind, contribution, referred by
    (
        "Nachbarschaftshaus Friedrichshain",
        Partner.Kind.CIVIL_SOCIETY,
        "Erzählcafé und Kiezspaziergänge",
        None,
    ),
    (
        "Bezirksamt – Straßen- und Grünflächenamt",
        Partner.Kind.ADMINISTRATION,
        "Sprechstunde zu Grünflächen",
        None,
    ),
    (
        "Bürgeramt mobil",
        Partner.Kind.ADMINISTRATION,
        "Ausweis- und Meldeservice ohne Termin",
        "Bezirksamt – Straßen- und Grünflächenamt",
    ),
    ("Stadtbibliothek", Partner.Kind.EDUCATION, "Digitalwerkstatt für Ältere", None),
    (
        "Gemeinschaftsschule am Park",
        Partner.Kind.EDUCATION,
        "Projektwoche Kiezkarte",
        "Stadtbibliothek",
    ),
    (
        "Kiezbäckerei Yıldız",
        Partner.Kind.BUSINESS,
        "Frühstück beim Kiezfest",
        "Nachbarschaftshaus Friedrichshain",
    ),
    (
        "Hochschule für Technik – Urban Data Lab",
        Partner.Kind.SCIENCE,
        "Datenspaziergänge mit offenen Daten",
        None,
    ),
    (
        "Theater im Kiez",
        Partner.Kind.CULTURE,
        "Mitmachtheater für Kinder",
        "Nachbarschaftshaus Friedrichshain",
    ),
    (
        "Moscheegemeinde Wedding",
        Partner.Kind.RELIGIOUS,
        "Übersetzung und Kontakte in die Gemeinde",
        "Nachbarschaftshaus Friedrichshain",
    ),
    (
        "Fahrradwerkstatt Rad & Tat",
        Partner.Kind.CIVIL_SOCIETY,
        "Reparaturcafé für Fahrräder",
        "Gemeinschaftsschule am Park",
    ),
    ("Seniorenvertretung", Partner.Kind.CIVIL_SOCIETY, "Sprechstunde für ältere Menschen", None),
    ("Freiwillige Feuerwehr", Partner.Kind.OTHER, "Mitmachaktion beim Kiezfest", "Bürgeramt mobil"),
]


@dataclass(frozen=True)
class SiteSpec:
    name: str
    address: str
    lon: float
    lat: float
    site_type: str
    agreement_with: str


@dataclass(frozen=True)
class DeploymentSpec:
    slug: str
    title: str
    site: SiteSpec
    starts_on: dt.date
    weeks: int
    goals: tuple[str, ...]
    target_groups: tuple[str, ...]
    themes: tuple[str, ...]


SEASON = [
    DeploymentSpec(
        "boxhagener-platz-2026",
        "Kiezlabor am Boxhagener Platz",
        SiteSpec(
            "Boxhagener Platz",
            "Boxhagener Platz, 10245 Berlin",
            13.4594,
            52.5105,
            Site.SiteType.SQUARE,
            "Straßen- und Grünflächenamt Friedrichshain-Kreuzberg",
        ),
        dt.date(2026, 4, 13),
        3,
        (Goal.CLOSENESS, Goal.INFORMATION, Goal.SOCIAL),
        ("families", "seniors", "neighbours"),
        ("Grün- und Freiflächen", "Verkehr und Mobilität"),
    ),
    DeploymentSpec(
        "leopoldplatz-2026",
        "Kiezlabor am Leopoldplatz",
        SiteSpec(
            "Leopoldplatz",
            "Müllerstraße 146, 13353 Berlin",
            13.3595,
            52.5464,
            Site.SiteType.SQUARE,
            "Bezirksamt Mitte, Fachbereich Stadtplanung",
        ),
        dt.date(2026, 5, 11),
        3,
        (Goal.SOCIAL, Goal.CLOSENESS, Goal.NETWORKING),
        ("migrants", "youth", "families"),
        ("Nachbarschaft", "Jugend"),
    ),
    DeploymentSpec(
        "alfred-scholz-platz-2026",
        "Kiezlabor am Alfred-Scholz-Platz",
        SiteSpec(
            "Alfred-Scholz-Platz",
            "Karl-Marx-Straße 83, 12043 Berlin",
            13.4353,
            52.4808,
            Site.SiteType.SQUARE,
            "Aktion! Karl-Marx-Straße, Geschäftsstraßenmanagement",
        ),
        dt.date(2026, 6, 8),
        3,
        (Goal.ECONOMY, Goal.INFORMATION, Goal.NETWORKING),
        ("businesses", "migrants", "neighbours"),
        ("Verkehr und Mobilität", "Nachbarschaft"),
    ),
    DeploymentSpec(
        "helene-weigel-platz-2026",
        "Kiezlabor am Helene-Weigel-Platz",
        SiteSpec(
            "Helene-Weigel-Platz",
            "Helene-Weigel-Platz, 12681 Berlin",
            13.5435,
            52.5445,
            Site.SiteType.SQUARE,
            "Wohnungsbaugesellschaft, Quartiersmanagement",
        ),
        dt.date(2026, 7, 6),
        3,
        (Goal.DIGITAL_EDUCATION, Goal.SOCIAL, Goal.CLOSENESS),
        ("seniors", "children", "families"),
        ("Digitale Verwaltung", "Grün- und Freiflächen"),
    ),
    DeploymentSpec(
        "spandau-markt-2026",
        "Kiezlabor auf dem Spandauer Markt",
        SiteSpec(
            "Markt Spandau",
            "Markt, 13597 Berlin",
            13.2055,
            52.5365,
            Site.SiteType.MARKET,
            "Marktverwaltung Altstadt Spandau",
        ),
        dt.date(2026, 8, 17),
        3,
        (Goal.INFORMATION, Goal.ECONOMY, Goal.CLOSENESS),
        ("seniors", "businesses", "neighbours"),
        ("Verkehr und Mobilität", "Digitale Verwaltung"),
    ),
    DeploymentSpec(
        "winterfeldtplatz-2026",
        "Kiezlabor am Winterfeldtplatz",
        SiteSpec(
            "Winterfeldtplatz",
            "Winterfeldtplatz, 10781 Berlin",
            13.3521,
            52.4963,
            Site.SiteType.MARKET,
            "Straßen- und Grünflächenamt Tempelhof-Schöneberg",
        ),
        dt.date(2026, 9, 14),
        3,
        (Goal.MAKER_EDUCATION, Goal.NETWORKING, Goal.SOCIAL),
        ("youth", "disabilities", "initiatives"),
        ("Jugend", "Nachbarschaft"),
    ),
    DeploymentSpec(
        "anton-saefkow-platz-2026",
        "Kiezlabor am Anton-Saefkow-Platz",
        SiteSpec(
            "Anton-Saefkow-Platz",
            "Anton-Saefkow-Platz, 10369 Berlin",
            13.4822,
            52.5281,
            Site.SiteType.SQUARE,
            "Bezirksamt Lichtenberg, Stadtentwicklungsamt",
        ),
        dt.date(2026, 11, 9),
        4,
        (Goal.CLOSENESS, Goal.DIGITAL_EDUCATION, Goal.INFORMATION),
        ("seniors", "migrants", "families"),
        ("Digitale Verwaltung", "Grün- und Freiflächen"),
    ),
]

# The weekly programme of a deployment: (weekday, hour, duration h, format, title, lead, partner,
# target groups). Own events are about a quarter, as the seeds advise.
WEEKLY_PROGRAMME = [
    (
        1,
        16,
        2,
        Event.Format.CONSULTATION,
        "Sprechstunde im Kiez",
        Event.Lead.PARTNER,
        "Bezirksamt – Straßen- und Grünflächenamt",
        ("neighbours", "seniors"),
    ),
    (
        2,
        15,
        2,
        Event.Format.WORKSHOP,
        "Digitalwerkstatt",
        Event.Lead.PARTNER,
        "Stadtbibliothek",
        ("seniors",),
    ),
    (
        3,
        10,
        4,
        Event.Format.CITIZENS_OFFICE,
        "Bürgeramt ohne Termin",
        Event.Lead.PARTNER,
        "Bürgeramt mobil",
        ("neighbours", "migrants", "families"),
    ),
    (
        3,
        16,
        2,
        Event.Format.DATA_WALK,
        "Datenspaziergang durch den Kiez",
        Event.Lead.PARTNER,
        "Hochschule für Technik – Urban Data Lab",
        ("youth", "neighbours"),
    ),
    (
        4,
        15,
        3,
        Event.Format.CO_DESIGN,
        "Kiezwerkstatt: Wie soll der Platz werden?",
        Event.Lead.OWN,
        None,
        ("families", "children", "youth", "initiatives", "businesses", "disabilities"),
    ),
    (
        5,
        11,
        3,
        Event.Format.WORKSHOP,
        "Reparaturcafé",
        Event.Lead.PARTNER,
        "Fahrradwerkstatt Rad & Tat",
        ("youth", "families"),
    ),
]
# The first weeks need a dense programme (seeds): extra dates on these days after the start.
START_PHASE = [
    (1, 18, 2, Event.Format.OPEN_HOURS, "Kennenlernen am Container", Event.Lead.OWN, None),
    (
        4,
        10,
        2,
        Event.Format.WORKSHOP,
        "Erzählcafé: Mein Kiez früher und heute",
        Event.Lead.PARTNER,
        "Seniorenvertretung",
    ),
    (
        8,
        13,
        2,
        Event.Format.WORKSHOP,
        "Mitmachtheater für Kinder",
        Event.Lead.PARTNER,
        "Theater im Kiez",
    ),
    (
        11,
        12,
        2,
        Event.Format.CONSULTATION,
        "Fragen an die Moscheegemeinde",
        Event.Lead.PARTNER,
        "Moscheegemeinde Wedding",
    ),
]
OPENING_EXHIBITION = (Event.Format.EXHIBITION, "Ausstellung: Der Kiez in Zahlen", Event.Lead.OWN)
CLOSING_FESTIVAL = (
    Event.Format.FESTIVAL,
    "Kiezfest zum Abschluss",
    Event.Lead.PARTNER,
    "Nachbarschaftshaus Friedrichshain",
)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN)


def _team(organisation: Organisation) -> list:
    users = []
    for username, first, last, role in TEAM:
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "is_staff": True,
                "email": f"{username}@kiezlabor.example",
            },
        )
        if created:
            user.set_unusable_password()
            user.save()
        Membership.objects.get_or_create(
            organisation=organisation, user=user, defaults={"role": role}
        )
        users.append(user)
    return users


def _partners(organisation: Organisation) -> dict[str, Partner]:
    partners: dict[str, Partner] = {}
    for name, kind, contribution, referred_by in PARTNERS:
        partners[name], _ = Partner.objects.get_or_create(
            organisation=organisation,
            name=name,
            defaults={
                "kind": kind,
                "contribution": contribution,
                "referred_by": partners.get(referred_by) if referred_by else None,
                "agreement": "Kooperationsvereinbarung für die Saison 2026",
            },
        )
    return partners


def _site(organisation: Organisation, spec: SiteSpec, by) -> Site:
    site, created = Site.objects.get_or_create(
        organisation=organisation,
        name=spec.name,
        defaults={
            "address": spec.address,
            "location": Point(spec.lon, spec.lat, srid=4326),
            "site_type": spec.site_type,
            "footfall": Site.Footfall.HIGH,
            "has_power": True,
            "has_water": spec.site_type == Site.SiteType.MARKET,
            "step_free": True,
            "permit": Site.Permit.GRANTED,
            "agreement_with": spec.agreement_with,
            "agreement_on": dt.date(2026, 2, 16),
        },
    )
    if created:
        area_services.site_assign_areas(site=site)
        planning.site_confirm(site=site, by=by)
    return site


def _programme(deployment: Deployment, spec: DeploymentSpec, partners: dict[str, Partner]) -> None:
    groups = {group.code: group for group in TargetGroup.objects.all()}
    for weekday, hour, hours, format_, title, lead, partner, target_groups in WEEKLY_PROGRAMME:
        first_day = spec.starts_on + dt.timedelta(days=weekday)
        planning.event_series_create(
            deployment=deployment,
            title=title,
            first_starts_at=_at(first_day, hour),
            duration=dt.timedelta(hours=hours),
            weeks=spec.weeks,
            format=format_,
            lead=lead,
            partners=[partners[partner]] if partner else [],
            target_groups=[groups[code] for code in target_groups],
            languages=["de", "tr", "ar"] if "migrants" in target_groups else ["de"],
        )
    for offset, hour, hours, format_, title, lead, partner in START_PHASE:
        day = spec.starts_on + dt.timedelta(days=offset)
        planning.event_create(
            deployment=deployment,
            title=title,
            format=format_,
            lead=lead,
            starts_at=_at(day, hour),
            ends_at=_at(day, hour + hours),
            partners=[partners[partner]] if partner else [],
            target_groups=[groups["neighbours"]],
        )
    format_, title, lead = OPENING_EXHIBITION
    planning.event_create(
        deployment=deployment,
        title=title,
        format=format_,
        lead=lead,
        starts_at=_at(spec.starts_on, 12),
        ends_at=_at(spec.starts_on, 18),
        target_groups=[groups["neighbours"]],
        accessibility="Stufenlos, Texte in Leichter Sprache",
    )
    format_, title, lead, partner = CLOSING_FESTIVAL
    last_saturday = spec.starts_on + dt.timedelta(weeks=spec.weeks - 1, days=5)
    planning.event_create(
        deployment=deployment,
        title=title,
        format=format_,
        lead=lead,
        starts_at=_at(last_saturday, 14),
        ends_at=_at(last_saturday, 19),
        partners=[partners[partner], partners["Kiezbäckerei Yıldız"]],
        target_groups=[groups[code] for code in ("families", "children", "neighbours")],
    )


def _shifts(deployment: Deployment, spec: DeploymentSpec, team: list) -> None:
    for offset in range(spec.weeks * 7):
        day = spec.starts_on + dt.timedelta(days=offset)
        if day.weekday() in (0, 6):  # closed on Sundays and Mondays
            continue
        planning.shift_create(
            deployment=deployment,
            staff=team[offset % len(team)],
            starts_at=_at(day, 10),
            ends_at=_at(day, 19),
        )


def _record_what_happened(deployment: Deployment, today: dt.date) -> None:
    """Past events were held (with attendance) or cancelled; the lab moves through its states."""
    for index, event in enumerate(deployment.events.order_by("starts_at")):
        if timezone.localdate(event.ends_at) >= today:
            continue
        if index % 17 == 5:
            planning.event_cancel(
                event=event, reason="Unwetterwarnung", on=timezone.localdate(event.starts_at)
            )
        else:
            planning.event_record_attendance(event=event, attendance=8 + (index * 7) % 23)


def _advance(deployment: Deployment, spec: DeploymentSpec, today: dt.date, by) -> None:
    ends_on = spec.starts_on + dt.timedelta(weeks=spec.weeks) - dt.timedelta(days=1)
    steps = [Deployment.Status.PLANNED, Deployment.Status.CONFIRMED]
    if spec.starts_on <= today:
        steps.append(Deployment.Status.RUNNING)
    if ends_on < today:
        steps.append(Deployment.Status.CLOSED)
    for status in steps:
        deployment = planning.deployment_transition(deployment=deployment, to=status, by=by)


@transaction.atomic
def seed(*, today: dt.date | None = None) -> dict[str, int]:
    """Create the demo season unless it exists; return what exists afterwards."""
    today = today or dt.date(2026, 11, 22)
    name, slug = ORGANISATION
    organisation, _ = Organisation.objects.get_or_create(slug=slug, defaults={"name": name})
    team = _team(organisation)
    lead = team[0]
    partners = _partners(organisation)
    themes = {
        theme: Theme.objects.get_or_create(organisation=organisation, name=theme)[0]
        for theme in THEMES
    }
    groups = {group.code: group for group in TargetGroup.objects.all()}
    for spec in SEASON:
        if Deployment.objects.filter(slug=spec.slug).exists():
            continue
        site = _site(organisation, spec.site, lead)
        deployment = planning.deployment_create(
            organisation=organisation,
            site=site,
            title=spec.title,
            slug=spec.slug,
            starts_on=spec.starts_on,
            ends_on=spec.starts_on + dt.timedelta(weeks=spec.weeks) - dt.timedelta(days=1),
            description=(
                "Der Kiezlabor-Container steht für einige Wochen hier: kommen Sie vorbei, "
                "erzählen Sie uns, was Ihnen im Kiez wichtig ist, und machen Sie mit."
            ),
            target_groups=[groups[code] for code in spec.target_groups],
            themes=[themes[theme] for theme in spec.themes],
            team=team,
        )
        DeploymentGoal.objects.bulk_create(
            DeploymentGoal(deployment=deployment, goal=goal, rank=rank)
            for rank, goal in enumerate(spec.goals, start=1)
        )
        for partner_name in (
            "Nachbarschaftshaus Friedrichshain",
            "Bürgeramt mobil",
            "Stadtbibliothek",
        ):
            DeploymentPartner.objects.create(deployment=deployment, partner=partners[partner_name])
        _programme(deployment, spec, partners)
        _shifts(deployment, spec, team)
        _advance(deployment, spec, today, lead)
        _record_what_happened(deployment, today)
    return {
        "deployments": Deployment.objects.filter(organisation=organisation).count(),
        "events": Event.objects.filter(deployment__organisation=organisation).count(),
        "partners": len(partners),
        "sites": Site.objects.filter(organisation=organisation).count(),
    }
