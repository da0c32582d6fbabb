"""Factories and helpers for the moderation tests: codebook, Fachämter and districts."""

from __future__ import annotations

import factory

from deployments.models import Area, Membership
from tests.factories import (
    AreaFactory,
    ContributionFactory,
    DeploymentFactory,
    MembershipFactory,
    UserFactory,
)


class DistrictFactory(AreaFactory):
    kind = Area.Kind.DISTRICT
    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"Bezirk {n}")


class CodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "participation.Code"

    organisation = factory.SubFactory("tests.factories.OrganisationFactory")
    name = factory.Sequence(lambda n: f"Code {n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "participation.Department"

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"Straßen- und Grünflächenamt {n}")
    answer_within_days = 28


def deployment_in_district(**kwargs):
    """A deployment whose site lies in a (new) district; returns (deployment, district)."""
    deployment = DeploymentFactory(**kwargs)
    district = DistrictFactory()
    deployment.site.areas.add(district)
    return deployment, district


def member(organisation, role=Membership.Role.MODERATOR, **kwargs):
    """A staff user with ``role`` in ``organisation``."""
    user = UserFactory(**kwargs)
    MembershipFactory(organisation=organisation, user=user, role=role)
    return user


__all__ = [
    "CodeFactory",
    "ContributionFactory",
    "DepartmentFactory",
    "DistrictFactory",
    "deployment_in_district",
    "member",
]
