"""Admin list pages cost the same number of queries for 10 rows as for 1,000."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deployments.models import Area, Deployment, Event, Partner, Shift
from tests.factories import (
    AreaFactory,
    MembershipFactory,
    SiteFactory,
    UserFactory,
    berlin_time,
)

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 25
LIST_PAGES = ["deployment", "site", "event", "partner", "shift", "area"]


def _fill(organisation, site, staff, rows: int) -> None:
    start = Deployment.objects.count()
    deployments = Deployment.objects.bulk_create(
        Deployment(
            organisation=organisation,
            site=site,
            title=f"Einsatz {start + i}",
            slug=f"einsatz-{start + i}",
            starts_on=dt.date(2026, 5, 4),
            ends_on=dt.date(2026, 5, 31),
        )
        for i in range(rows)
    )
    Event.objects.bulk_create(
        Event(
            deployment=deployment,
            title=f"Werkstatt {deployment.pk}",
            format=Event.Format.WORKSHOP,
            starts_at=berlin_time(dt.date(2026, 5, 5), 15),
            ends_at=berlin_time(dt.date(2026, 5, 5), 17),
        )
        for deployment in deployments
    )
    Shift.objects.bulk_create(
        Shift(
            deployment=deployment,
            staff=staff,
            starts_at=berlin_time(dt.date(2026, 5, 5), 12),
            ends_at=berlin_time(dt.date(2026, 5, 5), 18),
        )
        for deployment in deployments
    )
    Partner.objects.bulk_create(
        Partner(organisation=organisation, name=f"Partner {start + i}", kind=Partner.Kind.CULTURE)
        for i in range(rows)
    )
    Area.objects.bulk_create(
        AreaFactory.build(code=f"9{start + i:05d}", name=f"Gebiet {start + i}") for i in range(rows)
    )


def _count(client: Client, page: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(f"admin:deployments_{page}_changelist"))
    assert response.status_code == 200
    return len(queries)


def test_list_pages_keep_a_constant_query_count(
    client: Client, django_assert_max_num_queries
) -> None:
    membership = MembershipFactory(user=UserFactory(username="planer"))
    district = AreaFactory(kind=Area.Kind.DISTRICT, code="02", name="Friedrichshain-Kreuzberg")
    site = SiteFactory(organisation=membership.organisation)
    site.areas.add(district)
    client.force_login(membership.user)

    _fill(membership.organisation, site, membership.user, 10)
    small = {page: _count(client, page) for page in LIST_PAGES}
    _fill(membership.organisation, site, membership.user, 990)
    large = {page: _count(client, page) for page in LIST_PAGES}

    assert large == small
    for page in LIST_PAGES:
        with django_assert_max_num_queries(QUERY_BUDGET):
            client.get(reverse(f"admin:deployments_{page}_changelist"))
