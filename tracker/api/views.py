"""Read API over every kind of record. Anonymous users see verified records only."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, ProtectedError, RestrictedError
from django.db.models.functions import Length
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import filters, models
from ..choices import ItemKind
from ..querysets import visible, with_visible_evidence
from ..selectors.history import record_history
from ..selectors.supply_chain import Page
from ..selectors.timeline import state_timeline
from ..selectors.tombstones import tombstone_for_lookup
from ..services.review import records_return_to_draft, records_verify_plan
from ..services.verification import DependentsExist, describe, plan_verify, records_delete
from . import presenters, serializers
from .export import ExportMixin
from .inputs import InputCheckedMixin
from .pagination import KeysetCursorPagination
from .permissions import CuratorsWriteOthersRead, is_curator
from .supply_chain import PageParams, PartialDateParam, statement_timeout
from .supply_chain import responses as answer_responses

models_protected_errors = (ProtectedError, RestrictedError)


class Gone(exceptions.APIException):
    """410: the record was public and has been withdrawn (no curator name is given)."""

    status_code = status.HTTP_410_GONE

    def __init__(self, tombstone):
        super().__init__(
            {
                "detail": "This record was withdrawn.",
                "withdrawn_at": tombstone.withdrawn_at.isoformat(),
                "reason": tombstone.get_kind_display()
                + (f": {tombstone.reason}" if tombstone.reason else ""),
            }
        )


def dependents_answer(refusal: DependentsExist) -> Response:
    """409: verified records depend on the record; they are listed."""
    return Response(
        {
            "detail": str(refusal) + " Repeat with ?cascade=1 to return them to draft too.",
            "dependents": describe(refusal.dependents),
        },
        status=status.HTTP_409_CONFLICT,
    )


class CuratedViewSet(ExportMixin, InputCheckedMixin, viewsets.ModelViewSet):
    """Common behaviour: drafts only for curators; evidence prefetched, visible as its record;
    curators write (through the services), everyone else reads; lists export whole as CSV or
    JSON lines (``ExportMixin``)."""

    permission_classes = [CuratorsWriteOthersRead]
    #: Query parameters of one action that are not filters (see KnownParametersFilterBackend).
    action_parameters = {"destroy": ("cascade",)}
    with_evidence = True

    def curator(self) -> bool:
        return is_curator(self.request)

    def get_queryset(self):
        if self.with_evidence:
            return with_visible_evidence(super().get_queryset(), verified_only=not self.curator())
        return visible(super().get_queryset(), verified_only=not self.curator())

    def get_object(self):
        """As DRF's, but a record that was public and has been withdrawn answers 410 Gone with
        when and why (people cite these URLs); a draft that never went public stays 404."""
        try:
            return super().get_object()
        except Http404:
            lookup = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
            if lookup and "\x00" not in lookup:
                tombstone = tombstone_for_lookup(model=self.queryset.model, lookup=lookup)
                if tombstone is not None and tombstone.was_public:
                    raise Gone(tombstone) from None
            raise

    def _cascade(self) -> bool:
        value = self.request.query_params.get("cascade") or (
            self.request.data.get("cascade") if hasattr(self.request.data, "get") else None
        )
        return str(value).lower() in ("1", "true", "yes")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "cascade", bool, description="Also return the verified records that depend on it."
            )
        ]
    )
    def destroy(self, request, *args, **kwargs):
        """Deleting leaves a tombstone; refused (409) while verified records depend on the record
        unless ``?cascade=1`` returns them to draft first."""
        instance = self.get_object()
        try:
            records_delete(records=[instance], user=request.user, cascade=self._cascade())
        except DependentsExist as refusal:
            return dependents_answer(refusal)
        except models_protected_errors as error:
            blocking = getattr(error, "protected_objects", None) or error.restricted_objects
            names = ", ".join(sorted({str(o) for o in blocking})[:5])
            raise DjangoValidationError(f"Other records depend on this one: {names}") from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT, filters=False)
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def verify(self, request, *args, **kwargs):
        """Verify the record with everything the verification rule makes public with it (one
        piece of evidence and its source for a fact, the drafts it refers to), in one step.
        ``?dry_run=1`` only lists them. 400 lists the problems (e.g. a fact with no evidence)."""
        record = self.get_object()
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        plan = records_verify_plan(records=[record], user=request.user)
        if plan.problems:
            return Response(
                {"detail": "The record cannot be verified yet.", "problems": plan.problems},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if not dry_run:
            plan = plan_verify(
                records=[record], user=request.user, reason="verified through the API"
            )
        return Response({"dry_run": dry_run, "verified": describe(plan.records)})

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT, filters=False)
    @action(
        detail=True,
        methods=["post"],
        url_path="return-to-draft",
        filter_backends=[],
        pagination_class=None,
    )
    def return_to_draft(self, request, *args, **kwargs):
        """Return the record to draft (it leaves a tombstone: its public URL answers 410). 409
        lists the verified records that depend on it; ``?cascade=1`` returns them too."""
        record = self.get_object()
        try:
            count = records_return_to_draft(
                records=[record], user=request.user, cascade=self._cascade()
            )
        except DependentsExist as refusal:
            return dependents_answer(refusal)
        return Response({"returned_to_draft": count})

    @extend_schema(responses=serializers.HistoryEntrySerializer(many=True), filters=False)
    @action(detail=True, filter_backends=[], pagination_class=None)
    def history(self, request, *args, **kwargs):
        """The audit history of the record: who changed what, when (for readers other than
        curators: the public history, see ``record_history``)."""
        return Response(
            record_history(instance=self.get_object(), verified_only=not self.curator())
        )


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
        "supplier",
        "recipient",
        "supplier_party",
        "recipient_party",
        "supplier_organization",
        "recipient_organization",
        "item",
        "withdrawn_by_source",
    )
    # The release's text is never shown here (a SIPRI release is megabytes).
    # Deliveries in year order without the transfers' own ordering (which joins both states).
    queryset = queryset.defer("withdrawn_by_source__text").prefetch_related(
        "intermediaries",
        Prefetch("deliveries", models.TransferDelivery.objects.order_by("transfer_id", "year")),
    )
    serializer_class = serializers.TransferSerializer
    filterset_class = filters.TransferFilterSet
    # A large list: keyset cursors on the model's indexed sort keys, newest orders first.
    pagination_class = KeysetCursorPagination
    order_keys = models.Transfer.order_keys
    ordering_fields = list(order_keys)
    ordering = ["-order_date"]


class PermitDecisionViewSet(CuratedViewSet):
    queryset = models.PermitDecision.objects.select_related(
        "authority",
        "authority_organization",
        "authority_body",
        "target_state",
        "target_organization",
        "scope_manufacturer",
        "ends__authority",
        "ends__authority_organization",
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
    """Sources: the list leaves each text out (``text_length`` gives its size); a source's own
    page gives it whole."""

    queryset = models.Source.objects.annotate(text_length=Length("text"))
    serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilterSet
    ordering_fields = ["published_date", "title", "publisher", "id"]
    with_evidence = False

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.defer("text") if self.action == "list" else queryset

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.SourceListSerializer
        return super().get_serializer_class()


class EvidenceViewSet(CuratedViewSet):
    # Never the source's text: one source may be megabytes, quoted by thousands of rows.
    queryset = models.Evidence.objects.select_related("source", *models.FACT_FIELDS).defer(
        "source__text"
    )
    serializer_class = serializers.EvidenceSerializer
    filterset_class = filters.EvidenceFilterSet
    pagination_class = KeysetCursorPagination
    order_keys = models.Evidence.order_keys
    ordering_fields = list(order_keys)
    ordering = ["id"]
    with_evidence = False
