"""The moderation list: residents' input of the user's organisations, qualified by moderators.

Team members see approved inputs (read-only); moderators and managers of the organisation see
everything and approve, reject, hide, merge duplicates, set the public status, code and route.
Every write goes through ``participation.services.moderation``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from deployments.models import Deployment, Theme
from deployments.rules import scope_to_user
from participation.models import (
    Code,
    Contribution,
    Department,
    Kind,
    ModerationStatus,
    PublicStatus,
    RejectionReason,
    Routing,
)
from participation.selectors.contributions import contributions_for_moderation
from participation.services import moderation

MODERATE = "participation.moderate_contribution"
EXCERPT_LENGTH = 90


class ServiceRefused(Exception):
    """Raised inside the admin's save transaction to roll back a write a service refused."""

    def __init__(self, refusal: ValidationError):
        super().__init__(refusal.messages)
        self.messages = refusal.messages


class RefusalRedisplayMixin:
    """Show a service's refusal on the form, with everything the user typed kept.

    The save runs inside the admin's transaction; a refusal rolls it back and the form is
    built again from the same POST data, this time carrying the refusal as errors.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refusal:
            request._service_refusal = refusal.messages
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if not refusal:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned_data = super().clean()
                for message in refusal:
                    self.add_error(None, message)
                return cleaned_data

        return RefusedForm


def call_service(service, **kwargs):
    try:
        return service(**kwargs)
    except ValidationError as refusal:
        raise ServiceRefused(refusal) from refusal


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    return Truncator(text).chars(length)


def overdue_label(days: int | None = None) -> str:
    text = (
        ngettext("überfällig seit %(days)d Tag", "überfällig seit %(days)d Tagen", days)
        % {"days": days}
        if days
        else gettext("überfällig")
    )
    # Styled in static/kiezlabor/admin.css: the CSP allows no style attributes.
    return format_html('<span class="kiezlabor-overdue">{}</span>', text)


# --- Filters ------------------------------------------------------------------------------


class DeploymentFilter(admin.SimpleListFilter):
    """The user's organisations' deployments only."""

    title = _("Einsatz")
    parameter_name = "einsatz"
    deployment_path = "deployment"

    def lookups(self, request, model_admin):
        deployments = scope_to_user(Deployment.objects.all(), request.user, "organisation")
        return list(deployments.order_by("-starts_on").values_list("pk", "title"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.deployment_path}_id": self.value()})
        return queryset


class ThemeFilter(admin.SimpleListFilter):
    title = _("Thema")
    parameter_name = "thema"

    def lookups(self, request, model_admin):
        themes = scope_to_user(Theme.objects.all(), request.user, "organisation")
        return list(themes.order_by("name").values_list("pk", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(theme_id=self.value())
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    """Inputs with a routing whose answer is past due (``has_overdue_routing``)."""

    title = _("Weiterleitung")
    parameter_name = "ueberfaellig"

    def lookups(self, request, model_admin):
        return [("1", _("überfällig")), ("0", _("nicht überfällig"))]

    def queryset(self, request, queryset):
        if self.value() in {"0", "1"}:
            return queryset.filter(has_overdue_routing=self.value() == "1")
        return queryset


# --- Forms --------------------------------------------------------------------------------


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Grund"),
        choices=[("", "---------")]
        + [(value, label) for value, label in RejectionReason.choices if value != "duplicate"],
        help_text=_("Doppelte Beiträge bitte mit „Als doppelt markieren“ zusammenführen."),
    )
    note = forms.CharField(
        label=_("Anmerkung für das Team"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Nicht öffentlich. Persönliche Daten werden entfernt."),
    )


class HideForm(forms.Form):
    note = forms.CharField(
        label=_("Anmerkung für das Team"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Warum ausgeblendet? Nicht öffentlich."),
    )


class OriginalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Contribution) -> str:
        return f"#{obj.pk} – {excerpt(obj.text or obj.get_kind_display(), 100)}"


class DuplicateForm(forms.Form):
    original = OriginalChoiceField(
        label=_("Ursprünglicher Beitrag"),
        queryset=Contribution.objects.none(),
        help_text=_(
            "Die markierten Beiträge werden als doppelt abgelehnt und zählen beim "
            "ursprünglichen Beitrag als Unterstützung."
        ),
    )

    def __init__(self, *args, candidates: QuerySet[Contribution], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["original"].queryset = candidates


class ContributionQualifyForm(forms.ModelForm):
    """Public status, feedback and codes; the resident's input itself is read-only."""

    status_for_public = forms.ChoiceField(
        label=_("Bearbeitungsstand"), choices=PublicStatus.choices
    )
    feedback_for_public = forms.CharField(
        label=_("Rückmeldung (öffentlich)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Für „beantwortet“ nötig: was aus dem Anliegen geworden ist."),
    )

    class Meta:
        model = Contribution
        fields = ["codes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["status_for_public"].initial = self.instance.public_status
            self.fields["feedback_for_public"].initial = self.instance.public_feedback
        if "codes" in self.fields:
            self.fields["codes"].queryset = Code.objects.filter(
                organisation_id=self.instance.deployment.organisation_id
            ).select_related("parent")


class RoutingInlineForm(forms.ModelForm):
    due_on = forms.DateField(
        label=_("Antwort erwartet bis"),
        required=False,
        widget=admin.widgets.AdminDateWidget,
        help_text=_("Leer lassen: nach der Antwortfrist des Fachamts."),
    )

    class Meta:
        model = Routing
        fields = ["department", "due_on", "status", "answer"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["department"].disabled = True
            self.fields["due_on"].disabled = True


class RoutingInline(admin.TabularInline):
    model = Routing
    form = RoutingInlineForm
    extra = 0
    fields = ["department", "forwarded_on", "due_on", "status", "answer", "overdue"]
    readonly_fields = ["forwarded_on", "overdue"]
    can_delete = False

    def get_formset(self, request, obj=None, **kwargs):
        self._districts = (
            list(obj.deployment.site.areas.filter(kind="district").values_list("pk", flat=True))
            if obj
            else []
        )
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            kwargs["queryset"] = Department.objects.filter(
                district_id__in=getattr(self, "_districts", [])
            ).select_related("district")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may_moderate(self, request, obj) -> bool:
        return obj is not None and request.user.has_perm(MODERATE, obj)

    def has_add_permission(self, request, obj=None):
        return self._may_moderate(request, obj) and (
            obj.moderation_status == ModerationStatus.APPROVED
        )

    def has_change_permission(self, request, obj=None):
        return self._may_moderate(request, obj)

    def has_view_permission(self, request, obj=None):
        return obj is not None and request.user.has_perm("participation.view_contribution", obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("überfällig"))
    def overdue(self, routing: Routing) -> str:
        if routing.pk and moderation.routing_is_overdue(routing):
            return overdue_label()
        return "–"


# --- The moderation list ------------------------------------------------------------------


@admin.register(Contribution)
class ContributionAdmin(RefusalRedisplayMixin, admin.ModelAdmin):
    form = ContributionQualifyForm
    list_display = [
        "excerpt",
        "kind_and_channel",
        "status",
        "support",
        "text_was_masked",
        "code_list",
        "routing_state",
        "deployment",
        "received_at",
    ]
    list_display_links = ["excerpt"]
    list_filter = [
        DeploymentFilter,
        "moderation_status",
        "kind",
        "channel",
        ThemeFilter,
        "text_was_masked",
        OverdueFilter,
    ]
    list_select_related = ["deployment", "theme"]
    list_per_page = 50
    search_fields = ["text"]
    inlines = [RoutingInline]
    actions = [
        "approve_contributions",
        "reject_contributions",
        "hide_contributions",
        "mark_duplicates",
        "reopen_contributions",
    ]
    readonly_fields = [
        "deployment",
        "event",
        "kind",
        "channel",
        "text",
        "text_was_masked",
        "language",
        "theme",
        "location",
        "rating",
        "age_band",
        "relation",
        "heard_via",
        "demographics_estimated",
        "received_at",
        "recorded_by",
        "moderation_status",
        "rejection_reason",
        "moderation_note",
        "duplicate_of",
        "support",
    ]

    def get_fieldsets(self, request, obj=None):
        resident = [
            "deployment",
            "event",
            ("kind", "channel", "language"),
            "text",
            "text_was_masked",
            "theme",
            "location",
            "rating",
            "received_at",
            "recorded_by",
        ]
        fieldsets = [
            (None, {"fields": resident}),
            (
                _("Angaben zur Person"),
                {
                    "fields": ["age_band", "relation", "heard_via", "demographics_estimated"],
                    "classes": ["collapse"],
                },
            ),
            (
                _("Moderation"),
                {
                    "fields": [
                        "moderation_status",
                        "rejection_reason",
                        "moderation_note",
                        "duplicate_of",
                        "support",
                    ]
                },
            ),
        ]
        may_moderate = obj is not None and request.user.has_perm(MODERATE, obj)
        qualify = ["codes"] if may_moderate else []
        if obj is not None and obj.kind == Kind.IDEA and may_moderate:
            qualify = ["status_for_public", "feedback_for_public", *qualify]
        elif obj is not None and obj.kind == Kind.IDEA:
            fieldsets[2][1]["fields"] += ["public_status_display", "public_feedback_display"]
        if qualify:
            fieldsets.append((_("Bearbeitung"), {"fields": qualify}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "public_status_display", "public_feedback_display"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contribution]:
        return contributions_for_moderation(user=request.user)

    # Permissions: team members view, moderators moderate (object-level).

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("participation.view_contribution", obj)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(MODERATE, obj)

    def has_moderate_permission(self, request):
        return request.user.has_perm(MODERATE)

    def has_add_permission(self, request):
        # Inputs come from the tablet, the team's records and imports, never from this list.
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("participation.delete_contribution", obj)

    def get_actions(self, request):
        # Inputs leave the public view by moderation (audited), not by bulk deletion.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Another organisation's input does not exist for this user.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(gettext("Diesen Beitrag gibt es nicht oder Sie dürfen ihn nicht sehen."))
        return super().change_view(request, object_id, form_url, extra_context)

    # Saving: every change is a service call.

    def save_model(self, request, obj: Contribution, form, change: bool) -> None:
        if {"status_for_public", "feedback_for_public"} & set(form.changed_data):
            call_service(
                moderation.contribution_set_public_status,
                contribution=obj,
                by=request.user,
                status=form.cleaned_data["status_for_public"],
                feedback=form.cleaned_data["feedback_for_public"],
            )

    def save_related(self, request, form, formsets, change: bool) -> None:
        if "codes" in form.changed_data:
            call_service(
                moderation.contribution_codes_set,
                contribution=form.instance,
                codes=form.cleaned_data["codes"],
                by=request.user,
            )
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change: bool) -> None:
        # The admin's change message reads these, as after formset.save().
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for routing_form in formset.forms:
            if not routing_form.has_changed() or not routing_form.cleaned_data:
                continue
            data = routing_form.cleaned_data
            if routing_form.instance.pk is None:
                routing = call_service(
                    moderation.routing_create,
                    contribution=form.instance,
                    department=data["department"],
                    by=request.user,
                    due_on=data.get("due_on"),
                )
                formset.new_objects.append(routing)
                if data["status"] != Routing.Status.FORWARDED or data["answer"]:
                    call_service(
                        moderation.routing_update,
                        routing=routing,
                        by=request.user,
                        status=data["status"],
                        answer=data["answer"],
                    )
            else:
                routing = call_service(
                    moderation.routing_update,
                    routing=routing_form.instance,
                    by=request.user,
                    status=data["status"],
                    answer=data["answer"],
                )
                formset.changed_objects.append((routing, routing_form.changed_data))

    # List columns.

    @admin.display(description=_("Beitrag"))
    def excerpt(self, contribution: Contribution) -> str:
        return excerpt(contribution.text) or f"({contribution.get_kind_display()})"

    @admin.display(description=_("Art / Weg"), ordering="kind")
    def kind_and_channel(self, contribution: Contribution) -> str:
        return f"{contribution.get_kind_display()} · {contribution.get_channel_display()}"

    @admin.display(description=_("Moderation"), ordering="moderation_status")
    def status(self, contribution: Contribution) -> str:
        label = contribution.get_moderation_status_display()
        if contribution.moderation_status == ModerationStatus.REJECTED:
            reason = contribution.get_rejection_reason_display()
            if contribution.duplicate_of_id:
                return gettext("%(status)s: doppelt zu #%(pk)s") % {
                    "status": label,
                    "pk": contribution.duplicate_of_id,
                }
            return f"{label}: {reason}"
        return label

    @admin.display(description=_("Unterstützung"), ordering="support_count")
    def support(self, contribution: Contribution) -> int:
        return contribution.support_count

    @admin.display(description=_("Codes"))
    def code_list(self, contribution: Contribution) -> str:
        return ", ".join(str(code) for code in contribution.codes.all()) or "–"

    @admin.display(description=_("Weiterleitung"))
    def routing_state(self, contribution: Contribution) -> str:
        if contribution.has_overdue_routing:
            return overdue_label()
        routings = contribution.routings.all()
        return ", ".join(r.department.name for r in routings) or "–"

    @admin.display(description=_("Bearbeitungsstand"))
    def public_status_display(self, contribution: Contribution) -> str:
        return contribution.get_public_status_display()

    @admin.display(description=_("Rückmeldung (öffentlich)"))
    def public_feedback_display(self, contribution: Contribution) -> str:
        return contribution.public_feedback or "–"

    # Actions.

    def _moderate_each(self, request, queryset, service, done_message, **kwargs) -> None:
        """Call ``service`` for each input; ``done_message(count)`` reports the successes."""
        contributions = list(queryset)
        if not all(request.user.has_perm(MODERATE, c) for c in contributions):
            raise PermissionDenied
        done = 0
        for contribution in contributions:
            try:
                service(contribution=contribution, by=request.user, **kwargs)
            except ValidationError as refusal:
                for message in refusal.messages:
                    self.message_user(request, f"#{contribution.pk}: {message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    def _intermediate_page(self, request, queryset, *, form, action: str, title, intro, submit):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "intro": intro,
            "submit_label": submit,
            "form": form,
            "contributions": queryset,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/participation/contribution/moderation_action.html", context
        )

    @admin.action(description=_("Freigeben"), permissions=["moderate"])
    def approve_contributions(self, request, queryset):
        self._moderate_each(
            request,
            queryset,
            moderation.contribution_approve,
            lambda n: (
                ngettext("%(count)d Beitrag freigegeben.", "%(count)d Beiträge freigegeben.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Ablehnen …"), permissions=["moderate"])
    def reject_contributions(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._moderate_each(
                request,
                queryset,
                moderation.contribution_reject,
                lambda n: (
                    ngettext("%(count)d Beitrag abgelehnt.", "%(count)d Beiträge abgelehnt.", n)
                    % {"count": n}
                ),
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
            return None
        return self._intermediate_page(
            request,
            queryset,
            form=form,
            action="reject_contributions",
            title=gettext("Beiträge ablehnen"),
            intro=gettext("Diese Beiträge werden abgelehnt und nie öffentlich gezeigt:"),
            submit=gettext("Ablehnen"),
        )

    @admin.action(description=_("Ausblenden …"), permissions=["moderate"])
    def hide_contributions(self, request, queryset):
        form = HideForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._moderate_each(
                request,
                queryset,
                moderation.contribution_hide,
                lambda n: (
                    ngettext(
                        "%(count)d Beitrag ausgeblendet.", "%(count)d Beiträge ausgeblendet.", n
                    )
                    % {"count": n}
                ),
                note=form.cleaned_data["note"],
            )
            return None
        return self._intermediate_page(
            request,
            queryset,
            form=form,
            action="hide_contributions",
            title=gettext("Beiträge ausblenden"),
            intro=gettext(
                "Diese Beiträge bleiben für das Team sichtbar, werden aber nicht öffentlich "
                "gezeigt und nicht ohne Weiteres exportiert:"
            ),
            submit=gettext("Ausblenden"),
        )

    @admin.action(description=_("Wieder öffnen"), permissions=["moderate"])
    def reopen_contributions(self, request, queryset):
        self._moderate_each(
            request,
            queryset,
            moderation.contribution_reopen,
            lambda n: (
                ngettext(
                    "%(count)d Beitrag wieder geöffnet.", "%(count)d Beiträge wieder geöffnet.", n
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Als doppelt markieren …"), permissions=["moderate"])
    def mark_duplicates(self, request, queryset):
        contributions = list(queryset)
        deployments = {c.deployment_id for c in contributions}
        if len(deployments) != 1:
            self.message_user(
                request,
                gettext(
                    "Doppelte Beiträge lassen sich nur innerhalb eines Einsatzes "
                    "zusammenführen. Bitte filtern Sie nach einem Einsatz."
                ),
                messages.ERROR,
            )
            return None
        if not all(request.user.has_perm(MODERATE, c) for c in contributions):
            raise PermissionDenied
        candidates = (
            Contribution.objects.filter(
                deployment_id=deployments.pop(),
                kind=contributions[0].kind,
                duplicate_of__isnull=True,
            )
            .exclude(moderation_status=ModerationStatus.REJECTED)
            .exclude(pk__in=[c.pk for c in contributions])
        )
        form = DuplicateForm(
            request.POST if "apply" in request.POST else None, candidates=candidates
        )
        if form.is_valid():
            self._moderate_each(
                request,
                queryset,
                moderation.contribution_mark_duplicate,
                lambda n: (
                    ngettext(
                        "%(count)d Beitrag als doppelt markiert.",
                        "%(count)d Beiträge als doppelt markiert.",
                        n,
                    )
                    % {"count": n}
                ),
                original=form.cleaned_data["original"],
            )
            return None
        return self._intermediate_page(
            request,
            contributions,
            form=form,
            action="mark_duplicates",
            title=gettext("Als doppelt markieren"),
            intro=gettext(
                "Diese Beiträge sagen dasselbe wie ein anderer. Wählen Sie den ursprünglichen "
                "Beitrag:"
            ),
            submit=gettext("Als doppelt markieren"),
        )
