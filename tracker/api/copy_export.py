"""The transfers' CSV export on PostgreSQL, written by the database: ``COPY (SELECT ...) TO
STDOUT`` of the export's own query (the list's filters, ordering and visibility, built by
:func:`~tracker.api.export.transfer_values`), each cell formatted in SQL exactly as the Python
writer (:func:`~tracker.api.export.csv_pieces`) formats it, streamed block by block from one
snapshot. A test holds the bytes equal to the Python writer's on a varied set of rows.

How the SQL matches the Python writer:

- Cells: integers and decimals as their text (a decimal column's scale is the serializer's
  places), booleans ``True``/``False``, date-times in DRF's ISO form in UTC (``Z``, microseconds
  only when not zero), partial dates as the API shows them (``2019``, ``2019-10``,
  ``2019-10-05``), null as an empty cell.
- Nested lists (intermediaries, deliveries, evidence) are ``string_agg`` of their visible rows in
  the order the Python path reads them, joined with `` | ``; a missing value inside is an empty
  text, no rows is an empty cell.
- Formula escaping: a cell starting with one of ``FORMULA_STARTS`` gets a ``'`` in front (a SQL
  ``CASE``), after the nested values are joined, as ``defuse`` does.
- An empty text is written as NULL: COPY quotes a non-null empty string (``""``), Python's writer
  leaves it bare.
- Line ends: COPY ends rows with ``\\n``, the Python writer with ``\\r\\n``. ``crlf`` rewrites
  the row ends only, outside quoted cells (a newline inside a quoted cell stays as it is): a
  newline is a row end when an even number of ``"`` precede it in the stream.
- Quoting: both quote a cell holding the delimiter, a ``"``, a CR or a LF, and double the ``"``.

Only for PostgreSQL with the current time zone UTC and DRF's ISO date-times (the conditions under
which the Python path formats date-times itself), and only while the serializer's columns are the
ones written here; otherwise the Python path runs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db import connections
from django.utils import timezone
from rest_framework.settings import ISO_8601, api_settings

from ..choices import DatePrecision
from ..models import State, Transfer, TransferDelivery
from ..querysets import visible, visible_evidence
from .renderers import FORMULA_STARTS, defuse

#: The COPY blocks (a row each) gathered before a piece is handed on.
FLUSH_AT = 64 * 1024

SEPARATOR = " | "

BOOLEAN = {
    "quantity_estimated",
    "quantity_delivered_estimated",
    "order_date_estimated",
    "delivery_dates_estimated",
}
NUMBER = {
    "id",
    "quantity",
    "quantity_delivered",
    "withdrawn_by_source",
    "tiv_per_unit",
    "tiv_total_order",
    "tiv_delivered",
}
DATETIME = {"verified_at", "created", "last_updated"}


def available(queryset, serializer) -> bool:
    """True when the COPY path writes exactly what the Python path would for this export."""
    from .export import serializer_columns

    if connections[queryset.db].vendor != "postgresql":
        return False
    if timezone.get_current_timezone_name() != "UTC":
        return False
    if str(api_settings.DATETIME_FORMAT).lower() != ISO_8601:
        return False
    return [".".join(path) for path in serializer_columns(serializer)] == list(cell_names())


# --- SQL for one cell -------------------------------------------------------------------------


def as_bool(sql: str) -> str:
    return f"CASE WHEN {sql} THEN 'True' WHEN NOT {sql} THEN 'False' END"


def as_iso(sql: str) -> str:
    """DRF's ISO 8601 of a timestamptz in UTC: ``2024-05-01T10:00:00Z``, ``...00.123456Z``."""
    return (
        f"to_char({sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN to_char({sql}, 'US') <> '000000' THEN '.' || to_char({sql}, 'US')"
        " ELSE '' END || 'Z'"
    )


def as_partial(day: str, precision: str) -> str:
    """``format_partial``: the year, the month or the day, as the date's precision says."""
    return (
        f"CASE WHEN {day} IS NULL THEN NULL"
        f" WHEN {precision} = {int(DatePrecision.YEAR)} THEN to_char({day}, 'YYYY')"
        f" WHEN {precision} = {int(DatePrecision.MONTH)} THEN to_char({day}, 'YYYY-MM')"
        f" ELSE to_char({day}, 'YYYY-MM-DD') END"
    )


