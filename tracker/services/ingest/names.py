"""Organisations and items named in a text: known records by name or alias (case and spacing
ignored), new ones by the shapes their names take.

Items are model designations ("F-35", "Bayraktar TB2", "Rotax 912", "Leopard 2A6", "MQ-9B
Reaper") or a capitalised name right before the kind of thing it is ("Gripen fighter", "Patriot
air-defence missiles"). Organisations are companies described as such ("X, a Canada-based
firm", "made by X", "Ltd", "Industries"), bodies with an acronym in brackets, and names ending
in a word that says what they are ("... Agency", "... Institute"). Nothing is drafted that the
text does not spell out.
"""

from __future__ import annotations

import re

#: Lower-case nouns that say what a named model is; components are fitted to or fired by a
#: platform.
COMPONENT_NOUNS = (
    r"engines?|missiles?|radars?|sensors?|sights?|cameras?|bombs?|munitions?|rockets?|shells?|"
    r"warheads?|parts?|components?|turrets?|guns?|interceptors?|kits?|pods?"
)
PLATFORM_NOUNS = (
    r"tanks?|jets?|fighters?|aircraft|planes?|drones?|howitzers?|helicopters?|frigates?|"
    r"submarines?|corvettes?|carriers?|rifles?|vehicles?|trainers?|bombers?|launchers?|"
    r"systems?|ships?|vessels?|boats?|fleet"
)
#: The noun as a whole word: "missile-defence systems" are systems, not missiles.
KIND_NOUN = re.compile(rf"^(?:[\w-]+ ){{0,3}}?({COMPONENT_NOUNS}|{PLATFORM_NOUNS})(?![\w-])")
_CAP = r"[A-Z][\w]*(?:-[A-Z\w][\w]*)*"
#: "F-35", "F-16V", "MQ-9B", "AGM-88", "TB2", "K9", "2A6", "912", with an optional brand before
#: and a capitalised name after ("Bayraktar TB2", "AIM-120 AMRAAM", "K9 Thunder").
DESIGNATION = re.compile(
    r"(?<![\w-])(?:(?P<brand>[A-Z][a-z]+) )?"
    r"(?P<code>[A-Z]{1,4}-?\d{1,4}[A-Z]{0,2}\d?|\d[A-Z]\d|"
    r"\d{1,4}[A-Z]?(?= (?:[a-z][\w-]* ){0,2}(?:engines?|tanks?|jets?|drones?|fighters?|series)\b))"
    r"(?![\w-])(?P<name>(?: [A-Z][A-Za-z]+| I{1,3}V?){0,1})"
)
_FUNCTION = (
    r"(?:to|the|a|an|and|or|of|for|with|by|from|in|on|at|that|which|who|its|their|his|her|"
    r"said|says|was|were|is|are|has|have|had|will|would|be|been|not|no|as|than|release|send|"
    r"sell|buy|supply|deliver|ship|export|import|use|used|using)"
)
#: A capitalised name (one or two words) before the kind of thing it names.
NAMED_KIND = re.compile(
    rf"(?<![\w-])(?P<name>{_CAP}(?: (?:{_CAP}|I{{1,3}}V?|\d{{1,2}}[A-Z]?))?) "
    rf"(?=(?:(?!{_FUNCTION}\b)[a-z][\w-]* ){{0,3}}"
    rf"(?:{COMPONENT_NOUNS}|{PLATFORM_NOUNS})\b)"
)
NOT_ITEMS = re.compile(
    r"^(?:COVID-19|Covid-19|G7|G20|A4|M1|Article \d+|Section \d+|The|A|An|Its|Their|Our|Some|"
    r"All|Most|New|Two|Three|Four|Five|Six|Ten|Several|Other|Military|Armed|Combat|Fighter|"
    r"Light|Heavy|Naval|Defence|Defense|Air|Army|Navy|Unmanned|Attack|Guided|Cruise|Ballistic|"
    r"Main|Russian-made|Chinese-made|Anti-tank|Self-propelled)$"
)
ORG_SUFFIX = (
    r"Inc|Ltd|Corp|Corporation|plc|GmbH|AG|SpA|S\.p\.A\.|ASA|AB|SA|NV|BV|LLC|"
    r"Technologies|Industries|Industry|Systems|Aerospace|Defen[cs]e|Dynamics|Electronics|"
    r"Motors|Propulsion|Optronik|Optronics|Optics|Munitions|Arms|Shipyards?|Group|Holding|"
    r"International"
)
BODY_SUFFIX = (
    r"Agency|Office|Ministry|Department|Directorate|Administration|Inspectorate|Secretariat|Council|"
    r"Commission|Committee|Court|Tribunal|Parliament|Congress|Organi[sz]ation|Institute|"
    r"Foundation|Campaign|Watch|Network|Coalition|Union|Nations|Alliance"
)
COMPANY_NOUN = (
    r"(?:maker|manufacturer|company|firm|producer|contractor|group|supplier|subsidiary|unit|"
    r"joint venture|conglomerate|shipbuilder|gunmaker|carmaker|shipyard|start-up|startup|"
    r"trader|exporter|dealer)"
)
_NAME = (
    r"[A-Z][\w&'.-]*(?: (?:&|and|of|for|on|de|e|di|la|del) ?[A-Z][\w&'.-]*| [A-Z][\w&'.-]*){0,5}"
)
ORG_PATTERNS = [
    # "Velox Propulsion, a Brno-based maker of light aircraft engines"
    re.compile(rf"(?P<name>{_NAME}),? (?:a|an|the) (?:[\w-]+ ){{0,3}}{COMPANY_NOUN}\b"),
    # "the Turkish drone maker Baykar", "defence company Saab"
    re.compile(
        r"\b(?:maker|manufacturer|company|firm|gunmaker|contractor|shipbuilder|group) "
        r"(?P<name>[A-Z][\w&.-]*(?: (?:&|[A-Z][\w&.-]*)){0,3})"
    ),
    # "a Kongsberg spokesperson", "a Pentagon official": the name that speaks for itself
    re.compile(
        r"\b(?:[Aa]|[Aa]n|[Tt]he) (?P<name>[A-Z][\w&.-]*(?: (?:&|[A-Z][\w&.-]*)){0,2}) "
        r"(?:spokes(?:man|woman|person)|chief executive|CEO|executive|board|statement|"
        r"press release|filing)\b"
    ),
    # "the newspaper Le Monde", "news agency Reuters", "the watchdog Campaign Against ..."
    re.compile(
        r"\b(?:newspaper|news agency|daily|broadcaster|magazine|watchdog|think[- ]tank|"
        r"campaign group|rights group|advocacy group|charity|NGO|research group|institute) "
        r"(?P<name>[A-Z][\w&.-]*(?: (?:&|of|for|[A-Z][\w&.-]*)){0,4})"
    ),
    # "made by RWM Italia", "built by Mitsubishi Heavy Industries"
    re.compile(
        rf"\b(?:made|built|produced|manufactured|developed|supplied|owned) by (?P<name>{_NAME})"
    ),
    # "the Sardinia-based unit of Germany's Rheinmetall", "a consortium of Airbus, BAE Systems"
    re.compile(
        rf"\b(?:unit|subsidiary|division|consortium|venture) of (?:[A-Z][a-z]+'s )?"
        rf"(?P<name>{_NAME})"
    ),
    # "Mitsubishi Heavy Industries", "Fjord Defence Systems", "Saab AB"
    re.compile(rf"(?P<name>[A-Z][\w&-]* (?:(?:[A-Z][\w&-]*|&) ){{0,3}}(?:{ORG_SUFFIX}))\b"),
    # "State Secretariat for Economic Affairs (SECO)"
    re.compile(rf"(?P<name>{_NAME}) \((?P<acronym>[A-Z][A-Za-z&]{{1,9}})\)"),
    # "the Inspectorate of Strategic Products", "the Council of State", "Amnesty International"
    re.compile(
        rf"(?P<name>(?:[A-Z][\w&-]* (?:(?:[A-Z][\w&-]*|and|&) ){{0,4}})?(?:{BODY_SUFFIX})"
        rf"(?: (?:of|for|on|Against) (?:the )?"
        rf"[A-Z][\w&-]*(?: (?:and )?[A-Z][\w&-]*){{0,3}})?)\b"
    ),
]
LEADING_WORDS = re.compile(
    r"^(?:(?:The|A|An|In|On|At|By|For|And|But|While|After|Before|Its|His|Her|Their|Our|This|"
    r"That|Rights|Officials|Chief|Executive|Spokesman|Spokeswoman|Minister|Foreign|Defence|"
    r"Economy|Trade|President|Chancellor|Prime|Secretary|Campaigners|From|Including|Both|"
    r"Said|Says|Meanwhile|Separately|However|Also|Instead|Still|Yet|Now|Later|Earlier|Then|"
    r"Moreover|Similarly|Likewise|Elsewhere)\s+)+"
)
KIND_BY_WORD = [
    (re.compile(r"\bCourt|Tribunal|Council of State\b"), "court"),
    (
        re.compile(
            r"\b(?:Agency|Office|Ministry|Department|Administration|Inspectorate|Secretariat|"
            r"Committee|Commission|Parliament|Congress|Pentagon|Government|Directorate)\b"
        ),
        "government_body",
    ),
    (re.compile(r"\b(?:NATO|Alliance)\b"), "alliance"),
    (
        re.compile(r"\b(?:United Nations|European Union|Union|Nations)\b"),
        "international_organization",
    ),
    (
        re.compile(
            r"\b(?:Institute|Foundation|Campaign|Watch|Network|Coalition|Amnesty|Oxfam|"
            r"Studies|Disarmo|Peace)\b"
        ),
        "ngo",
    ),
]


