"""Read a SIPRI export (classic trade register or deal-id format) into typed deals and a report.

Pure Python, no database: the loader calls ``sipri_read`` and gets every deal of the file as a
``SipriDeal``, or, for a row it cannot read, a ``Problem`` naming the line and the field. Nothing
is dropped silently: ``report.deals_read == report.parsed + report.rejected``.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from os import PathLike
from pathlib import Path

from .names import parse_party
from .records import (
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
        c = self.columns
        i_recipient, i_supplier = c["Recipient"], c["Supplier"]
        i_order, i_designation = c["Year of order"], c["Weapon designation"]
        i_description = c["Weapon description"]
        # (field, column, parser): each distinct value is parsed once (values repeat a lot)
        i_order_q, i_ordered = c.get("Year of order?"), c["Number ordered"]
        i_ordered_q, i_delivered = c.get("Number ordered?"), c["Number delivered"]
        i_delivered_q, i_years = c.get("Number delivered?"), c["Year(s) of delivery"]
        i_years_q, i_status = c.get("Year(s) of delivery?"), c["status"]
        i_unit, i_total = c["SIPRI TIV per unit"], c["SIPRI TIV for total order"]
        i_delivered_tiv = c["SIPRI TIV of delivered weapons"]
        i_comments = c["Comments"]
        report, problems, width = self.report, self.problems, self.width
        deals: list[SipriDeal] = []
        occurrences: dict[str, int] = defaultdict(int)
        key_occurrences: dict[str, int] = defaultdict(int)
        # Values repeat a lot: each distinct value is parsed once, then looked up. A value
        # that fails to parse is never cached, so each row holding it is reported.
        missing = object()
        caches: dict[str, dict] = defaultdict(dict)
        flags = {"?": True, "": False}
        years_cache, integers, decimals = caches["years"], caches["integers"], caches["decimals"]
        statuses = caches["statuses"]

        def slow(parser, cache, name, raw):
            count = len(problems)
            value = parser(name, raw)
            if len(problems) == count:
                cache[raw] = value
            return value

        def flag(column, name, row):
            if column is None:
                return False
            value = flags.get(row[column])
            if value is None:
                value = self.question_mark(name, row[column])
            return value

        make = SipriDeal.fast
        for numbers, fields, text in self.records():
            report.deals_read += 1
            self.line = numbers[0]
            before = len(problems)
            if len(fields) != width:
                self.problem("row", text, f"{len(fields)} columns where the header has {width}")
                report.rejected += 1
                continue
            raw = fields[i_order]
            order_year = years_cache.get(raw, missing)
            if order_year is missing:
                order_year = slow(self.year, years_cache, "Year of order", raw)
            raw = fields[i_ordered]
            number_ordered = integers.get(raw, missing)
            if number_ordered is missing:
                number_ordered = slow(self.integer, integers, "Number ordered", raw)
            raw = fields[i_delivered]
            number_delivered = integers.get(raw, missing)
            if number_delivered is missing:
                number_delivered = slow(self.integer, integers, "Number delivered", raw)
            raw = fields[i_years]
            years = caches["delivery"].get(raw, missing)
            if years is missing:
                years = slow(self.delivery_years, caches["delivery"], "Year(s) of delivery", raw)
            raw = fields[i_status]
            status = statuses.get(raw, missing)
            if status is missing:
                status = slow(self.status, statuses, "status", raw)
            raw = fields[i_unit]
            tiv_per_unit = decimals.get(raw, missing)
            if tiv_per_unit is missing:
                tiv_per_unit = slow(self.decimal, decimals, "SIPRI TIV per unit", raw)
            raw = fields[i_total]
            tiv_total_order = decimals.get(raw, missing)
            if tiv_total_order is missing:
                tiv_total_order = slow(self.decimal, decimals, "SIPRI TIV for total order", raw)
            raw = fields[i_delivered_tiv]
            tiv_delivered = decimals.get(raw, missing)
            if tiv_delivered is missing:
                tiv_delivered = slow(self.decimal, decimals, "SIPRI TIV of delivered weapons", raw)
            order_year_estimated = flags.get(fields[i_order_q]) if i_order_q is not None else False
            if order_year_estimated is None:
                order_year_estimated = flag(i_order_q, "Year of order ?", fields)
            number_ordered_estimated = (
                flags.get(fields[i_ordered_q]) if i_ordered_q is not None else False
            )
            if number_ordered_estimated is None:
                number_ordered_estimated = flag(i_ordered_q, "Number ordered ?", fields)
            number_delivered_estimated = (
                flags.get(fields[i_delivered_q]) if i_delivered_q is not None else False
            )
            if number_delivered_estimated is None:
                number_delivered_estimated = flag(i_delivered_q, "Number delivered ?", fields)
            delivery_year_estimated = (
                flags.get(fields[i_years_q]) if i_years_q is not None else False
            )
            if delivery_year_estimated is None:
                delivery_year_estimated = flag(i_years_q, "Year(s) of delivery ?", fields)
            supplier = fields[i_supplier]
            recipient = fields[i_recipient]
            designation = fields[i_designation]
            if not supplier.strip():
                self.problem("Supplier", supplier, "missing")
            if not recipient.strip():
                self.problem("Recipient", recipient, "missing")
            if not designation.strip():
                self.problem("Weapon designation", designation, "missing")
            if len(problems) > before:
                report.rejected += 1
                continue
            digest = _digest(*fields)
            occurrences[digest] += 1
            key = _digest(recipient, supplier, fields[i_order], designation, fields[i_description])
            key_occurrences[key] += 1
            deals.append(
                make(
                    identity=f"row:{digest}:{occurrences[digest]}",
                    deal_key=f"key:{key}:{key_occurrences[key]}",
                    occurrence=occurrences[digest],
                    deal_id=None,
                    lines=numbers,
                    text=text,
                    supplier=parse_party(supplier),
                    recipient=parse_party(recipient),
                    designation=designation.strip(),
                    description=fields[i_description].strip(),
                    order_year=order_year,
                    order_year_estimated=order_year_estimated,
                    number_ordered=number_ordered,
                    number_ordered_estimated=number_ordered_estimated,
                    number_delivered=number_delivered,
                    number_delivered_estimated=number_delivered_estimated,
                    delivery_years=years,
                    first_delivery_year=years[0] if years else None,
                    last_delivery_year=years[-1] if years else None,
                    delivery_year_estimated=delivery_year_estimated,
                    status=status,
                    tiv_per_unit=tiv_per_unit,
                    tiv_total_order=tiv_total_order,
                    tiv_delivered=tiv_delivered,
                    comments=fields[i_comments].strip(),
                )
            )
        report.parsed = len(deals)
        report.problems.extend(problems)
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
