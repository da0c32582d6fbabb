"""Reads for imports: the caller's import jobs and profiles, with what the pages show."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from deployments.rules import scope_to_user
from participation.models import ImportJob, ImportProfile, JobState


def import_jobs_for(*, user) -> QuerySet[ImportJob]:
    """The user's organisations' import jobs, each with ``earlier_import_id``.

    ``earlier_import_id`` is an earlier finished import of the same file into the same
    deployment, if there is one: the page then says that the file adds nothing new.
    """
    earlier = ImportJob.objects.filter(
        deployment=OuterRef("deployment"),
        file_hash=OuterRef("file_hash"),
        state=JobState.DONE,
        pk__lt=OuterRef("pk"),
    ).order_by("-pk")
    jobs = ImportJob.objects.select_related("deployment", "profile", "created_by").annotate(
        earlier_import_id=Subquery(earlier.values("pk")[:1])
    )
    return scope_to_user(jobs, user, "deployment__organisation")


def import_profiles_for(*, user) -> QuerySet[ImportProfile]:
    """The import profiles of the user's organisations."""
    return scope_to_user(ImportProfile.objects.select_related("organisation"), user, "organisation")
