"""SIPRI party names: who sends or receives a deal, resolved to ISO codes.

SIPRI names a side of a deal in one of these ways:

- a state, current or historical, in SIPRI's own spelling (``Turkiye``, ``DR Congo``, ``Soviet
  Union``, ``East Germany (GDR)``);
- an armed group, marked ``*``, usually with the country it operates in between parentheses
  (``Hezbollah (Lebanon)*``, ``PIJ (Israel/Palestine)*``) or in its name (``Syria rebels*``);
- an international organisation, marked ``**`` (``NATO**``, ``United Nations**``);
- a rival government (``Libya GNC``, ``Libya HoR*``): a party operating in a state, not the state;
- nobody known (``unknown supplier(s)``, ``unknown recipient(s)``).

State names resolve in this order: ``SIPRI_STATE_CODES`` (SIPRI's spellings that ISO does not use),
then the ISO 3166-1 name, common name or official name (pycountry), case-insensitively. Nothing is
matched loosely: a name that is in neither is unresolved and reported, for a curator to add here.

Polities without an ISO 3166 code (Biafra, Katanga, North Yemen, Northern Cyprus, South Vietnam,
Kosovo) have a code from ISO 3166-1's user-assigned range, listed in one documented table,
``tracker.reference_data.USER_ASSIGNED_STATES``, that the state fixture is built from too.
SIPRI's ``Viet Nam`` is ``VN`` throughout, including the Democratic Republic of Vietnam before 1976
(SIPRI does not split it; ``VDVN`` is left for curators who want to).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from tracker.reference_data import USER_ASSIGNED_STATES  # noqa: F401 (re-exported)


class PartyKind(StrEnum):
    """What a side of a deal is."""

    STATE = "state"
    ARMED_GROUP = "armed_group"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    RIVAL_GOVERNMENT = "rival_government"
    UNKNOWN = "unknown"


# SIPRI's spellings (of parties and of the countries armed groups operate in) that ISO 3166 and
# pycountry do not use. build_state_fixture adds each as an alias of its state in
# fixtures/states.json, so the database resolves every SIPRI state name too.
SIPRI_STATE_CODES: dict[str, str] = {
    # current states, SIPRI's short names
    "Bosnia-Herzegovina": "BA",
    "Brunei": "BN",
    "Cote d'Ivoire": "CI",
    "DR Congo": "CD",
    "Kosovo": "XK",
    "Macedonia": "MK",
    "Micronesia": "FM",
    "Palestine": "PS",
    "Russia": "RU",
    "Saint Vincent": "VC",
    "Turkiye": "TR",
    "UAE": "AE",
    "UK": "GB",
    # spellings of SIPRI's comments and older releases
    "Turkey": "TR",
    "Türkiye": "TR",
    "USA": "US",
    "FRG": "DE",  # West Germany kept DE at unification
    "West Germany": "DE",
    "GDR": "DDDE",
    "USSR": "SUHH",
    "North Vietnam": "VN",
    # historical states, ISO 3166-3
    "Czechoslovakia": "CSHH",
    "East Germany (GDR)": "DDDE",
    "South Yemen": "YDYE",
    "Soviet Union": "SUHH",
    "Yugoslavia": "YUCS",
    # polities without an ISO code (table above)
    "Biafra": "QM",
    "Katanga": "QN",
    "North Yemen": "QP",
    "Yemen Arab Republic (North Yemen)": "QP",
    "Northern Cyprus": "QQ",
    "South Vietnam": "QR",
}

# Non-state parties whose name does not carry the country they operate in between parentheses:
# name (without the * marker) -> (kind, ISO code of the state they operate in, or None).
NON_STATE_PARTIES: dict[str, tuple[PartyKind, str | None]] = {
    "Libya GNC": (PartyKind.RIVAL_GOVERNMENT, "LY"),
    "Libya HoR": (PartyKind.RIVAL_GOVERNMENT, "LY"),
    "Haiti rebels": (PartyKind.ARMED_GROUP, "HT"),
    "Indonesia rebels": (PartyKind.ARMED_GROUP, "ID"),
    "Lebanon Palestinian rebels": (PartyKind.ARMED_GROUP, "LB"),
    "Syria rebels": (PartyKind.ARMED_GROUP, "SY"),
    "Ukraine Rebels": (PartyKind.ARMED_GROUP, "UA"),
    "unknown rebel group": (PartyKind.ARMED_GROUP, None),
}

UNKNOWN_PARTY_NAMES = frozenset({"unknown supplier(s)", "unknown recipient(s)"})

_OPERATES_IN = re.compile(r"^(?P<name>.+?) \((?P<where>[^()]+)\)$")


@dataclass(frozen=True, slots=True)
class Party:
    """One side of a deal as SIPRI names it.

    ``written`` is the name exactly as in the file; ``name`` drops the markers and, for a
    non-state party, the country in parentheses. ``state_code`` is set for a state;
    ``operates_in`` (the country as written) and ``operates_in_codes`` for a non-state party
    where SIPRI says where it operates. ``unresolved`` lists the names no table resolves.
    """

    written: str
    name: str
    kind: PartyKind
    state_code: str | None = None
    operates_in: str | None = None
    operates_in_codes: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """A natural key for the party: "state:TR", "armed_group:Hezbollah:LB",
        "international_organisation:NATO", "unknown:unknown supplier(s)"."""
        if self.kind is PartyKind.STATE:
            return f"state:{self.state_code or self.name}"
        places = "/".join(self.operates_in_codes)
        return f"{self.kind.value}:{self.name}" + (f":{places}" if places else "")

    @property
    def is_state(self) -> bool:
        return self.kind is PartyKind.STATE

    @property
    def resolved(self) -> bool:
        return not self.unresolved


@cache
def _iso_index() -> dict[str, str]:
    """ISO 3166-1 names (name, common name, official name), casefolded -> alpha-2 code."""
    import pycountry

    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value:
                index.setdefault(value.casefold(), country.alpha_2)
    return index


def state_code(name: str) -> str | None:
    """The ISO code of a state named `name` (SIPRI spelling or ISO name), or None."""
    name = name.strip()
    code = SIPRI_STATE_CODES.get(name)
    if code is None:
        code = _iso_index().get(name.casefold())
    return code


def state_match(name: str) -> str | None:
    """How `name` resolves: "sipri" (SIPRI_STATE_CODES), "iso" (pycountry), or None."""
    name = name.strip()
    if name in SIPRI_STATE_CODES:
        return "sipri"
    if name.casefold() in _iso_index():
        return "iso"
    return None


@cache
def parse_party(written: str) -> Party:
    """Parse one SIPRI party name (cached: a register names a few hundred parties)."""
    text = written.strip()
    if text in UNKNOWN_PARTY_NAMES:
        return Party(written=written, name=text, kind=PartyKind.UNKNOWN)
    if text.endswith("**"):
        return Party(
            written=written, name=text[:-2].strip(), kind=PartyKind.INTERNATIONAL_ORGANISATION
        )
    marked = text.endswith("*")
    base = text[:-1].strip() if marked else text
    if base in NON_STATE_PARTIES:
        kind, code = NON_STATE_PARTIES[base]
        return Party(
            written=written,
            name=base,
            kind=kind,
            operates_in_codes=(code,) if code else (),
        )
    if not marked:
        code = state_code(base)
        return Party(
            written=written,
            name=base,
            kind=PartyKind.STATE,
            state_code=code,
            unresolved=() if code else (base,),
        )
    match = _OPERATES_IN.match(base)
    if match is None:
        # an armed group without a country: reported so a curator says where it operates
        return Party(written=written, name=base, kind=PartyKind.ARMED_GROUP, unresolved=(base,))
    where = match["where"]
    places = [p.strip() for p in where.split("/")]
    codes = tuple(c for c in (state_code(p) for p in places) if c)
    missing = tuple(p for p in places if not state_code(p))
    return Party(
        written=written,
        name=match["name"],
        kind=PartyKind.ARMED_GROUP,
        operates_in=where,
        operates_in_codes=codes,
        unresolved=missing,
    )
