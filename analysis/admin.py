"""Staff curate the recommendations before a report is built: edit, add, reorder, drop."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from analysis.models import Recommendation
from deployments.admin import OrganisationScopedAdmin
from deployments.models import Deployment
from deployments.rules import scope_to_user

EDITABLE = ("finding", "action", "addressee", "priority", "position", "is_dropped")


@admin.register(Recommendation)
class RecommendationAdmin(OrganisationScopedAdmin):
    organisation_path = "deployment__organisation"
    list_display = [
        "finding_excerpt",
        "deployment",
        "priority",
        "addressee",
        "position",
        "is_dropped",
        "source",
    ]
    list_editable = ["priority", "position", "is_dropped"]
    list_filter = ["deployment", "priority", "is_dropped"]
    list_select_related = ["deployment"]
    search_fields = ["finding", "action", "addressee"]
    fields = [
        "deployment",
        "finding",
        "action",
        "addressee",
        "priority",
        "position",
        "is_dropped",
        "evidence_list",
    ]
    readonly_fields = ["evidence_list"]
    actions = ["refresh_from_analysis"]
    change_list_template = "admin/analysis/recommendation/change_list.html"

    def get_urls(self):
        return [
            path(
                "aktualisieren/",
                self.admin_site.admin_view(self.refresh_view),
                name="analysis_recommendation_refresh",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        deployments = scope_to_user(Deployment.objects.all(), request.user, "organisation")
        return super().changelist_view(
            request, {**(extra_context or {}), "deployments": deployments.order_by("-starts_on")}
        )

    def refresh_view(self, request: HttpRequest) -> HttpResponseRedirect:
        """Run the analysis for one deployment and take its proposals into the list."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:analysis_recommendation_changelist"))
        deployments = scope_to_user(Deployment.objects.all(), request.user, "organisation")
        deployment = get_object_or_404(deployments, pk=request.POST.get("deployment"))
        if not request.user.has_perm("analysis.change_recommendation", deployment):
            raise PermissionDenied
        self._refresh(request, [deployment])
        return HttpResponseRedirect(
            reverse("admin:analysis_recommendation_changelist")
            + f"?deployment__id__exact={deployment.pk}"
        )

    def _refresh(self, request: HttpRequest, deployments) -> None:
        # pandas, SciPy and scikit-learn load only when an analysis runs, not with the admin.
        from analysis.services import analysis_compute, recommendations_refresh

        for deployment in deployments:
            snapshot = analysis_compute(deployment=deployment)
            recommendations_refresh(deployment=deployment, proposals=snapshot.proposals)
        self.message_user(
            request,
            _("Empfehlungen für %(count)d Einsätze aus der Analyse aktualisiert.")
            % {"count": len(deployments)},
            messages.SUCCESS,
        )

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "deployment"] if obj else self.readonly_fields

    @admin.display(description=_("Befund"))
    def finding_excerpt(self, recommendation: Recommendation) -> str:
        return recommendation.finding[:90]

    @admin.display(description=_("Quelle"))
    def source(self, recommendation: Recommendation) -> str:
        if not recommendation.rule:
            return _("vom Team ergänzt")
        return _("Regel, bearbeitet") if recommendation.edited_at else _("Regel")

    @admin.display(description=_("Belege"))
    def evidence_list(self, recommendation: Recommendation) -> str:
        figures = (recommendation.evidence or {}).get("figures", [])
        return "; ".join(f"{item['label']}: {item['value']}" for item in figures) or "–"

    def save_model(self, request, obj: Recommendation, form, change: bool) -> None:
        from analysis.services import recommendation_add, recommendation_edit  # see _refresh

        if not change:
            recommendation_add(
                deployment=obj.deployment,
                by=request.user,
                **{name: form.cleaned_data[name] for name in EDITABLE if name in form.cleaned_data},
            )
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE}
        if changes:
            obj.refresh_from_db()
            recommendation_edit(recommendation=obj, by=request.user, **changes)

    @admin.action(description=_("Empfehlungen aus der Analyse aktualisieren"))
    def refresh_from_analysis(self, request, queryset) -> None:
        self._refresh(request, {recommendation.deployment for recommendation in queryset})
