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
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from ....choices import ClaimStatus, IntegrationStatus, ItemKind, ReviewState
from ....models import Evidence, Integration, Item, ItemAlias, Source, State
from ....models.sources import normalize_text
from ....models.tombstones import Tombstone
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
        # designation (casefolded) -> ItemRef -> (number of deals, recipients' keys)
        self.by_name: dict[str, dict[ItemRef, list]] = defaultdict(dict)
        for ref, recipient in refs:
            entry = self.by_name[ref.designation.casefold()].setdefault(ref, [0, set()])
            entry[0] += 1
            if recipient:
                entry[1].add(recipient)
        self.designations: dict[str, str] = {}  # casefolded -> as written
        for refs_ in self.by_name.values():
            for ref in refs_:
                self.designations.setdefault(ref.designation.casefold(), ref.designation)
        self._keys: list[tuple[str, str]] = sorted(
            (_token_key(d), d) for d in self.designations.values()
        )

    def refs(
        self, name: str, description: str, origin: str | None, recipient: str | None = None
    ) -> list[ItemRef]:
        """The items designated ``name`` whose description is compatible, best first: the one
        the same party received, from the origin the comment gives, typed the same, most dealt."""
        found = self.by_name.get(name.casefold())
        if not found:
            return []
        wanted = platform_class(description)
        fits = [
            (ref, entry)
            for ref, entry in found.items()
            if platform_class(ref.description) == wanted
        ]
        fits.sort(
            key=lambda pair: (
                recipient is not None and recipient not in pair[1][1],
                origin is not None and pair[0].origin_state != origin,
                pair[0].description != description,
                -pair[1][0],
                pair[0].description,
                pair[0].origin_state or "",
            )
        )
        return [ref for ref, _ in fits]

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


