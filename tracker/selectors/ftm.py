"""The tracker's records as FollowTheMoney entities, for Aleph and OpenSanctions tooling.

``ftm_entities()`` streams one validated ``EntityProxy`` at a time: each table is read with
``.iterator()`` in chunks, its references selected or prefetched with it, so the number of
queries depends on the number of chunks, never on the number of rows.

The mapping (one FtM schema per table; the notes in README say what is lost):

=========================  ==========================================================
tracker record             FtM entities
=========================  ==========================================================
State                      PublicBody (``country``/``jurisdiction`` = the ISO code)
Organization               Company (manufacturer), PublicBody (government body, armed
                           forces, court, rival government), Organization (others)
OrganizationRelation       Ownership (a company that is a unit, subsidiary or owned),
                           Control (another organisation owned by its parent),
                           Membership (member of, part of, other units)
Item                       Asset; its manufacturer as UnknownLink (role "manufacturer")
Integration                UnknownLink component -> assembly (role "fitted to")
Transfer                   Contract (the deal: recipient as ``authority``), one
                           ContractAward per supplying party, UnknownLink to the item
                           and to each intermediary state
PermitDecision (deny,      Sanction on the target: authority, dates, reason, scope;
freeze, suspend, cancel,   ended (``endDate``) by the decision that lifts or cancels it.
restrict)                  Grants and lifts are never Sanctions.
Conflict                   Event
ConflictParticipant        UnknownLink party -> conflict (role: belligerent, backer of X)
Deployment                 UnknownLink state -> item (role "used in <conflict>")
Source                     Article (news) or PlainText (other kinds), with its text
Evidence                   Documentation (source -> state, organisation, item, deal or
                           conflict, the quote as ``summary``, the claim status in
                           ``role``); on links and sanctions, which FtM does not let
                           Documentation point at, the source as ``proof`` and the quote
                           in ``summary``
=========================  ==========================================================

Entity ids are ``make_entity_id(NAMESPACE, kind, natural key)``: the same record gets the same id
in every export and after a reload of its fixture, whatever its database id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, Q, QuerySet
from followthemoney import model
from followthemoney.proxy import EntityProxy
from followthemoney.types import registry
from followthemoney.util import make_entity_id

from ..choices import (
    AliasKind,
    OrganizationKind,
    OrganizationRelationKind,
    PermitAction,
    ReviewState,
    SourceKind,
    TransferSide,
)
from ..models import (
    Conflict,
    ConflictParticipant,
    ControlListCategory,
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
    State,
    StateAlias,
    Transfer,
    TransferDelivery,
)
from ..partial_dates import PartialDate, format_partial
from ..querysets import shown, visible, visible_evidence

#: The first part of every entity id: ids from another dataset never collide with ours.
NAMESPACE = "arms-tracker"
TEXT_TYPE = registry.text
#: Rows read per query (and per prefetch) while streaming.
CHUNK_SIZE = 2000
#: Sources carry their full text: fewer of them per query.
SOURCE_CHUNK_SIZE = 50

#: Permit decisions exported as Sanctions: those that restrict exports.
RESTRICTIVE_ACTIONS = (
    PermitAction.DENY,
    PermitAction.FREEZE,
    PermitAction.SUSPEND,
    PermitAction.CANCEL,
    PermitAction.RESTRICT,
)

ORGANIZATION_SCHEMA = {
    OrganizationKind.MANUFACTURER: "Company",
    OrganizationKind.GOVERNMENT_BODY: "PublicBody",
    OrganizationKind.ARMED_FORCES: "PublicBody",
    OrganizationKind.COURT: "PublicBody",
    OrganizationKind.RIVAL_GOVERNMENT: "PublicBody",
}
#: Relations read as ownership when the child is a company (a unit or subsidiary of a group).
OWNING_RELATIONS = (
    OrganizationRelationKind.UNIT_OF,
    OrganizationRelationKind.SUBSIDIARY_OF,
    OrganizationRelationKind.OWNED_BY,
)
#: State aliases that are names of the state; demonyms, adjectives and capitals are not (an
#: alias "Ottawa" on Canada would make matchers find the city).
STATE_NAME_ALIASES = (AliasKind.NAME, AliasKind.OFFICIAL_NAME, AliasKind.OTHER)


def entity_id(kind: str, key: str) -> str:
    """The stable id of the record of ``kind`` whose natural key is ``key``."""
    return make_entity_id(NAMESPACE, kind, key)


def state_id(code: str) -> str:
    return entity_id("state", code)


def organization_id(slug: str) -> str:
    return entity_id("organization", slug)


def item_id(slug: str) -> str:
    return entity_id("item", slug)


def source_id(key: str) -> str:
    """``key`` is the source's natural key: its url, or the hash of its text."""
    return entity_id("source", key)


