"""Reading SIPRI exports: formats, preamble, typed fields, identity, bad rows, balance."""

from datetime import datetime
from decimal import Decimal

import pytest

from tracker.services.imports.sipri import (
    PartyKind,
    SipriFormat,
    SipriFormatError,
    SipriStatus,
    sipri_read,
)

from .conftest import DATA


def deal_on(read, line):
    return next(d for d in read.deals if line in d.lines)


def test_classic_release_comes_from_the_preamble(classic_extract):
    """Format, encoding, title and generation date identify the release."""
    release = classic_extract.release
    assert release.format is SipriFormat.CLASSIC
    assert release.encoding == "latin-1"
    assert release.generated_at == datetime(2024, 10, 13, 14, 20, 11)
    assert release.generated_text == "13 Oct 2024 2:20:11 PM"
    assert release.title.startswith("Transfers of major conventional arms from All countries")
    assert release.source_line == "Source: SIPRI Arms Transfers Database (c) SIPRI."
    assert release.header_line == 12


def test_classic_row_is_typed_with_flags_apart_from_numbers(classic_extract):
    """Numbers are numbers; each `?` is a flag on its value; years of delivery give first/last."""
    deal = deal_on(classic_extract, 14)  # Afghanistan <- Soviet Union, AI-25
    assert deal.text.startswith("Afghanistan,Soviet Union,1977,?,26,,AI-25,turbofan,26,?,")
    assert (deal.supplier.state_code, deal.recipient.state_code) == ("SUHH", "AF")
    assert (deal.designation, deal.description) == ("AI-25", "turbofan")
    assert (deal.order_year, deal.order_year_estimated) == (1977, True)
    assert (deal.number_ordered, deal.number_ordered_estimated) == (26, False)
    assert (deal.number_delivered, deal.number_delivered_estimated) == (26, True)
    assert deal.delivery_years == (1977, 1978)
    assert (deal.first_delivery_year, deal.last_delivery_year) == (1977, 1978)
    assert deal.status is SipriStatus.NEW
    assert (deal.tiv_per_unit, deal.tiv_total_order, deal.tiv_delivered) == (
        Decimal("0.6"),
        Decimal("15.6"),
        Decimal("15.6"),
    )
    assert deal.comments.startswith("For 26 L-39 trainer aircraft from Czechoslovakia")


def test_classic_statuses_and_empty_number_ordered(classic_extract):
    """Second hand is read as such; an empty number ordered is None, not zero."""
    statuses = {d.status for d in classic_extract.deals}
    assert {SipriStatus.NEW, SipriStatus.SECOND_HAND} <= statuses
    second = deal_on(classic_extract, 17)  # Albania <- East Germany, second hand Il-14
    assert second.status is SipriStatus.SECOND_HAND
    assert second.supplier.state_code == "DDDE"


def test_latin1_text_is_decoded(classic_extract):
    """Latin-1 bytes (Wärtsilä) read as the characters they are."""
    assert any(d.comments.startswith("Wärtsilä-12V32") for d in classic_extract.deals)


def test_broken_rows_are_repaired_with_their_lines(classic_extract):
    """A newline inside an unquoted comment splits a deal over two lines: they are joined."""
    report = classic_extract.report
    assert report.repaired == [(58, 59), (69, 70)]
    thai = deal_on(classic_extract, 58)
    assert thai.lines == (58, 59)
    assert thai.comments.endswith("redesign for other engines")
    assert (thai.tiv_per_unit, thai.tiv_total_order, thai.tiv_delivered) == (
        Decimal("0.25"),
        Decimal("3.5"),
        Decimal("3.25"),
    )
    assert thai.text.endswith("other engines\n,0.25,3.5,3.25")
    un = deal_on(classic_extract, 69)
    assert un.recipient.kind is PartyKind.INTERNATIONAL_ORGANISATION
    assert un.recipient.name == "United Nations"


