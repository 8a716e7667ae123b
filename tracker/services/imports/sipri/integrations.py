"""Components into platforms: the integrations SIPRI's Comments imply, as drafts for review.

"Pratt & Whitney Canada PT-6A-68T (1600hp) turboprop; for 15 Hurkus-B trainer aircraft produced
in Turkey" says that the deal's item (the PT-6A-68T) is fitted to the Hurkus-B, a platform from
Turkey. ``plan_integrations`` reads every deal's comment into such links (pure Python, no
database); ``load_integrations`` writes them, set-wise, inside the importer's transaction: draft
platform items that do not exist yet, draft integrations and draft evidence quoting the clause of
the comment, located by offset in the stored source text.

Families: a comment may name a family ("Hurkus") where the deals use designations ("Hurkus-C").
The plan links the component to the members of the family found in the file (those the same
recipient received, else all), each link a draft integration whose note names the family and the
members matched, with the comment's clause as its draft evidence: the source's review queue shows
"PT-6A-68T in Hurkus-C" beside the quoted "for Hurkus trainer/combat aircraft from Turkey". A
curator accepts the link, or rejects it (the tombstone keeps later imports from bringing it back).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from ....choices import ClaimStatus, IntegrationStatus, ItemKind, ReviewState
from ....models import Evidence, Integration, Item, ItemAlias, Source, State
from ....models.sources import normalize_text
from ....models.tombstones import Tombstone
from .bulk import history_insert, insert_rows, reserve_ids
from .comments import (
    Destination,
    ItemRef,
    deal_item,
    destinations,
    family_candidates,
    mentions_destination,
)
from .records import SipriDeal

#: How many left comments the report keeps as examples.
EXAMPLES = 20


@dataclass(frozen=True, slots=True)
class PlannedIntegration:
    """One component -> platform link read from one deal's comment.

    ``platform`` is the ItemRef of a deal in the same file when the comment names a designation
    the file has (the importer maps it to its item), else a new platform listed in
    ``IntegrationPlan.new_platforms``. ``clause`` is the words of the comment verbatim as they
    stand in ``deal.text`` at ``clause_offset`` (the evidence quote). ``family`` is the family the
    comment names when the platform was matched through it ("Hurkus" -> "Hurkus-C"), with every
    member matched in ``members``.
    """

    identity: str  # the deal's identity
    line: int
    component: ItemRef
    platform: ItemRef
    status: IntegrationStatus
    count: int | None
    clause: str
    clause_offset: int
    family: str | None = None
    members: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        """The integration's note, telling curators how it was inferred."""
        note = f"Read from SIPRI's comment on the deal at line {self.line}: {self.clause!r}."
        if self.family:
            note += (
                f" The comment names the family {self.family!r}; matched "
                f"{', '.join(self.members)}. Verify, or reject if this member is not meant."
            )
        return note


@dataclass(frozen=True, slots=True)
class LeftComment:
    """A comment that names a destination the plan did not turn into an integration."""

    line: int
    identity: str
    comments: str
    reason: str


@dataclass
class IntegrationPlanReport:
    """What the plan made of the comments.

    ``mentioning == turned + left``: a comment mentioning a destination platform (a "for ..."
    clause naming a platform type) is either turned into at least one integration or left, with
    examples (line number and reason).
    """

    mentioning: int = 0
    turned: int = 0
    left: int = 0
    integrations: int = 0
    family_matches: int = 0  # planned integrations matched through a family name
    new_platforms: int = 0
    left_reasons: dict[str, int] = field(default_factory=dict)  # reason -> comments left
    examples: list[LeftComment] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.mentioning == self.turned + self.left


@dataclass
class IntegrationPlan:
    """The integrations read from a file's comments, the new platforms they need, and a report."""

    integrations: list[PlannedIntegration]
    new_platforms: list[ItemRef]  # platforms named in comments that no deal of the file has
    report: IntegrationPlanReport


