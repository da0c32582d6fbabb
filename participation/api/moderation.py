"""REST API of moderation, coding and routing: the same services as the admin.

Team members list and read their organisations' approved inputs; moderators and managers see
all of them and act on them (approve, reject, hide, reopen, mark a duplicate, set the public
status, code, route to a Fachamt).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from deployments.rules import scope_to_user
from kiezlabor.api import RulesPermission
from participation.models import (
    Channel,
    Code,
    Contribution,
    Department,
    Kind,
    ModerationStatus,
    Routing,
)
from participation.selectors.contributions import (
    contributions_for_moderation,
    routings_for_user,
)
from participation.serializers import moderation as serializers
from participation.services import moderation

TAG = "moderation"
MODERATE = "participation.moderate_contribution"


class CanModerate(permissions.BasePermission):
    """Moderators and managers of the contribution's organisation (``moderate_contribution``)."""

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm(MODERATE)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.user.has_perm(MODERATE, obj)


MODERATION_ACTION = {
    "detail": True,
    "methods": ["post"],
    "permission_classes": [RulesPermission, CanModerate],
}

LIST_PARAMETERS = [
    OpenApiParameter("deployment", OpenApiTypes.INT, description="Nur Beiträge dieses Einsatzes"),
    OpenApiParameter("status", str, enum=ModerationStatus.values, description="Moderationsstand"),
    OpenApiParameter("kind", str, enum=Kind.values, description="Art des Beitrags"),
    OpenApiParameter("channel", str, enum=Channel.values, description="Weg des Beitrags"),
    OpenApiParameter("theme", OpenApiTypes.INT, description="Thema"),
    OpenApiParameter("masked", OpenApiTypes.BOOL, description="Persönliche Daten entfernt"),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description="Weiterleitung überfällig"),
]


