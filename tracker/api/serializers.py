"""Serializers of the read API. Partial dates are shown at their precision ("2019-10")."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from .. import models
from ..choices import DecisionAuthority, TransferSide
from ..partial_dates import PartialDate
from ..querysets import record_visible, visible
from ..services.records import record_create, record_update
from .permissions import is_curator


@extend_schema_field(OpenApiTypes.STR)
class PartialDateField(serializers.Field):
    """``2019``, ``2019-10`` or ``2019-10-05``: a date at the precision the source gives."""

    def __init__(self, name: str, **kwargs):
        self.date_name = name
        kwargs.setdefault("source", "*")
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return obj.partial_display(self.date_name) or None

    def to_internal_value(self, data):
        if data in (None, ""):
            return {self.date_name: None, f"{self.date_name}_precision": None}
        if not isinstance(data, str):
            raise serializers.ValidationError("A date is a string: YYYY, YYYY-MM or YYYY-MM-DD.")
        try:
            value = PartialDate.parse(data)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return {self.date_name: value.date, f"{self.date_name}_precision": value.precision}


def verified_only(context) -> bool:
    """True unless the request in ``context`` is a curator's (no request: verified only)."""
    request = context.get("request")
    return request is None or not is_curator(request)


class VisibleManyRelatedField(serializers.ManyRelatedField):
    """A list of references that leaves out the records the reader may not see."""

    def to_representation(self, iterable):
        only = verified_only(self.context)
        return [
            self.child_relation.to_representation(value)
            for value in iterable
            if record_visible(value, verified_only=only)
        ]


class VisibleSlugRelatedField(serializers.SlugRelatedField):
    """A reference by key that is null when the reader may not see the record it points at, and
    accepts (on input, in query parameters) only the keys of records the reader may see, so a
    draft's key answers exactly as a key that does not exist."""

    def get_queryset(self):
        return visible(super().get_queryset(), verified_only=verified_only(self.context))

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        return value if record_visible(value, verified_only=verified_only(self.context)) else None

    @classmethod
    def many_init(cls, *args, **kwargs):
        many_kwargs = {"child_relation": cls(*args, **kwargs)}
        for key in kwargs:
            if key in MANY_RELATION_KWARGS:
                many_kwargs[key] = kwargs[key]
        return VisibleManyRelatedField(**many_kwargs)


def code_field(**kwargs):
    return VisibleSlugRelatedField(slug_field="code", queryset=models.State.objects.all(), **kwargs)


def slug_field(model, **kwargs):
    return VisibleSlugRelatedField(
        slug_field="slug", queryset=model._default_manager.all(), **kwargs
    )


class EvidenceSummarySerializer(serializers.ModelSerializer):
    """One quote supporting a fact, with the source it comes from."""

    source_title = serializers.CharField(source="source.title", read_only=True)
    source_publisher = serializers.CharField(source="source.publisher", read_only=True)
    source_url = serializers.CharField(source="source.url", read_only=True, allow_null=True)
    source_date = serializers.SerializerMethodField()

    class Meta:
        model = models.Evidence
        fields = [
            "slug",
            "quote",
            "claim_status",
            "attributed_to",
            "source_title",
            "source_publisher",
            "source_date",
            "source_url",
            "start",
            "end",
            "review_state",
        ]

    def get_source_date(self, obj) -> str | None:
        return obj.source.partial_display("published_date") or None


REVIEW = ["review_state", "verified_at", "created", "last_updated"]

#: Fields a write may never set; named in the 400 even when the serializer does not show them.
NEVER_WRITTEN = {
    "review_state": "The review state changes only by verifying in the admin or the review "
    "queue, never by a write.",
    "verified_by": "Set when a curator verifies the record.",
    "verified_at": "Set when a curator verifies the record.",
    "created": "Set by the server.",
    "last_updated": "Set by the server.",
    "id": "Set by the server.",
}
#: Form posts from the browsable API carry these beside the fields.
FORM_EXTRAS = {"csrfmiddlewaretoken"}


