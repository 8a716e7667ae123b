"""What SIPRI's Comments say about items: the model behind a generic designation, the platform a
component goes into, and the families ("Hurkus") that comments name where deals use designations.

Everything here is inference from free text: the loader stores it as drafts for curators to
review, with the comment as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from .categories import DESCRIPTION_CATEGORIES
from .names import state_code
from .records import SipriDeal

# Makers named in SIPRI's comments -> the state they are based in. A maker whose state changed
# over the register's years (Soviet then Russian or Ukrainian plants, Czechoslovak ones) maps to
# None: the item's origin then stays the supplier state of the deal.
MAKER_STATES: dict[str, str | None] = {
    "Pratt & Whitney Canada": "CA",
    "Pratt & Whitney": "US",
    "General Electric": "US",
    "Allison": "US",
    "Caterpillar": "US",
    "Chrysler": "US",
    "Continental": "US",
    "Cummins": "US",
    "Detroit Diesel": "US",
    "Fairbanks Morse": "US",
    "Garrett": "US",
    "GM": "US",
    "General Motors": "US",
    "Honeywell": "US",
    "LHTEC": "US",
    "Lycoming": "US",
    "Textron Lycoming": "US",
    "Westinghouse": "US",
    "Rolls-Royce": "GB",
    "Rolls Royce": "GB",
    "Bristol Siddeley": "GB",
    "Bristol": "GB",
    "English-Electric": "GB",
    "English Electric": "GB",
    "Napier": "GB",
    "Paxman": "GB",
    "Perkins": "GB",
    "MTU": "DE",
    "MAN": "DE",
    "MB": "DE",
    "Mercedes-Benz": "DE",
    "Deutz": "DE",
    "Büssing": "DE",
    "SEMT-Pielstick": "FR",
    "SEMT Pielstick": "FR",
    "Pielstick": "FR",
    "Turbomeca": "FR",
    "Safran": "FR",
    "Baudouin": "FR",
    "Wärtsilä": "FI",
    "B&W": "DK",
    "Burmeister & Wain": "DK",
    "Scania": "SE",
    "Volvo": "SE",
    "Isotta Fraschini": "IT",
    "Fiat": "IT",
    "Iveco": "IT",
    "Avio": "IT",
    "Steyr": "AT",
    "Doosan": "KR",
    "Hanwha": "KR",
    "Mitsubishi": "JP",
    "Kawasaki": "JP",
    "Klimov": None,
    "Malyshev": None,
    "Motor Sich": None,
    "Ivchenko": None,
    "KAMAZ": None,
    "YaMZ": None,
    "Tatra": None,
    "Walter": None,
}
_MAKERS = sorted(MAKER_STATES, key=len, reverse=True)

_ENGINE_TYPE = re.compile(
    r"\b(?P<type>turboprop|turboshaft|turbofan|turbojet|gas tu[er]bine|steam turbine"
    r"|(?:diesel|petrol|gasoline|multi-fuel|AIP|Stirling) engine|diesel|engine)s?\b",
    re.IGNORECASE,
)
_POWER = re.compile(
    r"\s*\((?:[^()]*\d[^()]*(?:hp|shp|kW|lbst|kN))\)|\s*[±~]?\b\d[\d.,]*(?:-\d[\d.,]*)?\s*(?:hp|shp|kW)\b"
)
_HEDGE = re.compile(r"^(?:probably|possibly|reportedly)\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ComponentModel:
    """The model Comments name for a generic designation ("aircraft engine")."""

    model: str | None  # "PT-6A-68T"; None where only the maker or the power is named
    maker: str | None  # "Pratt & Whitney Canada"
    maker_state: str | None  # "CA", from MAKER_STATES
    kind: str  # "turboprop", "diesel engine": the component type as written
    text: str  # the words of the comment it was read from


@dataclass(frozen=True, slots=True)
class ItemRef:
    """The item a deal is about: its model, type, maker and state of origin.

    For a generic designation without a model in Comments, the item is the generic one of the
    supplier and description ("aircraft engine" from Canada): ``generic`` is True.
    """

    designation: str
    description: str
    maker: str | None
    origin_state: str | None
    generic: bool
    inferred: bool  # read from Comments (a draft), not from the designation column


def component_model(comments: str) -> ComponentModel | None:
    """Read "Pratt & Whitney Canada PT-6A-68T (1600hp) turboprop for ..." into its parts."""
    for segment in comments.split(";"):
        segment = re.split(r"\s+for\s+|\s+spares?\b", segment, maxsplit=1, flags=re.I)[0].strip()
        # the last match: "Detroit Diesel 6V-53T diesel engine" is a diesel engine by Detroit
        matches = list(_ENGINE_TYPE.finditer(segment))
        match = matches[-1] if matches else None
        if match is None:
            continue
        head = _HEDGE.sub("", segment[: match.start()].strip())
        head = _POWER.sub("", head).strip(" ,")
        if not head or head.startswith(("For ", "for ", "'", "$")):
            continue
        maker = next((m for m in _MAKERS if head == m or head.startswith((m + " ", m + "-"))), None)
        model = head[len(maker) :].strip(" -") if maker else head
        model = re.sub(r"\s*\((?:possibly|probably)[^)]*\)$", "", model).strip()
        words = model.split()
        while words and words[-1].islower():  # "Hercules-738 radial" -> "Hercules-738"
            words.pop()
        model = " ".join(words) or None
        return ComponentModel(
            model=model,
            maker=maker,
            maker_state=MAKER_STATES.get(maker) if maker else None,
            kind=match["type"].lower(),
            text=segment,
        )
    return None


def deal_item(deal: SipriDeal) -> ItemRef:
    """The item of a deal: the designation, or for a generic one the model in Comments, else the
    generic item of the supplier and description. Origin: the maker's state, else the supplier's."""
    supplier_state = deal.supplier.state_code
    if not deal.generic:
        return ItemRef(
            deal.designation, deal.description, None, supplier_state, generic=False, inferred=False
        )
    found = component_model(deal.comments)
    if found is None or found.model is None:
        return ItemRef(
            deal.designation,
            deal.description,
            found.maker if found else None,
            supplier_state,
            generic=True,
            inferred=found is not None,
        )
    return ItemRef(
        found.model,
        deal.description,
        found.maker,
        found.maker_state or supplier_state,
        generic=False,
        inferred=True,
    )


# --- destinations: "for 15 Hurkus-B trainer aircraft produced in Turkey" --------------------


@dataclass(frozen=True, slots=True)
class Destination:
    """A platform a component goes into, as a comment names it."""

    count: int | None
    designation: str  # "Hurkus-B", or a family ("Hurkus", "MilGem")
    description: str  # "trainer aircraft", singular, as SIPRI describes items
    origin: str | None  # "Turkey", as written
    origin_state: str | None  # "TR"
    text: str  # the clause of the comment, for evidence


_FOR = re.compile(r"\bfor\s+", re.IGNORECASE)
_ORIGIN = re.compile(
    r"\s+(?:delivered\s+)?(?:from(?:\s+in)?|produced\s+in|built\s+in|assembled\s+in)"
    r"\s+(?:the\s+)?"
    r"(?P<origin>[A-Z][\w'.-]*(?:\s+[A-Z(][\w'.()-]*)*)"
)
_LEAD = re.compile(
    r"^(?:(?:the\s+)?(?:[$\w.]+\s+m\s+)?(?:modernization|modification|upgrade|refit)\s+of\s+)?"
    r"(?:(?:some|about|up\s+to)\s+)?(?:(?P<count>\d+)\s+)?",
    re.IGNORECASE,
)
_USE_WITH = re.compile(r"^use\s+(?:with|on|in)\s+", re.IGNORECASE)
# what follows the platform in a clause: "... aircraft in 'Phoenix Rising' programme"
_TAIL = re.compile(
    r"\s+(?:in|to|with|under|on|as|at|after|before|during|being|which|that|delivered|modernized|modernised|modified)\s+.*$"
)
# words after "for" that say the clause is not a platform
_NOT_PLATFORM = re.compile(
    r"^(?:use\s+(?!with|on)|export|sale|training|the|a|an|its|their|own|local|possible|further|future|"
    r"delivery|production|assembly|replacement|evaluation|testing|trials?|free|service)\s",
    re.IGNORECASE,
)
# a comment mentions a destination platform if a "for" clause names a platform type ("for use
# as OPV" says what the item is, not where it goes)
MENTION = re.compile(
    r"\bfor\s+(?!use\s+as\b)[^;]*?\b(?:aircraft|helicopters?|ships?|frigates?|corvettes?|destroyers?|"
    r"cruisers?|submarines?|tanks?|APC|IFV|APV|AFSV|vehicles?|boats?|craft|FAC|OPV|AALS|"
    r"carriers?|guns?|MRL|UAVs?|minesweepers?|minehunters?|ARV)\b",
    re.IGNORECASE,
)


# platform types that comments use besides SIPRI's descriptions
COMMENT_PLATFORM_TYPES = (
    "aircraft",
    "helicopter",
    "combat aircraft",
    "MP aircraft",
    "armoured vehicle",
    "vehicle",
    "helicopter carrier",
    "ship",
    "gun",
    "MRL",
    "coast defence system",
    "FAC/patrol craft",
    "patrol boat",
    "boat",
)


@cache
def _descriptions() -> dict[str, str]:
    """Form as it may appear in a comment (casefolded, singular or plural) -> SIPRI description."""
    forms: dict[str, str] = {}
    for description in DESCRIPTION_CATEGORIES:
        singular = description.casefold()
        plurals = {singular, singular + "s", singular + "es"}
        if singular.endswith("y"):
            plurals.add(singular[:-1] + "ies")
        if singular.endswith("aircraft") or singular.endswith("craft"):
            plurals = {singular}
        for form in plurals:
            forms.setdefault(form, description)
    for description in COMMENT_PLATFORM_TYPES:
        singular = description.casefold()
        for form in (singular, singular + "s", singular + "es"):
            forms.setdefault(form, description)
    return forms


@cache
def _longest_form() -> int:
    return max(len(form.split()) for form in _descriptions())


def _split_description(text: str) -> tuple[str, str] | None:
    """ "Hurkus-B trainer aircraft" -> ("Hurkus-B", "trainer aircraft"): the longest description
    (in words) that ends the text."""
    words = text.split()
    forms = _descriptions()
    for size in range(min(len(words), _longest_form()), 0, -1):
        description = forms.get(" ".join(words[-size:]).casefold())
        if description is not None:
            return " ".join(words[:-size]), description
    return None


def _looks_like_designation(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= 6 and (text[0].isupper() or text[0].isdigit())


def destinations(comments: str) -> tuple[Destination, ...]:
    """The platforms a comment says the component goes into, with count and origin if given."""
    found: list[Destination] = []
    for clause in comments.split(";"):
        for match in _FOR.finditer(clause):
            rest = clause[match.end() :].strip().rstrip(".")
            if _NOT_PLATFORM.match(rest):
                continue
            origin = origin_state = None
            where = _ORIGIN.search(rest)
            if where:
                origin = re.split(r"\s+(?:and|to|after|under|with|in)\s+", where["origin"])[0]
                origin = re.sub(r"\s*\(.*$", "", origin).strip()
                origin_state = state_code(origin)
                rest = rest[: where.start()]
            rest = _USE_WITH.sub("", rest)
            lead = _LEAD.match(rest)
            count = int(lead["count"]) if lead["count"] else None
            body = _TAIL.sub("", rest[lead.end() :]).strip()
            body = re.sub(r"^modernized\s+|\s+class$", "", body, flags=re.IGNORECASE)
            for part in _split_platforms(body, count):
                if part is not None:
                    found.append(
                        Destination(
                            *part, origin=origin, origin_state=origin_state, text=clause.strip()
                        )
                    )
    return tuple(found)


_CONJUNCTION = re.compile(r"\s+(?:and|or|&)\s+")


def _split_outside_brackets(body: str) -> list[str]:
    """Split at "and", "or", "&" but not inside brackets: "Project-877 (Kilo or Mubarek)
    submarines" is one platform with its two names."""
    parts, start, depth = [], 0, 0
    for match in re.finditer(r"[()]|" + _CONJUNCTION.pattern, body):
        if match[0] == "(":
            depth += 1
        elif match[0] == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            parts.append(body[start : match.start()])
            start = match.end()
    parts.append(body[start:])
    return parts


