"""Staff of organisation A can neither see nor change organisation B's planning objects."""

import pytest
from django.test import Client
from django.urls import reverse

from deployments.models import Deployment, Event, Membership
from tests.factories import (
    DeploymentFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnerFactory,
    ShiftFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture
def world():
    lab_a, lab_b = OrganisationFactory(name="Labor A"), OrganisationFactory(name="Labor B")
    staff_a = MembershipFactory(organisation=lab_a, user=UserFactory(username="anna")).user
    MembershipFactory(organisation=lab_b, user=UserFactory(username="bernd"))
    own = DeploymentFactory(organisation=lab_a, title="Einsatz von A")
    foreign = DeploymentFactory(organisation=lab_b, title="Einsatz von B")
    return {
        "staff_a": staff_a,
        "own": own,
        "foreign": {
            "deployment": foreign,
            "site": foreign.site,
            "event": EventFactory(deployment=foreign, title="Werkstatt von B"),
            "partner": PartnerFactory(organisation=lab_b, name="Partner von B"),
            "shift": ShiftFactory(deployment=foreign),
        },
    }


ADMIN_MODELS = ["deployment", "site", "event", "partner", "shift"]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_admin_lists_hide_other_organisations_objects(client: Client, world, model) -> None:
    client.force_login(world["staff_a"])
    response = client.get(reverse(f"admin:deployments_{model}_changelist"))
    assert response.status_code == 200
    foreign = world["foreign"][model]
    assert str(foreign) not in response.content.decode()


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_admin_change_page_of_other_organisation_is_unreachable(
    client: Client, world, model
) -> None:
    client.force_login(world["staff_a"])
    foreign = world["foreign"][model]
    url = reverse(f"admin:deployments_{model}_change", args=[foreign.pk])
    assert client.get(url).status_code == 302  # "does not exist", back to the index
    assert client.post(url, {"title": "übernommen", "name": "übernommen"}).status_code == 302
    deleted = client.post(
        reverse(f"admin:deployments_{model}_delete", args=[foreign.pk]), {"post": "yes"}
    )
    assert deleted.status_code in (302, 403)  # "does not exist" for staff, refused for others
    assert type(foreign).objects.filter(pk=foreign.pk).exists()


def test_admin_shows_own_deployment(client: Client, world) -> None:
    client.force_login(world["staff_a"])
    response = client.get(reverse("admin:deployments_deployment_changelist"))
    assert "Einsatz von A" in response.content.decode()
    url = reverse("admin:deployments_deployment_change", args=[world["own"].pk])
    assert client.get(url).status_code == 200


def test_admin_offers_only_own_sites_and_partners_in_forms(client: Client, world) -> None:
    client.force_login(world["staff_a"])
    page = client.get(reverse("admin:deployments_deployment_add")).content.decode()
    assert world["own"].site.name in page
    assert world["foreign"]["site"].name not in page


API_ENDPOINTS = {
    "deployment": "/api/deployments/",
    "site": "/api/sites/",
    "event": "/api/events/",
    "partner": "/api/partners/",
    "shift": "/api/shifts/",
}


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_api_hides_and_protects_other_organisations_objects(client: Client, world, model) -> None:
    client.force_login(world["staff_a"])
    endpoint = API_ENDPOINTS[model]
    foreign = world["foreign"][model]

    listed = client.get(endpoint)
    assert listed.status_code == 200
    assert foreign.pk not in [row["id"] for row in listed.json()["results"]]
    assert client.get(f"{endpoint}{foreign.pk}/").status_code == 404
    patched = client.patch(
        f"{endpoint}{foreign.pk}/", {"notes": "x", "title": "x"}, content_type="application/json"
    )
    assert patched.status_code == 404
    assert client.delete(f"{endpoint}{foreign.pk}/").status_code == 404
    assert type(foreign).objects.filter(pk=foreign.pk).exists()


def test_api_refuses_to_attach_an_event_to_another_organisations_deployment(
    client: Client, world
) -> None:
    client.force_login(world["staff_a"])
    foreign = world["foreign"]["deployment"]
    response = client.post(
        "/api/events/",
        {
            "deployment": foreign.pk,
            "title": "Untergeschoben",
            "format": Event.Format.WORKSHOP,
            "starts_at": "2026-05-05T15:00:00+02:00",
            "ends_at": "2026-05-05T17:00:00+02:00",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "deployment" in response.json()
    assert not Event.objects.filter(title="Untergeschoben").exists()


def test_api_refuses_a_deployment_on_another_organisations_site(client: Client, world) -> None:
    client.force_login(world["staff_a"])
    response = client.post(
        "/api/deployments/",
        {
            "organisation": world["own"].organisation_id,
            "site": world["foreign"]["site"].pk,
            "title": "Fremder Platz",
            "slug": "fremder-platz",
            "starts_on": "2026-07-01",
            "ends_on": "2026-07-20",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not Deployment.objects.filter(slug="fremder-platz").exists()


def test_api_needs_staff(client: Client, world) -> None:
    assert client.get("/api/deployments/").status_code == 403
    resident = UserFactory(username="resident", is_staff=False)
    client.force_login(resident)
    assert client.get("/api/deployments/").status_code == 403


def test_only_managers_delete_deployments(client: Client, world) -> None:
    client.force_login(world["staff_a"])
    own = world["own"]
    assert client.delete(f"/api/deployments/{own.pk}/").status_code == 403
    Membership.objects.filter(user=world["staff_a"]).update(role=Membership.Role.MANAGER)
    client.force_login(world["staff_a"])
    assert client.delete(f"/api/deployments/{own.pk}/").status_code == 204
