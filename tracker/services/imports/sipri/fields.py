"""Shared pieces of the SIPRI readers: line splitting, header columns, identity hashes, and
field parsers that report a bad value (line, field, value, why) instead of raising."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from decimal import Decimal

from .records import Problem, SipriStatus

MAX_CONTINUATION_LINES = 3
# What the database holds: whole numbers in a 32-bit integer column, TIV values in
# numeric(16, 4) (below 10^12), years from 1900 to next year (a year beyond is a typo).
MAX_INTEGER = 2**31 - 1
MAX_TIV = Decimal(10) ** 12
FIRST_YEAR = 1900


def last_year() -> int:
    return dt.date.today().year + 1


class SipriFormatError(ValueError):
    """The file is not a SIPRI export this reader knows (no recognisable header)."""


STATUSES = {
    "new": SipriStatus.NEW,
    "second hand": SipriStatus.SECOND_HAND,
    "second-hand": SipriStatus.SECOND_HAND,
    "second hand but modernized": SipriStatus.SECOND_HAND_MODERNISED,
    "second hand but modernised": SipriStatus.SECOND_HAND_MODERNISED,
}
_DECIMAL = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_YEARS = re.compile(r"(\d{4})(?:\s*-\s*(\d{4}))?")


def split_line(line: str) -> list[str]:
    # SIPRI's classic export never quotes; other exports may: the csv module handles quotes
    if '"' not in line:
        return line.split(",")
    return next(csv.reader([line]), [])


def column_index(header: tuple[str, ...], expected: tuple[str, ...]) -> dict[str, int]:
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


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


class RowParser:
    """Field parsers that record a Problem and return None on a bad value."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.line = 0

    def problem(self, field: str, value: str, message: str) -> None:
        self.problems.append(Problem(self.line, field, value, message))

    def integer(self, field: str, value: str, *, required: bool = False) -> int | None:
        value = value.strip()
        if value.isdigit() and value.isascii():
            number = int(value)
            if number <= MAX_INTEGER:
                return number
            self.problem(field, value, f"larger than {MAX_INTEGER}")
            return None
        if value or required:
            self.problem(field, value, "not a whole number" if value else "missing")
        return None

    def year(self, field: str, value: str) -> int | None:
        value = value.strip()
        if len(value) == 4 and value.isdigit() and value.isascii():
            year = int(value)
            if self.year_in_range(field, value, year):
                return year
            return None
        if value:
            self.problem(field, value, "not a year")
        return None

    def year_in_range(self, field: str, value: str, year: int) -> bool:
        if FIRST_YEAR <= year <= last_year():
            return True
        self.problem(field, value, f"year out of range ({FIRST_YEAR}-{last_year()})")
        return False

    def decimal(self, field: str, value: str) -> Decimal | None:
        value = value.strip()
        if _DECIMAL.fullmatch(value):
            number = Decimal(value)
            if number < MAX_TIV:
                return number
            self.problem(field, value, f"not below {MAX_TIV:,.0f}")
            return None
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
            for year, text in ((first, match[1]), (last, match[2])):
                if text and not self.year_in_range(field, value, year):
                    return ()
            years.extend(range(first, last + 1))
        return tuple(sorted(set(years)))