def test_bad_rows_are_reported_by_line_and_field(classic_extract):
    """Wrong column counts, non-numbers, bad years, statuses and markers: reported, not read."""
    problems = {(p.line, p.field): p for p in classic_extract.report.problems}
    assert (75, "Number ordered") in problems  # 12a
    assert problems[(76, "Number ordered")].value == "6?"  # never part of a number
    assert (77, "row") in problems  # 15 columns
    assert (78, "row") in problems  # 7 columns, not repairable
    assert (79, "Year(s) of delivery") in problems
    assert (80, "status") in problems
    assert (81, "SIPRI TIV of delivered weapons") in problems  # 1e3
    assert (81, "Number delivered ?") in problems  # "!"
    read_lines = {line for d in classic_extract.deals for line in d.lines}
    assert not read_lines & {75, 76, 77, 78, 79, 80, 81}


def test_counts_balance(classic_extract, deal_id_extract):
    """Deals read = parsed + rejected, in both formats."""
    for read in (classic_extract, deal_id_extract):
        report = read.report
        assert report.balanced
        assert report.parsed == len(read.deals)
    assert (classic_extract.report.deals_read, classic_extract.report.rejected) == (67, 7)


def test_identical_rows_are_separate_deals(classic_extract):
    """Rows identical in every field get the same hash and different occurrence numbers."""
    salvador = [d for d in classic_extract.deals if d.designation == "DC-6/C-118"]
    assert len(salvador) == 2
    assert [d.occurrence for d in salvador] == [1, 2]
    first, second = (d.identity for d in salvador)
    assert first != second
    assert first.rsplit(":", 1)[0] == second.rsplit(":", 1)[0]
    identities = [d.identity for d in classic_extract.deals]
    assert len(set(identities)) == len(identities)


def test_identity_is_stable_across_reads():
    """Reading the same file twice gives the same identities."""
    first = sipri_read(DATA / "classic-extract.csv")
    second = sipri_read((DATA / "classic-extract.csv").read_bytes())
    assert [d.identity for d in first.deals] == [d.identity for d in second.deals]
    assert [d.deal_key for d in first.deals] == [d.deal_key for d in second.deals]


def test_deal_id_rows_group_into_deals_with_deliveries(deal_id_extract):
    """One deal per SIPRI id, deliveries per year in year order, estimates as flags."""
    release = deal_id_extract.release
    assert release.format is SipriFormat.DEAL_ID
    assert release.encoding == "utf-8"
    assert release.generated_at == datetime(2025, 4, 28, 20, 41)
    deals = {d.deal_id: d for d in deal_id_extract.deals}
    black_hawk = deals[60445]
    assert black_hawk.identity == "deal:60445"
    assert black_hawk.lines == (14, 15, 16, 17)
    assert [d.year for d in black_hawk.deliveries] == [2017, 2018, 2019, 2020]
    assert black_hawk.number_delivered == 4 + 27 + 19 + 3
    assert black_hawk.number_delivered_estimated
    assert black_hawk.tiv_delivered == Decimal("227.37")
    assert (black_hawk.first_delivery_year, black_hawk.last_delivery_year) == (2017, 2020)
    assert black_hawk.status is SipriStatus.SECOND_HAND_MODERNISED
    assert black_hawk.number_ordered is None
    paveway = deals[61920]
    assert [d.year for d in paveway.deliveries] == [2017, 2018, 2019]
    assert paveway.delivery_year_estimated
    assert paveway.order_year_estimated
    assert paveway.armament_category == "Missiles"
    assert paveway.local_production is False
    assert paveway.tiv_estimate == Decimal("0.02")


def test_deal_id_non_state_party_and_utf8(deal_id_extract):
    """A UTF-8 supplier name (Türkiye) resolves; an armed group recipient is parsed."""
    deal = next(d for d in deal_id_extract.deals if d.deal_id == 70001)
    assert deal.supplier.state_code == "TR"
    assert deal.recipient.kind is PartyKind.ARMED_GROUP
    assert deal.recipient.operates_in_codes == ("LB",)


