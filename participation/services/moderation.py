"""Qualifying residents' input: moderation, public status, coding, duplicates, routing.

Decisions, so that admin, API, exports and reports agree:

- Moderation is a state machine over ``Contribution.moderation_status`` declared in
  ``TRANSITIONS``: ``new`` → approved | rejected | hidden; ``approved`` → hidden | rejected;
  ``hidden`` → approved | rejected; ``rejected`` → new only by *reopening* (the input goes back
  into the queue and is then moderated afresh); hidden inputs may be reopened too. Nothing
  moves to the state it is already in.
- Only ``approved`` inputs are public. Hidden inputs are kept for the team (e.g. a legitimate
  but sensitive remark); rejected ones carry a reason from ``RejectionReason``.
- A duplicate is *rejected* with reason ``duplicate`` and points to its original
  (``duplicate_of``): it never shows publicly, and the original counts it as support
  (support count = 1 + number of duplicates). The original must be of the same deployment and
  kind and not itself a duplicate; duplicates of the new duplicate move to the original, so
  there are never chains. Reopening a duplicate detaches it again.
- The public status (received → forwarded → answered) is for approved ideas only; it never
  goes back, ``answered`` needs a feedback text, and the feedback may be edited at any step.
- Codes come from the codebook of the deployment's organisation only.
- A routing passes an approved input to a Fachamt of the district its site lies in; the answer
  is expected ``answer_within_days`` after forwarding unless a date is given. Routing an idea
  that is still ``received`` makes it ``forwarded``. Open routings past their date are overdue.
- Texts moderators write (notes, public feedback) are masked like residents' texts.

Every write records an ``AuditEntry`` (who, what, from/to, reason). Services do not check
permissions – admin and API do – but refuse what the domain does not allow with a
``ValidationError`` in plain German.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from deployments.models import Area
from deployments.services.audit import audit_record
from participation.models import (
    Code,
    Contribution,
    Department,
    Kind,
    ModerationStatus,
    PublicStatus,
    RejectionReason,
    Routing,
)
from participation.services.masking import mask_personal_data

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

Status = ModerationStatus

TRANSITIONS: Mapping[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.APPROVED, Status.REJECTED, Status.HIDDEN}),
    Status.APPROVED: frozenset({Status.HIDDEN, Status.REJECTED}),
    Status.HIDDEN: frozenset({Status.APPROVED, Status.REJECTED, Status.NEW}),
    Status.REJECTED: frozenset({Status.NEW}),
}

PUBLIC_STATUS_ORDER = [PublicStatus.RECEIVED, PublicStatus.FORWARDED, PublicStatus.ANSWERED]
OPEN_ROUTING = frozenset({Routing.Status.FORWARDED, Routing.Status.IN_PROGRESS})
CLOSED_ROUTING = frozenset({Routing.Status.ANSWERED, Routing.Status.DECLINED})


# --- Moderation ---------------------------------------------------------------------------


def _locked(contribution: Contribution) -> Contribution:
    """The contribution re-read under a row lock, so two moderators cannot race."""
    return Contribution.objects.select_for_update().get(pk=contribution.pk)


def _clean_changed(instance, fields: list[str]) -> None:
    """``full_clean`` limited to the fields a service changes (and constraints on them).

    Checking every constraint of a contribution costs a dozen queries; the resident's input
    itself was validated when it was stored and is not touched here.
    """
    instance.full_clean(
        exclude=[f.name for f in instance._meta.concrete_fields if f.name not in fields]
    )


def _refuse_transition(current: str, target: str) -> None:
    if target in TRANSITIONS[current]:
        return
    current_label, target_label = Status(current).label, Status(target).label
    if current == target:
        message = gettext("Der Beitrag ist bereits „%(status)s“.") % {"status": current_label}
    elif current == Status.REJECTED:
        message = gettext(
            "Ein abgelehnter Beitrag kann nicht direkt „%(target)s“ werden. Öffnen Sie ihn "
            "zuerst wieder, dann kann er neu moderiert werden."
        ) % {"target": target_label}
    else:
        message = gettext(
            "Ein Beitrag im Status „%(current)s“ kann nicht auf „%(target)s“ gesetzt werden. "
            "Möglich: %(allowed)s."
        ) % {
            "current": current_label,
            "target": target_label,
            "allowed": ", ".join(
                f"„{status.label}“" for status in Status if status in TRANSITIONS[current]
            ),
        }
    raise ValidationError(message, code="illegal_transition")


def _move(
    *,
    contribution: Contribution,
    by: AbstractBaseUser | None,
    to: str,
    action: str,
    reason: str = "",
    note: str = "",
    duplicate_of: Contribution | None = None,
) -> Contribution:
    locked = _locked(contribution)
    current = locked.moderation_status
    _refuse_transition(current, to)
    note, _ = mask_personal_data(note.strip())
    locked.moderation_status = to
    locked.rejection_reason = reason
    locked.moderation_note = note
    locked.duplicate_of = duplicate_of
    changed = ["moderation_status", "rejection_reason", "moderation_note", "duplicate_of"]
    _clean_changed(locked, changed)
    locked.save(update_fields=changed)
    data = {"from": current, "to": to}
    if reason:
        data["reason"] = reason
    if note:
        data["note"] = note
    if duplicate_of is not None:
        data["duplicate_of"] = duplicate_of.pk
    audit_record(actor=by, action=action, target=locked, data=data)
    _copy_state(locked, contribution)
    return contribution


def _copy_state(source: Contribution, target: Contribution) -> None:
    for field in (
        "moderation_status",
        "rejection_reason",
        "moderation_note",
        "duplicate_of_id",
        "public_status",
        "public_feedback",
    ):
        setattr(target, field, getattr(source, field))
    if "duplicate_of" in target._state.fields_cache:
        del target._state.fields_cache["duplicate_of"]


@transaction.atomic
def contribution_approve(
    *, contribution: Contribution, by: AbstractBaseUser | None
) -> Contribution:
    """New or hidden → approved: the input is shown publicly and counts in exports and reports."""
    return _move(
        contribution=contribution, by=by, to=Status.APPROVED, action="contribution.approve"
    )


@transaction.atomic
def contribution_reject(
    *,
    contribution: Contribution,
    by: AbstractBaseUser | None,
    reason: RejectionReason | str,
    note: str = "",
) -> Contribution:
    """Reject with a reason from ``RejectionReason`` (and optionally a note for the team).

    Duplicates are marked with ``contribution_mark_duplicate``, which rejects with reason
    ``duplicate`` and records the original.
    """
    if reason not in RejectionReason.values:
        raise ValidationError(
            gettext("Bitte wählen Sie einen Grund für die Ablehnung: %(reasons)s.")
            % {"reasons": ", ".join(f"„{label}“" for label in RejectionReason.labels)},
            code="reason_required",
        )
    if reason == RejectionReason.DUPLICATE:
        raise ValidationError(
            gettext(
                "Doppelte Beiträge bitte über „Als doppelt markieren“ ablehnen, damit der "
                "ursprüngliche Beitrag die Unterstützung zählt."
            ),
            code="duplicate_needs_original",
        )
    return _move(
        contribution=contribution,
        by=by,
        to=Status.REJECTED,
        action="contribution.reject",
        reason=reason,
        note=note,
    )


@transaction.atomic
def contribution_hide(
    *, contribution: Contribution, by: AbstractBaseUser | None, note: str = ""
) -> Contribution:
    """Hide: kept for the team, but not public and not in approved-only exports."""
    return _move(
        contribution=contribution, by=by, to=Status.HIDDEN, action="contribution.hide", note=note
    )


@transaction.atomic
def contribution_reopen(
    *, contribution: Contribution, by: AbstractBaseUser | None, note: str = ""
) -> Contribution:
    """Rejected or hidden → new: back into the moderation queue; a duplicate is detached."""
    return _move(
        contribution=contribution, by=by, to=Status.NEW, action="contribution.reopen", note=note
    )


@transaction.atomic
def contribution_mark_duplicate(
    *, contribution: Contribution, original: Contribution, by: AbstractBaseUser | None
) -> Contribution:
    """Reject ``contribution`` as a duplicate of ``original``; the original counts it as support.

    Duplicates already pointing to ``contribution`` move to ``original`` (no chains).
    """
    original = Contribution.objects.select_for_update().get(pk=original.pk)
    _refuse_original(contribution=contribution, original=original)
    moved = list(
        Contribution.objects.filter(duplicate_of=contribution).values_list("pk", flat=True)
    )
    Contribution.objects.filter(pk__in=moved).update(duplicate_of=original)
    _move(
        contribution=contribution,
        by=by,
        to=Status.REJECTED,
        action="contribution.mark_duplicate",
        reason=RejectionReason.DUPLICATE,
        duplicate_of=original,
    )
    if moved:
        audit_record(
            actor=by,
            action="contribution.merge_duplicates",
            target=original,
            data={"from": contribution.pk, "duplicates": moved},
        )
    return contribution


def _refuse_original(*, contribution: Contribution, original: Contribution) -> None:
    if original.pk == contribution.pk:
        message = gettext("Ein Beitrag kann nicht doppelt zu sich selbst sein.")
    elif original.deployment_id != contribution.deployment_id:
        message = gettext(
            "Der ursprüngliche Beitrag gehört zu einem anderen Einsatz. Doppelte Beiträge "
            "lassen sich nur innerhalb eines Einsatzes zusammenführen."
        )
    elif original.kind != contribution.kind:
        message = gettext(
            "Der ursprüngliche Beitrag ist von anderer Art („%(kind)s“). Bitte wählen Sie "
            "einen Beitrag derselben Art."
        ) % {"kind": Kind(original.kind).label}
    elif original.duplicate_of_id is not None:
        message = gettext(
            "Beitrag #%(pk)s ist selbst als doppelt markiert. Bitte wählen Sie den "
            "ursprünglichen Beitrag #%(original)s."
        ) % {"pk": original.pk, "original": original.duplicate_of_id}
    elif original.moderation_status == Status.REJECTED:
        message = gettext("Beitrag #%(pk)s ist abgelehnt und kann nicht als Original dienen.") % {
            "pk": original.pk
        }
    else:
        return
    raise ValidationError(message, code="invalid_original")


# --- Public status and feedback -----------------------------------------------------------


@transaction.atomic
def contribution_set_public_status(
    *,
    contribution: Contribution,
    by: AbstractBaseUser | None,
    status: PublicStatus | str,
    feedback: str = "",
) -> Contribution:
    """Set what residents see of the work on an approved idea, with the feedback text.

    The status never goes back; ``answered`` needs a feedback text.
    """
    locked = _locked(contribution)
    if status not in PublicStatus.values:
        raise ValidationError(
            gettext("„%(status)s“ ist kein Bearbeitungsstand.") % {"status": status},
            code="unknown_public_status",
        )
    _refuse_public_status(locked, PublicStatus(status))
    feedback, _ = mask_personal_data(feedback.strip())
    if status == PublicStatus.ANSWERED and not feedback:
        raise ValidationError(
            {
                "public_feedback": gettext(
                    "Für „beantwortet“ braucht es eine Rückmeldung: Schreiben Sie, was aus "
                    "dem Anliegen geworden ist."
                )
            },
            code="feedback_required",
        )
    before = (locked.public_status, locked.public_feedback)
    if before == (status, feedback):
        return contribution
    locked.public_status = status
    locked.public_feedback = feedback
    _clean_changed(locked, ["public_status", "public_feedback"])
    locked.save(update_fields=["public_status", "public_feedback"])
    audit_record(
        actor=by,
        action="contribution.public_status",
        target=locked,
        data={"from": before[0], "to": status, "feedback": feedback},
    )
    _copy_state(locked, contribution)
    return contribution


def _refuse_public_status(contribution: Contribution, status: PublicStatus) -> None:
    if contribution.kind != Kind.IDEA:
        raise ValidationError(
            gettext("Einen Bearbeitungsstand haben nur Ideen und Anliegen."),
            code="not_an_idea",
        )
    if contribution.moderation_status != Status.APPROVED:
        raise ValidationError(
            gettext(
                "Der Bearbeitungsstand kann erst gesetzt werden, wenn der Beitrag freigegeben ist."
            ),
            code="not_approved",
        )
    current = PublicStatus(contribution.public_status)
    if PUBLIC_STATUS_ORDER.index(status) < PUBLIC_STATUS_ORDER.index(current):
        raise ValidationError(
            gettext("Der Bearbeitungsstand geht nicht zurück: Der Beitrag ist schon „%(current)s“.")
            % {"current": current.label},
            code="public_status_backwards",
        )


# --- Coding -------------------------------------------------------------------------------


@transaction.atomic
def contribution_codes_set(
    *, contribution: Contribution, codes: Iterable[Code], by: AbstractBaseUser | None
) -> Contribution:
    """Replace the contribution's codes; they must come from its organisation's codebook."""
    codes = list(codes)
    organisation_id = contribution.deployment.organisation_id
    foreign = [code for code in codes if code.organisation_id != organisation_id]
    if foreign:
        raise ValidationError(
            {
                "codes": gettext(
                    "Diese Codes gehören nicht zum Codebuch der Organisation des Einsatzes: "
                    "%(codes)s."
                )
                % {"codes": ", ".join(f"„{code.name}“" for code in foreign)}
            },
            code="foreign_code",
        )
    before = set(contribution.codes.values_list("pk", flat=True))
    after = {code.pk for code in codes}
    if before == after:
        return contribution
    contribution.codes.set(codes)
    audit_record(
        actor=by,
        action="contribution.codes",
        target=contribution,
        data={"added": sorted(after - before), "removed": sorted(before - after)},
    )
    return contribution


@transaction.atomic
def code_create(
    *,
    organisation,
    name: str,
    by: AbstractBaseUser | None,
    parent: Code | None = None,
    description: str = "",
) -> Code:
    """Add a code to an organisation's codebook, optionally below a parent code."""
    code = Code(organisation=organisation, parent=parent, name=name, description=description)
    code_validate_parent(code)
    code.full_clean()
    code.save()
    audit_record(actor=by, action="code.create", target=code, data={"name": name})
    return code