class CuratedSerializer(serializers.ModelSerializer):
    """Adds the review state (read-only) to every record; writes go through the services, so the
    API validates exactly as the admin does and records the user in the audit history.

    A write naming a read-only or unknown field answers 400 naming it (rather than ignoring it
    and answering 200 with nothing changed)."""

    review_state = serializers.CharField(read_only=True)
    verified_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created = serializers.DateTimeField(read_only=True)
    last_updated = serializers.DateTimeField(read_only=True)

    def get_fields(self):
        fields = super().get_fields()
        if "slug" in fields and hasattr(self.Meta.model, "build_slug"):
            # A fact's slug is built from what it means (its natural key): never written.
            fields["slug"] = serializers.SlugField(read_only=True)
        return fields

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            self._refuse_unwritable(list(data.keys()))
        return super().to_internal_value(data)

    def _refuse_unwritable(self, names: list[str]) -> None:
        writable = {name for name, field in self.fields.items() if not field.read_only}
        errors = {}
        for name in names:
            if name in writable or name in FORM_EXTRAS:
                continue
            if name in NEVER_WRITTEN:
                errors[name] = [f"Read-only. {NEVER_WRITTEN[name]}"]
            elif name in self.fields:
                errors[name] = ["Read-only: derived from the other fields or set by the server."]
            elif name.endswith("_precision") and name[: -len("_precision")] in writable:
                date = name[: -len("_precision")]
                errors[name] = [
                    f"Unknown field: the precision is the form of {date} itself "
                    "(2019 for a year, 2019-10 for a month, 2019-10-05 for a day)."
                ]
            else:
                errors[name] = [f"Unknown field. Writable: {', '.join(sorted(writable))}."]
        if errors:
            raise serializers.ValidationError(errors)

    def _split(self, validated_data: dict) -> tuple[dict, dict]:
        many_names = {f.name for f in self.Meta.model._meta.many_to_many}
        many = {k: validated_data.pop(k) for k in list(validated_data) if k in many_names}
        return validated_data, many

    def create(self, validated_data):
        data, many = self._split(validated_data)
        return record_create(
            model=self.Meta.model, data=data, many=many, user=self.context["request"].user
        )

    def update(self, instance, validated_data):
        data, many = self._split(validated_data)
        return record_update(
            instance=instance, data=data, many=many, user=self.context["request"].user
        )


class FactSerializer(CuratedSerializer):
    """A fact with the evidence that supports it."""

    evidence = EvidenceSummarySerializer(many=True, read_only=True)


class VisibleListSerializer(serializers.ListSerializer):
    """A nested list that leaves out the records the reader may not see."""

    def to_representation(self, data):
        only = verified_only(self.context)
        records = data.all() if hasattr(data, "all") else data
        return [
            self.child.to_representation(record)
            for record in records
            if record_visible(record, verified_only=only)
        ]


class AliasSummarySerializer(serializers.Serializer):
    """Another name of the record, and what kind of name it is."""

    name = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)

    class Meta:
        list_serializer_class = VisibleListSerializer


class StateSerializer(FactSerializer):
    aliases = AliasSummarySerializer(many=True, read_only=True)
    valid_until = PartialDateField("valid_until")

    class Meta:
        model = models.State
        fields = [
            "code",
            "alpha3",
            "name",
            "official_name",
            "status",
            "valid_until",
            "aliases",
            "evidence",
            *REVIEW,
        ]


class ControlListCategorySerializer(CuratedSerializer):
    parent = VisibleSlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = models.ControlListCategory
        fields = ["code", "regime", "military", "title", "description", "parent", *REVIEW]


class OrganizationSerializer(FactSerializer):
    country = code_field(allow_null=True, required=False)
    aliases = VisibleSlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = models.Organization
        fields = [
            "slug",
            "name",
            "kind",
            "country",
            "description",
            "website",
            "aliases",
            "evidence",
            *REVIEW,
        ]


