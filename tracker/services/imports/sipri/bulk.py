"""Set-based writes for the SIPRI loader: reserve ids, COPY (PostgreSQL) or executemany (SQLite)
rows straight into a model's table, and write their first history rows with one INSERT ... SELECT.

The loader builds plain tuples in the column order of ``columns(model)``; nothing here calls
``save()`` or builds model instances (28,000 deals would take seconds that way).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import connections, models


def columns(model: type[models.Model]) -> list[str]:
    """The attribute names of ``model``'s concrete fields, in table order (``id`` first)."""
    return [f.attname for f in model._meta.concrete_fields]


def reserve_ids(model: type[models.Model], count: int, *, using: str) -> list[int]:
    """``count`` new primary keys for ``model``, taken from its sequence (PostgreSQL) or after
    the largest id (SQLite: one writer at a time, inside the import's transaction)."""
    if count == 0:
        return []
    table = model._meta.db_table
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Take a block of ids: writers to the table wait for the import's transaction (the
            # lock lets readers through), so nobody takes an id between nextval and setval.
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(table)} IN EXCLUSIVE MODE")
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            start = cursor.fetchone()[0]
            if count > 1:
                cursor.execute("SELECT setval(%s, %s)", [sequence, start + count - 1])
            return list(range(start, start + count))
        # never reuse the id of a deleted record (its history rows keep it): AUTOINCREMENT's
        # counter remembers the largest id ever given
        cursor.execute(
            f'SELECT MAX(COALESCE((SELECT MAX("id") FROM "{table}"), 0), '  # noqa: S608
            "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def _sqlite_adapters(model: type[models.Model], connection) -> list:
    ops = connection.ops
    adapters = []
    for f in model._meta.concrete_fields:
        if isinstance(f, models.DateTimeField):
            adapters.append(ops.adapt_datetimefield_value)
        elif isinstance(f, models.DateField):
            adapters.append(ops.adapt_datefield_value)
        elif isinstance(f, models.DecimalField):
            adapters.append(
                lambda v, f=f: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places)
            )
        else:
            adapters.append(None)
    return adapters


def insert_rows(model: type[models.Model], rows: Sequence[tuple], *, using: str) -> int:
    """Insert ``rows`` (tuples in ``columns(model)`` order, ids included) into ``model``'s
    table: one COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return 0
    connection = connections[using]
    table = model._meta.db_table
    names = [f.column for f in model._meta.concrete_fields]
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
            ) as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        else:
            adapters = _sqlite_adapters(model, connection)
            if any(adapters):
                pairs = [(i, a) for i, a in enumerate(adapters) if a]
                converted = []
                for row in rows:
                    row = list(row)
                    for i, adapt in pairs:
                        if row[i] is not None:
                            row[i] = adapt(row[i])
                    converted.append(row)
                rows = converted
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})",  # noqa: S608
                rows,
            )
    return len(rows)


def history_insert(
    model: type[models.Model],
    ids: Iterable[int],
    *,
    reason: str,
    user_id: int | None,
    when: dt.datetime,
    history_type: str = "+",
    using: str,
) -> int:
    """Write one history row per record in ``ids`` from its current row, server-side (the
    same rows simple-history's ``bulk_history_create`` would write)."""
    ids = list(ids)
    reason = reason[:100]  # simple-history's column
    if not ids:
        return 0
    connection = connections[using]
    quote = connection.ops.quote_name
    history = model.history.model
    table, history_table = model._meta.db_table, history._meta.db_table
    tracked = [f.column for f in model._meta.concrete_fields]
    names = ", ".join(quote(c) for c in tracked)
    when_value = (
        when
        if connection.vendor == "postgresql"
        else connection.ops.adapt_datetimefield_value(when)
    )
    sql = (
        f"INSERT INTO {quote(history_table)} ({names}, history_date, history_change_reason, "  # noqa: S608
        f"history_type, history_user_id) SELECT {names}, %s, %s, %s, %s FROM {quote(table)} "
    )
    with connection.cursor() as cursor:
        if ids == list(range(ids[0], ids[0] + len(ids))):  # a block of reserved ids
            cursor.execute(
                sql + "WHERE id BETWEEN %s AND %s",
                [when_value, reason, history_type, user_id, ids[0], ids[-1]],
            )
            return cursor.rowcount
        if connection.vendor == "postgresql":
            cursor.execute(
                sql + "WHERE id = ANY(%s)", [when_value, reason, history_type, user_id, ids]
            )
            return cursor.rowcount
        count = 0
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                sql + f"WHERE id IN ({marks})", [when_value, reason, history_type, user_id, *chunk]
            )
            count += cursor.rowcount
        return count
