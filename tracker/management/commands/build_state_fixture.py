"""Regenerate fixtures/states.json: ISO states from pycountry, the user-assigned codes of
``tracker.reference_data``, hand-made aliases, demonyms and capitals from the countryinfo dataset,
and SIPRI's spellings of state names.

Deterministic: the same pycountry release gives the same bytes (tests compare the output with the
committed file).
"""

from __future__ import annotations

import json
from pathlib import Path

import countryinfo
import pycountry
from django.conf import settings
from django.core.management.base import BaseCommand

from tracker.choices import AliasKind, StateStatus
from tracker.partial_dates import PartialDate
from tracker.reference_data import USER_ASSIGNED_STATES, reference_record
from tracker.services.imports.sipri.names import SIPRI_STATE_CODES

#: Fixed timestamps keep the generated file byte-stable between runs.

A, D, C, N, AB = (
    AliasKind.ADJECTIVE,
    AliasKind.DEMONYM,
    AliasKind.CAPITAL,
    AliasKind.NAME,
    AliasKind.ABBREVIATION,
)

#: Names pycountry does not carry: adjectives, demonyms, capitals used as metonyms, short names
#: used by wire services. Only what the library lacks.
HAND_ALIASES: dict[str, list[tuple[str, str]]] = {
    "AE": [("UAE", AB), ("Emirati", A), ("Emirates", N), ("Abu Dhabi", C)],
    "AM": [("Armenian", A), ("Yerevan", C)],
    "AU": [("Australian", A), ("Canberra", C)],
    "AZ": [("Azerbaijani", A), ("Azeri", A), ("Baku", C)],
    "BE": [("Belgian", A), ("Brussels", C)],
    "BR": [("Brazilian", A), ("Brasilia", C)],
    "CA": [("Canadian", A), ("Ottawa", C)],
    "CH": [("Swiss", A), ("Bern", C)],
    "CN": [("Chinese", A), ("Beijing", C)],
    "DE": [("German", A), ("Berlin", C)],
    "DK": [("Danish", A), ("Dane", D), ("Copenhagen", C)],
    "EG": [("Egyptian", A), ("Cairo", C)],
    "ES": [("Spanish", A), ("Madrid", C)],
    "FI": [("Finnish", A), ("Helsinki", C)],
    "FR": [("French", A), ("Paris", C)],
    "GB": [
        ("UK", AB),
        ("U.K.", AB),
        ("Britain", N),
        ("Great Britain", N),
        ("British", A),
        ("Briton", D),
        ("London", C),
    ],
    "IL": [("Israeli", A), ("Jerusalem", C)],
    "IN": [("Indian", A), ("New Delhi", C)],
    "IR": [("Iran", N), ("Iranian", A), ("Tehran", C)],
    "IT": [("Italian", A), ("Rome", C)],
    "JP": [("Japanese", A), ("Tokyo", C)],
    "KR": [("Korean", A), ("South Korean", A), ("Seoul", C)],
    "LY": [("Libyan", A), ("Tripoli", C)],
    "NL": [("Dutch", A), ("Holland", N), ("Amsterdam", C), ("The Hague", C)],
    "NO": [("Norwegian", A), ("Oslo", C)],
    "PK": [("Pakistani", A), ("Islamabad", C)],
    "QA": [("Qatari", A), ("Doha", C)],
    "RU": [("Russia", N), ("Russian", A), ("Moscow", C), ("Kremlin", C)],
    "SA": [("Saudi", A), ("Riyadh", C)],
    "SE": [("Swedish", A), ("Swede", D), ("Stockholm", C)],
    "SY": [("Syria", N), ("Syrian", A), ("Damascus", C)],
    "TR": [("Turkey", N), ("Turkiye", N), ("Turkish", A), ("Turk", D), ("Ankara", C)],
    "UA": [("Ukrainian", A), ("Kyiv", C), ("Kiev", C)],
    "US": [
        ("US", AB),
        ("U.S.", AB),
        ("USA", AB),
        ("United States", N),
        ("America", N),
        ("American", A),
        ("Washington", C),
    ],
    "VN": [("Vietnam", N), ("Vietnamese", A), ("Hanoi", C)],
    "YE": [("Yemeni", A), ("Sanaa", C)],
}


def _state(code, alpha3, name, official_name, status, withdrawn=None):
    when = PartialDate.parse(withdrawn) if withdrawn else None
    return reference_record(
        "tracker.state",
        code=code,
        alpha3=alpha3 or "",
        name=name,
        official_name=official_name or "",
        status=status,
        valid_until=when.date.isoformat() if when else None,
        valid_until_precision=int(when.precision) if when else None,
    )


def _alias(code, name, kind):
    return reference_record("tracker.statealias", state=[code], name=name, kind=kind, language="en")


