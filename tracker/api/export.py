"""Whole-list exports: ``?format=csv`` and ``?format=jsonl`` on every list stream every row the
reader may see (the list's filters, ordering and visibility), from one database snapshot, in
constant memory.

- Rows come from ``.iterator(chunk_size=...)``: on PostgreSQL a server-side cursor, its
  ``prefetch_related`` run once per chunk of rows (never once per row), so memory holds one chunk.
- One snapshot: the stream runs in one transaction, on PostgreSQL ``REPEATABLE READ, READ ONLY``
  (the per-chunk prefetches see the same data as the main query), on SQLite one read
  transaction. Rows written while the stream runs are not in it.
- Each row is the list's serializer output, so an export shows exactly what the JSON list shows
  (the same references nulled for readers who may not see them). CSV columns are the serializer's
  fields in order; nested objects become dotted columns (``evidence.quote``), the values of a
  nested list are joined with `` | `` in each column (the layout of
  :class:`~tracker.api.renderers.CSVRenderer`, fixed up front from the serializer rather than
  from the rows, since a stream cannot go back to widen its header). Cells a spreadsheet would
  run as a formula are defused as the CSV renderer does.
- Transfers, the list of a million rows, are read as column values rather than model objects
  and serialized here (``transfer_rows``), with the same output (a test holds each JSON line
  equal to the JSON list's row).
- On PostgreSQL the transfers' CSV is written by the database (``COPY`` of the same query, the
  cells formatted in SQL: :mod:`~tracker.api.copy_export`), byte for byte what the Python writer
  here writes (a test compares the two).
- Pagination does not apply: an export is every row. ``page``/``cursor`` (whatever parameters the
  view's paginator reads) answer 400 with an export rather than being ignored.
- No silent truncation: an error while streaming aborts the response (the client sees an
  incomplete chunked transfer); a JSON-lines stream also ends with a line ``{"error": ...}``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connections, transaction
from django.db.models import Case, F, When
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.settings import ISO_8601, api_settings
from rest_framework.utils.encoders import JSONEncoder

from ..models import Evidence, State, Transfer, TransferDelivery
from ..partial_dates import format_partial
from ..querysets import visible, visible_condition, visible_evidence
from . import copy_export
from .inputs import _schema_parameter_names
from .permissions import is_curator
from .renderers import FORMULA_STARTS, CSVRenderer, JSONLinesRenderer, defuse, json_line

#: The export formats (``?format=``) and their media types.
EXPORT_FORMATS = {"csv": CSVRenderer.media_type, "jsonl": JSONLinesRenderer.media_type}

#: Bytes gathered before a piece of the stream is handed to the server.
FLUSH_AT = 64 * 1024

SEPARATOR = " | "
ZERO = dt.timedelta(0)

#: The first characters ``defuse`` escapes, as a set for the hot loop (the same rule).
FORMULA_FIRST = frozenset(FORMULA_STARTS)


# --- CSV columns from a serializer ------------------------------------------------------------


def serializer_columns(serializer: serializers.BaseSerializer) -> list[tuple[str, ...]]:
    """The CSV columns of ``serializer``'s rows as key paths: one per field, a nested serializer
    (one object or a list of them) contributing one column per field of its own."""
    if isinstance(serializer, serializers.ListSerializer):
        serializer = serializer.child
    columns: list[tuple[str, ...]] = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        nested = field.child if isinstance(field, serializers.ListSerializer) else field
        if isinstance(nested, serializers.Serializer):
            columns += [(name, *path) for path in serializer_columns(nested)]
        else:
            columns.append((name,))
    return columns


def leaf_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return SEPARATOR.join(leaf_text(element) for element in value)
    if isinstance(value, dict):
        return json.dumps(value, cls=JSONEncoder, ensure_ascii=False, sort_keys=True)
    return str(value)


def cell(value, path: tuple[str, ...]) -> str:
    """The text of column ``path`` in a row (a list along the way: its elements' texts joined)."""
    for index, key in enumerate(path):
        if isinstance(value, list):
            rest = path[index:]
            return SEPARATOR.join(cell(element, rest) for element in value)
        if not isinstance(value, dict):
            return ""
        value = value.get(key)
    return leaf_text(value)


# --- streams ----------------------------------------------------------------------------------


@contextmanager
def snapshot(using: str):
    """One transaction to read in: on PostgreSQL REPEATABLE READ and READ ONLY, so every query in
    it (the prefetches of later chunks too) sees the snapshot of its first query.

    When a transaction is already open (a test's, or the caller's) the rows are read in it: its
    isolation level cannot change any more."""
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def snapshot_iterator(queryset, *, chunk_size: int) -> Iterator:
    """The rows of ``queryset``, read in one snapshot, ``chunk_size`` rows at a time."""
    with snapshot(queryset.db):
        yield from queryset.iterator(chunk_size=chunk_size)


def buffered(pieces: Iterable[str]) -> Iterator[bytes]:
    """``pieces`` encoded in UTF-8 and handed on ``FLUSH_AT`` bytes or so at a time."""
    gathered: list[str] = []
    size = 0
    for piece in pieces:
        gathered.append(piece)
        size += len(piece)
        if size >= FLUSH_AT:
            yield "".join(gathered).encode("utf-8")
            gathered, size = [], 0
    if gathered:
        yield "".join(gathered).encode("utf-8")


def csv_pieces(rows: Iterable[dict], columns: list[tuple[str, ...]]) -> Iterator[str]:
    buffer = io.StringIO()
    # CRLF as RFC 4180 says; it also makes the writer quote a cell holding a bare CR.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([defuse(".".join(path)) for path in columns])
    split = [(path[0], path[1:]) for path in columns]
    for row in rows:
        texts = []
        for key, rest in split:
            value = row.get(key)
            if type(value) is str and not rest:  # most cells: a top-level text
                text = value
            elif value is None or value == []:
                text = ""
            else:
                text = cell(value, rest)
            texts.append("'" + text if text[:1] in FORMULA_FIRST else text)
        writer.writerow(texts)
        if buffer.tell() >= FLUSH_AT:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_pieces(rows: Iterable[dict]) -> Iterator[str]:
    try:
        for row in rows:
            yield json_line(row)
    except Exception as error:
        # In-band as well, for readers that do not notice a cut connection; then abort.
        yield json_line({"error": f"The export stopped: {type(error).__name__}."})
        raise


def stream_pieces(rows: Iterable[dict], *, fmt: str, columns: list[tuple[str, ...]]):
    return csv_pieces(rows, columns) if fmt == "csv" else jsonl_pieces(rows)


def export_response(content: Iterable[bytes], *, fmt: str, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(content, content_type=f"{EXPORT_FORMATS[fmt]}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# --- the view mixin ---------------------------------------------------------------------------

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv", "jsonl"],
    description=(
        "json (default): one page. csv or jsonl (JSON lines, application/x-ndjson): every row "
        "the filters select, in the list's order, streamed as a file (pagination parameters "
        "do not apply and answer 400). CSV: the fields as columns, nested fields as dotted "
        "columns, the values of a nested list joined with ' | '; cells starting with = + - @, "
        "a tab or a CR are prefixed with '. The same formats are chosen by the Accept header "
        "(text/csv, application/x-ndjson)."
    ),
)


class ExportMixin:
    """For list views: with an export format (``?format=csv``/``jsonl`` or its ``Accept``), the
    list streams every row instead of a page (see the module's docstring)."""

    #: Rows per fetch of the server-side cursor (and per run of the prefetches).
    export_chunk_size = 2000

    @extend_schema(parameters=[FORMAT_PARAMETER])
    def list(self, request, *args, **kwargs):
        fmt = getattr(request.accepted_renderer, "format", None)
        if fmt not in EXPORT_FORMATS:
            return super().list(request, *args, **kwargs)
        self.reject_pagination_parameters(request)
        queryset = self.export_ordering(self.filter_queryset(self.get_queryset()))
        serializer = self.get_serializer()
        name = request.path.rstrip("/").rsplit("/", 1)[-1] or "export"
        if (
            fmt == "csv"
            and queryset.model is Transfer
            and copy_export.available(queryset, serializer)
        ):
            return export_response(
                copy_export.copy_csv(queryset, verified_only=not is_curator(request)),
                fmt=fmt,
                name=name,
            )
        if queryset.model is Transfer:
            rows = transfer_rows(
                queryset,
                serializer,
                verified_only=not is_curator(request),
                chunk_size=self.export_chunk_size,
            )
        else:
            rows = (
                serializer.to_representation(record)
                for record in snapshot_iterator(queryset, chunk_size=self.export_chunk_size)
            )
        return export_response(
            buffered(stream_pieces(rows, fmt=fmt, columns=serializer_columns(serializer))),
            fmt=fmt,
            name=name,
        )

    def reject_pagination_parameters(self, request) -> None:
        """An export is every row: a page or cursor parameter answers 400 (not ignored)."""
        paginator = self.paginator
        names = _schema_parameter_names(paginator, self) if paginator is not None else set()
        given = sorted(name for name in names if name in request.query_params)
        if given:
            raise ValidationError(
                {
                    name: [
                        "An export (format csv or jsonl) holds every row the filters select; "
                        "leave out the page parameters."
                    ]
                    for name in given
                }
            )

    def export_ordering(self, queryset):
        """The order of the JSON list, then the id (rows the list's order leaves tied come in
        the same order in every export). A cursor paginator orders the rows itself (by the
        ``ordering`` parameter or its own default), so the export asks it; otherwise the filtered
        queryset is already in the list's order."""
        paginator = self.paginator
        if paginator is not None and hasattr(paginator, "cursor_query_param"):
            ordering = list(paginator.get_ordering(self.request, queryset, self))
            keys = getattr(self, "order_keys", None)
            if keys:
                # As the pages read them: the sort key (a nullable field's unknowns as its lowest
                # value, where PostgreSQL would put NULLs first in a descending order), then the
                # id in the same direction.
                (term,) = ordering
                descending = term.startswith("-")
                key = keys[term.lstrip("-")]
                ordering = [
                    key.desc() if descending else key.asc(),
                    F("id").desc() if descending else F("id").asc(),
                ]
                return queryset.order_by(*ordering)
        elif queryset.query.order_by:
            ordering = list(queryset.query.order_by)
        elif queryset.query.default_ordering:
            ordering = list(queryset.model._meta.ordering)
        else:
            ordering = []
        if not any(str(term).lstrip("-") in ("pk", "id") for term in ordering):
            ordering.append("pk")
        return queryset.order_by(*ordering)


# --- transfers as values ----------------------------------------------------------------------
#
# Transfers are the large list (a million rows): building a model instance per row, eight with
# their references, and running DRF's per-field machinery costs milliseconds a row. Their export
# reads each row as a tuple of columns instead (the references' keys joined in the same query,
# an optional reference the reader may not see nulled by the visibility rule in SQL) and builds
# the serializer's dict itself; a test holds every line equal to the JSON list's row.

#: Transfer columns read as they are, in the serializer's order with the others below.
TRANSFER_PLAIN = {
    "id": "id",
    "slug": "slug",
    "external_id": "external_id",
    "supplier_kind": "supplier_kind",
    "supplier": "supplier__code",
    "supplier_party": "supplier_party__slug",
    "recipient_kind": "recipient_kind",
    "recipient": "recipient__code",
    "recipient_party": "recipient_party__slug",
    "item": "item__slug",
    "quantity": "quantity",
    "quantity_estimated": "quantity_estimated",
    "quantity_delivered": "quantity_delivered",
    "quantity_delivered_estimated": "quantity_delivered_estimated",
    "status": "status",
    "condition": "condition",
    "order_date_estimated": "order_date_estimated",
    "delivery_dates_estimated": "delivery_dates_estimated",
    "comments": "comments",
    "note": "note",
    "review_state": "review_state",
}
#: Optional references: shown only when the reader may see the record (else null).
TRANSFER_OPTIONAL = {
    "supplier_organization": ("supplier_organization", "slug"),
    "recipient_organization": ("recipient_organization", "slug"),
    "withdrawn_by_source": ("withdrawn_by_source", "pk"),
    "withdrawn_by_source_title": ("withdrawn_by_source", "title"),
}
TRANSFER_PARTIAL_DATES = ("order_date", "delivery_date", "delivery_end_date")
TRANSFER_FORMATTED = ("tiv_per_unit", "tiv_total_order", "tiv_delivered", "verified_at", "created")
TRANSFER_FORMATTED += ("last_updated",)


def datetime_formatter(field):
    """``field``'s formatting; for a date-time in UTC (the database's time zone) with UTC as the
    current time zone, DRF's ISO 8601 form (``Z`` for ``+00:00``) without its per-value time zone
    conversion."""
    if not isinstance(field, serializers.DateTimeField):
        return field.to_representation
    if str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() != ISO_8601:
        return field.to_representation
    if timezone.get_current_timezone_name() != "UTC":
        return field.to_representation

    def iso(value):
        if value.utcoffset() != ZERO:
            return field.to_representation(value)
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


def shown_column(reference: str, key: str, *, verified_only: bool):
    """The key of an optional reference, null when the reader may not see the record."""
    column = F(f"{reference}__{key}")
    if not verified_only:
        return column
    model = Transfer._meta.get_field(reference).related_model
    return Case(When(visible_condition(model, f"{reference}__"), then=column), default=None)


def transfer_values(queryset, *, verified_only: bool):
    """``queryset`` as tuples of the columns ``transfer_rows`` reads (``TRANSFER_PLAIN``, the
    optional references, each partial date and its precision, ``TRANSFER_FORMATTED``)."""
    expressions = {
        f"x_{name}": shown_column(reference, key, verified_only=verified_only)
        for name, (reference, key) in TRANSFER_OPTIONAL.items()
    }
    columns = [
        *TRANSFER_PLAIN.values(),
        *expressions,
        *(c for name in TRANSFER_PARTIAL_DATES for c in (name, f"{name}_precision")),
        *TRANSFER_FORMATTED,
    ]
    return queryset.prefetch_related(None).annotate(**expressions).values_list(*columns)


def transfer_rows(queryset, serializer, *, verified_only: bool, chunk_size: int) -> Iterator:
    """The rows of the transfers in ``queryset`` as ``serializer`` shows them, read as values;
    the nested lists (intermediaries, deliveries, evidence) read once per chunk of rows."""
    fields = serializer.fields
    rows = transfer_values(queryset, verified_only=verified_only)
    plain, optional = list(TRANSFER_PLAIN), list(TRANSFER_OPTIONAL)
    formatters = [datetime_formatter(fields[name]) for name in TRANSFER_FORMATTED]
    order = list(fields)
    chunk: list[tuple] = []

    def shape(chunk):
        nested = transfer_nested([row[0] for row in chunk], serializer, verified_only=verified_only)
        for row in chunk:
            values = dict(zip(plain, row, strict=False))
            at = len(plain)
            values.update(zip(optional, row[at : at + len(optional)], strict=True))
            at += len(optional)
            for name in TRANSFER_PARTIAL_DATES:
                values[name] = format_partial(row[at], row[at + 1]) or None
                at += 2
            for name, formatter, value in zip(
                TRANSFER_FORMATTED, formatters, row[at:], strict=True
            ):
                values[name] = None if value is None else formatter(value)
            for name, by_transfer in nested.items():
                values[name] = by_transfer.get(row[0], [])
            yield {name: values[name] for name in order}

    with snapshot(rows.db):
        for row in rows.iterator(chunk_size=chunk_size):
            chunk.append(row)
            if len(chunk) >= chunk_size:
                yield from shape(chunk)
                chunk = []
        if chunk:
            yield from shape(chunk)


def transfer_nested(ids: list[int], serializer, *, verified_only: bool) -> dict[str, dict]:
    """For the transfers ``ids``: their intermediaries' codes, deliveries and evidence as the
    serializer shows them, by transfer id (one query each)."""
    fields = serializer.fields
    states = visible(State.objects.all(), verified_only=verified_only)
    through = Transfer.intermediaries.through.objects.filter(
        transfer_id__in=ids, state__in=states.values("pk")
    ).order_by(
        *(f"{'-' if o[0] == '-' else ''}state__{o.lstrip('-')}" for o in State._meta.ordering),
        "state_id",
    )
    nested: dict[str, dict] = {"intermediaries": {}, "deliveries": {}, "evidence": {}}
    for transfer_id, code in through.values_list("transfer_id", "state__code"):
        nested["intermediaries"].setdefault(transfer_id, []).append(code)
    deliveries = fields["deliveries"].child
    for delivery in TransferDelivery.objects.filter(transfer_id__in=ids).order_by("year"):
        shown = deliveries.to_representation(delivery)
        nested["deliveries"].setdefault(delivery.transfer_id, []).append(shown)
    evidence = fields["evidence"].child
    quotes = visible_evidence(verified_only=verified_only).filter(transfer_id__in=ids)
    for quote in quotes.order_by(*Evidence._meta.ordering, "pk"):
        nested["evidence"].setdefault(quote.transfer_id, []).append(
            evidence.to_representation(quote)
        )
    return nested