@dataclass
class IntegrationReport:
    """What ``load_integrations`` wrote (and what it kept or skipped), with the plan's report."""

    plan: IntegrationPlanReport
    platforms_created: int = 0
    platforms_existing: int = 0
    integrations_created: int = 0
    integrations_existing: int = 0
    integrations_tombstoned: int = 0  # deleted or rejected by a curator: not recreated
    integrations_cyclic: int = 0  # would close a cycle in the assembly graph: skipped
    integrations_unresolved: int = 0  # the component's or platform's item is not loaded
    evidence_created: int = 0
    skipped: list[str] = field(default_factory=list)  # why links were skipped, for the summary


_SHIP = re.compile(
    r"\b(?:carrier|frigate|FAC|destroyer|corvette|submarine|OPV|craft|AALS|ship|cruiser|"
    r"minelayer|minesweeper|minehunter|tanker|tug|MCM|gunboat|boat|vessel)s?$",
    re.IGNORECASE,
)
_VEHICLE = re.compile(
    r"\b(?:APC|IFV|APV|ALV|AFSV|ARV|AEV|AMV|AV|tank|tank destroyer|tank chassis|vehicle|"
    r"armoured car|bridgelayer)s?\b|^self-propelled\b",
    re.IGNORECASE,
)
_GUN = re.compile(r"\b(?:gun|MRL|mortar)s?$", re.IGNORECASE)
_PARENS = re.compile(r"\s*\(([^()]*)\)")


@cache
def platform_class(description: str) -> str:
    """A coarse class of a platform description, for telling whether a comment's "frigates"
    may be a deal's "corvette" (SIPRI's comments and deals sometimes type a ship differently) but
    not its "combat aircraft"."""
    text = description.strip()
    if _SHIP.search(text):
        return "ship"
    lowered = text.casefold()
    if lowered.endswith("aircraft"):
        return "aircraft"
    if "helicopter" in lowered:
        return "helicopter"
    if "uav" in lowered:
        return "uav"
    if _VEHICLE.search(text):
        return "vehicle"
    if lowered.endswith("system"):
        return "system:" + ("sam" if "sam" in lowered else lowered)
    if _GUN.search(text):
        return "gun"
    return lowered


def _names(designation: str) -> list[str]:
    """The names a comment's designation stands for: itself, then without its parenthesis, then
    what the parenthesis holds ("S-75 (SA-2)" -> "S-75 (SA-2)", "S-75", "SA-2")."""
    names = [designation]
    bare = _PARENS.sub("", designation).strip()
    if bare and bare != designation:
        names.append(bare)
    names += [inner.strip() for inner in _PARENS.findall(designation) if inner.strip()]
    return names


def _balanced(text: str) -> bool:
    return text.count("(") == text.count(")")


def _status(deal: SipriDeal) -> IntegrationStatus:
    """Fitted once the deal delivered anything; planned while nothing is delivered."""
    if deal.number_delivered or deal.delivery_years or deal.deliveries:
        return IntegrationStatus.FITTED
    return IntegrationStatus.PLANNED


