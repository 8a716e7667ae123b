"""What permit policy an authority had toward a target on a given day.

Decisions are known to a year, a month or a day. A decision "in May 2020" may or may not have
taken effect by 15 May, so each decision is classed on the day asked as certainly in force,
possibly in force (the day falls inside the period of its start or of its end), or not in force,
and the answer says when the status is uncertain instead of guessing. With no recorded
decision started, the answer is ``no_recorded_decision``: the data says nothing, so no status is
claimed. Asked about everything (no item or category), a restriction whose scope covers only
part of military exports is reported as partial, with its scope. Asked about a month or a year,
the answer is the status at its first day and every start or end of a decision within it.

The status is a state's export-permit policy: only the decisions whose authority is that state
count. A company's own decision (``authority_kind`` organization: a manufacturer halting its
deliveries) is not a state's permit decision and never changes the status; it is listed with the
target's other decisions in the timeline and the decisions list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q

from ..choices import DatePrecision, PermitAction, PermitScope
from ..models import ControlListCategory, Item, PermitDecision, State
from ..partial_dates import PartialDate
from ..querysets import prefetch_visible, with_visible_evidence

#: The status each restrictive action puts in force, most severe first.
SEVERITY = [
    (PermitAction.CANCEL, "cancelled"),
    (PermitAction.DENY, "denied"),
    (PermitAction.FREEZE, "frozen"),
    (PermitAction.SUSPEND, "suspended"),
    (PermitAction.RESTRICT, "case by case"),
]
STATUS_OF = dict(SEVERITY)
OPEN = "open"
UNCERTAIN = "uncertain"
NO_RECORDED_DECISION = "no_recorded_decision"


@dataclass
class DecisionOnDay:
    decision: PermitDecision
    state: str  # "in force", "possibly in force", "ended", "not yet in force"
    applies: str  # "yes" or "possibly" (a scope that names no items)
    ended_by: list[PermitDecision] = field(default_factory=list)

    @property
    def status(self) -> str | None:
        return STATUS_OF.get(self.decision.action)


@dataclass
class StatusOnDay:
    """The status on one day and the decisions behind it.

    ``status`` is a restriction (``cancelled`` ... ``case by case``), ``open`` (recorded
    decisions, none restricting on that day), ``uncertain`` (see ``possible_statuses``) or
    ``no_recorded_decision`` (nothing recorded had started: the data says nothing, so no status
    is claimed and ``certain`` is false). ``partial`` is true when the restriction covers only
    part of military exports (asked without an item or category); ``scope`` is then the
    decision whose scope it is."""

    day: dt.date
    status: str
    certain: bool
    possible_statuses: list[str]
    partial: bool
    scope: PermitDecision | None
    in_force: list[DecisionOnDay]
    chain: list[DecisionOnDay]


@dataclass
class StatusChange:
    """A decision starting or ending within the period asked, at its date's precision, and the
    status once it has certainly happened (or at the end of the period, if that comes first)."""

    date: PartialDate
    event: str  # "starts" or "ends"
    decision: PermitDecision
    after: StatusOnDay


@dataclass
class PermitStatus:
    """The status at the start of ``on`` (a day, a month or a year) and every change within it."""

    authority: State
    target: State
    on: PartialDate
    item: Item | None
    category: ControlListCategory | None
    status: str
    certain: bool
    possible_statuses: list[str]
    partial: bool
    scope: PermitDecision | None
    in_force: list[DecisionOnDay]
    chain: list[DecisionOnDay]
    changes: list[StatusChange] = field(default_factory=list)
    #: Whether the reader sees verified records only (optional references are hidden then).
    verified_only: bool = True


def _end_of(decision: PermitDecision) -> list[PartialDate]:
    """When a decision stops applying: its own end date and the start of any decision ending it."""
    ends = [decision.get_partial("end_date")] if decision.end_date else []
    for later in decision.ended_by.all():
        if later.start:
            ends.append(later.start)
    return [e for e in ends if e]


def _state_on(decision: PermitDecision, day: dt.date) -> str:
    start = decision.start
    if start is None or day < start.earliest:
        return "not yet in force"
    ends = _end_of(decision)
    if any(day >= end.latest for end in ends):
        return "ended"
    started_surely = day >= start.latest
    maybe_ended = any(day >= end.earliest for end in ends)
    return "in force" if started_surely and not maybe_ended else "possibly in force"


def _applies(decision: PermitDecision, item: Item | None, category) -> str | None:
    """Whether the decision's scope covers the item or category asked about."""
    if item is None and category is None:
        return "yes"
    if decision.scope == PermitScope.ALL_MILITARY:
        return "yes"
    if decision.scope == PermitScope.MANUFACTURER:
        return "yes" if item and item.manufacturer_id == decision.scope_manufacturer_id else None
    if decision.scope == PermitScope.CATEGORY:
        codes = {c.pk for c in decision.scope_categories.all()}
        wanted = category.pk if category else item.category_id
        return "yes" if wanted in codes else None
    items = {i.pk for i in decision.scope_items.all()}
    if item is not None and item.pk in items:
        return "yes"
    # A scope described only in words ("some drone technology") may cover what is asked.
    return "possibly" if not items else None


