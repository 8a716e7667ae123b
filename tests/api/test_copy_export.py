"""The transfers' CSV export written by PostgreSQL's COPY: byte for byte what the Python writer
writes for the same rows (the guard of the cell formatting done in SQL)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from rest_framework.test import APIClient

from tests import factories as f
from tests.factories import verify
from tracker import models
from tracker.api import copy_export
from tracker.api.copy_export import RowEnds
from tracker.api.serializers import TransferSerializer
from tracker.choices import DatePrecision

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def export(client, params: dict, *, by_copy: bool, monkeypatch) -> bytes:
    """The CSV export's bytes, through COPY or (``by_copy=False``) through the Python writer."""
    used = []
    copy_csv = copy_export.copy_csv

    def spy(*args, **kwargs):
        used.append(True)
        return copy_csv(*args, **kwargs)

    monkeypatch.setattr(copy_export, "copy_csv", spy)
    if not by_copy:
        monkeypatch.setattr(copy_export, "available", lambda queryset, serializer: False)
    response = client.get("/api/transfers/", {"format": "csv", **params})
    monkeypatch.undo()
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert bool(used) == by_copy
    return b"".join(response.streaming_content)


def quote_on(transfer, quote: str, *, verified=True, **source):
    source = f.SourceFactory(text=f"Intro. {quote} Outro.", **source)
    verify(source)
    evidence = f.EvidenceFactory(transfer=transfer, source=source, quote=quote)
    if verified:
        verify(evidence)
    return evidence


def verified(record):
    verify(record)
    record.refresh_from_db()
    return record


def varied_transfers():
    """Rows that exercise every kind of cell: nulls, partial dates of each precision, non-state
    and unknown sides, references an anonymous reader may not see, text a spreadsheet would run,
    quotes, commas, newlines and CRs in text, several evidence rows, deliveries, intermediaries."""
    states = [verified(f.StateFactory(name=name)) for name in ("Zeta", "Alpha", "Mu")]
    draft_state = f.StateFactory(name="Draftland")
    item = verified(f.PlatformFactory())
    draft_company = f.OrganizationFactory(name="Draft Co")
    company = verified(f.OrganizationFactory(name="Shown Co"))
    draft_release = f.SourceFactory(title="Draft release")
    release = verified(f.SourceFactory(title='Release "2", with, commas'))
    full = f.TransferFactory(
        supplier=states[0],
        recipient=states[1],
        item=item,
        slug="copy-full",
        external_id="-17",
        quantity=None,
        quantity_delivered=5,
        quantity_estimated=True,
        order_date=dt.date(2019, 10, 5),
        order_date_precision=DatePrecision.DAY,
        delivery_date=dt.date(2020, 3, 1),
        delivery_date_precision=DatePrecision.MONTH,
        delivery_end_date=dt.date(2021, 1, 1),
        delivery_end_date_precision=DatePrecision.YEAR,
        tiv_per_unit=Decimal("12.5"),
        tiv_total_order=Decimal("0"),
        tiv_delivered=Decimal("1234.5678"),
        comments='He said "no", then\nleft\r\nagain\rand, again',
        note="=1+1",
        supplier_organization=draft_company,
        recipient_organization=company,
        withdrawn_by_source=release,
    )
    full.intermediaries.add(states[2], states[1], draft_state)
    models.TransferDelivery.objects.create(transfer=full, year=2021, number=None, tiv=None)
    models.TransferDelivery.objects.create(
        transfer=full, year=2020, number=3, number_estimated=True, tiv=Decimal("7.25")
    )
    quote_on(full, "@SUM(A1) said the minister", published_date=None)
    quote_on(
        full,
        'Quote with "quotes", commas | pipes\nand lines',
        published_date=dt.date(2022, 6, 1),
        published_date_precision=DatePrecision.MONTH,
        url=None,
    )
    quote_on(
        full,
        "+Plain quote",
        published_date=dt.date(2022, 1, 1),
        published_date_precision=DatePrecision.YEAR,
    )
    quote_on(full, "Hidden draft quote", verified=False)
    unknown_to_party = f.TransferFactory(
        from_unknown=True,
        to_party=True,
        item=item,
        slug="copy-party",
        order_date=None,
        order_date_precision=None,
        note="\ttabbed",
        comments="",
        withdrawn_by_source=draft_release,
    )
    verify(unknown_to_party.recipient_party)
    draft = f.TransferFactory(supplier=states[0], recipient=states[2], item=item, slug="copy-d")
    draft.note = "-draft"
    draft.save()
    for transfer in (full, unknown_to_party):
        verify(transfer)
    # One date-time with microseconds, one without.
    models.Transfer.objects.filter(pk=full.pk).update(
        verified_at=dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    )
    models.Transfer.objects.filter(pk=unknown_to_party.pk).update(
        verified_at=dt.datetime(2024, 5, 1, 10, 0, 0, 123, tzinfo=UTC)
    )
    return full, unknown_to_party, draft