@transaction.atomic
def code_update(
    *,
    code: Code,
    by: AbstractBaseUser | None,
    name: str,
    parent: Code | None = None,
    description: str = "",
) -> Code:
    """Rename or move a code within its codebook (never below itself)."""
    code.name, code.parent, code.description = name, parent, description
    code_validate_parent(code)
    code.full_clean()
    code.save()
    audit_record(actor=by, action="code.update", target=code, data={"name": name})
    return code


def code_validate_parent(code: Code) -> None:
    """Refuse a parent from another codebook, or one that would put the code below itself."""
    parent = code.parent
    if parent is None:
        return
    if parent.organisation_id != code.organisation_id:
        raise ValidationError(
            {"parent": gettext("Der Oberbegriff muss aus demselben Codebuch stammen.")},
            code="foreign_parent",
        )
    seen = set()
    while parent is not None and parent.pk not in seen:
        if code.pk is not None and parent.pk == code.pk:
            raise ValidationError(
                {"parent": gettext("Ein Code kann nicht unter sich selbst stehen.")},
                code="code_cycle",
            )
        seen.add(parent.pk)
        parent = parent.parent


# --- Routing to a Fachamt -----------------------------------------------------------------


@transaction.atomic
def routing_create(
    *,
    contribution: Contribution,
    department: Department,
    by: AbstractBaseUser | None,
    due_on: dt.date | None = None,
) -> Routing:
    """Pass an approved input to a Fachamt of its site's district, with the answer's due date.

    Without ``due_on`` the answer is due ``department.answer_within_days`` after today.
    An idea still ``received`` becomes ``forwarded``.
    """
    locked = _locked(contribution)
    _refuse_routing(locked, department)
    forwarded_on = timezone.localdate()
    due_on = due_on or forwarded_on + dt.timedelta(days=department.answer_within_days)
    if due_on < forwarded_on:
        raise ValidationError(
            {"due_on": gettext("Das Antwortdatum darf nicht vor heute liegen.")},
            code="due_in_past",
        )
    routing = Routing(
        contribution=locked,
        department=department,
        forwarded_on=forwarded_on,
        due_on=due_on,
        routed_by=by if by is not None and by.is_authenticated else None,
    )
    routing.full_clean()
    routing.save()
    audit_record(
        actor=by,
        action="routing.create",
        target=locked,
        data={"department": department.pk, "name": department.name, "due_on": due_on.isoformat()},
    )
    if locked.kind == Kind.IDEA and locked.public_status == PublicStatus.RECEIVED:
        contribution_set_public_status(
            contribution=locked,
            by=by,
            status=PublicStatus.FORWARDED,
            feedback=locked.public_feedback,
        )
    _copy_state(locked, contribution)
    return routing


