"""Rule-based extraction of candidate facts from an article body.

The body is split into sentences that cover it (``sentences``); states are recognised by their
names and aliases in the database (demonyms, adjectives, capitals used as metonyms), outside
page clutter; organisations and items by the records they match (case and spacing ignored) and
by the shapes of their names (``names``); permit decisions by their triggers, clause by clause
(``decisions``), dated by the phrase nearest the trigger (``dates``). Every candidate carries
its sentence as a verbatim quote with offsets. A decision the text gives no date for takes the
publication date at its precision, flagged ``date_from_publication``, so that the dry run shows
what storing would write.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from ...choices import AliasKind, DatePrecision
from ...models import Item, ItemAlias, Organization, OrganizationAlias, State, StateAlias
from . import decisions as rules
from .dates import Temporal, as_partial, resolve_date, temporal_phrases
from .names import items_in, key, org_kind, organizations_in
from .sentences import Sentence, split_sentences

__all__ = ["Draft", "Lexicon", "compatible_dates", "extract", "resolve_date", "split_sentences"]

MAX_QUOTES_PER_FACT = 3
#: Lines that belong to the page, not to the article: related links, newsletter prompts,
#: bylines, outlet banners ("OUTLET | Politics | Security").
CLUTTER = re.compile(
    r"^(?:related|read more|read also|also read|see also|more on this|more from|recommended|"
    r"advertisement|most read|trending|latest news|watch:|listen:|further reading|"
    r"sign up|subscribe|follow us|share this|photo|image|copyright|©|by [A-Z][\w.'-]+ [A-Z])"
    r"|\|"
    r"|\bnewsletter\b|\bsign up\b|all rights reserved",
    re.IGNORECASE,
)
#: A state's name inside the name of a sea, a newspaper or an outlet ("South China Sea",
#: "Korea Herald", "Estonia Business Daily") does not refer to the state.
OUTLET_OR_PLACE = re.compile(
    r" (?:Sea|Ocean|Strait|Peninsula|Herald|Times|Post|Independent|Today|Daily|Gazette|Tribune|"
    r"Journal|Business|News|Monitor|Review|Weekly|Ledger|Observer|Chronicle|Insider)\b"
)
TRANSFER = re.compile(
    r"\b(?:supplied|sold|delivered|exported|shipped|transferred)\b", re.IGNORECASE
)
INTEGRATION = re.compile(r"\b(?:equipped with|fitted with|carr(?:y|ied|ies)|mounted)\b")
DEPLOYMENT = re.compile(r"\b(?:used by|using|deployed)\b")
#: Institutions whose name says which state acts ("the State Department approved"); they
#: stand for their state as authorities, not as mentions of it.
INSTITUTIONS = {
    "State Department": "US",
    "Department of State": "US",
    "Pentagon": "US",
    "White House": "US",
    "Defense Security Cooperation Agency": "US",
    "Bundestag": "DE",
    "Federal Security Council": "DE",
    "Bundessicherheitsrat": "DE",
    "Federal Office for Economic Affairs and Export Control": "DE",
    "BAFA": "DE",
    "Downing Street": "GB",
    "Whitehall": "GB",
    "Export Control Joint Unit": "GB",
    "Élysée": "FR",
    "Elysee": "FR",
    "Quai d'Orsay": "FR",
    "Farnesina": "IT",
    "Palazzo Chigi": "IT",
    "UAMA": "IT",
    "Global Affairs Canada": "CA",
    "Inspectorate of Strategic Products": "SE",
    "State Secretariat for Economic Affairs": "CH",
    "SECO": "CH",
    "National Conventional Arms Control Committee": "ZA",
    "Defense Acquisition Program Administration": "KR",
    "Knesset": "IL",
}
#: "the freeze imposed in November 2018", "licences that it had issued in 2015": an earlier
#: decision, dated in its own words.
BACKGROUND = re.compile(
    r"\b(?P<noun>freeze|ban|embargo|suspension|moratorium|halt|pause|licen[cs]es|permits|"
    r"approvals|"
    r"policy|measure|restrictions)(?:\s+(?:on|of|against)\s+[^,;]{0,50}?)?\s+(?:(?:that|which)\s+)?"
    r"(?:(?:it|they|the (?:[\w-]+ ){0,2}?(?:government|administration|cabinet)|"
    r"(?:President|Chancellor|Prime Minister) [A-Z]\w+(?: [A-Z]\w+)?)\s+)?"
    r"(?:had\s+|has\s+|have\s+)?(?:imposed|introduced|adopted|issued|granted|approved|"
    r"put in place)\b",
    re.IGNORECASE,
)
#: A capitalised acronym of three to six letters standing alone ("NATO", "RTX", "BIRN").
#: Not part of a longer name ("BAE Systems", "Yugoimport SDPR"), nor a dateline ("LIEGE -").
ACRONYM = re.compile(r"(?<![\w.(&-])[A-Z]{3,6}(?![\w.)&-])(?! [A-Z&])(?!\s*\()")
STARTERS = {"The", "A", "An", "In", "On", "At", "By", "For", "And", "But", "With", "From"}
NOT_ACRONYMS = {
    "CEO",
    "CFO",
    "GDP",
    "UTC",
    "GMT",
    "EST",
    "CET",
    "USD",
    "EUR",
    "GBP",
    "NOK",
    "SEK",
    "DKK",
    "CHF",
    "PDF",
    "TV",
    "AND",
    "THE",
    "FOR",
    "NOT",
    "ALL",
    "NEW",
    "MPS",
    "SUV",
    "APC",
    "IFV",
    "MBT",
    "UAV",
    "UAVS",
    "UAS",
    "SAM",
    "SAMS",
    "ICBM",
    "RPG",
    "AI",
    "IT",
    "PR",
    "ATT",
    "WMD",
    "EXCLUSIVE",
    "UPDATE",
    "BREAKING",
    "OPINION",
    "ANALYSIS",
}
ASIDE = re.compile(r",\s+(?:which|who|whose|where)\b[^,;]*,")
#: "for both Gulf states", "to the two countries": every destination named before.
BOTH = re.compile(r"\b(?:both|the two|all three|each of the)\b", re.IGNORECASE)
ATTRIBUTION = [
    re.compile(r"\baccording to (?P<who>(?:the |a |an )?[\w.'&-]+(?: [\w.'&-]+){0,6}?)(?=[,.;]|$)"),
    re.compile(
        r"(?:^|,\s+|\"\s*)(?P<who>(?:[A-Za-z][\w.'&-]*\s){0,7}?[A-Za-z][\w.'&-]*)\s+"
        r"(?:said|says|told|announced|wrote|confirmed|added|stated|reported)\b"
    ),
    re.compile(
        r"\b(?:said|says|told reporters|announced|confirmed|added|wrote),?\s+(?:on \w+,?\s+)?"
        r"(?P<who>(?:the |a |an )?[A-Z][\w.'&-]*(?:\s[\w.'&-]+){0,6}?)(?=[,.;]|$)"
    ),
]


@dataclass
class Lexicon:
    """Names known to the database, mapped to the record they name."""

    states: dict[str, str]  # name -> ISO code
    organizations: dict[str, tuple[str, str]]  # name -> (slug, kind)
    items: dict[str, tuple[str, str]]  # name -> (slug, kind)
    state_names: dict[str, str] = field(default_factory=dict)  # code -> display name
    capitals: set[str] = field(default_factory=set)  # aliases that are capitals

    @classmethod
    def from_database(cls) -> Lexicon:
        states = {s.name: s.code for s in State.objects.filter(status="current")}
        states.update(
            {
                a.name: a.state.code
                for a in StateAlias.objects.select_related("state").filter(state__status="current")
            }
        )
        organizations = {o.name: (o.slug, o.kind) for o in Organization.objects.all()}
        organizations.update(
            {
                a.name: (a.organization.slug, a.organization.kind)
                for a in OrganizationAlias.objects.select_related("organization")
            }
        )
        items = {i.name: (i.slug, i.kind) for i in Item.objects.all()}
        items.update(
            {a.name: (a.item.slug, a.item.kind) for a in ItemAlias.objects.select_related("item")}
        )
        names = dict(State.objects.values_list("code", "name"))
        capitals = set(
            StateAlias.objects.filter(kind=AliasKind.CAPITAL).values_list("name", flat=True)
        )
        return cls(states, organizations, items, names, capitals)

    def pattern(self, names, *, loose: bool = False) -> re.Pattern | None:
        """One pattern for all names, longest first. ``loose`` ignores case and spacing (for
        organisations and items: "ROTAX 912", "Rotax912")."""
        names = sorted((n for n in names if len(n) > 1), key=len, reverse=True)
        if not names:
            return None
        if loose:
            alternatives = [r"[\s-]*".join(map(re.escape, re.sub(r"[\s-]+", "", n))) for n in names]
            body = "|".join(alternatives)
            return re.compile(r"(?<![\w-])(" + body + r")(?![\w-])", re.IGNORECASE)
        # "Canada-based" and "Turkish-made" name the state too; "Azeri" inside a word does not.
        # "Norwegian-Finnish" names both states; "pro-Russian" and "non-German" do not.
        return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, names)) + r")(?!\w)")

    def by_key(self, names: dict) -> dict[str, str]:
        return {key(n): n for n in names}


@dataclass
class Draft:
    states: list[str] = field(default_factory=list)
    organizations: list[dict] = field(default_factory=list)
    components: list[dict] = field(default_factory=list)
    platforms: list[dict] = field(default_factory=list)
    permit_decisions: list[dict] = field(default_factory=list)
    transfers: list[dict] = field(default_factory=list)
    integrations: list[dict] = field(default_factory=list)
    deployments: list[dict] = field(default_factory=list)
    state_quotes: dict[str, dict] = field(default_factory=dict)

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("state_quotes")
        return data


def sentences(text: str) -> list[Sentence]:
    return split_sentences(text)


def is_clutter(line: str) -> bool:
    """Page furniture inside a plain-text body, or a heading written in capitals."""
    letters = [c for c in line if c.isalpha()]
    shouting = len(letters) > 12 and sum(c.isupper() for c in letters) / len(letters) > 0.8
    return bool(CLUTTER.search(line)) or shouting


def is_heading(line: str) -> bool:
    """A short line without final punctuation: a headline or a crosshead, never a decision."""
    return not re.search(r"[.!?\"'”’)]\s*$", line) and len(line.split()) <= 16


def _quote(sentence: Sentence) -> dict:
    return {"quote": sentence.text, "start": sentence.quote_start, "end": sentence.quote_end}


def attributed_to(text: str) -> str:
    """Whom the sentence attributes its claim to ("according to X", "X said"); "" if none."""
    for pattern in ATTRIBUTION:
        m = pattern.search(text)
        if m:
            who = m.group("who").strip(" ,.\"'“”")
            who = re.sub(r"^(?:but|and|while|as)\s+", "", who)
            if who.lower() in {"it", "he", "she", "they", "we", "i"}:
                continue
            return who
    return ""


class _Article:
    """What the extractor knows about one article while it reads it."""

    def __init__(self, text: str, published, lexicon: Lexicon):
        self.text = text
        self.published = as_partial(published)
        self.lexicon = lexicon
        self.state_re = lexicon.pattern(lexicon.states)
        self.org_re = lexicon.pattern(lexicon.organizations, loose=True)
        self.item_re = lexicon.pattern(lexicon.items, loose=True)
        self.org_keys = lexicon.by_key(lexicon.organizations)
        self.item_keys = lexicon.by_key(lexicon.items)
        self.state_keys = {n.casefold() for n in lexicon.states}
        self.sentences = split_sentences(text)
        self.clutter = {s.quote_start: is_clutter(s.text) for s in self.sentences}
        self._mentions: dict[str, list[tuple[int, int, str]]] = {}
        self.draft = Draft()
        self.orgs: dict[str, dict] = {}  # key -> drafted organisation
        self.main_state: str | None = None
        self.last_company: str | None = None  # the manufacturer named last, for "the company"

    # --- names -----------------------------------------------------------------------------
    def is_state_name(self, name: str) -> bool:
        words = name.split()
        return name.casefold() in self.state_keys or (
            bool(words) and all(w.casefold() in self.state_keys for w in words)
        )

    def state_mentions(self, s: str) -> list[tuple[int, int, str]]:
        if s not in self._mentions:
            self._mentions[s] = self._state_mentions(s)
        return self._mentions[s]

    def _state_mentions(self, s: str) -> list[tuple[int, int, str]]:
        found = []
        for m in self.state_re.finditer(s) if self.state_re else []:
            follow = s[m.end() : m.end() + 12]
            if re.match(r"-speaking|-language", follow) or OUTLET_OR_PLACE.match(follow):
                continue
            place = re.match(r", ([A-Z][\w-]+)", follow)
            if (
                m.group(1) in self.lexicon.capitals
                and place
                and not self.is_state_name(place.group(1))
            ):
                continue  # "London, Ontario", a dateline "Berlin, Nov 5": a city, not a state
            joined = re.search(r"(\w+)-$", s[: m.start()])
            if joined and not joined.group(1)[0].isupper():
                continue  # "pro-Russian", "non-German"
            found.append((m.start(), m.end(), self.lexicon.states[m.group(1)]))
        return found

    def add_org(self, name: str, kind: str, sentence: Sentence, aliases=()) -> None:
        k = key(name)
        known = self.org_keys.get(k)
        if known:
            name = known
        for drafted in self.orgs.values():
            if k in {key(a) for a in drafted.get("aliases", [])}:
                return
        if k in self.orgs:
            return
        slug, known_kind = self.lexicon.organizations.get(name, (None, kind))
        record = {"name": name, "slug": slug, "kind": known_kind, **_quote(sentence)}
        if aliases:
            record["aliases"] = list(aliases)
        self.orgs[k] = record
        self.draft.organizations.append(record)

    def not_an_org(self, name: str) -> bool:
        if self.is_state_name(name) or re.fullmatch(r"[A-Z]{1,2}", name):
            return True
        first, _, rest = name.partition(" ")
        if rest and self.is_state_name(first) and re.match(r"Ministry|Government", rest):
            return True  # "Czech Ministry of ...": a description; the body's name comes alone
        first = name.split()[0]
        return first.casefold() in self.state_keys and len(name.split()) == 1

    def not_an_item(self, name: str) -> bool:
        k = key(name)
        if self.is_state_name(name) or k in self.orgs or k in self.org_keys:
            return True
        return any(key(a) == k for o in self.orgs.values() for a in o.get("aliases", []))

    def read_names(self) -> None:
        for sentence in self.sentences:
            if self.clutter[sentence.quote_start]:
                continue
            s = sentence.text
            for m in self.org_re.finditer(s) if self.org_re else []:
                self.add_org(self.org_keys[key(m.group(1))], "", sentence)
            for _, _, name, kind, aliases in organizations_in(s, self.not_an_org):
                self.add_org(name, kind, sentence, aliases)
        for sentence in self.sentences:
            if self.clutter[sentence.quote_start]:
                continue
            s = sentence.text
            for m in self.item_re.finditer(s) if self.item_re else []:
                name = self.item_keys[key(m.group(1))]
                slug, kind = self.lexicon.items[name]
                self.add_item(name, slug, kind, sentence)
            for _, _, name, kind in items_in(s, self.not_an_item):
                known = self.item_keys.get(key(name))
                if known:
                    slug, kind = self.lexicon.items[known]
                    self.add_item(known, slug, kind, sentence)
                else:
                    self.add_item(name, None, kind, sentence)
        self.read_acronyms()

    def read_acronyms(self) -> None:
        """ "NATO", "RTX", "BBC": an acronym that is no state, item, alias or common
        abbreviation names an organisation."""
        known = {key(a) for o in self.orgs.values() for a in o.get("aliases", [])}
        known |= set(self.orgs)
        items = [key(i["name"]) for i in self.draft.components + self.draft.platforms]
        for sentence in self.sentences:
            if self.clutter[sentence.quote_start] or is_heading(sentence.text):
                continue
            for m in ACRONYM.finditer(sentence.text):
                word = m.group(0)
                if not sentence.text[: m.start()].strip() and re.match(
                    r"\s*(?:[-–—(,]|\()", sentence.text[m.end() :]
                ):
                    continue  # a dateline
                before = re.search(r"([\w&.'-]+)\s$", sentence.text[: m.start()])
                if before and before.group(1)[0].isupper() and before.group(1) not in STARTERS:
                    continue  # part of a longer name: "Yugoimport SDPR"
                k = key(word)
                if word in NOT_ACRONYMS or self.is_state_name(word) or k in known:
                    continue
                if any(k in i for i in items):
                    continue
                known.add(k)
                self.add_org(word, org_kind(word), sentence)

    def add_item(self, name, slug, kind, sentence) -> None:
        bucket = self.draft.components if kind == "component" else self.draft.platforms
        every = self.draft.components + self.draft.platforms
        if key(name) in {key(i["name"]) for i in every}:
            return
        bucket.append({"name": name, "slug": slug, **_quote(sentence)})

    # --- parties -----------------------------------------------------------------------------
    def parties(self, s: str) -> list[rules.Party]:
        found = [rules.Party(a, b, "state", code) for a, b, code in self.state_mentions(s)]
        for name, code in INSTITUTIONS.items():
            for m in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", s):
                if not any(p.start <= m.start() < p.end for p in found):
                    found.append(rules.Party(m.start(), m.end(), "state", code))
        for record in self.orgs.values():
            for name in [record["name"], *record.get("aliases", [])]:
                for m in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", s):
                    if not any(p.start <= m.start() < p.end for p in found):
                        found.append(
                            rules.Party(m.start(), m.end(), "organization", record["name"])
                        )
        for m in rules.GOVERNMENT_WORD.finditer(s):
            if not any(p.start <= m.start() < p.end for p in found):
                found.append(rules.Party(m.start(), m.end(), "government", ""))
        return sorted(found, key=lambda p: p.start)

    def choose_main_state(self) -> None:
        """The article's own state: the first one named outside a destination phrase."""
        for sentence in self.sentences:
            if self.clutter[sentence.quote_start]:
                continue
            s = sentence.text
            for a, _, code in self.state_mentions(s):
                if not rules.DESTINATION.search(s[max(0, a - 30) : a]):
                    self.main_state = code
                    return

    # --- the pass ----------------------------------------------------------------------------
    def run(self) -> Draft:
        self.read_names()
        self.choose_main_state()
        denial_in_article = any(rules.DENIAL.search(s.text) for s in self.sentences)
        for sentence in self.sentences:
            s = sentence.text
            if self.clutter[sentence.quote_start]:
                continue
            mentions = self.state_mentions(s)
            for _, _, code in mentions:
                if code not in self.draft.states:
                    self.draft.states.append(code)
                    self.draft.state_quotes[code] = _quote(sentence)
            for record in self.orgs.values():
                if record["kind"] == "manufacturer" and re.search(
                    r"(?<![\w-])" + re.escape(record["name"]) + r"(?![\w-])", s
                ):
                    self.last_company = record["name"]
            decided = []
            rumour = rules.DENIAL.search(s) or (denial_in_article and rules.REPORT.search(s))
            if not is_heading(s) and not rumour:
                decided = self.decisions(sentence)
            for decision in decided:
                self.add_decision(decision)
            self.other_facts(sentence, mentions, bool(decided))
        self.finish()
        return self.draft

    def org_kind(self, name: str) -> str:
        record = self.orgs.get(key(name))
        return record["kind"] if record else "manufacturer"

    def company_subject(self, s: str, clause: rules.Clause, trigger: int):
        """ "Rheinmetall said on Wednesday it had halted deliveries": an unknown capitalised
        name that speaks for itself about its own deliveries is a company."""
        m = re.match(
            r"\s*(?P<name>[A-Z][\w&.-]+(?: [A-Z][\w&.-]+){0,3}) (?:said|says|has|had|will|would|"
            r"announced|confirmed|told)\b",
            s[clause.start : trigger],
        )
        if not m or not rules.COMPANY_ACT.search(s[trigger : trigger + 60]):
            return None
        name = m.group("name")
        if self.is_state_name(name) or rules.GOVERNMENT_WORD.search(name):
            return None
        if name.split()[0] in {"The", "A", "An", "It", "He", "She", "They", "Officials"}:
            return None
        return name

    def decisions(self, sentence: Sentence) -> list[dict]:
        s = sentence.text
        parties = self.parties(s)
        phrases = temporal_phrases(s, self.published)
        found: list[dict] = []
        previous: dict | None = None
        listed = [(a, b) for a, b, _ in self.state_mentions(s)]
        for clause in rules.clauses(s, listed):
            made = self.clause_decisions(sentence, clause, parties, phrases, found, previous)
            if made:
                found.extend(made)
                previous = made[-1]
        return found

    def clause_decisions(self, sentence, clause, parties, phrases, found, previous) -> list[dict]:
        """The decision of the clause's main trigger (the first one that is eligible and has an
        authority and a target), and those of triggers inside its asides ("The United Kingdom,
        which suspended licences in June 2019, resumed issuing them in July 2020")."""
        s = sentence.text
        asides = [
            (m.start(), m.end())
            for m in ASIDE.finditer(s, clause.start, clause.end)
            if m.end() <= clause.end
        ]
        made: list[dict] = []
        done_asides: set[tuple[int, int]] = set()
        for start, end, action in rules.triggers(s[clause.start : clause.end]):
            start, end = start + clause.start, end + clause.start
            aside = next(((a, b) for a, b in asides if a <= start < b), None)
            if aside in done_asides:
                continue
            if not rules.eligible(s, clause, start, end):
                continue
            pool = (
                [t for t in phrases if aside[0] <= t.start < aside[1]]
                if aside
                else [t for t in phrases if not any(a <= t.start < b for a, b in asides)]
            )
            if aside and not pool:
                continue  # "which issues the licences": a habit, not a dated decision
            decisions = self.trigger_decisions(
                sentence, clause, parties, pool, [*found, *made], previous, start, end, action
            )
            if not decisions:
                continue
            made.extend(decisions)
            if aside:
                done_asides.add(aside)
            else:
                return made
        return made

    def trigger_decisions(
        self, sentence, clause, parties, phrases, found, previous, start, end, action
    ) -> list[dict]:
        s = sentence.text
        authority = self.authority(s, parties, clause, start, end, previous)
        if authority is None:
            return []
        destinations = rules.destinations(s, parties, clause.start, clause.end, end)
        targets = [p.value for p in destinations if p.value != authority]
        target_spans = {p.value: p.start for p in destinations}
        if not targets and clause.coordinated and previous:
            targets = [previous["target"]]
        if not targets:
            earlier = [
                d for d in [*self.draft.permit_decisions, *found] if d["authority"] == authority
            ]
            both = BOTH.search(s[end : clause.end])
            if earlier and both:
                targets = [d["target"] for d in earlier]
            elif earlier:
                targets = [earlier[-1]["target"]]
            elif both and (found or self.draft.permit_decisions):
                # "RUAG suspended shipments to Azerbaijan and Armenia, before Bern blocked all
                # exports to both countries": the destinations just named.
                last = [*self.draft.permit_decisions, *found]
                targets = list(dict.fromkeys(d["target"] for d in last))[-2:]
        targets = list(dict.fromkeys(t for t in targets if t != authority))
        if not targets:
            return []
        # A date inside "permits that had been suspended since October 5" dates that earlier
        # decision, not this one.
        background = self.background(s, clause, start, end, phrases)
        in_clause = [
            t
            for t in phrases
            if clause.start <= t.start < clause.end
            and not any(a <= t.start < b for a, b, _, _ in background)
            and not re.search(r"(?:first time|first \w+) since\s+$", s[: t.start])
        ]
        if not in_clause and (clause.start == 0 or clause.coordinated):
            in_clause = self.statement_date(s, phrases)
        made = []
        for target in targets:
            anchor = (start, end)
            if len(in_clause) > 1 and len(targets) > 1 and target in target_spans:
                anchor = (target_spans[target], target_spans[target])
            when = _nearest(in_clause, *anchor)
            made.append(self.decision(sentence, authority, target, action, when, end))
            for _, b_end, b_action, b_when in background:
                made.append(self.decision(sentence, authority, target, b_action, b_when, b_end))
        return made

    def background(self, s, clause, trigger, after, phrases):
        """Earlier decisions named in a relative clause with their own date: "the cancellation
        of permits that had been suspended since October 5" (start, end, action, date)."""
        found = []
        for m in BACKGROUND.finditer(s, trigger, clause.end):
            stop = re.search(r"[,;]|$", s[m.end() : clause.end])
            span_end = m.end() + stop.start()
            dated = [t for t in phrases if m.end() <= t.start < min(span_end, m.end() + 25)]
            if dated:
                span_end = dated[0].end
                noun = m.group("noun").lower()
                action = {"freeze": "freeze"}.get(
                    noun,
                    "grant" if "licen" in noun or noun in ("permits", "approvals") else "suspend",
                )
                found.append((m.start(), span_end, action, dated[0]))
        for start, end, action in rules.triggers(s[after : clause.end]):
            start, end = start + after, end + after
            if not rules.RELATIVE_PASSIVE.search(s[max(clause.start, start - 30) : start]):
                continue
            stop = re.search(r"[,;]|$", s[end : clause.end])
            span_end = end + stop.start()
            dated = [t for t in phrases if end <= t.start < span_end]
            if dated:
                found.append((start, span_end, action, dated[0]))
        return found

    def statement_date(self, s: str, phrases: list[Temporal]) -> list[Temporal]:
        """ "..., the ministry said on Tuesday": the statement's date dates the decision."""
        result = []
        for t in phrases:
            before = s[max(0, t.start - 45) : t.start]
            if re.search(
                r"\b(?:said|says|announced|told [\w ]+|confirmed|wrote [\w ]+|stated|showed|"
                r"declared|published)\b[^,;]{0,30}$",
                before,
            ):
                result.append(t)
        return result

    def authority(self, s, parties, clause, start, end, previous):
        subject = rules.authority_before(s, parties, clause.start, start)
        while subject is not None and subject.kind == "organization":
            head = s[clause.start : subject.start]
            if self.org_kind(subject.value) == "manufacturer" and len(head.split()) <= 3:
                return {"organization": subject.value}
            # A court or a ministry acts for its state: look further, else the main state.
            rest = [p for p in parties if p.start > subject.start]
            subject = rules.authority_before(s, rest, subject.end, start)
            if subject is None:
                return self.main_state
        if subject is not None and subject.kind == "state":
            return subject.value
        if subject is None and clause.coordinated and previous:
            return previous["authority"]
        name = self.company_subject(s, clause, start)
        if name:
            self.add_org(name, "manufacturer", self.sentence_of(s))
            return {"organization": name}
        before = s[clause.start : start]
        if self.last_company and re.search(
            r"\bthe (?:[\w-]+ ){0,3}(?:company|firm|maker|manufacturer|gunmaker|supplier|"
            r"producer|contractor|group)\b",
            before,
            re.IGNORECASE,
        ):
            return {"organization": self.last_company}
        passive = re.search(r"\b(?:was|were|been|be|is|are)\s+(?:\w+ly\s+)?(?:\w+ed\s+)?$", before)
        noun = re.match(
            r"(?:suspension|freeze|halt|cancellation|revocation|the lifting|a freeze|licen|permit|"
            r"approvals|were|was)",
            s[start:end],
            re.IGNORECASE,
        )
        if passive:
            # "were blocked by Berlin", "were approved by the Swedish ministry": the agent acts.
            agent = re.match(r"\s+by\s+(?:the\s+)?", s[end : end + 12])
            if agent:
                at = end + agent.end()
                state = next((p for p in parties if p.kind == "state" and p.start == at), None)
                if state is not None:
                    return state.value
        if subject is not None or passive or noun:
            return self.main_state
        if clause.start == 0 and not any(
            p.start < start and p.kind != "government" for p in parties
        ):
            # "Wallonia, which issues the licences, granted ...": an unnamed subject at the
            # head of the sentence acts for the article's state.
            return self.main_state
        return None

    def sentence_of(self, s: str) -> Sentence:
        return next(x for x in self.sentences if x.text == s)  # rare: a company found by its act

    def decision(self, sentence, authority, target, action, when, trigger_end) -> dict:
        s = sentence.text
        return {
            "authority": authority,
            "target": target,
            "action": action,
            "date": when.date.isoformat() if when else None,
            "date_precision": DatePrecision(when.precision).label if when else None,
            "date_from_publication": False,
            "scope": _scope(s[trigger_end:])[0],
            "scope_description": _scope(s[trigger_end:])[1],
            "decided_by_court": bool(re.search(r"\bcourt\b", s, re.IGNORECASE)),
            "attributed_to": attributed_to(s),
            "ends": None,
            **_quote(sentence),
        }

    def add_decision(self, decision: dict) -> None:
        """The same decision reported twice in one article becomes one, with both quotes."""
        for known in self.draft.permit_decisions:
            same = all(known[k] == decision[k] for k in ("authority", "target", "action"))
            if not same:
                continue
            if (
                known["date"]
                and decision["date"]
                and (
                    known["date"],
                    known["date_precision"],
                )
                != (decision["date"], decision["date_precision"])
            ):
                continue  # two dates the text gives: two decisions
            quotes = known.setdefault("quotes", [])
            if len(quotes) < MAX_QUOTES_PER_FACT - 1:
                quotes.append({k: decision[k] for k in ("quote", "start", "end")})
            if decision["date"] and (not known["date"] or _finer(decision, known)):
                known["date"], known["date_precision"] = (
                    decision["date"],
                    decision["date_precision"],
                )
            return
        if decision["action"] == "lift":
            ended = [
                d
                for d in self.draft.permit_decisions
                if d["authority"] == decision["authority"]
                and d["target"] == decision["target"]
                and d["action"] in ("suspend", "freeze", "restrict", "deny")
            ]
            if ended:
                e = ended[-1]
                decision["ends"] = {
                    k: e[k] for k in ("authority", "target", "action", "date", "date_precision")
                }
        self.draft.permit_decisions.append(decision)

    def finish(self) -> None:
        """The publication date stands in for a date the text does not give, flagged."""
        pub = self.published
        for decision in self.draft.permit_decisions:
            if decision["date"] is None and pub is not None:
                decision["date"] = pub.date.isoformat()
                decision["date_precision"] = DatePrecision(pub.precision).label
                decision["date_from_publication"] = True

    def other_facts(self, sentence: Sentence, mentions, decided: bool) -> None:
        s = sentence.text
        quote = _quote(sentence)
        states_here = [(a, code) for a, _, code in mentions]
        known_items = [
            i["slug"]
            for i in self.draft.components + self.draft.platforms
            if i["slug"] and re.search(re.escape(i["name"]), s, re.IGNORECASE)
        ]
        if TRANSFER.search(s) and len(states_here) >= 2 and not decided:
            verb = TRANSFER.search(s)
            before = [code for pos, code in states_here if pos < verb.start()]
            after = [
                code
                for pos, code in states_here
                if pos > verb.start() and rules.DESTINATION.search(s[max(0, pos - 30) : pos])
            ]
            supplier, recipient = (before[-1] if before else None), (after[0] if after else None)
            if supplier and recipient and supplier != recipient:
                self.draft.transfers.append(
                    {
                        "supplier": supplier,
                        "recipient": recipient,
                        "item": known_items[0] if known_items else None,
                        **quote,
                    }
                )
        if INTEGRATION.search(s) and len(known_items) >= 2:
            self.draft.integrations.append(
                {"component": known_items[-1], "platform": known_items[0], **quote}
            )
        if DEPLOYMENT.search(s) and known_items and states_here and "conflict" in s.lower():
            self.draft.deployments.append(
                {"item": known_items[0], "state": states_here[0][1], **quote}
            )


