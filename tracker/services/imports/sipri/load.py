"""Load a SIPRI export into the database: ``sipri_import``.

One transaction, set-based: the reader's deals become plain tuples that are COPY'd (PostgreSQL)
or inserted with executemany (SQLite) straight into the tables, with their first history rows
written by one INSERT ... SELECT per table. Per deal:

- its sides: a state (resolved by SIPRI's name through ``names.py`` and the database's State
  names and aliases), a non-state party (an Organization: armed group, international organisation
  or rival government, its ``country`` the state it operates in), or unknown;
- its item (the weapon model, ``comments.deal_item``): matched to an existing item by designation
  and description (and, for a generic item, its supplier state), else created;
- one Transfer, keyed by a slug built from SIPRI's identity of the deal across releases (the deal
  id, or in the classic format the hash of recipient, supplier, order year, designation and
  description plus the occurrence among rows sharing them); ``external_id`` is the row's identity;
- one Evidence quoting the deal's row(s) verbatim at their offset in the release's Source (the
  whole file's text), claim status "reported".

Reloading follows the reload rule (``tracker.services.reload``) with the same ledger
(``LoadedRecord``, source ``sipri-arms-transfers``): each deal's values are hashed; a deal whose
hash equals the ledger's is unchanged and costs nothing; a changed deal is compared field by
field (a field a curator changed keeps the curator's value and is reported as a conflict);
tombstoned or deleted deals are not recreated; a deal the previous release of the same scope had
and this one lacks gets ``withdrawn_by_source`` = this release's Source, if this release is newer
(a deal quoted from a release of the same day or later is still listed by SIPRI). A deal the
release lists but whose row is rejected is not withdrawn; a rejected row that names no deal
(wrong column count, no deal id) stops all withdrawal for that import (said in the summary).

Review: a verified fact needs a verified quote and verified references. So a verified deal does
not take changes that rest on drafts: a ``--draft`` import changes no verified deal, a verifying
import does not point one at a draft item or party; the changes are kept back, reported
(``summary.held``) and compared again by the next import. A verifying import verifies the
existing draft deals (and their quotes of the release) that only an import made drafts, once
nothing they refer to is a draft; an existing draft state, party or item carrying a draft quote
stays a draft, and so do its deals.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import re
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from os import PathLike

import orjson
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.text import slugify

from ....choices import (
    ClaimStatus,
    DatePrecision,
    OrganizationKind,
    ReviewState,
    SourceKind,
    StateStatus,
    TransferSide,
    TransferStatus,
)
from ....models import (
    ControlListCategory,
    Evidence,
    Item,
    LoadedRecord,
    Organization,
    Source,
    State,
    StateAlias,
    Transfer,
    TransferDelivery,
)
from ....models.sources import normalize_text, text_hash
from ....models.tombstones import Tombstone
from .bulk import columns, history_insert, insert_rows, reserve_ids
from .categories import description_category
from .comments import ItemRef, deal_item
from .integrations import load_integrations, plan_integrations
from .kinds import description_kind
from .names import SIPRI_STATE_CODES, USER_ASSIGNED_STATES, Party, PartyKind
from .reader import sipri_read
from .records import Problem, SipriDeal, SipriRead

LEDGER_SOURCE = "sipri-arms-transfers"
TRANSFER_LABEL = "tracker.transfer"
DIGEST = "__digest__"
SCOPE = "__release__"
SIPRI_CITATION = (
    "SIPRI Arms Transfers Database, Stockholm International Peace Research Institute, "
    "https://www.sipri.org/databases/armstransfers"
)
EXAMPLES = 20

PARTY_KINDS = {
    PartyKind.ARMED_GROUP: OrganizationKind.ARMED_GROUP,
    PartyKind.INTERNATIONAL_ORGANISATION: OrganizationKind.INTERNATIONAL_ORGANIZATION,
    PartyKind.RIVAL_GOVERNMENT: OrganizationKind.RIVAL_GOVERNMENT,
}
# The transfer fields a SIPRI deal sets: compared with the ledger, field by field.
LEDGER_FIELDS = (
    "external_id",
    "supplier_kind",
    "supplier",
    "supplier_party",
    "recipient_kind",
    "recipient",
    "recipient_party",
    "item",
    "quantity",
    "quantity_estimated",
    "quantity_delivered",
    "quantity_delivered_estimated",
    "status",
    "condition",
    "order_date",
    "order_date_precision",
    "order_date_estimated",
    "delivery_date",
    "delivery_date_precision",
    "delivery_end_date",
    "delivery_end_date_precision",
    "delivery_dates_estimated",
    "tiv_per_unit",
    "tiv_total_order",
    "tiv_delivered",
    "comments",
    "withdrawn_by_source",
)
DELIVERIES = "deliveries"  # ledger key of the per-year deliveries (deal-id format)
_FOUR_PLACES = Decimal("0.0001")


class SipriImportError(Exception):
    """The import stopped (nothing was written): each problem names the line, field and value."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"Nothing was imported: {len(problems)} problem(s)\n{shown}{more}")


@dataclass
class Counts:
    created: int = 0
    existing: int = 0
    verified: int = 0  # existing drafts verified with the deals that use them