class _Index:
    """Items by designation (casefolded), with the parties that received them, and a prefix
    search on word tokens for families."""

    def __init__(self, refs: Iterable[tuple[ItemRef, str | None]]):
        # designation (casefolded) -> ItemRef -> [number of deals, recipients]
        self.by_name: dict[str, dict[ItemRef, list]] = defaultdict(dict)
        for (ref, recipient), deals in Counter(refs).items():
            entry = self.by_name[ref.designation.casefold()].get(ref)
            if entry is None:
                entry = self.by_name[ref.designation.casefold()][ref] = [0, set()]
            entry[0] += deals
            if recipient:
                entry[1].add(recipient)
        self.designations: dict[str, str] = {
            name: next(iter(refs_)).designation for name, refs_ in self.by_name.items()
        }  # casefolded -> as written
        self._keys: list[tuple[str, str]] = sorted(
            (_token_key(d), d) for d in self.designations.values()
        )

    def best(
        self, name: str, description: str, origin: str | None, recipient: str | None = None
    ) -> ItemRef | None:
        """The item designated ``name`` with a compatible description that fits best: the one
        the same party received, from the origin the comment gives, typed the same, most dealt."""
        found = self.by_name.get(name.casefold())
        if not found:
            return None
        wanted = platform_class(description)
        fits = [
            (
                recipient is not None and recipient not in entry[1],
                origin is not None and ref.origin_state != origin,
                ref.description != description,
                -entry[0],
                ref.description,
                ref.origin_state or "",
                ref,
            )
            for ref, entry in found.items()
            if platform_class(ref.description) == wanted
        ]
        return min(fits, key=lambda fit: fit[:6])[6] if fits else None

    def received_by(self, ref: ItemRef, recipient: str) -> bool:
        entry = self.by_name.get(ref.designation.casefold(), {}).get(ref)
        return entry is not None and recipient in entry[1]

    def prefixed(self, name: str) -> list[str]:
        """Designations whose word tokens start with ``name``'s: the candidates of a family
        (``family_candidates`` decides)."""
        key = _token_key(name)
        if not key:
            return []
        found = []
        for token_key, designation in self._keys[bisect_left(self._keys, (key, "")) :]:
            if not token_key.startswith(key):
                break
            found.append(designation)
        return found


_TOKEN = re.compile(r"[0-9a-z]+")


def _token_key(text: str) -> str:
    """Word tokens joined by a separator that sorts first: a family's key is a prefix of each
    member's ("hurkus" of "hurkus\x00b", "f\x0016" of "f\x0016c")."""
    return "\x00".join(_TOKEN.findall(text.casefold()))


@dataclass
class _Pending:
    deal: SipriDeal
    component: ItemRef
    destination: Destination
    clause: str
    offset: int


