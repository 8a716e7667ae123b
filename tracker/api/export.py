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
- Pagination does not apply: an export is every row. ``page``/``cursor`` (whatever parameters the
  view's paginator reads) answer 400 with an export rather than being ignored.
- No silent truncation: an error while streaming aborts the response (the client sees an
  incomplete chunked transfer); a JSON-lines stream also ends with a line ``{"error": ...}``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from django.db import connections, transaction
from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.utils.encoders import JSONEncoder

from .inputs import _schema_parameter_names
from .renderers import defuse

#: The export formats (``?format=``) and their media types.
CSV_MEDIA_TYPE = "text/csv"
JSONL_MEDIA_TYPE = "application/x-ndjson"
EXPORT_FORMATS = {"csv": CSV_MEDIA_TYPE, "jsonl": JSONL_MEDIA_TYPE}

#: Bytes gathered before a piece of the stream is handed to the server.
FLUSH_AT = 64 * 1024

SEPARATOR = " | "


def json_line(value) -> str:
    return json.dumps(value, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":")) + "\n"


class JSONLinesRenderer(renderers.BaseRenderer):
    """JSON lines (one JSON value per line, ``application/x-ndjson``). Lists stream through
    :class:`ExportMixin`; any other answer (a record, an error) is rendered here: a list as one
    line per element, anything else as one line."""

    media_type = JSONL_MEDIA_TYPE
    format = "jsonl"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = data if isinstance(data, list) else [data]
        return "".join(json_line(row) for row in rows).encode(self.charset)


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


def snapshot_iterator(queryset, *, chunk_size: int) -> Iterator:
    """The rows of ``queryset``, read in one transaction: on PostgreSQL REPEATABLE READ and READ
    ONLY, so the prefetches of later chunks see the snapshot of the first query.

    When a transaction is already open (a test's, or the caller's) the rows are read in it: its
    isolation level cannot change any more."""
    connection = connections[queryset.db]
    if connection.in_atomic_block:
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    with transaction.atomic(using=queryset.db):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
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
    for row in rows:
        writer.writerow([defuse(cell(row, path)) for path in columns])
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


def export_response(
    rows: Iterable[dict], *, fmt: str, name: str, columns: list[tuple[str, ...]]
) -> StreamingHttpResponse:
    pieces = csv_pieces(rows, columns) if fmt == "csv" else jsonl_pieces(rows)
    response = StreamingHttpResponse(
        buffered(pieces), content_type=f"{EXPORT_FORMATS[fmt]}; charset=utf-8"
    )
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
        rows = (
            serializer.to_representation(record)
            for record in snapshot_iterator(queryset, chunk_size=self.export_chunk_size)
        )
        name = request.path.rstrip("/").rsplit("/", 1)[-1] or "export"
        return export_response(rows, fmt=fmt, name=name, columns=serializer_columns(serializer))

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
        elif queryset.query.order_by:
            ordering = list(queryset.query.order_by)
        elif queryset.query.default_ordering:
            ordering = list(queryset.model._meta.ordering)
        else:
            ordering = []
        if not any(str(term).lstrip("-") in ("pk", "id") for term in ordering):
            ordering.append("pk")
        return queryset.order_by(*ordering)