def _split_platforms(body: str, count: int | None):
    """ "MiG-23MF and MiG-21bis combat aircraft" -> two platforms sharing the description."""
    parts = _split_outside_brackets(body)
    parsed = []
    for index, part in enumerate(parts):
        part_count = count if index == 0 else None
        number = re.match(r"^(\d+)\s+", part)
        if number:
            part_count, part = int(number[1]), part[number.end() :]
        split = _split_description(part)
        parsed.append((part_count, part, split))
    last = parsed[-1][2] if parsed else None
    if last is None:
        return []
    results = []
    for part_count, part, split in parsed:
        designation, description = split if split else (part, last[1])
        if _looks_like_designation(designation):
            results.append((part_count, designation, description))
    return results


def mentions_destination(comments: str) -> bool:
    """Whether a comment has a "for ..." clause naming a platform type (parsed or not)."""
    return MENTION.search(comments) is not None


# --- families: "Hurkus" in a comment, "Hurkus-B" and "Hurkus-C" in the deals ---------------

_TOKEN = re.compile(r"[0-9a-z]+")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def family_candidates(family: str, designations: Iterable[str]) -> list[str]:
    """Designations that may belong to `family`, for a curator to confirm.

    Normalised prefix match on word tokens: "Hurkus" matches "Hurkus-B" and "Hurkus C", "F-16"
    matches "F-16C" (a letter may follow a final digit) but "F-1" does not match "F-16", nor
    "Hurkus" "Hurkusx". The exact designation, if present, comes first.
    """
    wanted = _tokens(family)
    if not wanted:
        return []
    exact, others = [], []
    for designation in dict.fromkeys(designations):
        tokens = _tokens(designation)
        if len(tokens) < len(wanted) or tokens[: len(wanted) - 1] != wanted[:-1]:
            continue
        head, last = tokens[len(wanted) - 1], wanted[-1]
        if head == last:
            (exact if len(tokens) == len(wanted) else others).append(designation)
        elif head.startswith(last) and last[-1].isdigit() and head[len(last)].isalpha():
            others.append(designation)
    return exact + sorted(others)
