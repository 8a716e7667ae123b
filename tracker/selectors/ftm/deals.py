"""Transfers as FtM contracts, with their supplying parties, item and route."""

from __future__ import annotations

from collections.abc import Iterator

from followthemoney.proxy import EntityProxy

from ...choices import TransferSide
from ...models import State, Transfer, TransferDelivery
from ...querysets import shown, visible
from .base import (
    add_text,
    by_key,
    entity_id,
    item_id,
    listed,
    make,
    partial_date,
    party_id,
    party_name,
    state_id,
    transfer_id,
)

# Transfers -----------------------------------------------------------------------------------


def _side(transfer: Transfer, side: str):
    """The record on one side (a State, or an Organization for a non-state party), or None when
    unknown."""
    kind = getattr(transfer, f"{side}_kind")
    if kind == TransferSide.STATE:
        return getattr(transfer, side)
    if kind == TransferSide.NON_STATE:
        return getattr(transfer, f"{side}_party")
    return None


def _number(value, estimated: bool) -> str:
    if value is None:
        return "unknown"
    return f"{value} (estimate)" if estimated else str(value)


def _transfer_summary(transfer: Transfer, supplier, recipient) -> list[str]:
    lines = [
        f"Supplier: {party_name(supplier)}; recipient: {party_name(recipient)}.",
        f"Number ordered: {_number(transfer.quantity, transfer.quantity_estimated)}; "
        "number delivered: "
        f"{_number(transfer.quantity_delivered, transfer.quantity_delivered_estimated)}.",
    ]
    if transfer.condition:
        lines.append(f"Condition: {transfer.get_condition_display()}.")
    if transfer.order_date_estimated:
        lines.append("The order date is an estimate.")
    if transfer.delivery_dates_estimated:
        lines.append("The delivery years are estimates.")
    tivs = [
        (label, value)
        for label, value in (
            ("per unit", transfer.tiv_per_unit),
            ("of the order", transfer.tiv_total_order),
            ("delivered", transfer.tiv_delivered),
        )
        if value is not None
    ]
    if tivs:
        values = ", ".join(f"{label} {value.normalize():f}" for label, value in tivs)
        lines.append(f"SIPRI trend-indicator value (millions, not a price): {values}.")
    deliveries = [
        f"{d.year}{' (estimate)' if d.year_estimated else ''}: "
        f"{_number(d.number, d.number_estimated)}"
        for d in transfer.shown_deliveries
    ]
    if deliveries:
        lines.append("Deliveries by year: " + "; ".join(deliveries) + ".")
    return lines


def transfer_entities(verified_only: bool) -> Iterator[EntityProxy]:
    transfers = (
        visible(Transfer.objects.all(), verified_only=verified_only)
        .select_related(
            "supplier",
            "recipient",
            "supplier_party__country",
            "recipient_party__country",
            "supplier_organization",
            "recipient_organization",
            "item__category",
            "withdrawn_by_source",
        )
        .defer("withdrawn_by_source__text")
        .prefetch_related(
            listed(
                "intermediaries",
                visible(State.objects.order_by("code"), verified_only=verified_only),
            ),
            listed("deliveries", TransferDelivery.objects.order_by("year")),
        )
    )
    for transfer in by_key(transfers, "slug"):
        supplier = _side(transfer, "supplier")
        recipient = _side(transfer, "recipient")
        # The company or agency that sold or bought, on any kind of side (optional).
        supplier_company = shown(transfer.supplier_organization, verified_only=verified_only)
        recipient_agency = shown(transfer.recipient_organization, verified_only=verified_only)

        contract = make("Contract", transfer_id(transfer.slug))
        when = partial_date(transfer, "order_date") or partial_date(transfer, "delivery_date")
        title = f"{transfer.item.name}: {party_name(supplier)} → {party_name(recipient)}"
        contract.add("title", title + (f" ({when})" if when else ""))
        contract.add("type", "arms transfer")
        contract.add("contractDate", partial_date(transfer, "order_date"), cleaned=True)
        status = transfer.get_status_display()
        withdrawn = shown(transfer.withdrawn_by_source, verified_only=verified_only)
        if withdrawn is not None:
            status += f"; no longer listed by its source ({withdrawn})"
        contract.add("status", status)
        if transfer.item.category_id:
            category = shown(transfer.item.category, verified_only=verified_only)
            contract.add("classification", category.code if category else None)
        for party in (recipient, recipient_agency):
            if party is not None:
                contract.add("authority", party_id(party), cleaned=True)
        for party in (supplier, recipient):
            country = party if isinstance(party, State) else getattr(party, "country", None)
            if shown(country, verified_only=verified_only) is not None:
                contract.add("country", country.code.lower())
        contract.add("summary", _transfer_summary(transfer, supplier, recipient))
        add_text(contract, "description", transfer.comments)
        add_text(contract, "notes", transfer.note)
        contract.add("keywords", transfer.external_id)
        yield contract

        for role, party in (("supplier", supplier), ("supplying company", supplier_company)):
            if party is None:
                continue
            award = make("ContractAward", entity_id("transfer-award", f"{transfer.slug} {role}"))
            award.add("supplier", party_id(party), cleaned=True)
            award.add("contract", contract.id, cleaned=True)
            award.add("role", role)
            award.add("startDate", partial_date(transfer, "delivery_date"), cleaned=True)
            award.add("endDate", partial_date(transfer, "delivery_end_date"), cleaned=True)
            award.add("recordId", transfer.external_id)
            yield award

        item_link = make("UnknownLink", entity_id("transfer-item", transfer.slug))
        item_link.add("subject", contract.id, cleaned=True)
        item_link.add("object", item_id(transfer.item.slug), cleaned=True)
        item_link.add("role", "item transferred")
        yield item_link
        for state in transfer.shown_intermediaries:
            via = make("UnknownLink", entity_id("transfer-via", f"{transfer.slug} {state.code}"))
            via.add("subject", contract.id, cleaned=True)
            via.add("object", state_id(state.code), cleaned=True)
            via.add("role", "intermediary")
            yield via
