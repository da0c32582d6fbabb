"""REST API of what the team records on site: the same services as the admin, scoped to the
caller's organisations (others' records do not exist for the caller)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from deployments.rules import scope_to_user
from kiezlabor.api import RulesPermission
from participation.selectors import records as selectors
from participation.serializers import records as serializers
from participation.services import records

DEPLOYMENT_FILTER = OpenApiParameter(
    "deployment",
    OpenApiTypes.INT,
    description="Nur Einträge dieses Einsatzes",
    required=False,
)
READ_SCHEMA = {
    "list": extend_schema(tags=["records"], parameters=[DEPLOYMENT_FILTER]),
    "retrieve": extend_schema(tags=["records"]),
}


class RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Records of the caller's organisations, optionally of one deployment (``?deployment=``)."""

    permission_classes = [RulesPermission]

    def base_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        queryset = scope_to_user(
            self.base_queryset(), self.request.user, "deployment__organisation"
        )
        deployment = self.request.query_params.get("deployment", "")
        if self.action == "list" and deployment.isdigit():
            queryset = queryset.filter(deployment_id=int(deployment))
        return queryset


@extend_schema_view(
    **READ_SCHEMA,
    create=extend_schema(
        tags=["records"],
        request=serializers.VisitorHourSerializer,
        responses={201: serializers.VisitorCountSerializer(many=True)},
        description=(
            "Die Besucherzahlen einer vollen Stunde je Altersgruppe (und optional Geschlecht). "
            "Dieselbe Gruppe derselben Stunde erneut gesendet ersetzt die Zahl."
        ),
    ),
)
class VisitorCountViewSet(RecordViewSet):
    serializer_class = serializers.VisitorCountSerializer

    def base_queryset(self) -> QuerySet:
        return selectors.visitor_counts()

    def create(self, request: Request, *args, **kwargs) -> Response:
        payload = serializers.VisitorHourSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        rows = records.visitor_counts_record(
            deployment=data["deployment"],
            hour_starts_at=data["hour_starts_at"],
            counts=[records.GroupCount(**group) for group in data["counts"]],
            event=data.get("event"),
            by=request.user,
        )
        return Response(
            serializers.VisitorCountSerializer(rows, many=True).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(**READ_SCHEMA, create=extend_schema(tags=["records"]))
class ConversationNoteViewSet(RecordViewSet):
    serializer_class = serializers.ConversationNoteSerializer

    def base_queryset(self) -> QuerySet:
        return selectors.conversation_notes()

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        serializer.instance = records.conversation_note_record(
            deployment=data["deployment"],
            by=self.request.user,
            text=data["text"],
            theme=data.get("theme"),
            language=data["language"],
            age_band=data["age_band"],
            relation=data["relation"],
            event=data.get("event"),
        )


@extend_schema_view(**READ_SCHEMA, create=extend_schema(tags=["records"]))
class FeedbackViewSet(RecordViewSet):
    serializer_class = serializers.FeedbackSerializer

    def base_queryset(self) -> QuerySet:
        return selectors.feedback_entries()

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        serializer.instance = records.feedback_record(
            deployment=data["deployment"],
            event=data["event"],
            by=self.request.user,
            rating=data.get("rating"),
            text=data["text"],
            channel=data["channel"],
        )


@extend_schema_view(**READ_SCHEMA, create=extend_schema(tags=["records"]))
class WorkshopResultViewSet(RecordViewSet):
    serializer_class = serializers.WorkshopResultSerializer

    def base_queryset(self) -> QuerySet:
        return selectors.workshop_results()

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        result = records.workshop_result_record(
            deployment=data["deployment"],
            by=self.request.user,
            title=data["title"],
            method=data["method"],
            participants=data["participants"],
            held_on=data["held_on"],
            statements=data["statements"],
            event=data.get("event"),
        )
        serializer.instance = self.base_queryset().get(pk=result.pk)

    @extend_schema(
        tags=["records"],
        request={"multipart/form-data": serializers.WorkshopPhotoSerializer},
        responses={201: serializers.WorkshopPhotoSerializer},
        description="Ein Foto einer Wand der Werkstatt hochladen (JPEG, PNG oder WebP, ≤ 10 MB).",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request: Request, pk: str | None = None) -> Response:
        workshop = self.get_object()
        payload = serializers.WorkshopPhotoSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        photo = records.workshop_photo_add(
            workshop=workshop,
            by=request.user,
            image=payload.validated_data["image"],
            caption=payload.validated_data.get("caption", ""),
        )
        return Response(
            serializers.WorkshopPhotoSerializer(photo).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(**READ_SCHEMA, create=extend_schema(tags=["records"]))
class ReflectionViewSet(RecordViewSet):
    """The team's internal reflection log: only members of the organisation read or write it."""

    serializer_class = serializers.ReflectionSerializer

    def base_queryset(self) -> QuerySet:
        return selectors.reflections()

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        serializer.instance = records.reflection_record(
            deployment=data["deployment"],
            author=self.request.user,
            written_on=data["written_on"],
            went_well=data.get("went_well", ""),
            to_improve=data.get("to_improve", ""),
            notes=data.get("notes", ""),
        )


router = SimpleRouter()
router.register("records/visitor-counts", VisitorCountViewSet, basename="record-visitor-count")
router.register("records/notes", ConversationNoteViewSet, basename="record-note")
router.register("records/feedback", FeedbackViewSet, basename="record-feedback")
router.register("records/workshops", WorkshopResultViewSet, basename="record-workshop")
router.register("records/reflections", ReflectionViewSet, basename="record-reflection")

urlpatterns = router.urls
