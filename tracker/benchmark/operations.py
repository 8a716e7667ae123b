"""Every user-facing operation the benchmark times: one list of (name, URL builder, raw-SQL
builder). The URL builders ask the views how they paginate and what they serve, so the table
follows the endpoints as they change; an operation whose endpoint or format this code base does
not offer raises :class:`Skip` and is reported as skipped, not as a failure.

The raw SQL is what a hand-written query for the same answer costs on the same data: the
reference the API is compared with, not a copy of the API's queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from django.urls import NoReverseMatch, resolve
from rest_framework.pagination import CursorPagination, PageNumberPagination

from tracker import models as m

from .fill import Plan, Shape, item_name, mix, state_code

PAGE = 50
#: The deep page holds this fraction of the list: row 999,950 of 1,000,000.
DEEP = 0.99995
#: The exports stream transfers ordered since this day (about 6% of them).
EXPORT_SINCE = "2023-01-01"


class Skip(Exception):  # noqa: N818 - a reason, not an error
    """This operation is not available in this code base (the reason says why)."""


@dataclass
class Context:
    """What the builders need: the fill's shape, a test client, a raw connection, and values
    they compute once (a deep page's cursor) and share."""

    shape: Shape
    client: object
    raw: object  # a connection wrapper, not the one the API uses
    cache: dict = field(default_factory=dict)

    @property
    def plan(self) -> Plan:
        return Plan(self.shape)

    def table(self, model) -> str:
        return self.raw.ops.quote_name(model._meta.db_table)

    def busy_state(self) -> int:
        """A state index that supplies and receives (the maker state of transfer 0's item)."""
        return self.plan.item_origin(0)

    def other_state(self) -> int:
        s = self.busy_state()
        return (s + 1 + mix(self.shape.seed, 0, 99) % (self.shape.states - 1)) % self.shape.states


@dataclass(frozen=True)
class Operation:
    name: str
    url: Callable[[Context], str]
    raw: Callable[[Context], Callable[[], int]]  # returns a function running the SQL, -> bytes
    stream: bool = False  # the answer is the whole set, streamed


def view_of(url: str):
    path = url.split("?")[0]
    try:
        match = resolve(path)
    except NoReverseMatch as exc:  # pragma: no cover - resolve raises Resolver404
        raise Skip(f"{path} does not exist") from exc
    except Exception as exc:
        raise Skip(f"{path} does not exist") from exc
    return match.func.cls


def pagination_of(url: str):
    cls = view_of(url)
    return cls.pagination_class


def query(ctx: Context, sql: str, params=()) -> Callable[[], int]:
    """A function running ``sql`` on the raw connection and fetching every row."""

    def run() -> int:
        with ctx.raw.cursor() as cursor:
            cursor.execute(sql, list(params))
            return sum(len(repr(row)) for row in cursor.fetchall())

    return run


def queries(ctx: Context, *steps) -> Callable[[], int]:
    """Several statements in a row; a step may take the previous step's rows."""

    def run() -> int:
        size, rows = 0, []
        with ctx.raw.cursor() as cursor:
            for step in steps:
                sql, params = step(rows) if callable(step) else step
                cursor.execute(sql, list(params))
                rows = cursor.fetchall()
                size += sum(len(repr(row)) for row in rows)
        return size

    return run


# --- the transfers list: its ordering, first page, next page, deep page -------------------------


def list_ordering(url: str, model) -> list[str]:
    """The ordering the list's pagination applies (cursor), else the model's default."""
    pagination = pagination_of(url)
    if pagination and issubclass(pagination, CursorPagination):
        ordering = pagination.ordering
        ordering = [ordering] if isinstance(ordering, str) else list(ordering)
    else:
        ordering = list(model._meta.ordering)
    return ordering


def order_sql(ctx: Context, model, ordering: list[str], alias: str) -> tuple[list[str], str]:
    """(key columns with direction, ORDER BY clause) for the direct fields of ``ordering``,
    with the id as tie-break: related-name parts are left out of the raw keyset."""
    keys = []
    for name in ordering:
        desc = name.startswith("-")
        field_name = name.lstrip("-")
        if "__" in field_name:
            continue
        column = model._meta.get_field("id" if field_name == "pk" else field_name).column
        keys.append((f"{alias}.{ctx.raw.ops.quote_name(column)}", desc))
    if not any(k[0].endswith('"id"') or k[0].endswith(".id") for k in keys):
        keys.append((f"{alias}.id", keys[0][1] if keys else False))
    clause = ", ".join(f"{c} {'DESC' if d else 'ASC'}" for c, d in keys)
    return keys, clause


def transfer_page_sql(ctx: Context, where: str = "", order: str = "t.id") -> str:
    t, s, i, o = (ctx.table(x) for x in (m.Transfer, m.State, m.Item, m.Organization))
    return (
        f"SELECT t.*, sup.code, sup.name, rec.code, rec.name, sp.slug, rp.slug, so.slug, "
        f"it.slug, it.name FROM {t} t "
        f"LEFT JOIN {s} sup ON sup.id = t.supplier_id LEFT JOIN {s} rec ON rec.id = t.recipient_id "
        f"LEFT JOIN {o} sp ON sp.id = t.supplier_party_id "
        f"LEFT JOIN {o} rp ON rp.id = t.recipient_party_id "
        f"LEFT JOIN {o} so ON so.id = t.supplier_organization_id "
        f"JOIN {i} it ON it.id = t.item_id "
        f"WHERE t.review_state = 'verified' {where} ORDER BY {order} LIMIT {PAGE}"
    )


def evidence_of_page_sql(ctx: Context, fk: str):
    e, src = ctx.table(m.Evidence), ctx.table(m.Source)

    def step(rows):
        ids = [row[0] for row in rows] or [0]
        marks = ", ".join(["%s"] * len(ids))
        return (
            f"SELECT e.id, e.{fk}, e.quote, e.start, e.claim_status, src.id, src.title "
            f"FROM {e} e JOIN {src} src ON src.id = e.source_id "
            f"WHERE e.{fk} IN ({marks}) AND e.review_state = 'verified'",
            ids,
        )

    return step


def keyset_where(keys: list[tuple[str, bool]], values: list) -> tuple[str, list]:
    """Rows after ``values`` in the order of ``keys`` (lexicographic, per-column direction)."""
    parts, params = [], []
    for n, (column, desc) in enumerate(keys):
        equal = [f"{c} = %s" for c, _ in keys[:n]]
        parts.append("(" + " AND ".join([*equal, f"{column} {'<' if desc else '>'} %s"]) + ")")
        params.extend(values[:n])
        params.append(values[n])
    return "AND (" + " OR ".join(parts) + ")", params


TRANSFERS = "/api/transfers/"


def visible_transfers(ctx: Context) -> int:
    if "visible" not in ctx.cache:
        with ctx.raw.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {ctx.table(m.Transfer)} WHERE review_state = 'verified'"
            )
            ctx.cache["visible"] = cursor.fetchone()[0]
    return ctx.cache["visible"]