def test_deal_id_bad_deals_are_reported_whole(deal_id_extract):
    """A bad number, a deal field that differs between rows, a repeated year, a short row."""
    report = deal_id_extract.report
    fields = {(p.line, p.field) for p in report.problems}
    assert (27, "Numbers delivered") in fields  # 1O
    assert (29, "Supplier") in fields  # differs within deal 70003
    assert (31, "Delivery year") in fields  # 2005 twice in deal 70004
    assert (32, "row") in fields
    assert (33, "SIPRI AT Database ID") in fields
    ids = {d.deal_id for d in deal_id_extract.deals}
    assert not ids & {70002, 70003, 70004}
    # the rejected deals still name themselves (not withdrawn); rows 32-33 name no deal
    assert {"deal:70002", "deal:70003", "deal:70004"} <= report.rejected_keys
    assert report.unkeyed_lines == [32, 33]
    assert (report.deals_read, report.parsed, report.rejected) == (12, 7, 5)


def test_utf8_with_bom_crlf_and_quoted_fields():
    """Quoted comments may hold commas and newlines; a BOM and CRLF are accepted."""
    read = sipri_read(DATA / "classic-utf8-quoted.csv")
    assert read.release.encoding == "utf-8"
    assert read.report.balanced and read.report.rejected == 0
    chad, algeria = read.deals
    assert chad.comments.startswith("Pratt & Whitney Canada PT-6A-68T (1600hp) turboprop, for 3")
    assert algeria.lines == (14, 15)
    assert algeria.comments == "Wärtsilä-12V32 diesel engine;\nfor 1 BDSL AALS from Italy"


def test_unknown_format_is_refused():
    """A file without a SIPRI header is not read as one."""
    with pytest.raises(SipriFormatError):
        sipri_read(b"name,code\nCanada,CA\n")


def test_unresolved_names_are_listed_with_lines():
    """A name no table knows is kept on the deal and listed in the report with its line."""
    header = (DATA / "classic-extract.csv").read_bytes().split(b"\n")[:12]
    row = b"Ruritania,France,1999,,12,,Mirage-2000,FGA aircraft,12,,2001,New,,20,240,240"
    read = sipri_read(b"\n".join([*header, row]))
    assert read.report.unresolved_names == {"Ruritania": [13]}
    assert not read.deals[0].recipient.resolved


def test_full_register_reads_every_deal(full_register):
    """27,951 deals on 27,953 lines: every one parsed, the two broken ones repaired."""
    report = full_register.report
    print(
        f"\nfull register: read {report.deals_read}, parsed {report.parsed}, "
        f"rejected {report.rejected}, repaired {report.repaired}"
    )
    assert (report.deals_read, report.parsed, report.rejected) == (27951, 27951, 0)
    assert report.repaired == [(24336, 24337), (26458, 26459)]
    occurrences = [d.occurrence for d in full_register.deals]
    assert occurrences.count(2) == 9  # nine rows repeat another in every field
    assert len({d.identity for d in full_register.deals}) == 27951


def test_extract_holds_every_kind_of_party(classic_extract):
    """The committed extract has non-state parties of each kind and historical or unrecognised
    states, all resolved, for the loader's tests."""
    parties = {d.supplier for d in classic_extract.deals} | {
        d.recipient for d in classic_extract.deals
    }
    assert {p.kind for p in parties} == set(PartyKind)
    codes = {p.state_code for p in parties if p.is_state}
    assert {"SUHH", "DDDE", "YUCS", "CSHH", "YDYE", "QM", "QN", "QP", "QQ", "QR", "XK"} <= codes
    assert all(p.resolved for p in parties)
    assert classic_extract.report.unresolved_names == {}


def test_deal_id_totals_beyond_the_database_are_rejected():
    """Deliveries each in range whose totals a transfer cannot hold: the deal is rejected."""
    text = (DATA / "deal-id-extract.csv").read_bytes().decode("utf-8")
    text = text.replace(",27,Yes,2018,", ",2000000000,Yes,2018,").replace(
        ",19,Yes,2019,", ",2000000000,Yes,2019,"
    )
    read = sipri_read(text.encode())
    assert 60445 not in {d.deal_id for d in read.deals}
    assert any(
        p.field == "Numbers delivered" and "total above" in p.message for p in read.report.problems
    )
    assert "deal:60445" in read.report.rejected_keys and read.report.balanced