def _refuse_routing(contribution: Contribution, department: Department) -> None:
    if contribution.moderation_status != Status.APPROVED:
        raise ValidationError(
            gettext("Nur freigegebene Beiträge können an ein Fachamt weitergeleitet werden."),
            code="not_approved",
        )
    districts = Area.objects.filter(
        kind=Area.Kind.DISTRICT, sites__deployments=contribution.deployment_id
    )
    if not districts.filter(pk=department.district_id).exists():
        raise ValidationError(
            {
                "department": gettext(
                    "„%(department)s“ ist nicht für den Bezirk des Standorts zuständig. "
                    "Bitte wählen Sie ein Fachamt aus %(districts)s."
                )
                % {
                    "department": department.name,
                    "districts": ", ".join(d.name for d in districts)
                    or gettext(
                        "dem Bezirk des Standorts (dem Standort ist kein Bezirk zugeordnet)"
                    ),
                }
            },
            code="wrong_district",
        )
    if Routing.objects.filter(contribution=contribution, department=department).exists():
        raise ValidationError(
            {
                "department": gettext("Der Beitrag ist bereits an „%(department)s“ weitergeleitet.")
                % {"department": department.name}
            },
            code="already_routed",
        )


@transaction.atomic
def routing_update(
    *,
    routing: Routing,
    by: AbstractBaseUser | None,
    status: Routing.Status | str,
    answer: str = "",
) -> Routing:
    """Record how far the Fachamt has got; ``answered`` needs the answer's text.

    Answered and declined routings carry the day they were closed; re-opening clears it.
    """
    if status not in Routing.Status.values:
        raise ValidationError(
            {
                "status": gettext("„%(status)s“ ist kein Stand einer Weiterleitung.")
                % {"status": status}
            },
            code="unknown_routing_status",
        )
    routing = Routing.objects.select_for_update().get(pk=routing.pk)
    answer = answer.strip()
    if status == Routing.Status.ANSWERED and not answer:
        raise ValidationError(
            {"answer": gettext("Für „beantwortet“ tragen Sie bitte die Antwort des Fachamts ein.")},
            code="answer_required",
        )
    before = (routing.status, routing.answer)
    if before == (status, answer):
        return routing
    routing.status = status
    routing.answer = answer
    if status in CLOSED_ROUTING:
        routing.answered_on = routing.answered_on or timezone.localdate()
    else:
        routing.answered_on = None
    routing.full_clean()
    routing.save(update_fields=["status", "answer", "answered_on"])
    audit_record(
        actor=by,
        action="routing.update",
        target=routing.contribution,
        data={"routing": routing.pk, "from": before[0], "to": status},
    )
    return routing


def routing_is_overdue(routing: Routing, today: dt.date | None = None) -> bool:
    """Open and past the day the answer was due."""
    today = today or timezone.localdate()
    return routing.status in OPEN_ROUTING and routing.due_on < today
