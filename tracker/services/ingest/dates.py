"""Temporal phrases in a clause, resolved against the publication date at their real precision.

"on Monday" is the latest Monday on or before publication (a day); "in early October", "last
month", "in May of last year" give a month; "earlier this year", "late 2018", "last autumn" give
a year. A publication date known only to the month or the year limits what a weekday or "last
week" can say. Each phrase keeps its span so that a decision takes the phrase nearest its trigger.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from ...choices import DatePrecision
from ...partial_dates import PartialDate

DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
#: The months a season starts and ends in (northern hemisphere, as the outlets write).
SEASONS = {
    "spring": (3, 5),
    "summer": (6, 8),
    "autumn": (9, 11),
    "fall": (9, 11),
    "winter": (12, 2),
}

_M = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_Y = r"(?P<year>(?:19|20)\d\d)"
_REL_YEAR = r"(?P<rel>last|this|previous|the previous|next) year"
#: What may follow a month: ", 2019", " of last year", " last year".
_SUFFIX = rf"(?:,? {_Y}| (?:of )?{_REL_YEAR})"
_PART = r"(?:(?:early|mid|late|the (?:start|beginning|middle|end) of|the first half of)[- ])"

#: (pattern, kind) in the order they are tried; a later pattern never takes text an earlier one
#: already took.
PATTERNS: list[tuple[str, str]] = [
    (
        rf"\b{_M} (?P<day>\d{{1,2}})(?:st|nd|rd|th)?{_SUFFIX}?\b",
        "day",
    ),
    (
        rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?{_M}{_SUFFIX}?",
        "day",
    ),
    (rf"\b{_PART}?{_M}{_SUFFIX}?\b", "month"),
    (r"\b(?:last|this|previous|the previous) month\b", "rel_month"),
    # "on Thursday last week": that day of the calendar week before
    (
        r"\b(?:on |last )?(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
        r" (?:of )?last week\b",
        "weekday_last_week",
    ),
    (r"\blast week\b", "last_week"),
    (r"\bthis week\b", "this_week"),
    (r"\b(?:over|at|during) the (?:past |last )?weekend\b", "weekend"),
    (r"\b(?P<n>a|one|two|three|four|five|six|\d{1,2}) (?P<unit>days?|weeks?) ago\b", "ago"),
    (
        r"\b(?:at |since |from |by )?the (?:start|beginning|end|middle) of (?:the |this )?year\b",
        "this_year",
    ),
    (r"\b(?P<season>spring|summer|autumn|fall|winter) of (?P<year>(?:19|20)\d\d)\b", "year"),
    (r"\b(?:last|this|the past) (?P<season>spring|summer|autumn|fall|winter)\b", "season"),
    # "in the spring": the latest such season that began by the publication date
    (
        r"\b(?:in|during) (?:the )?(?P<season>spring|summer|autumn|fall|winter)\b(?! of)",
        "in_season",
    ),
    (rf"\b(?:{_PART}|earlier |later )?{_REL_YEAR}\b", "relative_year"),
    (
        r"\bthe (?:first|second|last) (?:half|quarter|\w+ months) of (?:the|this) year\b|"
        r"\b(?:so far|earlier|later) this year\b",
        "this_year",
    ),
    (rf"\b{_PART}?(?<![\d,.$€£-]){_Y}(?!\d|,\d|-\d)\b", "year"),
    (
        r"\b(?:on |last |this |since |from |until )?"
        r"(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b(?!'s)",
        "weekday",
    ),
    (r"\byesterday\b", "yesterday"),
    (r"\btoday\b", "today"),
]
COMPILED = [(re.compile(p, re.IGNORECASE), kind) for p, kind in PATTERNS]
NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
#: Capitalised month names that are also words ("May", "March") only count as months beside a
#: preposition, a day or a year.
AMBIGUOUS_MONTHS = {"may", "march", "jan", "mar", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}


@dataclass(frozen=True)
class Temporal:
    """A date phrase of a text: its span, the first day of its period and the precision."""

    start: int
    end: int
    date: dt.date
    precision: DatePrecision


def as_partial(published) -> PartialDate | None:
    """The publication date as a PartialDate; a plain date is known to the day."""
    if published is None or isinstance(published, PartialDate):
        return published
    return PartialDate(published, DAY)


def _latest(month: int, day: int, published: PartialDate | None) -> int | None:
    """The year of the latest such month (and day) not after publication."""
    if published is None:
        return None
    limit = published.latest
    return limit.year if dt.date(limit.year, month, min(day, 28)) <= limit else limit.year - 1


def _relative_year(rel: str | None, published: PartialDate | None) -> int | None:
    if published is None or rel is None:
        return None
    rel = rel.lower()
    if rel == "this":
        return published.date.year
    if rel == "next":
        return published.date.year + 1
    return published.date.year - 1


def _coarsen(day: dt.date, precision: DatePrecision, published: PartialDate):
    """A day known from a weekday cannot be more precise than the publication date."""
    if published.precision < precision:
        precision = published.precision
    return _truncate(day, precision), precision


def _truncate(day: dt.date, precision: DatePrecision) -> dt.date:
    if precision == YEAR:
        return day.replace(month=1, day=1)
    if precision == MONTH:
        return day.replace(day=1)
    return day


def _modifier(match: re.Match) -> bool:
    """A year used as an adjective ("a 1990 law", "the 2019 review") dates the noun, not an
    event of the clause."""
    before = match.string[max(0, match.start() - 8) : match.start()]
    after = match.string[match.end() : match.end() + 3]
    return bool(re.search(r"\b(?:a|an|the|its|their|his|her)\s+$", before, re.I)) and bool(
        re.match(r" [a-z]", after)
    )


def _resolve(match: re.Match, kind: str, published: PartialDate | None):
    g = match.groupdict()
    text = match.group(0).lower()
    if kind in ("day", "month"):
        month = MONTHS[g["month"].lower()]
        raw_month = g["month"]
        if raw_month.lower() in AMBIGUOUS_MONTHS and kind == "month":
            # "May" the verb, "march" the noun: only with a year or after a preposition.
            before = match.string[max(0, match.start() - 12) : match.start()].lower()
            bare = not (g.get("year") or g.get("rel")) and not re.search(
                r"\b(?:in|since|from|until|by|of|early|late|mid|end of)[- ]$", before
            )
            if bare and (not raw_month[0].isupper() or raw_month.lower() in ("may", "march")):
                return None
        day = int(g["day"]) if kind == "day" else 1
        if g.get("year"):
            year = int(g["year"])
        elif g.get("rel"):
            year = _relative_year(g["rel"].split()[-1], published)
        else:
            year = _latest(month, day, published)
        if year is None:
            return None
        try:
            return dt.date(year, month, day), DAY if kind == "day" else MONTH
        except ValueError:
            return None
    if published is None:
        if kind == "year" and not _modifier(match):
            return dt.date(int(g["year"]), 1, 1), YEAR
        return None
    pub = published.date
    if kind == "year":
        if _modifier(match):
            return None
        return dt.date(int(g["year"]), 1, 1), YEAR
    if kind == "this_year":
        return dt.date(pub.year, 1, 1), YEAR
    if kind == "relative_year":
        year = _relative_year(g["rel"].split()[-1], published)
        return dt.date(year, 1, 1), YEAR
    if kind == "season":
        first, last = SEASONS[g["season"].lower()]
        ends = last if last >= first else 12  # winter runs into the next year
        year = pub.year if published.latest.month > ends and text.startswith("last") else None
        if year is None:
            year = pub.year if text.startswith("this") else pub.year - 1
        return dt.date(year, 1, 1), YEAR
    if kind == "in_season":
        first, _ = SEASONS[g["season"].lower()]
        return dt.date(pub.year if first <= published.latest.month else pub.year - 1, 1, 1), YEAR
    if kind == "rel_month":
        if text.startswith("this"):
            return pub.replace(day=1), MONTH
        previous = pub.replace(day=1) - dt.timedelta(days=1)
        return previous.replace(day=1), MONTH
    if kind == "last_week":
        if published.precision != DAY:
            return dt.date(pub.year, 1, 1), YEAR
        monday = pub - dt.timedelta(days=pub.weekday() + 7)
        sunday = monday + dt.timedelta(days=6)
        if monday.month == sunday.month:
            return monday.replace(day=1), MONTH
        return dt.date(monday.year, 1, 1), YEAR
    if kind in ("this_week", "weekend", "ago", "weekday_last_week"):
        if published.precision != DAY:
            return dt.date(pub.year, 1, 1), YEAR
        if kind == "weekday_last_week":
            monday = pub - dt.timedelta(days=pub.weekday() + 7)
            return monday + dt.timedelta(days=WEEKDAYS[g["weekday"].lower()]), DAY
        if kind == "ago":
            n = NUMBERS.get(g["n"].lower()) or int(g["n"])
            if g["unit"].startswith("day"):
                return pub - dt.timedelta(days=n), DAY
            first = pub - dt.timedelta(days=pub.weekday() + 7 * n)
            last = first + dt.timedelta(days=6)
        elif kind == "this_week":
            first, last = pub - dt.timedelta(days=pub.weekday()), pub
        else:  # the latest weekend that ended by the publication date
            last = pub - dt.timedelta(days=(pub.weekday() - 6) % 7)
            first = last - dt.timedelta(days=1)
        if first.month == last.month:
            return first.replace(day=1), MONTH
        return dt.date(first.year, 1, 1), YEAR
    if kind == "weekday":
        back = (published.latest.weekday() - WEEKDAYS[g["weekday"].lower()]) % 7
        if text.startswith("last") and back == 0:
            back = 7
        return _coarsen(published.latest - dt.timedelta(days=back), DAY, published)
    if kind == "yesterday":
        return _coarsen(published.latest - dt.timedelta(days=1), DAY, published)
    if kind == "today":
        return _coarsen(published.latest, DAY, published)
    return None


def temporal_phrases(text: str, published) -> list[Temporal]:
    """Every date phrase of ``text`` that resolves, in text order, none overlapping."""
    published = as_partial(published)
    taken: list[tuple[int, int]] = []
    found = []
    for pattern, kind in COMPILED:
        for match in pattern.finditer(text):
            if any(match.start() < b and a < match.end() for a, b in taken):
                continue
            resolved = _resolve(match, kind, published)
            if resolved is None:
                continue
            taken.append((match.start(), match.end()))
            found.append(Temporal(match.start(), match.end(), *resolved))
    return sorted(found, key=lambda t: t.start)


def resolve_date(sentence: str, published) -> tuple[dt.date | None, int | None]:
    """The first date a sentence gives, at its precision (for callers without a trigger)."""
    phrases = temporal_phrases(sentence, published)
    if not phrases:
        return None, None
    return phrases[0].date, int(phrases[0].precision)
