"""Restrictive permit decisions as FtM Sanctions, ended by the decisions that lift them."""

from __future__ import annotations

from collections.abc import Iterator

from followthemoney.proxy import EntityProxy

from ...choices import DecisionAuthority
from ...models import ControlListCategory, Item, PermitDecision
from ...partial_dates import PartialDate
from ...querysets import shown, visible
from .base import (
    RESTRICTIVE_ACTIONS,
    add_proof,
    add_text,
    by_key,
    decision_id,
    evidence_prefetch,
    listed,
    make,
    partial_date,
    party_id,
)

# Permit decisions ----------------------------------------------------------------------------


def _end(decision: PermitDecision) -> PartialDate | None:
    """When a decision stopped applying: the earliest of its own end date and the start of the
    (visible) decisions that lift or cancel it."""
    ends = [decision.get_partial("end_date")] + [later.start for later in decision.shown_ended_by]
    ends = [end for end in ends if end]
    return min(ends, key=lambda end: end.earliest) if ends else None


def _provisions(decision: PermitDecision, verified_only: bool) -> list[str]:
    scope = decision.get_scope_display()
    if decision.scope_description:
        scope += f": {decision.scope_description}"
    lines = [f"{decision.get_action_display()} export permits ({scope})"]
    # One value per item and category: a joined list would pass FtM's 1,024 characters.
    lines += [f"Item: {item.name}" for item in decision.shown_scope_items]
    lines += [f"Control-list category: {c.code} {c.title}" for c in decision.shown_scope_categories]
    manufacturer = shown(decision.scope_manufacturer, verified_only=verified_only)
    if manufacturer is not None:
        lines.append(f"Goods of {manufacturer.name}")
    return lines


def sanction_entities(verified_only: bool) -> Iterator[EntityProxy]:
    ending = (
        visible(PermitDecision.objects.all(), verified_only=verified_only)
        .select_related("authority")
        .prefetch_related(evidence_prefetch(verified_only=verified_only))
        .order_by("slug")
    )
    decisions = (
        visible(PermitDecision.objects.all(), verified_only=verified_only)
        .filter(action__in=RESTRICTIVE_ACTIONS)
        .select_related(
            "authority",
            "authority_organization__country",
            "authority_body",
            "target_state",
            "target_organization",
            "scope_manufacturer",
        )
        .prefetch_related(
            listed(
                "scope_items", visible(Item.objects.order_by("name"), verified_only=verified_only)
            ),
            listed(
                "scope_categories",
                visible(ControlListCategory.objects.order_by("code"), verified_only=verified_only),
            ),
            listed("ended_by", ending),
            evidence_prefetch(verified_only=verified_only),
        )
    )
    for decision in by_key(decisions, "slug"):
        targets = [
            target
            for target in (decision.target_state, decision.target_organization)
            if shown(target, verified_only=verified_only) is not None
        ]
        if not targets:
            continue  # its only target is a draft organisation: nothing public to sanction
        proxy = make("Sanction", decision_id(decision.slug))
        proxy.add("entity", [party_id(target) for target in targets], cleaned=True)
        if decision.authority_kind == DecisionAuthority.ORGANIZATION:
            # A company halting its own deliveries: the company is the authority, its country
            # (when known) the country; it is not a state's permit programme.
            company = decision.authority_organization
            proxy.add("authority", company.name)
            country = shown(company.country, verified_only=verified_only)
            if country is not None:
                proxy.add("country", country.code.lower())
            proxy.add("program", "Own export decisions of an organisation")
        else:
            body = shown(decision.authority_body, verified_only=verified_only)
            proxy.add("authority", body.name if body else decision.authority.name)
            proxy.add("country", decision.authority.code.lower())
            proxy.add("program", "Arms export permits")
        proxy.add("status", decision.get_action_display())
        proxy.add("provisions", _provisions(decision, verified_only))
        add_text(proxy, "reason", decision.reason)
        proxy.add("listingDate", partial_date(decision, "announced_date"), cleaned=True)
        start = decision.start
        proxy.add("startDate", str(start) if start else None, cleaned=True)
        end = _end(decision)
        proxy.add("endDate", str(end) if end else None, cleaned=True)
        description = []
        if decision.announced_by:
            description.append(f"Announced by {decision.announced_by}.")
        for later in decision.shown_ended_by:
            description.append(
                f"{later.get_action_display().capitalize()} on {later.when} ({later.slug})."
            )
        proxy.add("description", " ".join(description) or None)
        proxy.add("recordId", decision.slug)
        add_proof(proxy, decision.shown_evidence)
        for later in decision.shown_ended_by:
            add_proof(proxy, later.shown_evidence)
        yield proxy
