"""The moderation API: scoped lists, actions through the services, permissions, schema."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from deployments.models import AuditEntry, Membership
from participation.models import Contribution, ModerationStatus, Routing
from participation.services import moderation
from tests.factories import ContributionFactory, DeploymentFactory
from tests.participation.moderation_factories import (
    CodeFactory,
    DepartmentFactory,
    deployment_in_district,
    member,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

BASE = "/api/contributions/"


@pytest.fixture
def deployment(db):
    return deployment_in_district()[0]


@pytest.fixture
def moderator(deployment):
    return member(deployment.organisation, username="sofia")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def act(user, contribution, verb: str, payload: dict | None = None):
    return api(user).post(f"{BASE}{contribution.pk}/{verb}/", payload or {}, format="json")


# --- Lists --------------------------------------------------------------------------------


def test_list_is_scoped_and_filtered(moderator, deployment):
    approved, waiting = ContributionFactory.create_batch(2, deployment=deployment)
    moderation.contribution_approve(contribution=approved, by=moderator)
    ContributionFactory()  # another organisation's

    everything = api(moderator).get(BASE)
    assert everything.status_code == 200
    assert {row["id"] for row in everything.json()["results"]} == {approved.pk, waiting.pk}
    only_new = api(moderator).get(BASE, {"status": "new", "deployment": deployment.pk})
    assert [row["id"] for row in only_new.json()["results"]] == [waiting.pk]
    wrong = api(moderator).get(BASE, {"status": "vielleicht"})
    assert wrong.status_code == 400
    assert "status" in wrong.json()


def test_team_members_see_approved_inputs_without_demographics(moderator, deployment):
    approved = ContributionFactory(deployment=deployment, age_band="65_plus")
    ContributionFactory(deployment=deployment)
    moderation.contribution_approve(contribution=approved, by=moderator)
    team = member(deployment.organisation, role=Membership.Role.STAFF)

    rows = api(team).get(BASE).json()["results"]

    assert [row["id"] for row in rows] == [approved.pk]
    assert rows[0]["about_you"] is None
    about = api(moderator).get(f"{BASE}{approved.pk}/").json()["about_you"]
    assert about["age_band"] == "65_plus"


def test_list_query_count_does_not_grow(moderator, deployment):
    department = DepartmentFactory(district=deployment.site.areas.get(kind="district"))

    def fill(rows):
        for contribution in ContributionFactory.create_batch(rows, deployment=deployment):
            moderation.contribution_approve(contribution=contribution, by=moderator)
            moderation.routing_create(
                contribution=contribution, department=department, by=moderator
            )
            contribution.codes.add(CodeFactory(organisation=deployment.organisation))

    def count():
        client = api(type(moderator).objects.get(pk=moderator.pk))  # no cached roles
        with CaptureQueriesContext(connection) as queries:
            assert client.get(BASE).status_code == 200
        return len(queries)

    fill(3)
    small = count()
    fill(30)
    assert count() == small


# --- Actions ------------------------------------------------------------------------------


def test_approve_reject_hide_reopen(moderator, deployment):
    contribution = ContributionFactory(deployment=deployment)

    approved = act(moderator, contribution, "approve")
    assert approved.status_code == 200
    assert approved.json()["moderation_status"] == "approved"
    hidden = act(moderator, contribution, "hide", {"note": "Namen genannt"})
    assert hidden.json()["moderation_status"] == "hidden"
    rejected = act(moderator, contribution, "reject", {"reason": "insult", "note": ""})
    assert rejected.json()["rejection_reason"] == "insult"
    assert act(moderator, contribution, "reopen").json()["moderation_status"] == "new"
    assert list(
        AuditEntry.objects.filter(actor=moderator).order_by("pk").values_list("action", flat=True)
    ) == [
        "contribution.approve",
        "contribution.hide",
        "contribution.reject",
        "contribution.reopen",
    ]


def test_refusals_answer_400_with_the_reason(moderator, deployment):
    contribution = ContributionFactory(deployment=deployment)
    act(moderator, contribution, "reject", {"reason": "spam"})

    refused = act(moderator, contribution, "approve")
    assert refused.status_code == 400
    assert "Öffnen Sie ihn zuerst wieder" in refused.json()["non_field_errors"][0]
    missing = act(moderator, ContributionFactory(deployment=deployment), "reject", {})
    assert missing.status_code == 400
    assert "reason" in missing.json()


def test_mark_duplicate_and_support_count(moderator, deployment):
    original, duplicate = ContributionFactory.create_batch(2, deployment=deployment)
    elsewhere = ContributionFactory()

    response = act(moderator, duplicate, "mark-duplicate", {"original": original.pk})
    assert response.status_code == 200
    assert response.json()["duplicate_of"] == original.pk
    assert api(moderator).get(f"{BASE}{original.pk}/").json()["support_count"] == 2
    foreign = act(
        moderator,
        ContributionFactory(deployment=deployment),
        "mark-duplicate",
        {"original": elsewhere.pk},
    )
    assert foreign.status_code == 400
    assert "original" in foreign.json()


def test_public_status_codes_and_route(moderator, deployment):
    contribution = ContributionFactory(deployment=deployment)
    act(moderator, contribution, "approve")
    code = CodeFactory(organisation=deployment.organisation)
    foreign_code = CodeFactory()
    department = DepartmentFactory(district=deployment.site.areas.get(kind="district"))

    coded = act(moderator, contribution, "codes", {"codes": [code.pk]})
    assert coded.json()["codes"] == [code.pk]
    assert act(moderator, contribution, "codes", {"codes": [foreign_code.pk]}).status_code == 400

    due = timezone.localdate() + dt.timedelta(days=10)
    routed = act(
        moderator, contribution, "route", {"department": department.pk, "due_on": due.isoformat()}
    )
    assert routed.status_code == 201
    assert routed.json()["due_on"] == due.isoformat()
    assert routed.json()["is_overdue"] is False

    needs_text = act(moderator, contribution, "public-status", {"public_status": "answered"})
    assert needs_text.status_code == 400
    assert "braucht es eine Rückmeldung" in needs_text.json()["public_feedback"][0]
    answered = act(
        moderator,
        contribution,
        "public-status",
        {"public_status": "answered", "public_feedback": "Bänke kommen im Juni."},
    )
    assert answered.json()["public_status"] == "answered"


def test_routings_list_overdue_and_update(moderator, deployment):
    department = DepartmentFactory(district=deployment.site.areas.get(kind="district"))
    late, fine = ContributionFactory.create_batch(2, deployment=deployment)
    routings = {}
    for contribution in (late, fine):
        moderation.contribution_approve(contribution=contribution, by=moderator)
        routings[contribution] = moderation.routing_create(
            contribution=contribution, department=department, by=moderator
        )
    Routing.objects.filter(pk=routings[late].pk).update(due_on=dt.date(2020, 1, 1))
    client = api(moderator)

    overdue = client.get("/api/routings/", {"overdue": "true"}).json()["results"]
    assert [row["id"] for row in overdue] == [routings[late].pk]
    updated = client.patch(
        f"/api/routings/{routings[late].pk}/",
        {"status": "answered", "answer": "Erledigt."},
        format="json",
    )
    assert updated.status_code == 200
    assert updated.json()["is_overdue"] is False
    assert client.get("/api/routings/", {"overdue": "true"}).json()["results"] == []
    refused = client.patch(
        f"/api/routings/{routings[fine].pk}/", {"status": "answered"}, format="json"
    )
    assert refused.status_code == 400


def test_codes_and_departments(moderator, deployment):
    client = api(moderator)
    organisation = deployment.organisation
    top = client.post(
        "/api/codes/", {"organisation": organisation.pk, "name": "Mobilität"}, format="json"
    )
    assert top.status_code == 201
    child = client.post(
        "/api/codes/",
        {"organisation": organisation.pk, "name": "Radverkehr", "parent": top.json()["id"]},
        format="json",
    )
    assert child.json()["label"] == "Mobilität › Radverkehr"
    cycle = client.patch(
        f"/api/codes/{top.json()['id']}/", {"parent": child.json()["id"]}, format="json"
    )
    assert cycle.status_code == 400
    foreign = CodeFactory()
    assert client.get(f"/api/codes/{foreign.pk}/").status_code == 404

    department = DepartmentFactory(name="Jugendamt")
    listed = client.get("/api/departments/", {"district": department.district_id}).json()
    assert [row["name"] for row in listed["results"]] == ["Jugendamt"]
    assert client.post("/api/departments/", {}).status_code in {403, 405}


# --- Permissions --------------------------------------------------------------------------


def test_team_members_cannot_moderate(moderator, deployment):
    contribution = ContributionFactory(deployment=deployment)
    moderation.contribution_approve(contribution=contribution, by=moderator)
    team = member(deployment.organisation, role=Membership.Role.STAFF)

    assert act(team, contribution, "hide").status_code == 403
    assert api(team).get("/api/routings/").status_code == 403
    assert Contribution.objects.get(pk=contribution.pk).moderation_status == "approved"


def test_other_organisations_get_404(moderator, deployment):
    contribution = ContributionFactory(deployment=deployment)
    stranger = member(DeploymentFactory().organisation)

    assert api(stranger).get(f"{BASE}{contribution.pk}/").status_code == 404
    assert act(stranger, contribution, "approve").status_code == 404
    assert Contribution.objects.get(pk=contribution.pk).moderation_status == (ModerationStatus.NEW)


def test_anonymous_is_refused(deployment):
    assert APIClient().get(BASE).status_code in {401, 403}


def test_schema_tags_the_moderation_endpoints():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)

    for path in (
        "/api/contributions/",
        "/api/contributions/{id}/approve/",
        "/api/contributions/{id}/reject/",
        "/api/contributions/{id}/mark-duplicate/",
        "/api/contributions/{id}/public-status/",
        "/api/contributions/{id}/codes/",
        "/api/contributions/{id}/route/",
        "/api/codes/",
        "/api/departments/",
        "/api/routings/{id}/",
    ):
        operations = schema["paths"][path].values()
        assert all(operation["tags"] == ["moderation"] for operation in operations), path
