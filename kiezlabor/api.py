"""Project-wide API plumbing."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Answer a refused write of a service (Django's ValidationError) and a body nested too
    deeply to parse with 400, not 500."""
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, RecursionError):
        # DRF's JSONParser lets json.loads' RecursionError through: nesting too deep to parse.
        exc = exceptions.ParseError(_("Die Anfrage ist kein gültiges JSON."))
    return drf_exception_handler(exc, context)


class RulesPermission(permissions.BasePermission):
    """Check the model's declared rules (``rules.py``) for the action, with the object if any."""

    actions = {
        "GET": "view",
        "HEAD": "view",
        "OPTIONS": "view",
        "POST": "add",
        "PUT": "change",
        "PATCH": "change",
        "DELETE": "delete",
    }

    def _perm(self, request, view, action: str | None = None) -> str:
        opts = view.get_queryset().model._meta
        return f"{opts.app_label}.{action or self.actions[request.method]}_{opts.model_name}"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        if request.method not in self.actions:
            return False
        # Creating needs "add"; everything else is decided per object, reading lists by scope.
        action = (
            "add" if request.method == "POST" and not getattr(view, "detail", False) else "view"
        )
        return user.has_perm(self._perm(request, view, action))

    def has_object_permission(self, request, view, obj) -> bool:
        # A POST on an object is an action on it (e.g. a status transition): a change.
        action = "change" if request.method == "POST" else None
        return request.user.has_perm(self._perm(request, view, action), obj)