def boundary(ctx: Context, index: int) -> tuple[list[tuple[str, bool]], list]:
    """The keys of the transfers list and their values at row ``index`` (0-based)."""
    keys, order = order_sql(ctx, m.Transfer, list_ordering(TRANSFERS, m.Transfer), "t")
    columns = ", ".join(c for c, _ in keys)
    with ctx.raw.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {ctx.table(m.Transfer)} t WHERE t.review_state = 'verified' "
            f"ORDER BY {order} LIMIT 1 OFFSET %s",
            [index],
        )
        return keys, list(cursor.fetchone())


def transfers_first_url(ctx: Context) -> str:
    return TRANSFERS


def transfers_first_raw(ctx: Context):
    _, order = order_sql(ctx, m.Transfer, list_ordering(TRANSFERS, m.Transfer), "t")
    return queries(
        ctx, (transfer_page_sql(ctx, order=order), []), evidence_of_page_sql(ctx, "transfer_id")
    )


def transfers_next_url(ctx: Context) -> str:
    response = ctx.client.get(TRANSFERS)
    following = response.json().get("next")
    if not following:
        raise Skip("the first page of transfers has no next link")
    parts = urlsplit(following)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def transfers_after_raw(ctx: Context, index: int):
    keys, order = order_sql(ctx, m.Transfer, list_ordering(TRANSFERS, m.Transfer), "t")
    keys, values = boundary(ctx, index - 1)
    where, params = keyset_where(keys, values)
    return queries(
        ctx,
        (transfer_page_sql(ctx, where=where, order=order), params),
        evidence_of_page_sql(ctx, "transfer_id"),
    )