def plan_integrations(
    deals: Sequence[SipriDeal],
    *,
    deal_items: Mapping[str, ItemRef] | None = None,
    examples: int = EXAMPLES,
) -> IntegrationPlan:
    """Read every deal's comment into planned integrations (pure: no database).

    A destination is matched, in order, to the deals' items with its designation (or the
    designation without its parenthesis, or the name in it: "S-75 (SA-2)") and a compatible
    description; else to the members of the family it names among the deals' designations and
    the other platforms the comments name ("Hurkus" -> "Hurkus-B", "Hurkus-C"); else it is a new
    platform, typed and placed as the comment says ("produced in Turkey").

    ``deal_items`` (deal identity -> ``deal_item(deal)``) spares recomputing what the importer
    already has; ``examples`` bounds the left comments the report keeps.
    """
    report = IntegrationPlanReport()
    components = (
        deal_items if deal_items is not None else {deal.identity: deal_item(deal) for deal in deals}
    )
    index = _Index((components[d.identity], d.recipient.written) for d in deals)

    pending: list[_Pending] = []
    reasons: dict[str, str] = {}  # deal identity -> why its comment was left
    mentioning: list[SipriDeal] = []
    for deal in deals:
        if "for" not in deal.comments.casefold():  # every destination is a "for ..." clause
            continue
        found = destinations(deal.comments)
        if not found and not mentions_destination(deal.comments):
            continue
        mentioning.append(deal)
        if not found:
            reasons[deal.identity] = "no platform designation read from the 'for ...' clause"
            continue
        component = components[deal.identity]
        text = normalize_text(deal.text)
        for destination in found:
            if not _balanced(destination.designation):
                reasons.setdefault(
                    deal.identity, "the platform's designation has unbalanced brackets"
                )
                continue
            # offsets count in the stored (normalised) text, as the source's quotes do
            clause = normalize_text(destination.text)
            offset = text.find(clause)
            if offset < 0:
                reasons.setdefault(deal.identity, "the clause is not verbatim in the row")
                continue
            pending.append(_Pending(deal, component, destination, clause, offset))

    # 1. exact designations among the deals' items
    exact: dict[int, ItemRef] = {}
    unresolved: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number, item in enumerate(pending):
        d = item.destination
        for name in _names(d.designation):
            ref = index.best(name, d.description, d.origin_state, item.deal.recipient.written)
            if ref is not None:
                exact[number] = ref
                break
        else:
            unresolved[(d.designation.casefold(), platform_class(d.description))].append(number)

    # 2. families: members among the deals' designations and the platforms only comments name
    # (those that are not families themselves)
    comment_only = {key[0]: pending[numbers[0]].destination for key, numbers in unresolved.items()}
    comment_index = _Index((_new_platform(d), None) for d in comment_only.values())

    def members(designation: str, description: str, origin: str | None) -> list[ItemRef]:
        chosen: list[ItemRef] = []
        for name in _names(designation)[:2]:
            candidates = index.prefixed(name) + [
                c for c in comment_index.prefixed(name) if c.casefold() != designation.casefold()
            ]
            for member in family_candidates(name, candidates):
                ref = index.best(member, description, origin) or comment_index.best(
                    member, description, origin
                )
                if ref is not None and ref not in chosen:
                    chosen.append(ref)
            if chosen:
                break
        return chosen

    family: dict[tuple[str, str], list[ItemRef]] = {}
    for key, numbers in unresolved.items():
        d = pending[numbers[0]].destination
        found = members(d.designation, d.description, d.origin_state)
        # a member only comments name must itself be a platform, not another family
        family[key] = [
            ref
            for ref in found
            if ref.designation.casefold() in index.designations
            or not members(ref.designation, ref.description, ref.origin_state)
        ]

    # 3. the rest: new platforms, one per designation and class, typed by the first comment
    new_platforms: dict[tuple[str, str], ItemRef] = {}
    integrations: list[PlannedIntegration] = []
    seen: set[tuple[str, ItemRef, ItemRef]] = set()
    turned: set[str] = set()

    def new_platform(destination: Destination) -> ItemRef:
        key = (destination.designation.casefold(), platform_class(destination.description))
        ref = new_platforms.get(key)
        if ref is None:
            ref = new_platforms[key] = _new_platform(comment_only.get(key[0], destination))
        return ref

    for number, item in enumerate(pending):
        d, deal = item.destination, item.deal
        key = (d.designation.casefold(), platform_class(d.description))
        if number in exact:
            platforms, family_name = [exact[number]], None
        elif family.get(key):
            # the members this recipient received, if any: Chad's Hurkus is its Hurkus-C
            recipient = deal.recipient.written
            platforms = [ref for ref in family[key] if index.received_by(ref, recipient)]
            platforms, family_name = platforms or family[key], d.designation
        else:
            platforms, family_name = [new_platform(d)], None
        names = tuple(ref.designation for ref in platforms)
        for platform in platforms:
            if platform == item.component or (
                platform.designation.casefold() == item.component.designation.casefold()
            ):
                reasons.setdefault(deal.identity, "the platform is the deal's own item")
                continue
            marker = (deal.identity, item.component, platform)
            if marker in seen:
                continue
            seen.add(marker)
            integrations.append(
                PlannedIntegration(
                    identity=deal.identity,
                    line=deal.line,
                    component=item.component,
                    platform=platform,
                    status=_status(deal),
                    count=d.count,
                    clause=item.clause,
                    clause_offset=item.offset,
                    family=family_name,
                    members=names if family_name else (),
                )
            )
            turned.add(deal.identity)
            if family_name:
                report.family_matches += 1

    report.mentioning = len(mentioning)
    report.turned = len(turned)
    report.left = report.mentioning - report.turned
    report.integrations = len(integrations)
    # the platforms no deal of the file has: named in comments, directly or as family members
    deal_refs = set(components.values())
    planned_platforms = [
        ref for ref in dict.fromkeys(p.platform for p in integrations) if ref not in deal_refs
    ]
    report.new_platforms = len(planned_platforms)
    # examples of every reason in turn, so a rare reason is not hidden behind a common one
    left_by_reason: dict[str, list[LeftComment]] = defaultdict(list)
    for deal in mentioning:
        if deal.identity not in turned:
            reason = reasons.get(deal.identity, "no platform read")
            left_by_reason[reason].append(
                LeftComment(deal.line, deal.identity, deal.comments, reason)
            )
    report.left_reasons = {reason: len(left) for reason, left in left_by_reason.items()}
    queues = list(left_by_reason.values())
    while queues and len(report.examples) < examples:
        for queue in queues:
            if queue and len(report.examples) < examples:
                report.examples.append(queue.pop(0))
        queues = [queue for queue in queues if queue]
    report.examples.sort(key=lambda example: example.line)
    return IntegrationPlan(
        integrations=integrations,
        new_platforms=planned_platforms,
        report=report,
    )


