"""The codebook, the Fachämter per district and the routings to them, in the admin.

Codes belong to an organisation's codebook; Fachämter are shared reference data that only
superusers change; routings are created from a contribution and followed up here, with overdue
ones standing out.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdminMixin

from deployments.admin import OrganisationScopedAdmin
from deployments.models import Area
from deployments.rules import scope_to_user
from participation.admin.contributions import (
    DeploymentFilter,
    RefusalRedisplayMixin,
    call_service,
    excerpt,
    overdue_label,
)
from participation.models import Code, Department, Routing
from participation.selectors.contributions import routings_for_user
from participation.services import moderation

# --- Codebook -----------------------------------------------------------------------------


class CodeForm(forms.ModelForm):
    class Meta:
        model = Code
        fields = ["organisation", "parent", "name", "description"]

    def clean(self):
        cleaned_data = super().clean()
        code = self.instance
        code.organisation = cleaned_data.get("organisation") or getattr(code, "organisation", None)
        code.parent = cleaned_data.get("parent")
        if code.organisation is not None:
            try:
                moderation.code_validate_parent(code)
            except forms.ValidationError as refusal:
                self.add_error("parent", refusal.messages)
        return cleaned_data


@admin.register(Code)
class CodeAdmin(RefusalRedisplayMixin, OrganisationScopedAdmin):
    form = CodeForm
    list_display = ["name", "parent", "organisation", "contribution_count"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent", "organisation"]
    search_fields = ["name", "description", "parent__name"]
    fields = ["organisation", "parent", "name", "description", "children_list"]
    readonly_fields = ["children_list"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = scope_to_user(
                Code.objects.select_related("parent"), request.user, "organisation"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Code]:
        return super().get_queryset(request).annotate(contribution_total=Count("contributions"))

    def save_model(self, request, obj: Code, form, change: bool) -> None:
        data = form.cleaned_data
        fields = {
            "name": data["name"],
            "parent": data.get("parent"),
            "description": data.get("description", ""),
        }
        if change:
            call_service(moderation.code_update, code=obj, by=request.user, **fields)
        else:
            form.instance = call_service(
                moderation.code_create, organisation=data["organisation"], by=request.user, **fields
            )

    @admin.display(description=_("Unterbegriffe"))
    def children_list(self, code: Code) -> str:
        if code.pk is None:
            return "–"
        return ", ".join(child.name for child in code.children.order_by("name")) or "–"

    @admin.display(description=_("Beiträge"), ordering="contribution_total")
    def contribution_count(self, code: Code) -> int:
        return code.contribution_total


# --- Fachämter ----------------------------------------------------------------------------


@admin.register(Department)
class DepartmentAdmin(ObjectPermissionsModelAdminMixin, admin.ModelAdmin):
    list_display = ["name", "district", "email", "answer_within_days", "open_routings"]
    list_filter = [("district", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["district"]
    search_fields = ["name", "district__name", "email"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Department]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_total=Count("routings", filter=Q(routings__status__in=moderation.OPEN_ROUTING))
            )
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "district":
            kwargs["queryset"] = Area.objects.filter(kind=Area.Kind.DISTRICT).defer("geometry")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("offene Weiterleitungen"), ordering="open_total")
    def open_routings(self, department: Department) -> int:
        return department.open_total


# --- Routings -----------------------------------------------------------------------------


class RoutingOverdueFilter(admin.SimpleListFilter):
    title = _("Frist")
    parameter_name = "ueberfaellig"

    def lookups(self, request, model_admin):
        return [("1", _("überfällig")), ("0", _("im Zeitplan oder erledigt"))]

    def queryset(self, request, queryset):
        if self.value() in {"0", "1"}:
            return queryset.filter(is_overdue=self.value() == "1")
        return queryset


class RoutingDeploymentFilter(DeploymentFilter):
    deployment_path = "contribution__deployment"


class RoutingForm(forms.ModelForm):
    class Meta:
        model = Routing
        fields = ["status", "answer"]


@admin.register(Routing)
class RoutingAdmin(RefusalRedisplayMixin, ObjectPermissionsModelAdminMixin, admin.ModelAdmin):
    form = RoutingForm
    list_display = [
        "contribution_excerpt",
        "department",
        "status",
        "forwarded_on",
        "due_on",
        "overdue",
        "deployment",
    ]
    list_display_links = ["contribution_excerpt"]
    list_filter = [RoutingOverdueFilter, "status", RoutingDeploymentFilter, "department"]
    list_select_related = ["contribution__deployment", "department__district", "routed_by"]
    search_fields = ["contribution__text", "department__name", "answer"]
    date_hierarchy = "due_on"
    fields = [
        "contribution",
        "department",
        "forwarded_on",
        "due_on",
        "routed_by",
        "overdue",
        "status",
        "answer",
        "answered_on",
    ]
    readonly_fields = [
        "contribution",
        "department",
        "forwarded_on",
        "due_on",
        "routed_by",
        "overdue",
        "answered_on",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Routing]:
        return routings_for_user(user=request.user).order_by(F("is_overdue").desc(), "due_on", "pk")

    def has_add_permission(self, request):
        # A routing starts from the contribution (change view or API), which checks the district.
        return False

    def save_model(self, request, obj: Routing, form, change: bool) -> None:
        call_service(
            moderation.routing_update,
            routing=obj,
            by=request.user,
            status=form.cleaned_data["status"],
            answer=form.cleaned_data["answer"],
        )

    @admin.display(description=_("Beitrag"))
    def contribution_excerpt(self, routing: Routing) -> str:
        contribution = routing.contribution
        return f"#{contribution.pk} {excerpt(contribution.text, 70)}"

    @admin.display(description=_("Einsatz"), ordering="contribution__deployment__title")
    def deployment(self, routing: Routing) -> str:
        return str(routing.contribution.deployment)

    @admin.display(description=_("überfällig"), ordering="is_overdue")
    def overdue(self, routing: Routing) -> str:
        if not getattr(routing, "is_overdue", moderation.routing_is_overdue(routing)):
            return "–"
        return overdue_label((timezone.localdate() - routing.due_on).days)