#: Capitals that are also common names or words ("Victoria", "Hamilton", "The Valley"): a text
#: naming them rarely means the government of a state.
AMBIGUOUS_CAPITALS = {
    "Avarua",
    "Basseterre",
    "Castries",
    "Douglas",
    "George Town",
    "Georgetown",
    "Hamilton",
    "Jamestown",
    "Kingston",
    "King Edward Point",
    "Road Town",
    "Saint Helier",
    "San José",
    "San Juan",
    "Santiago",
    "Stanley",
    "The Valley",
    "Victoria",
    "Washington D.C.",
    "Plymouth",
    "Brades",
    "Adamstown",
    "Flying Fish Cove",
    "West Island",
    "Kingstown",
    "Nassau",
    "Cockburn Town",
    "Charlotte Amalie",
    "Saint-Pierre",
    "Papeete",
    "Nouméa",
}


def _countryinfo_aliases() -> dict[str, list[tuple[str, str]]]:
    """Demonyms and capitals from the countryinfo dataset, for every state it covers; a name
    claimed by two states there ("Indian", "French": a country and its territories) is left
    to the hand-made list, where a person decided whose it is."""
    rows = []
    for country in countryinfo.all_countries():
        info = country.info()
        code = (info.get("ISO") or {}).get("alpha2")
        if not code:
            continue
        capitals = info.get("capital") or []
        capitals = [capitals] if isinstance(capitals, str) else list(capitals)
        rows.append((code, info.get("demonym") or "", capitals))
    claims: dict[str, set[str]] = {}
    for code, demonym, capitals in rows:
        for name in [demonym, *capitals]:
            if name:
                claims.setdefault(name.casefold(), set()).add(code)
    by_code: dict[str, list[tuple[str, str]]] = {}
    for code, demonym, capitals in sorted(rows):
        pairs = [(demonym, A)] + [(c, C) for c in capitals if c not in AMBIGUOUS_CAPITALS]
        for name, kind in pairs:
            if name and claims[name.casefold()] == {code}:
                by_code.setdefault(code, []).append((name, kind))
    return by_code


def _sipri_aliases() -> dict[str, list[tuple[str, str]]]:
    """SIPRI's spellings of state names (SIPRI_STATE_CODES) by state code; all-capital ones
    (UAE, USSR) are abbreviations."""
    by_code: dict[str, list[tuple[str, str]]] = {}
    for name, code in sorted(SIPRI_STATE_CODES.items()):
        by_code.setdefault(code, []).append((name, AB if name.isupper() else N))
    return by_code


def build_state_records() -> list[dict]:
    """Every ISO 3166-1 state, every ISO 3166-3 historical state and the user-assigned states,
    each with its aliases (pycountry's names, hand-made ones, SIPRI's spellings), sorted by code;
    aliases unique per state ignoring case."""
    states, aliases = [], []
    sipri_aliases = _sipri_aliases()
    dataset_aliases = _countryinfo_aliases()
    hand_names = {
        name.casefold(): code for code, pairs in HAND_ALIASES.items() for name, _ in pairs
    }

    def add_aliases(code, shown_name, pairs):
        seen = {shown_name.casefold()}
        for alias, kind in pairs:
            if alias and alias.casefold() not in seen:
                seen.add(alias.casefold())
                aliases.append(_alias(code, alias, kind))

    for country in pycountry.countries:
        code = country.alpha_2
        shown = getattr(country, "common_name", None) or country.name
        official = getattr(country, "official_name", "")
        states.append(_state(code, country.alpha_3, shown, official, StateStatus.CURRENT))
        pairs = [(country.name, N), (official, AliasKind.OFFICIAL_NAME)]
        pairs += HAND_ALIASES.get(code, []) + sipri_aliases.get(code, [])
        # The dataset never overrides a hand-made alias of another state.
        pairs += [
            (name, kind)
            for name, kind in dataset_aliases.get(code, [])
            if hand_names.get(name.casefold(), code) == code
        ]
        add_aliases(code, shown, pairs)
    for country in pycountry.historic_countries:
        code = country.alpha_4
        states.append(
            _state(
                code,
                getattr(country, "alpha_3", ""),
                country.name,
                "",
                StateStatus.HISTORICAL,
                getattr(country, "withdrawal_date", None),
            )
        )
        add_aliases(code, country.name, sipri_aliases.get(code, []))
    for polity in USER_ASSIGNED_STATES.values():
        status = StateStatus.HISTORICAL if polity.ended else StateStatus.PARTIALLY_RECOGNISED
        states.append(
            _state(
                polity.code,
                polity.alpha3,
                polity.name,
                polity.official_name,
                status,
                polity.ended,
            )
        )
        pairs = [(polity.official_name, AliasKind.OFFICIAL_NAME)]
        add_aliases(polity.code, polity.name, pairs + sipri_aliases.get(polity.code, []))
    states.sort(key=lambda r: r["fields"]["code"])
    aliases.sort(key=lambda r: (r["fields"]["state"][0], r["fields"]["name"]))
    return states + aliases


class Command(BaseCommand):
    help = (
        "Regenerate fixtures/states.json (ISO states from pycountry, user-assigned codes, "
        "hand-made aliases and SIPRI's spellings)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(Path(settings.FIXTURE_DIRS[0]) / "states.json"))

    def handle(self, *args, output, **options):
        records = build_state_records()
        Path(output).write_text(
            json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        states = sum(r["model"] == "tracker.state" for r in records)
        self.stdout.write(f"Wrote {states} states and {len(records) - states} aliases to {output}")