def deep_index(ctx: Context) -> int:
    """The first row (0-based) of the page holding row ``DEEP`` of the list."""
    row = max(1, int(visible_transfers(ctx) * DEEP))  # 1-based, e.g. 999,950
    return (row - 1) // PAGE * PAGE


def transfers_deep_url(ctx: Context) -> str:
    start = deep_index(ctx)
    pagination = pagination_of(TRANSFERS)
    if (
        pagination
        and hasattr(pagination, "encode_cursor")
        and hasattr(view_of(TRANSFERS), "order_keys")
    ):
        return keyset_url(ctx, pagination, start)
    if pagination and issubclass(pagination, CursorPagination):
        url = cursor_url(ctx, pagination, start)
        check_first_row(ctx, url, start)
        return url
    if pagination and issubclass(pagination, PageNumberPagination):
        return f"{TRANSFERS}?{urlencode({pagination.page_query_param: start // PAGE + 1})}"
    raise Skip(f"the transfers list paginates with {pagination!r}")


def keyset_url(ctx: Context, pagination, start: int) -> str:
    """The cursor of the page starting at row ``start`` under keyset pagination on (key, id):
    the position (key value, id) of the row before it, in the view's default ordering, encoded
    by the view's own paginator; checked against the row the page starts with."""
    from rest_framework.pagination import Cursor

    view = view_of(TRANSFERS)
    ordering = view.ordering
    term = ordering if isinstance(ordering, str) else ordering[0]
    desc = term.startswith("-")
    rows = (
        m.Transfer.objects.filter(review_state="verified")
        .annotate(_key=view.order_keys[term.lstrip("-")])
        .order_by(*(("-_key", "-id") if desc else ("_key", "id")))
        .values_list("_key", "id")
    )
    before = rows[start - 1]
    expected = rows[start][1]
    paginator = pagination()
    paginator.base_url = f"http://testserver{TRANSFERS}"
    paginator.term = term
    url = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=before))
    url = url.split("testserver", 1)[1]
    response = ctx.client.get(url)
    results = response.json().get("results") if response.status_code == 200 else None
    found = results[0].get("id") if results else None
    if found != expected:
        raise WrongPage(f"{url} starts at transfer {found!r}, not at row {start} ({expected!r})")
    return url


def cursor_url(ctx: Context, pagination, start: int) -> str:
    """The cursor of the page starting at row ``start``, as the view's own paginator encodes it:
    DRF's cursor holds the first ordering key of the row before and an offset past the rows
    sharing the start row's key."""
    from rest_framework.pagination import Cursor

    ordering = list_ordering(TRANSFERS, m.Transfer)
    first = ordering[0]
    desc = first.startswith("-")
    column = m.Transfer._meta.get_field(first.lstrip("-")).column
    table = ctx.table(m.Transfer)
    _, values = boundary(ctx, start)
    keys, _ = order_sql(ctx, m.Transfer, ordering, "t")
    value = values[0]
    before = ">" if desc else "<"
    nearest = "MIN" if desc else "MAX"
    with ctx.raw.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), {nearest}({column}) FROM {table} "
            f"WHERE review_state = 'verified' AND {column} {before} %s",
            [value],
        )
        first_index, position = cursor.fetchone()
    offset = start - first_index
    if offset > pagination.offset_cutoff:
        raise Skip(f"the deep page is {offset} rows past its cursor position (cutoff)")
    paginator = pagination()
    paginator.base_url = f"http://testserver{TRANSFERS}"
    position = None if position is None else str(position)
    url = paginator.encode_cursor(Cursor(offset=offset, reverse=False, position=position))
    return url.split("testserver", 1)[1]


class WrongPage(Exception):
    """The page a built URL answers is not the one intended."""


