"""Supply-chain questions: routes between states, origins, reach, permit status.

Each view parses its query parameters with a small serializer (400 naming the parameter), calls
one selector under a statement timeout and returns the presenter's answer, as JSON, as a graph
(``?format=graph``) or as SVG (``?format=svg``).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, renderers, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import models
from ..partial_dates import PartialDate
from ..querysets import visible
from ..selectors.permits import permit_status
from ..selectors.supply_chain import (
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Page,
    supply_chain_origins,
    supply_chain_paths,
    supply_chain_reach,
)
from . import presenters
from .graph import GraphRenderer, SVGRenderer
from .inputs import InputCheckedMixin, reject_unknown_parameters
from .permissions import is_curator
from .serializers import VisibleSlugRelatedField

#: PostgreSQL's code for a statement cancelled by statement_timeout.
QUERY_CANCELED = "57014"


class AnswerTooCostly(exceptions.APIException):
    status_code = 503
    default_detail = (
        "The question took longer than this service allows; narrow it (fewer max_hops, a date, "
        "a smaller page) and ask again."
    )
    default_code = "statement_timeout"


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


@contextmanager
def statement_timeout(milliseconds: int | None = None):
    """On PostgreSQL, cancel any statement of the block running longer than ``milliseconds``
    (``TRACKER_STATEMENT_TIMEOUT_MS``, default 5000) and answer 503 instead of tying up a worker;
    and plan the block's statements without JIT compilation (see below).

    The limit is set with ``set_config(..., is_local => true)`` inside a transaction (a
    savepoint when one is open), so it ends with the block and never leaks to other requests."""
    if connection.vendor != "postgresql":
        yield
        return
    if milliseconds is None:
        milliseconds = settings.TRACKER_STATEMENT_TIMEOUT_MS
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('statement_timeout'), current_setting('jit')"
                )
                previous = cursor.fetchone()
                # JIT off too: the walks' row estimates are guesses (PostgreSQL cannot tell how
                # far a recursive CTE goes) and can run to millions, enough to start JIT
                # compilation, which then costs seconds on answers computed in milliseconds.
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true),"
                    " set_config('jit', 'off', true)",
                    [f"{int(milliseconds)}ms"],
                )
            yield
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true), set_config('jit', %s, true)",
                    previous,
                )
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == QUERY_CANCELED:
            raise AnswerTooCostly() from exc
        raise


def state_field(**kwargs):
    return VisibleSlugRelatedField(slug_field="code", queryset=models.State.objects.all(), **kwargs)


class PageParams(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, default=PAGE_SIZE)
    offset = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, default=0)


class PartialDateParam(serializers.CharField):
    """``2021``, ``2021-10`` or ``2021-10-05``."""

    def to_internal_value(self, data):
        try:
            return PartialDate.parse(super().to_internal_value(data))
        except ValueError as exc:
            raise serializers.ValidationError(f"{exc}.") from None


class PathsParams(serializers.Serializer):
    from_ = state_field(help_text="ISO code of the state the technology comes from.")
    to = state_field(help_text="ISO code of the state it reaches.")
    on = serializers.DateField(required=False, help_text="Only what had happened by this day.")
    max_hops = serializers.IntegerField(min_value=1, max_value=10, default=6)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        if attrs["from"] == attrs["to"]:
            raise serializers.ValidationError({"to": "Give a state other than `from`."})
        return attrs


class PermitStatusParams(serializers.Serializer):
    authority = state_field()
    target = state_field()
    on = PartialDateParam(
        help_text="A day (2020-01-15), a month (2020-10) or a year (2021): the status at its "
        "start and every change within it."
    )
    item = VisibleSlugRelatedField(
        slug_field="slug", queryset=models.Item.objects.all(), required=False
    )
    category = VisibleSlugRelatedField(
        slug_field="code", queryset=models.ControlListCategory.objects.all(), required=False
    )

    def validate(self, attrs):
        if attrs.get("item") and attrs.get("category"):
            raise serializers.ValidationError({"category": "Give an item or a category, not both."})
        return attrs


class ReachParams(PageParams):
    component = VisibleSlugRelatedField(
        slug_field="slug",
        queryset=models.Item.objects.all(),
        required=False,
        help_text="A component or platform slug.",
    )
    organization = VisibleSlugRelatedField(
        slug_field="slug",
        queryset=models.Organization.objects.all(),
        required=False,
        help_text="A manufacturer (its units' items count too).",
    )
    state = state_field(required=False, help_text="Items originating in this state.")

    def validate(self, attrs):
        given = [k for k in ("component", "organization", "state") if attrs.get(k)]
        if len(given) != 1:
            raise serializers.ValidationError(
                {"component": "Give exactly one of component, organization or state."}
            )
        return attrs


class OriginsParams(PageParams):
    state = state_field()


class SupplyChainView(InputCheckedMixin, APIView):
    renderer_classes = [
        renderers.JSONRenderer,
        renderers.BrowsableAPIRenderer,
        GraphRenderer,
        SVGRenderer,
    ]
    params_class: type[serializers.Serializer]

    def get(self, request):
        reject_unknown_parameters(request.query_params, self.params_class().fields)
        params = self.params_class(data=request.query_params, context={"request": request})
        params.is_valid(raise_exception=True)
        with statement_timeout():
            return Response(self.answer(params.validated_data, not is_curator(request)))

    def answer(self, params: dict, verified_only: bool) -> dict:
        raise NotImplementedError


def responses(answer):
    return {
        200: answer,
        400: OpenApiResponse(description="A parameter is missing or wrong (named)."),
        503: OpenApiResponse(ErrorSerializer, description="The question took too long."),
    }


class PathsView(SupplyChainView):
    """The shortest routes by which items originating in one state reach another (capped)."""

    params_class = PathsParams

    @extend_schema(parameters=[PathsParams], responses=responses(presenters.PathsAnswerSerializer))
    def get(self, request):
        return super().get(request)

    def answer(self, params, verified_only):
        return presenters.paths_answer(
            supply_chain_paths(
                origin=params["from"],
                destination=params["to"],
                on=params.get("on"),
                max_hops=params["max_hops"],
                verified_only=verified_only,
            )
        )


class PermitStatusView(SupplyChainView):
    """The permit status an authority had toward a target at the start of a day, month or year,
    the decisions behind it and every change within the period."""

    params_class = PermitStatusParams

    @extend_schema(
        parameters=[PermitStatusParams],
        responses=responses(presenters.PermitStatusAnswerSerializer),
    )
    def get(self, request):
        return super().get(request)

    def answer(self, params, verified_only):
        return presenters.permit_status_answer(
            permit_status(
                authority=params["authority"],
                target=params["target"],
                on=params["on"],
                item=params.get("item"),
                category=params.get("category"),
                verified_only=verified_only,
            )
        )


class ReachView(SupplyChainView):
    """Where a component, a manufacturer's goods or a state's goods end up, one page of rows
    aggregated per state and item."""

    params_class = ReachParams

    @extend_schema(parameters=[ReachParams], responses=responses(presenters.ReachAnswerSerializer))
    def get(self, request):
        return super().get(request)

    def answer(self, params, verified_only):
        if params.get("component"):
            start, title = (
                models.Item.objects.filter(pk=params["component"].pk),
                params["component"],
            )
        elif params.get("organization"):
            org = params["organization"]
            units = visible(
                models.OrganizationRelation.objects.filter(parent=org), verified_only=verified_only
            ).values("child")
            start = models.Item.objects.filter(Q(manufacturer=org) | Q(manufacturer__in=units))
            title = org
        else:
            start = models.Item.objects.filter(country_of_origin=params["state"])
            title = params["state"]
        reach = supply_chain_reach(
            start_items=start,
            title=title.name,
            page=Page(params["limit"], params["offset"]),
            verified_only=verified_only,
        )
        return presenters.reach_answer(reach, self.request)


class OriginsView(SupplyChainView):
    """What a state received and where every part of it comes from, one page of rows
    aggregated per state and item."""

    params_class = OriginsParams

    @extend_schema(
        parameters=[OriginsParams], responses=responses(presenters.OriginsAnswerSerializer)
    )
    def get(self, request):
        return super().get(request)

    def answer(self, params, verified_only):
        origins = supply_chain_origins(
            state=params["state"],
            page=Page(params["limit"], params["offset"]),
            verified_only=verified_only,
        )
        return presenters.origins_answer(origins, self.request)
