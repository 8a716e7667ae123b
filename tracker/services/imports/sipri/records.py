"""Typed records the SIPRI reader yields: the release, deals, deliveries and the read report."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .names import Party

# Designations SIPRI uses for a component whose model it names only in Comments.
GENERIC_DESIGNATIONS = frozenset(
    {
        "aircraft engine",
        "ship engine",
        "vehicle engine",
        "air refuel system",
        "air-independent ship engine",
    }
)


class SipriFormat(StrEnum):
    """The two SIPRI export formats."""

    CLASSIC = "classic"  # the trade register: one row per deal, `?` columns
    DEAL_ID = "deal_id"  # one row per deal and delivery year, with SIPRI's deal id


class SipriStatus(StrEnum):
    """SIPRI's status of the weapons in a deal."""

    NEW = "new"
    SECOND_HAND = "second_hand"
    SECOND_HAND_MODERNISED = "second_hand_modernised"


@dataclass(frozen=True, slots=True)
class Release:
    """What identifies a SIPRI export: its format, title and generation date (from the preamble)."""

    format: SipriFormat
    title: str
    generated_text: str  # "13 Oct 2024 2:20:11 PM", as written
    generated_at: datetime | None
    source_line: str  # "Source: SIPRI Arms Transfers Database (c) SIPRI."
    encoding: str  # "utf-8" or "latin-1"
    header: tuple[str, ...]
    header_line: int


@dataclass(frozen=True, slots=True)
class Delivery:
    """Deliveries of one deal in one year (deal-id format: one row of the file)."""

    year: int
    number: int | None
    number_estimated: bool
    year_estimated: bool
    tiv: Decimal | None
    line: int


@dataclass(frozen=True)
class SipriDeal:
    """One deal as SIPRI reports it.

    ``identity`` is stable for the same deal in the same release and format: ``deal:<id>`` in the
    deal-id format; in the classic format ``row:<hash of every field>:<n>``, ``n`` counting
    identical rows (they are separate deals). ``deal_key`` is a looser key for matching a deal
    across releases, where SIPRI updates deliveries and values: the deal id, or the hash of
    recipient, supplier, order year, designation and description plus the occurrence among rows
    sharing them. Uncertainty is never part of a number: each ``*_estimated`` flag says whether
    SIPRI marked the value as uncertain (``?``) or as an estimate (``Yes``).
    """

    identity: str
    deal_key: str
    occurrence: int
    lines: tuple[int, ...]
    text: str  # the row(s) verbatim, as in the file (evidence)
    supplier: Party
    recipient: Party
    designation: str
    description: str
    order_year: int | None
    order_year_estimated: bool
    number_ordered: int | None
    number_ordered_estimated: bool
    number_delivered: int | None
    number_delivered_estimated: bool
    delivery_years: tuple[int, ...]
    first_delivery_year: int | None
    last_delivery_year: int | None
    delivery_year_estimated: bool
    status: SipriStatus | None
    tiv_per_unit: Decimal | None
    tiv_total_order: Decimal | None
    tiv_delivered: Decimal | None
    comments: str
    deal_id: int | None = None
    deliveries: tuple[Delivery, ...] = ()
    armament_category: str = ""
    local_production: bool | None = None
    tiv_estimate: Decimal | None = None  # deal-id format's "SIPRI estimate"

    @property
    def line(self) -> int:
        return self.lines[0]

    @property
    def generic(self) -> bool:
        """Whether the designation is generic (the model is in Comments, if anywhere)."""
        designation = self.designation.strip().casefold()
        return (
            designation in GENERIC_DESIGNATIONS
            or designation == self.description.strip().casefold()
        )


# the fields one of the formats leaves out, with their defaults
DEAL_DEFAULTS = {f.name: f.default for f in fields(SipriDeal) if f.default is not MISSING}


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row was rejected (or, for names, flagged): line number, field, value, message."""

    line: int
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field} {self.value!r}: {self.message}"


@dataclass
class ReadReport:
    """What the reader did. ``deals_read == parsed + rejected`` always holds."""

    release: Release
    deals_read: int = 0
    parsed: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    repaired: list[tuple[int, ...]] = field(default_factory=list)  # physical lines joined
    blank_lines: list[int] = field(default_factory=list)
    # names no table resolves -> the lines naming them (deals are still parsed: the loader
    # stops on them, or drafts them on request)
    unresolved_names: dict[str, list[int]] = field(default_factory=dict)
    # rejected rows that still name their deal (classic: "key:<hash of the naming fields>",
    # deal-id: "deal:<id>"): the deal is still listed by SIPRI, so it is not withdrawn
    rejected_keys: set[str] = field(default_factory=set)
    # lines of rejected rows naming no deal (wrong column count, no deal id): any deal might be
    # one of them, so nothing is withdrawn
    unkeyed_lines: list[int] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.deals_read == self.parsed + self.rejected


@dataclass
class SipriRead:
    """The deals of one SIPRI file and the report on reading it."""

    deals: list[SipriDeal]
    report: ReadReport
    text: str = ""  # the file's text as decoded (BOM dropped, line ends made "\n")

    @property
    def release(self) -> Release:
        return self.report.release
