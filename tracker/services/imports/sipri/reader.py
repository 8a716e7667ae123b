"""Read a SIPRI export (classic trade register or deal-id format) into typed deals and a report.

Pure Python, no database: the loader calls ``sipri_read`` and gets every deal of the file as a
``SipriDeal``, or, for a row it cannot read, a ``Problem`` naming the line and the field. Nothing
is dropped silently: ``report.deals_read == report.parsed + report.rejected``.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import re
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from os import PathLike
from pathlib import Path

from .names import parse_party
from .records import (
    DEAL_DEFAULTS,
    Delivery,
    Problem,
    ReadReport,
    Release,
    SipriDeal,
    SipriFormat,
    SipriRead,
    SipriStatus,
)


class SipriFormatError(ValueError):
    """The file is not a SIPRI export this reader knows (no recognisable header)."""


MAX_PREAMBLE_LINES = 40
MAX_CONTINUATION_LINES = 3

# Classic columns: the blank-named `?` column after a column holds that column's uncertainty.
CLASSIC_COLUMNS = (
    "Recipient",
    "Supplier",
    "Year of order",
    "Number ordered",
    "Weapon designation",
    "Weapon description",
    "Number delivered",
    "Year(s) of delivery",
    "status",
    "Comments",
    "SIPRI TIV per unit",
    "SIPRI TIV for total order",
    "SIPRI TIV of delivered weapons",
)
DEAL_ID_COLUMNS = (
    "SIPRI AT Database ID",
    "Supplier",
    "Recipient",
    "Designation",
    "Description",
    "Armament category",
    "Order date",
    "Order date is estimate",
    "Numbers delivered",
    "Numbers delivered is estimate",
    "Delivery year",
    "Delivery year is estimate",
    "Status",
    "SIPRI estimate",
    "TIV deal unit",
    "TIV delivery values",
    "Local production",
)
# deal-id columns that are the deal's, hence the same on every row of a deal
DEAL_ID_DEAL_COLUMNS = (
    "Supplier",
    "Recipient",
    "Designation",
    "Description",
    "Armament category",
    "Order date",
    "Order date is estimate",
    "Status",
    "SIPRI estimate",
    "TIV deal unit",
    "Local production",
)

STATUSES = {
    "new": SipriStatus.NEW,
    "second hand": SipriStatus.SECOND_HAND,
    "second-hand": SipriStatus.SECOND_HAND,
    "second hand but modernized": SipriStatus.SECOND_HAND_MODERNISED,
    "second hand but modernised": SipriStatus.SECOND_HAND_MODERNISED,
}
_DECIMAL = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_YEARS = re.compile(r"(\d{4})(?:\s*-\s*(\d{4}))?")
_GENERATED = re.compile(r"^Data generated:\s*(.+?)\s*$")


def sipri_read(source: str | PathLike | bytes) -> SipriRead:
    """Read a SIPRI export from a path or from its bytes.

    Detects the encoding (UTF-8, else Latin-1) and the format (from the header), keeps the
    preamble's title and generation date as the release, and returns every deal with a report.
    Raises ``SipriFormatError`` if no known header is found.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    # The reader allocates a few hundred thousand objects that all live on: the cyclic garbage
    # collector would scan them again and again (a third of the time) and free none.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(data)
    finally:
        if collecting:
            gc.enable()


def _read(data: bytes) -> SipriRead:
    text, encoding = _decode(data)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    release = _release(lines, encoding)
    report = ReadReport(release=release)
    if release.format is SipriFormat.CLASSIC:
        deals = _ClassicReader(lines, release, report).read()
    else:
        deals = _DealIdReader(lines, release, report).read()
    report.problems.sort(key=lambda problem: problem.line)
    for deal in deals:
        for party in (deal.supplier, deal.recipient):
            for name in party.unresolved:
                report.unresolved_names.setdefault(name, []).append(deal.line)
    return SipriRead(deals=deals, report=report)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "latin-1"
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding


def _split(line: str) -> list[str]:
    # SIPRI's classic export never quotes; other exports may: the csv module handles quotes
    if '"' not in line:
        return line.split(",")
    return next(csv.reader([line]), [])