def check_first_row(ctx: Context, url: str, start: int) -> None:
    """The page the cursor URL answers starts at row ``start`` (compared by slug)."""
    _, order = order_sql(ctx, m.Transfer, list_ordering(TRANSFERS, m.Transfer), "t")
    with ctx.raw.cursor() as cursor:
        cursor.execute(
            f"SELECT t.slug FROM {ctx.table(m.Transfer)} t WHERE t.review_state = 'verified' "
            f"ORDER BY {order} LIMIT 1 OFFSET %s",
            [start],
        )
        (expected,) = cursor.fetchone()
    response = ctx.client.get(url)
    results = response.json().get("results") if response.status_code == 200 else None
    found = results[0].get("slug") if results else None
    if found != expected:
        raise WrongPage(f"{url} starts at {found!r}, not at row {start} ({expected!r})")


def transfers_deep_raw(ctx: Context):
    return transfers_after_raw(ctx, deep_index(ctx))


def transfers_next_raw(ctx: Context):
    return transfers_after_raw(ctx, PAGE)


# --- other lists -------------------------------------------------------------------------------


def evidence_raw(ctx: Context):
    e, src = ctx.table(m.Evidence), ctx.table(m.Source)
    _, order = order_sql(ctx, m.Evidence, list_ordering("/api/evidence/", m.Evidence), "e")
    return query(
        ctx,
        f"SELECT e.id, e.slug, e.quote, e.start, e.claim_status, e.transfer_id, "
        f"e.integration_id, e.permit_decision_id, src.id, src.title FROM {e} e "
        f"JOIN {src} src ON src.id = e.source_id WHERE e.review_state = 'verified' "
        f"ORDER BY {order} LIMIT {PAGE}",
    )


def permits_raw(ctx: Context):
    p, s = ctx.table(m.PermitDecision), ctx.table(m.State)
    return query(
        ctx,
        f"SELECT p.*, a.code, a.name, tg.code, tg.name FROM {p} p "
        f"JOIN {s} a ON a.id = p.authority_id LEFT JOIN {s} tg ON tg.id = p.target_state_id "
        f"WHERE p.review_state = 'verified' "
        f"ORDER BY p.effective_date DESC, p.announced_date DESC, a.name LIMIT {PAGE}",
    )


def search_term(ctx: Context) -> str:
    """An item's designation, as a researcher types it (two words, both must match)."""
    return item_name(10)


def search_url(ctx: Context) -> str:
    return f"{TRANSFERS}?{urlencode({'q': search_term(ctx)})}"


def search_raw(ctx: Context):
    i, a = ctx.table(m.Item), ctx.table(m.ItemAlias)
    items = (
        f"SELECT it.id FROM {i} it WHERE LOWER(it.name) LIKE %s UNION "
        f"SELECT al.item_id FROM {a} al WHERE LOWER(al.name) LIKE %s"
    )
    like = f"%{search_term(ctx).lower()}%"
    return query(ctx, transfer_page_sql(ctx, where=f"AND t.item_id IN ({items})"), [like, like])


# --- supply-chain questions ----------------------------------------------------------------------


def paths_url(ctx: Context) -> str:
    origin, destination = ctx.busy_state(), ctx.other_state()
    return (
        f"/api/supply-chain/paths/?from={state_code(origin)}&to={state_code(destination)}"
        "&max_hops=3"
    )


def paths_raw(ctx: Context):
    """Up to 100 routes of 1 to 3 transfers of the same item from the origin to the destination
    (an index lookup per hop)."""
    t = ctx.table(m.Transfer)
    v = "review_state = 'verified'"
    none = "CAST(NULL AS BIGINT)"
    o, d = ctx.busy_state() + 1, ctx.other_state() + 1
    sql = (
        f"SELECT a.id, {none}, {none} FROM {t} a WHERE a.{v} AND a.supplier_id = %s "
        f"AND a.recipient_id = %s UNION ALL "
        f"SELECT a.id, b.id, {none} FROM {t} a JOIN {t} b ON b.item_id = a.item_id "
        f"AND b.supplier_id = a.recipient_id AND b.{v} WHERE a.{v} AND a.supplier_id = %s "
        f"AND b.recipient_id = %s UNION ALL "
        f"SELECT a.id, b.id, c.id FROM {t} a JOIN {t} b ON b.item_id = a.item_id "
        f"AND b.supplier_id = a.recipient_id AND b.{v} JOIN {t} c ON c.item_id = b.item_id "
        f"AND c.supplier_id = b.recipient_id AND c.{v} WHERE a.{v} AND a.supplier_id = %s "
        f"AND c.recipient_id = %s LIMIT 100"
    )
    return query(ctx, sql, [o, d, o, d, o, d])


