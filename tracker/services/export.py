"""Exporting the verified facts of sources as a natural-key fixture that loads anywhere."""

from __future__ import annotations

from django.core import serializers
from django.db.models import Q

from ..choices import ReviewState
from ..models import (
    FACT_FIELDS,
    Conflict,
    ConflictParticipant,
    Deployment,
    Evidence,
    Integration,
    Item,
    ItemAlias,
    Organization,
    OrganizationAlias,
    OrganizationRelation,
    PermitDecision,
    Source,
    Transfer,
    TransferDelivery,
)


def sources_find(keys: list[str]) -> list[Source]:
    """Sources by url or id; an unknown key is an error naming it."""
    found = []
    for key in keys:
        query = Q(url=key) | Q(text_hash=key)
        if key.isdigit():
            query |= Q(pk=int(key))
        source = Source.objects.filter(query).first()
        if source is None:
            raise LookupError(f"No source with url, hash or id {key!r}.")
        found.append(source)
    return found


def fixture_records(*, sources: list[Source]) -> list:
    """The sources, their verified evidence, the verified facts it supports and the records
    those facts refer to (organisations, items, conflicts, earlier decisions), in load order.
    Reference data (states, control-list categories) is not included: every database has it."""
    evidence = list(
        Evidence.objects.filter(source__in=sources, review_state=ReviewState.VERIFIED).order_by(
            "source", "start", "pk"
        )
    )
    ids: dict[str, set[int]] = {name: set() for name in FACT_FIELDS}
    for e in evidence:
        ids[e.fact_field].add(getattr(e, f"{e.fact_field}_id"))

    def verified(model, key):
        return model.objects.filter(pk__in=ids[key], review_state=ReviewState.VERIFIED)

    relations = list(verified(OrganizationRelation, "organization_relation"))
    integrations = list(verified(Integration, "integration"))
    transfers = list(verified(Transfer, "transfer"))
    decisions = list(verified(PermitDecision, "permit_decision"))
    participants = list(verified(ConflictParticipant, "conflict_participant"))
    deployments = list(verified(Deployment, "deployment"))
    # Decisions that later ones end must load first and come along.
    pending = {d.ends_id for d in decisions if d.ends_id} - {d.pk for d in decisions}
    while pending:
        extra = list(PermitDecision.objects.filter(pk__in=pending))
        decisions += extra
        pending = {d.ends_id for d in extra if d.ends_id} - {d.pk for d in decisions}
    decisions.sort(key=lambda d: (d.start.earliest if d.start else None, d.pk))

    org_ids = set(ids["organization"])
    org_ids |= {x for r in relations for x in (r.child_id, r.parent_id)}
    org_ids |= {
        x
        for t in transfers
        for x in (
            t.supplier_party_id,
            t.recipient_party_id,
            t.supplier_organization_id,
            t.recipient_organization_id,
        )
        if x
    }
    org_ids |= {
        x
        for d in decisions
        for x in (
            d.authority_organization_id,
            d.authority_body_id,
            d.target_organization_id,
            d.scope_manufacturer_id,
        )
        if x
    }
    org_ids |= {p.organization_id for p in participants if p.organization_id}
    item_ids = set(ids["item"]) | {x for g in integrations for x in (g.component_id, g.assembly_id)}
    item_ids |= {t.item_id for t in transfers} | {d.item_id for d in deployments}
    for d in decisions:
        item_ids |= set(d.scope_items.values_list("pk", flat=True))
    items = list(Item.objects.filter(pk__in=item_ids).order_by("pk"))
    org_ids |= {i.manufacturer_id for i in items if i.manufacturer_id}
    # A release that withdrew a deal comes along (verified: the loader refuses a verified fact
    # pointing at a draft), before the facts that name it.
    release_ids = {t.withdrawn_by_source_id for t in transfers if t.withdrawn_by_source_id}
    releases = list(
        Source.objects.filter(pk__in=release_ids - {s.pk for s in sources}).order_by("pk")
    )
    conflict_ids = set(ids["conflict"]) | {p.conflict_id for p in participants}
    conflict_ids |= {d.conflict_id for d in deployments}
    records = [
        *sources,
        *releases,
        *Organization.objects.filter(pk__in=org_ids).order_by("pk"),
        *OrganizationAlias.objects.filter(organization__in=org_ids).order_by("pk"),
        *relations,
        *items,
        *ItemAlias.objects.filter(item__in=item_ids).order_by("pk"),
        *integrations,
        *transfers,
        *TransferDelivery.objects.filter(transfer__in=transfers).order_by("transfer", "year"),
        *Conflict.objects.filter(pk__in=conflict_ids).order_by("pk"),
        *participants,
        *deployments,
        *decisions,
    ]
    included = {(type(r), r.pk): r for r in records}
    by_source = {s.pk: s for s in sources}
    for e in evidence:
        # Each quote gets the records already loaded, so neither its fact nor its source (with
        # a text that may be megabytes) is fetched again per quote when it is serialized.
        Evidence.source.field.set_cached_value(e, by_source[e.source_id])
        fact_model = Evidence._meta.get_field(e.fact_field).related_model
        loaded = included.get((fact_model, getattr(e, f"{e.fact_field}_id")))
        if loaded is not None:
            Evidence._meta.get_field(e.fact_field).set_cached_value(e, loaded)
        fact = e.fact
        if e.fact_field in ("state",) or (type(fact), fact.pk) in included:
            records.append(e)
    return records


def fixture_dump(records: list) -> str:
    """JSON with natural keys; who verified a record is left out (that user need not exist in
    the database that loads it), when it was verified is kept."""
    text = serializers.serialize(
        "json",
        records,
        indent=1,
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
        ensure_ascii=False,
    )
    import json

    data = json.loads(text)
    for row in data:
        if "verified_by" in row["fields"]:
            row["fields"]["verified_by"] = None
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