class OrganizationRelationSerializer(FactSerializer):
    child = slug_field(models.Organization)
    parent = slug_field(models.Organization)
    start_date = PartialDateField("start_date")
    end_date = PartialDateField("end_date")

    class Meta:
        model = models.OrganizationRelation
        fields = [
            "slug",
            "child",
            "kind",
            "parent",
            "start_date",
            "end_date",
            "note",
            "evidence",
            *REVIEW,
        ]


class ItemSerializer(FactSerializer):
    manufacturer = slug_field(models.Organization, allow_null=True, required=False)
    country_of_origin = code_field(allow_null=True, required=False)
    category = VisibleSlugRelatedField(
        slug_field="code",
        queryset=models.ControlListCategory.objects.all(),
        allow_null=True,
        required=False,
    )
    aliases = VisibleSlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = models.Item
        fields = [
            "slug",
            "kind",
            "name",
            "item_type",
            "description",
            "manufacturer",
            "country_of_origin",
            "category",
            "aliases",
            "evidence",
            *REVIEW,
        ]
        read_only_fields = ["kind"]


class IntegrationSerializer(FactSerializer):
    component = slug_field(models.Item)
    assembly = slug_field(models.Item)
    start_date = PartialDateField("start_date")
    end_date = PartialDateField("end_date")

    class Meta:
        model = models.Integration
        fields = [
            "slug",
            "component",
            "assembly",
            "status",
            "start_date",
            "end_date",
            "note",
            "evidence",
            *REVIEW,
        ]


