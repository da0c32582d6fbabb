"""The planning admin: staff see and change only their organisations' objects."""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdminMixin
from rules.contrib.admin import ObjectPermissionsModelAdminMixin

from deployments import rules as planning_rules
from deployments.admin_site_selection import site_selection_view
from deployments.models import (
    Area,
    AuditEntry,
    Deployment,
    DeploymentGoal,
    DeploymentPartner,
    Event,
    EventSeries,
    Membership,
    Organisation,
    Partner,
    PartnerContact,
    Shift,
    Site,
    TargetGroup,
    Theme,
)
from deployments.selectors.planning import planning_check
from deployments.selectors.programme import programme_weeks
from deployments.services import planning
from deployments.services.audit import audit_record

User = get_user_model()


class PlanningRefused(Exception):
    """Raised inside the admin's save transaction to roll back a save the planning check refuses."""

    def __init__(self, findings):
        super().__init__(findings)
        self.findings = findings


class ScopedChoicesMixin:
    """Offer only the user's organisations' objects in select boxes of forms and inlines."""

    choice_scopes = {
        "organisation": (Organisation, "pk"),
        "site": (Site, "organisation"),
        "deployment": (Deployment, "organisation"),
        "partner": (Partner, "organisation"),
        "partners": (Partner, "organisation"),
        "referred_by": (Partner, "organisation"),
        "themes": (Theme, "organisation"),
        "series": (EventSeries, "deployment__organisation"),
        "staff": (User, "memberships__organisation"),
        "team": (User, "memberships__organisation"),
    }

    def _limit(self, db_field, request: HttpRequest, kwargs: dict) -> None:
        scope = self.choice_scopes.get(db_field.name)
        if scope and "queryset" not in kwargs:
            model, path = scope
            kwargs["queryset"] = planning_rules.scope_to_user(
                model._default_manager.all(), request.user, path
            ).distinct()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._limit(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._limit(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class OrganisationScopedAdmin(
    ScopedChoicesMixin, ObjectPermissionsModelAdminMixin, admin.ModelAdmin
):
    """A model admin whose rows belong to an organisation, reached through ``organisation_path``."""

    organisation_path = "organisation"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return planning_rules.scope_to_user(
            super().get_queryset(request), request.user, self.organisation_path
        )


class ScopedTabularInline(ScopedChoicesMixin, admin.TabularInline):
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(OrganisationScopedAdmin):
    organisation_path = "pk"
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


def _membership_data(membership: Membership) -> dict:
    return {
        "user": membership.user.get_username(),
        "organisation": str(membership.organisation),
        "role": membership.role,
    }


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user"]

    # Who may work on which organisation's data is a permission: every change is audited.
    def save_model(self, request, obj: Membership, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        data = _membership_data(obj)
        if change:
            data["before"] = {name: str(form.initial.get(name)) for name in form.changed_data}
        audit_record(
            actor=request.user,
            action="membership.change" if change else "membership.add",
            target=obj,
            data=data,
        )

    def delete_model(self, request, obj: Membership) -> None:
        audit_record(
            actor=request.user, action="membership.delete", target=obj, data=_membership_data(obj)
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("user", "organisation"):
            self.delete_model(request, membership)


class DistrictFilter(admin.SimpleListFilter):
    """Filter by Bezirk, for everything that hangs on a site."""

    title = _("Bezirk")
    parameter_name = "bezirk"
    areas_path = "site__areas"

    def lookups(self, request, model_admin):
        districts = Area.objects.filter(kind=Area.Kind.DISTRICT).order_by("code")
        return [(district.code, district.name) for district in districts]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(
            **{
                f"{self.areas_path}__kind": Area.Kind.DISTRICT,
                f"{self.areas_path}__code": self.value(),
            }
        )


class SiteDistrictFilter(DistrictFilter):
    areas_path = "areas"


def _district_prefetch(path: str) -> Prefetch:
    return Prefetch(
        f"{path}areas",
        queryset=Area.objects.filter(kind=Area.Kind.DISTRICT).only("id", "name", "kind"),
        to_attr="districts",
    )


@admin.register(Area)
class AreaAdmin(LeafletGeoAdminMixin, ObjectPermissionsModelAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "code", "parent", "population_total", "social_status_index"]
    list_filter = ["kind", ("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "code"]
    ordering = ["kind", "code"]
    readonly_fields = ["population_by_age", "population_reference_date"]


@admin.register(TargetGroup)
class TargetGroupAdmin(ObjectPermissionsModelAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name"]


@admin.register(Theme)
class ThemeAdmin(OrganisationScopedAdmin):
    list_display = ["name", "organisation"]
    list_select_related = ["organisation"]
    search_fields = ["name"]


@admin.register(Site)
class SiteAdmin(LeafletGeoAdminMixin, OrganisationScopedAdmin):
    list_display = [
        "name",
        "district",
        "status",
        "site_type",
        "footfall",
        "has_power",
        "has_water",
        "step_free",
        "permit",
        "organisation",
    ]
    list_filter = ["status", "site_type", SiteDistrictFilter, "permit", "step_free"]
    list_select_related = ["organisation"]
    search_fields = ["name", "address"]
    readonly_fields = ["areas"]
    fieldsets = [
        (None, {"fields": ["organisation", "name", "address", "location", "areas", "status"]}),
        (
            _("Eigenschaften"),
            {"fields": ["site_type", "footfall", "has_power", "has_water", "step_free"]},
        ),
        (
            _("Genehmigung und Vereinbarung"),
            {"fields": ["permit", "permit_reference", "agreement_with", "agreement_on", "contact"]},
        ),
        (_("Notizen"), {"fields": ["notes"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(_district_prefetch(""))

    def get_urls(self):
        view = partial(site_selection_view, admin_site=self.admin_site)
        return [
            path(
                "standortwahl/",
                self.admin_site.admin_view(view),
                name="deployments_site_selection",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request, obj: Site, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change or "location" in form.changed_data:
            # The areas service brings pandas: loaded only when a site moves, not with the admin.
            from deployments.services import areas as area_services

            area_services.site_assign_areas(site=obj)

    @admin.display(description=_("Bezirk"))
    def district(self, site: Site) -> str:
        return ", ".join(area.name for area in getattr(site, "districts", []))


class DeploymentGoalInline(admin.TabularInline):
    model = DeploymentGoal
    extra = 0
    max_num = 7
    ordering = ["rank"]


class EventInline(ScopedTabularInline):
    model = Event
    fields = ["title", "format", "starts_at", "ends_at", "lead", "is_public", "state", "attendance"]
    show_change_link = True
    ordering = ["starts_at"]


class ShiftInline(ScopedTabularInline):
    model = Shift
    fields = ["staff", "starts_at", "ends_at", "is_public", "notes"]
    ordering = ["starts_at"]


class DeploymentPartnerInline(ScopedTabularInline):
    model = DeploymentPartner
    fields = ["partner", "role", "notes"]


@admin.register(Deployment)
class DeploymentAdmin(OrganisationScopedAdmin):
    list_display = [
        "title",
        "site",
        "district",
        "starts_on",
        "ends_on",
        "status",
        "vehicle",
        "event_count",
        "shift_count",
    ]
    list_filter = ["status", DistrictFilter, "vehicle", "starts_on", "organisation"]
    date_hierarchy = "starts_on"
    search_fields = ["title", "site__name", "site__address"]
    readonly_fields = ["status", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["target_groups", "themes", "team"]
    inlines = [DeploymentGoalInline, DeploymentPartnerInline, EventInline, ShiftInline]
    fieldsets = [
        (
            None,
            {"fields": ["organisation", "title", "slug", "site", "vehicle", "status"]},
        ),
        (_("Zeitraum"), {"fields": ["starts_on", "ends_on"]}),
        (_("Ausrichtung"), {"fields": ["target_groups", "themes", "description"]}),
        (_("Team"), {"fields": ["team"]}),
        (_("Verlauf"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    actions = ["plan_deployments", "confirm_deployments", "start_deployments", "close_deployments"]

    def get_urls(self):
        return [
            path(
                "<int:object_id>/zeitplan/",
                self.admin_site.admin_view(self.timeline_view),
                name="deployments_deployment_timeline",
            ),
            *super().get_urls(),
        ]

    def timeline_view(self, request: HttpRequest, object_id: int) -> TemplateResponse:
        """The programme week by week, internal events included."""
        deployment = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_permission(request, deployment):
            raise PermissionDenied
        weeks = [
            (week, [(Event.Format(code).label, count) for code, count in week.by_format.items()])
            for week in programme_weeks(deployment=deployment, include_internal=True)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Zeitplan: %(deployment)s") % {"deployment": deployment},
            "deployment": deployment,
            "weeks": weeks,
        }
        return TemplateResponse(request, "admin/deployments/deployment/timeline.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        deployment = self.get_object(request, object_id)
        if deployment is not None and request.method == "GET":
            extra_context = {
                **(extra_context or {}),
                "planning_check": planning_check(deployment=deployment),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Save; a save that adds planning errors is rolled back and the form shown again.

        The second pass gets the same POST data, so nothing the user typed is lost; its form
        carries the planning errors and is therefore not saved again.
        """
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except PlanningRefused as refusal:
            request._planning_refused = refusal.findings
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refused = getattr(request, "_planning_refused", None)
        if not refused:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned_data = super().clean()
                self.add_error(
                    None, _("Nicht gespeichert – die Planungsprüfung hat Fehler gefunden:")
                )
                for finding in refused:
                    self.add_error(None, finding.message)
                return cleaned_data

        return RefusedForm

    def save_model(self, request, obj: Deployment, form, change: bool) -> None:
        request._planning_before = planning_check(deployment=obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change: bool) -> None:
        """Save, then refuse (roll back) a change that adds planning errors."""
        super().save_related(request, form, formsets, change)
        before_check = getattr(request, "_planning_before", None)
        before = {finding.key for finding in before_check.errors} if before_check else set()
        new_errors = [
            finding
            for finding in planning_check(deployment=form.instance).errors
            if finding.key not in before
        ]
        if new_errors:
            raise PlanningRefused(new_errors)

    def _transition(self, request, queryset, to: Deployment.Status) -> None:
        done = 0
        for deployment in queryset:
            if not self.has_change_permission(request, deployment):
                raise PermissionDenied
            try:
                planning.deployment_transition(deployment=deployment, to=to, by=request.user)
            except ValidationError as refusal:
                for message in refusal.messages:
                    self.message_user(request, f"{deployment}: {message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                _("%(count)d Einsätze auf „%(status)s“ gesetzt.")
                % {"count": done, "status": to.label},
                messages.SUCCESS,
            )

    @admin.action(description=_("Als geplant markieren"))
    def plan_deployments(self, request, queryset):
        self._transition(request, queryset, Deployment.Status.PLANNED)

    @admin.action(description=_("Bestätigen (mit Planungsprüfung)"))
    def confirm_deployments(self, request, queryset):
        self._transition(request, queryset, Deployment.Status.CONFIRMED)

    @admin.action(description=_("Einsatz beginnen"))
    def start_deployments(self, request, queryset):
        self._transition(request, queryset, Deployment.Status.RUNNING)

    @admin.action(description=_("Einsatz abschließen"))
    def close_deployments(self, request, queryset):
        self._transition(request, queryset, Deployment.Status.CLOSED)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("site", "organisation")
            .prefetch_related(_district_prefetch("site__"))
            .annotate(
                event_total=Count(
                    "events", filter=~Q(events__state=Event.State.CANCELLED), distinct=True
                ),
                shift_total=Count("shifts", distinct=True),
            )
        )

    @admin.display(description=_("Bezirk"))
    def district(self, deployment: Deployment) -> str:
        return ", ".join(area.name for area in getattr(deployment.site, "districts", []))

    @admin.display(description=_("Veranstaltungen"), ordering="event_total")
    def event_count(self, deployment: Deployment) -> int:
        return deployment.event_total

    @admin.display(description=_("Schichten"), ordering="shift_total")
    def shift_count(self, deployment: Deployment) -> int:
        return deployment.shift_total


@admin.register(Event)
class EventAdmin(OrganisationScopedAdmin):
    organisation_path = "deployment__organisation"
    list_display = [
        "title",
        "deployment",
        "format",
        "starts_at",
        "lead",
        "is_public",
        "state",
        "attendance",
    ]
    list_filter = ["format", "state", "lead", "is_public", "deployment__status"]
    list_select_related = ["deployment"]
    date_hierarchy = "starts_at"
    search_fields = ["title", "deployment__title"]
    filter_horizontal = ["partners", "target_groups"]


class PartnerContactInline(admin.StackedInline):
    model = PartnerContact
    extra = 0


@admin.register(Partner)
class PartnerAdmin(OrganisationScopedAdmin):
    list_display = ["name", "kind", "referred_by", "organisation"]
    list_filter = ["kind"]
    list_select_related = ["referred_by", "organisation"]
    search_fields = ["name", "contribution"]
    inlines = [PartnerContactInline]


@admin.register(Shift)
class ShiftAdmin(OrganisationScopedAdmin):
    organisation_path = "deployment__organisation"
    list_display = ["deployment", "staff", "starts_at", "ends_at", "is_public"]
    list_filter = ["is_public", "deployment__status"]
    list_select_related = ["deployment", "staff"]
    date_hierarchy = "starts_at"


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail, read-only: superusers see all of it, managers their organisations'."""

    list_display = ["at", "actor", "action", "target_type", "target_repr", "organisation"]
    list_filter = [
        "action",
        ("actor", admin.RelatedOnlyFieldListFilter),
        ("at", admin.DateFieldListFilter),
    ]
    list_select_related = ["actor", "target_type", "organisation"]
    search_fields = ["target_repr", "action", "actor__username"]
    date_hierarchy = "at"
    fields = [
        "at",
        "actor",
        "action",
        "organisation",
        "target_type",
        "target_id",
        "target_repr",
        "data",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        entries = super().get_queryset(request)
        if request.user.is_superuser:
            return entries
        return entries.filter(
            organisation__memberships__user=request.user,
            organisation__memberships__role=Membership.Role.MANAGER,
        )

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("deployments.view_auditentry", obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("deployments.view_auditentry")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


from deployments import admin_users  # noqa: E402, F401  (audited user and group admin)
