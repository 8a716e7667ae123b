"""A state's timeline: its permit decisions (made and received), transfers, deployments and
conflict roles in date order, undated events last.

Bounded: one page at a time (``limit`` entries from ``offset``). Each kind of event is read
already ordered and cut at ``offset + limit + 1`` rows, then the four are merged: four queries
plus evidence, whatever the number of events. ``date_after``/``date_before`` take partial dates
and keep events whose period overlaps the range, as the lists' date filters do (undated events
are then left out).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Prefetch, Q
from django.db.models.functions import Coalesce

from ..choices import TransferSide
from ..filters import PartialDateFilter
from ..models import ConflictParticipant, Deployment, PermitDecision, State, Transfer
from ..partial_dates import PartialDate
from ..querysets import shown, visible, visible_evidence, with_visible_evidence
from .supply_chain import Page

#: A transfer's date on the timeline: the first of these that is known.
TRANSFER_DATES = ("order_date", "delivery_date")
#: The order of kinds on the same day.
KINDS = ("permit_decision", "transfer", "deployment", "conflict_role")


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
        return f"{record.authority_label} {record.get_action_display()} → {target} ({record.when})"
    if isinstance(record, ConflictParticipant):
        party = show(record.state) or show(record.organization) or "(not public)"
        supports = show(record.supports)
        backing = f" backing {supports.code}" if supports else ""
        return f"{party}: {record.get_role_display()}{backing} in {record.conflict}"
    if isinstance(record, Transfer):
        return transfer_summary(record, verified_only=verified_only)
    return str(record)  # deployments name only required references


def side_summary(transfer: Transfer, side: str, *, verified_only: bool) -> str:
    """One side of a transfer for a reader: the state's code, ``Hezbollah (non-state, in LB)``
    or ``unknown supplier``; never a state for a side that is not one."""
    kind = getattr(transfer, f"{side}_kind")
    if kind == TransferSide.STATE:
        return getattr(transfer, side).code
    if kind == TransferSide.NON_STATE:
        party = getattr(transfer, f"{side}_party")
        country = shown(party.country, verified_only=verified_only) if party.country_id else None
        where = f", in {country.code}" if country else ""
        return f"{party.name} (non-state{where})"
    return f"unknown {side}"


def transfer_summary(transfer: Transfer, *, verified_only: bool) -> str:
    """``TR → Hezbollah (non-state, in LB): Item (2019)``: each side as it is (the sides are
    required references of a visible transfer, the party's country is optional)."""
    when = transfer.partial_display("order_date") or transfer.partial_display("delivery_date")
    supplier = side_summary(transfer, "supplier", verified_only=verified_only)
    recipient = side_summary(transfer, "recipient", verified_only=verified_only)
    return f"{supplier} → {recipient}: {transfer.item}" + (f" ({when})" if when else "")


@dataclass
class Timeline:
    state: State
    entries: list[TimelineEntry]
    page: Page
    has_next: bool


def _first(queryset, date_fields, date_after, date_before, count):
    """The first ``count`` records of ``queryset`` by their first known date (then id), within
    the range, as a queryset."""
    if date_after is not None:
        queryset = PartialDateFilter(bound="after", fields=date_fields).filter(queryset, date_after)
    if date_before is not None:
        queryset = PartialDateFilter(bound="before", fields=date_fields).filter(
            queryset, date_before
        )
    day = Coalesce(*date_fields) if len(date_fields) > 1 else F(date_fields[0])
    return queryset.annotate(timeline_day=day).order_by(
        F("timeline_day").asc(nulls_last=True), "pk"
    )[:count]


def _dated(queryset, date_fields, date_after, date_before, count):
    """The first ``count`` records by their first known date (then id), within the range."""
    return list(_first(queryset, date_fields, date_after, date_before, count))


#: The ways a state takes part in a transfer.
TRANSFER_SIDES = ("supplier", "recipient", "intermediaries")


def _first_transfers(state, date_after, date_before, count, verified_only) -> list[int]:
    """The ids of the state's first ``count`` visible transfers by date (and maybe a few more),
    in one query.

    Each side is read on its own, in date order, and cut at ``count`` (the state's transfers
    out and in through the indexes on (supplier, first date, id) and (recipient, first date,
    id)), then the three are merged: one OR over the three sides (one of them a many-to-many
    join) could use no index, so it sorted every transfer the state ever took part in. The ids
    come back as a list: as a subquery, PostgreSQL joined them to the records after joining
    every transfer to its sides."""
    parts, params = [], []
    for side in TRANSFER_SIDES:
        first = _first(
            visible(Transfer.objects.filter(**{side: state}), verified_only=verified_only),
            TRANSFER_DATES,
            date_after,
            date_before,
            count,
        ).values("pk")
        sql, side_params = first.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) {side}_first")
        params += side_params
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(parts), params)
        return [pk for (pk,) in cursor.fetchall()]


def state_timeline(
    *,
    state: State,
    date_after: PartialDate | None = None,
    date_before: PartialDate | None = None,
    page: Page = Page(),  # noqa: B008 (frozen)
    verified_only: bool = True,
) -> Timeline:
    def with_evidence(queryset):
        return with_visible_evidence(queryset, verified_only=verified_only)

    count = page.offset + page.limit + 1
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

    def read(queryset, *date_names):
        return _dated(queryset, date_names, date_after, date_before, count)

    decisions = with_evidence(
        PermitDecision.objects.filter(Q(authority=state) | Q(target_state=state))
    ).select_related(
        "authority", "authority_organization", "target_state", "target_organization", "ends"
    )
    for decision in read(decisions, "effective_date", "announced_date"):
        role = "authority" if decision.authority_id == state.pk else "target"
        add(decision, "permit_decision", role, "effective_date", "announced_date")
    # Already visible and within the range: only their evidence is left to narrow.
    first_transfers = _first_transfers(state, date_after, date_before, count, verified_only)
    transfers = (
        Transfer.objects.filter(pk__in=first_transfers)
        .prefetch_related(
            Prefetch("evidence", queryset=visible_evidence(verified_only=verified_only))
        )
        .select_related(
            "supplier",
            "recipient",
            "supplier_party__country",
            "recipient_party__country",
            "item",
        )
    )
    for transfer in _dated(transfers, TRANSFER_DATES, None, None, count):
        if transfer.supplier_id == state.pk:
            role = "supplier"
        elif transfer.recipient_id == state.pk:
            role = "recipient"
        else:
            role = "intermediary"
        add(transfer, "transfer", role, "order_date", "delivery_date")
    deployments = with_evidence(Deployment.objects.filter(state=state)).select_related(
        "item", "state", "conflict"
    )
    for deployment in read(deployments, "start_date"):
        add(deployment, "deployment", "user", "start_date")
    roles = with_evidence(
        ConflictParticipant.objects.filter(Q(state=state) | Q(supports=state))
    ).select_related("conflict", "state", "organization", "supports")
    for participant in read(roles, "start_date"):
        role = participant.role if participant.state_id == state.pk else "backed"
        add(participant, "conflict_role", role, "start_date")
    entries.sort(
        key=lambda e: (
            e.sort_key is None,
            e.sort_key or dt.date.min,
            KINDS.index(e.kind),
            e.record.pk,
        )
    )
    window = entries[page.offset : page.offset + page.limit + 1]
    return Timeline(
        state=state,
        entries=window[: page.limit],
        page=page,
        has_next=len(window) > page.limit,
    )