class TransferDeliverySerializer(serializers.ModelSerializer):
    """Deliveries of a transfer in one year, as the dataset reports them (read-only: they come
    with the deal from its dataset)."""

    class Meta:
        model = models.TransferDelivery
        fields = ["year", "year_estimated", "number", "number_estimated", "tiv"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class VisibleIdRelatedField(VisibleSlugRelatedField):
    """A reference by id, null when the reader may not see the record."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="pk", **kwargs)


#: What each kind of side holds: (state, party) required (True) or refused (False).
SIDE_SHAPES = {
    TransferSide.STATE: (True, False),
    TransferSide.NON_STATE: (False, True),
    TransferSide.UNKNOWN: (False, False),
}


class TransferSerializer(FactSerializer):
    """A transfer. Each side is given by its kind and who it is: ``supplier_kind`` ``state``
    (``supplier``: the state's code), ``non_state`` (``supplier_party``: the party's slug, an
    armed group, an international organisation or a rival government) or ``unknown`` (neither);
    the same for the recipient. The company or agency that sold or bought
    (``supplier_organization`` / ``recipient_organization``) is optional on any kind of side."""

    supplier_kind = serializers.ChoiceField(
        choices=TransferSide.choices,
        required=False,
        help_text="state (default), non_state or unknown: says which of supplier / "
        "supplier_party names the supplier.",
    )
    supplier = code_field(
        allow_null=True,
        required=False,
        help_text="The supplier state's ISO code (a state side); null on the other kinds.",
    )
    supplier_party = slug_field(
        models.Organization,
        allow_null=True,
        required=False,
        help_text="The non-state supplier's slug (an armed group, an international organisation, "
        "a rival government); null on the other kinds.",
    )
    supplier_organization = slug_field(
        models.Organization,
        allow_null=True,
        required=False,
        help_text="The company or agency that sold (optional, on any kind of side).",
    )
    recipient_kind = serializers.ChoiceField(
        choices=TransferSide.choices,
        required=False,
        help_text="state (default), non_state or unknown: says which of recipient / "
        "recipient_party names the recipient.",
    )
    recipient = code_field(
        allow_null=True,
        required=False,
        help_text="The recipient state's ISO code (a state side); null on the other kinds.",
    )
    recipient_party = slug_field(
        models.Organization,
        allow_null=True,
        required=False,
        help_text="The non-state recipient's slug (an armed group, an international "
        "organisation, a rival government); null on the other kinds.",
    )
    recipient_organization = slug_field(
        models.Organization,
        allow_null=True,
        required=False,
        help_text="The company, force or agency that bought or received (optional, on any kind "
        "of side).",
    )
    intermediaries = code_field(many=True, required=False)
    item = slug_field(models.Item)
    order_date = PartialDateField("order_date")
    delivery_date = PartialDateField("delivery_date")
    delivery_end_date = PartialDateField("delivery_end_date")
    withdrawn_by_source = VisibleIdRelatedField(
        queryset=models.Source.objects.all(),
        allow_null=True,
        required=False,
        help_text="The id of the newer release of the dataset that no longer lists the deal.",
    )
    withdrawn_by_source_title = serializers.SerializerMethodField()
    deliveries = TransferDeliverySerializer(many=True, read_only=True)

    class Meta:
        model = models.Transfer
        fields = [
            "id",
            "slug",
            "external_id",
            "supplier_kind",
            "supplier",
            "supplier_party",
            "supplier_organization",
            "recipient_kind",
            "recipient",
            "recipient_party",
            "recipient_organization",
            "intermediaries",
            "item",
            "quantity",
            "quantity_estimated",
            "quantity_delivered",
            "quantity_delivered_estimated",
            "status",
            "condition",
            "order_date",
            "order_date_estimated",
            "delivery_date",
            "delivery_end_date",
            "delivery_dates_estimated",
            "tiv_per_unit",
            "tiv_total_order",
            "tiv_delivered",
            "comments",
            "note",
            "withdrawn_by_source",
            "withdrawn_by_source_title",
            "deliveries",
            "evidence",
            *REVIEW,
        ]

    def get_withdrawn_by_source_title(self, obj) -> str | None:
        source = obj.withdrawn_by_source
        if source is None or not record_visible(source, verified_only=verified_only(self.context)):
            return None
        return source.title

    def validate(self, attrs):
        """Each side is exactly one party: a clear 400 naming the field that does not fit the
        side's kind (the database refuses the same)."""
        errors: dict[str, list[str]] = {}

        def current(name):
            if name in attrs:
                return attrs[name]
            return getattr(self.instance, name) if self.instance is not None else None

        for side in ("supplier", "recipient"):
            kind_name, party_name = f"{side}_kind", f"{side}_party"
            kind = current(kind_name) or TransferSide.STATE
            state, party = current(side), current(party_name)
            needs_state, needs_party = SIDE_SHAPES[kind]
            label = TransferSide(kind).label
            if needs_state and state is None:
                errors.setdefault(side, []).append(
                    f"The {side} is {label} ({kind_name} {kind}): give the state's code, or set "
                    f"{kind_name} to non_state (with {party_name}) or unknown."
                )
            if not needs_state and state is not None:
                errors.setdefault(side, []).append(
                    f"The {side} is {label} ({kind_name} {kind}): it has no state; leave {side} "
                    "empty (null)."
                )
            if needs_party and party is None:
                errors.setdefault(party_name, []).append(
                    f"A non-state {side} is an organisation: give its slug in {party_name}."
                )
            if not needs_party and party is not None:
                errors.setdefault(party_name, []).append(
                    f"The {side} is {label} ({kind_name} {kind}): it names no non-state party; "
                    f"leave {party_name} empty (null) (the company that "
                    f"{'sold' if side == 'supplier' else 'bought'} goes in {side}_organization)."
                )
        if (
            TransferSide.STATE
            not in (current("supplier_kind") or "state", current("recipient_kind") or "state")
            and current("supplier_party") is not None
            and current("supplier_party") == current("recipient_party")
        ):
            errors.setdefault("recipient_party", []).append(
                "The supplier and the recipient must differ."
            )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class PermitDecisionSerializer(FactSerializer):
    """A decision on export permits. ``authority_kind`` says who decided: a state
    (``authority``, an ISO code; its ministry or court in ``authority_body``) or an organisation
    on its own (``authority_organization``, a slug: a manufacturer halting its deliveries).
    ``date_from_publication``: the source gives no date, the announced date is its publication
    date."""

    authority = code_field(allow_null=True, required=False)
    authority_organization = slug_field(models.Organization, allow_null=True, required=False)
    authority_body = slug_field(models.Organization, allow_null=True, required=False)
    target_state = code_field(allow_null=True, required=False)
    target_organization = slug_field(models.Organization, allow_null=True, required=False)
    scope_categories = VisibleSlugRelatedField(
        slug_field="code",
        many=True,
        queryset=models.ControlListCategory.objects.all(),
        required=False,
    )
    scope_items = slug_field(models.Item, many=True, required=False)
    scope_manufacturer = slug_field(models.Organization, allow_null=True, required=False)
    announced_date = PartialDateField("announced_date")
    effective_date = PartialDateField("effective_date")
    end_date = PartialDateField("end_date")
    ends = slug_field(models.PermitDecision, allow_null=True, required=False)

    class Meta:
        model = models.PermitDecision
        fields = [
            "id",
            "slug",
            "authority_kind",
            "authority",
            "authority_organization",
            "authority_body",
            "announced_by",
            "target_state",
            "target_organization",
            "action",
            "scope",
            "scope_description",
            "scope_categories",
            "scope_items",
            "scope_manufacturer",
            "announced_date",
            "effective_date",
            "end_date",
            "date_from_publication",
            "reason",
            "ends",
            "evidence",
            *REVIEW,
        ]

    def validate(self, attrs):
        """The authority is exactly one party, as its kind says: a clear 400 naming the field
        (the database refuses the same)."""
        attrs = super().validate(attrs)

        def current(name):
            if name in attrs:
                return attrs[name]
            return getattr(self.instance, name) if self.instance is not None else None

        kind = current("authority_kind") or DecisionAuthority.STATE
        state, organization = current("authority"), current("authority_organization")
        errors: dict[str, list[str]] = {}
        if kind == DecisionAuthority.STATE:
            if state is None:
                errors["authority"] = [
                    "A state's decision (authority_kind state) needs the state's code; an "
                    "organisation deciding on its own is authority_kind organization with "
                    "authority_organization."
                ]
            if organization is not None:
                errors["authority_organization"] = [
                    "A state's decision names no deciding organisation: leave it empty (null); "
                    "its ministry or court goes in authority_body."
                ]
        else:
            if organization is None:
                errors["authority_organization"] = [
                    "An organisation's own decision (authority_kind organization) needs the "
                    "organisation's slug."
                ]
            if state is not None:
                errors["authority"] = [
                    "An organisation's own decision has no deciding state: leave authority "
                    "empty (null)."
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ConflictSerializer(FactSerializer):
    start_date = PartialDateField("start_date")
    end_date = PartialDateField("end_date")

    class Meta:
        model = models.Conflict
        fields = [
            "slug",
            "name",
            "region",
            "start_date",
            "end_date",
            "description",
            "evidence",
            *REVIEW,
        ]


class ConflictParticipantSerializer(FactSerializer):
    conflict = slug_field(models.Conflict)
    state = code_field(allow_null=True, required=False)
    organization = slug_field(models.Organization, allow_null=True, required=False)
    supports = code_field(allow_null=True, required=False)
    start_date = PartialDateField("start_date")
    end_date = PartialDateField("end_date")

    class Meta:
        model = models.ConflictParticipant
        fields = [
            "id",
            "slug",
            "conflict",
            "state",
            "organization",
            "role",
            "supports",
            "start_date",
            "end_date",
            "evidence",
            *REVIEW,
        ]


class DeploymentSerializer(FactSerializer):
    item = slug_field(models.Item)
    state = code_field()
    conflict = slug_field(models.Conflict)
    start_date = PartialDateField("start_date")
    end_date = PartialDateField("end_date")

    class Meta:
        model = models.Deployment
        fields = [
            "id",
            "slug",
            "item",
            "state",
            "conflict",
            "start_date",
            "end_date",
            "note",
            "evidence",
            *REVIEW,
        ]


class SourceSerializer(CuratedSerializer):
    """A source with its full text: the source's own page. Lists leave the text out
    (:class:`SourceListSerializer`)."""

    published_date = PartialDateField("published_date")
    text_length = serializers.SerializerMethodField(help_text="The text's length in characters.")

    class Meta:
        model = models.Source
        fields = [
            "id",
            "title",
            "publisher",
            "kind",
            "url",
            "retrieved_at",
            "published_date",
            "language",
            "text",
            "text_length",
            "text_hash",
            *REVIEW,
        ]
        read_only_fields = ["text_hash"]

    def get_text_length(self, obj) -> int:
        length = getattr(obj, "text_length", None)  # counted by the database in the views
        return length if length is not None else len(obj.text)


class SourceListSerializer(SourceSerializer):
    """A source in a list: everything but its text, which may be megabytes (a dataset's
    release); ``text_length`` tells its size and the source's own page gives it whole."""

    class Meta(SourceSerializer.Meta):
        fields = [name for name in SourceSerializer.Meta.fields if name != "text"]


class FactKeyField(serializers.CharField):
    """Written as the fact's ISO code, slug or id; read as its code or slug (not its str(),
    which would fetch its related records)."""

    def to_representation(self, fact):
        return getattr(fact, "slug", None) or getattr(fact, "code", None) or str(fact.pk)


class EvidenceSerializer(CuratedSerializer):
    """A quote and the one fact it supports: ``fact_kind`` (state, transfer, permit_decision…)
    and ``fact`` (that record's ISO code, slug or id)."""

    source = serializers.PrimaryKeyRelatedField(queryset=models.Source.objects.defer("text"))
    source_title = serializers.CharField(source="source.title", read_only=True)
    fact_kind = serializers.ChoiceField(choices=list(models.FACT_FIELDS), source="fact_field")
    fact = FactKeyField(help_text="The fact's ISO code, slug or id.")

    class Meta:
        model = models.Evidence
        fields = [
            "id",
            "slug",
            "source",
            "source_title",
            "quote",
            "start",
            "end",
            "claim_status",
            "attributed_to",
            "note",
            "fact_kind",
            "fact",
            *REVIEW,
        ]
        read_only_fields = ["end", "slug"]

    def validate(self, attrs):
        if "fact_field" not in attrs and "fact" not in attrs:
            return attrs  # a partial update that leaves the fact as it is
        missing = [name for name in ("fact_kind", "fact") if name not in self.initial_data]
        if missing:
            raise serializers.ValidationError(
                {name: ["Give fact_kind and fact together."] for name in missing}
            )
        kind = attrs.pop("fact_field")
        key = attrs.pop("fact")
        model = models.Evidence._meta.get_field(kind).related_model
        lookups = [("code", key)] if model is models.State else [("slug", key)]
        if key.isdigit():
            lookups.append(("pk", int(key)))
        for field, value in lookups:
            found = model._default_manager.filter(**{field: value}).first()
            if found is not None:
                break
        else:
            raise serializers.ValidationError({"fact": f"No {kind.replace('_', ' ')} {key!r}."})
        for name in models.FACT_FIELDS:
            attrs[name] = found if name == kind else None
        return attrs


class HistoryChangeSerializer(serializers.Serializer):
    """One field's change between two versions (values as stored, in JSON)."""

    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    """One version of a record in ``/history/`` (newest first)."""

    date = serializers.DateTimeField()
    type = serializers.CharField(help_text="Created, Changed or Deleted.")
    user = serializers.CharField(allow_null=True, required=False)
    reason = serializers.CharField(allow_null=True, required=False)
    changes = HistoryChangeSerializer(many=True)


class TimelineEntrySerializer(serializers.Serializer):
    """One event in a state's ``/timeline/``."""

    date = serializers.CharField(allow_null=True, help_text="The partial date, null if undated.")
    kind = serializers.CharField()
    role = serializers.CharField()
    key = serializers.CharField(allow_null=True)
    summary = serializers.CharField()
    evidence = EvidenceSummarySerializer(many=True)