def _new_platform(destination: Destination) -> ItemRef:
    return ItemRef(
        destination.designation,
        destination.description,
        None,
        destination.origin_state,
        generic=False,
        inferred=True,
    )


def load_integrations(
    plan: IntegrationPlan,
    *,
    items: Mapping[ItemRef, int],
    row_offsets: Mapping[str, int],
    source: Source,
    using: str = "default",
) -> IntegrationReport:
    """Write the plan as drafts, set-wise: new platform items (with the comment's origin state and
    the clause as evidence), integrations and their evidence, and the first history row of each.

    ``items`` maps each deal's ItemRef (``deal_item(deal)``) to its Item id; ``row_offsets`` maps a
    deal's identity to the offset of its row text in ``source.text``. Run inside the importer's
    transaction. A fixed number of queries whatever the plan's size. Idempotent: existing
    integrations and quotes are kept (a new quote of an existing integration is added), and what
    a curator deleted or rejected (a tombstone) is not recreated. A link that would close a cycle
    in the assembly graph is skipped and reported.
    """
    report = IntegrationReport(plan=plan.report)
    now = timezone.now()
    missing = sorted({p.line for p in plan.integrations if p.identity not in row_offsets})
    if missing:
        raise ValueError(f"no row offset given for the deals at lines {missing[:10]}")

    # 1. platforms: the deals' items, else items already in the database, else new drafts
    wanted = [ref for ref in plan.new_platforms if ref not in items]
    existing = _existing_platforms(wanted, using)
    report.platforms_existing = len(existing)
    first_use: dict[ItemRef, PlannedIntegration] = {}
    for planned in plan.integrations:
        first_use.setdefault(planned.platform, planned)
    new = [ref for ref in wanted if ref not in existing and ref in first_use]
    item_slugs = dict(Item.objects.using(using).values_list("pk", "slug"))
    slugs = _free_slugs(new, set(item_slugs.values()))
    tombstoned_items = _tombstoned("tracker.item", using)
    for ref in new:
        if _key(slugs[ref]) in tombstoned_items:
            report.skipped.append(f"platform {ref.designation!r}: deleted or rejected by a curator")
    new = [ref for ref in new if _key(slugs[ref]) not in tombstoned_items]
    state_ids = dict(
        State.objects.using(using)
        .filter(code__in={ref.origin_state for ref in new if ref.origin_state})
        .values_list("code", "id")
    )
    platform_ids = dict(existing)
    platform_ids.update(zip(new, reserve_ids(Item, len(new), using=using), strict=True))
    item_slugs.update((platform_ids[ref], slugs[ref]) for ref in new)
    draft = {"review_state": ReviewState.DRAFT.value, "created": now, "last_updated": now}
    _insert(
        Item,
        [
            {
                **draft,
                "id": platform_ids[ref],
                "slug": slugs[ref],
                "kind": ItemKind.PLATFORM.value,
                "name": ref.designation[:200],
                "item_type": ref.description[:120],
                "description": "A platform SIPRI's comments name as the destination of components.",
                "country_of_origin_id": state_ids.get(ref.origin_state),
            }
            for ref in new
        ],
        using,
        now,
    )
    report.platforms_created = len(new)

    def platform_id(ref: ItemRef) -> int | None:
        found = items.get(ref)
        return found if found is not None else platform_ids.get(ref)

    # 2. integrations: one per (component, platform); fitted if any of its deals delivered
    pairs: dict[tuple[int, int], list[PlannedIntegration]] = {}
    for planned in plan.integrations:
        component, assembly = items.get(planned.component), platform_id(planned.platform)
        if component is None or assembly is None:
            report.integrations_unresolved += 1
            continue
        if component == assembly:
            continue
        pairs.setdefault((component, assembly), []).append(planned)
    # the whole table (thousands of rows): the pairs there, their slugs and the graph
    current, taken = {}, set()
    graph: dict[int, set[int]] = defaultdict(set)
    for pk, c, a, slug in Integration.objects.using(using).values_list(
        "pk", "component_id", "assembly_id", "slug"
    ):
        current[(c, a)] = (pk, slug)
        taken.add(slug)
        graph[c].add(a)
    fresh = [pair for pair in pairs if pair not in current]
    pair_slugs = {
        pair: slugify(f"{item_slugs[pair[0]]} in {item_slugs[pair[1]]}")[:250] for pair in fresh
    }
    tombstoned = _tombstoned("tracker.integration", using)
    integration_of = dict(current)
    report.integrations_existing = len(pairs) - len(fresh)
    rows = []
    for pair in fresh:
        planned_list = pairs[pair]
        if _key(pair_slugs[pair]) in tombstoned:
            report.integrations_tombstoned += 1
            continue
        if _reaches(graph, start=pair[1], target=pair[0]):
            first = planned_list[0]
            report.integrations_cyclic += 1
            report.skipped.append(
                f"line {first.line}: {first.component.designation} in "
                f"{first.platform.designation} would close a cycle of assemblies"
            )
            continue
        graph[pair[0]].add(pair[1])
        fitted = any(p.status == IntegrationStatus.FITTED for p in planned_list)
        rows.append(
            {
                **draft,
                "slug": _unique(pair_slugs[pair], taken, 250),
                "component_id": pair[0],
                "assembly_id": pair[1],
                "status": (IntegrationStatus.FITTED if fitted else IntegrationStatus.PLANNED).value,
                "note": planned_list[0].note,
            }
        )
    for row, pk in zip(rows, reserve_ids(Integration, len(rows), using=using), strict=True):
        row["id"] = pk
        integration_of[(row["component_id"], row["assembly_id"])] = (pk, row["slug"])
    _insert(Integration, rows, using, now)
    report.integrations_created = len(rows)

    # 3. evidence: each comment's clause, for its integration (and for the new platform)
    known = set(
        Evidence.objects.using(using)
        .filter(source_id=source.pk, integration__isnull=False)
        .values_list("integration_id", "start")
    )
    quotes = []
    for pair, planned_list in pairs.items():
        if pair not in integration_of:
            continue
        pk, slug = integration_of[pair]
        for planned in planned_list:
            start = row_offsets[planned.identity] + planned.clause_offset
            if (pk, start) not in known:
                known.add((pk, start))
                quotes.append(_quote(planned, start, source, draft, "integration", pk, slug))
    for ref in new:
        planned = first_use[ref]
        start = row_offsets[planned.identity] + planned.clause_offset
        quotes.append(_quote(planned, start, source, draft, "item", platform_ids[ref], slugs[ref]))
    tombstoned_quotes = _tombstoned("tracker.evidence", using)
    quotes = [q for q in quotes if _key(q["slug"]) not in tombstoned_quotes]
    for quote, pk in zip(quotes, reserve_ids(Evidence, len(quotes), using=using), strict=True):
        quote["id"] = pk
    _insert(Evidence, quotes, using, now)
    report.evidence_created = len(quotes)
    return report