def org_kind(name: str) -> str:
    for pattern, kind in KIND_BY_WORD:
        if pattern.search(name):
            return kind
    return "manufacturer"


def key(name: str) -> str:
    """Case- and space-insensitive form of a name, for matching records and deduplicating."""
    return re.sub(r"[\s\-]+", "", name).casefold()


def clean_org_name(name: str) -> str:
    name = LEADING_WORDS.sub("", name.strip()).strip(" ,.'")
    # "South Africa's National Conventional Arms Control Committee": the owner is not the name.
    name = re.sub(r"^(?:[A-Z][\w-]* )*[A-Z][\w-]*'s ", "", name)
    name = re.sub(r"'s$", "", name)
    # "Sydney-based Ronin Optics": where it is based is not part of the name.
    name = re.sub(r"^(?:[A-Z][\w-]* )*[A-Z][\w]*-(?:based|made|built|owned|registered) ", "", name)
    # "Congress on Tuesday": a date after the name is not part of it.
    name = re.sub(
        r" (?:on|in|last|this) (?:[A-Z][a-z]+day|January|February|March|April|May|June|July|"
        r"August|September|October|November|December)$",
        "",
        name,
    )
    return name


def acronym_part(name: str, acronym: str) -> str:
    """ "Amnesty International and Action Securite Ethique Republicaines (ASER)": the acronym
    spells the initials of the words it abbreviates; the name is those words only."""
    words = name.split()
    for i in range(len(words)):
        part = words[i:]
        initials = "".join(w[0] for w in part if w[0].isupper())
        if initials.upper() == acronym.upper() and part[0][0].isupper():
            return " ".join(part)
    return name