def origins_url(ctx: Context) -> str:
    return f"/api/supply-chain/origins/?state={state_code(ctx.busy_state())}"


def origins_raw(ctx: Context):
    """What the state received, per (origin state, item), its own items and their fitted
    components alike, one page."""
    t, i, g = ctx.table(m.Transfer), ctx.table(m.Item), ctx.table(m.Integration)
    sql = (
        f"SELECT origin, item, COUNT(*) FROM ("
        f"SELECT it.country_of_origin_id AS origin, it.id AS item FROM {t} t "
        f"JOIN {i} it ON it.id = t.item_id WHERE t.recipient_id = %s "
        f"AND t.review_state = 'verified' UNION ALL "
        f"SELECT c.country_of_origin_id, c.id FROM {t} t JOIN {g} g ON g.assembly_id = t.item_id "
        f"AND g.review_state = 'verified' JOIN {i} c ON c.id = g.component_id "
        f"WHERE t.recipient_id = %s AND t.review_state = 'verified') x "
        f"GROUP BY origin, item ORDER BY COUNT(*) DESC, item LIMIT {PAGE}"
    )
    state = ctx.busy_state() + 1
    return query(ctx, sql, [state, state])


def reach_url(ctx: Context) -> str:
    return f"/api/supply-chain/reach/?state={state_code(ctx.busy_state())}"


def reach_raw(ctx: Context):
    """Where the state's items (and the platforms they are fitted to) went, per (recipient,
    item), one page."""
    t, i, g = ctx.table(m.Transfer), ctx.table(m.Item), ctx.table(m.Integration)
    sql = (
        f"SELECT recipient, item, COUNT(*) FROM ("
        f"SELECT t.recipient_id AS recipient, t.item_id AS item FROM {t} t "
        f"JOIN {i} it ON it.id = t.item_id WHERE it.country_of_origin_id = %s "
        f"AND t.review_state = 'verified' UNION ALL "
        f"SELECT t.recipient_id, t.item_id FROM {i} c JOIN {g} g ON g.component_id = c.id "
        f"AND g.review_state = 'verified' JOIN {t} t ON t.item_id = g.assembly_id "
        f"AND t.review_state = 'verified' WHERE c.country_of_origin_id = %s) x "
        f"GROUP BY recipient, item ORDER BY COUNT(*) DESC, item LIMIT {PAGE}"
    )
    state = ctx.busy_state() + 1
    return query(ctx, sql, [state, state])


def permit_pair(ctx: Context) -> tuple[int, int]:
    row = ctx.plan.permit(0)
    return row["authority"], row["target"]


def permit_status_url(ctx: Context) -> str:
    authority, target = permit_pair(ctx)
    return (
        f"/api/permit-status/?authority={state_code(authority)}&target={state_code(target)}&on=2020"
    )


def permit_status_raw(ctx: Context):
    p = ctx.table(m.PermitDecision)
    authority, target = permit_pair(ctx)
    return query(
        ctx,
        f"SELECT * FROM {p} WHERE authority_id = %s AND target_state_id = %s "
        f"AND review_state = 'verified' ORDER BY effective_date",
        [authority + 1, target + 1],
    )


def timeline_url(ctx: Context) -> str:
    return f"/api/states/{state_code(ctx.busy_state())}/timeline/"


def timeline_raw(ctx: Context):
    """The state's first 50 events by date: transfers either way and permit decisions made or
    received (each branch an index range scan)."""
    t, p = ctx.table(m.Transfer), ctx.table(m.PermitDecision)
    v = "review_state = 'verified'"
    sql = (
        f"SELECT * FROM ("
        f"SELECT 't', id, order_date AS day FROM {t} WHERE supplier_id = %s AND {v} UNION ALL "
        f"SELECT 't', id, order_date FROM {t} WHERE recipient_id = %s AND {v} UNION ALL "
        f"SELECT 'p', id, effective_date FROM {p} WHERE authority_id = %s AND {v} UNION ALL "
        f"SELECT 'p', id, effective_date FROM {p} WHERE target_state_id = %s AND {v}"
        f") x ORDER BY day, 2 LIMIT {PAGE}"
    )
    state = ctx.busy_state() + 1
    return query(ctx, sql, [state] * 4)


