"""Read the UK strategic export control-list ratings into control-list categories (writes nothing).

The UK table (rating, military flag, short and full description) holds three kinds of rows:

- Wassenaar Munitions List categories ``ML1``..``ML22`` (some are absent, e.g. ML20): top level;
- dual-use codes (``0A001``..``9E102``): each under its dual-use category, the code's first digit
  (``6A003`` -> ``6``, "Sensors and lasers", the UK's short description of every code in it);
- UK national ``PL`` codes (``PL5001`` military, ``PL9002`` dual-use): each placed under the ML
  category its description names, when it names exactly one (``PL5035`` "... vehicles specified in
  ML6" -> ML6), else at the top of their regime;
- rows that are not categories: country sanction codes (``IRN``, ``RUS``), end-use controls
  (``End Use``, ``MEND``) and other national markers (``Art 4B``, ``IRN OG``). They are reported
  with their line and skipped.

The ML top level is the one the tracker's control-list fixture has: ML codes the UK table lacks
are reported (the fixture keeps them); UK ML rows absent from it are reported too.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

ML = re.compile(r"^ML(\d{1,2})$")
DUAL_USE = re.compile(r"^\d[A-E]\d{3}$")
PL_CODE = re.compile(r"^PL\d{4}$")
COUNTRY_CODE = re.compile(r"^[A-Z]{3}$")
_ML_MENTION = re.compile(r"\bML(\d{1,2})\b")

WASSENAAR_ML, WASSENAAR_DUAL_USE, UK_NATIONAL = "wassenaar_ml", "wassenaar_dual_use", "uk_national"


@dataclass(frozen=True, slots=True)
class UkCategory:
    """One control-list category of the UK table, ready for ControlListCategory."""

    code: str
    regime: str  # "wassenaar_ml", "wassenaar_dual_use", or "uk_national" (PL codes)
    military: bool
    title: str
    description: str
    parent: str | None  # an ML code, or a dual-use category ("6")
    line: int


@dataclass(frozen=True, slots=True)
class Skipped:
    """A row that is not a control-list category, and why."""

    line: int
    rating: str
    reason: str


@dataclass
class UkControlListRead:
    """Categories read, rows skipped, and how the ML top level compares with the fixture's."""

    categories: list[UkCategory] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ml_missing_from_uk: list[str] = field(default_factory=list)  # in the fixture, not the UK
    ml_unknown_to_fixture: list[str] = field(default_factory=list)  # in the UK, not the fixture
    untitled: list[str] = field(default_factory=list)  # codes without a description

    @property
    def rows_read(self) -> int:
        return len(self.categories) + len(self.skipped)


def fixture_ml_codes(path: str | PathLike) -> list[str]:
    """The Wassenaar ML codes of a control-list fixture (fixtures/control_list_categories.json)."""
    records = json.loads(Path(path).read_text(encoding="utf-8"))
    return [
        r["fields"]["code"]
        for r in records
        if r["fields"].get("regime") == WASSENAAR_ML and ML.match(r["fields"]["code"])
    ]


def uk_control_list_read(
    source: str | PathLike | bytes, *, ml_codes: list[str] | None = None
) -> UkControlListRead:
    """Read the UK ratings CSV. ``ml_codes``: the ML top level (default ML1..ML22)."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    text = data.decode("utf-8-sig")
    top = list(ml_codes) if ml_codes is not None else [f"ML{n}" for n in range(1, 23)]
    result = UkControlListRead()
    seen: dict[str, int] = {}
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        line = reader.line_num
        rating = (row.get("rating") or "").strip()
        military = (row.get("military") or "").strip() == "1"
        title = (row.get("short_description") or "").strip()
        description = (row.get("full_description") or "").strip()
        reason = _not_a_category(rating)
        if reason:
            result.skipped.append(Skipped(line, rating, reason))
            continue
        if rating in seen:
            result.skipped.append(Skipped(line, rating, f"repeats line {seen[rating]}"))
            continue
        seen[rating] = line
        if not title:
            result.untitled.append(rating)
        if ML.match(rating):
            regime, parent = WASSENAAR_ML, None
            if rating not in top:
                result.ml_unknown_to_fixture.append(rating)
        elif DUAL_USE.match(rating):
            regime, parent = WASSENAAR_DUAL_USE, dual_use_category(rating)
        else:
            regime = UK_NATIONAL
            mentioned = {f"ML{n}" for n in _ML_MENTION.findall(description)} & set(top)
            parent = mentioned.pop() if len(mentioned) == 1 else None
        result.categories.append(
            UkCategory(
                code=rating,
                regime=regime,
                military=military,
                title=title or description or rating,
                description=description if description != title else "",
                parent=parent,
                line=line,
            )
        )
    result.ml_missing_from_uk = [code for code in top if code not in seen]
    return result


def dual_use_category(code: str) -> str:
    """The dual-use category of a dual-use code: its first digit (6A003 -> "6")."""
    return code[0]


def _not_a_category(rating: str) -> str | None:
    if ML.match(rating) or DUAL_USE.match(rating) or PL_CODE.match(rating):
        return None
    if not rating:
        return "no rating"
    if COUNTRY_CODE.match(rating):
        return "country sanctions code, not a control-list category"
    if rating.casefold() in ("end use", "mend"):
        return "end-use control, not a control-list category"
    return "not a control-list category code"