@extend_schema_view(
    list=extend_schema(tags=[TAG], parameters=LIST_PARAMETERS),
    retrieve=extend_schema(tags=[TAG]),
)
class ContributionViewSet(viewsets.ReadOnlyModelViewSet):
    """Residents' inputs for moderation, scoped to the caller's organisations."""

    permission_classes = [RulesPermission]
    serializer_class = serializers.ContributionModerationSerializer
    queryset = Contribution.objects.none()  # for the schema and RulesPermission's model

    def get_queryset(self) -> QuerySet[Contribution]:
        if self.action != "list":
            return contributions_for_moderation(user=self.request.user)
        filters = serializers.ContributionFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return contributions_for_moderation(user=self.request.user, **filters.validated_data)

    def _moderate(self, request: Request, service, payload_class=None) -> Response:
        """Run one moderation service on the input, with the request's validated payload."""
        contribution = self.get_object()
        data = {}
        if payload_class is not None:
            payload = payload_class(data=request.data)
            payload.is_valid(raise_exception=True)
            data = payload.validated_data
        service(contribution=contribution, by=request.user, **data)
        return self._answer(contribution)

    def _answer(self, contribution: Contribution) -> Response:
        fresh = self.get_queryset().get(pk=contribution.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(tags=[TAG], request=None, responses=serializers.ContributionModerationSerializer)
    @action(**MODERATION_ACTION)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve: the input becomes public and counts in exports and reports."""
        return self._moderate(request, moderation.contribution_approve)

    @extend_schema(
        tags=[TAG],
        request=serializers.RejectSerializer,
        responses=serializers.ContributionModerationSerializer,
    )
    @action(**MODERATION_ACTION)
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject with a reason (spam, personal data, insult, off-topic) and a note."""
        return self._moderate(request, moderation.contribution_reject, serializers.RejectSerializer)

    @extend_schema(
        tags=[TAG],
        request=serializers.NoteSerializer,
        responses=serializers.ContributionModerationSerializer,
    )
    @action(**MODERATION_ACTION)
    def hide(self, request: Request, pk: str | None = None) -> Response:
        """Hide: kept for the team, never public."""
        return self._moderate(request, moderation.contribution_hide, serializers.NoteSerializer)

    @extend_schema(
        tags=[TAG],
        request=serializers.NoteSerializer,
        responses=serializers.ContributionModerationSerializer,
    )
    @action(**MODERATION_ACTION)
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Put a rejected or hidden input back into the queue (``new``)."""
        return self._moderate(request, moderation.contribution_reopen, serializers.NoteSerializer)

    @extend_schema(
        tags=[TAG],
        request=serializers.MarkDuplicateSerializer,
        responses=serializers.ContributionModerationSerializer,
    )
    @action(**MODERATION_ACTION, url_path="mark-duplicate")
    def mark_duplicate(self, request: Request, pk: str | None = None) -> Response:
        """Reject as a duplicate of ``original``, which then counts it as support."""
        contribution = self.get_object()
        originals = contributions_for_moderation(user=request.user).filter(
            deployment_id=contribution.deployment_id
        )
        payload = serializers.MarkDuplicateSerializer(data=request.data, originals=originals)
        payload.is_valid(raise_exception=True)
        moderation.contribution_mark_duplicate(
            contribution=contribution, original=payload.validated_data["original"], by=request.user
        )
        return self._answer(contribution)

    @extend_schema(
        tags=[TAG],
        request=serializers.PublicStatusSerializer,
        responses=serializers.ContributionModerationSerializer,
    )
    @action(**MODERATION_ACTION, url_path="public-status")
    def public_status(self, request: Request, pk: str | None = None) -> Response:
        """Set the public status (received → forwarded → answered) and the feedback text."""
        contribution = self.get_object()
        payload = serializers.PublicStatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        moderation.contribution_set_public_status(
            contribution=contribution,
            by=request.user,
            status=payload.validated_data["public_status"],
            feedback=payload.validated_data["public_feedback"],
        )
        return self._answer(contribution)

    @extend_schema(
        tags=[TAG],
        request=serializers.CodesSerializer,
        responses=serializers.ContributionModerationSerializer,
    )
    @action(**MODERATION_ACTION)
    def codes(self, request: Request, pk: str | None = None) -> Response:
        """Replace the input's codes with codes of its organisation's codebook."""
        contribution = self.get_object()
        payload = serializers.CodesSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        moderation.contribution_codes_set(
            contribution=contribution, codes=payload.validated_data["codes"], by=request.user
        )
        return self._answer(contribution)

    @extend_schema(
        tags=[TAG],
        request=serializers.RouteSerializer,
        responses={201: serializers.RoutingSerializer},
    )
    @action(**MODERATION_ACTION)
    def route(self, request: Request, pk: str | None = None) -> Response:
        """Pass an approved input to a Fachamt of its site's district."""
        contribution = self.get_object()
        payload = serializers.RouteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        routing = moderation.routing_create(
            contribution=contribution, by=request.user, **payload.validated_data
        )
        routing = routings_for_user(user=request.user).get(pk=routing.pk)
        return Response(serializers.RoutingSerializer(routing).data, status=201)


@extend_schema(tags=[TAG])
class CodeViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """The codebooks of the caller's organisations."""

    permission_classes = [RulesPermission]
    serializer_class = serializers.CodeSerializer
    queryset = Code.objects.select_related("parent")

    def get_queryset(self) -> QuerySet[Code]:
        return scope_to_user(self.queryset.all(), self.request.user, "organisation")

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        serializer.instance = moderation.code_create(
            organisation=data["organisation"],
            name=data["name"],
            parent=data.get("parent"),
            description=data.get("description", ""),
            by=self.request.user,
        )

    @transaction.atomic
    def perform_update(self, serializer) -> None:
        code, data = serializer.instance, serializer.validated_data
        serializer.instance = moderation.code_update(
            code=code,
            name=data.get("name", code.name),
            parent=data.get("parent", code.parent),
            description=data.get("description", code.description),
            by=self.request.user,
        )


@extend_schema_view(
    list=extend_schema(
        tags=[TAG],
        parameters=[OpenApiParameter("district", OpenApiTypes.INT, description="Bezirk")],
    ),
    retrieve=extend_schema(tags=[TAG]),
)
class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Fachämter per district (reference data, read-only)."""

    permission_classes = [RulesPermission]
    serializer_class = serializers.DepartmentSerializer
    queryset = Department.objects.select_related("district").defer(
        "district__geometry", "district__population_by_age"
    )

    def get_queryset(self) -> QuerySet[Department]:
        queryset = self.queryset.all()
        district = self.request.query_params.get("district")
        if self.action == "list" and district and district.isdigit():
            queryset = queryset.filter(district_id=district)
        return queryset


@extend_schema_view(
    list=extend_schema(
        tags=[TAG],
        parameters=[
            OpenApiParameter("overdue", OpenApiTypes.BOOL, description="Nur überfällige"),
            OpenApiParameter("deployment", OpenApiTypes.INT, description="Einsatz"),
        ],
    ),
    retrieve=extend_schema(tags=[TAG]),
    partial_update=extend_schema(
        tags=[TAG],
        request=serializers.RoutingUpdateSerializer,
        responses=serializers.RoutingSerializer,
    ),
)
class RoutingViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Routings of the caller's organisations; the Fachamt's progress is set with PATCH."""

    permission_classes = [RulesPermission]
    serializer_class = serializers.RoutingSerializer
    queryset = Routing.objects.none()  # for the schema and RulesPermission's model
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        queryset = routings_for_user(user=self.request.user).order_by("due_on", "pk")
        if self.action != "list":
            return queryset
        params = self.request.query_params
        if params.get("overdue") in {"true", "1"}:
            queryset = queryset.filter(is_overdue=True)
        elif params.get("overdue") in {"false", "0"}:
            queryset = queryset.filter(is_overdue=False)
        if params.get("deployment", "").isdigit():
            queryset = queryset.filter(contribution__deployment_id=params["deployment"])
        return queryset

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        routing = self.get_object()
        payload = serializers.RoutingUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        moderation.routing_update(routing=routing, by=request.user, **payload.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=routing.pk)).data)


router = SimpleRouter()
router.register("contributions", ContributionViewSet, basename="moderation-contribution")
router.register("codes", CodeViewSet, basename="code")
router.register("departments", DepartmentViewSet, basename="department")
router.register("routings", RoutingViewSet, basename="routing")

urlpatterns = router.urls