def as_defused(sql: str) -> str:
    """``defuse`` in SQL: a ``'`` in front of a cell a spreadsheet would run as a formula."""
    starts = ", ".join(f"chr({ord(start)})" for start in FORMULA_STARTS)
    return f"CASE WHEN left({sql}, 1) IN ({starts}) THEN '''' || {sql} ELSE {sql} END"


def joined(sql: str, order: str) -> str:
    """The values of a nested list's column joined like ``leaf_text`` joins them."""
    return f"string_agg(coalesce({sql}, ''), '{SEPARATOR}' ORDER BY {order})"


# --- the statement ----------------------------------------------------------------------------


def cell_names() -> list[str]:
    """The CSV columns in the serializer's order, as the SQL below names them."""
    from .serializers import EvidenceSummarySerializer, TransferDeliverySerializer

    names = []
    for name in TRANSFER_FIELDS:
        if name == "deliveries":
            names += [f"deliveries.{field}" for field in TransferDeliverySerializer.Meta.fields]
        elif name == "evidence":
            names += [f"evidence.{field}" for field in EvidenceSummarySerializer.Meta.fields]
        else:
            names.append(name)
    return names


def _transfer_fields() -> list[str]:
    from .serializers import TransferSerializer

    return list(TransferSerializer.Meta.fields)


TRANSFER_FIELDS = _transfer_fields()

EVIDENCE_COLUMNS = [
    "transfer_id",
    "slug",
    "quote",
    "claim_status",
    "attributed_to",
    "source__title",
    "source__publisher",
    "source__published_date",
    "source__published_date_precision",
    "source__url",
    "start",
    "end",
    "review_state",
    "id",
]
#: ``Evidence``'s order (its source's order: newest first, then title; then the start), then id.
EVIDENCE_ORDER = "e.c7 DESC, e.c5 ASC, e.c10 ASC, e.c13 ASC"
EVIDENCE_CELLS = {
    "slug": "e.c1",
    "quote": "e.c2",
    "claim_status": "e.c3",
    "attributed_to": "e.c4",
    "source_title": "e.c5",
    "source_publisher": "e.c6",
    "source_date": as_partial("e.c7", "e.c8"),
    "source_url": "e.c9",
    "start": "e.c10::text",
    "end": "e.c11::text",
    "review_state": "e.c12",
}
DELIVERY_CELLS = {
    "year": "d.year::text",
    "year_estimated": as_bool("d.year_estimated"),
    "number": "d.number::text",
    "number_estimated": as_bool("d.number_estimated"),
    "tiv": "d.tiv::text",
}


def compiled(queryset) -> tuple[str, tuple]:
    return queryset.query.get_compiler(using=queryset.db).as_sql()


def aliases(count: int) -> str:
    return ", ".join(f"c{index}" for index in range(count))