def _release(lines: list[str], encoding: str) -> Release:
    title = generated_text = source_line = ""
    for index, line in enumerate(lines[:MAX_PREAMBLE_LINES]):
        stripped = line.strip()
        first = _split(line)[0].strip() if stripped else ""
        if first in ("Recipient", "SIPRI AT Database ID"):
            header = tuple(_split(line))
            fmt = SipriFormat.CLASSIC if first == "Recipient" else SipriFormat.DEAL_ID
            return Release(
                format=fmt,
                title=title,
                generated_text=generated_text,
                generated_at=_parse_generated(generated_text),
                source_line=source_line,
                encoding=encoding,
                header=header,
                header_line=index + 1,
            )
        if not stripped:
            continue
        if match := _GENERATED.match(stripped):
            generated_text = match[1]
        elif stripped.startswith("Source:"):
            source_line = stripped
        elif not title:
            title = " ".join(stripped.split())
    raise SipriFormatError(
        f"no SIPRI header (a line starting 'Recipient' or 'SIPRI AT Database ID') "
        f"in the first {MAX_PREAMBLE_LINES} lines"
    )


def _parse_generated(text: str) -> datetime | None:
    for pattern in ("%d %b %Y %I:%M:%S %p", "%d %b %Y %H:%M:%S", "%d %b %Y"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def _column_index(header: tuple[str, ...], expected: tuple[str, ...]) -> dict[str, int]:
    """Column name -> index; a blank-named column is "<previous column>?"."""
    index: dict[str, int] = {}
    previous = ""
    for position, name in enumerate(header):
        name = name.strip()
        if name:
            index[name] = position
            previous = name
        elif previous:
            index[f"{previous}?"] = position
    missing = [name for name in expected if name not in index]
    if missing:
        raise SipriFormatError(f"header lacks columns {missing}")
    return index


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


class _RowParser:
    """Field parsers that record a Problem and return None on a bad value."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.line = 0

    def problem(self, field: str, value: str, message: str) -> None:
        self.problems.append(Problem(self.line, field, value, message))

    def integer(self, field: str, value: str, *, required: bool = False) -> int | None:
        value = value.strip()
        if value.isdigit() and value.isascii():
            return int(value)
        if value or required:
            self.problem(field, value, "not a whole number" if value else "missing")
        return None

    def year(self, field: str, value: str) -> int | None:
        value = value.strip()
        if len(value) == 4 and value.isdigit() and value.isascii():
            return int(value)
        if value:
            self.problem(field, value, "not a year")
        return None

    def decimal(self, field: str, value: str) -> Decimal | None:
        value = value.strip()
        if _DECIMAL.fullmatch(value):
            return Decimal(value)
        if value:
            self.problem(field, value, "not a number")
        return None

    def question_mark(self, field: str, value: str) -> bool:
        value = value.strip()
        if value == "?":
            return True
        if value:
            self.problem(field, value, "expected '?' or nothing")
        return False

    def yes_no(self, field: str, value: str) -> bool | None:
        value = value.strip().casefold()
        if value == "yes":
            return True
        if value == "no":
            return False
        if value:
            self.problem(field, value, "expected Yes or No")
        return None

    def status(self, field: str, value: str) -> SipriStatus | None:
        stripped = value.strip()
        if not stripped:
            return None
        status = STATUSES.get(stripped.casefold())
        if status is None:
            self.problem(field, value, "unknown status")
        return status

    def text(self, field: str, value: str) -> str:
        if not value.strip():
            self.problem(field, value, "missing")
        return value.strip()

    def delivery_years(self, field: str, value: str) -> tuple[int, ...]:
        """'2019', '2019; 2020' or '2019-2021' -> the years, in order."""
        years: list[int] = []
        if not value.strip():
            return ()
        for part in value.split(";"):
            match = _YEARS.fullmatch(part.strip())
            if match is None:
                self.problem(field, value, "not a year, a list of years or a range")
                return ()
            first = int(match[1])
            last = int(match[2]) if match[2] else first
            if last < first:
                self.problem(field, value, "range ends before it starts")
                return ()
            years.extend(range(first, last + 1))
        return tuple(sorted(set(years)))


class _ClassicReader(_RowParser):
    def __init__(self, lines: list[str], release: Release, report: ReadReport) -> None:
        super().__init__()
        self.lines = lines
        self.release = release
        self.report = report
        self.columns = _column_index(release.header, CLASSIC_COLUMNS)
        self.width = len(release.header)
        self.comments = self.columns["Comments"]

    def records(self):
        """Yield (line numbers, fields, verbatim text), joining rows broken inside Comments."""
        lines, width, report = self.lines, self.width, self.report
        position = self.release.header_line  # index of the first body line
        end = len(lines)
        while position < end:
            line = lines[position]
            number = position + 1
            position += 1
            if '"' in line and line.count('"') % 2:
                # a quoted field holds a newline: read on until the quotes balance
                last = min(end, position + MAX_CONTINUATION_LINES)
                while position < last and line.count('"') % 2:
                    line += "\n" + lines[position]
                    position += 1
                fields = next(csv.reader([line]), [])
                numbers = tuple(range(number, position + 1))
                if len(numbers) > 1 and len(fields) == width:
                    yield numbers, fields, line
                    continue
                if len(numbers) > 1:
                    position = number  # unbalanced quotes: report the line on its own
                    line = lines[number - 1]
            fields = _split(line)
            if len(fields) == width:
                yield (number,), fields, line
                continue
            if not line.strip():
                report.blank_lines.append(number)
                continue
            joined = self._repair(fields, position) if len(fields) < width else None
            if joined is None:
                yield (number,), fields, line
                continue
            fields, used = joined
            numbers = tuple(range(number, number + used + 1))
            report.repaired.append(numbers)
            yield numbers, fields, "\n".join(lines[position - 1 : position + used])
            position += used

    def _repair(self, fields: list[str], position: int) -> tuple[list[str], int] | None:
        """Join the next lines if the row was broken by a newline inside Comments."""
        merged = list(fields)
        for used in range(1, MAX_CONTINUATION_LINES + 1):
            if len(merged) - 1 != self.comments or position + used > len(self.lines):
                return None
            continuation = _split(self.lines[position + used - 1])
            if len(continuation) == self.width:
                return None  # the next line is a row of its own
            last = merged.pop()
            merged.append(" ".join(p for p in (last.strip(), continuation[0].strip()) if p))
            merged.extend(continuation[1:])
            if len(merged) == self.width:
                return merged, used
            if len(merged) > self.width:
                return None
        return None

    def read(self) -> list[SipriDeal]:
        """Parse column by column: each distinct value of a column is parsed once (values
        repeat a lot), then looked up for every row; a bad value is reported on each row."""
        c, report, width = self.columns, self.report, self.width
        rows: list[tuple[tuple[int, ...], list[str], str]] = []
        for numbers, fields, text in self.records():
            report.deals_read += 1
            if len(fields) == width:
                rows.append((numbers, fields, text))
            else:
                self.line = numbers[0]
                self.problem("row", text, f"{len(fields)} columns where the header has {width}")
                report.rejected += 1
        if not rows:
            report.problems.extend(self.problems)
            return []
        columns = list(zip(*(fields for _, fields, _ in rows), strict=True))
        lines = [numbers[0] for numbers, _, _ in rows]
        bad_rows: set[int] = set()

        def convert(name: str, column: int | None, parser) -> list:
            if column is None:  # a `?` column this export lacks
                return [False] * len(rows)
            values = columns[column]
            cache, bad = {}, {}
            for value in set(values):
                self.line = 0
                count = len(self.problems)
                parsed = parser(name, value)
                if len(self.problems) == count:
                    cache[value] = parsed
                else:
                    bad[value] = self.problems[count:]
                    del self.problems[count:]
            if bad:
                for index, value in enumerate(values):
                    if value in bad:
                        bad_rows.add(index)
                        self.problems.extend(
                            Problem(lines[index], p.field, p.value, p.message) for p in bad[value]
                        )
            return list(map(cache.get, values))

        def text(name: str, column: int) -> list[str]:
            values = list(map(str.strip, columns[column]))
            if "" in values:
                for index, value in enumerate(values):
                    if not value:
                        bad_rows.add(index)
                        self.problems.append(
                            Problem(lines[index], name, columns[column][index], "missing")
                        )
            return values

        supplier = text("Supplier", c["Supplier"])
        recipient = text("Recipient", c["Recipient"])
        designation = text("Weapon designation", c["Weapon designation"])
        years = convert("Year(s) of delivery", c["Year(s) of delivery"], self.delivery_years)
        converted = {
            "order_year": convert("Year of order", c["Year of order"], self.year),
            "order_year_estimated": convert(
                "Year of order ?", c.get("Year of order?"), self.question_mark
            ),
            "number_ordered": convert("Number ordered", c["Number ordered"], self.integer),
            "number_ordered_estimated": convert(
                "Number ordered ?", c.get("Number ordered?"), self.question_mark
            ),
            "number_delivered": convert("Number delivered", c["Number delivered"], self.integer),
            "number_delivered_estimated": convert(
                "Number delivered ?", c.get("Number delivered?"), self.question_mark
            ),
            "delivery_years": years,
            "first_delivery_year": [y[0] if y else None for y in years],
            "last_delivery_year": [y[-1] if y else None for y in years],
            "delivery_year_estimated": convert(
                "Year(s) of delivery ?", c.get("Year(s) of delivery?"), self.question_mark
            ),
            "status": convert("status", c["status"], self.status),
            "tiv_per_unit": convert("SIPRI TIV per unit", c["SIPRI TIV per unit"], self.decimal),
            "tiv_total_order": convert(
                "SIPRI TIV for total order", c["SIPRI TIV for total order"], self.decimal
            ),
            "tiv_delivered": convert(
                "SIPRI TIV of delivered weapons",
                c["SIPRI TIV of delivered weapons"],
                self.decimal,
            ),
            "supplier": list(map(parse_party, supplier)),
            "recipient": list(map(parse_party, recipient)),
            "designation": designation,
            "description": list(map(str.strip, columns[c["Weapon description"]])),
            "comments": list(map(str.strip, columns[c["Comments"]])),
        }
        key_columns = [
            columns[c[name]]
            for name in (
                "Recipient",
                "Supplier",
                "Year of order",
                "Weapon designation",
                "Weapon description",
            )
        ]
        # identity: a hash of every field plus the occurrence among identical rows; deal_key:
        # a hash of the fields that name the deal plus the occurrence among rows sharing them
        digests = [_digest(*fields) for _, fields, _ in rows]
        keys = [_digest(*fields) for fields in zip(*key_columns, strict=True)]
        occurrences: dict[str, int] = defaultdict(int)
        key_occurrences: dict[str, int] = defaultdict(int)
        identities, deal_keys, occurrence = [], [], []
        for index, (digest, key) in enumerate(zip(digests, keys, strict=True)):
            if index in bad_rows:  # a rejected row takes no occurrence number
                identities.append(None), deal_keys.append(None), occurrence.append(None)
                continue
            occurrences[digest] += 1
            key_occurrences[key] += 1
            occurrence.append(occurrences[digest])
            identities.append(f"row:{digest}:{occurrences[digest]}")
            deal_keys.append(f"key:{key}:{key_occurrences[key]}")
        converted["identity"] = identities
        converted["deal_key"] = deal_keys
        converted["occurrence"] = occurrence
        converted["lines"] = [numbers for numbers, _, _ in rows]
        converted["text"] = [row_text for _, _, row_text in rows]
        for name, default in DEAL_DEFAULTS.items():
            converted.setdefault(name, [default] * len(rows))
        names = list(converted)
        # every field is in `converted`: set each deal's __dict__ in one step (a frozen
        # dataclass's __init__ makes one object.__setattr__ call per field, ten times slower)
        new, set_attribute = object.__new__, object.__setattr__
        deals: list[SipriDeal] = []
        for index, values in enumerate(zip(*converted.values(), strict=True)):
            if index not in bad_rows:
                deal = new(SipriDeal)
                set_attribute(deal, "__dict__", dict(zip(names, values, strict=True)))
                deals.append(deal)
        report.rejected += len(bad_rows)
        report.parsed = len(deals)
        report.problems.extend(self.problems)
        return deals


class _DealIdReader(_RowParser):
    def __init__(self, lines: list[str], release: Release, report: ReadReport) -> None:
        super().__init__()
        self.lines = lines
        self.release = release
        self.report = report
        self.columns = _column_index(release.header, DEAL_ID_COLUMNS)
        self.width = len(release.header)

    def read(self) -> list[SipriDeal]:
        c = self.columns
        report = self.report
        groups: dict[int, list[tuple[int, list[str], str]]] = {}
        for index in range(self.release.header_line, len(self.lines)):
            line = self.lines[index]
            self.line = index + 1
            if not line.strip():
                report.blank_lines.append(self.line)
                continue
            fields = _split(line)
            if len(fields) != self.width:
                report.deals_read += 1
                report.rejected += 1
                self.problem(
                    "row", line, f"{len(fields)} columns where the header has {self.width}"
                )
                continue
            deal_id = self.integer("SIPRI AT Database ID", fields[c["SIPRI AT Database ID"]])
            if deal_id is None:
                report.deals_read += 1
                report.rejected += 1
                if not fields[c["SIPRI AT Database ID"]].strip():
                    self.problem("SIPRI AT Database ID", "", "missing")
                continue
            groups.setdefault(deal_id, []).append((self.line, fields, line))
        deals = []
        for deal_id, rows in groups.items():
            report.deals_read += 1
            deal = self._deal(deal_id, rows)
            if deal is None:
                report.rejected += 1
            else:
                deals.append(deal)
        report.parsed = len(deals)
        report.problems.extend(self.problems)
        return deals

    def _deal(self, deal_id: int, rows: list[tuple[int, list[str], str]]) -> SipriDeal | None:
        c = self.columns
        before = len(self.problems)
        first_line, first, _ = rows[0]
        for line, fields, _ in rows[1:]:
            self.line = line
            for column in DEAL_ID_DEAL_COLUMNS:
                if fields[c[column]].strip() != first[c[column]].strip():
                    self.problem(
                        column,
                        fields[c[column]],
                        f"differs from line {first_line} of the same deal ({first[c[column]]!r})",
                    )
        deliveries = []
        for line, fields, _ in rows:
            self.line = line
            year = self.year("Delivery year", fields[c["Delivery year"]])
            delivery = Delivery(
                year=year or 0,
                number=self.integer("Numbers delivered", fields[c["Numbers delivered"]]),
                number_estimated=bool(
                    self.yes_no(
                        "Numbers delivered is estimate", fields[c["Numbers delivered is estimate"]]
                    )
                ),
                year_estimated=bool(
                    self.yes_no("Delivery year is estimate", fields[c["Delivery year is estimate"]])
                ),
                tiv=self.decimal("TIV delivery values", fields[c["TIV delivery values"]]),
                line=line,
            )
            if year is not None:
                deliveries.append(delivery)
        seen: dict[int, int] = {}
        for delivery in deliveries:
            if delivery.year in seen:
                self.line = delivery.line
                self.problem(
                    "Delivery year",
                    str(delivery.year),
                    f"a second delivery row for this year of deal {deal_id} "
                    f"(first on line {seen[delivery.year]})",
                )
            seen.setdefault(delivery.year, delivery.line)
        self.line = first_line
        supplier = parse_party(self.text("Supplier", first[c["Supplier"]]))
        recipient = parse_party(self.text("Recipient", first[c["Recipient"]]))
        designation = self.text("Designation", first[c["Designation"]])
        order_year = self.year("Order date", first[c["Order date"]])
        order_estimated = self.yes_no("Order date is estimate", first[c["Order date is estimate"]])
        status = self.status("Status", first[c["Status"]])
        tiv_estimate = self.decimal("SIPRI estimate", first[c["SIPRI estimate"]])
        tiv_unit = self.decimal("TIV deal unit", first[c["TIV deal unit"]])
        local = self.yes_no("Local production", first[c["Local production"]])
        if len(self.problems) > before:
            return None
        deliveries.sort(key=lambda d: d.year)
        years = tuple(d.year for d in deliveries)
        numbers = [d.number for d in deliveries]
        tivs = [d.tiv for d in deliveries]
        identity = f"deal:{deal_id}"
        return SipriDeal(
            identity=identity,
            deal_key=identity,
            occurrence=1,
            deal_id=deal_id,
            lines=tuple(line for line, _, _ in rows),
            text="\n".join(text for _, _, text in rows),
            supplier=supplier,
            recipient=recipient,
            designation=designation,
            description=first[c["Description"]].strip(),
            order_year=order_year,
            order_year_estimated=bool(order_estimated),
            number_ordered=None,  # not in this format
            number_ordered_estimated=False,
            number_delivered=None if None in numbers else sum(numbers),
            number_delivered_estimated=any(d.number_estimated for d in deliveries),
            delivery_years=years,
            first_delivery_year=years[0] if years else None,
            last_delivery_year=years[-1] if years else None,
            delivery_year_estimated=any(d.year_estimated for d in deliveries),
            status=status,
            tiv_per_unit=tiv_unit,
            tiv_total_order=None,  # not in this format
            tiv_delivered=None if None in tivs else sum(tivs, Decimal(0)),
            comments="",
            deliveries=tuple(deliveries),
            armament_category=first[c["Armament category"]].strip(),
            local_production=local,
            tiv_estimate=tiv_estimate,
        )
