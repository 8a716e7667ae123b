"""What permit policy an authority had toward a target on a given day.

Decisions are known to a year, a month or a day. A decision "in May 2020" may or may not have
taken effect by 15 May, so each decision is classed on the day asked as certainly in force,
possibly in force (the day falls inside the period of its start or of its end), or not in force,
and the answer says when the status is uncertain instead of guessing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q

from ..choices import PermitAction, PermitScope
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
class PermitStatus:
    authority: State
    target: State
    on: dt.date
    item: Item | None
    category: ControlListCategory | None
    status: str
    certain: bool
    possible_statuses: list[str]
    in_force: list[DecisionOnDay]
    chain: list[DecisionOnDay]


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


def permit_status(
    *,
    authority: State,
    target: State,
    on: dt.date,
    item: Item | None = None,
    category: ControlListCategory | None = None,
    verified_only: bool = True,
) -> PermitStatus:
    """The status in force on ``on`` and the chain of decisions behind it (constant queries);
    with ``verified_only`` (anonymous readers) drafts and draft quotes are left out."""
    queryset = with_visible_evidence(
        PermitDecision.objects.filter(authority=authority, target_state=target),
        verified_only=verified_only,
    )
    queryset = (
        queryset.filter(Q(announced_date__lte=on) | Q(effective_date__lte=on))
        .prefetch_related(
            prefetch_visible("ended_by", PermitDecision, verified_only=verified_only),
            prefetch_visible("scope_items", Item, verified_only=verified_only),
            prefetch_visible("scope_categories", ControlListCategory, verified_only=verified_only),
        )
        .select_related("authority", "target_state", "ends__authority")
    )
    chain: list[DecisionOnDay] = []
    for decision in sorted(queryset, key=lambda d: (d.start.earliest, d.pk)):
        applies = _applies(decision, item, category)
        if applies is None:
            continue
        chain.append(
            DecisionOnDay(
                decision,
                _state_on(decision, on),
                applies,
                ended_by=list(decision.ended_by.all()),
            )
        )
    in_force = [d for d in chain if d.status and d.state in ("in force", "possibly in force")]
    sure = [d for d in in_force if d.state == "in force" and d.applies == "yes"]
    maybe = [d for d in in_force if d not in sure]
    rank = {status: i for i, (_, status) in enumerate(SEVERITY)}
    if sure:
        status = min((d.status for d in sure), key=rank.__getitem__)
        possible = sorted({status, *(d.status for d in maybe)}, key=rank.__getitem__)
        certain = len(possible) == 1 or status == possible[0]
    elif maybe:
        possible = [*sorted({d.status for d in maybe}, key=rank.__getitem__), OPEN]
        status, certain = UNCERTAIN, False
    else:
        status, certain, possible = OPEN, True, [OPEN]
    return PermitStatus(
        authority=authority,
        target=target,
        on=on,
        item=item,
        category=category,
        status=status,
        certain=certain,
        possible_statuses=possible,
        in_force=in_force,
        chain=chain,
    )
