"""Celery tasks of participation: thin wrappers that take ids and call a service."""

from participation.tasks.exports import export_build  # noqa: F401
from participation.tasks.imports import import_run  # noqa: F401
from participation.tasks.retention import delete_expired_data  # noqa: F401
from participation.tasks.sweep import sweep_jobs  # noqa: F401