def transfer_id(slug: str) -> str:
    return entity_id("transfer", slug)


def decision_id(slug: str) -> str:
    return entity_id("permit-decision", slug)


def _partial(record, name: str) -> str | None:
    """A partial date at its real precision (``2020``, ``2020-10``, ``2020-10-05``)."""
    return format_partial(getattr(record, name), getattr(record, f"{name}_precision")) or None


def _pieces(text: str, limit: int) -> list[str]:
    """``text`` in consecutive pieces of at most ``limit`` characters, cut at a line end (else a
    space), which is dropped: FtM strips each value, so the pieces joined with line breaks give
    the text back (a space at a cut becoming a line break). Nothing else is lost."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit + 1)
        if cut <= 0:
            pieces.append(text[:limit])
            text = text[limit:]
        else:
            pieces.append(text[:cut])
            text = text[cut + 1 :]
    return [*pieces, text] if text else pieces


def _add_text(proxy: EntityProxy, prop: str, text: str | None) -> None:
    """Add a long text: FtM takes at most 65,000 characters per value (a source's full text
    may be far longer), so a longer text becomes several values, in order."""
    if text:
        limit = proxy.schema.properties[prop].type.max_length
        proxy.add(prop, _pieces(text, limit))


def _make(schema: str, id_: str) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = id_
    return proxy


def _by_key(queryset: QuerySet, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator:
    """Rows in natural-key order (the export is the same file twice), streamed in chunks."""
    return queryset.order_by(key).iterator(chunk_size=chunk_size)


def _evidence(*, verified_only: bool) -> Prefetch:
    """A fact's visible quotes with their sources, without the sources' texts."""
    evidence = visible_evidence(verified_only=verified_only).defer("source__text")
    return _listed("evidence", evidence.order_by("slug"))


def _listed(lookup: str, queryset: QuerySet) -> Prefetch:
    """Prefetch ``lookup`` into a plain list, ``shown_<lookup>`` (reading a prefetched
    ``.all()`` clones a queryset each time: costly over 30,000 deals)."""
    return Prefetch(lookup, queryset=queryset, to_attr=f"shown_{lookup}")


def _add_proof(proxy: EntityProxy, evidence: Iterable[Evidence]) -> None:
    """On an interval (a link, a sanction), which Documentation cannot point at: the sources as
    ``proof`` and each quote, with its claim status, in ``summary``."""
    for piece in evidence:
        proxy.add("proof", source_id(piece.source.natural_key()[0]), cleaned=True)
        if piece.source.url:
            proxy.add("sourceUrl", piece.source.url)
        _add_text(proxy, "summary", f"“{piece.quote}” ({piece.claim_status}: {piece.source})")


def _party_id(record) -> str:
    return state_id(record.code) if isinstance(record, State) else organization_id(record.slug)


def _party_name(record) -> str:
    return record.name if record is not None else "unknown"


# States -----------------------------------------------------------------------------------


def _states(verified_only: bool) -> Iterator[EntityProxy]:
    aliases = visible(StateAlias.objects.all(), verified_only=verified_only).order_by("name")
    states = visible(State.objects.all(), verified_only=verified_only).prefetch_related(
        _listed("aliases", aliases)
    )
    for state in _by_key(states, "code"):
        proxy = _make("PublicBody", state_id(state.code))
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
        proxy.add("dissolutionDate", _partial(state, "valid_until"), cleaned=True)
        yield proxy


# Organisations and their links ---------------------------------------------------------------


def _organizations(verified_only: bool) -> Iterator[EntityProxy]:
    aliases = visible(OrganizationAlias.objects.all(), verified_only=verified_only)
    organizations = (
        visible(Organization.objects.all(), verified_only=verified_only)
        .select_related("country")
        .prefetch_related(_listed("aliases", aliases.order_by("name")))
    )
    for organization in _by_key(organizations, "slug"):
        schema = ORGANIZATION_SCHEMA.get(organization.kind, "Organization")
        proxy = _make(schema, organization_id(organization.slug))
        proxy.add("name", organization.name)
        proxy.add("alias", [a.name for a in organization.shown_aliases])
        country = shown(organization.country, verified_only=verified_only)
        if country is not None:
            proxy.add("country", country.code.lower())
        proxy.add("classification", organization.get_kind_display())
        _add_text(proxy, "description", organization.description)
        proxy.add("website", organization.website or None)
        yield proxy


def _relation_schema(relation: OrganizationRelation) -> str:
    if relation.kind in OWNING_RELATIONS:
        if relation.child.kind == OrganizationKind.MANUFACTURER:
            return "Ownership"  # only a Company is an Asset that FtM lets be owned
        if relation.kind != OrganizationRelationKind.UNIT_OF:
            return "Control"
    return "Membership"


def _organization_relations(verified_only: bool) -> Iterator[EntityProxy]:
    relations = (
        visible(OrganizationRelation.objects.all(), verified_only=verified_only)
        .select_related("child", "parent")
        .prefetch_related(_evidence(verified_only=verified_only))
    )
    for relation in _by_key(relations, "slug"):
        schema = _relation_schema(relation)
        proxy = _make(schema, entity_id("organization-relation", relation.slug))
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
        proxy.add("startDate", _partial(relation, "start_date"), cleaned=True)
        proxy.add("endDate", _partial(relation, "end_date"), cleaned=True)
        _add_text(proxy, "description", relation.note)
        _add_proof(proxy, relation.shown_evidence)
        yield proxy


# Items and integrations ----------------------------------------------------------------------


def _items(verified_only: bool) -> Iterator[EntityProxy]:
    aliases = visible(ItemAlias.objects.all(), verified_only=verified_only).order_by("name")
    items = (
        visible(Item.objects.all(), verified_only=verified_only)
        .select_related("manufacturer", "country_of_origin", "category")
        .prefetch_related(_listed("aliases", aliases))
    )
    for item in _by_key(items, "slug"):
        proxy = _make("Asset", item_id(item.slug))
        proxy.add("name", item.name)
        proxy.add("alias", [a.name for a in item.shown_aliases])
        proxy.add("summary", item.item_type or None)
        _add_text(proxy, "description", item.description)
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
            link = _make("UnknownLink", entity_id("item-manufacturer", item.slug))
            link.add("subject", organization_id(manufacturer.slug), cleaned=True)
            link.add("object", proxy.id, cleaned=True)
            link.add("role", "manufacturer")
            yield link


def _integrations(verified_only: bool) -> Iterator[EntityProxy]:
    integrations = (
        visible(Integration.objects.all(), verified_only=verified_only)
        .select_related("component", "assembly")
        .prefetch_related(_evidence(verified_only=verified_only))
    )
    for integration in _by_key(integrations, "slug"):
        proxy = _make("UnknownLink", entity_id("integration", integration.slug))
        proxy.add("subject", item_id(integration.component.slug), cleaned=True)
        proxy.add("object", item_id(integration.assembly.slug), cleaned=True)
        proxy.add("role", "fitted to")
        proxy.add("status", integration.get_status_display())
        proxy.add("startDate", _partial(integration, "start_date"), cleaned=True)
        proxy.add("endDate", _partial(integration, "end_date"), cleaned=True)
        _add_text(proxy, "description", integration.note)
        _add_proof(proxy, integration.shown_evidence)
        yield proxy


# Sources -------------------------------------------------------------------------------------


def _sources(verified_only: bool) -> Iterator[EntityProxy]:
    sources = visible(Source.objects.all(), verified_only=verified_only)
    for source in _by_key(sources, "text_hash", chunk_size=SOURCE_CHUNK_SIZE):
        schema = "Article" if source.kind == SourceKind.NEWS else "PlainText"
        proxy = _make(schema, source_id(source.natural_key()[0]))
        proxy.add("title", source.title)
        proxy.add("publisher", source.publisher or None)
        proxy.add("sourceUrl", source.url)
        proxy.add("publishedAt", _partial(source, "published_date"), cleaned=True)
        proxy.add("language", source.language)
        proxy.add("mimeType", "text/plain")
        proxy.add("keywords", source.get_kind_display())
        if len(source.text) > TEXT_TYPE.total_size:
            # FtM would silently drop the rest: refuse to export a cut text instead.
            raise ValueError(
                f"Source {source.natural_key()[0]}: its text is longer than FtM keeps in one "
                f"entity ({TEXT_TYPE.total_size:,} characters)."
            )
        _add_text(proxy, "bodyText", source.text)
        yield proxy


# Transfers -----------------------------------------------------------------------------------


def _side(transfer: Transfer, side: str):
    """The record on one side (a State or an Organization), or None when unknown."""
    kind = getattr(transfer, f"{side}_kind")
    if kind == TransferSide.STATE:
        return getattr(transfer, side)
    if kind == TransferSide.NON_STATE:
        return getattr(transfer, f"{side}_organization")
    return None


def _side_visible(side: str) -> Q:
    """A side the reader may see: unknown, or a verified state or party (the export never
    names a draft party, even on a verified deal)."""
    verified = ReviewState.VERIFIED
    return (
        Q(**{f"{side}_kind": TransferSide.UNKNOWN})
        | Q(**{f"{side}_kind": TransferSide.STATE, f"{side}__review_state": verified})
        | Q(
            **{
                f"{side}_kind": TransferSide.NON_STATE,
                f"{side}_organization__review_state": verified,
            }
        )
    )


def visible_transfers(*, verified_only: bool) -> QuerySet:
    """Transfers the reader may see, both sides included."""
    transfers = visible(Transfer.objects.all(), verified_only=verified_only)
    if verified_only:
        transfers = transfers.filter(_side_visible("supplier"), _side_visible("recipient"))
    return transfers


def _number(value, estimated: bool) -> str:
    if value is None:
        return "unknown"
    return f"{value} (estimate)" if estimated else str(value)


def _transfer_summary(transfer: Transfer, supplier, recipient) -> list[str]:
    lines = [
        f"Supplier: {_party_name(supplier)}; recipient: {_party_name(recipient)}.",
        f"Number ordered: {_number(transfer.quantity, transfer.quantity_estimated)}; "
        "number delivered: "
        f"{_number(transfer.quantity_delivered, transfer.quantity_delivered_estimated)}.",
    ]
    if transfer.condition:
        lines.append(f"Condition: {transfer.get_condition_display()}.")
    if transfer.order_date_estimated:
        lines.append("The order date is an estimate.")
    if transfer.delivery_dates_estimated:
        lines.append("The delivery years are estimates.")
    tivs = [
        (label, value)
        for label, value in (
            ("per unit", transfer.tiv_per_unit),
            ("of the order", transfer.tiv_total_order),
            ("delivered", transfer.tiv_delivered),
        )
        if value is not None
    ]
    if tivs:
        values = ", ".join(f"{label} {value.normalize():f}" for label, value in tivs)
        lines.append(f"SIPRI trend-indicator value (millions, not a price): {values}.")
    deliveries = [
        f"{d.year}{' (estimate)' if d.year_estimated else ''}: "
        f"{_number(d.number, d.number_estimated)}"
        for d in transfer.shown_deliveries
    ]
    if deliveries:
        lines.append("Deliveries by year: " + "; ".join(deliveries) + ".")
    return lines


def _transfers(verified_only: bool) -> Iterator[EntityProxy]:
    transfers = (
        visible_transfers(verified_only=verified_only)
        .select_related(
            "supplier",
            "recipient",
            "supplier_organization__country",
            "recipient_organization__country",
            "item__category",
            "withdrawn_by_source",
        )
        .defer("withdrawn_by_source__text")
        .prefetch_related(
            _listed(
                "intermediaries",
                visible(State.objects.order_by("code"), verified_only=verified_only),
            ),
            _listed("deliveries", TransferDelivery.objects.order_by("year")),
        )
    )
    for transfer in _by_key(transfers, "slug"):
        supplier = _side(transfer, "supplier")
        recipient = _side(transfer, "recipient")
        # On a state side the organisation is optional: the company or agency that acted.
        supplier_company = recipient_agency = None
        if transfer.supplier_kind == TransferSide.STATE:
            supplier_company = shown(transfer.supplier_organization, verified_only=verified_only)
        if transfer.recipient_kind == TransferSide.STATE:
            recipient_agency = shown(transfer.recipient_organization, verified_only=verified_only)

        contract = _make("Contract", transfer_id(transfer.slug))
        when = _partial(transfer, "order_date") or _partial(transfer, "delivery_date")
        title = f"{transfer.item.name}: {_party_name(supplier)} → {_party_name(recipient)}"
        contract.add("title", title + (f" ({when})" if when else ""))
        contract.add("type", "arms transfer")
        contract.add("contractDate", _partial(transfer, "order_date"), cleaned=True)
        status = transfer.get_status_display()
        withdrawn = shown(transfer.withdrawn_by_source, verified_only=verified_only)
        if withdrawn is not None:
            status += f"; no longer listed by its source ({withdrawn})"
        contract.add("status", status)
        if transfer.item.category_id:
            category = shown(transfer.item.category, verified_only=verified_only)
            contract.add("classification", category.code if category else None)
        for party in (recipient, recipient_agency):
            if party is not None:
                contract.add("authority", _party_id(party), cleaned=True)
        for party in (supplier, recipient):
            country = party if isinstance(party, State) else getattr(party, "country", None)
            if shown(country, verified_only=verified_only) is not None:
                contract.add("country", country.code.lower())
        contract.add("summary", _transfer_summary(transfer, supplier, recipient))
        _add_text(contract, "description", transfer.comments)
        _add_text(contract, "notes", transfer.note)
        contract.add("keywords", transfer.external_id)
        yield contract

        for role, party in (("supplier", supplier), ("supplying company", supplier_company)):
            if party is None:
                continue
            award = _make("ContractAward", entity_id("transfer-award", f"{transfer.slug} {role}"))
            award.add("supplier", _party_id(party), cleaned=True)
            award.add("contract", contract.id, cleaned=True)
            award.add("role", role)
            award.add("startDate", _partial(transfer, "delivery_date"), cleaned=True)
            award.add("endDate", _partial(transfer, "delivery_end_date"), cleaned=True)
            award.add("recordId", transfer.external_id)
            yield award

        item_link = _make("UnknownLink", entity_id("transfer-item", transfer.slug))
        item_link.add("subject", contract.id, cleaned=True)
        item_link.add("object", item_id(transfer.item.slug), cleaned=True)
        item_link.add("role", "item transferred")
        yield item_link
        for state in transfer.shown_intermediaries:
            via = _make("UnknownLink", entity_id("transfer-via", f"{transfer.slug} {state.code}"))
            via.add("subject", contract.id, cleaned=True)
            via.add("object", state_id(state.code), cleaned=True)
            via.add("role", "intermediary")
            yield via


# Permit decisions ----------------------------------------------------------------------------


def _end(decision: PermitDecision) -> PartialDate | None:
    """When a decision stopped applying: the earliest of its own end date and the start of the
    (visible) decisions that lift or cancel it."""
    ends = [decision.get_partial("end_date")] + [later.start for later in decision.shown_ended_by]
    ends = [end for end in ends if end]
    return min(ends, key=lambda end: end.earliest) if ends else None


def _provisions(decision: PermitDecision, verified_only: bool) -> list[str]:
    scope = decision.get_scope_display()
    if decision.scope_description:
        scope += f": {decision.scope_description}"
    lines = [f"{decision.get_action_display()} export permits ({scope})"]
    # One value per item and category: a joined list would pass FtM's 1,024 characters.
    lines += [f"Item: {item.name}" for item in decision.shown_scope_items]
    lines += [f"Control-list category: {c.code} {c.title}" for c in decision.shown_scope_categories]
    manufacturer = shown(decision.scope_manufacturer, verified_only=verified_only)
    if manufacturer is not None:
        lines.append(f"Goods of {manufacturer.name}")
    return lines


def _sanctions(verified_only: bool) -> Iterator[EntityProxy]:
    ending = (
        visible(PermitDecision.objects.all(), verified_only=verified_only)
        .select_related("authority")
        .prefetch_related(_evidence(verified_only=verified_only))
        .order_by("slug")
    )
    decisions = (
        visible(PermitDecision.objects.all(), verified_only=verified_only)
        .filter(action__in=RESTRICTIVE_ACTIONS)
        .select_related(
            "authority",
            "authority_body",
            "target_state",
            "target_organization",
            "scope_manufacturer",
        )
        .prefetch_related(
            _listed(
                "scope_items", visible(Item.objects.order_by("name"), verified_only=verified_only)
            ),
            _listed(
                "scope_categories",
                visible(ControlListCategory.objects.order_by("code"), verified_only=verified_only),
            ),
            _listed("ended_by", ending),
            _evidence(verified_only=verified_only),
        )
    )
    for decision in _by_key(decisions, "slug"):
        targets = [
            target
            for target in (decision.target_state, decision.target_organization)
            if shown(target, verified_only=verified_only) is not None
        ]
        if not targets:
            continue  # its only target is a draft organisation: nothing public to sanction
        proxy = _make("Sanction", decision_id(decision.slug))
        proxy.add("entity", [_party_id(target) for target in targets], cleaned=True)
        body = shown(decision.authority_body, verified_only=verified_only)
        proxy.add("authority", body.name if body else decision.authority.name)
        proxy.add("country", decision.authority.code.lower())
        proxy.add("program", "Arms export permits")
        proxy.add("status", decision.get_action_display())
        proxy.add("provisions", _provisions(decision, verified_only))
        _add_text(proxy, "reason", decision.reason)
        proxy.add("listingDate", _partial(decision, "announced_date"), cleaned=True)
        start = decision.start
        proxy.add("startDate", str(start) if start else None, cleaned=True)
        end = _end(decision)
        proxy.add("endDate", str(end) if end else None, cleaned=True)
        description = []
        if decision.announced_by:
            description.append(f"Announced by {decision.announced_by}.")
        for later in decision.shown_ended_by:
            description.append(
                f"{later.get_action_display().capitalize()} on {later.when} ({later.slug})."
            )
        proxy.add("description", " ".join(description) or None)
        proxy.add("recordId", decision.slug)
        _add_proof(proxy, decision.shown_evidence)
        for later in decision.shown_ended_by:
            _add_proof(proxy, later.shown_evidence)
        yield proxy


# Conflicts, participants and deployments -----------------------------------------------------


def conflict_id(slug: str) -> str:
    return entity_id("conflict", slug)


def _conflicts(verified_only: bool) -> Iterator[EntityProxy]:
    conflicts = visible(Conflict.objects.all(), verified_only=verified_only)
    for conflict in _by_key(conflicts, "slug"):
        proxy = _make("Event", conflict_id(conflict.slug))
        proxy.add("name", conflict.name)
        proxy.add("location", conflict.region or None)
        proxy.add("startDate", _partial(conflict, "start_date"), cleaned=True)
        proxy.add("endDate", _partial(conflict, "end_date"), cleaned=True)
        _add_text(proxy, "description", conflict.description)
        proxy.add("keywords", "armed conflict")
        yield proxy


def _conflict_participants(verified_only: bool) -> Iterator[EntityProxy]:
    participants = (
        visible(ConflictParticipant.objects.all(), verified_only=verified_only)
        .select_related("conflict", "state", "organization", "supports")
        .prefetch_related(_evidence(verified_only=verified_only))
    )
    for participant in _by_key(participants, "slug"):
        parties = [
            party
            for party in (participant.state, participant.organization)
            if shown(party, verified_only=verified_only) is not None
        ]
        if not parties:
            continue  # its only party is a draft organisation
        proxy = _make("UnknownLink", entity_id("conflict-participant", participant.slug))
        proxy.add("subject", [_party_id(party) for party in parties], cleaned=True)
        proxy.add("object", conflict_id(participant.conflict.slug), cleaned=True)
        role = participant.get_role_display()
        backed = shown(participant.supports, verified_only=verified_only)
        proxy.add("role", f"{role} backing {backed.name}" if backed else role)
        proxy.add("startDate", _partial(participant, "start_date"), cleaned=True)
        proxy.add("endDate", _partial(participant, "end_date"), cleaned=True)
        _add_proof(proxy, participant.shown_evidence)
        yield proxy


def _deployments(verified_only: bool) -> Iterator[EntityProxy]:
    deployments = (
        visible(Deployment.objects.all(), verified_only=verified_only)
        .select_related("item", "state", "conflict")
        .prefetch_related(_evidence(verified_only=verified_only))
    )
    for deployment in _by_key(deployments, "slug"):
        proxy = _make("UnknownLink", entity_id("deployment", deployment.slug))
        proxy.add("subject", state_id(deployment.state.code), cleaned=True)
        proxy.add("object", item_id(deployment.item.slug), cleaned=True)
        proxy.add("role", f"used in {deployment.conflict.name}")
        proxy.add("startDate", _partial(deployment, "start_date"), cleaned=True)
        proxy.add("endDate", _partial(deployment, "end_date"), cleaned=True)
        _add_text(proxy, "description", deployment.note)
        _add_proof(proxy, deployment.shown_evidence)
        yield proxy


# Evidence on things --------------------------------------------------------------------------

#: Facts exported as FtM things, which a Documentation can link a source to: the fact field of
#: Evidence, the natural key to read through it and the id function.
DOCUMENTED_FACTS = (
    ("state", "state__code", state_id),
    ("organization", "organization__slug", organization_id),
    ("item", "item__slug", item_id),
    ("transfer", "transfer__slug", transfer_id),
    ("conflict", "conflict__slug", conflict_id),
)


def _documentation(verified_only: bool) -> Iterator[EntityProxy]:
    on_things = Q()
    for field, _key, _ in DOCUMENTED_FACTS:
        on_things |= Q(**{f"{field}__isnull": False})
    evidence = visible(Evidence.objects.filter(on_things), verified_only=verified_only)
    if verified_only:
        evidence = evidence.filter(
            Q(transfer__isnull=True) | Q(transfer__in=visible_transfers(verified_only=True))
        )
    rows = evidence.order_by("slug").values_list(
        "slug",
        "quote",
        "claim_status",
        "note",
        "source__url",
        "source__text_hash",
        *(key for _, key, _ in DOCUMENTED_FACTS),
    )
    for slug, quote, claim_status, note, url, text_hash, *keys in rows.iterator(CHUNK_SIZE):
        proxy = _make("Documentation", entity_id("evidence", slug))
        proxy.add("document", source_id(url or text_hash), cleaned=True)
        for (_field, _key, make_id), key in zip(DOCUMENTED_FACTS, keys, strict=True):
            if key is not None:
                proxy.add("entity", make_id(key), cleaned=True)
        proxy.add("role", f"evidence ({claim_status})")
        _add_text(proxy, "summary", quote)
        _add_text(proxy, "description", note)
        proxy.add("sourceUrl", url)
        yield proxy


SECTIONS = (
    _states,
    _organizations,
    _organization_relations,
    _items,
    _integrations,
    _sources,
    _transfers,
    _sanctions,
    _conflicts,
    _conflict_participants,
    _deployments,
    _documentation,
)


def ftm_entities(*, verified_only: bool = True) -> Iterator[EntityProxy]:
    """Every exportable record as FtM entities, streamed: verified records only (and only
    their visible references and evidence) unless ``verified_only`` is false."""
    for section in SECTIONS:
        yield from section(verified_only)


def ftm_problems(proxy: EntityProxy) -> list[str]:
    """What makes ``proxy`` invalid for its schema (empty when it is valid)."""
    from followthemoney.exc import InvalidData

    data = proxy.to_dict()
    problems = [
        f"{proxy.schema.name} {proxy.id}: {name} is required"
        for name in proxy.schema.required
        if not data["properties"].get(name)
    ]
    try:
        proxy.schema.validate(data)
    except InvalidData as error:
        detail = str(error.errors)  # names the property; the value may be a whole text
        problems.append(f"{proxy.schema.name} {proxy.id}: {detail[:300]}")
    return problems


__all__ = [
    "NAMESPACE",
    "RESTRICTIVE_ACTIONS",
    "entity_id",
    "ftm_entities",
    "ftm_problems",
    "visible_transfers",
]
