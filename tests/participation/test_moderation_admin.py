"""The moderation list in the admin: actions, permissions, change view and query counts."""

import datetime as dt

import pytest
from django.contrib.admin import helpers
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deployments.models import AuditEntry, Membership
from participation.models import (
    Code,
    Contribution,
    ModerationStatus,
    PublicStatus,
    Routing,
)
from participation.services import moderation
from tests.factories import ContributionFactory, DeploymentFactory, UserFactory
from tests.participation.moderation_factories import (
    CodeFactory,
    DepartmentFactory,
    deployment_in_district,
    member,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

CHANGELIST = "admin:participation_contribution_changelist"


@pytest.fixture
def deployment(db):
    return deployment_in_district()[0]


@pytest.fixture
def moderator(deployment):
    return member(deployment.organisation, username="sofia")


@pytest.fixture
def team_member(deployment):
    return member(deployment.organisation, role=Membership.Role.STAFF, username="murat")


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def run_action(client, action: str, contributions, **extra):
    data = {
        "action": action,
        helpers.ACTION_CHECKBOX_NAME: [c.pk for c in contributions],
        **extra,
    }
    return client.post(reverse(CHANGELIST), data)


def statuses(*contributions) -> list[str]:
    return [Contribution.objects.get(pk=c.pk).moderation_status for c in contributions]


# --- Actions ------------------------------------------------------------------------------


def test_moderator_approves_from_the_list(client, moderator, deployment):
    first, second = ContributionFactory.create_batch(2, deployment=deployment)

    response = run_action(login(client, moderator), "approve_contributions", [first, second])

    assert response.status_code == 302
    assert statuses(first, second) == ["approved", "approved"]
    assert AuditEntry.objects.filter(actor=moderator, action="contribution.approve").count() == 2


def test_reject_asks_for_a_reason_on_an_intermediate_page(client, moderator, deployment):
    contribution = ContributionFactory(deployment=deployment, text="Kauft billige Uhren!")
    login(client, moderator)

    page = run_action(client, "reject_contributions", [contribution])
    assert page.status_code == 200
    assert "Beiträge ablehnen" in page.content.decode()
    assert "Kauft billige Uhren!" in page.content.decode()

    missing = run_action(client, "reject_contributions", [contribution], apply="yes")
    assert missing.status_code == 200
    assert "Dieses Feld ist zwingend erforderlich." in missing.content.decode()
    assert statuses(contribution) == ["new"]

    done = run_action(
        client, "reject_contributions", [contribution], apply="yes", reason="spam", note="Werbung"
    )
    assert done.status_code == 302
    contribution.refresh_from_db()
    assert contribution.moderation_status == ModerationStatus.REJECTED
    assert contribution.rejection_reason == "spam"
    assert contribution.moderation_note == "Werbung"


def test_hide_and_reopen(client, moderator, deployment):
    contribution = ContributionFactory(deployment=deployment)
    login(client, moderator)

    run_action(client, "hide_contributions", [contribution], apply="yes", note="")
    assert statuses(contribution) == ["hidden"]
    run_action(client, "reopen_contributions", [contribution])
    assert statuses(contribution) == ["new"]


def test_refused_transitions_are_reported_per_input(client, moderator, deployment):
    fresh = ContributionFactory(deployment=deployment)
    rejected = ContributionFactory(deployment=deployment)
    moderation.contribution_reject(contribution=rejected, by=moderator, reason="spam")

    response = run_action(login(client, moderator), "approve_contributions", [fresh, rejected])

    shown = [str(m) for m in response.wsgi_request._messages]
    assert any(f"#{rejected.pk}: Ein abgelehnter Beitrag" in m for m in shown)
    assert "1 Beitrag freigegeben." in shown
    assert statuses(fresh, rejected) == ["approved", "rejected"]


def test_mark_duplicates_choosing_the_original(client, moderator, deployment):
    original, first, second = ContributionFactory.create_batch(3, deployment=deployment)
    login(client, moderator)

    page = run_action(client, "mark_duplicates", [first, second])
    assert page.status_code == 200
    assert f'value="{original.pk}"' in page.content.decode()

    run_action(client, "mark_duplicates", [first, second], apply="yes", original=original.pk)

    assert statuses(first, second) == ["rejected", "rejected"]
    assert Contribution.objects.filter(duplicate_of=original).count() == 2
    listed = client.get(reverse(CHANGELIST), {"moderation_status__exact": "new"})
    assert listed.context["cl"].result_list[0].support_count == 3


def test_duplicates_across_deployments_are_refused(client, moderator, deployment):
    here = ContributionFactory(deployment=deployment)
    there = ContributionFactory(deployment=DeploymentFactory(organisation=deployment.organisation))

    response = run_action(login(client, moderator), "mark_duplicates", [here, there])

    assert response.status_code == 302
    assert statuses(here, there) == ["new", "new"]


# --- Permissions --------------------------------------------------------------------------


def test_team_members_see_approved_inputs_but_cannot_moderate(
    client, moderator, team_member, deployment
):
    approved, waiting = ContributionFactory.create_batch(2, deployment=deployment)
    moderation.contribution_approve(contribution=approved, by=moderator)
    login(client, team_member)

    listed = client.get(reverse(CHANGELIST))
    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == [approved]
    assert "approve_contributions" not in listed.content.decode()

    run_action(client, "hide_contributions", [approved], apply="yes")
    assert statuses(approved) == ["approved"]

    change = reverse("admin:participation_contribution_change", args=[approved.pk])
    view = client.get(change)
    assert view.status_code == 200
    assert 'name="status_for_public"' not in view.content.decode()
    refused = client.post(change, {"status_for_public": "answered", "feedback_for_public": "x"})
    assert refused.status_code == 403
    assert (
        client.get(
            reverse("admin:participation_contribution_change", args=[waiting.pk])
        ).status_code
        == 404
    )


def test_staff_of_another_organisation_gets_404(client, deployment):
    contribution = ContributionFactory(deployment=deployment)
    stranger = member(DeploymentFactory().organisation, username="fremd")
    login(client, stranger)

    assert list(client.get(reverse(CHANGELIST)).context["cl"].result_list) == []
    change = reverse("admin:participation_contribution_change", args=[contribution.pk])
    assert client.get(change).status_code == 404
    run_action(client, "approve_contributions", [contribution])
    assert statuses(contribution) == ["new"]


def test_a_moderator_elsewhere_cannot_moderate_here(client, moderator, deployment):
    contribution = ContributionFactory(deployment=deployment)
    moderation.contribution_approve(contribution=contribution, by=moderator)
    both = UserFactory(username="doppelrolle")
    Membership.objects.create(
        user=both, organisation=deployment.organisation, role=Membership.Role.STAFF
    )
    Membership.objects.create(
        user=both, organisation=DeploymentFactory().organisation, role=Membership.Role.MODERATOR
    )
    login(client, both)

    response = run_action(client, "hide_contributions", [contribution], apply="yes")

    assert response.status_code == 403
    assert statuses(contribution) == ["approved"]


def test_users_without_a_membership_see_nothing(client, deployment):
    ContributionFactory(deployment=deployment)
    login(client, UserFactory(username="ohne"))

    assert client.get(reverse(CHANGELIST)).status_code == 403


# --- Change view --------------------------------------------------------------------------


def change_data(contribution, **fields):
    return {
        "status_for_public": contribution.public_status,
        "feedback_for_public": contribution.public_feedback,
        "codes": [c.pk for c in contribution.codes.all()],
        "routings-TOTAL_FORMS": "0",
        "routings-INITIAL_FORMS": "0",
        "routings-MIN_NUM_FORMS": "0",
        "routings-MAX_NUM_FORMS": "1000",
        **fields,
    }


def test_public_status_codes_and_routing_from_the_change_view(client, moderator, deployment):
    contribution = ContributionFactory(deployment=deployment)
    moderation.contribution_approve(contribution=contribution, by=moderator)
    code = CodeFactory(organisation=deployment.organisation, name="Sitzgelegenheiten")
    department = DepartmentFactory(
        district=deployment.site.areas.get(kind="district"), name="Straßen- und Grünflächenamt"
    )
    url = reverse("admin:participation_contribution_change", args=[contribution.pk])
    login(client, moderator)

    page = client.get(url)
    assert page.status_code == 200
    assert "Straßen- und Grünflächenamt" in page.content.decode()

    response = client.post(
        url,
        change_data(
            contribution,
            feedback_for_public="Wir haben das an das Grünflächenamt gegeben.",
            codes=[code.pk],
            **{
                "routings-TOTAL_FORMS": "1",
                "routings-0-department": department.pk,
                "routings-0-due_on": "",
                "routings-0-status": "forwarded",
                "routings-0-answer": "",
            },
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    contribution.refresh_from_db()
    assert contribution.public_status == PublicStatus.FORWARDED
    assert contribution.public_feedback == "Wir haben das an das Grünflächenamt gegeben."
    assert list(contribution.codes.all()) == [code]
    routing = Routing.objects.get(contribution=contribution)
    assert routing.due_on == timezone.localdate() + dt.timedelta(days=28)


def test_a_refused_change_is_shown_on_the_form_and_nothing_is_saved(client, moderator, deployment):
    contribution = ContributionFactory(deployment=deployment)
    moderation.contribution_approve(contribution=contribution, by=moderator)
    code = CodeFactory(organisation=deployment.organisation)
    url = reverse("admin:participation_contribution_change", args=[contribution.pk])

    response = login(client, moderator).post(
        url, change_data(contribution, status_for_public="answered", codes=[code.pk])
    )

    assert response.status_code == 200
    assert "braucht es eine Rückmeldung" in response.content.decode()
    contribution.refresh_from_db()
    assert contribution.public_status == PublicStatus.RECEIVED
    assert not contribution.codes.exists()


def test_codes_of_other_organisations_are_not_offered(client, moderator, deployment):
    contribution = ContributionFactory(deployment=deployment)
    foreign = CodeFactory(name="Fremdcode")
    url = reverse("admin:participation_contribution_change", args=[contribution.pk])

    page = login(client, moderator).get(url)

    assert "Fremdcode" not in page.content.decode()
    response = client.post(url, change_data(contribution, codes=[foreign.pk]))
    assert response.status_code == 200
    assert not contribution.codes.exists()


# --- Routings and codebook ----------------------------------------------------------------


def test_overdue_routings_stand_out(client, moderator, deployment):
    department = DepartmentFactory(district=deployment.site.areas.get(kind="district"))
    late, fine = ContributionFactory.create_batch(2, deployment=deployment)
    for contribution in (late, fine):
        moderation.contribution_approve(contribution=contribution, by=moderator)
        moderation.routing_create(contribution=contribution, department=department, by=moderator)
    Routing.objects.filter(contribution=late).update(
        due_on=timezone.localdate() - dt.timedelta(days=5)
    )
    login(client, moderator)

    routings = client.get(reverse("admin:participation_routing_changelist"))
    assert "überfällig seit 5 Tagen" in routings.content.decode()
    overdue = client.get(reverse("admin:participation_routing_changelist"), {"ueberfaellig": "1"})
    assert [r.contribution for r in overdue.context["cl"].result_list] == [late]
    flagged = client.get(reverse(CHANGELIST), {"ueberfaellig": "1"})
    assert list(flagged.context["cl"].result_list) == [late]


def test_routing_answer_from_the_routing_admin(client, moderator, deployment):
    department = DepartmentFactory(district=deployment.site.areas.get(kind="district"))
    contribution = ContributionFactory(deployment=deployment)
    moderation.contribution_approve(contribution=contribution, by=moderator)
    routing = moderation.routing_create(
        contribution=contribution, department=department, by=moderator
    )
    url = reverse("admin:participation_routing_change", args=[routing.pk])
    login(client, moderator)

    refused = client.post(url, {"status": "answered", "answer": ""})
    assert refused.status_code == 200
    assert "Antwort des Fachamts" in refused.content.decode()

    client.post(url, {"status": "answered", "answer": "Bänke kommen im Juni."})
    routing.refresh_from_db()
    assert routing.status == Routing.Status.ANSWERED
    assert routing.answered_on == timezone.localdate()


def test_departments_superusers_edit_staff_view(client, moderator):
    department = DepartmentFactory()
    url = reverse("admin:participation_department_change", args=[department.pk])
    login(client, moderator)

    assert client.get(reverse("admin:participation_department_changelist")).status_code == 200
    assert client.post(url, {"name": "Umbenannt"}).status_code == 403
    admin_user = UserFactory(username="root", is_superuser=True)
    login(client, admin_user)
    response = client.post(
        url,
        {
            "district": department.district_id,
            "name": "Umwelt- und Naturschutzamt",
            "email": "",
            "answer_within_days": 21,
        },
    )
    assert response.status_code == 302
    department.refresh_from_db()
    assert department.name == "Umwelt- und Naturschutzamt"


def test_codes_get_a_parent_from_the_same_codebook_only(client, moderator, deployment):
    organisation = deployment.organisation
    mobility = CodeFactory(organisation=organisation, name="Mobilität")
    login(client, moderator)
    assert client.get(reverse("admin:participation_code_add")).status_code == 200

    response = client.post(
        reverse("admin:participation_code_add"),
        {
            "organisation": organisation.pk,
            "parent": mobility.pk,
            "name": "Radverkehr",
            "description": "",
        },
    )

    assert response.status_code == 302
    cycling = Code.objects.get(name="Radverkehr")
    assert cycling.parent == mobility
    assert AuditEntry.objects.filter(action="code.create", actor=moderator).exists()
    cycle = client.post(
        reverse("admin:participation_code_change", args=[mobility.pk]),
        {"organisation": organisation.pk, "parent": cycling.pk, "name": "Mobilität"},
    )
    assert cycle.status_code == 200
    assert "nicht unter sich selbst" in cycle.content.decode()


# --- Query counts -------------------------------------------------------------------------

QUERY_BUDGET = 25
PAGES = ["contribution", "routing", "code", "department"]


def _fill(deployment, department, moderator, rows: int) -> None:
    created = Contribution.objects.bulk_create(
        Contribution(
            deployment=deployment,
            kind="idea",
            channel="kiosk",
            text=f"Idee Nummer {i}",
            moderation_status=ModerationStatus.APPROVED,
            text_was_masked=i % 3 == 0,
        )
        for i in range(rows)
    )
    codes = Code.objects.bulk_create(
        Code(organisation=deployment.organisation, name=f"Code {c.pk}") for c in created
    )
    Contribution.codes.through.objects.bulk_create(
        Contribution.codes.through(contribution_id=c.pk, code_id=code.pk)
        for c, code in zip(created, codes, strict=True)
    )
    today = timezone.localdate()
    Routing.objects.bulk_create(
        Routing(
            contribution=c,
            department=department,
            forwarded_on=today - dt.timedelta(days=40),
            due_on=today - dt.timedelta(days=12 if i % 2 else -3),
            routed_by=moderator,
        )
        for i, c in enumerate(created)
    )
    Contribution.objects.filter(pk__in=[c.pk for c in created[1::4]]).update(
        duplicate_of=created[0], moderation_status="rejected", rejection_reason="duplicate"
    )


def _count(client: Client, page: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(f"admin:participation_{page}_changelist"))
    assert response.status_code == 200
    return len(queries)


def test_list_pages_keep_a_constant_query_count(
    client, moderator, deployment, django_assert_max_num_queries
):
    department = DepartmentFactory(district=deployment.site.areas.get(kind="district"))
    login(client, moderator)

    _fill(deployment, department, moderator, 10)
    small = {page: _count(client, page) for page in PAGES}
    _fill(deployment, department, moderator, 990)
    large = {page: _count(client, page) for page in PAGES}

    assert large == small
    for page in PAGES:
        with django_assert_max_num_queries(QUERY_BUDGET):
            client.get(reverse(f"admin:participation_{page}_changelist"))
