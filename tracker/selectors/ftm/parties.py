"""States, organisations and the links between organisations as FtM entities."""

from __future__ import annotations

from collections.abc import Iterator

from followthemoney.proxy import EntityProxy

from ...choices import AliasKind, OrganizationKind, OrganizationRelationKind
from ...models import Organization, OrganizationAlias, OrganizationRelation, State, StateAlias
from ...querysets import shown, visible
from .base import (
    ORGANIZATION_SCHEMA,
    OWNING_RELATIONS,
    STATE_NAME_ALIASES,
    add_proof,
    add_text,
    by_key,
    entity_id,
    evidence_prefetch,
    listed,
    make,
    organization_id,
    partial_date,
    state_id,
)

# States -----------------------------------------------------------------------------------


def state_entities(verified_only: bool) -> Iterator[EntityProxy]:
    aliases = visible(StateAlias.objects.all(), verified_only=verified_only).order_by("name")
    states = visible(State.objects.all(), verified_only=verified_only).prefetch_related(
        listed("aliases", aliases)
    )
    for state in by_key(states, "code"):
        proxy = make("PublicBody", state_id(state.code))
        proxy.add("name", state.name)
        proxy.add("alias", state.official_name or None)
        for alias in state.shown_aliases:
            if alias.kind == AliasKind.ABBREVIATION:
                proxy.add("abbreviation", alias.name)
            elif alias.kind in STATE_NAME_ALIASES and alias.name != state.name:
                proxy.add("alias", alias.name)
        # FtM knows ISO and ISO 3166-3 codes; a user-assigned code (XK aside) is dropped by the
        # country type, so the code is kept as the state's identifier too.
        proxy.add("country", state.code.lower())
        proxy.add("jurisdiction", state.code.lower())
        proxy.add("idNumber", state.code)
        proxy.add("classification", f"state ({state.get_status_display()})")
        proxy.add("dissolutionDate", partial_date(state, "valid_until"), cleaned=True)
        yield proxy


# Organisations and their links ---------------------------------------------------------------


def organization_entities(verified_only: bool) -> Iterator[EntityProxy]:
    aliases = visible(OrganizationAlias.objects.all(), verified_only=verified_only)
    organizations = (
        visible(Organization.objects.all(), verified_only=verified_only)
        .select_related("country")
        .prefetch_related(listed("aliases", aliases.order_by("name")))
    )
    for organization in by_key(organizations, "slug"):
        schema = ORGANIZATION_SCHEMA.get(organization.kind, "Organization")
        proxy = make(schema, organization_id(organization.slug))
        proxy.add("name", organization.name)
        proxy.add("alias", [a.name for a in organization.shown_aliases])
        country = shown(organization.country, verified_only=verified_only)
        if country is not None:
            proxy.add("country", country.code.lower())
        proxy.add("classification", organization.get_kind_display())
        add_text(proxy, "description", organization.description)
        proxy.add("website", organization.website or None)
        yield proxy


def _relation_schema(relation: OrganizationRelation) -> str:
    if relation.kind in OWNING_RELATIONS:
        if relation.child.kind == OrganizationKind.MANUFACTURER:
            return "Ownership"  # only a Company is an Asset that FtM lets be owned
        if relation.kind != OrganizationRelationKind.UNIT_OF:
            return "Control"
    return "Membership"


def organization_relation_entities(verified_only: bool) -> Iterator[EntityProxy]:
    relations = (
        visible(OrganizationRelation.objects.all(), verified_only=verified_only)
        .select_related("child", "parent")
        .prefetch_related(evidence_prefetch(verified_only=verified_only))
    )
    for relation in by_key(relations, "slug"):
        schema = _relation_schema(relation)
        proxy = make(schema, entity_id("organization-relation", relation.slug))
        child, parent = organization_id(relation.child.slug), organization_id(relation.parent.slug)
        label = relation.get_kind_display()
        if schema == "Ownership":
            proxy.add("owner", parent)
            proxy.add("asset", child)
            proxy.add("ownershipType", label)
        elif schema == "Control":
            proxy.add("controller", parent)
            proxy.add("controlled", child)
            proxy.add("controlType", label)
        else:
            proxy.add("member", child)
            proxy.add("organization", parent)
            proxy.add("role", label)
        proxy.add("startDate", partial_date(relation, "start_date"), cleaned=True)
        proxy.add("endDate", partial_date(relation, "end_date"), cleaned=True)
        add_text(proxy, "description", relation.note)
        add_proof(proxy, relation.shown_evidence)
        yield proxy
