"""Permit decisions in a sentence: triggers by word family, the clause's main trigger, who acts,
the destination, and the date phrase nearest the trigger.

A sentence is cut into clauses (";", ":", ", while", ", but", ", and", "after ..."); each clause
holds at most one decision, that of its first trigger that is not hedged ("could", "has the
authority to"), an appeal ("urged"), a denied rumour, a reaction or a negation. The authority is
the first party before the trigger in the clause (a state by any of its names, a ministry or
"the Government" meaning the article's main state, or a company acting on its own exports); the
target is the destination of the exports ("to X", "for X", "bound for X"). A clause that begins
with "and" and names no party continues the previous clause's subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: (pattern, action): verbs, passives, nouns and negated grants. Patterns that read a lift or a
#: grant out of a decision word ("lifted its ban", "will no longer block") come first, so the
#: word inside them is not read as a decision of its own.
TRIGGERS: list[tuple[str, str]] = [
    (
        r"\b(?:freeze|suspension|ban|embargo|hold|moratorium|restrictions|curbs) (?:on|of) "
        r"[^.,;]{0,60}? (?:was|were|has been|have been|had been|is|are|will be|would be) lifted",
        "lift",
    ),
    (
        r"\b(?:lift(?:s|ed|ing)?|scrap(?:s|ped)?|end(?:s|ed)?|drop(?:s|ped)?|remov(?:e|es|ed)) "
        r"(?:(?:the|its|a|an|that|their|his|her) )?(?:[\w-]+ ){0,3}?"
        r"(?:freeze|suspension|ban|embargo|hold|moratorium|restrictions|curbs)",
        "lift",
    ),
    (
        r"\b(?:freeze|suspension|ban|embargo|hold|moratorium|restrictions|curbs)"
        r" (?:(?:was|were|has been|have been|had been|is|are|will be) )?lifted",
        "lift",
    ),
    (r"\bthe lifting of\b", "lift"),
    (
        r"\b(?:eas(?:e|es|ed|ing)|relax(?:es|ed|ing)?|loosen(?:s|ed|ing)?) "
        r"(?:(?:the|its|a|that|some|their) )?(?:[\w-]+ ){0,2}?"
        r"(?:restrictions|freeze|ban|curbs|embargo|rules|controls|suspension|limits|halt|"
        r"pause|hold|moratorium)",
        "lift",
    ),
    (r"\bunfr(?:oze|eeze|eezes|ozen)\b", "lift"),
    (
        r"\breleas(?:e|es|ed|ing) (?:the |a )?(?:[\w$,.-]+ ){0,3}?(?:shipments?|deliver|bombs|"
        r"weapons|arms|exports|licen[cs]es|permits|munitions|consignment)",
        "lift",
    ),
    (
        r"\b(?:resum(?:e|es|ed|ing)|resumption of|restart(?:s|ed)?) (?:the )?(?:[\w-]+ )?"
        r"(?:issu|approv|export|arms|sales|deliver|licen|permit|shipment|supplies|weapons)",
        "lift",
    ),
    (
        r"\b(?:grant(?:s|ed)?|approv(?:e|es|ed)|issu(?:e|es|ed))\b[^.;]{0,60}? for the first time "
        r"since\b",
        "lift",
    ),
    (
        r"\b(?:will|would) no longer (?:block|veto|oppose|stand in the way of)\b|"
        r"\bdrop(?:s|ped)? (?:its|their|the) (?:veto|objection)",
        "grant",
    ),
    (
        r"\b(?:will|would) no longer (?:issue|grant|approve|authori[sz]e|export|sell|supply|"
        r"deliver|ship)\b|"
        r"\b(?:will|would|did|does|do) not (?:grant|issue|approve|authori[sz]e) any "
        r"(?:new|more|further)\b|"
        r"\b(?:grant|issue|approve)s? no (?:new|more|further)\b|"
        r"\b(?:has|have|had) not (?:granted|issued|approved|authori[sz]ed|cleared) "
        r"(?:a single|any)\b|"
        r"\bno (?:new|more|further) (?:export )?"
        r"(?:licen[cs]es|permits|approvals|authori[sz]ations)\b",
        "suspend",
    ),
    (r"\b(?:froze|frozen|freez(?:e|es|ing))\b|\ba freeze on\b", "freeze"),
    (r"\bsuspend(?:s|ed|ing)?\b|\bsuspension (?:of|on)\b", "suspend"),
    (
        r"\bhalt(?:s|ed|ing)?\b(?! (?:its|their) (?:offensive|attack|advance))|"
        r"\ba halt (?:to|on)\b|"
        r"\bput (?:[\w$,.-]+ ){0,8}?on hold\b|\b(?:was|were|been|be|is|are) on hold\b|"
        r"\bpaus(?:e|es|ed|ing)\b(?! (?:of|for) (?:several|a few|\d+))|"
        r"\bstop(?:s|ped|ping)? (?:(?:all|any|future|further|new|its|their) ){0,2}"
        r"(?:approving|issuing|exporting|considering|processing|"
        r"granting|selling|supplying|licensing|authori[sz]ing|deliver(?:ing|ies)|shipping|"
        r"arms|exports|sales|shipments)\b|"
        r"\bblock(?:s|ed|ing)? all (?:\w+ )?(?:exports|sales|shipments|transfers)\b|"
        r"\bban(?:s|ned)? (?:all )?(?:arms |weapons? )?(?:exports|sales)\b|"
        r"\bimpos(?:e|es|ed|ing) an? (?:arms )?(?:embargo|ban)\b|"
        # "A Spanish ban on arms sales to Israel came into force"
        r"\b(?:a|an|the|its|their) (?:[\w-]+ ){0,2}?(?:ban|moratorium) on\b",
        "suspend",
    ),
    (
        r"\b(?:revok(?:e|es|ed|ing)|revocation of|cancel(?:s|led|ed|ling)?|cancellation of|"
        r"annul(?:s|led|ling)?|annulment of|rescind(?:s|ed)?|withdr(?:ew|awn|aws) (?:the |its )?"
        r"(?:[\w-]+ )?(?:licen|permit))",
        "cancel",
    ),
    (
        r"\b(?:den(?:y|ies|ied)|refus(?:e|es|ed|al of)|reject(?:s|ed|ion of)|turn(?:s|ed)? down|"
        r"vetoe?(?:s|d)?|block(?:s|ed)? (?:the|a|an) (?:[\w$,.-]+ ){0,3}?(?:sale|transfer|export|"
        r"re-export|deal))\b",
        "deny",
    ),
    (
        r"\b(?:approv(?:e|es|ed|ing|al of)|grant(?:s|ed|ing)?|authori[sz](?:e|es|ed|ing)|"
        r"clear(?:s|ed)|issu(?:e|es|ed|ing)|green-?light(?:s|ed)?|allow(?:s|ed)?) "
        r"(?:\w+ )?(?:(?:the|a|an|new|its) )?(?:[\w$,.'’-]+ ){0,3}?"
        r"(?:export|re-export|sale|licen[cs]e|permit|deal|transfer|shipment|deliver|application|"
        r"request)|"
        r"\blicen[cs]es? (?:(?:was|were|had been|has been|have been) )?"
        r"(?:issued|granted|approved)\b|"
        r"\b(?:licen[cs]es|permits|approvals) (?:were|was|had been|have been) granted\b|"
        r"\bsign(?:s|ed)? off on (?:the )?(?:[\w$,.-]+ ){0,3}?(?:export|sale|deal|transfer)|"
        r"\bg(?:ave|ives|iven) (?:the )?(?:go-ahead|green light|approval|permission)\b|"
        r"\bwere granted\b|"
        # "Licences for the export of 60 tanks to Ukraine were approved by the ministry"
        r"\b(?:was|were|had been|has been|have been) (?:approved|cleared|authori[sz]ed)\b",
        "grant",
    ),
    # "Exports of tanks to Qatar were blocked by Berlin"
    (r"\b(?:was|were|had been|has been|have been) blocked\b", "deny"),
    (r"\bcase[- ]by[- ]case\b|\brestrict(?:s|ed|ing)? (?:arms )?exports\b", "restrict"),
]
COMPILED_TRIGGERS = [(re.compile(p, re.IGNORECASE), a) for p, a in TRIGGERS]
#: The trigger must be about exports: a word of the family in the clause.
EXPORT_CONTEXT = re.compile(
    r"export|permit|licen[cs]|arms|weapon|military|shipment|sale|deliver|technolog|drone|"
    r"ammunition|munition|missile|jet|equipment|defen[cs]e|war material|components|parts|"
    r"engines|aircraft|tank|howitzer|bomb|radar|supplies|re-export|request|application",
    re.IGNORECASE,
)
HEDGE = re.compile(
    r"\b(?:could|(?-i:may)|might|can|cannot|can't|should)\b(?:\s+[\w-]+){0,3}\s*$|"
    r"\b(?:has|have|had|with) (?:the )?(?:authority|power|right|option|ability) to\b|"
    r"\b(?:could|may|might) (?:consider|decide|choose)\b|\bthreaten(?:s|ed)? to\b|"
    r"\bplans? to\b|\bwould consider\b|\bmay also\b|\bif\b|"
    # intentions and expectations: "is expected to", "vowed to", "is preparing to"
    r"\b(?:(?:is|are|was|were) (?:expected|set|likely|unlikely|poised|due|ready|willing|"
    r"prepared|preparing|about|going) to|intends? to|intended to|aims? to|aimed to|"
    r"hopes? to|promis(?:e|es|ed) to|vow(?:s|ed)? to|pledg(?:e|es|ed) to|"
    r"offer(?:s|ed)? to|propos(?:e|es|ed) to)\b|"
    # "it is unclear whether", "refused to say whether", "accused of approving"
    r"\bwhether\b|\baccused of\b|\bruled? out\b|\brefus(?:e|es|ed) to (?:say|confirm)\b",
    re.IGNORECASE,
)
#: "would suspend exports to Turkey if the offensive continued": a condition after the trigger.
CONDITION_AFTER = re.compile(r"^[^;:]{0,80}?\b(?:if|unless|should it|provided that)\b", re.I)
APPEAL = re.compile(
    r"\b(?:urg(?:e|es|ed|ing)|call(?:s|ed|ing)? (?:on|for)|press(?:es|ed|ing)?|"
    r"lobb(?:y|ied|ies|ying)|demand(?:s|ed|ing)?|ask(?:s|ed)?|seek(?:s|ing)? to|sought to|"
    r"want(?:s|ed)? (?:it |them |\w+ )?to|"
    r"petition(?:s|ed)?|appeal(?:s|ed)? (?:to|for)|push(?:es|ed)? for|wants?|"
    r"(?:bid|attempt|effort|drive|campaign)s?\b[^,;.]{0,80}?\bto|"
    # "recommended that Britain suspend", "requested that Denmark suspend", "a motion"
    r"recommend(?:s|ed|ing|ation)?|request(?:s|ed|ing)? that|advis(?:e|es|ed|ing)|"
    r"propos(?:e|es|ed|al) that|motion)\b",
    re.IGNORECASE,
)
UNDER_REVIEW = re.compile(
    r"\b(?:consider(?:s|ing)?|review(?:s|ing)?|weigh(?:s|ing)?|stud(?:y|ies|ying)|"
    r"under review|pending|no decision|mull(?:s|ing)?|assess(?:es|ing)? whether|whether to)\b",
    re.IGNORECASE,
)
REACTION = re.compile(
    r"\b(?:welcom(?:e|es|ed|ing)|criticis|criticiz|condemn|protest|regrett?|deplor|prais|"
    r"applaud|angered|denounc|react(?:s|ed|ing)\b|respond(?:s|ed|ing)? to|hail|slamm?|"
    r"lament|express(?:es|ed)? (?:disappointment|concern|regret|anger|dismay)|"
    r"disappointed|dismay|summon|objected to)\w*",
    re.IGNORECASE,
)
NEGATION = re.compile(
    r"\b(?:not|never|no|n't|neither|nor)\b(?:\s+\w+){0,2}\s*$|\bhas yet to\b|\bfailed to\b",
    re.IGNORECASE,
)
DENIAL = re.compile(
    r"\b(?:den(?:y|ies|ied)|dismiss(?:es|ed)|reject(?:s|ed)|refut(?:e|es|ed))"
    r"(?: \w+){0,3} (?:a |the )?"
    r"(?:reports?|rumou?rs?|claims?|speculation|allegations?|suggestions?)",
    re.IGNORECASE,
)
REPORT = re.compile(r"\breport(?:s|ed)?\b|\brumou?r", re.IGNORECASE)
#: Words that stand for the article's own state when they act: "the Government decided".
GOVERNMENT_WORD = re.compile(
    r"\b(?:government|ministry|minister|ministers|agency|kingdom|administration|cabinet|"
    r"authorities|officials|chancellor|president|prime minister|spokes(?:man|woman|person)|"
    r"secretary|department|regulator|inspectorate|executive|federal|court|judges?|the country|"
    r"it|they)\b",
    re.IGNORECASE,
)
#: Company cues in the subject or the object: the company acts on its own deliveries.
COMPANY_ACT = re.compile(
    r"\b(?:deliver(?:y|ies|ing)|exporting|shipments|shipping|selling|supplies|supplying|"
    r"sales of its|exports of its|its own)\b",
    re.IGNORECASE,
)
CLAUSE_BREAK = re.compile(
    r";|:\s|\s[–—]\s|,\s+(?:while|whereas|but|although|though|when|even as)\s|\s+but\s|"
    r",\s+and\s+(?=(?:\w+ly\s+)?[a-z]+(?:ed|[^s]s)?\b)(?!(?:the|a|an)\s)|,\s+and\s+(?=[A-Z])|"
    r"(?:,\s+)?(?:(?:more than |less than |nearly |about |almost )?"
    r"(?:a|an|one|two|three|four|five|six|several|a few|\d+) "
    r"(?:days?|weeks?|months?|years?) )?\bafter\b|"
    r",\s+(?:following|amid|despite|before|citing|saying|adding|warning|arguing)\s",
)
COMPANY_AFTER = re.compile(
    r"\s*(?:[\w-]+ ){0,2}(?:maker|manufacturer|company|firm|group|supplier|producer|contractor|"
    r"gunmaker|shipbuilder|trader|exporter)\b"
)
#: "the lifting of the suspension was never on the table": a noun negated after it.
NEGATED_AFTER = re.compile(r"^[^,;]{0,40}?\b(?:was|were|is|are|has been) (?:never|not)\b", re.I)
#: "rejected a bid to force the government to halt exports", "dismissed the challenge": a
#: court or a state turning down a legal move is no decision on exports.
LEGAL_OBJECT = re.compile(
    r"\s+(?:(?:a|an|the|their|its|his|her)\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:bid|challenge|complaint|lawsuit|suit|petition|case|appeal|motion|claim|injunction)s?\b",
    re.IGNORECASE,
)
#: "halted production", "suspended military aid", "suspended talks": not an export permit.
NOT_A_PERMIT = re.compile(
    r"\s+(?:(?:all|its|their|the|some|military|financial|further|new)\s+){0,2}"
    r"(?:production|manufacturing|aid|assistance|funding|cooperation|co-operation|training|"
    r"talks|negotiations|flights|visas|imports|operations|work|construction)\b",
    re.IGNORECASE,
)
#: "halted exports of grain to Poland": goods that need no arms-export permit.
CIVIL_GOODS = re.compile(
    r"[^,;.]{0,30}?\b(?:grain|wheat|maize|corn|food|gas|oil|coal|electricity|fertili[sz]ers?|"
    r"steel|cars|vaccines|medicines)\b",
    re.IGNORECASE,
)
#: "according to Armenian media", "in response to Turkey": a "to" that is no destination.
NOT_A_DESTINATION_TO = re.compile(
    r"\b(?:according|due|owing|close|next|compared|similar|addition|response|reply|relation|"
    r"regard|respect|attention|visit|trip|letter|note)\s+to\s+(?:the\s+)?$",
    re.IGNORECASE,
)
DESTINATION = re.compile(
    r"(?:\bto|\bfor|\binto|\btowards?|\bbound for|\bdestined for|\bheaded for|"
    # "a deal with Qatar", not "clashes with Armenia"
    r"\b(?:deal|contract|agreement|order|sale)s? with|"
    r"\b(?:embargo|ban|moratorium|restrictions|curbs|freeze|suspension) (?:on|against))\s+"
    r"(?:(?:the|both|its|their)\s+)?$",
    re.IGNORECASE,
)
NOT_DESTINATION = re.compile(
    r"(?:\bfrom|\bin|\bby|\bof|\bagainst|\bat|\bbetween)\s+(?:the\s+)?$", re.I
)
AFTER_NOUN = re.compile(
    r"\b(?:after|following|since|before|until|during)\s+(?:a|an|the|its)?\s*$", re.I
)
RELATIVE_PASSIVE = re.compile(
    r"\b(?:that|which)\s+(?:were|was|had been|have been|has been)\s*$", re.IGNORECASE
)


@dataclass
class Party:
    start: int
    end: int
    kind: str  # "state" | "organization" | "government"
    value: str  # ISO code, organisation name, or ""


@dataclass
class Clause:
    start: int
    end: int
    coordinated: bool  # begins with "and"/"but": may share the previous clause's subject


def clauses(sentence: str, listed: list[tuple[int, int]] = ()) -> list[Clause]:
    """The clauses of a sentence; ``listed`` are the spans of state names, so that "to Qatar,
    and Bahrain" stays one list."""
    result, start, coordinated = [], 0, False
    for m in CLAUSE_BREAK.finditer(sentence):
        in_list = any(b == m.start() for _, b in listed) and any(a == m.end() for a, _ in listed)
        if m.group(0).startswith(",") and in_list:
            continue
        if m.start() > start:
            result.append(Clause(start, m.start(), coordinated))
        coordinated = bool(re.search(r"\b(?:and|but)\b", m.group(0)))
        start = m.end()
    result.append(Clause(start, len(sentence), coordinated))
    return result


