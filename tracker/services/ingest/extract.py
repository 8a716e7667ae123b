"""Rule-based extraction of candidate facts from an article, over the database's own names.

States are recognised by their names and aliases in the database (demonyms, adjectives,
capitals used as metonyms); organisations and items by their names and aliases; new
organisations by a few patterns. Permit decisions are recognised by their verbs, with the
deciding state before the verb and the target after it, and dates resolved against the
publication date at the precision the text gives. Every candidate carries its sentence as a
verbatim quote with offsets.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import asdict, dataclass, field

from ...choices import DatePrecision
from ...models import Item, ItemAlias, Organization, OrganizationAlias, State, StateAlias

MAX_QUOTES_PER_FACT = 3
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}

#: Verb phrases of permit decisions, most specific first, with the action they mean.
ACTION_PATTERNS: list[tuple[str, str]] = [
    (r"lift(?:s|ed|ing)? (?:the|a|its) (?:freeze|suspension|ban|embargo|hold)", "lift"),
    (r"(?:freeze|suspension|ban|embargo|hold) (?:was|has been|had been|is) lifted", "lift"),
    (
        r"(?:eas(?:e|es|ed|ing)|relax(?:es|ed)?) (?:the |its |a )?"
        r"(?:restrictions|freeze|ban|curbs)",
        "lift",
    ),
    (r"resum(?:e|es|ed|ing) (?:the )?(?:issuing|approv|export|arms|sales|deliver)", "lift"),
    (r"(?:froze|freez(?:e|es|ing)|a freeze on)\b", "freeze"),
    (r"(?:suspend(?:s|ed|ing)?|suspension of)\b", "suspend"),
    (
        r"(?:halt(?:s|ed|ing)?|a halt to|put (?:on hold|[\w ]{0,40} on hold)|"
        r"stop(?:s|ped)? approving|"
        r"no (?:new|further) (?:export )?(?:licen[cs]es|permits))",
        "suspend",
    ),
    (r"(?:revok(?:e|es|ed|ing)|cancel(?:s|led|ed|ling)?|annul(?:s|led)?)\b", "cancel"),
    (
        r"(?:den(?:y|ies|ied)|refus(?:e|es|ed)|reject(?:s|ed)) (?:an? |the |all )?(?:export )?"
        r"(?:licen[cs]e|permit|application|request)",
        "deny",
    ),
    (
        r"(?:approv(?:e|es|ed|ing)|grant(?:s|ed|ing)?|authori[sz](?:e|es|ed)) (?:an? |the |new )?"
        r"(?:export |arms )?(?:licen[cs]e|permit|sale|export)",
        "grant",
    ),
    (r"case[- ]by[- ]case", "restrict"),
]
ACTIONS = [(re.compile(p, re.IGNORECASE), a) for p, a in ACTION_PATTERNS]
EXPORT_CONTEXT = re.compile(
    r"export|permit|licen[cs]e|arms|weapon|military|shipment|sale|deliver|technology|drone",
    re.IGNORECASE,
)
#: A sentence that reports a denial of a rumour is not a decision.
RUMOUR_DENIAL = re.compile(
    r"\b(?:denied|denies|deny|dismissed|rejected) (?:reports|rumou?rs|claims|speculation|that)",
    re.IGNORECASE,
)
#: Calls on a government to act are not decisions ("urged Britain to stop approving...").
APPEAL = re.compile(
    r"\b(?:urged|urges|called on|calls on|asked|demanded|demands|pressed)\b", re.IGNORECASE
)
#: Talk of a decision still to come is not a decision.
NOT_YET = re.compile(r"\b(?:considering|reviewing|weighing|no decision)\b", re.IGNORECASE)
COURT = re.compile(r"\bcourt\b", re.IGNORECASE)
COMPANY_WORDS = re.compile(
    r"\b(?:company|firm|manufacturer|maker|Inc|Ltd|Corp|plc|GmbH|AG|SA)\b\.?"
)
NGO_WORDS = r"(?:Group|Coalition|Campaign|Watch|Project|Network|Institute|Foundation|Initiative)"
ORG_PATTERNS = [
    re.compile(r"made by ((?:[A-Z][\w&.-]*\s?)+?)(?=,| the | and |\.|$)"),
    re.compile(
        r"\b((?:[A-Z][\w&-]*\s){0,3}[A-Z][\w&-]*\s(?:Technologies|Industries|Systems|"
        r"Aerospace|Defen[cs]e|Dynamics)(?:\s(?:Inc|Ltd|Corp|plc))?)\b"
    ),
    re.compile(r"\b((?:[A-Z][\w&-]*\s){0,3}[A-Z][\w&-]*\s(?:Inc|Ltd|Corp|plc|GmbH|AG))\b"),
    re.compile(r"[A-Z][a-z]+-based (?:unit|subsidiary|division) of ((?:[A-Z][\w&-]*\s?)+)"),
]
TRANSFER = re.compile(
    r"\b(?:supplied|sold|delivered|exported|shipped|transferred)\b", re.IGNORECASE
)
INTEGRATION = re.compile(r"\b(?:equipped with|fitted with|carr(?:y|ied|ies)|mounted)\b")
DEPLOYMENT = re.compile(r"\b(?:used by|using|deployed)\b")
SENTENCE = re.compile(r"[^\n.!?]*(?:[.!?](?=\s|$)|$)")


@dataclass
class Span:
    text: str
    start: int
    end: int


@dataclass
class Lexicon:
    """Names known to the database, mapped to the record they name."""

    states: dict[str, str]  # name -> ISO code
    organizations: dict[str, tuple[str, str]]  # name -> (slug, kind)
    items: dict[str, tuple[str, str]]  # name -> (slug, kind)
    state_names: dict[str, str] = field(default_factory=dict)  # code -> display name

    @classmethod
    def from_database(cls) -> Lexicon:
        states = {s.name: s.code for s in State.objects.filter(status="current")}
        states.update({a.name: a.state.code for a in StateAlias.objects.select_related("state")})
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
        return cls(states, organizations, items, names)

    def pattern(self, names) -> re.Pattern | None:
        names = sorted((n for n in names if len(n) > 1), key=len, reverse=True)
        if not names:
            return None
        # "Canada-based" and "Turkish-made" name the state too; "Azeri" inside a word does not.
        return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, names)) + r")(?!\w)")


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


def sentences(text: str) -> list[Span]:
    spans = []
    for match in SENTENCE.finditer(text):
        raw = match.group(0)
        stripped = raw.strip()
        if stripped:
            start = match.start() + raw.index(stripped)
            spans.append(Span(stripped, start, start + len(stripped)))
    return spans


def resolve_date(sentence: str, published: dt.date | None) -> tuple[dt.date | None, int | None]:
    """The date a sentence gives, at the precision it gives, resolved against publication."""
    text = sentence.lower()
    m = re.search(
        r"\b(?:on |in |from |since )?(\d{1,2}) (" + "|".join(MONTHS) + r")(?: (\d{4}))?", text
    )
    if not m:
        m2 = re.search(
            r"\b(" + "|".join(MONTHS) + r") (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?\b", text
        )
        if m2:
            m = m2
            day, month, year = int(m2.group(2)), MONTHS[m2.group(1)], m2.group(3)
        else:
            day = None
    else:
        day, month, year = int(m.group(1)), MONTHS[m.group(2)], m.group(3)
    if m and day is not None:
        year = int(year) if year else _latest_year(month, day, published)
        if year:
            try:
                return dt.date(year, month, day), DatePrecision.DAY
            except ValueError:
                return None, None
    m = re.search(r"\bin (" + "|".join(MONTHS) + r")(?: (\d{4}))?\b", text)
    if m:
        month = MONTHS[m.group(1)]
        year = int(m.group(2)) if m.group(2) else _latest_year(month, 1, published)
        if year:
            return dt.date(year, month, 1), DatePrecision.MONTH
    m = re.search(r"\b(?:on|last) (" + "|".join(WEEKDAYS) + r")\b", text)
    if m and published:
        back = (published.weekday() - WEEKDAYS[m.group(1)]) % 7
        if m.group(0).startswith("last") and back == 0:
            back = 7
        return published - dt.timedelta(days=back), DatePrecision.DAY
    if published and re.search(r"\byesterday\b", text):
        return published - dt.timedelta(days=1), DatePrecision.DAY
    if published and re.search(r"\btoday\b|\bthis week\b", text):
        return published, DatePrecision.DAY
    m = re.search(r"\bin (\d{4})\b", text)
    if m:
        return dt.date(int(m.group(1)), 1, 1), DatePrecision.YEAR
    return None, None


def _latest_year(month: int, day: int, published: dt.date | None) -> int | None:
    """The year of the most recent such month (and day) on or before publication."""
    if published is None:
        return None
    candidate = dt.date(published.year, month, min(day, 28))
    return published.year if candidate <= published else published.year - 1


def _find(pattern: re.Pattern | None, text: str) -> list[re.Match]:
    return list(pattern.finditer(text)) if pattern else []


def extract(text: str, *, published: dt.date | None, lexicon: Lexicon) -> Draft:
    draft = Draft()
    state_re = lexicon.pattern(lexicon.states)
    org_re = lexicon.pattern(lexicon.organizations)
    item_re = lexicon.pattern(lexicon.items)
    seen_orgs: set[str] = set()
    for sentence in sentences(text):
        s = sentence.text
        previous = draft.permit_decisions[-1] if draft.permit_decisions else None
        quote = {"quote": s, "start": sentence.start, "end": sentence.end}
        states_here = [(m.start(), lexicon.states[m.group(1)]) for m in _find(state_re, s)]
        # Demonyms inside an organisation's name ("Canadian arms control group") still count.
        for _, code in states_here:
            if code not in draft.states:
                draft.states.append(code)
                draft.state_quotes[code] = quote
        org_spans = []
        for m in _find(org_re, s):
            slug, kind = lexicon.organizations[m.group(1)]
            org_spans.append((m.start(), m.end()))
            if slug not in seen_orgs:
                seen_orgs.add(slug)
                draft.organizations.append(
                    {"name": m.group(1), "slug": slug, "kind": kind, **quote}
                )
        for pattern in ORG_PATTERNS:
            for m in pattern.finditer(s):
                name = m.group(1).strip().rstrip(".").strip()
                if not name or name in lexicon.organizations or name in lexicon.states:
                    continue
                inside_known = any(a <= m.start(1) and m.end(1) <= b for a, b in org_spans)
                inside_ngo = re.search(re.escape(name) + r"\s+" + NGO_WORDS, s) or re.search(
                    NGO_WORDS + r"\s+" + re.escape(name), s
                )
                if inside_known or inside_ngo:
                    continue
                key = name.lower()
                if key not in seen_orgs:
                    seen_orgs.add(key)
                    draft.organizations.append(
                        {"name": name, "slug": None, "kind": "manufacturer", **quote}
                    )
        items_here = []
        for m in _find(item_re, s):
            slug, kind = lexicon.items[m.group(1)]
            items_here.append(slug)
            bucket = draft.components if kind == "component" else draft.platforms
            if slug not in {i["slug"] for i in bucket}:
                bucket.append({"name": m.group(1), "slug": slug, **quote})
        decision = _decision(s, states_here, org_spans, published, quote, previous)
        if decision:
            _add_decision(draft.permit_decisions, decision)
            for code in _listed_after(s, states_here, decision["target"], state_re, lexicon):
                _add_decision(draft.permit_decisions, {**decision, "target": code})
        if TRANSFER.search(s) and len(states_here) >= 2 and not decision:
            supplier, recipient = _ordered_pair(s, states_here, TRANSFER)
            if supplier and recipient and supplier != recipient:
                draft.transfers.append(
                    {
                        "supplier": supplier,
                        "recipient": recipient,
                        "item": items_here[0] if items_here else None,
                        **quote,
                    }
                )
        if INTEGRATION.search(s) and len(items_here) >= 2:
            draft.integrations.append(
                {"component": items_here[-1], "platform": items_here[0], **quote}
            )
        if DEPLOYMENT.search(s) and items_here and states_here and "conflict" in s.lower():
            draft.deployments.append({"item": items_here[0], "state": states_here[0][1], **quote})
    return draft


def _listed_after(s, states_here, target, state_re, lexicon) -> list[str]:
    """Further targets listed right after the first one: "to Saudi Arabia and the UAE"."""
    positions = [m for m in _find(state_re, s)]
    listed, follow = [], False
    for previous, current in zip(positions, positions[1:], strict=False):
        if lexicon.states[previous.group(1)] == target:
            follow = True
        if follow and re.fullmatch(
            r"\s*(?:,|and|, and|or)\s+(?:the\s+)?", s[previous.end() : current.start()]
        ):
            code = lexicon.states[current.group(1)]
            if code != target and code not in listed:
                listed.append(code)
        elif follow and lexicon.states[previous.group(1)] != target:
            break
    return listed


def _ordered_pair(s, states_here, verb_re):
    verb = verb_re.search(s)
    before = [code for pos, code in states_here if pos < verb.start()]
    after = [code for pos, code in states_here if pos > verb.start()]
    return (before[-1] if before else None), (after[0] if after else None)


def _action(s: str) -> tuple[re.Match | None, str | None]:
    for pattern, action in ACTIONS:
        verb = pattern.search(s)
        if verb:
            return verb, action
    return None, None


def _decision(s, states_here, org_spans, published, quote, previous) -> dict | None:
    if RUMOUR_DENIAL.search(s):
        return None
    verb, action = _action(s)
    if verb is None:
        return None
    if APPEAL.search(s[: verb.start()]) or NOT_YET.search(s):
        return None
    follows_previous = action == "lift" and previous is not None and len(states_here) < 2
    if not (EXPORT_CONTEXT.search(s) or follows_previous):
        return None
    before = [(pos, code) for pos, code in states_here if pos < verb.start()]
    after = [code for pos, code in states_here if pos >= verb.end()]
    subject = s[: verb.start()]
    # A company acting on its own is not a state decision.
    if COMPANY_WORDS.search(subject) and not before:
        return None
    if any(a < verb.start() for a, _ in org_spans) and not before and not COURT.search(subject):
        return None
    authority = before[0][1] if before else None
    target = next((code for code in after if code != authority), None)
    if target is None:
        target = next((code for _, code in before[1:] if code != authority), None)
    ends = None
    if action == "lift" and previous and (authority is None or target is None):
        # "The freeze was lifted in May": the decision just reported is the one lifted.
        authority, target = authority or previous["authority"], target or previous["target"]
        ends = {k: previous[k] for k in ("authority", "target", "action", "date", "date_precision")}
    if authority is None or target is None:
        return None
    day, precision = resolve_date(s, published)
    scope, description = _scope(s[verb.end() :])
    return {
        "authority": authority,
        "target": target,
        "action": action,
        "date": day.isoformat() if day else None,
        "date_precision": DatePrecision(precision).label if precision else None,
        "scope": scope,
        "scope_description": description,
        "decided_by_court": bool(COURT.search(subject)),
        "ends": ends,
        **quote,
    }


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


def _add_decision(decisions: list[dict], decision: dict) -> None:
    """The same decision reported twice in one article becomes one, with both quotes."""
    for known in decisions:
        same = all(known[k] == decision[k] for k in ("authority", "target", "action"))
        if same and compatible_dates(known, decision):
            quotes = known.setdefault("quotes", [])
            # A few quotes per decision are evidence enough; a long article may repeat itself.
            if len(quotes) < MAX_QUOTES_PER_FACT - 1:
                quotes.append({k: decision[k] for k in ("quote", "start", "end")})
            if not known["date"] and decision["date"]:
                known["date"], known["date_precision"] = (
                    decision["date"],
                    decision["date_precision"],
                )
            return
    decisions.append(decision)