# --- exports -------------------------------------------------------------------------------------


def export_url(fmt: str) -> Callable[[Context], str]:
    def build(ctx: Context) -> str:
        return f"{TRANSFERS}?{urlencode({'date_after': EXPORT_SINCE, 'format': fmt})}"

    return build


def export_raw(ctx: Context):
    """The same rows as one SELECT: COPY ... TO STDOUT on PostgreSQL; on SQLite every row
    fetched in batches."""
    select = transfer_page_sql(ctx, where="AND t.order_date >= %s").rsplit(" LIMIT ", 1)[0]
    if ctx.raw.vendor == "postgresql":
        literal = select.replace("%s", f"'{EXPORT_SINCE}'")

        def copy() -> int:
            size = 0
            with (
                ctx.raw.cursor() as cursor,
                cursor.cursor.copy(
                    f"COPY ({literal}) TO STDOUT WITH (FORMAT csv, HEADER)"
                ) as stream,
            ):
                for block in stream:
                    size += len(block)
            return size

        return copy

    def fetch() -> int:
        size = 0
        with ctx.raw.cursor() as cursor:
            cursor.execute(select, [EXPORT_SINCE])
            while rows := cursor.fetchmany(2_000):
                size += sum(len(repr(row)) for row in rows)
        return size

    return fetch


# --- detail pages ---------------------------------------------------------------------------------


def item_detail_url(ctx: Context) -> str:
    return "/api/platforms/item-0/"


def item_detail_raw(ctx: Context):
    i, a, e, src = (ctx.table(x) for x in (m.Item, m.ItemAlias, m.Evidence, m.Source))
    return queries(
        ctx,
        (f"SELECT * FROM {i} WHERE slug = %s AND review_state = 'verified'", ["item-0"]),
        lambda rows: (f"SELECT * FROM {a} WHERE item_id = %s", [rows[0][0]]),
        (
            f"SELECT e.id, e.quote, src.title FROM {e} e JOIN {src} src ON src.id = e.source_id "
            f"WHERE e.item_id = 1 AND e.review_state = 'verified'",
            [],
        ),
    )


def state_detail_url(ctx: Context) -> str:
    return f"/api/states/{state_code(ctx.busy_state())}/"


def state_detail_raw(ctx: Context):
    s, a = ctx.table(m.State), ctx.table(m.StateAlias)
    code = state_code(ctx.busy_state())
    return queries(
        ctx,
        (f"SELECT * FROM {s} WHERE code = %s", [code]),
        lambda rows: (f"SELECT * FROM {a} WHERE state_id = %s", [rows[0][0]]),
    )


def fixed(url: str) -> Callable[[Context], str]:
    return lambda ctx: url


OPERATIONS: list[Operation] = [
    Operation("transfers first page", transfers_first_url, transfers_first_raw),
    Operation("transfers next page", transfers_next_url, transfers_next_raw),
    Operation("transfers deep page", transfers_deep_url, transfers_deep_raw),
    Operation("evidence page", fixed("/api/evidence/"), evidence_raw),
    Operation("permit decisions page 1", fixed("/api/permit-decisions/"), permits_raw),
    Operation("search ?q=", search_url, search_raw),
    Operation("paths 3 hops", paths_url, paths_raw),
    Operation("origins of a state", origins_url, origins_raw),
    Operation("reach of a state", reach_url, reach_raw),
    Operation("permit status", permit_status_url, permit_status_raw),
    Operation("state timeline", timeline_url, timeline_raw),
    Operation("export csv", export_url("csv"), export_raw, stream=True),
    Operation("export jsonl", export_url("jsonl"), export_raw, stream=True),
    Operation("item detail", item_detail_url, item_detail_raw),
    Operation("state detail", state_detail_url, state_detail_raw),
]

BY_SLUG = {op.name.replace(" ", "-").replace("?q=", "q").strip("-"): op for op in OPERATIONS}


def slug(op: Operation) -> str:
    return next(k for k, v in BY_SLUG.items() if v is op)