def triggers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, action) of every trigger, earlier patterns taking precedence on overlap."""
    found: list[tuple[int, int, str]] = []
    for pattern, action in COMPILED_TRIGGERS:
        for m in pattern.finditer(text):
            if any(m.start() < b and a < m.end() for a, b, _ in found):
                continue
            found.append((m.start(), m.end(), action))
    return sorted(found)


def eligible(sentence: str, clause: Clause, start: int, end: int) -> bool:
    """The trigger states a decision: not hedged, appealed for, under review, negated, a
    reaction, or a noun after "after"/"since" that only recalls an earlier one."""
    before = sentence[clause.start : start]
    near = before[-60:]
    if HEDGE.search(near) or APPEAL.search(before) or REACTION.search(before):
        return False
    if UNDER_REVIEW.search(before):
        return False
    if NEGATION.search(before[-25:]) and not re.match(
        r"\s*no (?:new|more|further)", sentence[start:end]
    ):
        word = sentence[start:end].lower()
        if not word.startswith(("no ", "will not", "would not", "did not", "does not", "do not")):
            return False
    if AFTER_NOUN.search(before[-20:]) and re.match(
        r"(?:suspension|halt|pause|freeze|ban|embargo|cancellation|revocation|the lifting)",
        sentence[start:end],
        re.IGNORECASE,
    ):
        return False
    if RELATIVE_PASSIVE.search(before[-30:]):
        return False
    if NEGATED_AFTER.match(sentence[end:]) and re.match(
        r"(?:the lifting|suspension|cancellation|revocation|a freeze|a halt)",
        sentence[start:end],
        re.IGNORECASE,
    ):
        return False
    if NOT_A_PERMIT.match(sentence[end:]) or CIVIL_GOODS.match(sentence[end:]):
        return False
    if re.search(r"\bwould\s+(?:\w+\s+)?$", before[-25:]) and CONDITION_AFTER.match(
        sentence[end : clause.end]
    ):
        return False
    if re.match(r"(?:reject|dismiss|refus|den|turn)", sentence[start:end], re.I) and (
        LEGAL_OBJECT.match(sentence[end:])
    ):
        return False
    if re.match(r"(?:refus|declin|den)", sentence[start:end], re.I) and re.match(
        r"\s+to\s+(?:say|comment|confirm|disclose|elaborate|discuss|answer|give|name)\b",
        sentence[end:],
    ):
        return False  # "refused to say whether it had suspended permits"
    if re.search(
        r"\b(?:critics|activists|campaigners|opponents|observers)\s+(?:\w+\s+)?"
        r"(?:say|said|argue|argued|claim|claimed|allege|alleged)\b",
        before,
        re.IGNORECASE,
    ):
        return False  # a characterisation by others, not the authority's decision
    window = sentence[max(0, start - 150) : end + 150]
    if EXPORT_CONTEXT.search(window):
        return True
    # "The freeze was lifted in May.": the noun refers back to a decision already drafted (the
    # target must then come from that earlier decision).
    # Only when the clause says what became of it ("was lifted"): "The halt follows a report"
    # is no new decision.
    return bool(
        re.match(
            r"\s*(?:the|this|that|its) (?:[\w-]+ )?(?:freeze|ban|suspension|embargo|halt|"
            r"moratorium|pause|restrictions|hold)\b",
            sentence[clause.start : end],
            re.IGNORECASE,
        )
        and re.search(r"\b(?:lifted|eased|relaxed|scrapped|ended)\b", sentence[start:end])
    )


def destinations(sentence: str, parties: list[Party], lo: int, hi: int, after: int) -> list[Party]:
    """States in [lo, hi) in a destination construction ("to X", "for X", "X-bound"), with
    the states listed right after them ("to Saudi Arabia and the UAE")."""
    result: list[Party] = []
    states = [p for p in parties if p.kind == "state" and lo <= p.start < hi]
    for i, p in enumerate(states):
        prefix = sentence[max(lo, p.start - 30) : p.start]
        suffix = sentence[p.end : p.end + 8]
        listed = (
            bool(result)
            and re.fullmatch(
                r"\s*(?:,|and|, and|or|as well as)\s+(?:(?:to|for) )?(?:the\s+)?",
                sentence[states[i - 1].end : p.start],
            )
            and states[i - 1] in result
        )
        if NOT_A_DESTINATION_TO.search(prefix):
            continue
        if re.match(r"['’]s\b", suffix) and p.end < after:
            continue  # "to Berlin's freeze on ...": the owner of the decision, not a destination
        if DESTINATION.search(prefix) or suffix.startswith("-bound") or listed:
            result.append(p)
    if not result:
        # "a request by Azerbaijan to buy ... had been turned down": who asked is the target
        result = [
            p
            for p in states
            if re.search(
                r"\b(?:request|application|bid|order|offer)s? (?:by|from) (?:the\s+)?$",
                sentence[max(lo, p.start - 30) : p.start],
            )
        ][:1]
    if not result:
        # "Taiwan's fleet of F-16V fighters", "turned down Qatar's request"
        result = [p for p in states if p.start > after and re.match(r"['’]s\b", sentence[p.end :])]
        result = result[:1]
    return result


def authority_before(sentence: str, parties: list[Party], lo: int, trigger: int):
    """The party that acts: the first one in the clause before the trigger that is not a
    destination, a location, or a state qualifying a company ("Germany's Rheinmetall")."""
    for p in parties:
        if not (lo <= p.start < trigger):
            continue
        prefix = sentence[max(lo, p.start - 25) : p.start]
        if DESTINATION.search(prefix) or NOT_DESTINATION.search(prefix):
            continue
        if p.kind == "state":
            follow = sentence[p.end : p.end + 40]
            if re.match(r"-(?:based|made|built|owned|speaking|registered)\b", follow):
                continue
            if COMPANY_AFTER.match(follow):
                continue  # "Dutch drone-parts maker Veldhoven Aero": the company acts
            if any(o.kind == "organization" and 0 <= o.start - p.end <= 4 for o in parties):
                continue  # "Germany's Rheinmetall"
        return p
    return None
