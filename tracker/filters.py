"""django-filter FilterSets for the API: codes and slugs (repeatable), ids, partial-date ranges,
choices and a free-text ``q`` on every resource."""

from __future__ import annotations

from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from . import models
from .choices import ClaimStatus, DatePrecision, ReviewState, TransferSide
from .partial_dates import PartialDate, truncate
from .querysets import visible


def reader_sees_drafts(request) -> bool:
    """True for a curator: filters may then match through draft rows too."""
    from .api.permissions import is_curator

    return request is not None and is_curator(request)


def visible_choices(model):
    """The records a filter may name: those the request's reader may see, so a draft's key is
    refused exactly as a key that does not exist, and the browsable API's filter form lists no
    draft."""

    def choices(request):
        queryset = model._default_manager.all()
        if model is models.Source:
            queryset = queryset.defer("text")  # a source's text may be megabytes
        return visible(queryset, verified_only=not reader_sees_drafts(request))

    return choices


class KeyChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Choices labelled by their key: a record's text may name records the reader may not see."""

    def label_from_instance(self, obj):
        return str(getattr(obj, "slug", None) or getattr(obj, "code", None) or obj.pk)

    def clean(self, value):
        """An empty list when no key is given (Django's field answers an empty queryset, which
        django-filter then evaluates for every unused filter: one compiled query each)."""
        if not value and not self.required:
            return []
        return super().clean(value)


class RecordFilter(django_filters.ModelMultipleChoiceFilter):
    """Records by key or id, repeatable, among those the reader may see."""

    field_class = KeyChoiceField


def code_filter(relation: str) -> django_filters.Filter:
    """A state's ISO code through ``relation``; repeatable (``?supplier=CA&supplier=TR``)."""
    return extend_schema_field(OpenApiTypes.STR)(
        RecordFilter(
            field_name=f"{relation}__code",
            to_field_name="code",
            queryset=visible_choices(models.State),
        )
    )


def slug_filter(relation: str, model) -> django_filters.Filter:
    """A related record's slug; repeatable."""
    return extend_schema_field(OpenApiTypes.STR)(
        RecordFilter(
            field_name=f"{relation}__slug",
            to_field_name="slug",
            queryset=visible_choices(model),
        )
    )


#: The largest id a database column holds (64-bit); larger numbers name no record.
MAX_ID = 2**63 - 1


class IdMultipleChoiceField(KeyChoiceField):
    """Ids are checked to be ids before they reach the database (a number too large for the
    column is an error there, not an unknown record)."""

    def _check_values(self, value):
        for key in value:
            text = str(key)
            if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
                raise forms.ValidationError(
                    "%(value)s is not an id (a positive whole number).",
                    code="invalid_pk_value",
                    params={"value": text},
                )
        return super()._check_values(value)


class IdMultipleChoiceFilter(RecordFilter):
    field_class = IdMultipleChoiceField


def id_filter(relation: str, model) -> django_filters.Filter:
    """A related record's id; repeatable."""
    return extend_schema_field(OpenApiTypes.INT)(
        IdMultipleChoiceFilter(field_name=relation, queryset=visible_choices(model))
    )


