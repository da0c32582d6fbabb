"""The staff side of participation in the admin, one module per area of work."""

from participation.admin import (  # noqa: F401  (registers the model admins)
    contributions,
    devices,
    exports,
    imports,
    polls,
    qualification,
    records,
)
