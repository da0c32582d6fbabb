"""Who may see and change what on the planning side, declared in one place.

Staff see and change only the objects of the organisations they belong to; managers of an
organisation may also delete them. Official areas and target groups are shared reference data:
every staff member sees them, only superusers change them.
"""

from __future__ import annotations

import rules
from django.db import models

from deployments.models import Membership, Organisation

ORGANISATION_OWNED = ("site", "deployment", "partner", "theme")
DEPLOYMENT_OWNED = ("event", "eventseries", "shift", "deploymentgoal", "deploymentpartner")
REFERENCE_DATA = ("area", "targetgroup")

_CACHE_ATTRIBUTE = "_kiezlabor_roles"


def organisation_roles(user) -> dict[int, str]:
    """The user's role per organisation id, fetched once per user object (i.e. per request)."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def organisation_ids(user) -> set[int]:
    return set(organisation_roles(user))


def scope_to_user(queryset: models.QuerySet, user, path: str) -> models.QuerySet:
    """Rows of the user's organisations (reached through ``path``); superusers see all."""
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{path}__in": organisation_ids(user)})


# The relation through which an object reaches its organisation, tried in this order.
OWNER_PATHS = ("deployment", "partner", "workshop", "poll", "contribution")


def organisation_id_of(obj: models.Model) -> int | None:
    """The organisation an object belongs to, found through its owner if it has none itself."""
    if isinstance(obj, Organisation):
        return obj.pk
    if hasattr(obj, "organisation_id"):
        return obj.organisation_id
    for path in OWNER_PATHS:
        owner = getattr(obj, path, None)
        if owner is not None:
            return organisation_id_of(owner)
    return None


@rules.predicate
def is_active_staff(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff


@rules.predicate
def is_member(user, obj=None) -> bool:
    """Member of the object's organisation; without an object, of any organisation."""
    if obj is None:
        return bool(organisation_roles(user))
    return organisation_id_of(obj) in organisation_ids(user)


@rules.predicate
def is_manager(user, obj=None) -> bool:
    roles = organisation_roles(user)
    if obj is None:
        return Membership.Role.MANAGER in roles.values()
    return roles.get(organisation_id_of(obj)) == Membership.Role.MANAGER


is_superuser = rules.is_superuser
can_work_on = is_superuser | (is_active_staff & is_member)
can_delete = is_superuser | (is_active_staff & is_manager)

for model_name in (*ORGANISATION_OWNED, *DEPLOYMENT_OWNED, "partnercontact"):
    rules.add_perm(f"deployments.view_{model_name}", can_work_on)
    rules.add_perm(f"deployments.add_{model_name}", can_work_on)
    rules.add_perm(f"deployments.change_{model_name}", can_work_on)
    rules.add_perm(
        f"deployments.delete_{model_name}",
        can_delete if model_name in ORGANISATION_OWNED else can_work_on,
    )

for model_name in REFERENCE_DATA:
    rules.add_perm(f"deployments.view_{model_name}", is_superuser | is_active_staff)
    for action in ("add", "change", "delete"):
        rules.add_perm(f"deployments.{action}_{model_name}", is_superuser)

rules.add_perm("deployments.view_organisation", can_work_on)
rules.add_perm("deployments.change_organisation", can_delete)
rules.add_perm("deployments.add_organisation", is_superuser)
rules.add_perm("deployments.delete_organisation", is_superuser)
for action in ("view", "add", "change", "delete"):
    rules.add_perm(f"deployments.{action}_membership", is_superuser)

# The audit trail is read by superusers and by managers (their organisations' entries only);
# nobody writes it except the services.
rules.add_perm("deployments.view_auditentry", can_delete)
for action in ("add", "change", "delete"):
    rules.add_perm(f"deployments.{action}_auditentry", rules.always_deny)
