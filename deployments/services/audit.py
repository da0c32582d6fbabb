"""The audit trail: one function every service calls after a staff action."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from deployments.models import AuditEntry
from deployments.rules import organisation_id_of


def audit_record(
    *, actor, action: str, target: models.Model, data: dict | None = None
) -> AuditEntry:
    """Record that ``actor`` did ``action`` to ``target``, inside the caller's transaction."""
    return AuditEntry.objects.create(
        organisation_id=organisation_id_of(target),
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        data=data or {},
    )