class PartialDateFormField(forms.CharField):
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` exactly: surrounding spaces are refused, not
    stripped, as everywhere else partial dates are read."""

    def __init__(self, *args, **kwargs):
        kwargs["strip"] = False
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return PartialDate.parse(value)
        except ValueError as exc:
            # The message is %-formatted downstream (django-filter): pass the input as a param,
            # so a "%" in it stays text.
            raise forms.ValidationError(
                "%(problem)s. Use YYYY, YYYY-MM or YYYY-MM-DD.",
                code="invalid",
                params={"problem": str(exc)},
            ) from None


@extend_schema_field(OpenApiTypes.STR)
class PartialDateFilter(django_filters.Filter):
    """Records whose date period overlaps the bound.

    ``after`` keeps a record when the last day of its period is on or after the first day of the
    bound (so ``date_after=2020-05-15`` keeps a record known only to "May 2020": it may fall after
    the 15th). ``before`` keeps a record when the first day of its period is on or before the last
    day of the bound. Records without the date are left out.
    """

    field_class = PartialDateFormField

    def __init__(self, *args, bound: str, fields: tuple[str, ...], **kwargs):
        self.bound, self.date_fields = bound, fields
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(reduce(or_, (self._condition(name, value) for name in self.date_fields)))

    def _condition(self, name: str, value: PartialDate) -> Q:
        if self.bound == "before":
            return Q(**{f"{name}__lte": value.latest})
        return reduce(
            or_,
            (
                Q(
                    **{
                        f"{name}_precision": precision,
                        f"{name}__gte": truncate(value.earliest, precision),
                    }
                )
                for precision in DatePrecision.values
            ),
        )


def date_range(*fields: str):
    """``date_after`` / ``date_before`` over one or more partial-date fields."""
    return (
        PartialDateFilter(bound="after", fields=fields, label=f"{', '.join(fields)} on or after"),
        PartialDateFilter(bound="before", fields=fields, label=f"{', '.join(fields)} on or before"),
    )


def joins_many(model, path: str) -> bool:
    """True when following ``path`` (``item__aliases__name``) from ``model`` crosses a relation
    to many rows (reverse foreign key or many-to-many): a filter through it may match one record
    several times."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False  # a lookup (``code__in``) or a transform: no further join
        if field.one_to_many or field.many_to_many:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


class CuratedFilterSet(django_filters.FilterSet):
    """Shared filters (``q``, ``review_state``). django-filter makes every multiple-choice filter
    ``distinct``, which turns the whole list into ``SELECT DISTINCT`` over every column; here a
    filter is distinct only when its path crosses a relation to many rows (``joins_many``)."""

    q = django_filters.CharFilter(method="search", label="Free-text search")
    review_state = django_filters.MultipleChoiceFilter(choices=ReviewState.choices)
    #: What ``q`` searches: fields of the record and, through ``__``, of related records.
    search_fields: tuple[str, ...] = ()
    #: A term matching at most this many records is resolved to their ids before the page.
    search_id_cap = 5000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            if filter_.distinct and not filter_.method:
                filter_.distinct = joins_many(self._meta.model, filter_.field_name)

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        """A field with choices (``action``, ``status``, ``kind``...) accepts repeats
        (``?action=suspend&action=freeze``), as every other multi-valued filter does."""
        if lookup_type == "exact" and getattr(field, "choices", None):
            return django_filters.MultipleChoiceFilter, {"choices": field.choices}
        return super().filter_for_lookup(field, lookup_type)

    def search(self, queryset, name, value):
        """Records matching every word of ``value`` (case-insensitive substrings) in one of
        ``search_fields``. Each field is searched by its own query and the ids are united
        (``UNION``), so that each can use its own index (trigram indexes on PostgreSQL, migration
        0012) and the list never needs ``DISTINCT``."""
        verified_only = not reader_sees_drafts(self.request)
        model = queryset.model
        for term in value.split():
            arms = [
                model._default_manager.filter(search_match(field, term, verified_only))
                .order_by()
                .values("pk")
                for field in self.search_fields
            ]
            # A rare term (the usual search: a name, a phrase of a quote) is resolved to its
            # ids first, one cheap query, so the page is then read by primary key. A common term
            # (thousands of matches) is checked on each row as the page is read in order: the
            # read stops at the page's end, matches being everywhere. UNION ALL in the probe: it
            # streams and stops at the cap.
            probe = arms[0].union(*arms[1:], all=True)
            ids = {row["pk"] for row in probe[: self.search_id_cap + 1]}
            if len(ids) <= self.search_id_cap:
                queryset = queryset.filter(pk__in=ids)
            else:
                queryset = queryset.filter(
                    reduce(
                        or_, (row_match(model, f, term, verified_only) for f in self.search_fields)
                    )
                )
        return queryset


def row_match(model, field: str, term: str, verified_only: bool) -> Q:
    """``search_match`` as a condition on each row: through a relation to many rows (aliases,
    quotes) as ``id IN (matching ids)``, which cannot repeat a row."""
    if joins_many(model, field):
        matching = model._default_manager.filter(search_match(field, term, verified_only))
        return Q(pk__in=matching.order_by().values("pk"))
    return search_match(field, term, verified_only)


def search_match(field: str, term: str, verified_only: bool) -> Q:
    """``field`` contains ``term``; for a reader, through visible related rows only (a draft
    alias or quote names nothing; a quote counts when it and its source are verified)."""
    lookup = {f"{field}__icontains": term}
    if verified_only and "__" in field:
        relation = field.rsplit("__", 1)[0]
        lookup[f"{relation}__review_state"] = ReviewState.VERIFIED
        if relation.endswith("evidence"):
            lookup[f"{relation}__source__review_state"] = ReviewState.VERIFIED
    return Q(**lookup)


class EvidenceClaimMixin(django_filters.FilterSet):
    claim_status = django_filters.MultipleChoiceFilter(
        choices=ClaimStatus.choices, method="filter_claim_status"
    )

    def filter_claim_status(self, queryset, name, value):
        """Records with a quote of one of these claim statuses (that the reader may see)."""
        if not value:
            return queryset
        lookup = {"evidence__claim_status__in": value}
        if not reader_sees_drafts(self.request):
            lookup |= {
                "evidence__review_state": ReviewState.VERIFIED,
                "evidence__source__review_state": ReviewState.VERIFIED,
            }
        return queryset.filter(**lookup).distinct()


class StateFilterSet(CuratedFilterSet):
    code = django_filters.BaseInFilter(field_name="code", label="ISO codes, comma-separated")
    search_fields = ("code", "name", "official_name", "aliases__name", "evidence__quote")

    class Meta:
        model = models.State
        fields = ["status"]


class ControlListCategoryFilterSet(CuratedFilterSet):
    parent = extend_schema_field(OpenApiTypes.STR)(
        RecordFilter(
            field_name="parent__code",
            to_field_name="code",
            queryset=visible_choices(models.ControlListCategory),
        )
    )
    parent_id = id_filter("parent", models.ControlListCategory)
    search_fields = ("code", "title", "description")

    class Meta:
        model = models.ControlListCategory
        fields = ["regime", "military"]


class OrganizationFilterSet(CuratedFilterSet, EvidenceClaimMixin):
    country = code_filter("country")
    country_id = id_filter("country", models.State)
    search_fields = ("name", "slug", "aliases__name", "description", "evidence__quote")

    class Meta:
        model = models.Organization
        fields = ["kind"]


class OrganizationRelationFilterSet(CuratedFilterSet, EvidenceClaimMixin):
    child = slug_filter("child", models.Organization)
    child_id = id_filter("child", models.Organization)
    parent = slug_filter("parent", models.Organization)
    parent_id = id_filter("parent", models.Organization)
    date_after, date_before = date_range("start_date")
    search_fields = ("slug", "child__name", "parent__name", "note", "evidence__quote")

    class Meta:
        model = models.OrganizationRelation
        fields = ["kind"]


class ItemFilterSet(CuratedFilterSet, EvidenceClaimMixin):
    manufacturer = slug_filter("manufacturer", models.Organization)
    manufacturer_id = id_filter("manufacturer", models.Organization)
    country_of_origin = code_filter("country_of_origin")
    country_of_origin_id = id_filter("country_of_origin", models.State)
    category = extend_schema_field(OpenApiTypes.STR)(
        RecordFilter(
            field_name="category__code",
            to_field_name="code",
            queryset=visible_choices(models.ControlListCategory),
        )
    )
    category_id = id_filter("category", models.ControlListCategory)
    search_fields = (
        "name",
        "slug",
        "item_type",
        "description",
        "aliases__name",
        "evidence__quote",
    )

    class Meta:
        model = models.Item
        fields = ["item_type"]


class IntegrationFilterSet(CuratedFilterSet, EvidenceClaimMixin):
    component = slug_filter("component", models.Item)
    component_id = id_filter("component", models.Item)
    assembly = slug_filter("assembly", models.Item)
    assembly_id = id_filter("assembly", models.Item)
    date_after, date_before = date_range("start_date")
    search_fields = ("slug", "component__name", "assembly__name", "note", "evidence__quote")

    class Meta:
        model = models.Integration
        fields = ["status"]


class TransferFilterSet(CuratedFilterSet, EvidenceClaimMixin):
    """``supplier``/``recipient`` name state sides (ISO codes); ``supplier_party``/
    ``recipient_party`` non-state sides (organisation slugs); ``party`` a non-state party on
    either side; ``*_kind`` the kind of side; ``supplier_organization``/
    ``recipient_organization`` the company or agency that sold or bought, on any kind of side."""

    supplier = code_filter("supplier")
    supplier_id = id_filter("supplier", models.State)
    recipient = code_filter("recipient")
    recipient_id = id_filter("recipient", models.State)
    intermediary = code_filter("intermediaries")
    supplier_organization = slug_filter("supplier_organization", models.Organization)
    supplier_organization_id = id_filter("supplier_organization", models.Organization)
    recipient_organization = slug_filter("recipient_organization", models.Organization)
    recipient_organization_id = id_filter("recipient_organization", models.Organization)
    supplier_party = slug_filter("supplier_party", models.Organization)
    supplier_party_id = id_filter("supplier_party", models.Organization)
    recipient_party = slug_filter("recipient_party", models.Organization)
    recipient_party_id = id_filter("recipient_party", models.Organization)
    party = extend_schema_field(OpenApiTypes.STR)(
        RecordFilter(
            field_name="supplier_party__slug",
            to_field_name="slug",
            queryset=visible_choices(models.Organization),
            method="filter_party",
            label="A non-state party (organisation slug) on either side",
        )
    )
    item = slug_filter("item", models.Item)
    item_id = id_filter("item", models.Item)
    manufacturer = slug_filter("item__manufacturer", models.Organization)
    category = extend_schema_field(OpenApiTypes.STR)(
        RecordFilter(
            field_name="item__category__code",
            to_field_name="code",
            queryset=visible_choices(models.ControlListCategory),
        )
    )
    withdrawn_by_source_id = id_filter("withdrawn_by_source", models.Source)
    withdrawn = extend_schema_field(OpenApiTypes.BOOL)(
        django_filters.TypedChoiceFilter(
            choices=[("true", "true"), ("false", "false")],
            coerce=lambda value: value == "true",
            method="filter_withdrawn",
            label="true: deals their dataset's newer release no longer lists; false: the others",
        )
    )
    quantity_min = django_filters.NumberFilter(field_name="quantity", lookup_expr="gte")
    quantity_max = django_filters.NumberFilter(field_name="quantity", lookup_expr="lte")
    date_after, date_before = date_range("order_date", "delivery_date")
    search_fields = (
        "slug",
        "external_id",
        "supplier__name",
        "recipient__name",
        "supplier_party__name",
        "recipient_party__name",
        "supplier_organization__name",
        "recipient_organization__name",
        "item__name",
        "item__aliases__name",
        "note",
        "comments",
        "evidence__quote",
    )

    class Meta:
        model = models.Transfer
        fields = ["status", "supplier_kind", "recipient_kind", "condition"]

    def filter_withdrawn(self, queryset, name, value):
        if value in (None, ""):
            return queryset
        return queryset.filter(withdrawn_by_source__isnull=not value)

    def filter_party(self, queryset, name, value):
        """Transfers with one of these organisations as the non-state party on either side (not
        as the company that sold or bought)."""
        if not value:
            return queryset
        return queryset.filter(
            Q(supplier_kind=TransferSide.NON_STATE, supplier_party__in=value)
            | Q(recipient_kind=TransferSide.NON_STATE, recipient_party__in=value)
        )


class PermitDecisionFilterSet(CuratedFilterSet, EvidenceClaimMixin):
    authority = code_filter("authority")
    authority_id = id_filter("authority", models.State)
    authority_organization = slug_filter("authority_organization", models.Organization)
    authority_organization_id = id_filter("authority_organization", models.Organization)
    authority_body = slug_filter("authority_body", models.Organization)
    authority_body_id = id_filter("authority_body", models.Organization)
    target = code_filter("target_state")
    target_state_id = id_filter("target_state", models.State)
    target_organization = slug_filter("target_organization", models.Organization)
    target_organization_id = id_filter("target_organization", models.Organization)
    category = extend_schema_field(OpenApiTypes.STR)(
        RecordFilter(
            field_name="scope_categories__code",
            to_field_name="code",
            queryset=visible_choices(models.ControlListCategory),
        )
    )
    item = slug_filter("scope_items", models.Item)
    manufacturer = slug_filter("scope_manufacturer", models.Organization)
    scope_manufacturer_id = id_filter("scope_manufacturer", models.Organization)
    ends = slug_filter("ends", models.PermitDecision)
    ends_id = id_filter("ends", models.PermitDecision)
    date_after, date_before = date_range("announced_date", "effective_date")
    search_fields = (
        "slug",
        "scope_description",
        "reason",
        "announced_by",
        "evidence__quote",
    )

    class Meta:
        model = models.PermitDecision
        fields = ["action", "scope", "authority_kind", "date_from_publication"]


class ConflictFilterSet(CuratedFilterSet, EvidenceClaimMixin):
    participant = extend_schema_field(OpenApiTypes.STR)(
        RecordFilter(
            field_name="participants__state__code",
            to_field_name="code",
            queryset=visible_choices(models.State),
            method="filter_participant",
        )
    )
    date_after, date_before = date_range("start_date")
    search_fields = ("name", "slug", "region", "description", "evidence__quote")

    class Meta:
        model = models.Conflict
        fields = []

    def filter_participant(self, queryset, name, value):
        """Conflicts these states take part in (through participations the reader may see)."""
        if not value:
            return queryset
        lookup = {"participants__state__in": value}
        if not reader_sees_drafts(self.request):
            lookup["participants__review_state"] = ReviewState.VERIFIED
        return queryset.filter(**lookup).distinct()


class ConflictParticipantFilterSet(CuratedFilterSet, EvidenceClaimMixin):
    conflict = slug_filter("conflict", models.Conflict)
    conflict_id = id_filter("conflict", models.Conflict)
    state = code_filter("state")
    state_id = id_filter("state", models.State)
    organization = slug_filter("organization", models.Organization)
    organization_id = id_filter("organization", models.Organization)
    supports = code_filter("supports")
    supports_id = id_filter("supports", models.State)
    search_fields = ("slug", "conflict__name", "state__name", "evidence__quote")

    class Meta:
        model = models.ConflictParticipant
        fields = ["role"]


class DeploymentFilterSet(CuratedFilterSet, EvidenceClaimMixin):
    item = slug_filter("item", models.Item)
    item_id = id_filter("item", models.Item)
    state = code_filter("state")
    state_id = id_filter("state", models.State)
    conflict = slug_filter("conflict", models.Conflict)
    conflict_id = id_filter("conflict", models.Conflict)
    manufacturer = slug_filter("item__manufacturer", models.Organization)
    date_after, date_before = date_range("start_date")
    search_fields = (
        "slug",
        "item__name",
        "state__name",
        "conflict__name",
        "note",
        "evidence__quote",
    )

    class Meta:
        model = models.Deployment
        fields = []


class SourceFilterSet(CuratedFilterSet):
    publisher = django_filters.CharFilter(lookup_expr="iexact")
    date_after, date_before = date_range("published_date")
    search_fields = ("title", "publisher", "url", "text")

    class Meta:
        model = models.Source
        fields = ["kind", "language"]


class EvidenceFilterSet(CuratedFilterSet):
    source_id = id_filter("source", models.Source)
    claim_status = django_filters.MultipleChoiceFilter(choices=ClaimStatus.choices)
    state = code_filter("state")
    organization = slug_filter("organization", models.Organization)
    item = slug_filter("item", models.Item)
    permit_decision = slug_filter("permit_decision", models.PermitDecision)
    search_fields = ("quote", "note", "source__title")

    state_id = id_filter("state", models.State)
    organization_id = id_filter("organization", models.Organization)
    organization_relation_id = id_filter("organization_relation", models.OrganizationRelation)
    item_id = id_filter("item", models.Item)
    integration_id = id_filter("integration", models.Integration)
    transfer_id = id_filter("transfer", models.Transfer)
    permit_decision_id = id_filter("permit_decision", models.PermitDecision)
    conflict_id = id_filter("conflict", models.Conflict)
    conflict_participant_id = id_filter("conflict_participant", models.ConflictParticipant)
    deployment_id = id_filter("deployment", models.Deployment)

    class Meta:
        model = models.Evidence
        fields = []
