"""Whole-list exports (``?format=csv`` and ``?format=jsonl``): every row the list's filters select,
in its order, as the reader may see it, streamed from one snapshot with a bounded number of
queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests import factories as f
from tests.factories import verify
from tracker import models
from tracker.api import export
from tracker.api.export import ExportMixin, serializer_columns
from tracker.api.serializers import TransferSerializer
from tracker.choices import DatePrecision

pytestmark = pytest.mark.django_db

PAGE_SIZE = 50
SERIAL = itertools.count()


def body(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response), newline="")))


def jsonl_rows(response) -> list[dict]:
    return [json.loads(line) for line in body(response).splitlines()]


def make_transfers(count: int, *, supplier=None, recipient=None, item=None, **fields):
    """``count`` verified transfers between the same two states (quantities 1..count, ordered
    on days one after the other, so the list's order has no ties)."""
    supplier = supplier or f.StateFactory()
    recipient = recipient or f.StateFactory()
    item = item or f.PlatformFactory()
    transfers = [
        f.TransferFactory(
            supplier=supplier,
            recipient=recipient,
            item=item,
            quantity=n + 1,
            order_date=dt.date(2000, 1, 1) + dt.timedelta(days=next(SERIAL)),
            order_date_precision=DatePrecision.DAY,
            slug=f"export-{next(SERIAL)}",
            **fields,
        )
        for n in range(count)
    ]
    for record in (supplier, recipient, item):
        verify(record)
    models.Transfer.objects.filter(pk__in=[t.pk for t in transfers]).update(
        review_state="verified", verified_at=timezone.now()
    )
    return transfers


def quote_on(transfer, quote: str = "Ottawa froze permits."):
    """Verified evidence for ``transfer`` quoting ``quote`` from a verified source."""
    source = f.SourceFactory(text=f"Intro {next(SERIAL)}. {quote} Outro.")
    evidence = f.EvidenceFactory(transfer=transfer, source=source, quote=quote)
    verify(evidence)
    return evidence


def all_json_ids(client, params: dict) -> list[int]:
    """The ids of every row of the JSON list, page after page."""
    ids, page = [], client.get("/api/transfers/", params).json()
    while True:
        ids += [row["id"] for row in page["results"]]
        if not page["next"]:
            return ids
        page = client.get(page["next"]).json()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_holds_every_row_not_one_page(api_client, fmt):
    """120 rows with pages of 50: the export streams all 120, as a named file."""
    make_transfers(120)
    response = api_client.get("/api/transfers/", {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="transfers.{fmt}"'
    rows = csv_rows(response) if fmt == "csv" else jsonl_rows(response)
    assert len(rows) == 120 > PAGE_SIZE
    assert [int(row["id"]) for row in rows] == all_json_ids(api_client, {})


def test_the_media_types_choose_the_export_too(api_client):
    make_transfers(3)
    as_csv = api_client.get("/api/transfers/", HTTP_ACCEPT="text/csv")
    as_jsonl = api_client.get("/api/transfers/", HTTP_ACCEPT="application/x-ndjson")
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert as_jsonl["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert len(csv_rows(as_csv)) == len(jsonl_rows(as_jsonl)) == 3


def test_each_json_line_is_the_row_of_the_json_list(api_client):
    """A JSON line is exactly the JSON list's row: the same fields, nested evidence, deliveries
    and intermediaries, in the same order."""
    transfers = make_transfers(60)
    newest = transfers[-1]  # the first row (newest first)
    quote_on(newest, 'He said "=1", then left.')
    models.TransferDelivery.objects.create(transfer=newest, year=2020, number=4)
    newest.intermediaries.add(newest.supplier)
    text = body(api_client.get("/api/transfers/", {"format": "jsonl"}))
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == 61
    page = api_client.get("/api/transfers/").json()["results"]
    assert [json.loads(line) for line in lines[:PAGE_SIZE]] == page
    assert page[0]["evidence"] and page[0]["deliveries"] and page[0]["intermediaries"]


def test_filters_and_ordering_apply_to_an_export(api_client):
    ca, tr, az = f.StateFactory(code="CA"), f.StateFactory(code="TR"), f.StateFactory(code="AZ")
    make_transfers(70, supplier=ca, recipient=az)
    make_transfers(60, supplier=tr, recipient=az)
    params = {"supplier": "TR", "ordering": "-quantity"}
    rows = csv_rows(api_client.get("/api/transfers/", {**params, "format": "csv"}))
    assert {row["supplier"] for row in rows} == {"TR"}
    assert [int(row["quantity"]) for row in rows] == list(range(60, 0, -1))
    assert [int(row["id"]) for row in rows] == all_json_ids(api_client, params)


def test_drafts_are_never_exported_to_readers(api_client, curator):
    """A draft transfer, a verified transfer from a draft state, draft evidence and a draft
    intermediary: none reaches an anonymous reader; a curator exports them all."""
    (shown,) = make_transfers(1)
    draft = f.TransferFactory(note="Draftmark transfer")
    verify(draft.item)
    verify(draft.recipient)
    hidden_side = make_transfers(1)[0]
    models.State.objects.filter(pk=hidden_side.supplier_id).update(
        review_state="draft", verified_at=None
    )
    source = f.SourceFactory(text="A Draftmark quote.")
    verify(source)
    f.EvidenceFactory(transfer=shown, source=source, quote="Draftmark quote")
    shown.intermediaries.add(f.StateFactory(code="XD", name="Draftmark state"))
    for fmt in ("csv", "jsonl"):
        text = body(api_client.get("/api/transfers/", {"format": fmt}))
        assert "Draftmark" not in text and "XD" not in text
        assert str(shown.slug) in text and hidden_side.slug not in text
    curator_client = APIClient()
    curator_client.force_authenticate(curator)
    rows = jsonl_rows(curator_client.get("/api/transfers/", {"format": "jsonl"}))
    assert len(rows) == 3
    assert "Draftmark" in json.dumps(rows)


@pytest.mark.parametrize("note", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "\r\nx"])
def test_csv_cells_a_spreadsheet_would_run_are_defused(api_client, note):
    (transfer,) = make_transfers(1, note=note, comments="ordinary")
    quote_on(transfer, "=HYPERLINK(x)")
    (row,) = csv_rows(api_client.get("/api/transfers/", {"format": "csv"}))
    assert row["note"] == "'" + note
    assert row["evidence.quote"] == "'=HYPERLINK(x)"
    assert row["comments"] == "ordinary"


def test_csv_columns_are_the_serializer_fields_nested_lists_joined(api_client):
    """The header is fixed by the serializer (a row without evidence has the evidence columns
    too); a nested list's values are joined with " | " in each column."""
    first, second = make_transfers(2)
    for quote in ("first quote", "second quote"):
        quote_on(first, quote)
    text = body(api_client.get("/api/transfers/", {"format": "csv", "ordering": "id"}))
    header = text.split("\r\n")[0].split(",")
    assert header == [".".join(path) for path in serializer_columns(TransferSerializer())]
    assert "evidence.quote" in header and "deliveries.year" in header
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert sorted(rows[0]["evidence.quote"].split(" | ")) == ["first quote", "second quote"]
    assert rows[1]["evidence.quote"] == ""


def test_the_query_count_does_not_grow_with_the_rows(api_client, django_assert_num_queries):
    """Rows with evidence, deliveries and intermediaries: as many queries for 3 rows as for 120
    (one query for the rows, one per prefetch, per chunk of rows)."""

    def export_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            for fmt in ("csv", "jsonl"):
                body(api_client.get("/api/transfers/", {"format": fmt}))
        return len(queries)

    def add(count):
        for transfer in make_transfers(count):
            quote_on(transfer)
            models.TransferDelivery.objects.create(transfer=transfer, year=2020)
            transfer.intermediaries.add(transfer.supplier)

    add(3)
    few = export_queries()
    add(117)
    assert models.Transfer.objects.count() == 120
    assert export_queries() == few


def test_chunks_bound_the_queries(api_client, monkeypatch):
    """Prefetches run once per chunk of rows, never once per row."""
    for transfer in make_transfers(25):
        quote_on(transfer)

    def queries(chunk_size) -> int:
        monkeypatch.setattr(ExportMixin, "export_chunk_size", chunk_size)
        with CaptureQueriesContext(connection) as captured:
            rows = jsonl_rows(api_client.get("/api/transfers/", {"format": "jsonl"}))
        assert len(rows) == 25
        return len(captured)

    # 3 prefetches (evidence, intermediaries, deliveries) per chunk: 3 chunks of 10 vs 1.
    assert queries(10) - queries(2000) == 2 * 3


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_bad_parameters_still_answer_400(api_client, fmt):
    make_transfers(2)
    unknown = api_client.get("/api/transfers/", {"format": fmt, "colour": "red"})
    assert unknown.status_code == 400
    assert not isinstance(unknown, StreamingHttpResponse)
    assert b"colour" in unknown.content
    ordering = api_client.get("/api/transfers/", {"format": fmt, "ordering": "nope"})
    assert ordering.status_code == 400


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_page_parameter_is_refused_by_an_export(api_client, fmt):
    """An export is every row: ``page`` answers 400 naming it rather than being ignored."""
    make_transfers(2)
    response = api_client.get("/api/transfers/", {"format": fmt, "page": 2})
    assert response.status_code == 400
    assert b"page" in response.content and b"every row" in response.content
    assert api_client.get("/api/transfers/", {"page": 1}).status_code == 200


def test_every_list_exports(api_client):
    """Each list answers an export (a small list with a nested list of its own: states'
    aliases)."""
    state = f.StateFactory(code="CA", name="Canada")
    verify(state)
    verify(f.StateAliasFactory(state=state, name="Kanada"))
    rows = csv_rows(api_client.get("/api/states/", {"format": "csv"}))
    assert rows[0]["aliases.name"] == "Kanada" and rows[0]["aliases.kind"]
    for path in ("/api/sources/", "/api/evidence/", "/api/platforms/", "/api/permit-decisions/"):
        assert api_client.get(path, {"format": "jsonl"}).status_code == 200


def test_a_record_in_json_lines_is_one_line(api_client):
    (transfer,) = make_transfers(1)
    response = api_client.get(f"/api/transfers/{transfer.pk}/", {"format": "jsonl"})
    assert response.status_code == 200
    (line,) = response.content.decode().splitlines()
    assert json.loads(line)["id"] == transfer.pk


def test_the_schema_documents_the_export_formats(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/transfers/"]["get"]
    (parameter,) = [p for p in operation["parameters"] if p["name"] == "format"]
    assert set(parameter["schema"]["enum"]) == {"json", "csv", "jsonl"}
    assert "every row" in parameter["description"]
    assert {"text/csv", "application/x-ndjson"} <= set(operation["responses"]["200"]["content"])


@pytest.mark.requires_postgres
@pytest.mark.django_db(transaction=True)
def test_rows_written_during_an_export_are_not_in_it(monkeypatch):
    """One snapshot: evidence added from another connection while the stream runs (after its
    first chunk) is not in the later chunks, though their prefetches run after the write."""
    monkeypatch.setattr(ExportMixin, "export_chunk_size", 10)
    monkeypatch.setattr(export, "FLUSH_AT", 1)  # a piece per row
    transfers = make_transfers(40)
    source = f.SourceFactory()
    verify(source)
    stream = APIClient().get("/api/transfers/", {"format": "jsonl", "ordering": "id"})
    pieces = iter(stream.streaming_content)
    first = next(pieces)  # the first row: the first chunk of 10 is read, with its prefetches
    settings = connection.settings_dict
    try:
        insert_elsewhere(settings, source, transfers[-1])
        text = (first + b"".join(pieces)).decode()
    finally:
        stream.close()
    rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) == 40
    assert "Written mid-stream" not in text
    again = APIClient().get("/api/transfers/", {"format": "jsonl", "ordering": "id"})
    assert "Written mid-stream" in body(again)


def insert_elsewhere(settings, source, transfer):
    """Verified evidence for ``transfer``, written and committed on a connection of its own."""
    import psycopg

    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute(
            f"INSERT INTO {models.Evidence._meta.db_table} "
            '(source_id, quote, claim_status, transfer_id, review_state, slug, start, "end", '
            "note, attributed_to, created, last_updated, verified_at) "
            "VALUES (%s, 'Written mid-stream', 'reported', %s, 'verified', 'mid-stream', 0, 18, "
            "'', '', now(), now(), now())",
            [source.pk, transfer.pk],
        )
