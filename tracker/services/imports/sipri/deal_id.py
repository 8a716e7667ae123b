"""SIPRI's deal-id export: one row per deal and delivery year, grouped here into deals."""

from __future__ import annotations

from decimal import Decimal

from .fields import MAX_INTEGER, MAX_TIV, RowParser, column_index, split_line
from .names import parse_party
from .records import Delivery, ReadReport, Release, SipriDeal

DEAL_ID_COLUMNS = (
    "SIPRI AT Database ID",
    "Supplier",
    "Recipient",
    "Designation",
    "Description",
    "Armament category",
    "Order date",
    "Order date is estimate",
    "Numbers delivered",
    "Numbers delivered is estimate",
    "Delivery year",
    "Delivery year is estimate",
    "Status",
    "SIPRI estimate",
    "TIV deal unit",
    "TIV delivery values",
    "Local production",
)
# deal-id columns that are the deal's, hence the same on every row of a deal
DEAL_ID_DEAL_COLUMNS = (
    "Supplier",
    "Recipient",
    "Designation",
    "Description",
    "Armament category",
    "Order date",
    "Order date is estimate",
    "Status",
    "SIPRI estimate",
    "TIV deal unit",
    "Local production",
)


class DealIdReader(RowParser):
    """Groups the rows of a deal-id export by SIPRI's deal id into deals with deliveries."""

    def __init__(self, lines: list[str], release: Release, report: ReadReport) -> None:
        super().__init__()
        self.lines = lines
        self.release = release
        self.report = report
        self.columns = column_index(release.header, DEAL_ID_COLUMNS)
        self.width = len(release.header)

    def read(self) -> list[SipriDeal]:
        c = self.columns
        report = self.report
        groups: dict[int, list[tuple[int, list[str], str]]] = {}
        for index in range(self.release.header_line, len(self.lines)):
            line = self.lines[index]
            self.line = index + 1
            if not line.strip():
                report.blank_lines.append(self.line)
                continue
            fields = split_line(line)
            if len(fields) != self.width:
                report.deals_read += 1
                report.rejected += 1
                self.problem(
                    "row", line, f"{len(fields)} columns where the header has {self.width}"
                )
                report.unkeyed_lines.append(self.line)
                continue
            deal_id = self.integer("SIPRI AT Database ID", fields[c["SIPRI AT Database ID"]])
            if deal_id is None:
                report.deals_read += 1
                report.rejected += 1
                if not fields[c["SIPRI AT Database ID"]].strip():
                    self.problem("SIPRI AT Database ID", "", "missing")
                report.unkeyed_lines.append(self.line)
                continue
            groups.setdefault(deal_id, []).append((self.line, fields, line))
        deals = []
        for deal_id, rows in groups.items():
            report.deals_read += 1
            deal = self._deal(deal_id, rows)
            if deal is None:
                report.rejected += 1
                report.rejected_keys.add(f"deal:{deal_id}")
            else:
                deals.append(deal)
        report.parsed = len(deals)
        report.problems.extend(self.problems)
        return deals

    def _deal(self, deal_id: int, rows: list[tuple[int, list[str], str]]) -> SipriDeal | None:
        c = self.columns
        before = len(self.problems)
        first_line, first, _ = rows[0]
        for line, fields, _ in rows[1:]:
            self.line = line
            for column in DEAL_ID_DEAL_COLUMNS:
                if fields[c[column]].strip() != first[c[column]].strip():
                    self.problem(
                        column,
                        fields[c[column]],
                        f"differs from line {first_line} of the same deal ({first[c[column]]!r})",
                    )
        deliveries = []
        for line, fields, _ in rows:
            self.line = line
            year = self.year("Delivery year", fields[c["Delivery year"]])
            delivery = Delivery(
                year=year or 0,
                number=self.integer("Numbers delivered", fields[c["Numbers delivered"]]),
                number_estimated=bool(
                    self.yes_no(
                        "Numbers delivered is estimate", fields[c["Numbers delivered is estimate"]]
                    )
                ),
                year_estimated=bool(
                    self.yes_no("Delivery year is estimate", fields[c["Delivery year is estimate"]])
                ),
                tiv=self.decimal("TIV delivery values", fields[c["TIV delivery values"]]),
                line=line,
            )
            if year is not None:
                deliveries.append(delivery)
        seen: dict[int, int] = {}
        for delivery in deliveries:
            if delivery.year in seen:
                self.line = delivery.line
                self.problem(
                    "Delivery year",
                    str(delivery.year),
                    f"a second delivery row for this year of deal {deal_id} "
                    f"(first on line {seen[delivery.year]})",
                )
            seen.setdefault(delivery.year, delivery.line)
        self.line = first_line
        supplier = parse_party(self.text("Supplier", first[c["Supplier"]]))
        recipient = parse_party(self.text("Recipient", first[c["Recipient"]]))
        designation = self.text("Designation", first[c["Designation"]])
        order_year = self.year("Order date", first[c["Order date"]])
        order_estimated = self.yes_no("Order date is estimate", first[c["Order date is estimate"]])
        status = self.status("Status", first[c["Status"]])
        tiv_estimate = self.decimal("SIPRI estimate", first[c["SIPRI estimate"]])
        tiv_unit = self.decimal("TIV deal unit", first[c["TIV deal unit"]])
        local = self.yes_no("Local production", first[c["Local production"]])
        deliveries.sort(key=lambda d: d.year)
        years = tuple(d.year for d in deliveries)
        numbers = [d.number for d in deliveries]
        tivs = [d.tiv for d in deliveries]
        if None not in numbers and sum(numbers) > MAX_INTEGER:
            self.problem("Numbers delivered", str(sum(numbers)), f"total above {MAX_INTEGER}")
        if None not in tivs and sum(tivs, Decimal(0)) >= MAX_TIV:
            self.problem("TIV delivery values", str(sum(tivs)), f"total not below {MAX_TIV:,.0f}")
        if len(self.problems) > before:
            return None
        identity = f"deal:{deal_id}"
        return SipriDeal(
            identity=identity,
            deal_key=identity,
            occurrence=1,
            deal_id=deal_id,
            lines=tuple(line for line, _, _ in rows),
            text="\n".join(text for _, _, text in rows),
            supplier=supplier,
            recipient=recipient,
            designation=designation,
            description=first[c["Description"]].strip(),
            order_year=order_year,
            order_year_estimated=bool(order_estimated),
            number_ordered=None,  # not in this format
            number_ordered_estimated=False,
            number_delivered=None if None in numbers else sum(numbers),
            number_delivered_estimated=any(d.number_estimated for d in deliveries),
            delivery_years=years,
            first_delivery_year=years[0] if years else None,
            last_delivery_year=years[-1] if years else None,
            delivery_year_estimated=any(d.year_estimated for d in deliveries),
            status=status,
            tiv_per_unit=tiv_unit,
            tiv_total_order=None,  # not in this format
            tiv_delivered=None if None in tivs else sum(tivs, Decimal(0)),
            comments="",
            deliveries=tuple(deliveries),
            armament_category=first[c["Armament category"]].strip(),
            local_production=local,
            tiv_estimate=tiv_estimate,
        )