def copy_statement(queryset, *, verified_only: bool) -> tuple[str, list]:
    """``COPY (SELECT <the cells>) TO STDOUT`` of the transfers in ``queryset`` (filtered,
    ordered and narrowed to what the reader may see) and its parameters."""
    from .export import TRANSFER_OPTIONAL, TRANSFER_PLAIN, transfer_values

    rows = transfer_values(queryset, verified_only=verified_only)
    compiler = rows.query.get_compiler(using=rows.db)
    main_sql, main_params = compiler.as_sql()
    order = [alias for _, _, alias in compiler.select]  # the columns in the SELECT's order
    column = {name: f"t.c{index}" for index, name in enumerate(order)}

    def source(name: str) -> str:
        if name in TRANSFER_PLAIN:
            return column[TRANSFER_PLAIN[name]]
        if name in TRANSFER_OPTIONAL:
            return column[f"x_{name}"]
        return column[name]

    transfer_id = column["id"]
    quote = connections[queryset.db].ops.quote_name

    evidence = (
        visible_evidence(verified_only=verified_only)
        .filter(transfer__isnull=False)
        .order_by()
        .values_list(*EVIDENCE_COLUMNS)
    )
    evidence_sql, evidence_params = compiled(evidence)
    states = visible(State.objects.all(), verified_only=verified_only)
    states_sql, states_params = compiled(states.order_by().values_list("id", "code", "name"))
    through = Transfer.intermediaries.through._meta.db_table

    cells: list[str] = []
    for name in TRANSFER_FIELDS:
        if name == "deliveries":
            cells += [f"dl.{quote(field)}" for field in DELIVERY_CELLS]
        elif name == "evidence":
            cells += [f"ev.{quote(field)}" for field in EVIDENCE_CELLS]
        elif name == "intermediaries":
            cells.append(
                f"(SELECT {joined('s.c1', 's.c2, s.c0')} FROM {quote(through)} i"
                f" JOIN ({states_sql}) AS s({aliases(3)}) ON s.c0 = i.state_id"
                f" WHERE i.transfer_id = {transfer_id})"
            )
        elif name in BOOLEAN:
            cells.append(as_bool(source(name)))
        elif name in NUMBER:
            cells.append(f"{source(name)}::text")
        elif name in DATETIME:
            cells.append(as_iso(source(name)))
        elif name in ("order_date", "delivery_date", "delivery_end_date"):
            cells.append(as_partial(column[name], column[f"{name}_precision"]))
        else:
            cells.append(source(name))
    formatted = ", ".join(
        f"nullif(({sql})::text, '') AS a{index}" for index, sql in enumerate(cells)
    )
    defused = ", ".join(as_defused(f"u.a{index}") for index in range(len(cells)))
    evidence_cells = ", ".join(
        f"{joined(sql, EVIDENCE_ORDER)} AS {quote(field)}" for field, sql in EVIDENCE_CELLS.items()
    )
    delivery_cells = ", ".join(
        f"{joined(sql, 'd.year, d.id')} AS {quote(field)}" for field, sql in DELIVERY_CELLS.items()
    )
    # Parameters in the order their placeholders appear: the intermediaries' subquery (in the
    # cells), the main query, the evidence, (deliveries: none).
    statement = (
        f"COPY (SELECT {defused} FROM ("
        f"SELECT {formatted} FROM ({main_sql}) AS t({aliases(len(order))})"
        f" LEFT JOIN LATERAL (SELECT {evidence_cells} FROM ({evidence_sql})"
        f" AS e({aliases(len(EVIDENCE_COLUMNS))}) WHERE e.c0 = {transfer_id}) AS ev ON true"
        f" LEFT JOIN LATERAL (SELECT {delivery_cells}"
        f" FROM {quote(TransferDelivery._meta.db_table)} d"
        f" WHERE d.transfer_id = {transfer_id}) AS dl ON true"
        " OFFSET 0) AS u) TO STDOUT WITH (FORMAT csv)"
    )
    return statement, [*states_params, *main_params, *evidence_params]


# --- the stream -------------------------------------------------------------------------------


class RowEnds:
    """Rewrites COPY's row ends (``\\n``) to ``\\r\\n``, leaving newlines inside quoted cells."""

    def __init__(self):
        self.quoted = False

    def __call__(self, data: bytes) -> bytes:
        if b'"' not in data:
            return data if self.quoted else data.replace(b"\n", b"\r\n")
        parts = data.split(b'"')
        for index in range(1 if self.quoted else 0, len(parts), 2):
            parts[index] = parts[index].replace(b"\n", b"\r\n")
        if len(parts) % 2 == 0:  # an odd number of quotes: the quoting state flips
            self.quoted = not self.quoted
        return b'"'.join(parts)


def header_line() -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([defuse(name) for name in cell_names()])
    return buffer.getvalue().encode("utf-8")


def copy_csv(queryset, *, verified_only: bool) -> Iterator[bytes]:
    """The CSV export of the transfers in ``queryset`` (header first), in pieces of about
    ``FLUSH_AT`` bytes, read in one snapshot."""
    from .export import snapshot

    statement, params = copy_statement(queryset, verified_only=verified_only)
    row_ends = RowEnds()
    yield header_line()
    with snapshot(queryset.db), connections[queryset.db].cursor() as cursor:
        gathered: list[bytes] = []
        size = 0
        with cursor.cursor.copy(statement, params) as copy:
            for block in copy:
                gathered.append(block)
                size += len(block)
                if size >= FLUSH_AT:
                    yield row_ends(b"".join(gathered))
                    gathered, size = [], 0
        if gathered:
            yield row_ends(b"".join(gathered))
