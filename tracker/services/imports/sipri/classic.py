"""The classic SIPRI trade register: one row per deal, `?` columns for uncertain values."""

from __future__ import annotations

import csv
from collections import defaultdict

from .fields import MAX_CONTINUATION_LINES, RowParser, column_index, digest, split_line
from .names import parse_party
from .records import DEAL_DEFAULTS, Problem, ReadReport, Release, SipriDeal

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


class ClassicReader(RowParser):
    """Reads the rows of a classic register into deals; identity is a hash of the row."""

    def __init__(self, lines: list[str], release: Release, report: ReadReport) -> None:
        super().__init__()
        self.lines = lines
        self.release = release
        self.report = report
        self.columns = column_index(release.header, CLASSIC_COLUMNS)
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
            fields = split_line(line)
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
            continuation = split_line(self.lines[position + used - 1])
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
                report.unkeyed_lines.append(numbers[0])
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
        digests = [digest(*fields) for _, fields, _ in rows]
        keys = [digest(*fields) for fields in zip(*key_columns, strict=True)]
        occurrences: dict[str, int] = defaultdict(int)
        key_occurrences: dict[str, int] = defaultdict(int)
        identities, deal_keys, occurrence = [], [], []
        for index, (row_digest, key) in enumerate(zip(digests, keys, strict=True)):
            if index in bad_rows:  # a rejected row takes no occurrence number
                identities.append(None), deal_keys.append(None), occurrence.append(None)
                report.rejected_keys.add(f"key:{key}")
                continue
            occurrences[row_digest] += 1
            key_occurrences[key] += 1
            occurrence.append(occurrences[row_digest])
            identities.append(f"row:{row_digest}:{occurrences[row_digest]}")
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
