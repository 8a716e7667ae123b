"""Read API over every kind of record. Anonymous users see verified records only."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import filters, models
from ..choices import ItemKind, ReviewState
from ..querysets import with_visible_evidence
from ..selectors.history import record_history
from ..selectors.supply_chain import Page
from ..selectors.timeline import state_timeline
from ..services.records import record_delete
from . import presenters, serializers
from .permissions import CuratorsWriteOthersRead, is_curator
from .supply_chain import PageParams, PartialDateParam, statement_timeout
from .supply_chain import responses as answer_responses


class CuratedViewSet(viewsets.ModelViewSet):
    """Common behaviour: drafts only for curators; evidence prefetched, visible as its record;
    curators write (through the services), everyone else reads."""

    permission_classes = [CuratorsWriteOthersRead]
    with_evidence = True

    def curator(self) -> bool:
        return is_curator(self.request)

    def visible(self, queryset):
        if self.curator():
            return queryset
        return queryset.filter(review_state=ReviewState.VERIFIED)

    def get_queryset(self):
        if self.with_evidence:
            return with_visible_evidence(super().get_queryset(), verified_only=not self.curator())
        return self.visible(super().get_queryset())

    def perform_destroy(self, instance):
        record_delete(instance=instance, user=self.request.user)

    @extend_schema(responses=OpenApiTypes.OBJECT, filters=False)
    @action(detail=True, filter_backends=[], pagination_class=None)
    def history(self, request, *args, **kwargs):
        """The audit history of the record: who changed what, when."""
        return Response(record_history(instance=self.get_object()))


class TimelineParams(PageParams):
    date_after = PartialDateParam(required=False, help_text="2020, 2020-05 or 2020-05-15.")
    date_before = PartialDateParam(required=False, help_text="2020, 2020-05 or 2020-05-15.")


class StateViewSet(CuratedViewSet):
    queryset = models.State.objects.prefetch_related("aliases")
    serializer_class = serializers.StateSerializer
    filterset_class = filters.StateFilterSet
    lookup_field = "code"
    ordering_fields = ["code", "name", "status"]

    @extend_schema(
        parameters=[TimelineParams],
        responses=answer_responses(presenters.TimelineAnswerSerializer),
        filters=False,
    )
    @action(detail=True, filter_backends=[], pagination_class=None)
    def timeline(self, request, *args, **kwargs):
        """The state's permit decisions (made and received), transfers, deployments and conflict
        roles in date order, undated events last; one page at a time (``limit``, ``offset``,
        follow ``next``), within ``date_after``/``date_before`` (partial dates) if given."""
        state = self.get_object()
        params = TimelineParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        p = params.validated_data
        with statement_timeout():
            answer = state_timeline(
                state=state,
                date_after=p.get("date_after"),
                date_before=p.get("date_before"),
                page=Page(p["limit"], p["offset"]),
                verified_only=not self.curator(),
            )
            return Response(presenters.timeline_answer(answer, request))


class ControlListCategoryViewSet(CuratedViewSet):
    queryset = models.ControlListCategory.objects.select_related("parent")
    serializer_class = serializers.ControlListCategorySerializer
    filterset_class = filters.ControlListCategoryFilterSet
    lookup_field = "code"
    ordering_fields = ["code", "regime", "title"]
    with_evidence = False


class OrganizationViewSet(CuratedViewSet):
    queryset = models.Organization.objects.select_related("country").prefetch_related("aliases")
    serializer_class = serializers.OrganizationSerializer
    filterset_class = filters.OrganizationFilterSet
    lookup_field = "slug"
    ordering_fields = ["name", "kind", "slug"]


class OrganizationRelationViewSet(CuratedViewSet):
    queryset = models.OrganizationRelation.objects.select_related("child", "parent")
    serializer_class = serializers.OrganizationRelationSerializer
    filterset_class = filters.OrganizationRelationFilterSet
    lookup_field = "slug"
    ordering_fields = ["slug", "start_date"]


class ItemViewSet(CuratedViewSet):
    kind = ""
    queryset = models.Item.objects.select_related(
        "manufacturer", "country_of_origin", "category"
    ).prefetch_related("aliases")
    serializer_class = serializers.ItemSerializer
    filterset_class = filters.ItemFilterSet
    lookup_field = "slug"
    ordering_fields = ["name", "slug", "item_type"]

    def get_queryset(self):
        return super().get_queryset().filter(kind=self.kind)

    def perform_create(self, serializer):
        serializer.save(kind=self.kind)


class ComponentViewSet(ItemViewSet):
    kind = ItemKind.COMPONENT


class PlatformViewSet(ItemViewSet):
    kind = ItemKind.PLATFORM


class IntegrationViewSet(CuratedViewSet):
    queryset = models.Integration.objects.select_related("component", "assembly")
    serializer_class = serializers.IntegrationSerializer
    filterset_class = filters.IntegrationFilterSet
    lookup_field = "slug"
    ordering_fields = ["slug", "start_date", "status"]


class TransferViewSet(CuratedViewSet):
    queryset = models.Transfer.objects.select_related(
        "supplier", "recipient", "supplier_organization", "recipient_organization", "item"
    ).prefetch_related("intermediaries")
    serializer_class = serializers.TransferSerializer
    filterset_class = filters.TransferFilterSet
    ordering_fields = ["order_date", "delivery_date", "quantity", "status", "id"]


class PermitDecisionViewSet(CuratedViewSet):
    queryset = models.PermitDecision.objects.select_related(
        "authority",
        "authority_body",
        "target_state",
        "target_organization",
        "scope_manufacturer",
        "ends",
    ).prefetch_related("scope_categories", "scope_items")
    serializer_class = serializers.PermitDecisionSerializer
    filterset_class = filters.PermitDecisionFilterSet
    ordering_fields = ["announced_date", "effective_date", "action", "id"]


class ConflictViewSet(CuratedViewSet):
    queryset = models.Conflict.objects.all()
    serializer_class = serializers.ConflictSerializer
    filterset_class = filters.ConflictFilterSet
    lookup_field = "slug"
    ordering_fields = ["name", "start_date"]


class ConflictParticipantViewSet(CuratedViewSet):
    queryset = models.ConflictParticipant.objects.select_related(
        "conflict", "state", "organization", "supports"
    )
    serializer_class = serializers.ConflictParticipantSerializer
    filterset_class = filters.ConflictParticipantFilterSet
    ordering_fields = ["role", "id"]


class DeploymentViewSet(CuratedViewSet):
    queryset = models.Deployment.objects.select_related("item", "state", "conflict")
    serializer_class = serializers.DeploymentSerializer
    filterset_class = filters.DeploymentFilterSet
    ordering_fields = ["start_date", "id"]


class SourceViewSet(CuratedViewSet):
    queryset = models.Source.objects.all()
    serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilterSet
    ordering_fields = ["published_date", "title", "publisher", "id"]
    with_evidence = False


class EvidenceViewSet(CuratedViewSet):
    queryset = models.Evidence.objects.select_related("source", *models.FACT_FIELDS)
    serializer_class = serializers.EvidenceSerializer
    filterset_class = filters.EvidenceFilterSet
    ordering_fields = ["id", "claim_status", "start"]
    with_evidence = False