@pytest.mark.requires_postgres
@pytest.mark.parametrize("params", [{}, {"ordering": "-id"}, {"supplier_kind": "unknown"}])
def test_copy_writes_the_bytes_the_python_writer_writes(api_client, curator, params, monkeypatch):
    full, party, draft = varied_transfers()
    curator_client = APIClient()
    curator_client.force_authenticate(curator)
    for client, slugs in ((api_client, {"copy-full", "copy-party"}), (curator_client, None)):
        by_copy = export(client, params, by_copy=True, monkeypatch=monkeypatch)
        by_python = export(client, params, by_copy=False, monkeypatch=monkeypatch)
        assert by_copy == by_python
        rows = list(csv.DictReader(io.StringIO(by_copy.decode(), newline="")))
        assert rows, "an empty export compares nothing"
        if client is api_client:
            assert {row["slug"] for row in rows} <= slugs
            assert b"Hidden draft quote" not in by_copy and b"Draft" not in by_copy
    anonymous = export(api_client, {"ordering": "id"}, by_copy=True, monkeypatch=monkeypatch)
    row = next(csv.DictReader(io.StringIO(anonymous.decode(), newline="")))
    # Spot checks that the comparison covers what it claims.
    assert row["note"] == "'=1+1" and row["external_id"] == "'-17"
    assert row["evidence.quote"].count(" | ") == 3
    assert row["supplier_organization"] == "" and row["recipient_organization"] == "shown-co"
    assert row["order_date"] == "2019-10-05" and row["delivery_date"] == "2020-03"


@pytest.mark.requires_postgres
def test_copy_is_used_for_transfers_on_postgresql():
    queryset = models.Transfer.objects.all()
    assert copy_export.available(queryset, TransferSerializer())


def test_row_ends_are_rewritten_outside_quoted_cells_only():
    rewrite = RowEnds()
    pieces = [b'a,"b\nc",d\ne,"f', b'\n""g"\n', b"h\n"]
    assert b"".join(rewrite(piece) for piece in pieces) == (b'a,"b\nc",d\r\ne,"f\n""g"\r\nh\r\n')


@pytest.mark.requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_client_leaving_mid_copy_leaves_the_connection_usable(monkeypatch):
    """Closing the stream after its first pieces cancels the COPY; the connection (its snapshot
    transaction rolled back) serves the next export in full."""
    monkeypatch.setattr(copy_export, "FLUSH_AT", 1)  # a piece per row
    item = verified(f.PlatformFactory())
    for number in range(20):
        verify(f.TransferFactory(item=item, slug=f"copy-leave-{number}"))
    stream = APIClient().get("/api/transfers/", {"format": "csv"})
    pieces = iter(stream.streaming_content)
    next(pieces), next(pieces)  # the header, the first row
    stream.close()
    again = b"".join(APIClient().get("/api/transfers/", {"format": "csv"}).streaming_content)
    assert again.count(b"\r\n") == 21
