"""Moderation, public status, coding, duplicates and routing, through the services."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from deployments.models import AuditEntry, Membership
from participation.models import (
    Contribution,
    ModerationStatus,
    PublicStatus,
    RejectionReason,
    Routing,
)
from participation.selectors.contributions import (
    contributions_for_moderation,
    public_contributions,
    routings_overdue,
)
from participation.services import moderation
from tests.factories import ContributionFactory, DeploymentFactory
from tests.participation.moderation_factories import (
    CodeFactory,
    DepartmentFactory,
    deployment_in_district,
    member,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture
def moderator(db):
    deployment, _district = deployment_in_district()
    user = member(deployment.organisation, username="sofia")
    user.deployment = deployment
    return user


@pytest.fixture
def contribution(moderator):
    return ContributionFactory(deployment=moderator.deployment)


def audit_for(contribution):
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(Contribution),
        target_id=str(contribution.pk),
    ).order_by("pk")


# --- State machine ------------------------------------------------------------------------


def test_approve_makes_a_new_input_public_and_is_audited(moderator, contribution):
    moderation.contribution_approve(contribution=contribution, by=moderator)

    contribution.refresh_from_db()
    assert contribution.moderation_status == ModerationStatus.APPROVED
    assert list(public_contributions(deployment=contribution.deployment)) == [contribution]
    entry = audit_for(contribution).get()
    assert entry.actor == moderator
    assert entry.action == "contribution.approve"
    assert entry.data == {"from": "new", "to": "approved"}
    assert entry.organisation == contribution.deployment.organisation


def test_reject_needs_a_reason_from_the_list(moderator, contribution):
    with pytest.raises(ValidationError) as refused:
        moderation.contribution_reject(contribution=contribution, by=moderator, reason="")

    assert "Bitte wählen Sie einen Grund für die Ablehnung" in refused.value.messages[0]
    contribution.refresh_from_db()
    assert contribution.moderation_status == ModerationStatus.NEW
    assert not audit_for(contribution).exists()


def test_rejected_input_with_note_is_audited_with_reason(moderator, contribution):
    moderation.contribution_reject(
        contribution=contribution,
        by=moderator,
        reason=RejectionReason.INSULT,
        note="Beleidigt Nachbarn namentlich.",
    )

    contribution.refresh_from_db()
    assert contribution.moderation_status == ModerationStatus.REJECTED
    assert contribution.rejection_reason == RejectionReason.INSULT
    entry = audit_for(contribution).get()
    assert entry.data == {
        "from": "new",
        "to": "rejected",
        "reason": "insult",
        "note": "Beleidigt Nachbarn namentlich.",
    }


def test_notes_of_moderators_are_masked_too(moderator, contribution):
    moderation.contribution_hide(
        contribution=contribution, by=moderator, note="Rückfrage an anna@example.org"
    )

    contribution.refresh_from_db()
    assert contribution.moderation_note == "Rückfrage an [E-Mail entfernt]"
    assert "anna@example.org" not in str(audit_for(contribution).get().data)


def test_rejected_input_never_appears_publicly(moderator):
    deployment = moderator.deployment
    kept = ContributionFactory(deployment=deployment)
    spam = ContributionFactory(deployment=deployment, text="Billige Uhren hier!")
    hidden = ContributionFactory(deployment=deployment)
    ContributionFactory(deployment=deployment)  # still new
    for contribution in (kept, spam, hidden):
        moderation.contribution_approve(contribution=contribution, by=moderator)
    moderation.contribution_reject(contribution=spam, by=moderator, reason=RejectionReason.SPAM)
    moderation.contribution_hide(contribution=hidden, by=moderator)

    assert list(public_contributions(deployment=deployment)) == [kept]


@pytest.mark.parametrize(
    ("start", "verb", "message"),
    [
        ("approved", "approve", "Der Beitrag ist bereits „freigegeben“."),
        ("hidden", "hide", "Der Beitrag ist bereits „ausgeblendet“."),
        ("rejected", "approve", "Öffnen Sie ihn zuerst wieder"),
        ("rejected", "hide", "Öffnen Sie ihn zuerst wieder"),
        ("new", "reopen", "Der Beitrag ist bereits „neu“."),
        ("approved", "reopen", "Möglich: „abgelehnt“, „ausgeblendet“."),
    ],
)
def test_refused_transitions_say_why(moderator, contribution, start, verb, message):
    Contribution.objects.filter(pk=contribution.pk).update(
        moderation_status=start, rejection_reason="spam" if start == "rejected" else ""
    )
    contribution.refresh_from_db()
    service = getattr(moderation, f"contribution_{verb}")

    with pytest.raises(ValidationError) as refused:
        service(contribution=contribution, by=moderator)

    assert message in refused.value.messages[0]
    contribution.refresh_from_db()
    assert contribution.moderation_status == start


def test_reopen_puts_a_rejected_input_back_into_the_queue(moderator, contribution):
    moderation.contribution_reject(contribution=contribution, by=moderator, reason="off_topic")
    moderation.contribution_reopen(contribution=contribution, by=moderator)
    moderation.contribution_approve(contribution=contribution, by=moderator)

    contribution.refresh_from_db()
    assert contribution.moderation_status == ModerationStatus.APPROVED
    assert contribution.rejection_reason == ""
    assert [entry.action for entry in audit_for(contribution)] == [
        "contribution.reject",
        "contribution.reopen",
        "contribution.approve",
    ]


def test_every_allowed_transition_is_possible(moderator):
    for current, targets in moderation.TRANSITIONS.items():
        for target in targets:
            contribution = ContributionFactory(deployment=moderator.deployment)
            Contribution.objects.filter(pk=contribution.pk).update(
                moderation_status=current,
                rejection_reason="spam" if current == "rejected" else "",
            )
            contribution.refresh_from_db()
            if target == "rejected":
                moderation.contribution_reject(
                    contribution=contribution, by=moderator, reason="spam"
                )
            else:
                verb = {"approved": "approve", "hidden": "hide", "new": "reopen"}[target]
                getattr(moderation, f"contribution_{verb}")(contribution=contribution, by=moderator)
            contribution.refresh_from_db()
            assert contribution.moderation_status == target


def test_a_stale_instance_cannot_skip_the_state_machine(moderator, contribution):
    stale = Contribution.objects.get(pk=contribution.pk)
    moderation.contribution_reject(contribution=contribution, by=moderator, reason="spam")

    with pytest.raises(ValidationError):
        moderation.contribution_approve(contribution=stale, by=moderator)


# --- Public status ------------------------------------------------------------------------


def test_public_status_moves_forward_and_answered_needs_feedback(moderator, contribution):
    moderation.contribution_approve(contribution=contribution, by=moderator)
    moderation.contribution_set_public_status(
        contribution=contribution, by=moderator, status="forwarded", feedback=""
    )

    with pytest.raises(ValidationError) as refused:
        moderation.contribution_set_public_status(
            contribution=contribution, by=moderator, status="answered", feedback="  "
        )
    assert "braucht es eine Rückmeldung" in str(refused.value)

    moderation.contribution_set_public_status(
        contribution=contribution,
        by=moderator,
        status="answered",
        feedback="Das Grünflächenamt stellt im Juni zwei Bänke auf.",
    )
    contribution.refresh_from_db()
    assert contribution.public_status == PublicStatus.ANSWERED
    assert contribution.public_feedback == "Das Grünflächenamt stellt im Juni zwei Bänke auf."

    with pytest.raises(ValidationError) as backwards:
        moderation.contribution_set_public_status(
            contribution=contribution, by=moderator, status="received", feedback="x"
        )
    assert "geht nicht zurück" in backwards.value.messages[0]
    assert audit_for(contribution).filter(action="contribution.public_status").count() == 2


def test_public_status_only_for_approved_ideas(moderator, contribution):
    with pytest.raises(ValidationError) as refused:
        moderation.contribution_set_public_status(
            contribution=contribution, by=moderator, status="forwarded", feedback=""
        )
    assert "erst gesetzt werden, wenn der Beitrag freigegeben ist" in refused.value.messages[0]

    note = ContributionFactory(
        deployment=contribution.deployment, kind="note", channel="conversation"
    )
    moderation.contribution_approve(contribution=note, by=moderator)
    with pytest.raises(ValidationError) as not_idea:
        moderation.contribution_set_public_status(
            contribution=note, by=moderator, status="forwarded", feedback=""
        )
    assert "nur Ideen und Anliegen" in not_idea.value.messages[0]


# --- Duplicates ---------------------------------------------------------------------------


def test_duplicates_count_once_with_a_support_count(moderator):
    deployment = moderator.deployment
    original, first, second = ContributionFactory.create_batch(3, deployment=deployment)
    moderation.contribution_approve(contribution=original, by=moderator)
    moderation.contribution_approve(contribution=first, by=moderator)
    moderation.contribution_mark_duplicate(contribution=first, original=original, by=moderator)
    moderation.contribution_mark_duplicate(contribution=second, original=original, by=moderator)

    public = list(public_contributions(deployment=deployment))
    assert public == [original]
    assert public[0].support_count == 3
    first.refresh_from_db()
    assert first.moderation_status == ModerationStatus.REJECTED
    assert first.rejection_reason == RejectionReason.DUPLICATE
    assert first.duplicate_of == original
    listed = {c.pk: c.support_count for c in contributions_for_moderation(user=moderator)}
    assert listed == {original.pk: 3, first.pk: 1, second.pk: 1}


def test_duplicates_of_a_duplicate_move_to_the_original(moderator):
    deployment = moderator.deployment
    original, middle, leaf = ContributionFactory.create_batch(3, deployment=deployment)
    moderation.contribution_mark_duplicate(contribution=leaf, original=middle, by=moderator)
    moderation.contribution_mark_duplicate(contribution=middle, original=original, by=moderator)

    leaf.refresh_from_db()
    assert leaf.duplicate_of == original
    assert with_count(original) == 3


def with_count(contribution):
    return (
        contributions_for_moderation(
            user=contribution.deployment.organisation.memberships.first().user
        )
        .get(pk=contribution.pk)
        .support_count
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("self", "nicht doppelt zu sich selbst"),
        ("other_deployment", "gehört zu einem anderen Einsatz"),
        ("duplicate", "ist selbst als doppelt markiert"),
        ("other_kind", "ist von anderer Art"),
    ],
)
def test_refused_duplicates_say_why(moderator, contribution, case, message):
    deployment = contribution.deployment
    if case == "self":
        original = contribution
    elif case == "other_deployment":
        original = ContributionFactory(
            deployment=DeploymentFactory(organisation=deployment.organisation)
        )
    elif case == "duplicate":
        root = ContributionFactory(deployment=deployment)
        original = ContributionFactory(deployment=deployment)
        moderation.contribution_mark_duplicate(contribution=original, original=root, by=moderator)
    else:
        original = ContributionFactory(deployment=deployment, kind="note", channel="conversation")

    with pytest.raises(ValidationError) as refused:
        moderation.contribution_mark_duplicate(
            contribution=contribution, original=original, by=moderator
        )

    assert message in refused.value.messages[0]
    contribution.refresh_from_db()
    assert contribution.duplicate_of is None


def test_reopening_a_duplicate_detaches_it(moderator):
    original, duplicate = ContributionFactory.create_batch(2, deployment=moderator.deployment)
    moderation.contribution_mark_duplicate(contribution=duplicate, original=original, by=moderator)
    moderation.contribution_reopen(contribution=duplicate, by=moderator)

    duplicate.refresh_from_db()
    assert duplicate.duplicate_of is None
    assert duplicate.moderation_status == ModerationStatus.NEW
    assert with_count(original) == 1


def test_rejecting_as_duplicate_needs_the_original(moderator, contribution):
    with pytest.raises(ValidationError) as refused:
        moderation.contribution_reject(
            contribution=contribution, by=moderator, reason=RejectionReason.DUPLICATE
        )
    assert "Als doppelt markieren" in refused.value.messages[0]


# --- Codes --------------------------------------------------------------------------------


def test_codes_come_from_the_organisations_codebook(moderator, contribution):
    organisation = contribution.deployment.organisation
    mobility = CodeFactory(organisation=organisation, name="Mobilität")
    cycling = CodeFactory(organisation=organisation, name="Radverkehr", parent=mobility)
    foreign = CodeFactory(name="Fremdcode")

    moderation.contribution_codes_set(contribution=contribution, codes=[cycling], by=moderator)
    with pytest.raises(ValidationError) as refused:
        moderation.contribution_codes_set(
            contribution=contribution, codes=[mobility, foreign], by=moderator
        )

    assert "„Fremdcode“" in str(refused.value)
    assert list(contribution.codes.all()) == [cycling]
    entry = audit_for(contribution).get(action="contribution.codes")
    assert entry.data == {"added": [cycling.pk], "removed": []}


def test_a_code_cannot_sit_below_itself_or_another_codebook(moderator):
    organisation = moderator.deployment.organisation
    top = moderation.code_create(organisation=organisation, name="Grün", by=moderator)
    child = moderation.code_create(
        organisation=organisation, name="Bäume", parent=top, by=moderator
    )

    with pytest.raises(ValidationError) as cycle:
        moderation.code_update(code=top, name="Grün", parent=child, by=moderator)
    assert "nicht unter sich selbst" in str(cycle.value)
    with pytest.raises(ValidationError) as foreign:
        moderation.code_create(
            organisation=organisation, name="X", parent=CodeFactory(), by=moderator
        )
    assert "aus demselben Codebuch" in str(foreign.value)


# --- Routing ------------------------------------------------------------------------------


def district_of(deployment):
    return deployment.site.areas.get(kind="district")


def test_routing_is_due_after_the_departments_answer_time(moderator, contribution):
    department = DepartmentFactory(
        district=district_of(contribution.deployment), answer_within_days=14
    )
    moderation.contribution_approve(contribution=contribution, by=moderator)

    routing = moderation.routing_create(
        contribution=contribution, department=department, by=moderator
    )

    today = timezone.localdate()
    assert routing.forwarded_on == today
    assert routing.due_on == today + dt.timedelta(days=14)
    assert routing.routed_by == moderator
    contribution.refresh_from_db()
    assert contribution.public_status == PublicStatus.FORWARDED
    actions = [entry.action for entry in audit_for(contribution)]
    assert actions == ["contribution.approve", "routing.create", "contribution.public_status"]


def test_routing_with_its_own_due_date(moderator, contribution):
    department = DepartmentFactory(district=district_of(contribution.deployment))
    moderation.contribution_approve(contribution=contribution, by=moderator)
    due = timezone.localdate() + dt.timedelta(days=3)

    routing = moderation.routing_create(
        contribution=contribution, department=department, by=moderator, due_on=due
    )

    assert routing.due_on == due


def test_routing_is_refused_outside_the_district_unapproved_or_twice(moderator, contribution):
    here = DepartmentFactory(district=district_of(contribution.deployment), name="Ordnungsamt")
    elsewhere = DepartmentFactory(name="Jugendamt")

    with pytest.raises(ValidationError) as unapproved:
        moderation.routing_create(contribution=contribution, department=here, by=moderator)
    assert "Nur freigegebene Beiträge" in unapproved.value.messages[0]

    moderation.contribution_approve(contribution=contribution, by=moderator)
    with pytest.raises(ValidationError) as wrong:
        moderation.routing_create(contribution=contribution, department=elsewhere, by=moderator)
    assert "„Jugendamt“ ist nicht für den Bezirk des Standorts zuständig" in str(wrong.value)

    moderation.routing_create(contribution=contribution, department=here, by=moderator)
    with pytest.raises(ValidationError) as twice:
        moderation.routing_create(contribution=contribution, department=here, by=moderator)
    assert "bereits an „Ordnungsamt“ weitergeleitet" in str(twice.value)
    assert Routing.objects.count() == 1


def test_routing_update_records_the_answer(moderator, contribution):
    department = DepartmentFactory(district=district_of(contribution.deployment))
    moderation.contribution_approve(contribution=contribution, by=moderator)
    routing = moderation.routing_create(
        contribution=contribution, department=department, by=moderator
    )

    with pytest.raises(ValidationError) as refused:
        moderation.routing_update(routing=routing, by=moderator, status="answered")
    assert "Antwort des Fachamts" in str(refused.value)

    routing = moderation.routing_update(
        routing=routing, by=moderator, status="answered", answer="Wird 2027 umgesetzt."
    )
    assert routing.answered_on == timezone.localdate()
    routing = moderation.routing_update(routing=routing, by=moderator, status="in_progress")
    assert routing.answered_on is None
    assert audit_for(contribution).filter(action="routing.update").count() == 2


def test_overdue_routings_stand_out(moderator):
    deployment = moderator.deployment
    department = DepartmentFactory(district=district_of(deployment))
    late, on_time, answered = ContributionFactory.create_batch(3, deployment=deployment)
    routings = {}
    for contribution in (late, on_time, answered):
        moderation.contribution_approve(contribution=contribution, by=moderator)
        routings[contribution.pk] = moderation.routing_create(
            contribution=contribution, department=department, by=moderator
        )
    moderation.routing_update(
        routing=routings[answered.pk], by=moderator, status="answered", answer="Erledigt."
    )
    today = timezone.localdate() + dt.timedelta(days=department.answer_within_days + 1)
    Routing.objects.filter(pk=routings[on_time.pk].pk).update(due_on=today)

    assert list(routings_overdue(user=moderator, today=today)) == [routings[late.pk]]
    flagged = contributions_for_moderation(user=moderator, overdue=True, today=today)
    assert list(flagged) == [late]
    other = member(DeploymentFactory().organisation)
    assert not routings_overdue(user=other, today=today).exists()


# --- Visibility ---------------------------------------------------------------------------


def test_team_members_see_approved_inputs_moderators_all(moderator):
    deployment = moderator.deployment
    approved, waiting = ContributionFactory.create_batch(2, deployment=deployment)
    moderation.contribution_approve(contribution=approved, by=moderator)
    team = member(deployment.organisation, role=Membership.Role.STAFF)
    stranger = member(DeploymentFactory().organisation)

    assert set(contributions_for_moderation(user=moderator)) == {approved, waiting}
    assert list(contributions_for_moderation(user=team)) == [approved]
    assert not contributions_for_moderation(user=stranger).exists()


def test_moderation_list_filters(moderator):
    deployment = moderator.deployment
    masked = ContributionFactory(deployment=deployment, text_was_masked=True)
    ContributionFactory(deployment=deployment, channel="online")

    assert list(contributions_for_moderation(user=moderator, masked=True)) == [masked]
    assert contributions_for_moderation(user=moderator, channel="online").count() == 1
    assert contributions_for_moderation(user=moderator, status="approved").count() == 0
    assert contributions_for_moderation(user=moderator, deployment=deployment).count() == 2