_HISTORY_REASON = "SIPRI import: read from Comments"


@cache
def _defaults(model) -> tuple[tuple[str, object], ...]:
    """Each concrete field's attribute name and default, in table order (``bulk.columns``)."""
    return tuple((f.attname, f.get_default()) for f in model._meta.concrete_fields)


def _insert(model, records: list[dict], using: str, now) -> None:
    """Insert ``records`` (column values by attribute name, ids reserved; the other columns take
    their defaults) and their first history rows: one COPY or executemany, one INSERT SELECT."""
    if not records:
        return
    defaults = _defaults(model)
    rows = [tuple(record.get(name, default) for name, default in defaults) for record in records]
    insert_rows(model, rows, using=using)
    history_insert(
        model,
        [record["id"] for record in records],
        reason=_HISTORY_REASON,
        user_id=None,
        when=now,
        using=using,
    )


def _quote(planned, start, source, draft, fact, fact_id, fact_slug) -> dict:
    """A draft quote of ``planned``'s clause at ``start`` in the source, for one fact."""
    return {
        **draft,
        "slug": slugify(f"{fact} {fact_slug} {source.text_hash[:10]} {start}")[:300],
        "source_id": source.pk,
        "quote": planned.clause,
        "start": start,
        "end": start + len(planned.clause),
        "claim_status": ClaimStatus.REPORTED.value,
        "note": planned.note,
        f"{fact}_id": fact_id,
    }


