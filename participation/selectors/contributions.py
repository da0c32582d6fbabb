"""Reads of residents' input for moderation and for the public.

Each selector returns a QuerySet with its relations and figures inside, so a list costs the
same number of queries for ten rows as for a thousand. Support counts and overdue flags are
correlated subqueries rather than joins: no GROUP BY over every column (geometry included).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from deployments.models import Deployment
from deployments.rules import organisation_roles, scope_to_user
from participation.models import Code, Contribution, ModerationStatus, Routing
from participation.rules import QUALIFYING_ROLES
from participation.services.moderation import OPEN_ROUTING


def with_support_count(queryset: QuerySet[Contribution]) -> QuerySet[Contribution]:
    """Annotate ``support_count``: the contribution itself plus its duplicates."""
    duplicates = (
        Contribution.objects.filter(duplicate_of=OuterRef("pk"))
        .order_by()
        .values("duplicate_of")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return queryset.annotate(
        support_count=Coalesce(Subquery(duplicates, output_field=IntegerField()), Value(0))
        + Value(1)
    )


def with_overdue_flag(
    queryset: QuerySet[Contribution], *, today: dt.date | None = None
) -> QuerySet[Contribution]:
    """Annotate ``has_overdue_routing``: an open routing whose answer is past due."""
    today = today or timezone.localdate()
    overdue = Routing.objects.filter(
        contribution=OuterRef("pk"), status__in=OPEN_ROUTING, due_on__lt=today
    )
    return queryset.annotate(has_overdue_routing=Exists(overdue, output_field=BooleanField()))


def _visible_to(queryset: QuerySet[Contribution], user) -> QuerySet[Contribution]:
    """The user's organisations' inputs; unapproved ones only where the user moderates."""
    queryset = scope_to_user(queryset, user, "deployment__organisation")
    if user.is_superuser:
        return queryset
    moderated = [org for org, role in organisation_roles(user).items() if role in QUALIFYING_ROLES]
    return queryset.filter(
        Q(moderation_status=ModerationStatus.APPROVED)
        | Q(deployment__organisation_id__in=moderated)
    )


def contributions_for_moderation(
    *,
    user,
    deployment: Deployment | int | None = None,
    status: str | None = None,
    kind: str | None = None,
    channel: str | None = None,
    theme: int | None = None,
    masked: bool | None = None,
    overdue: bool | None = None,
    today: dt.date | None = None,
) -> QuerySet[Contribution]:
    """Inputs the user may see, with support count, overdue flag, codes and routings.

    Team members see approved inputs of their organisations; moderators and managers see
    everything of the organisations they moderate.
    """
    queryset = _visible_to(Contribution.objects.all(), user)
    filters = {
        "deployment": deployment,
        "moderation_status": status,
        "kind": kind,
        "channel": channel,
        "theme": theme,
        "text_was_masked": masked,
    }
    queryset = queryset.filter(
        **{key: value for key, value in filters.items() if value is not None}
    )
    queryset = with_overdue_flag(with_support_count(queryset), today=today)
    if overdue is not None:
        queryset = queryset.filter(has_overdue_routing=overdue)
    return queryset.select_related("deployment", "theme").prefetch_related(
        Prefetch("codes", queryset=Code.objects.select_related("parent")),
        Prefetch("routings", queryset=Routing.objects.select_related("department")),
    )


def public_contributions(
    *, deployment: Deployment | int, kind: str | None = None
) -> QuerySet[Contribution]:
    """Approved inputs of a deployment, for the public: never rejected, hidden or new ones.

    Duplicates are rejected, so they never show; each original carries ``support_count``.
    """
    queryset = Contribution.objects.filter(
        deployment=deployment,
        moderation_status=ModerationStatus.APPROVED,
        duplicate_of__isnull=True,
    )
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    return with_support_count(queryset).select_related("theme")


def routings_for_user(*, user, today: dt.date | None = None) -> QuerySet[Routing]:
    """Routings of the user's organisations, each annotated with ``is_overdue``."""
    today = today or timezone.localdate()
    queryset = scope_to_user(Routing.objects.all(), user, "contribution__deployment__organisation")
    return queryset.annotate(
        is_overdue=ExpressionWrapper(
            Q(status__in=OPEN_ROUTING, due_on__lt=today), output_field=BooleanField()
        ),
    ).select_related("contribution__deployment", "department__district", "routed_by")


def routings_overdue(*, user, today: dt.date | None = None) -> QuerySet[Routing]:
    """Open routings of the user's organisations whose answer is past due, oldest first."""
    today = today or timezone.localdate()
    return (
        routings_for_user(user=user, today=today)
        .filter(status__in=OPEN_ROUTING, due_on__lt=today)
        .order_by("due_on", "pk")
    )
