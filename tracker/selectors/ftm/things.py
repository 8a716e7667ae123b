"""Items, what is fitted into what, conflicts and who took part or used what in them."""

from __future__ import annotations

from collections.abc import Iterator

from followthemoney.proxy import EntityProxy

from ...models import Conflict, ConflictParticipant, Deployment, Integration, Item, ItemAlias
from ...querysets import shown, visible
from .base import (
    add_proof,
    add_text,
    by_key,
    conflict_id,
    entity_id,
    evidence_prefetch,
    item_id,
    listed,
    make,
    organization_id,
    partial_date,
    party_id,
    state_id,
)

# Items and integrations ----------------------------------------------------------------------


def item_entities(verified_only: bool) -> Iterator[EntityProxy]:
    aliases = visible(ItemAlias.objects.all(), verified_only=verified_only).order_by("name")
    items = (
        visible(Item.objects.all(), verified_only=verified_only)
        .select_related("manufacturer", "country_of_origin", "category")
        .prefetch_related(listed("aliases", aliases))
    )
    for item in by_key(items, "slug"):
        proxy = make("Asset", item_id(item.slug))
        proxy.add("name", item.name)
        proxy.add("alias", [a.name for a in item.shown_aliases])
        proxy.add("summary", item.item_type or None)
        add_text(proxy, "description", item.description)
        proxy.add("keywords", item.get_kind_display())
        origin = shown(item.country_of_origin, verified_only=verified_only)
        if origin is not None:
            proxy.add("country", origin.code.lower())
        category = shown(item.category, verified_only=verified_only)
        if category is not None:
            proxy.add("keywords", f"{category.code} {category.title}")
        yield proxy
        manufacturer = shown(item.manufacturer, verified_only=verified_only)
        if manufacturer is not None:
            link = make("UnknownLink", entity_id("item-manufacturer", item.slug))
            link.add("subject", organization_id(manufacturer.slug), cleaned=True)
            link.add("object", proxy.id, cleaned=True)
            link.add("role", "manufacturer")
            yield link


def integration_entities(verified_only: bool) -> Iterator[EntityProxy]:
    integrations = (
        visible(Integration.objects.all(), verified_only=verified_only)
        .select_related("component", "assembly")
        .prefetch_related(evidence_prefetch(verified_only=verified_only))
    )
    for integration in by_key(integrations, "slug"):
        proxy = make("UnknownLink", entity_id("integration", integration.slug))
        proxy.add("subject", item_id(integration.component.slug), cleaned=True)
        proxy.add("object", item_id(integration.assembly.slug), cleaned=True)
        proxy.add("role", "fitted to")
        proxy.add("status", integration.get_status_display())
        proxy.add("startDate", partial_date(integration, "start_date"), cleaned=True)
        proxy.add("endDate", partial_date(integration, "end_date"), cleaned=True)
        add_text(proxy, "description", integration.note)
        add_proof(proxy, integration.shown_evidence)
        yield proxy


# Conflicts, participants and deployments -----------------------------------------------------


def conflict_entities(verified_only: bool) -> Iterator[EntityProxy]:
    conflicts = visible(Conflict.objects.all(), verified_only=verified_only)
    for conflict in by_key(conflicts, "slug"):
        proxy = make("Event", conflict_id(conflict.slug))
        proxy.add("name", conflict.name)
        proxy.add("location", conflict.region or None)
        proxy.add("startDate", partial_date(conflict, "start_date"), cleaned=True)
        proxy.add("endDate", partial_date(conflict, "end_date"), cleaned=True)
        add_text(proxy, "description", conflict.description)
        proxy.add("keywords", "armed conflict")
        yield proxy


def conflict_participant_entities(verified_only: bool) -> Iterator[EntityProxy]:
    participants = (
        visible(ConflictParticipant.objects.all(), verified_only=verified_only)
        .select_related("conflict", "state", "organization", "supports")
        .prefetch_related(evidence_prefetch(verified_only=verified_only))
    )
    for participant in by_key(participants, "slug"):
        parties = [
            party
            for party in (participant.state, participant.organization)
            if shown(party, verified_only=verified_only) is not None
        ]
        if not parties:
            continue  # its only party is a draft organisation
        proxy = make("UnknownLink", entity_id("conflict-participant", participant.slug))
        proxy.add("subject", [party_id(party) for party in parties], cleaned=True)
        proxy.add("object", conflict_id(participant.conflict.slug), cleaned=True)
        role = participant.get_role_display()
        backed = shown(participant.supports, verified_only=verified_only)
        proxy.add("role", f"{role} backing {backed.name}" if backed else role)
        proxy.add("startDate", partial_date(participant, "start_date"), cleaned=True)
        proxy.add("endDate", partial_date(participant, "end_date"), cleaned=True)
        add_proof(proxy, participant.shown_evidence)
        yield proxy


def deployment_entities(verified_only: bool) -> Iterator[EntityProxy]:
    deployments = (
        visible(Deployment.objects.all(), verified_only=verified_only)
        .select_related("item", "state", "conflict")
        .prefetch_related(evidence_prefetch(verified_only=verified_only))
    )
    for deployment in by_key(deployments, "slug"):
        proxy = make("UnknownLink", entity_id("deployment", deployment.slug))
        proxy.add("subject", state_id(deployment.state.code), cleaned=True)
        proxy.add("object", item_id(deployment.item.slug), cleaned=True)
        proxy.add("role", f"used in {deployment.conflict.name}")
        proxy.add("startDate", partial_date(deployment, "start_date"), cleaned=True)
        proxy.add("endDate", partial_date(deployment, "end_date"), cleaned=True)
        add_text(proxy, "description", deployment.note)
        add_proof(proxy, deployment.shown_evidence)
        yield proxy