@dataclass
class ImportSummary:
    """What an import did. ``deals_read == imported + unchanged + reported`` always holds."""

    path: str
    release: str
    format: str
    source: str
    source_created: bool
    dry_run: bool
    review: str  # "verified by USER" or "draft"
    deals_read: int = 0
    imported: int = 0  # transfers created or updated
    unchanged: int = 0
    reported: int = 0  # rejected rows + deals not recreated (tombstoned or deleted)
    transfers_created: int = 0
    transfers_updated: int = 0
    transfers_unchanged: int = 0
    transfers_skipped: int = 0
    transfers_withdrawn: int = 0
    transfers_verified: int = 0  # existing draft deals this import vouched for
    draft_deals: int = 0
    evidence_created: int = 0
    deliveries_created: int = 0
    states: Counts = field(default_factory=Counts)
    state_aliases: Counts = field(default_factory=Counts)
    parties: Counts = field(default_factory=Counts)
    items: Counts = field(default_factory=Counts)
    conflicts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    repaired: list[list[int]] = field(default_factory=list)
    draft_reasons: dict[str, int] = field(default_factory=dict)
    integrations: dict | None = None
    held: list[str] = field(default_factory=list)  # changes a verified deal did not take
    withdrawal_skipped: str = ""  # why no deal was withdrawn (rejected rows naming no deal)
    seconds: float = 0.0  # reading, loading and commit (not the process start-up)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step

    @property
    def balanced(self) -> bool:
        return self.deals_read == self.imported + self.unchanged + self.reported

    def as_dict(self) -> dict:
        data = asdict(self)
        data["balanced"] = self.balanced
        return data

    def lines(self) -> list[str]:
        def counts(name: str, c: Counts) -> str:
            extra = f", {c.verified} draft(s) verified" if c.verified else ""
            return f"{name}: {c.created} created, {c.existing} existing{extra}"

        out = [
            f"{'DRY RUN (rolled back): ' if self.dry_run else ''}SIPRI {self.format} export "
            f"{self.path}: {self.release}",
            f"source: {self.source} ({'created' if self.source_created else 'existing'}); "
            f"review: {self.review}",
            f"deals read {self.deals_read} = imported {self.imported} + unchanged "
            f"{self.unchanged} + reported {self.reported} "
            f"({'balanced' if self.balanced else 'NOT BALANCED'})",
            f"transfers: {self.transfers_created} created, {self.transfers_updated} updated, "
            f"{self.transfers_unchanged} unchanged, {self.transfers_skipped} skipped, "
            f"{self.transfers_withdrawn} withdrawn, {self.transfers_verified} drafts verified; "
            f"{self.draft_deals} imported as drafts",
            counts("states", self.states),
            counts("state aliases", self.state_aliases),
            counts("non-state parties", self.parties),
            counts("items", self.items),
            f"evidence: {self.evidence_created} created; deliveries: {self.deliveries_created} "
            "created",
            f"conflicts (kept the curator's value): {len(self.conflicts)}",
            f"rows repaired (broken across lines): {len(self.repaired)}"
            + (
                " (lines " + ", ".join("+".join(map(str, r)) for r in self.repaired) + ")"
                if self.repaired
                else ""
            ),
            f"rows rejected: {len(self.rejected)}",
            f"time: {self.seconds:.2f} s for reading, loading and commit "
            f"({self.deals_read / self.seconds if self.seconds else 0:,.0f} deals/s): "
            + ", ".join(f"{step} {seconds:.2f}" for step, seconds in self.timings.items()),
        ]
        for reason, count in sorted(self.draft_reasons.items()):
            out.append(f"  draft: {count} deal(s): {reason}")
        out += [f"  rejected: {r}" for r in self.rejected]
        out.append(f"changes kept back from verified deals: {len(self.held)}")
        out += [f"  held: {h}" for h in self.held[:EXAMPLES]]
        if self.withdrawal_skipped:
            out.append(f"withdrawal skipped: {self.withdrawal_skipped}")
        out += [f"  conflict: {c}" for c in self.conflicts[:EXAMPLES]]
        if len(self.conflicts) > EXAMPLES:
            out.append(f"  ... and {len(self.conflicts) - EXAMPLES} more conflicts")
        out += [f"  skipped: {s}" for s in self.skipped[:EXAMPLES]]
        if len(self.skipped) > EXAMPLES:
            out.append(f"  ... and {len(self.skipped) - EXAMPLES} more skipped")
        if self.integrations is None:
            out.append("integrations from comments: none")
        else:
            out.append(
                "integrations from comments: "
                + ", ".join(f"{k} {v}" for k, v in self.integrations.items() if k != "examples")
            )
            out += [f"  left: {e}" for e in self.integrations.get("examples", [])]
        return out


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a deal as stored: its kind and its state code or party slug."""

    kind: str
    state: str | None = None
    party: str | None = None
    draft: str = ""  # why the side is a draft ("" when it is not)


@dataclass
class _PartyPlan:
    slug: str
    name: str
    kind: str
    country: str | None
    written: str
    draft: str


def sipri_import(
    source: str | PathLike | bytes | SipriRead,
    *,
    verified_by=None,
    create_unknown: bool = False,
    dry_run: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    path_label: str = "",
) -> ImportSummary:
    """Import a SIPRI export (a path, its bytes or what ``sipri_read`` returned).

    ``verified_by`` (a user) makes the imported records verified by that user, except what is
    inferred (items read from Comments, parties drafted with ``create_unknown``) and the deals
    using them; without it everything is a draft. Raises ``SipriImportError`` (nothing written)
    for a name no table resolves unless ``create_unknown``, and when the summary does not
    balance (a deal lost). ``dry_run`` does everything, then
    rolls back.
    """
    # The import allocates a few hundred thousand small objects that live until it ends; the
    # cyclic collector would walk all of them again and again (a tenth of the import's CPU).
    # Reference counting still frees what is dropped; the collector runs again afterwards.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _sipri_import(source, verified_by, create_unknown, dry_run, using, path_label)
    finally:
        if collecting:
            gc.enable()


def _sipri_import(source, verified_by, create_unknown, dry_run, using, path_label):
    started = time.perf_counter()
    read = source if isinstance(source, SipriRead) else sipri_read(source)
    read_seconds = time.perf_counter() - started
    if not path_label:
        path_label = str(source) if isinstance(source, str | PathLike) else "(bytes)"
    with transaction.atomic(using=using):
        summary = _Import(
            read,
            verified_by=verified_by,
            create_unknown=create_unknown,
            using=using,
            path_label=path_label,
            dry_run=dry_run,
        ).run()
        if not summary.balanced:
            # checked before commit: a lost deal writes nothing
            raise SipriImportError(
                [
                    f"the summary does not balance: {summary.deals_read} deal(s) read, "
                    f"{summary.imported} imported + {summary.unchanged} unchanged + "
                    f"{summary.reported} reported"
                ]
            )
        if dry_run:
            transaction.set_rollback(True, using=using)
        committing = time.perf_counter()
    summary.seconds = time.perf_counter() - started
    summary.timings = {
        "read": round(read_seconds, 3),
        **summary.timings,
        "commit": round(time.perf_counter() - committing, 3),
    }
    return summary


def release_scope(read: SipriRead) -> str:
    """Which releases replace each other: the format and (a hash of) the title without its
    year range."""
    title = re.sub(r"[0-9]{4}", "*", read.release.title)
    return f"{read.release.format}:{hashlib.blake2b(title.encode(), digest_size=6).hexdigest()}"


class _Import:
    def __init__(self, read: SipriRead, *, verified_by, create_unknown, using, path_label, dry_run):
        self.read = read
        self.user = verified_by
        self.user_id = verified_by.pk if verified_by is not None else None
        self.verifying = verified_by is not None
        self.create_unknown = create_unknown
        self.using = using
        self.connection = connections[using]
        self.now = timezone.now()
        self.created_ids: list[int] = []
        self.rejected_slugs: set[str] = set()
        # existing drafts this import would verify but leaves drafts: they carry draft quotes
        self.unverified: dict[type, set[int]] = defaultdict(set)
        self.updated_ids: list[int] = []
        release = read.release
        when = f", data generated {release.generated_text}" if release.generated_text else ""
        self.release_label = f"{release.title}{when}"
        # history reasons hold 100 characters: name the release by its generation date
        self.reason = f"imported from SIPRI release {release.generated_text or release.title}"[:100]
        self.summary = ImportSummary(
            path=path_label,
            release=self.release_label,
            format=str(release.format),
            source="",
            source_created=False,
            dry_run=dry_run,
            review=f"verified by {verified_by}" if self.verifying else "draft",
        )

    # -- review state ---------------------------------------------------------------------------
    def review(self, draft_reason: str = "") -> tuple[str, int | None, dt.datetime | None]:
        if self.verifying and not draft_reason:
            return ReviewState.VERIFIED, self.user_id, self.now
        return ReviewState.DRAFT, None, None

    # -- the steps ------------------------------------------------------------------------------
    def run(self) -> ImportSummary:
        read, summary = self.read, self.summary
        summary.deals_read = read.report.deals_read
        summary.repaired = [list(r) for r in read.report.repaired]
        summary.rejected = [str(p) for p in read.report.problems]
        summary.reported = read.report.rejected
        clock = time.perf_counter()

        def lap(step: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            summary.timings[step] = round(now - clock, 3)
            clock = now

        sides = self.resolve_parties()
        deals = self.check_deals(sides)
        summary.reported += len(read.deals) - len(deals)
        lap("names")
        self.ensure_states(sides, deals)
        self.ensure_parties()
        self.mark_unverified_sides(sides)
        lap("states and parties")
        items = self.ensure_items(deals)
        lap("items")
        source = self.ensure_source()
        lap("source")
        self.load_transfers(deals, sides, items, source)
        lap("transfers, evidence, ledger")
        self.load_integrations(deals, items, source)
        lap("integrations")
        self.check_references()
        lap("checks")
        return summary

    # -- names ----------------------------------------------------------------------------------
    def db_names(self) -> dict[str, str]:
        """State names, official names and verified aliases, casefolded -> code."""
        index: dict[str, str] = {}
        states = State.objects.using(self.using)
        for code, name, official in states.values_list("code", "name", "official_name"):
            for value in (name, official):
                if value:
                    index.setdefault(value.casefold(), code)
        aliases = StateAlias.objects.using(self.using).filter(review_state=ReviewState.VERIFIED)
        for code, name in aliases.values_list("state__code", "name"):
            index.setdefault(name.casefold(), code)
        return index

    def resolve_parties(self) -> dict[str, Side]:
        """Each party name written in the file -> its Side; stops on names nothing resolves."""
        parties: dict[str, Party] = {}
        lines: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for deal in self.read.deals:
            for column, party in (("Supplier", deal.supplier), ("Recipient", deal.recipient)):
                if party.written not in parties:
                    parties[party.written] = party
                if party.unresolved:
                    lines[party.written].append((deal.line, column))
        db_index = self.db_names() if lines else {}
        self.parties: dict[str, _PartyPlan] = {}
        self.aliases: dict[str, str] = {}  # SIPRI spelling -> code, to add as aliases
        sides: dict[str, Side] = {}
        problems: list[str] = []
        for written, party in parties.items():
            side, missing = self.side_of(party, db_index)
            if missing and not self.create_unknown:
                for name in missing:
                    where = lines[written]
                    shown = ", ".join(f"line {line} ({column})" for line, column in where[:5])
                    more = f" and {len(where) - 5} more" if len(where) > 5 else ""
                    problems.append(
                        f"{shown}{more}: {written.strip()!r}: no state or party is known by "
                        f"the name {name!r} (add it as a State alias, or give --create-unknown "
                        "to import it as a draft party)"
                    )
                continue
            sides[written] = side
        if problems:
            raise SipriImportError(problems)
        return sides

    def side_of(self, party: Party, db_index: dict[str, str]) -> tuple[Side, list[str]]:
        if party.kind is PartyKind.UNKNOWN:
            return Side(TransferSide.UNKNOWN), []
        if party.kind is PartyKind.STATE:
            code = party.state_code or db_index.get(party.name.casefold())
            if code:
                if party.name in SIPRI_STATE_CODES:
                    self.aliases[party.name] = code
                return Side(TransferSide.STATE, state=code), []
            # a name nothing resolves: with --create-unknown, a draft party of its own
            slug = self.party_plan(
                party, OrganizationKind.OTHER, None, "a name no state table resolves"
            )
            return Side(TransferSide.NON_STATE, party=slug, draft="unknown name"), [party.name]
        codes = list(party.operates_in_codes)
        missing = []
        for name in party.unresolved:
            code = db_index.get(name.casefold())
            if code:
                codes.append(code)
            else:
                missing.append(name)
        draft = "country of a party unknown" if missing else ""
        slug = self.party_plan(party, PARTY_KINDS[party.kind], codes[0] if codes else None, draft)
        return Side(TransferSide.NON_STATE, party=slug, draft=draft), missing

    def party_plan(self, party: Party, kind: str, country: str | None, draft: str) -> str:
        slug = slugify(party.name)[:110] or "party"
        plan = self.parties.get(slug)
        if plan is not None and (plan.name, plan.country) != (party.name, country):
            slug = f"{slug}-{(country or 'xx').lower()}"
            plan = self.parties.get(slug)
        if plan is None:
            self.parties[slug] = _PartyPlan(slug, party.name, kind, country, party.written, draft)
        return slug

    # -- rules the database would refuse, reported per row -------------------------------------
    def check_deals(self, sides: dict[str, Side]) -> list[SipriDeal]:
        kept = []
        for deal in self.read.deals:
            problem = None
            supplier, recipient = sides[deal.supplier.written], sides[deal.recipient.written]
            if (
                deal.first_delivery_year is not None
                and deal.order_year is not None
                and deal.first_delivery_year < deal.order_year
            ):
                problem = Problem(
                    deal.line,
                    "Year(s) of delivery",
                    str(deal.first_delivery_year),
                    f"first delivery year is before the order year ({deal.order_year})",
                )
            elif supplier.kind != TransferSide.UNKNOWN and supplier == recipient:
                problem = Problem(
                    deal.line, "Recipient", deal.recipient.written, "same as the supplier"
                )
            if problem is None:
                kept.append(deal)
            else:
                self.summary.rejected.append(str(problem))
                self.rejected_slugs.add(_transfer_slug(deal))  # still listed: not withdrawn
        return kept

    # -- states ---------------------------------------------------------------------------------
    def ensure_states(self, sides: dict[str, Side], deals: list[SipriDeal]) -> None:
        needed = {s.state for s in sides.values() if s.state}
        needed |= {p.country for p in self.parties.values() if p.country}
        self.item_refs = [deal_item(deal) for deal in deals]
        needed |= {ref.origin_state for ref in self.item_refs if ref.origin_state}
        existing = {
            code: (pk, review)
            for code, pk, review in State.objects.using(self.using).values_list(
                "code", "id", "review_state"
            )
        }
        new = []
        for code in sorted(needed - set(existing)):
            new.append(self.new_state(code))
        review, verified_by, verified_at = self.review()
        if new:
            ids = reserve_ids(State, len(new), using=self.using)
            rows = []
            for pk, (code, alpha3, name, official, status) in zip(ids, new, strict=True):
                rows.append(
                    self.row(
                        State,
                        id=pk,
                        code=code,
                        alpha3=alpha3,
                        name=name,
                        official_name=official,
                        status=status,
                        valid_until=None,
                        valid_until_precision=None,
                        review_state=review,
                        verified_by_id=verified_by,
                        verified_at=verified_at,
                    )
                )
                existing[code] = (pk, review)
            insert_rows(State, rows, using=self.using)
            history_insert(State, ids, **self.history_args())
        self.summary.states.created = len(new)
        self.summary.states.existing = len(needed) - len(new)
        if self.verifying:
            drafts = [existing[c][0] for c in needed if existing[c][1] == ReviewState.DRAFT]
            self.summary.states.verified = self.verify(State, drafts)
        self.state_ids = {code: pk for code, (pk, _) in existing.items()}
        self.ensure_aliases()

    def new_state(self, code: str) -> tuple[str, str, str, str, str]:
        import pycountry

        if code in USER_ASSIGNED_STATES:
            s = USER_ASSIGNED_STATES[code]
            return code, "", s.name, s.official_name, StateStatus.PARTIALLY_RECOGNISED
        if code == "XK":  # by common use, as in fixtures/states.json
            return code, "XKX", "Kosovo", "Republic of Kosovo", StateStatus.PARTIALLY_RECOGNISED
        if len(code) == 2:
            country = pycountry.countries.get(alpha_2=code)
            if country is not None:
                name = getattr(country, "common_name", None) or country.name
                official = getattr(country, "official_name", "")
                return code, country.alpha_3, name, official, StateStatus.CURRENT
        else:
            country = pycountry.historic_countries.get(alpha_4=code)
            if country is not None:
                return code, country.alpha_3, country.name, "", StateStatus.HISTORICAL
        raise SipriImportError([f"state code {code!r}: not in ISO 3166 nor in names.py's table"])

    def ensure_aliases(self) -> None:
        if not self.aliases:
            return
        states = State.objects.using(self.using)
        names = {
            (code, name.casefold())
            for code, name in states.filter(code__in=set(self.aliases.values())).values_list(
                "code", "name"
            )
        }
        aliases = StateAlias.objects.using(self.using).filter(
            state__code__in=set(self.aliases.values())
        )
        names |= {
            (code, name.casefold()) for code, name in aliases.values_list("state__code", "name")
        }
        review, verified_by, verified_at = self.review()
        new = [
            (name, code)
            for name, code in sorted(self.aliases.items())
            if (code, name.casefold()) not in names
        ]
        self.summary.state_aliases.existing = len(self.aliases) - len(new)
        if not new:
            return
        ids = reserve_ids(StateAlias, len(new), using=self.using)
        rows = [
            self.row(
                StateAlias,
                id=pk,
                state_id=self.state_ids[code],
                name=name,
                kind="name",
                language="en",
                review_state=review,
                verified_by_id=verified_by,
                verified_at=verified_at,
            )
            for pk, (name, code) in zip(ids, new, strict=True)
        ]
        insert_rows(StateAlias, rows, using=self.using)
        history_insert(StateAlias, ids, **self.history_args())
        self.summary.state_aliases.created = len(new)

    # -- non-state parties ----------------------------------------------------------------------
    def mark_unverified_sides(self, sides: dict[str, Side]) -> None:
        """A side whose state or party this import left a draft makes its deals drafts."""
        states = {c for c, pk in self.state_ids.items() if pk in self.unverified[State]}
        parties = {s for s, pk in self.party_ids.items() if pk in self.unverified[Organization]}
        if not (states or parties):
            return
        for written, side in sides.items():
            if not side.draft and (side.state in states or side.party in parties):
                sides[written] = Side(
                    side.kind, side.state, side.party, "state or party carrying a draft quote"
                )

    def ensure_parties(self) -> None:
        plans = self.parties
        existing = {
            slug: (pk, review)
            for slug, pk, review in Organization.objects.using(self.using)
            .filter(slug__in=list(plans))
            .values_list("slug", "id", "review_state")
        }
        new = [p for slug, p in sorted(plans.items()) if slug not in existing]
        if new:
            ids = reserve_ids(Organization, len(new), using=self.using)
            rows = []
            for pk, plan in zip(ids, new, strict=True):
                review, verified_by, verified_at = self.review(plan.draft)
                description = f'SIPRI names it "{plan.written.strip()}".'
                if plan.draft:
                    description += f" Imported as a draft: {plan.draft}."
                rows.append(
                    self.row(
                        Organization,
                        id=pk,
                        slug=plan.slug,
                        name=plan.name,
                        kind=plan.kind,
                        country_id=self.state_ids.get(plan.country) if plan.country else None,
                        description=description,
                        website="",
                        review_state=review,
                        verified_by_id=verified_by,
                        verified_at=verified_at,
                    )
                )
                existing[plan.slug] = (pk, review)
            insert_rows(Organization, rows, using=self.using)
            history_insert(Organization, ids, **self.history_args())
        self.summary.parties.created = len(new)
        self.summary.parties.existing = len(plans) - len(new)
        if self.verifying:
            drafts = [
                existing[s][0]
                for s, plan in plans.items()
                if existing[s][1] == ReviewState.DRAFT and not plan.draft
            ]
            self.summary.parties.verified = self.verify(Organization, drafts)
        self.party_ids = {slug: pk for slug, (pk, _) in existing.items()}

    # -- items ----------------------------------------------------------------------------------
    def ensure_items(self, deals: list[SipriDeal]) -> dict[ItemRef, tuple[int, str, str]]:
        """Each ItemRef -> (item id, slug, why it is a draft or "")."""
        refs = dict.fromkeys(self.item_refs)
        stored = Item.objects.using(self.using).values_list(
            "id", "slug", "name", "item_type", "country_of_origin__code", "review_state"
        )
        by_name: dict[tuple, tuple[int, str, str]] = {}
        slugs: set[str] = set()
        for pk, slug, name, item_type, origin, review in stored:
            slugs.add(slug)
            # a model is one item whatever its origin; a generic item is one per origin
            by_name.setdefault(("model", name, item_type), (pk, slug, review))
            by_name.setdefault(("generic", name, item_type, origin), (pk, slug, review))
        categories = dict(ControlListCategory.objects.using(self.using).values_list("code", "id"))
        key_of: dict[ItemRef, tuple] = {}
        new: dict[tuple, list] = {}  # key -> [slug, first ref, all refs inferred]
        to_verify = set()
        for ref in refs:
            key = (
                ("generic", ref.designation, ref.description, ref.origin_state)
                if ref.generic
                else ("model", ref.designation, ref.description)
            )
            key_of[ref] = key
            if key in new:
                new[key][2] = new[key][2] and ref.inferred
                continue
            found = by_name.get(key)
            if found is not None:
                pk, slug, review = found
                if review == ReviewState.DRAFT and self.verifying and not ref.inferred:
                    to_verify.add(pk)
                continue
            slug = self.item_slug(ref, slugs)
            slugs.add(slug)
            new[key] = [slug, ref, ref.inferred]
        if self.verifying:
            self.summary.items.verified = self.verify(Item, sorted(to_verify))
        ids = reserve_ids(Item, len(new), using=self.using)
        rows = []
        for pk, (key, (slug, ref, inferred)) in zip(ids, new.items(), strict=True):
            review, verified_by, verified_at = self.review("inferred" if inferred else "")
            description = ""
            if inferred:
                description = (
                    "Model read from SIPRI's Comments on a deal with a generic designation"
                    + (f" (maker: {ref.maker})" if ref.maker else "")
                    + "; a draft for review."
                )
            category = description_category(ref.description)
            rows.append(
                self.row(
                    Item,
                    id=pk,
                    slug=slug,
                    kind=description_kind(ref.description),
                    name=ref.designation[:200],
                    item_type=ref.description[:120],
                    description=description,
                    manufacturer_id=None,
                    country_of_origin_id=self.state_ids.get(ref.origin_state)
                    if ref.origin_state
                    else None,
                    category_id=categories.get(category) if category else None,
                    review_state=review,
                    verified_by_id=verified_by,
                    verified_at=verified_at,
                )
            )
            by_name[key] = (pk, slug, review)
        insert_rows(Item, rows, using=self.using)
        history_insert(Item, ids, **self.history_args())
        items: dict[ItemRef, tuple[int, str, str]] = {}
        for ref, key in key_of.items():
            pk, slug, review = by_name[key]
            draft = ""
            if pk in self.unverified[Item]:
                draft = "item is a draft carrying a draft quote"
            elif review == ReviewState.DRAFT and pk not in to_verify:
                draft = "item read from Comments (inferred)"
            items[ref] = (pk, slug, draft)
        self.summary.items.created = len(new)
        self.summary.items.existing = len(set(key_of.values())) - len(new)
        return items

    @staticmethod
    def item_slug(ref: ItemRef, taken: set[str]) -> str:
        same = ref.designation.casefold() == ref.description.casefold()
        words = ref.description if same else f"{ref.designation} {ref.description}"
        if ref.generic:
            words += f" {ref.origin_state or 'unknown origin'}"
        slug = slugify(words)[:100].strip("-") or "item"
        if slug in taken:
            key = "\x1f".join((ref.designation, ref.description, ref.origin_state or ""))
            slug = f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
        return slug

    # -- the release as a source ----------------------------------------------------------------
    def ensure_source(self) -> Source:
        read = self.read
        text = normalize_text(read.text)
        digest = text_hash(text)
        self.source_text = text
        review, verified_by, verified_at = self.review()
        source = Source.objects.using(self.using).filter(text_hash=digest).first()
        if source is None:
            generated = read.release.generated_at
            source = Source(
                title=f"SIPRI Arms Transfers Database: {self.release_label}. Cite as: "
                f"{SIPRI_CITATION}",
                publisher="SIPRI (Stockholm International Peace Research Institute)",
                kind=SourceKind.REGISTER,
                url=None,
                published_date=generated.date() if generated else None,
                published_date_precision=DatePrecision.DAY if generated else None,
                language="en",
                text=text,
                review_state=review,
                verified_by_id=verified_by,
                verified_at=verified_at,
            )
            source._change_reason = self.reason
            source._history_user = self.user
            source.save(using=self.using)
            self.summary.source_created = True
        elif self.verifying and source.review_state == ReviewState.DRAFT:
            self.verify(Source, [source.pk])
            source.refresh_from_db(using=self.using)
        self.summary.source = f"{source} (id {source.pk})"
        self.source_key = [source.natural_key()[0]]
        return source

    # -- transfers ------------------------------------------------------------------------------
    def load_transfers(self, deals, sides, items, source: Source) -> None:
        summary, using = self.summary, self.using
        scope = release_scope(self.read)
        ledger_rows = (
            LoadedRecord.objects.using(using)
            .filter(source=LEDGER_SOURCE, model=TRANSFER_LABEL)
            .annotate(digest=KeyTextTransform(DIGEST, "values"))
            .annotate(scope=KeyTextTransform(SCOPE, "values"))
            .values_list("natural_key", "id", "digest", "scope")
        )
        ledger = {key: (pk, digest, sc) for key, pk, digest, sc in ledger_rows}
        stored = {
            slug: (pk, review)
            for slug, pk, review in Transfer.objects.using(using)
            .filter(slug__startswith="sipri-")
            .values_list("slug", "id", "review_state")
        }
        tombstones = {
            key: kind
            for key, kind in Tombstone.objects.using(using)
            .filter(model=TRANSFER_LABEL)
            .values_list("natural_key", "kind")
        }
        text_offsets = self.row_offsets(deals)
        review, verified_by, verified_at = self.review()
        new_rows, new_ledger, new_deliveries, changed = [], [], [], []
        # (transfer id, slug, deal, the transfer's review state)
        evidence_for: list[tuple[int, str, SipriDeal, str]] = []
        seen = set()
        years: dict[int, dt.date] = {}
        decimals: dict[Decimal, str] = {}
        creating: list[tuple] = []
        digest_key = f'{DIGEST}":"'.encode()
        scope_json = f'","{SCOPE}":{json.dumps(scope)}}}'.encode()
        for deal, ref in zip(deals, self.item_refs, strict=True):
            supplier, recipient = sides[deal.supplier.written], sides[deal.recipient.written]
            item_id, item_slug, item_draft = items[ref]
            slug = _transfer_slug(deal)
            seen.add(slug)
            key = f'["{slug}"]'
            values = self.values(deal, supplier, recipient, item_slug, years, decimals)
            encoded = orjson.dumps(values, option=orjson.OPT_SORT_KEYS)
            digest = hashlib.blake2b(encoded, digest_size=12).hexdigest()
            ledger_values = (
                encoded[:-1] + b',"' + digest_key + digest.encode() + scope_json
            ).decode()
            entry = ledger.get(key)
            pk, current_review = stored.get(slug, (None, None))
            if pk is not None:
                if entry is not None and entry[1] == digest:
                    summary.unchanged += 1
                    summary.transfers_unchanged += 1
                    if entry[2] != scope:
                        changed.append((pk, slug, deal, values, ledger_values, entry, True))
                else:
                    changed.append((pk, slug, deal, values, ledger_values, entry, False))
                evidence_for.append((pk, slug, deal, current_review))
                continue
            tombstone = tombstones.get(key)
            if tombstone is not None or entry is not None:
                why = (
                    f"deleted by a curator ({tombstone})"
                    if tombstone
                    else "deleted since an earlier import"
                )
                summary.skipped.append(f"line {deal.line}: transfer {slug}: not recreated: {why}")
                summary.reported += 1
                summary.transfers_skipped += 1
                continue
            draft_reason = supplier.draft or recipient.draft
            if not draft_reason and item_draft and self.verifying:
                draft_reason = item_draft
            creating.append(
                (deal, slug, values, ledger_values, supplier, recipient, item_id, draft_reason)
            )
        self.refuse_claimed_rows(creating)
        ids = reserve_ids(Transfer, len(creating), using=using)
        self.created_ids = ids
        for pk, (
            deal,
            slug,
            values,
            ledger_values,
            supplier,
            recipient,
            item_id,
            draft_reason,
        ) in zip(ids, creating, strict=True):
            if draft_reason and self.verifying:
                summary.draft_reasons[draft_reason] = summary.draft_reasons.get(draft_reason, 0) + 1
            row_review = (
                (ReviewState.DRAFT, None, None)
                if draft_reason
                else (review, verified_by, verified_at)
            )
            if row_review[0] == ReviewState.DRAFT:
                summary.draft_deals += 1
            new_rows.append(
                self.transfer_row(pk, slug, deal, values, supplier, recipient, item_id, row_review)
            )
            new_ledger.append((slug, ledger_values))
            for d in deal.deliveries:
                new_deliveries.append((pk, d))
            evidence_for.append((pk, slug, deal, row_review[0]))
        assert columns(Transfer)[8:17] == [
            "supplier_kind",
            "supplier_id",
            "recipient_kind",
            "recipient_id",
            "supplier_party_id",
            "recipient_party_id",
            "supplier_organization_id",
            "recipient_organization_id",
            "item_id",
        ]
        insert_rows(Transfer, new_rows, using=using)
        history_insert(Transfer, ids, **self.history_args())
        summary.transfers_created = len(new_rows)
        summary.imported += len(new_rows)
        self.insert_deliveries(new_deliveries)
        self.write_ledger(new_ledger)
        self.update_changed(changed, sides, items)
        self.withdraw(ledger, seen, scope, {s: pk for s, (pk, _) in stored.items()}, source)
        vouched = self.verify_vouched_deals(
            [pk for pk, _, _, review in evidence_for if review == ReviewState.DRAFT]
        )
        evidence_for = [
            (pk, slug, deal, ReviewState.VERIFIED if pk in vouched else review)
            for pk, slug, deal, review in evidence_for
        ]
        self.insert_evidence(evidence_for, text_offsets, source)
        if vouched:
            quotes = list(
                Evidence.objects.using(using)
                .filter(transfer_id__in=vouched, source=source, review_state=ReviewState.DRAFT)
                .values_list("id", flat=True)
            )
            self.verify(Evidence, quotes)

    def values(self, deal: SipriDeal, supplier: Side, recipient: Side, item_slug, years, decimals):
        def year(value):
            if value is None:
                return None
            if value not in years:
                years[value] = f"{value:04d}-01-01"
                _DATES[years[value]] = dt.date(value, 1, 1)
            return years[value]

        def tiv(value):
            if value is None:
                return None
            if value not in decimals:
                decimals[value] = str(value.quantize(_FOUR_PLACES))
            return decimals[value]

        order = year(deal.order_year)
        first, last = year(deal.first_delivery_year), year(deal.last_delivery_year)
        delivered = bool(deal.delivery_years) or bool(deal.number_delivered)
        values = {
            "external_id": f"sipri:{deal.identity}",
            "supplier_kind": supplier.kind,
            "supplier": [supplier.state] if supplier.state else None,
            "supplier_party": [supplier.party] if supplier.party else None,
            "recipient_kind": recipient.kind,
            "recipient": [recipient.state] if recipient.state else None,
            "recipient_party": [recipient.party] if recipient.party else None,
            "item": [item_slug],
            "quantity": deal.number_ordered,
            "quantity_estimated": deal.number_ordered_estimated,
            "quantity_delivered": deal.number_delivered,
            "quantity_delivered_estimated": deal.number_delivered_estimated,
            "status": TransferStatus.DELIVERED if delivered else TransferStatus.ORDERED,
            "condition": str(deal.status) if deal.status else "",
            "order_date": order,
            "order_date_precision": DatePrecision.YEAR if order else None,
            "order_date_estimated": deal.order_year_estimated,
            "delivery_date": first,
            "delivery_date_precision": DatePrecision.YEAR if first else None,
            "delivery_end_date": last,
            "delivery_end_date_precision": DatePrecision.YEAR if last else None,
            "delivery_dates_estimated": deal.delivery_year_estimated,
            "tiv_per_unit": tiv(deal.tiv_per_unit),
            "tiv_total_order": tiv(deal.tiv_total_order),
            "tiv_delivered": tiv(deal.tiv_delivered),
            "comments": deal.comments,
            "withdrawn_by_source": None,
        }
        if deal.deliveries:
            values[DELIVERIES] = [
                [d.year, d.year_estimated, d.number, d.number_estimated, tiv(d.tiv)]
                for d in deal.deliveries
            ]
        return values

    def transfer_row(self, pk, slug, deal, values, supplier, recipient, item_id, review):
        v = values
        dates = _DATES
        state_ids, party_ids = self.state_ids, self.party_ids
        return (
            pk,
            review[0],
            review[1],
            review[2],
            self.now,
            self.now,
            slug,
            v["external_id"],
            supplier.kind,
            state_ids[supplier.state] if supplier.state else None,
            recipient.kind,
            state_ids[recipient.state] if recipient.state else None,
            party_ids[supplier.party] if supplier.party else None,
            party_ids[recipient.party] if recipient.party else None,
            None,  # supplier_organization: the company that sold (SIPRI names none)
            None,  # recipient_organization
            item_id,
            v["quantity"],
            v["quantity_estimated"],
            v["quantity_delivered"],
            v["quantity_delivered_estimated"],
            v["status"],
            v["condition"],
            dates.get(v["order_date"]),
            v["order_date_precision"],
            v["order_date_estimated"],
            dates.get(v["delivery_date"]),
            v["delivery_date_precision"],
            dates.get(v["delivery_end_date"]),
            v["delivery_end_date_precision"],
            v["delivery_dates_estimated"],
            deal.tiv_per_unit,
            deal.tiv_total_order,
            deal.tiv_delivered,
            v["comments"],
            None,
            "",
        )

    def insert_deliveries(self, deliveries) -> None:
        if not deliveries:
            return
        ids = reserve_ids(TransferDelivery, len(deliveries), using=self.using)
        rows = [
            (pk, transfer, d.year, d.year_estimated, d.number, d.number_estimated, d.tiv)
            for pk, (transfer, d) in zip(ids, deliveries, strict=True)
        ]
        assert columns(TransferDelivery) == [
            "id",
            "transfer_id",
            "year",
            "year_estimated",
            "number",
            "number_estimated",
            "tiv",
        ]
        insert_rows(TransferDelivery, rows, using=self.using)
        self.summary.deliveries_created += len(rows)

    def write_ledger(self, entries: list[tuple[str, str]]) -> None:
        if not entries:
            return
        ids = reserve_ids(LoadedRecord, len(entries), using=self.using)
        rows = [
            (pk, LEDGER_SOURCE, TRANSFER_LABEL, f'["{slug}"]', values, self.now)
            for pk, (slug, values) in zip(ids, entries, strict=True)
        ]
        assert columns(LoadedRecord) == [
            "id",
            "source",
            "model",
            "natural_key",
            "values",
            "loaded_at",
        ]
        insert_rows(LoadedRecord, rows, using=self.using)

    # -- the reload rule for deals that changed -------------------------------------------------
    def update_changed(self, changed, sides, items) -> None:
        """Field by field: a field still holding what the last import wrote takes the new value;
        a field a curator changed keeps the curator's value (a conflict when SIPRI's value
        changed too)."""
        if not changed:
            return
        using, summary = self.using, self.summary
        ledger_ids = [entry[0] for *_, entry, _ in changed if entry is not None]
        baselines = {
            pk: values
            for pk, values in LoadedRecord.objects.using(using)
            .filter(pk__in=ledger_ids)
            .values_list("id", "values")
        }
        transfers = Transfer.objects.using(using).in_bulk([c[0] for c in changed])
        code_of = {pk: code for code, pk in self.state_ids.items()}
        code_of.update(
            dict(
                (pk, code)
                for pk, code in State.objects.using(using).values_list("id", "code")
                if pk not in code_of
            )
        )
        org_slug = dict(
            Organization.objects.using(using)
            .filter(
                pk__in={t.supplier_party_id for t in transfers.values()}
                | {t.recipient_party_id for t in transfers.values()}
            )
            .values_list("id", "slug")
        )
        item_slug = dict(
            Item.objects.using(using)
            .filter(pk__in={t.item_id for t in transfers.values()})
            .values_list("id", "slug")
        )
        item_ids = {slug: pk for pk, slug, _ in items.values()}
        item_ids.update({slug: pk for pk, slug in item_slug.items()})
        source_keys = dict(
            (pk, [url or digest])
            for pk, url, digest in Source.objects.using(using)
            .filter(pk__in={t.withdrawn_by_source_id for t in transfers.values()} - {None})
            .values_list("id", "url", "text_hash")
        )
        deliveries = defaultdict(list)
        for d in (
            TransferDelivery.objects.using(using).filter(transfer_id__in=transfers).order_by("year")
        ):
            deliveries[d.transfer_id].append(
                [
                    d.year,
                    d.year_estimated,
                    d.number,
                    d.number_estimated,
                    None if d.tiv is None else str(d.tiv.quantize(_FOUR_PLACES)),
                ]
            )
        updated, ledger_updates, replace_deliveries = [], [], {}
        draft_items = {slug for _, slug, draft in items.values() if draft}
        fields_taken: set[str] = set()
        for pk, slug, deal, values, ledger_values, entry, scope_only in changed:
            transfer = transfers.get(pk)
            if transfer is None:
                continue
            if scope_only:
                ledger_updates.append((entry[0], ledger_values))
                continue
            baseline = _renamed_sides(baselines.get(entry[0], {}) if entry else {})
            current = self.current_values(transfer, code_of, org_slug, item_slug, source_keys)
            current[DELIVERIES] = deliveries.get(pk, [])
            take = []
            for name, new in values.items():
                if name == DELIVERIES or current.get(name) == new:
                    continue
                loaded = baseline.get(name, _MISSING)
                if loaded == current.get(name):
                    take.append(name)
                elif loaded != new:
                    summary.conflicts.append(
                        f"line {deal.line}: transfer {slug}, field {name!r}: curator's value "
                        f"{json.dumps(current.get(name), default=str)}, SIPRI's value "
                        f"{json.dumps(new, default=str)}"
                    )
            for side in ("supplier", "recipient"):
                # a side is its kind, state and party together: take all of it or none of it
                group = {f"{side}_kind", side, f"{side}_party"}
                kept = {n for n in group - set(take) if current.get(n) != values[n]}
                if kept and group & set(take):
                    take = [n for n in take if n not in group]
                    summary.conflicts.append(
                        f"line {deal.line}: transfer {slug}, {side}: kept the curator's side "
                        f"(SIPRI's changed too: {json.dumps([values[n] for n in sorted(group)])})"
                    )
            new_deliveries = values.get(DELIVERIES, [])
            if current[DELIVERIES] != new_deliveries:
                if baseline.get(DELIVERIES, []) == current[DELIVERIES]:
                    replace_deliveries[pk] = deal.deliveries
                elif baseline.get(DELIVERIES, []) != new_deliveries:
                    summary.conflicts.append(
                        f"line {deal.line}: transfer {slug}, deliveries: curator's rows kept"
                    )
            held = self.hold_back(
                transfer, deal, values, take, pk in replace_deliveries, sides, draft_items
            )
            if held:
                take = [n for n in take if n not in held]
                if DELIVERIES in held:
                    replace_deliveries.pop(pk, None)
                # the ledger keeps the deal's values for the held fields, and no digest: the
                # next import compares the deal again and takes them once it may
                ledger = orjson.loads(ledger_values)
                for name in held:
                    ledger[name] = current.get(name) if name != DELIVERIES else current[DELIVERIES]
                ledger[DIGEST] = "held"
                ledger_values = orjson.dumps(ledger, option=orjson.OPT_SORT_KEYS).decode()
            ledger_updates.append((entry[0] if entry else None, ledger_values, slug))
            if not take and pk not in replace_deliveries:
                summary.unchanged += 1
                summary.transfers_unchanged += 1
                continue
            self.apply(transfer, take, values, sides, deal, item_ids)
            fields_taken.update(take)
            updated.append(transfer)
            self.updated_ids.append(transfer.pk)
        if updated:
            names = sorted(fields_taken | {"last_updated"})
            for transfer in updated:
                transfer.last_updated = self.now
            Transfer.objects.using(using).bulk_update(updated, names, batch_size=500)
            Transfer.history.bulk_history_create(
                updated,
                update=True,
                default_change_reason=f"reloaded: {self.reason}"[:100],
                default_user=self.user,
                default_date=self.now,
            )
        if replace_deliveries:
            TransferDelivery.objects.using(using).filter(
                transfer_id__in=replace_deliveries
            ).delete()
            self.insert_deliveries([(pk, d) for pk, ds in replace_deliveries.items() for d in ds])
        summary.transfers_updated += len(updated)
        summary.imported += len(updated)
        self.update_ledger(ledger_updates)

    def verify_vouched_deals(self, drafts: list[int]) -> set[int]:
        """A verifying import verifies the existing draft deals it vouches for that are drafts
        only because an import made them so (a ``--draft`` import, or a reference that was a
        draft then): the last change to the deal was an import's, and nothing it refers to is a
        draft now. A deal a curator changed since (e.g. set back to draft) is left alone."""
        if not (self.verifying and drafts):
            return set()
        latest = (
            Transfer.history.model.objects.using(self.using)
            .filter(id=OuterRef("pk"))
            .order_by("-history_date", "-history_id")
        )
        pks = set(
            Transfer.objects.using(self.using)
            .filter(pk__in=drafts, review_state=ReviewState.DRAFT)
            .exclude(item__review_state=ReviewState.DRAFT)
            .exclude(supplier__review_state=ReviewState.DRAFT)
            .exclude(recipient__review_state=ReviewState.DRAFT)
            .exclude(supplier_party__review_state=ReviewState.DRAFT)
            .exclude(recipient_party__review_state=ReviewState.DRAFT)
            .annotate(last_reason=Subquery(latest.values("history_change_reason")[:1]))
            .filter(
                Q(last_reason__startswith="imported from SIPRI release")
                | Q(last_reason__startswith="reloaded: imported from SIPRI release")
                | Q(last_reason__startswith="withdrawn: not in SIPRI release")
            )
            .values_list("pk", flat=True)
        )
        self.summary.transfers_verified = self.verify(Transfer, sorted(pks))
        self.updated_ids.extend(pks)
        return pks

    def hold_back(self, transfer, deal, values, take, replacing, sides, draft_items) -> set[str]:
        """The changes a verified deal does not take, reported in ``summary.held``: a verified
        fact needs a verified quote and verified references. A ``--draft`` import (its quotes are
        drafts) changes no verified deal; a verifying import does not point a verified deal at a
        draft item or party (the deal keeps its value until the draft is verified)."""
        if transfer.review_state != ReviewState.VERIFIED:
            return set()
        changes = set(take)
        if replacing:
            changes.add(DELIVERIES)
        if not changes:
            return set()
        line = f"line {deal.line}: transfer {transfer.slug}"
        if not self.verifying:
            self.summary.held.append(
                f"{line}: verified, SIPRI's changes ({', '.join(sorted(changes))}) kept back: "
                "a --draft import's quotes are drafts"
            )
            return changes
        held: set[str] = set()
        if "item" in changes and values["item"][0] in draft_items:
            held.add("item")
            self.summary.held.append(
                f"{line}: verified, kept its item: SIPRI's item {values['item'][0]} is a draft "
                "(read from Comments)"
            )
        for side in ("supplier", "recipient"):
            group = {f"{side}_kind", side, f"{side}_party"}
            written = getattr(deal, side).written
            if changes & group and sides[written].draft:
                held |= changes & group
                self.summary.held.append(
                    f"{line}: verified, kept its {side}: SIPRI's {side} {written.strip()!r} is a "
                    f"draft ({sides[written].draft})"
                )
        return held

    def current_values(self, t: Transfer, code_of, org_slug, item_slug, source_keys) -> dict:
        def iso(value):
            return value.isoformat() if value else None

        def dec(value):
            return None if value is None else str(value.quantize(_FOUR_PLACES))

        return {
            "external_id": t.external_id,
            "supplier_kind": t.supplier_kind,
            "supplier": [code_of[t.supplier_id]] if t.supplier_id else None,
            "supplier_party": [org_slug[t.supplier_party_id]] if t.supplier_party_id else None,
            "recipient_kind": t.recipient_kind,
            "recipient": [code_of[t.recipient_id]] if t.recipient_id else None,
            "recipient_party": [org_slug[t.recipient_party_id]] if t.recipient_party_id else None,
            "item": [item_slug[t.item_id]],
            "quantity": t.quantity,
            "quantity_estimated": t.quantity_estimated,
            "quantity_delivered": t.quantity_delivered,
            "quantity_delivered_estimated": t.quantity_delivered_estimated,
            "status": t.status,
            "condition": t.condition,
            "order_date": iso(t.order_date),
            "order_date_precision": t.order_date_precision,
            "order_date_estimated": t.order_date_estimated,
            "delivery_date": iso(t.delivery_date),
            "delivery_date_precision": t.delivery_date_precision,
            "delivery_end_date": iso(t.delivery_end_date),
            "delivery_end_date_precision": t.delivery_end_date_precision,
            "delivery_dates_estimated": t.delivery_dates_estimated,
            "tiv_per_unit": dec(t.tiv_per_unit),
            "tiv_total_order": dec(t.tiv_total_order),
            "tiv_delivered": dec(t.tiv_delivered),
            "comments": t.comments,
            "withdrawn_by_source": source_keys.get(t.withdrawn_by_source_id),
        }

    def apply(self, transfer: Transfer, take, values, sides, deal, item_ids) -> None:
        for name in take:
            value = values[name]
            if name in ("supplier", "recipient"):
                transfer.__dict__[f"{name}_id"] = self.state_ids[value[0]] if value else None
            elif name in ("supplier_party", "recipient_party"):
                transfer.__dict__[f"{name}_id"] = self.party_ids[value[0]] if value else None
            elif name == "item":
                transfer.item_id = item_ids[value[0]]
            elif name == "withdrawn_by_source":
                transfer.withdrawn_by_source_id = None
            elif name in ("order_date", "delivery_date", "delivery_end_date"):
                setattr(transfer, name, _date(value))
            elif name.startswith("tiv_"):
                setattr(transfer, name, _decimal(value))
            else:
                setattr(transfer, name, value)

    def update_ledger(self, updates) -> None:
        if not updates:
            return
        existing = [(pk, values) for pk, values, *_ in updates if pk is not None]
        rows = LoadedRecord.objects.using(self.using).in_bulk([pk for pk, _ in existing])
        for pk, values in existing:
            row = rows[pk]
            row.values = json.loads(values)
            row.loaded_at = self.now
        LoadedRecord.objects.using(self.using).bulk_update(
            list(rows.values()), ["values", "loaded_at"], batch_size=500
        )
        self.write_ledger(
            [(slug, values) for pk, values, *rest in updates if pk is None for slug in rest]
        )

    def refuse_claimed_rows(self, creating) -> None:
        """A new deal whose row is already a transfer under another key (an extract that kept
        only some of the rows sharing a deal's naming fields numbered them differently) stops
        the import, naming the lines, instead of failing on the unique row identity."""
        if not creating:
            return
        wanted = {f"sipri:{deal.identity}": (deal, slug) for deal, slug, *_ in creating}
        # every transfer that holds a SIPRI identity, matched here: a query listing 28,000
        # identities costs more to send and plan than reading the (indexed) prefix
        claimed = (
            Transfer.objects.using(self.using)
            .filter(external_id__startswith="sipri:")
            .values_list("external_id", "slug")
        )
        problems = [
            f"line {wanted[external_id][0].line}: the row is already transfer {slug!r}, imported "
            f"under another key than {wanted[external_id][1]!r} (rows sharing recipient, "
            "supplier, order year, designation and description are numbered in file order: was "
            "an extract with only some of them imported before?)"
            for external_id, slug in claimed
            if external_id in wanted
        ]
        if problems:
            raise SipriImportError(sorted(problems))

    # -- deals the previous release had and this one lacks --------------------------------------
    def withdraw(self, ledger, seen, scope, stored, source: Source) -> None:
        report = self.read.report
        if report.unkeyed_lines:
            # a rejected row naming no deal may be any deal: withdraw none this time
            lines = ", ".join(map(str, report.unkeyed_lines[:10]))
            more = " ..." if len(report.unkeyed_lines) > 10 else ""
            self.summary.withdrawal_skipped = (
                f"{len(report.unkeyed_lines)} rejected row(s) name no deal (line(s) "
                f"{lines}{more}): no deal is withdrawn by this import"
            )
            return
        seen = seen | self.rejected_slugs
        # a classic row rejected by the reader names its deal by the naming fields' hash
        # (the occurrence is unknown: every deal sharing the hash counts as listed)
        rejected_keys = tuple(
            f"sipri-{key.split(':')[1]}-" for key in report.rejected_keys if key.startswith("key:")
        )
        seen |= {
            f"sipri-deal-{k.split(':')[1]}" for k in report.rejected_keys if k.startswith("deal:")
        }
        gone = []
        for key, (ledger_pk, _, entry_scope) in ledger.items():
            if entry_scope != scope:
                continue
            slug = json.loads(key)[0]
            if slug in seen or slug not in stored:
                continue
            if rejected_keys and slug.startswith(rejected_keys):
                continue
            gone.append((stored[slug], ledger_pk))
        if not gone:
            return
        # Only a newer release withdraws: a deal quoted from a release of the same day or later
        # (the same release cut down to a region, or an older file imported after a newer one)
        # is still listed by SIPRI.
        published = source.published_date
        still_listed = (
            set(
                Evidence.objects.using(self.using)
                .filter(
                    transfer_id__in=[pk for pk, _ in gone],
                    source__kind=SourceKind.REGISTER,
                    source__published_date__gte=published,
                )
                .exclude(source=source)
                .values_list("transfer_id", flat=True)
            )
            if published
            else {pk for pk, _ in gone}
        )
        gone = [(pk, lp) for pk, lp in gone if pk not in still_listed]
        transfers = list(
            Transfer.objects.using(self.using).filter(
                pk__in=[pk for pk, _ in gone], withdrawn_by_source__isnull=True
            )
        )
        for transfer in transfers:
            transfer.withdrawn_by_source_id = source.pk
            transfer.last_updated = self.now
        Transfer.objects.using(self.using).bulk_update(
            transfers, ["withdrawn_by_source", "last_updated"], batch_size=500
        )
        Transfer.history.bulk_history_create(
            transfers,
            update=True,
            default_change_reason=f"withdrawn: not in SIPRI release "
            f"{self.read.release.generated_text}"[:100],
            default_user=self.user,
            default_date=self.now,
        )
        withdrawn = {t.pk for t in transfers}
        rows = LoadedRecord.objects.using(self.using).in_bulk(
            [lp for pk, lp in gone if pk in withdrawn]
        )
        for row in rows.values():
            # a new digest: should the deal come back, it is compared field by field again
            row.values = {**row.values, "withdrawn_by_source": self.source_key, DIGEST: "withdrawn"}
            row.loaded_at = self.now
        LoadedRecord.objects.using(self.using).bulk_update(
            list(rows.values()), ["values", "loaded_at"], batch_size=500
        )
        self.summary.transfers_withdrawn = len(transfers)

    # -- evidence -------------------------------------------------------------------------------
    def row_offsets(self, deals: list[SipriDeal]) -> dict[str, int]:
        """Each deal's identity -> the offset of its row text in the stored source text."""
        text = self.source_text
        starts = [0]
        position = text.find("\n")
        while position >= 0:
            starts.append(position + 1)
            position = text.find("\n", position + 1)
        self.line_starts = starts
        offsets = {}
        for deal in deals:
            offsets[deal.identity] = starts[deal.lines[0] - 1]
        return offsets

    def quote_of(self, deal: SipriDeal) -> tuple[int, str]:
        """The deal's row(s) as they stand in the stored text, and their offset: the rows of a
        deal spread over the file (deal-id format) are quoted from the first to the last."""
        starts, text = self.line_starts, self.source_text
        first, last = deal.lines[0], deal.lines[-1]
        if last - first + 1 != len(deal.lines):  # not contiguous: the first row only
            last = first
        start = starts[first - 1]
        end = starts[last] - 1 if last < len(starts) else len(text)
        quote = text[start:end]
        return start, quote

    def insert_evidence(self, evidence_for, offsets, source: Source) -> None:
        using = self.using
        have = (
            set(
                Evidence.objects.using(using)
                .filter(source=source, transfer__isnull=False)
                .values_list("transfer_id", flat=True)
            )
            if not self.summary.source_created
            else set()
        )
        todo = [entry for entry in evidence_for if entry[0] not in have]
        if not todo:
            return
        ids = reserve_ids(Evidence, len(todo), using=using)
        source_digest = source.text_hash[:10]
        generated = self.read.release.generated_text or self.read.release.title[:60]
        note = f"of the SIPRI release generated {generated} (cite: SIPRI Arms Transfers Database)"
        rows = []
        for pk, (transfer_id, slug, deal, transfer_review) in zip(ids, todo, strict=True):
            review, verified_by, verified_at = self.review(
                "" if transfer_review == ReviewState.VERIFIED else "draft deal"
            )
            start, quote = self.quote_of(deal)
            where = "Line " + (
                str(deal.lines[0]) if len(deal.lines) == 1 else f"{deal.lines[0]}-{deal.lines[-1]}"
            )
            rows.append(
                (
                    pk,
                    review,
                    verified_by,
                    verified_at,
                    self.now,
                    self.now,
                    f"transfer-{slug}-{source_digest}-{start}"[:300],
                    source.pk,
                    quote,
                    start,
                    start + len(quote),
                    ClaimStatus.REPORTED,
                    f"{where} {note}",
                    None,
                    None,
                    None,
                    None,
                    None,
                    transfer_id,
                    None,
                    None,
                    None,
                    None,
                    "",  # attributed_to: a dataset's row speaks in the dataset's own voice
                )
            )
        assert columns(Evidence)[:13] == [
            "id",
            "review_state",
            "verified_by_id",
            "verified_at",
            "created",
            "last_updated",
            "slug",
            "source_id",
            "quote",
            "start",
            "end",
            "claim_status",
            "note",
        ]
        assert columns(Evidence)[-1] == "attributed_to"
        insert_rows(Evidence, rows, using=using)
        history_insert(Evidence, ids, **self.history_args())
        self.summary.evidence_created = len(rows)

    # -- integrations ---------------------------------------------------------------------------
    def load_integrations(self, deals, items, source) -> None:
        """Integrations read from Comments (integrations.py), as drafts."""
        summary = self.summary
        if (
            not summary.source_created
            and not (summary.transfers_created or summary.transfers_updated)
            and Evidence.objects.using(self.using)
            .filter(source=source, integration__isnull=False)
            .exists()
        ):
            # the same file again: its integrations are loaded (curators' deletions stand)
            summary.integrations = {"skipped": "the release's integrations are already loaded"}
            return
        plan = plan_integrations(
            deals,
            deal_items={d.identity: ref for d, ref in zip(deals, self.item_refs, strict=True)},
        )
        report = load_integrations(
            plan,
            items={ref: pk for ref, (pk, _, _) in items.items()},
            row_offsets=self.row_offsets(deals),
            source=source,
            using=self.using,
        )
        data = asdict(report)
        plan_report = data.pop("plan")
        examples = [
            f"line {e['line']}: {e['reason']}: {e['comments']!r}"
            for e in plan_report.pop("examples", [])
        ]
        data.pop("skipped", None)
        self.summary.integrations = {
            **{f"comments_{k}": v for k, v in plan_report.items()},
            **data,
            "examples": examples,
        }

    # -- checks and helpers ---------------------------------------------------------------------
    def check_references(self) -> None:
        """A verified deal this import wrote never points at a draft state, party or item
        (set-wise, over the block of created ids and the updated ones)."""
        touched = Q(pk__in=self.updated_ids)
        if self.created_ids:
            touched |= Q(pk__gte=self.created_ids[0], pk__lte=self.created_ids[-1])
        if not (self.created_ids or self.updated_ids):
            return
        verified = Transfer.objects.using(self.using).filter(
            touched, review_state=ReviewState.VERIFIED
        )
        bad = verified.filter(
            Q(item__review_state=ReviewState.DRAFT)
            | Q(supplier__review_state=ReviewState.DRAFT)
            | Q(recipient__review_state=ReviewState.DRAFT)
            | Q(supplier_party__review_state=ReviewState.DRAFT)
            | Q(recipient_party__review_state=ReviewState.DRAFT)
        ).values_list("slug", flat=True)[:10]
        bad = list(bad)
        if bad:
            raise SipriImportError(
                [f"transfer {slug}: verified but refers to a draft record" for slug in bad]
            )

    def verify(self, model, pks: list[int]) -> int:
        """Verify the drafts among ``pks``; a state, party or item carrying a draft quote stays
        a draft (a verified fact needs a verified quote), and so do the deals using it."""
        if not pks:
            return 0
        link = {State: "state", Organization: "organization", Item: "item"}.get(model)
        if link is not None:
            quoted = set(
                Evidence.objects.using(self.using)
                .filter(**{f"{link}_id__in": pks}, review_state=ReviewState.DRAFT)
                .values_list(f"{link}_id", flat=True)
            )
            if quoted:
                self.unverified[model] |= quoted
                for record in model.objects.using(self.using).filter(pk__in=quoted):
                    self.summary.held.append(
                        f"{model._meta.verbose_name} {record}: left a draft, it carries a draft "
                        "quote (its deals stay drafts)"
                    )
                pks = [pk for pk in pks if pk not in quoted]
        count = (
            model.objects.using(self.using)
            .filter(pk__in=pks, review_state=ReviewState.DRAFT)
            .update(
                review_state=ReviewState.VERIFIED,
                verified_by=self.user,
                verified_at=self.now,
                last_updated=self.now,
            )
        )
        history_insert(model, pks, **{**self.history_args(), "history_type": "~"})
        return count

    def history_args(self) -> dict:
        return {
            "reason": self.reason,
            "user_id": self.user_id,
            "when": self.now,
            "using": self.using,
        }

    def row(self, model, **values) -> tuple:
        values.setdefault("created", self.now)
        values.setdefault("last_updated", self.now)
        return tuple(values[name] for name in columns(model))


_MISSING = object()
_DATES: dict[str, dt.date] = {}


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    date = _DATES.get(value)
    if date is None:
        date = _DATES[value] = dt.date.fromisoformat(value)
    return date


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _transfer_slug(deal: SipriDeal) -> str:
    """The transfer's natural key, stable across releases: from SIPRI's deal id, or (classic
    format) from the hash of the fields naming the deal plus the occurrence among rows sharing
    them."""
    if deal.deal_id is not None:
        return f"sipri-deal-{deal.deal_id}"
    _, key, occurrence = deal.deal_key.split(":")
    return f"sipri-{key}-{occurrence}"


__all__ = [
    "ImportSummary",
    "LEDGER_SOURCE",
    "SipriImportError",
    "release_scope",
    "sipri_import",
]


def _renamed_sides(baseline: dict) -> dict:
    """Ledger values written before migration 0008 name a non-state side ``<side>_organization``
    (the field then held the party); read them as ``<side>_party``, as the migration moved them."""
    for side in ("supplier", "recipient"):
        old = f"{side}_organization"
        if old in baseline and f"{side}_party" not in baseline:
            baseline = dict(baseline)
            baseline[f"{side}_party"] = baseline.pop(old)
    return baseline
