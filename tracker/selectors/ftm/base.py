"""What every part of the FtM export shares: ids, limits, and how values are added."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, QuerySet
from followthemoney import model
from followthemoney.proxy import EntityProxy
from followthemoney.types import registry
from followthemoney.util import make_entity_id

from ...choices import AliasKind, OrganizationKind, OrganizationRelationKind, PermitAction
from ...models import Evidence, State
from ...partial_dates import format_partial
from ...querysets import visible_evidence

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


def partial_date(record, name: str) -> str | None:
    """A partial date at its real precision (``2020``, ``2020-10``, ``2020-10-05``)."""
    return format_partial(getattr(record, name), getattr(record, f"{name}_precision")) or None


def text_pieces(text: str, limit: int) -> list[str]:
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


def add_text(proxy: EntityProxy, prop: str, text: str | None) -> None:
    """Add a long text: FtM takes at most 65,000 characters per value (a source's full text
    may be far longer), so a longer text becomes several values, in order."""
    if text:
        limit = proxy.schema.properties[prop].type.max_length
        proxy.add(prop, text_pieces(text, limit))


def make(schema: str, id_: str) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = id_
    return proxy


def by_key(queryset: QuerySet, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator:
    """Rows in natural-key order (the export is the same file twice), streamed in chunks."""
    return queryset.order_by(key).iterator(chunk_size=chunk_size)


def evidence_prefetch(*, verified_only: bool) -> Prefetch:
    """A fact's visible quotes with their sources, without the sources' texts."""
    evidence = visible_evidence(verified_only=verified_only).defer("source__text")
    return listed("evidence", evidence.order_by("slug"))


def listed(lookup: str, queryset: QuerySet) -> Prefetch:
    """Prefetch ``lookup`` into a plain list, ``shown_<lookup>`` (reading a prefetched
    ``.all()`` clones a queryset each time: costly over 30,000 deals)."""
    return Prefetch(lookup, queryset=queryset, to_attr=f"shown_{lookup}")


def add_proof(proxy: EntityProxy, evidence: Iterable[Evidence]) -> None:
    """On an interval (a link, a sanction), which Documentation cannot point at: the sources as
    ``proof`` and each quote, with its claim status, in ``summary``."""
    for piece in evidence:
        proxy.add("proof", source_id(piece.source.natural_key()[0]), cleaned=True)
        if piece.source.url:
            proxy.add("sourceUrl", piece.source.url)
        add_text(proxy, "summary", f"“{piece.quote}” ({piece.claim_status}: {piece.source})")


def party_id(record) -> str:
    return state_id(record.code) if isinstance(record, State) else organization_id(record.slug)


def party_name(record) -> str:
    return record.name if record is not None else "unknown"


def conflict_id(slug: str) -> str:
    return entity_id("conflict", slug)