def items_in(sentence: str, exclude) -> list[tuple[int, int, str, str]]:
    """(start, end, name, kind) of every model or system the sentence names. ``exclude(name)``
    says whether a name is a state, an organisation or another non-item."""
    found: list[tuple[int, int, str, str]] = []

    def add(start, end, name, following):
        name = name.strip()
        if not name or NOT_ITEMS.match(name) or exclude(name):
            return
        if any(a <= start < b or a < end <= b for a, b, _, _ in found):
            return
        noun = KIND_NOUN.match(following.strip())
        kind = "platform"
        if noun and re.fullmatch(COMPONENT_NOUNS, noun.group(1)):
            kind = "component"
        found.append((start, end, name, kind))

    for m in DESIGNATION.finditer(sentence):
        brand = m.group("brand")
        start = (
            m.start("brand")
            if brand and not exclude(brand) and not NOT_ITEMS.match(brand)
            else m.start("code")
        )
        end = m.end("name") if m.group("name") else m.end("code")
        name_after = m.group("name").strip()
        if name_after and (exclude(name_after) or NOT_ITEMS.match(name_after)):
            end = m.end("code")
        code = m.group("code")
        if code.isdigit() and start == m.start("code"):
            continue  # "912" alone is a number; "Rotax 912" is an engine
        add(start, end, sentence[start:end], sentence[end:])
    for m in NAMED_KIND.finditer(sentence):
        name = m.group("name")
        at_start = m.start() == 0 or sentence[: m.start()].strip() in ('"', "“")
        if at_start and " " not in name and not re.search(r"\d|-", name):
            continue  # one capitalised word at the start of a sentence says nothing
        if re.search(
            r"-(?:based|made|built|led|owned|speaking|flagged|registered|designed|developed)$",
            name,
        ):
            continue
        rest = sentence[m.end("name") :]
        noun = KIND_NOUN.match(rest.strip())
        after = rest.strip()[noun.end() :] if noun else ""
        if re.match(
            r"\s*(?:strikes?|attacks?|war|warfare|threats?|programmes?|programs?|"
            r"industry|makers?|manufacturers?|exports?|sales|deals?|markets?|"
            r"technology|base|plant|factory|factories)\b",
            after,
        ):
            continue
        add(m.start("name"), m.end("name"), name, sentence[m.end("name") :])
    return found


def organizations_in(sentence: str, exclude) -> list[tuple[int, int, str, str, list[str]]]:
    """(start, end, name, kind, aliases) of organisations the sentence describes as such."""
    candidates: list[tuple[int, int, str, str, list[str]]] = []
    for pattern in ORG_PATTERNS:
        for m in pattern.finditer(sentence):
            raw = m.group("name")
            names = [raw]
            if pattern is ORG_PATTERNS[2]:  # "a consortium of Airbus, BAE Systems and Leonardo"
                tail = re.match(rf"(?:,? (?:and )?{_NAME})*", sentence[m.end("name") :])
                names = re.split(
                    r",\s*(?:and\s+)?|\s+and\s+", raw + (tail.group(0) if tail else "")
                )
            for name in names:
                name = clean_org_name(name)
                if m.groupdict().get("acronym"):
                    name = acronym_part(name, m.group("acronym"))
                if len(name) < 2 or exclude(name) or not name[0].isupper():
                    continue
                start = sentence.find(name, m.start())
                if start < 0:
                    continue
                aliases = []
                if "acronym" in m.groupdict() and m.group("acronym"):
                    aliases.append(m.group("acronym"))
                candidates.append((start, start + len(name), name, org_kind(name), aliases))
    # The longest reading of overlapping names wins ("Stockholm International Peace Research
    # Institute (SIPRI)" over "Stockholm International").
    found: list[tuple[int, int, str, str, list[str]]] = []
    for c in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        if not any(c[0] < b and a < c[1] for a, b, *_ in found):
            found.append(c)
    return sorted(found)
