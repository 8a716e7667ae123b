"""Regional extracts of SIPRI exports: the original format, rows verbatim, broken rows whole."""

import io
from dataclasses import replace
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tracker.services.imports.sipri import sipri_read
from tracker.services.imports.sipri.extract import extract_mark, sipri_extract
from tracker.services.imports.sipri.load import release_scope

from .conftest import DATA, FULL_REGISTER

REGION_FIXTURE = (
    Path(settings.FIXTURE_DIRS[0]) / "sipri-south-caucasus-turkey-central-asia-1950-2024.csv"
)


def physical_lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def test_extract_keeps_preamble_header_and_broken_rows_verbatim():
    """Thailand's deal broken across two lines is kept whole; the preamble and header are the
    source's bytes; the extract reads to the same deals as the source, none rejected."""
    source = (DATA / "classic-extract.csv").read_bytes()
    extract = sipri_extract(source, state_codes=["TH"])
    read, original = sipri_read(extract.data), sipri_read(source)
    header_line = original.release.header_line
    head, source_head = (physical_lines(d)[:header_line] for d in (extract.data, source))
    assert head[1:] == source_head[1:]
    # the title says what the extract keeps; the release is otherwise the source's
    assert head[0].rstrip() == source_head[0].rstrip() + extract_mark(["TH"]).encode()
    assert read.release.title == original.release.title + extract_mark(["TH"])
    assert release_scope(read) != release_scope(original)
    # an all-ASCII extract of a Latin-1 file reads as UTF-8 too
    assert replace(read.release, encoding="latin-1", title=original.release.title) == (
        original.release
    )
    expected = [
        d for d in original.deals if "TH" in (d.supplier.state_code, d.recipient.state_code)
    ]
    assert [d.identity for d in read.deals] == [d.identity for d in expected]
    assert [d.text for d in read.deals] == [d.text for d in expected]
    assert read.report.rejected == 0
    assert len(read.report.repaired) == 1  # the broken row, read again by the reader's repair
    assert (extract.deals, extract.lines) == (len(expected), len(expected) + 1)
    broken = next(d for d in original.deals if len(d.lines) > 1 and d.recipient.state_code == "TH")
    assert broken.text.encode("latin-1") in extract.data


def test_extract_follows_non_state_parties_operating_in_the_region():
    """A deal whose only tie to the states is a non-state party operating there is kept."""
    original = sipri_read(DATA / "classic-extract.csv")
    deal = next(d for d in original.deals if d.recipient.operates_in_codes)
    code = deal.recipient.operates_in_codes[0]
    assert code not in (deal.supplier.state_code, deal.recipient.state_code)
    extract = sipri_read(sipri_extract(DATA / "classic-extract.csv", state_codes=[code]).data)
    assert deal.identity in {d.identity for d in extract.deals}


def test_extract_of_the_deal_id_format_keeps_every_delivery_row():
    """In the deal-id format a deal spans one row per delivery year: all of them are kept."""
    original = sipri_read(DATA / "deal-id-extract.csv")
    extract = sipri_read(sipri_extract(DATA / "deal-id-extract.csv", state_codes=["TR"]).data)
    expected = [
        d for d in original.deals if "TR" in (d.supplier.state_code, d.recipient.state_code)
    ]

    def deliveries(deal):
        return [(x.year, x.number, x.tiv) for x in deal.deliveries]

    assert expected and any(len(d.deliveries) > 1 for d in expected)
    assert [(d.identity, deliveries(d)) for d in extract.deals] == [
        (d.identity, deliveries(d)) for d in expected
    ]
    assert extract.report.rejected == 0


@pytest.mark.skipif(not FULL_REGISTER.exists(), reason=f"{FULL_REGISTER} is absent")
def test_region_fixture_is_the_extract_of_the_full_register(tmp_path):
    """fixtures/ holds exactly what the command writes from the 1950-2024 register: 1,233 deals,
    read with no rejects, with Turkey's exports and Canada's engines for Turkish aircraft (also
    those Canada sold to Chad for its Turkish Hurkus)."""
    target = tmp_path / "region.csv"
    out = io.StringIO()
    call_command("extract_sipri_region", str(FULL_REGISTER), "--output", str(target), stdout=out)
    assert "Kept 1233 of 27951 deals" in out.getvalue()
    assert target.read_bytes() == REGION_FIXTURE.read_bytes()
    read = sipri_read(REGION_FIXTURE)
    assert (read.report.deals_read, read.report.rejected) == (1233, 0)
    assert read.report.unresolved_names == {}
    assert read.release.source_line == "Source: SIPRI Arms Transfers Database (c) SIPRI."
    assert read.release.encoding == "latin-1"
    sides = {(d.supplier.written, d.recipient.written, d.designation) for d in read.deals}
    assert ("Turkiye", "Chad", "Hurkus-C") in sides
    assert ("Turkiye", "Azerbaijan", "Bayraktar TB2") in sides
    assert ("Turkiye", "Ukraine", "Bayraktar TB2") in sides
    assert ("Canada", "Chad", "aircraft engine") in sides  # for Hurkus aircraft from Turkey
    assert any(
        d.supplier.written == "Canada" and "PT-6A-68T" in d.comments and "Hurkus" in d.comments
        for d in read.deals
    )


def test_extract_command_names_bad_input(tmp_path):
    with pytest.raises(CommandError, match="path: no such file"):
        call_command("extract_sipri_region", str(tmp_path / "absent.csv"), "--output", "x.csv")
    not_sipri = tmp_path / "not-sipri.csv"
    not_sipri.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="not-sipri.csv"):
        call_command("extract_sipri_region", str(not_sipri), "--output", str(tmp_path / "o.csv"))


@pytest.mark.django_db
@pytest.mark.skipif(not FULL_REGISTER.exists(), reason=f"{FULL_REGISTER} is absent")
def test_the_whole_register_imports_over_the_quickstart_extract_and_back(curator):
    """quickstart's extract first, then SIPRI's whole register: every deal of the extract is the
    same transfer, nothing is withdrawn; the extract again after it withdraws nothing either."""
    from tracker.models import Transfer
    from tracker.services.imports.sipri.load import sipri_import

    extract = sipri_import(REGION_FIXTURE, verified_by=curator)
    ids = set(Transfer.objects.values_list("id", flat=True))
    whole = sipri_import(FULL_REGISTER, verified_by=curator)
    assert whole.balanced and whole.transfers_withdrawn == 0
    assert whole.transfers_unchanged + whole.transfers_updated >= extract.transfers_created
    assert ids <= set(Transfer.objects.values_list("id", flat=True))
    again = sipri_import(REGION_FIXTURE, verified_by=curator)
    assert again.balanced and again.transfers_withdrawn == 0
    assert not Transfer.objects.filter(withdrawn_by_source__isnull=False).exists()
