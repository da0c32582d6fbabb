"""REST API of the planning side: the same services as the admin, scoped to the caller."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from deployments import rules as planning_rules
from deployments import serializers
from deployments.models import Area, Deployment, Event, Partner, Shift, Site
from deployments.services import areas as area_services
from deployments.services import planning
from kiezlabor.api import RulesPermission


class OrganisationScopedViewSet(viewsets.ModelViewSet):
    """Rows of the caller's organisations only; others' rows do not exist for the caller (404)."""

    permission_classes = [RulesPermission]
    organisation_path = "organisation"

    def get_queryset(self) -> QuerySet:
        return planning_rules.scope_to_user(
            self.queryset.all(), self.request.user, self.organisation_path
        )

    @transaction.atomic
    def perform_update(self, serializer) -> None:
        instance = serializer.save()
        instance.full_clean()


@extend_schema_view(
    list=extend_schema(tags=["planning"]), retrieve=extend_schema(tags=["planning"])
)
class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Berlin's districts and forecast areas with their residents (reference data)."""

    permission_classes = [RulesPermission]
    queryset = Area.objects.select_related("parent").defer("geometry")
    serializer_class = serializers.AreaSerializer


@extend_schema(tags=["planning"])
class SiteViewSet(OrganisationScopedViewSet):
    queryset = Site.objects.prefetch_related("areas")
    serializer_class = serializers.SiteSerializer

    @transaction.atomic
    def perform_create(self, serializer) -> None:
        site = serializer.save()
        site.full_clean()
        area_services.site_assign_areas(site=site)

    @transaction.atomic
    def perform_update(self, serializer) -> None:
        super().perform_update(serializer)
        area_services.site_assign_areas(site=serializer.instance)


@extend_schema(tags=["planning"])
class DeploymentViewSet(OrganisationScopedViewSet):
    queryset = Deployment.objects.select_related("site", "organisation").prefetch_related(
        "target_groups", "themes", "team"
    )
    serializer_class = serializers.DeploymentSerializer

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        serializer.instance = planning.deployment_create(
            organisation=data["organisation"],
            site=data["site"],
            title=data["title"],
            slug=data["slug"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            vehicle=data.get("vehicle", Deployment.Vehicle.CONTAINER),
            description=data.get("description", ""),
            target_groups=data.get("target_groups", ()),
            themes=data.get("themes", ()),
            team=data.get("team", ()),
        )

    @extend_schema(
        request=serializers.TransitionSerializer, responses=serializers.DeploymentSerializer
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the deployment to another status (draft → planned → confirmed → running → …)."""
        deployment = self.get_object()
        payload = serializers.TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        deployment = planning.deployment_transition(
            deployment=deployment, to=payload.validated_data["to"], by=request.user
        )
        return Response(self.get_serializer(deployment).data)


@extend_schema(tags=["planning"])
class EventViewSet(OrganisationScopedViewSet):
    organisation_path = "deployment__organisation"
    queryset = Event.objects.select_related("deployment").prefetch_related(
        "partners", "target_groups"
    )
    serializer_class = serializers.EventSerializer

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = planning.event_create(
            deployment=data.pop("deployment"),
            title=data.pop("title"),
            format=data.pop("format"),
            starts_at=data.pop("starts_at"),
            ends_at=data.pop("ends_at"),
            **data,
        )


@extend_schema(tags=["planning"])
class PartnerViewSet(OrganisationScopedViewSet):
    queryset = Partner.objects.select_related("referred_by")
    serializer_class = serializers.PartnerSerializer

    @transaction.atomic
    def perform_create(self, serializer) -> None:
        serializer.save().full_clean()


@extend_schema(tags=["planning"])
class ShiftViewSet(OrganisationScopedViewSet):
    organisation_path = "deployment__organisation"
    queryset = Shift.objects.select_related("deployment", "staff")
    serializer_class = serializers.ShiftSerializer

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        serializer.instance = planning.shift_create(
            deployment=data["deployment"],
            staff=data.get("staff"),
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            is_public=data.get("is_public", True),
            notes=data.get("notes", ""),
        )