def _key(slug: str) -> str:
    """A natural key of one slug as ``Tombstone`` stores it."""
    return json.dumps([slug], ensure_ascii=False)


def _tombstoned(model: str, using: str) -> set[str]:
    """The natural keys (JSON, as ``Tombstone.key_of`` writes them) of ``model``'s tombstones:
    the whole (small) set, cheaper than matching thousands of keys in an IN list."""
    return set(
        Tombstone.objects.using(using).filter(model=model).values_list("natural_key", flat=True)
    )


def _existing_platforms(refs: list[ItemRef], using: str) -> dict[ItemRef, int]:
    """Items in the database that a new platform names: same designation (or alias), a
    compatible type; the exact type and a platform first."""
    if not refs:
        return {}
    names = {ref.designation.casefold() for ref in refs}
    # LOWER() folds ASCII only on SQLite: also ask for the names as written
    written = {ref.designation for ref in refs}
    rows = list(
        Item.objects.using(using)
        .annotate(lowered=Lower("name"))
        .filter(Q(lowered__in=names) | Q(name__in=written))
        .values_list("pk", "name", "item_type", "kind")
    ) + list(
        ItemAlias.objects.using(using)
        .annotate(lowered=Lower("name"))
        .filter(Q(lowered__in=names) | Q(name__in=written))
        .values_list("item_id", "name", "item__item_type", "item__kind")
    )
    by_name: dict[str, list] = defaultdict(list)
    for pk, name, item_type, kind in rows:
        by_name[name.casefold()].append((pk, item_type, kind))
    found: dict[ItemRef, int] = {}
    for ref in refs:
        wanted = platform_class(ref.description)
        fits = [
            (item_type != ref.description, kind != ItemKind.PLATFORM, pk)
            for pk, item_type, kind in by_name.get(ref.designation.casefold(), [])
            if platform_class(item_type) == wanted
        ]
        if fits:
            found[ref] = min(fits)[2]
    return found


def _free_slugs(wanted: list[ItemRef], taken: set[str]) -> dict[ItemRef, str]:
    """A slug for each new platform: its designation, else designation and type, else numbered;
    never one in ``taken`` (the database's), which gets the new ones."""
    slugs = {}
    for ref in wanted:
        base = slugify(ref.designation)[:120] or "platform"
        longer = slugify(f"{ref.designation} {ref.description}")[:120]
        slug = base if base not in taken else _unique(longer or base, taken, 120)
        taken.add(slug)
        slugs[ref] = slug
    return slugs


def _unique(slug: str, taken: set[str], length: int) -> str:
    if slug not in taken:
        taken.add(slug)
        return slug
    number = 2
    while (candidate := f"{slug[: length - 1 - len(str(number))]}-{number}") in taken:
        number += 1
    taken.add(candidate)
    return candidate


def _reaches(graph: Mapping[int, set[int]], *, start: int, target: int) -> bool:
    """Whether ``target`` is ``start`` or an assembly ``start`` is fitted to, transitively."""
    seen, frontier = {start}, [start]
    while frontier:
        node = frontier.pop()
        if node == target:
            return True
        for up in graph.get(node, ()):
            if up not in seen:
                seen.add(up)
                frontier.append(up)
    return False
