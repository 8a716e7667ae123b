"""Dates known to a year, a month or a day.

A partial date is stored as two columns: the first day of the period it names and its precision.
"October 2019" is (2019-10-01, MONTH). Helpers here turn that pair into the interval it covers,
parse and format the ISO-like text form (``2019``, ``2019-10``, ``2019-10-05``) used by fixtures,
filters and the API.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .choices import DatePrecision

# ASCII digits only (``\d`` would take full-width and other digits), nothing around the date.
_PATTERN = re.compile(r"(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{2})(?:-(?P<d>[0-9]{2}))?)?")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date with an honest precision; ``date`` is the first day of the period."""

    date: dt.date
    precision: DatePrecision

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; raise ValueError otherwise."""
        match = _PATTERN.fullmatch(text) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"{text!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = match["y"], match["m"], match["d"]
        try:
            if day:
                return cls(dt.date(int(year), int(month), int(day)), DatePrecision.DAY)
            if month:
                return cls(dt.date(int(year), int(month), 1), DatePrecision.MONTH)
            return cls(dt.date(int(year), 1, 1), DatePrecision.YEAR)
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a real date: {exc}") from None

    @property
    def earliest(self) -> dt.date:
        return self.date

    @property
    def latest(self) -> dt.date:
        return period_end(self.date, self.precision)

    def contains(self, day: dt.date) -> bool:
        return self.earliest <= day <= self.latest

    def __str__(self) -> str:
        return format_partial(self.date, self.precision)


def truncate(day: dt.date, precision: int) -> dt.date:
    """The first day of the period of ``precision`` that contains ``day``."""
    if precision == DatePrecision.YEAR:
        return day.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    return day


def period_end(day: dt.date, precision: int) -> dt.date:
    """The last day of the period of ``precision`` that starts at (or contains) ``day``."""
    if precision == DatePrecision.YEAR:
        return dt.date(day.year, 12, 31)
    if precision == DatePrecision.MONTH:
        return dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return day


def format_partial(day: dt.date | None, precision: int | None) -> str:
    """``2019``, ``2019-10`` or ``2019-10-05``; empty for no date."""
    if day is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{day.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def is_aligned(day: dt.date, precision: int) -> bool:
    """True when ``day`` is the first day of its period (no invented month or day)."""
    return truncate(day, precision) == day


def not_before(later: PartialDate, earlier: PartialDate) -> bool:
    """False only when ``later`` certainly precedes ``earlier`` (at the coarser precision)."""
    coarse = min(later.precision, earlier.precision)
    return truncate(later.date, coarse) >= truncate(earlier.date, coarse)
