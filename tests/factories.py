"""factory_boy factories for the whole suite; geometries lie in Berlin (WGS 84)."""

import datetime as dt
import zoneinfo

import factory
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from deployments.models import (
    Area,
    Deployment,
    Event,
    Membership,
    Organisation,
    Partner,
    Shift,
    Site,
)

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# Boxplatz, Friedrichshain: a real square, inside Friedrichshain-Kreuzberg.
BOXHAGENER_PLATZ = Point(13.4594, 52.5105, srid=4326)


def square(center: Point, half_side: float = 0.01) -> MultiPolygon:
    x, y = center.x, center.y
    ring = (
        (x - half_side, y - half_side),
        (x + half_side, y - half_side),
        (x + half_side, y + half_side),
        (x - half_side, y + half_side),
        (x - half_side, y - half_side),
    )
    return MultiPolygon(Polygon(ring), srid=4326)


def berlin_time(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Stadtlabor {n}")
    slug = factory.Sequence(lambda n: f"stadtlabor-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.STAFF


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    kind = Area.Kind.FORECAST_AREA
    code = factory.Sequence(lambda n: f"{n:04d}")
    name = factory.Sequence(lambda n: f"Gebiet {n}")
    geometry = factory.LazyFunction(lambda: square(BOXHAGENER_PLATZ))
    population_total = 1000
    population_reference_date = dt.date(2022, 6, 30)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Standort {n}")
    address = "Boxhagener Platz, 10245 Berlin"
    location = factory.LazyFunction(
        lambda: Point(BOXHAGENER_PLATZ.x, BOXHAGENER_PLATZ.y, srid=4326)
    )
    site_type = Site.SiteType.SQUARE
    agreement_with = "Bezirksamt Friedrichshain-Kreuzberg, Straßen- und Grünflächenamt"
    agreement_on = dt.date(2026, 3, 1)
    status = Site.Status.CONFIRMED


class DeploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deployment

    organisation = factory.SubFactory(OrganisationFactory)
    site = factory.SubFactory(SiteFactory, organisation=factory.SelfAttribute("..organisation"))
    title = factory.Sequence(lambda n: f"Kiezlabor am Platz {n}")
    slug = factory.Sequence(lambda n: f"einsatz-{n}")
    starts_on = dt.date(2026, 5, 4)
    ends_on = dt.date(2026, 5, 31)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Nachbarschaftshaus {n}")
    kind = Partner.Kind.CIVIL_SOCIETY


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    deployment = factory.SubFactory(DeploymentFactory)
    title = factory.Sequence(lambda n: f"Werkstatt {n}")
    format = Event.Format.WORKSHOP
    starts_at = factory.LazyAttribute(lambda event: berlin_time(event.deployment.starts_on, 15))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + dt.timedelta(hours=2))


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    deployment = factory.SubFactory(DeploymentFactory)
    staff = factory.SubFactory(UserFactory)
    starts_at = factory.LazyAttribute(lambda shift: berlin_time(shift.deployment.starts_on, 12))
    ends_at = factory.LazyAttribute(lambda shift: shift.starts_at + dt.timedelta(hours=6))


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "deployments.Theme"
        django_get_or_create = ("organisation", "name")

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Iterator(["Grünflächen", "Verkehr", "Spielplätze", "Sauberkeit"])
    translations = factory.LazyAttribute(
        lambda theme: {code: f"{theme.name} ({code})" for code in ("en", "tr", "ar", "uk")}
    )


class DeviceFactory(factory.django.DjangoModelFactory):
    """A tablet; pair it through ``participation.services.devices`` to get a token."""

    class Meta:
        model = "participation.Device"

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Tablet {n}")


class ContributionFactory(factory.django.DjangoModelFactory):
    """An idea from the tablet, not yet moderated."""

    class Meta:
        model = "participation.Contribution"

    deployment = factory.SubFactory(DeploymentFactory)
    kind = "idea"
    channel = "kiosk"
    text = factory.Iterator(
        [
            "Mehr Bänke auf dem Platz, damit Ältere sich ausruhen können.",
            "Die Kreuzung an der Ecke braucht einen Zebrastreifen.",
            "Ein Trinkbrunnen für heiße Sommertage wäre toll.",
            "Mehr Mülleimer rund um den Spielplatz.",
        ]
    )
    language = "de"


class PollFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "participation.Poll"

    deployment = factory.SubFactory(DeploymentFactory)
    question = "Was wünschen Sie sich für den Platz?"
    translations = factory.LazyFunction(
        lambda: {
            "en": "What would you like for the square?",
            "tr": "Meydan için ne istersiniz?",
            "ar": "ماذا تتمنى للساحة؟",
            "uk": "Чого ви бажаєте для площі?",
        }
    )
    type = "single"


class PollOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "participation.PollOption"

    poll = factory.SubFactory(PollFactory)
    label = factory.Iterator(["Mehr Grün", "Mehr Sitzplätze", "Mehr Licht"])
    position = factory.Sequence(lambda n: n)