def plan_integrations(deals: Sequence[SipriDeal], *, examples: int = EXAMPLES) -> IntegrationPlan:
    """Read every deal's comment into planned integrations (pure: no database).

    A destination is matched, in order, to the deals' items with its designation (or the
    designation without its parenthesis, or the name in it: "S-75 (SA-2)") and a compatible
    description; else to the members of the family it names among the deals' designations and
    the other platforms the comments name ("Hurkus" -> "Hurkus-B", "Hurkus-C"); else it is a new
    platform, typed and placed as the comment says ("produced in Turkey").
    """
    report = IntegrationPlanReport()
    components = {deal.identity: deal_item(deal) for deal in deals}
    index = _Index((components[d.identity], d.recipient.key) for d in deals)

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
            refs = index.refs(name, d.description, d.origin_state, item.deal.recipient.key)
            if refs:
                exact[number] = refs[0]
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
                refs = index.refs(member, description, origin) or comment_index.refs(
                    member, description, origin
                )
                if refs and refs[0] not in chosen:
                    chosen.append(refs[0])
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
            recipient = deal.recipient.key
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
            if family_name and (
                platform.designation.casefold() not in index.designations
                and (platform.designation.casefold(), platform_class(platform.description))
                not in new_platforms
            ):
                new_platforms[
                    (platform.designation.casefold(), platform_class(platform.description))
                ] = platform
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
    report.new_platforms = len(set(new_platforms.values()))
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
        new_platforms=list(dict.fromkeys(new_platforms.values())),
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
    the clause as evidence), integrations and their evidence, and the history rows of each.

    ``items`` maps each deal's ItemRef (``deal_item(deal)``) to its Item id; ``row_offsets`` maps a
    deal's identity to the offset of its row text in ``source.text``. Run inside the importer's
    transaction. Idempotent: existing integrations and quotes are kept (a new quote of an existing
    integration is added), and what a curator deleted or rejected (a tombstone) is not recreated.
    A link that would close a cycle in the assembly graph is skipped and reported.
    """
    report = IntegrationReport(plan=plan.report)
    now = timezone.now()
    state_ids = dict(
        State.objects.using(using)
        .filter(code__in={ref.origin_state for ref in plan.new_platforms if ref.origin_state})
        .values_list("code", "id")
    )

    # 1. platforms: the deals' items, else items already in the database, else new drafts
    platform_ids: dict[ItemRef, int] = {}
    wanted = [ref for ref in plan.new_platforms if ref not in items]
    existing = _existing_platforms(wanted, using)
    first_use: dict[ItemRef, PlannedIntegration] = {}
    for planned in plan.integrations:
        first_use.setdefault(planned.platform, planned)
    to_create: list[tuple[ItemRef, Item]] = []
    slugs = _free_slugs(wanted, existing, using)
    tombstoned_items = _tombstoned("tracker.item", [[slug] for slug in slugs.values()], using)
    for ref in wanted:
        if ref in existing:
            platform_ids[ref] = existing[ref]
            report.platforms_existing += 1
        elif json.dumps([slugs[ref]], ensure_ascii=False) in tombstoned_items:
            report.skipped.append(f"platform {ref.designation!r}: deleted or rejected by a curator")
        elif ref in first_use:
            to_create.append(
                (
                    ref,
                    Item(
                        slug=slugs[ref],
                        kind=ItemKind.PLATFORM,
                        name=ref.designation[:200],
                        item_type=ref.description[:120],
                        description="Named in SIPRI's comments as a platform components go into.",
                        country_of_origin_id=state_ids.get(ref.origin_state),
                        review_state=ReviewState.DRAFT,
                        created=now,
                        last_updated=now,
                    ),
                )
            )
    _bulk_create(Item, [item for _, item in to_create], using, now)
    item_quotes = []
    for ref, item in to_create:
        platform_ids[ref] = item.pk
        planned = first_use[ref]
        item_quotes.append(
            _quote(planned, row_offsets, source, now, item=item, slug_of_fact=item.slug)
        )
    report.platforms_created = len(to_create)

    def platform_id(ref: ItemRef) -> int | None:
        found = items.get(ref)
        return found if found is not None else platform_ids.get(ref)

    # 2. integrations: one per (component, platform); fitted if any deal delivered
    pairs: dict[tuple[int, int], list[PlannedIntegration]] = {}
    for planned in plan.integrations:
        component, assembly = items.get(planned.component), platform_id(planned.platform)
        if component is None or assembly is None or component == assembly:
            continue
        pairs.setdefault((component, assembly), []).append(planned)
    item_slugs = dict(
        Item.objects.using(using)
        .filter(pk__in={pk for pair in pairs for pk in pair})
        .values_list("pk", "slug")
    )
    current = {
        (c, a): (pk, slug)
        for pk, c, a, slug in Integration.objects.using(using)
        .filter(component_id__in={c for c, _ in pairs})
        .values_list("pk", "component_id", "assembly_id", "slug")
    }
    pair_slugs = {
        pair: current[pair][1]
        if pair in current
        else slugify(f"{item_slugs[pair[0]]} in {item_slugs[pair[1]]}")[:250]
        for pair in pairs
    }
    tombstoned = _tombstoned(
        "tracker.integration",
        [[slug] for pair, slug in pair_slugs.items() if pair not in current],
        using,
    )
    graph = _assembly_graph(using)
    taken = set(
        Integration.objects.using(using)
        .filter(slug__in=[slug for pair, slug in pair_slugs.items() if pair not in current])
        .values_list("slug", flat=True)
    )
    new_integrations: list[Integration] = []
    integration_of: dict[tuple[int, int], tuple[int | None, str]] = {}
    for pair, planned_list in pairs.items():
        if pair in current:
            report.integrations_existing += 1
            integration_of[pair] = current[pair]
            continue
        slug = pair_slugs[pair]
        if json.dumps([slug], ensure_ascii=False) in tombstoned:
            report.integrations_tombstoned += 1
            continue
        if _reaches(graph, start=pair[1], target=pair[0]):
            report.integrations_cyclic += 1
            report.skipped.append(
                f"line {planned_list[0].line}: {planned_list[0].component.designation} in "
                f"{planned_list[0].platform.designation} would close a cycle of assemblies"
            )
            continue
        graph[pair[0]].add(pair[1])
        slug = _unique(slug, taken, 250)
        first = planned_list[0]
        fitted = any(p.status == IntegrationStatus.FITTED for p in planned_list)
        integration = Integration(
            slug=slug,
            component_id=pair[0],
            assembly_id=pair[1],
            status=IntegrationStatus.FITTED if fitted else IntegrationStatus.PLANNED,
            note=first.note,
            review_state=ReviewState.DRAFT,
            created=now,
            last_updated=now,
        )
        new_integrations.append(integration)
        integration_of[pair] = (None, slug)
    _bulk_create(Integration, new_integrations, using, now)
    for integration in new_integrations:
        integration_of[(integration.component_id, integration.assembly_id)] = (
            integration.pk,
            integration.slug,
        )
    report.integrations_created = len(new_integrations)

    # 3. evidence: the clause of each comment, for its integration (and new platforms)
    known = set(
        Evidence.objects.using(using)
        .filter(source=source, integration_id__in=[pk for pk, _ in integration_of.values()])
        .values_list("integration_id", "start")
    )
    quotes = []
    for pair, planned_list in pairs.items():
        if pair not in integration_of:
            continue
        pk, slug = integration_of[pair]
        for planned in planned_list:
            quote = _quote(planned, row_offsets, source, now, integration_id=pk, slug_of_fact=slug)
            if (pk, quote.start) in known:
                continue
            known.add((pk, quote.start))
            quotes.append(quote)
    quotes += item_quotes
    tombstoned_quotes = _tombstoned("tracker.evidence", [[q.slug] for q in quotes], using)
    quotes = [
        q for q in quotes if json.dumps([q.slug], ensure_ascii=False) not in tombstoned_quotes
    ]
    _bulk_create(Evidence, quotes, using, now)
    report.evidence_created = len(quotes)
    return report


_HISTORY_REASON = "SIPRI import: inferred from Comments"


def _bulk_create(model, objects: list, using: str, now) -> None:
    """Insert ``objects`` and their history rows (simple-history's "+" rows), two statements."""
    if not objects:
        return
    model.objects.using(using).bulk_create(objects, batch_size=2000)
    history = model.history.model
    history.objects.using(using).bulk_create(
        [
            history(
                history_date=now,
                history_user=None,
                history_change_reason=_HISTORY_REASON,
                history_type="+",
                **{field.attname: getattr(obj, field.attname) for field in history.tracked_fields},
            )
            for obj in objects
        ],
        batch_size=2000,
    )


def _quote(
    planned: PlannedIntegration,
    row_offsets: Mapping[str, int],
    source: Source,
    now,
    *,
    slug_of_fact: str,
    item: Item | None = None,
    integration_id: int | None = None,
) -> Evidence:
    if planned.identity not in row_offsets:
        raise ValueError(f"line {planned.line}: no row offset given for deal {planned.identity!r}")
    start = row_offsets[planned.identity] + planned.clause_offset
    fact = "item" if item is not None else "integration"
    return Evidence(
        slug=slugify(f"{fact} {slug_of_fact} {source.text_hash[:10]} {start}")[:300],
        source_id=source.pk,
        quote=planned.clause,
        start=start,
        end=start + len(planned.clause),
        claim_status=ClaimStatus.REPORTED,
        note=planned.note,
        item_id=item.pk if item is not None else None,
        integration_id=integration_id,
        review_state=ReviewState.DRAFT,
        created=now,
        last_updated=now,
    )


def _tombstoned(model: str, keys: list[list[str]], using: str) -> set[str]:
    """The natural keys (as JSON, like ``Tombstone.key_of``) among ``keys`` that are
    tombstoned."""
    if not keys:
        return set()
    return set(
        Tombstone.objects.using(using)
        .filter(model=model, natural_key__in=[json.dumps(k, ensure_ascii=False) for k in keys])
        .values_list("natural_key", flat=True)
    )


def _existing_platforms(refs: list[ItemRef], using: str) -> dict[ItemRef, int]:
    """Items in the database that a new platform names: same designation (or alias), a
    compatible type; the exact type and a platform first."""
    if not refs:
        return {}
    names = {ref.designation.casefold() for ref in refs}
    rows = list(
        Item.objects.using(using)
        .annotate(lowered=Lower("name"))
        .filter(lowered__in=names)
        .values_list("pk", "name", "item_type", "kind")
    ) + list(
        ItemAlias.objects.using(using)
        .annotate(lowered=Lower("name"))
        .filter(lowered__in=names)
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


def _free_slugs(refs: list[ItemRef], existing: Mapping[ItemRef, int], using: str) -> dict:
    """A slug for each new platform: its designation, else designation and type, else numbered;
    never one the database or another new platform has."""
    wanted = [ref for ref in refs if ref not in existing]
    bases = {ref: slugify(ref.designation)[:120] or "platform" for ref in wanted}
    longer = {ref: slugify(f"{ref.designation} {ref.description}")[:120] for ref in wanted}
    taken = set(
        Item.objects.using(using)
        .filter(slug__in={*bases.values(), *longer.values()})
        .values_list("slug", flat=True)
    )
    slugs = {}
    for ref in wanted:
        if bases[ref] not in taken:
            slug = bases[ref]
        elif longer[ref] and longer[ref] not in taken:
            slug = longer[ref]
        else:
            slug = _unique(longer[ref] or bases[ref], taken | _numbered(longer[ref], using), 120)
        taken.add(slug)
        slugs[ref] = slug
    return slugs


def _numbered(base: str, using: str) -> set[str]:
    return set(
        Item.objects.using(using).filter(slug__startswith=base).values_list("slug", flat=True)
    )


def _unique(slug: str, taken: set[str], length: int) -> str:
    if slug not in taken:
        taken.add(slug)
        return slug
    number = 2
    while (candidate := f"{slug[: length - 1 - len(str(number))]}-{number}") in taken:
        number += 1
    taken.add(candidate)
    return candidate


def _assembly_graph(using: str) -> dict[int, set[int]]:
    """component -> the assemblies it is fitted to, for the whole table (a few thousand rows)."""
    graph: dict[int, set[int]] = defaultdict(set)
    for component, assembly in Integration.objects.using(using).values_list(
        "component_id", "assembly_id"
    ):
        graph[component].add(assembly)
    return graph


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
