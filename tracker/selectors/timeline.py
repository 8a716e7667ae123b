"""A state's timeline: its permit decisions (made and received), transfers, deployments and
conflict roles in date order. Four queries plus evidence, whatever the number of events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from ..models import ConflictParticipant, Deployment, PermitDecision, State, Transfer
from ..querysets import shown, with_visible_evidence


@dataclass
class TimelineEntry:
    when: str  # the partial date as known ("2019-10"), empty when undated
    sort_key: dt.date | None
    kind: str  # permit_decision, transfer, deployment, conflict_role
    role: str  # authority, target, supplier, recipient, intermediary, user, participant...
    record: object
    summary: str = ""  # one line naming only what the reader may see


def _summary(record, *, verified_only: bool) -> str:
    """``str(record)`` without the optional references the reader may not see."""

    def show(related):
        return shown(related, verified_only=verified_only)

    if isinstance(record, PermitDecision):
        target = show(record.target_state) or show(record.target_organization)
        target = getattr(target, "code", None) or target or "(not public)"
        return f"{record.authority.code} {record.get_action_display()} → {target} ({record.when})"
    if isinstance(record, ConflictParticipant):
        party = show(record.state) or show(record.organization) or "(not public)"
        supports = show(record.supports)
        backing = f" backing {supports.code}" if supports else ""
        return f"{party}: {record.get_role_display()}{backing} in {record.conflict}"
    return str(record)  # transfers and deployments name only required references


def state_timeline(*, state: State, verified_only: bool = True) -> list[TimelineEntry]:
    def visible(queryset):
        return with_visible_evidence(queryset, verified_only=verified_only)

    entries: list[TimelineEntry] = []

    def add(record, kind, role, *date_names):
        summary = _summary(record, verified_only=verified_only)
        for name in date_names:
            if getattr(record, name) is not None:
                entries.append(
                    TimelineEntry(
                        record.partial_display(name),
                        getattr(record, name),
                        kind,
                        role,
                        record,
                        summary,
                    )
                )
                return
        entries.append(TimelineEntry("", None, kind, role, record, summary))

    decisions = visible(
        PermitDecision.objects.filter(Q(authority=state) | Q(target_state=state))
    ).select_related("authority", "target_state", "target_organization", "ends")
    for decision in decisions:
        role = "authority" if decision.authority_id == state.pk else "target"
        add(decision, "permit_decision", role, "effective_date", "announced_date")
    transfers = visible(
        Transfer.objects.filter(
            Q(supplier=state) | Q(recipient=state) | Q(intermediaries=state)
        ).distinct()
    ).select_related("supplier", "recipient", "item")
    for transfer in transfers:
        if transfer.supplier_id == state.pk:
            role = "supplier"
        elif transfer.recipient_id == state.pk:
            role = "recipient"
        else:
            role = "intermediary"
        add(transfer, "transfer", role, "order_date", "delivery_date")
    for deployment in visible(Deployment.objects.filter(state=state)).select_related(
        "item", "state", "conflict"
    ):
        add(deployment, "deployment", "user", "start_date")
    roles = visible(
        ConflictParticipant.objects.filter(Q(state=state) | Q(supports=state))
    ).select_related("conflict", "state", "organization", "supports")
    for participant in roles:
        role = participant.role if participant.state_id == state.pk else "backed"
        add(participant, "conflict_role", role, "start_date")
    entries.sort(key=lambda e: (e.sort_key is None, e.sort_key or dt.date.min, e.kind))
    return entries
