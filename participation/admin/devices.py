"""Tablets in the admin: pair with a code and QR code, lock out, move to another deployment.

Every button calls the same services as the kiosk API (``participation.services.devices``).
"""

from __future__ import annotations

import segno
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from deployments.admin import OrganisationScopedAdmin
from participation.models import Device
from participation.services import devices

# The tablet app's address; the code in the query string fills in the pairing screen.
KIOSK_PATH = "/kiosk/"
PAIRING_TEMPLATE = "admin/participation/device/pairing.html"


class DeviceForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = ["organisation", "name", "deployment", "idle_seconds"]

    def clean(self) -> dict:
        cleaned = super().clean()
        organisation = cleaned.get("organisation") or getattr(self.instance, "organisation", None)
        deployment = cleaned.get("deployment")
        if deployment and organisation and deployment.organisation_id != organisation.pk:
            self.add_error(
                "deployment",
                _("Dieser Einsatz gehört einer anderen Organisation als das Tablet."),
            )
        return cleaned


class DeviceStateFilter(admin.SimpleListFilter):
    title = _("Zustand")
    parameter_name = "zustand"

    def lookups(self, request, model_admin):
        return [
            ("paired", _("gekoppelt")),
            ("revoked", _("gesperrt")),
            ("unpaired", _("nicht gekoppelt")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "paired":
            return queryset.exclude(token_hash="").filter(
                revoked_at__isnull=True, deployment__isnull=False
            )
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "unpaired":
            return queryset.filter(token_hash="", revoked_at__isnull=True)
        return queryset


@admin.register(Device)
class DeviceAdmin(OrganisationScopedAdmin):
    form = DeviceForm
    list_display = [
        "name",
        "deployment",
        "state",
        "last_seen_at",
        "waiting",
        "refused",
        "organisation",
    ]
    list_filter = [DeviceStateFilter, "deployment__status"]
    list_select_related = ["deployment", "organisation"]
    search_fields = ["name", "deployment__title"]
    readonly_fields = [
        "paired_at",
        "revoked_at",
        "last_seen_at",
        "pending_on_device",
        "rejected_on_device",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["organisation", "name", "deployment", "idle_seconds"]}),
        (
            _("Zustand"),
            {
                "fields": [
                    "paired_at",
                    "revoked_at",
                    "last_seen_at",
                    "pending_on_device",
                    "rejected_on_device",
                    "created_at",
                ]
            },
        ),
    ]
    actions = ["create_pairing_code", "revoke_devices"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # A tablet stays with its organisation; it moves between that organisation's deployments.
        return [*readonly, "organisation"] if obj is not None else readonly

    def get_urls(self):
        return [
            path(
                "<int:object_id>/kopplung/",
                self.admin_site.admin_view(self.pairing_view),
                name="participation_device_pairing",
            ),
            path(
                "<int:object_id>/sperren/",
                self.admin_site.admin_view(require_POST(self.revoke_view)),
                name="participation_device_revoke",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("Zustand"))
    def state(self, device: Device) -> str:
        if device.revoked_at:
            return _("gesperrt")
        if device.is_paired:
            return _("gekoppelt")
        if device.token_hash:
            return _("gekoppelt, aber keinem Einsatz zugeordnet")
        if device.pairing_code and device.pairing_code_expires_at > timezone.now():
            return _("Kopplungscode offen")
        return _("nicht gekoppelt")

    @admin.display(description=_("wartend"), ordering="pending_on_device")
    def waiting(self, device: Device) -> int:
        """Inputs on the tablet not yet sent, as of its last sign of life."""
        return device.pending_on_device

    @admin.display(description=_("abgelehnt"), ordering="rejected_on_device")
    def refused(self, device: Device) -> int:
        """Inputs the server refused; they wait on the tablet for the team."""
        return device.rejected_on_device

    def save_model(self, request, obj: Device, form, change: bool) -> None:
        moving = change and "deployment" in form.changed_data
        target = obj.deployment
        if moving:
            obj.deployment_id = form.initial.get("deployment")
        super().save_model(request, obj, form, change)
        if moving:
            devices.device_move(device=obj, deployment=target, by=request.user)

    # --- Pairing and locking out ----------------------------------------------------------

    def _device_to_change(self, request: HttpRequest, object_id: int) -> Device:
        device = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, device):
            raise PermissionDenied
        return device

    def pairing_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Show the open pairing code with its QR code; POST makes a new one."""
        device = self._device_to_change(request, object_id)
        if request.method == "POST":
            try:
                devices.device_pairing_code_create(device=device, by=request.user)
            except ValidationError as refusal:
                for message in refusal.messages:
                    self.message_user(request, message, messages.ERROR)
                return HttpResponseRedirect(
                    reverse("admin:participation_device_change", args=[device.pk])
                )
            return HttpResponseRedirect(request.path)

        code_is_open = bool(
            device.pairing_code
            and device.pairing_code_expires_at
            and device.pairing_code_expires_at > timezone.now()
        )
        pairing_url = (
            request.build_absolute_uri(f"{KIOSK_PATH}?code={device.pairing_code}")
            if code_is_open
            else ""
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Tablet koppeln: %(device)s") % {"device": device},
            "device": device,
            "code_is_open": code_is_open,
            "pairing_url": pairing_url,
            "qr_svg": _qr_svg(pairing_url) if code_is_open else "",
        }
        return TemplateResponse(request, PAIRING_TEMPLATE, context)

    def revoke_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        device = self._device_to_change(request, object_id)
        devices.device_revoke(device=device, by=request.user)
        self.message_user(
            request,
            _(
                "„%(device)s“ ist gesperrt. "
                "Das Tablet zeigt jetzt „Bitte wenden Sie sich an das Team“."
            )
            % {"device": device},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:participation_device_change", args=[device.pk]))

    @admin.action(description=_("Kopplungscode erzeugen"))
    def create_pairing_code(self, request: HttpRequest, queryset: QuerySet[Device]):
        if queryset.count() != 1:
            self.message_user(
                request,
                _("Bitte wählen Sie genau ein Tablet: Der Code wird groß angezeigt."),
                messages.WARNING,
            )
            return None
        device = queryset.get()
        if not self.has_change_permission(request, device):
            raise PermissionDenied
        try:
            devices.device_pairing_code_create(device=device, by=request.user)
        except ValidationError as refusal:
            for message in refusal.messages:
                self.message_user(request, f"{device}: {message}", messages.ERROR)
            return None
        return HttpResponseRedirect(reverse("admin:participation_device_pairing", args=[device.pk]))

    @admin.action(description=_("Sperren"))
    def revoke_devices(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        done = 0
        for device in queryset:
            if not self.has_change_permission(request, device):
                raise PermissionDenied
            devices.device_revoke(device=device, by=request.user)
            done += 1
        self.message_user(
            request, _("%(count)d Tablets gesperrt.") % {"count": done}, messages.SUCCESS
        )


def _qr_svg(url: str) -> str:
    # segno writes the SVG itself from the URL; nothing from the request goes in unescaped.
    svg = segno.make(url, error="m").svg_inline(scale=8, border=2, title=url)
    return mark_safe(svg)  # noqa: S308
