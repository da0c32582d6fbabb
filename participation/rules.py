"""Who may see and change residents' input and the work on it, declared in one place.

Team members (any role) of the deployment's organisation record inputs, import and export.
Qualifying residents' input (moderation, coding, routing) is for moderators and managers.
Seeing unapproved inputs or per-person demographics in exports needs the moderator role too:
the team sees figures, moderators see people's answers.
"""

from __future__ import annotations

import rules

from deployments.models import Membership
from deployments.rules import (
    can_delete,
    can_work_on,
    is_active_staff,
    is_superuser,
    organisation_id_of,
    organisation_roles,
)

QUALIFYING_ROLES = {Membership.Role.MODERATOR, Membership.Role.MANAGER}


@rules.predicate
def is_moderator(user, obj=None) -> bool:
    """Moderator or manager of the object's organisation; without an object, of any."""
    roles = organisation_roles(user)
    if obj is None:
        return bool(QUALIFYING_ROLES & set(roles.values()))
    return roles.get(organisation_id_of(obj)) in QUALIFYING_ROLES


can_moderate = is_superuser | (is_active_staff & is_moderator)

RECORDED = (
    "contribution",
    "visitorcount",
    "workshopresult",
    "workshopphoto",
    "reflectionentry",
    "importjob",
    "exportjob",
    "poll",
    "polloption",
)
for model_name in RECORDED:
    for action in ("view", "add", "change"):
        rules.add_perm(f"participation.{action}_{model_name}", can_work_on)
    rules.add_perm(f"participation.delete_{model_name}", can_delete)

ORGANISATION_OWNED = ("device", "importprofile", "code")
for model_name in ORGANISATION_OWNED:
    for action in ("view", "add", "change"):
        rules.add_perm(f"participation.{action}_{model_name}", can_work_on)
    rules.add_perm(f"participation.delete_{model_name}", can_delete)

for action in ("view", "add", "change", "delete"):
    rules.add_perm(f"participation.{action}_routing", can_moderate)
rules.add_perm("participation.view_department", is_superuser | is_active_staff)
for action in ("add", "change", "delete"):
    rules.add_perm(f"participation.{action}_department", is_superuser)

# Object-level permissions beyond the model's CRUD.
rules.add_perm("participation.moderate_contribution", can_moderate)
rules.add_perm("participation.view_unapproved_contributions", can_moderate)
rules.add_perm("participation.view_personal_demographics", can_moderate)