def _nearest(phrases: list[Temporal], start: int, end: int) -> Temporal | None:
    if not phrases:
        return None

    def distance(t: Temporal) -> int:
        return max(t.start - end, start - t.end, 0)

    return min(phrases, key=distance)


def _finer(a: dict, b: dict) -> bool:
    order = [DatePrecision.YEAR.label, DatePrecision.MONTH.label, DatePrecision.DAY.label]
    return order.index(a["date_precision"]) > order.index(b["date_precision"])


def extract(text: str, *, published, lexicon: Lexicon) -> Draft:
    """Draft facts from ``text``; ``published`` is a date or a PartialDate (a year-only
    publication date is known to the year, never 1 January)."""
    return _Article(text, published, lexicon).run()


def _scope(rest: str) -> tuple[str, str]:
    """The scope in the text's words, and whether it is all military goods or specific items."""
    m = re.search(
        r"(?:of|on|for) (?:the )?((?:some |all |new )?[\w -]{3,60}?)(?: to | over | while |,|\.|$)",
        rest,
    )
    description = m.group(1).strip() if m else ""
    specific = re.search(
        r"drone|missile|engine|sensor|camera|technology|component|part", rest, re.IGNORECASE
    )
    if specific:
        return "items", description
    return "all_military", description


def compatible_dates(a: dict, b: dict) -> bool:
    """Two reported dates may name the same day: either is unknown, or they agree at the
    coarser precision."""
    if not a.get("date") or not b.get("date"):
        return True
    precisions = [DatePrecision.YEAR.label, DatePrecision.MONTH.label, DatePrecision.DAY.label]
    coarse = min(precisions.index(a["date_precision"]), precisions.index(b["date_precision"]))
    length = {0: 4, 1: 7, 2: 10}[coarse]
    return a["date"][:length] == b["date"][:length]
