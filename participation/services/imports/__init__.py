"""Imports of CSV and Excel files: paper forms, light-barrier counters, other platforms.

See ``jobs`` for the life of an import job, ``files`` for reading files and ``targets`` for
what rows become.
"""

from participation.services.imports.files import MAX_FILE_SIZE
from participation.services.imports.jobs import (
    import_apply,
    import_job_claim,
    import_job_confirm,
    import_job_create,
    import_job_delete,
    import_job_fail,
    import_jobs_sweep,
    import_preview,
    import_profile_problems,
)
from participation.services.imports.targets import TARGETS

__all__ = [
    "MAX_FILE_SIZE",
    "TARGETS",
    "import_apply",
    "import_job_claim",
    "import_job_confirm",
    "import_job_create",
    "import_job_delete",
    "import_job_fail",
    "import_jobs_sweep",
    "import_preview",
    "import_profile_problems",
]