def _known_by(decision: PermitDecision, day: dt.date) -> bool:
    return any(
        d is not None and d <= day for d in (decision.announced_date, decision.effective_date)
    )


def _status_on(decisions, day: dt.date, item, category) -> StatusOnDay:
    """Evaluate the (already loaded, applicable) decisions on ``day``; no queries."""
    chain = [
        DecisionOnDay(decision, _state_on(decision, day), applies, list(decision.ended_by.all()))
        for decision, applies in decisions
        if _known_by(decision, day)
    ]
    in_force = [d for d in chain if d.status and d.state in ("in force", "possibly in force")]
    sure = [d for d in in_force if d.state == "in force" and d.applies == "yes"]
    maybe = [d for d in in_force if d not in sure]
    rank = {status: i for i, (_, status) in enumerate(SEVERITY)}
    # What holds if no restriction is in force: "open" once some recorded decision has surely
    # started (a lift, a grant, a restriction since ended), otherwise the data says nothing.
    started = any(day >= d.decision.start.latest for d in chain)
    fallback = OPEN if started else NO_RECORDED_DECISION
    partial, scope = False, None
    if sure:
        status = min((d.status for d in sure), key=rank.__getitem__)
        possible = sorted({status, *(d.status for d in maybe)}, key=rank.__getitem__)
        certain = len(possible) == 1 or status == possible[0]
        behind = [d for d in sure if d.status == status]
        if item is None and category is None:
            partial = all(d.decision.scope != PermitScope.ALL_MILITARY for d in behind)
            scope = behind[0].decision if partial else None
    elif maybe:
        possible = [*sorted({d.status for d in maybe}, key=rank.__getitem__), fallback]
        status, certain = UNCERTAIN, False
    elif started:
        status, certain, possible = OPEN, True, [OPEN]
    else:
        status, certain, possible = NO_RECORDED_DECISION, False, []
    return StatusOnDay(day, status, certain, possible, partial, scope, in_force, chain)


def _changes(decisions, period: PartialDate, item, category) -> list[StatusChange]:
    """Starts and ends of decisions that fall within ``period`` (not already certain at its
    first day), each with the status once it has certainly happened."""
    events = []
    for decision, _applies in decisions:
        for event, when in (("starts", decision.start), ("ends", decision.get_partial("end_date"))):
            if when and when.latest > period.earliest and when.earliest <= period.latest:
                events.append((when, event, decision))
    events.sort(key=lambda e: (e[0].earliest, e[0].latest, e[2].pk))
    return [
        StatusChange(
            when,
            event,
            decision,
            _status_on(decisions, min(when.latest, period.latest), item, category),
        )
        for when, event, decision in events
    ]


def permit_status(
    *,
    authority: State,
    target: State,
    on: dt.date | PartialDate,
    item: Item | None = None,
    category: ControlListCategory | None = None,
    verified_only: bool = True,
) -> PermitStatus:
    """The status in force at the start of ``on`` and the chain of decisions behind it; for a
    month or a year, also every change within it (constant queries). With ``verified_only``
    (anonymous readers) drafts and draft quotes are left out."""
    period = on if isinstance(on, PartialDate) else PartialDate(on, DatePrecision.DAY)
    queryset = with_visible_evidence(
        PermitDecision.objects.filter(authority=authority, target_state=target),
        verified_only=verified_only,
    )
    queryset = (
        queryset.filter(Q(announced_date__lte=period.latest) | Q(effective_date__lte=period.latest))
        .prefetch_related(
            prefetch_visible("ended_by", PermitDecision, verified_only=verified_only),
            prefetch_visible("scope_items", Item, verified_only=verified_only),
            prefetch_visible("scope_categories", ControlListCategory, verified_only=verified_only),
        )
        .select_related("authority", "target_state", "ends__authority", "scope_manufacturer")
    )
    decisions = []
    for decision in sorted(queryset, key=lambda d: (d.start.earliest, d.pk)):
        applies = _applies(decision, item, category)
        if applies is not None:
            decisions.append((decision, applies))
    at_start = _status_on(decisions, period.earliest, item, category)
    changes = (
        _changes(decisions, period, item, category) if period.precision != DatePrecision.DAY else []
    )
    return PermitStatus(
        authority=authority,
        target=target,
        on=period,
        item=item,
        category=category,
        status=at_start.status,
        certain=at_start.certain,
        possible_statuses=at_start.possible_statuses,
        partial=at_start.partial,
        scope=at_start.scope,
        in_force=at_start.in_force,
        chain=at_start.chain,
        changes=changes,
        verified_only=verified_only,
    )
