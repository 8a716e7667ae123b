"""Supply-chain traversal: routes by which technology from one state reaches another.

The graph's nodes are (item, state) pairs: an item held in a state. Edges are transfers (the item
moves from the supplier to the recipient) and integrations (a component ends up in the assembly
it is fitted to, which is held in the assembly's state of origin). Routes start at items that
originate in the first state and end when they are held in the second.

The walk is one recursive CTE (portable to SQLite and PostgreSQL), bounded in depth, in the
number of partial routes it builds (MAX_EXPLORED) and never returning to a state, so cycles end
and dense graphs stay cheap; the records on the routes are then fetched in a fixed number of
queries whatever the size of the data. Origins and reach are aggregated per state and item with
counts and dates, one page at a time, a section of rows at a time (``_sections_page``): a
fixed number of queries whatever the data.

Transfer sides. A side is a state, a non-state party (an organisation, operating in a state) or
unknown. Routes run over states only: a transfer with a non-state or unknown side is no edge of
the walk (its item does not move to a state, and an unknown supplier is not any state). Origins
and reach show such transfers as rows of their own, naming the kind of side and the party (with
the state it operates in), never as a state: a state's origins list what it received from a
non-state party or an unknown supplier, and reach lists the non-state parties an item went to.

Every answer is bounded: the constants below are the documented limits (no setting changes
them); an answer that hit one says ``truncated`` (routes) or has a next page (origins, reach).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch

from ..choices import ReviewState, TransferSide
from ..models import Evidence, Integration, Item, Organization, State, Transfer
from ..partial_dates import format_partial
from ..querysets import record_visible, visible_evidence

#: The most routes one answer lists; more found means ``truncated``.
MAX_ROUTES = 100
#: The most distinct nodes (states and items) the routes of one answer may hold.
MAX_NODES = 300
#: The most partial routes the search extends, whatever the data: the walk is breadth-first, so
#: the shortest routes are found first and a search cut here is reported as ``truncated``.
MAX_EXPLORED = 20_000
#: Evidence shown per record in an answer (the record's own page lists the rest).
MAX_EVIDENCE = 5


@dataclass
class Hop:
    """One step of a route: ``kind`` is "origin", "integration" or "transfer"."""

    kind: str
    from_state: State | None
    to_state: State | None
    item: Item
    record: object  # the Item (origin), Integration or Transfer behind the hop
    assembly: Item | None = None

    @property
    def evidence(self) -> list[Evidence]:
        return list(self.record.evidence.all())


@dataclass
class Route:
    hops: list[Hop] = field(default_factory=list)


@dataclass
class Paths:
    origin: State
    destination: State
    on: dt.date | None
    max_hops: int
    routes: list[Route]
    truncated: bool


def _visible(alias: str, verified_only: bool) -> str:
    return f" AND {alias}.review_state = '{ReviewState.VERIFIED}'" if verified_only else ""


def _transfer_visible(alias: str, verified_only: bool) -> str:
    """The visibility rule of a transfer in SQL (as ``querysets.visible_condition``): verified,
    with the party of each side visible (the state on a state side, the party on a
    non-state side). The item is checked where the answer joins it."""
    if not verified_only:
        return ""
    verified = ReviewState.VERIFIED
    states, organizations = State._meta.db_table, Organization._meta.db_table
    sql = _visible(alias, verified_only)
    for side in ("supplier", "recipient"):
        sql += (
            f" AND ({alias}.{side}_kind <> '{TransferSide.STATE}' OR EXISTS (SELECT 1 FROM "
            f"{states} vs WHERE vs.id = {alias}.{side}_id AND vs.review_state = '{verified}'))"
            f" AND ({alias}.{side}_kind <> '{TransferSide.NON_STATE}' OR EXISTS (SELECT 1 FROM "
            f"{organizations} vo WHERE vo.id = {alias}.{side}_party_id"
            f" AND vo.review_state = '{verified}'))"
        )
    return sql


def _route_sql(*, verified_only: bool, on: dt.date | None) -> tuple[str, list]:
    """The bounded route search and the parameters of its date filter.

    Only state-to-state transfers are edges (a state side is the only kind with a state). The
    walk checks each edge's own review state; the visibility of its sides is checked on the
    routes found (``_route_visible``): checking it here too made PostgreSQL's plan 40 times
    slower on the benchmark's 100,000 transfers.

    The caller appends ``route_search_params(...)``. Rows are ``(item_id, path, 0)`` for each route
    found, shortest first, then one ``(NULL, NULL, n)`` row: how many partial routes were
    explored (``n == MAX_EXPLORED`` means the search was cut).

    Bounded three ways: a route never returns to a state it has left (an integration may keep
    it in the same state), it stops at the destination, and at most ``MAX_EXPLORED`` partial
    routes are ever built: ``explored`` pulls rows from the recursive walk, which both databases
    produce lazily, breadth-first, so the LIMIT ends the recursion itself, not only its output.
    """
    t, g, i = Transfer._meta.db_table, Integration._meta.db_table, Item._meta.db_table
    o = Organization._meta.db_table
    params: list = []
    asked = transfer_when = integration_when = ""
    if on is not None:
        # Only what had happened by that day: a transfer ordered or delivered by then, an
        # integration that had started by then (or whose start is unknown). The day is a CTE of
        # its own so that it is the first parameter wherever the edges are written.
        asked = "asked(day) AS (SELECT %s),"
        params.append(on)
        day = "(SELECT day FROM asked)"
        transfer_when = (
            f" AND (t.order_date <= {day} OR t.delivery_date <= {day}"
            " OR (t.order_date IS NULL AND t.delivery_date IS NULL))"
        )
        integration_when = f" AND (g.start_date IS NULL OR g.start_date <= {day})"
    transfer_edges = f"""
            SELECT 't' AS kind, t.id AS ref_id, t.item_id AS item_id,
                   t.supplier_id AS supplier_id, t.item_id AS next_item,
                   t.recipient_id AS next_state
            FROM {t} t
            WHERE t.supplier_id IS NOT NULL AND t.recipient_id IS NOT NULL
              {_visible("t", verified_only)} {transfer_when}"""
    integration_edges = f"""
            SELECT 'g', g.id, g.component_id, NULL, g.assembly_id,
                   COALESCE(a.country_of_origin_id, ao.country_id)
            FROM {g} g JOIN {i} a ON a.id = g.assembly_id
            LEFT JOIN {o} ao ON ao.id = a.manufacturer_id {_visible("ao", verified_only)}
            WHERE 1 = 1 {_visible("g", verified_only)} {_visible("a", verified_only)}
            {integration_when}"""
    if connection.vendor == "postgresql":
        # One index lookup per partial route (transfers of its item from its state, through the
        # partial index on (item, supplier) of verified transfers; integrations of its item):
        # a plain join lets the planner, blind to the walk's size, hash the whole transfers
        # table at every hop.
        edges = ""
        step = f"""walk w CROSS JOIN LATERAL (
                {transfer_edges}
                  AND t.item_id = w.item_id AND t.supplier_id = w.state_id
                UNION ALL
                {integration_edges}
                  AND g.component_id = w.item_id
            ) e"""
    else:
        # SQLite has no LATERAL; its nested loop over the walk already looks the edges up by item.
        edges = f"""edges(kind, ref_id, item_id, supplier_id, next_item, next_state) AS (
            {transfer_edges}
            UNION ALL
            {integration_edges}
        ),"""
        step = """walk w JOIN edges e
              ON e.item_id = w.item_id
             AND (e.supplier_id IS NULL OR e.supplier_id = w.state_id)"""
    sql = f"""
        WITH RECURSIVE {asked} {edges}
        walk(item_id, state_id, depth, path, states) AS (
            SELECT it.id, CAST(%s AS BIGINT), 0, CAST(',' AS TEXT), CAST(%s AS TEXT)
            FROM {i} it LEFT JOIN {o} m ON m.id = it.manufacturer_id
                {_visible("m", verified_only)}
            WHERE (it.country_of_origin_id = %s
                   OR (it.country_of_origin_id IS NULL AND m.country_id = %s))
                  {_visible("it", verified_only)}
            UNION ALL
            SELECT e.next_item, COALESCE(e.next_state, w.state_id), w.depth + 1,
                   w.path || e.kind || CAST(e.ref_id AS TEXT) || ',',
                   w.states || CAST(COALESCE(e.next_state, w.state_id) AS TEXT) || ','
            FROM {step}
            WHERE w.depth < %s
              AND w.state_id <> %s
              AND (COALESCE(e.next_state, w.state_id) = w.state_id
                   OR w.states NOT LIKE '%%,' || CAST(e.next_state AS TEXT) || ',%%')
              AND w.path NOT LIKE '%%,' || e.kind || CAST(e.ref_id AS TEXT) || ',%%'
        ),
        explored AS (SELECT item_id, state_id, depth, path FROM walk LIMIT %s)
        SELECT item_id, path, 0 FROM (
            SELECT item_id, path FROM explored
            WHERE state_id = %s AND depth > 0
            ORDER BY depth, path
            LIMIT %s
        ) found
        UNION ALL
        SELECT NULL, NULL, COUNT(*) FROM explored
    """
    return sql, params


def route_search_params(origin_id: int, destination_id: int, max_hops: int) -> list:
    """The parameters ``_route_sql`` expects after those of its date filter."""
    return [
        origin_id,
        f",{origin_id},",
        origin_id,
        origin_id,
        max_hops,
        destination_id,
        MAX_EXPLORED,
        destination_id,
        MAX_ROUTES + 1,
    ]


def supply_chain_paths(
    *,
    origin: State,
    destination: State,
    on: dt.date | None = None,
    max_hops: int = 6,
    verified_only: bool = True,
) -> Paths:
    """The shortest routes (at most MAX_ROUTES, over at most MAX_NODES nodes) by which items
    originating in ``origin`` reach ``destination``, each hop with the record and evidence
    behind it. Bounded work whatever the data (see ``_route_sql``); a fixed number of queries."""
    sql, params = _route_sql(verified_only=verified_only, on=on)
    params += route_search_params(origin.pk, destination.pk, max_hops)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    explored = next(row[2] for row in rows if row[0] is None)
    rows = [row for row in rows if row[0] is not None]
    truncated = len(rows) > MAX_ROUTES or explored >= MAX_EXPLORED
    rows = rows[:MAX_ROUTES]
    # Each path lists its edges in order; the first item is found from the first edge.
    parsed = [
        [(step[0], int(step[1:])) for step in path.strip(",").split(",")]
        for _, path, _count in rows
    ]
    transfer_ids = {ref for path in parsed for kind, ref in path if kind == "t"}
    integration_ids = {ref for path in parsed for kind, ref in path if kind == "g"}
    evidence = visible_evidence(verified_only=verified_only)
    transfers = (
        Transfer.objects.select_related("supplier", "recipient", "item")
        .prefetch_related(Prefetch("evidence", queryset=evidence))
        .in_bulk(transfer_ids)
    )
    integrations = (
        Integration.objects.select_related("component", "assembly")
        .prefetch_related(Prefetch("evidence", queryset=evidence))
        .in_bulk(integration_ids)
    )
    item_ids = {t.item_id for t in transfers.values()} | {
        x for g in integrations.values() for x in (g.component_id, g.assembly_id)
    }
    items = (
        Item.objects.select_related("manufacturer", "country_of_origin")
        .prefetch_related(Prefetch("evidence", queryset=evidence))
        .in_bulk(item_ids)
    )

    def held_in(assembly: Item) -> int | None:
        # As the search: the assembly's state of origin, else its manufacturer's country.
        if assembly.country_of_origin_id:
            return assembly.country_of_origin_id
        return assembly.manufacturer.country_id if assembly.manufacturer_id else None

    states = State.objects.in_bulk(
        {origin.pk, destination.pk} | {held_in(i) for i in items.values() if held_in(i)}
    )
    routes: list[Route] = []
    nodes: set[tuple[str, int]] = set()
    for path in parsed:
        route, here = Route(), origin
        for index, (kind, ref) in enumerate(path):
            if kind == "t":
                transfer = transfers[ref]
                item = items[transfer.item_id]
                if index == 0:
                    route.hops.append(Hop("origin", None, here, item, item))
                route.hops.append(
                    Hop("transfer", transfer.supplier, transfer.recipient, item, transfer)
                )
                here = transfer.recipient
            else:
                integration = integrations[ref]
                component = items[integration.component_id]
                assembly = items[integration.assembly_id]
                if index == 0:
                    route.hops.append(Hop("origin", None, here, component, component))
                held = states.get(held_in(assembly)) or here
                route.hops.append(
                    Hop("integration", here, held, component, integration, assembly=assembly)
                )
                here = held
        route_nodes = {("state", h.to_state.pk) for h in route.hops} | {
            ("item", x.pk) for h in route.hops for x in (h.item, h.assembly) if x
        }
        if len(nodes | route_nodes) > MAX_NODES:
            truncated = True
            break
        nodes |= route_nodes
        routes.append(route)
    if verified_only:
        # The walk checks each edge's own review state; a route is shown only when everything
        # on it (the states the items are held in included) is visible to the reader.
        routes = [route for route in routes if _route_visible(route)]
    return Paths(origin, destination, on, max_hops, routes, truncated)


def _route_visible(route: Route) -> bool:
    return all(
        record_visible(record, verified_only=True)
        for hop in route.hops
        for record in (hop.record, hop.item, hop.assembly, hop.from_state, hop.to_state)
        if record is not None
    )


#: Rows per page of an aggregated answer (origins, reach): default and most.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
#: The deepest offset a page may start at; further pages need a narrower question.
MAX_OFFSET = 10_000


@dataclass(frozen=True)
class Page:
    """Which rows of an aggregated answer to return."""

    limit: int = PAGE_SIZE
    offset: int = 0


def _day_key(alias: str, *names: str) -> str:
    """SQL for a sortable text form of the first of ``names`` that is set:
    ``YYYY-MM-DD:precision`` (read back with ``_partial``), NULL when none is."""
    whens = " ".join(
        f"WHEN {alias}.{n} IS NOT NULL THEN CAST({alias}.{n} AS TEXT) || ':' "
        f"|| CAST({alias}.{n}_precision AS TEXT)"
        for n in names
    )
    return f"CASE {whens} ELSE NULL END"


def _partial(key: str | None) -> str | None:
    """``2019-10-01:2`` -> ``2019-10``: a date shown at its precision."""
    if key is None:
        return None
    day, precision = key.split(":")
    return format_partial(dt.date.fromisoformat(day[:10]), int(precision))


def _fetch_page(sql: str, params: list, page: Page) -> tuple[list[tuple], bool]:
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT %s OFFSET %s", [*params, page.limit + 1, page.offset])
        rows = cursor.fetchall()
    return rows[: page.limit], len(rows) > page.limit


def _sections_page(sections: list[tuple[str, list]], page: Page) -> tuple[list[tuple], bool]:
    """One page of an answer whose rows come in sections, each read only when the page reaches
    it: at most two queries per section, and none for the sections after the page.

    Each section's SQL ends in ``LIMIT %s OFFSET %s`` (given after its ``params``) and returns
    its rows in order, each ending with the section's number of rows (``COUNT(*) OVER ()``),
    dropped here. A section the page starts after is asked for one row, to learn its size."""
    rows: list[tuple] = []
    skip, want = page.offset, page.limit + 1
    with connection.cursor() as cursor:
        for sql, params in sections:
            if want <= 0:
                break
            cursor.execute(sql, [*params, want, skip])
            found = cursor.fetchall()
            if found:
                rows += [row[:-1] for row in found]
                want -= len(found)
                skip = 0
            elif skip:
                cursor.execute(sql, [*params, 1, 0])
                first = cursor.fetchall()
                skip -= first[0][-1] if first else 0
    return rows[: page.limit], len(rows) > page.limit


@dataclass(frozen=True)
class ReachRow:
    """Where the start items end up, one row per (kind, state, item[, component or conflict]).

    ``kind`` is "integration" (``item`` is an assembly a start item is fitted into, at
    ``depth`` levels; ``state`` its state of origin; ``component`` the part fitted into it),
    "transfer" (``item`` went to the recipient: ``recipient_kind`` says whether it is the state
    ``state``, the non-state party ``party`` operating in ``party_country``, or unknown) or
    "deployment" (``state`` used ``item`` in ``conflict``). ``count`` records;
    ``earliest``/``latest`` their dates at their precision."""

    kind: str
    state: str | None
    state_name: str | None
    recipient_kind: str | None
    party: str | None
    party_name: str | None
    party_country: str | None
    item: str
    item_name: str
    item_kind: str
    component: str | None
    conflict: str | None
    depth: int
    count: int
    earliest: str | None
    latest: str | None


@dataclass
class Reach:
    """One page of where some items end up; ``next_offset`` is None on the last page."""

    title: str
    rows: list[ReachRow]
    page: Page
    has_next: bool


def _lateral(walk: str, walk_key: str, edge_key: str, edges: str, alias: str) -> str:
    """The step of a recursive walk: ``walk`` joined to the rows of ``edges`` (a SELECT whose
    WHERE clause comes last) whose ``edge_key`` is the walk's ``walk_key``, as ``alias``.

    On PostgreSQL the edges are a LATERAL subquery, so each row of the walk is one index lookup:
    with a plain join the planner, which cannot tell how few rows the walk holds, hashes the
    whole edge table at every level. SQLite has no LATERAL, and its nested loop already looks
    the edges up row by row. ``OFFSET 0`` keeps PostgreSQL from pulling the subquery up into a
    plain join again."""
    if connection.vendor == "postgresql":
        return f"{walk} CROSS JOIN LATERAL ({edges} AND {edge_key} = {walk_key} OFFSET 0) {alias}"
    return f"{walk} JOIN ({edges}) {alias} ON {alias}.{edge_key.split('.')[1]} = {walk_key}"


def _tables() -> dict[str, str]:
    from ..models import Conflict, Deployment

    return {
        "transfer": Transfer._meta.db_table,
        "integration": Integration._meta.db_table,
        "item": Item._meta.db_table,
        "organization": Organization._meta.db_table,
        "state": State._meta.db_table,
        "deployment": Deployment._meta.db_table,
        "conflict": Conflict._meta.db_table,
    }


#: The columns of a section of reach (``grouped``), before the names are joined.
REACH_COLUMNS = (
    "kind, state_id, code, side_kind, party_id, item_id, component_id, conflict_id, depth, "
    "records, earliest, latest, total"
)


def supply_chain_reach(
    *,
    start_items,
    title: str = "",
    page: Page = Page(),  # noqa: B008 (frozen)
    verified_only: bool = True,
    max_depth: int = 10,
) -> Reach:
    """Where items end up: the assemblies they are fitted into (at any level), the states that
    received any of them and the conflicts where any of them was used, aggregated per state and
    item with counts and dates, one page at a time.

    Rows come in sections (integrations, transfers, deployments), each grouped and ordered on
    keys (depth, the state's code, then the records' ids) and cut to the page before the names
    shown are joined; a section is read only when the page reaches it (``_sections_page``): at
    most two queries per section whatever the data."""
    x = _tables()
    seed_items = start_items
    if verified_only:
        seed_items = seed_items.filter(review_state=ReviewState.VERIFIED)
    seed_sql, seed_params = seed_items.values("pk").query.sql_with_params()
    assemblies = f"""
        SELECT g.assembly_id, g.component_id FROM {x["integration"]} g
        JOIN {x["item"]} a ON a.id = g.assembly_id
        WHERE 1 = 1 {_visible("g", verified_only)} {_visible("a", verified_only)}"""
    up_step = _lateral("up u", "u.item_id", "g.component_id", assemblies, "g")
    walk = f"""
        WITH RECURSIVE
        up(item_id, depth) AS (
            SELECT it.id, 0 FROM {x["item"]} it WHERE it.id IN ({seed_sql})
            UNION
            SELECT g.assembly_id, u.depth + 1
            FROM {up_step}
            WHERE u.depth < %s
        ),
        reached(item_id, depth) AS (SELECT item_id, MIN(depth) FROM up GROUP BY item_id),
    """
    state = f"LEFT JOIN {x['state']} s ON s.id = {{}} {_visible('s', verified_only)}"
    integrations = f"""
        SELECT 'integration' AS kind, s.id AS state_id, s.code, CAST(NULL AS TEXT) AS side_kind,
               CAST(NULL AS BIGINT) AS party_id, g.assembly_id AS item_id,
               g.component_id AS component_id, CAST(NULL AS BIGINT) AS conflict_id,
               ra.depth AS depth, COUNT(*) AS records,
               MIN({_day_key("g", "start_date")}) AS earliest,
               MAX({_day_key("g", "start_date")}) AS latest, COUNT(*) OVER () AS total
        FROM {x["integration"]} g
        JOIN reached rc ON rc.item_id = g.component_id
        JOIN reached ra ON ra.item_id = g.assembly_id
        JOIN {x["item"]} a ON a.id = g.assembly_id
        LEFT JOIN {x["organization"]} m ON m.id = a.manufacturer_id
            {_visible("m", verified_only)}
        {state.format("COALESCE(a.country_of_origin_id, m.country_id)")}
        WHERE 1 = 1 {_visible("g", verified_only)}
        GROUP BY ra.depth, s.id, s.code, g.assembly_id, g.component_id
        ORDER BY ra.depth, s.code, g.assembly_id, g.component_id"""
    party = f"CASE WHEN t.recipient_kind = '{TransferSide.NON_STATE}' THEN t.recipient_party_id END"
    transfers = f"""
        SELECT 'transfer', s.id, s.code, t.recipient_kind, {party}, t.item_id,
               CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), r.depth, COUNT(*),
               MIN({_day_key("t", "order_date", "delivery_date")}),
               MAX({_day_key("t", "order_date", "delivery_date")}), COUNT(*) OVER ()
        FROM {x["transfer"]} t JOIN reached r ON r.item_id = t.item_id
        {state.format("t.recipient_id")}
        WHERE 1 = 1 {_transfer_visible("t", verified_only)}
        GROUP BY r.depth, s.id, s.code, {party}, t.recipient_kind, t.item_id
        ORDER BY r.depth, s.code, {party}, t.recipient_kind, t.item_id"""
    deployments = f"""
        SELECT 'deployment', s.id, s.code, CAST(NULL AS TEXT), CAST(NULL AS BIGINT), d.item_id,
               CAST(NULL AS BIGINT), k.id, r.depth, COUNT(*),
               MIN({_day_key("d", "start_date")}), MAX({_day_key("d", "start_date")}),
               COUNT(*) OVER ()
        FROM {x["deployment"]} d JOIN reached r ON r.item_id = d.item_id
        {state.format("d.state_id")}
        LEFT JOIN {x["conflict"]} k ON k.id = d.conflict_id {_visible("k", verified_only)}
        WHERE 1 = 1 {_visible("d", verified_only)}
        GROUP BY r.depth, s.id, s.code, d.item_id, k.id
        ORDER BY r.depth, s.code, d.item_id, k.id"""
    names = f"""
        SELECT g.kind, g.code, s.name, g.side_kind, p.slug, p.name, pc.code,
               i.slug, i.name, i.kind, c.slug, k.slug, g.depth,
               g.records, g.earliest, g.latest, g.total
        FROM grouped g
        JOIN {x["item"]} i ON i.id = g.item_id
        LEFT JOIN {x["item"]} c ON c.id = g.component_id
        LEFT JOIN {x["state"]} s ON s.id = g.state_id
        LEFT JOIN {x["organization"]} p ON p.id = g.party_id
        LEFT JOIN {x["state"]} pc ON pc.id = p.country_id {_visible("pc", verified_only)}
        LEFT JOIN {x["conflict"]} k ON k.id = g.conflict_id
        ORDER BY g.depth, g.code, g.party_id, g.side_kind, g.item_id, g.component_id,
                 g.conflict_id"""
    params = [*seed_params, max_depth]
    sections = [
        (f"{walk} grouped({REACH_COLUMNS}) AS ({section} LIMIT %s OFFSET %s) {names}", params)
        for section in (integrations, transfers, deployments)
    ]
    rows, has_next = _sections_page(sections, page)
    return Reach(
        title=title,
        rows=[ReachRow(*row[:-2], _partial(row[-2]), _partial(row[-1])) for row in rows],
        page=page,
        has_next=has_next,
    )


@dataclass(frozen=True)
class OriginRow:
    """Where what a state received comes from, one row per (kind, state, item, received item).

    ``kind`` is "received" (``item`` came from the supplier: ``supplier_kind`` says whether it
    is the state ``from_state``, the non-state party ``from_party`` operating in
    ``from_party_country``, or unknown) or "part" (``item`` is fitted, ``depth`` levels down, into
    ``received_item``; ``from_state`` is the part's state of origin, ``supplier_kind`` null).
    ``transfers`` counts the transfers to the state that brought it; ``earliest``/``latest`` are
    their dates at their precision."""

    kind: str
    from_state: str | None
    from_state_name: str | None
    supplier_kind: str | None
    from_party: str | None
    from_party_name: str | None
    from_party_country: str | None
    item: str
    item_name: str
    item_kind: str
    received_item: str
    depth: int
    transfers: int
    earliest: str | None
    latest: str | None


@dataclass
class Origins:
    """One page of where what a state received comes from."""

    state: State
    rows: list[OriginRow]
    page: Page
    has_next: bool


#: The columns of a section of origins (``grouped``), before the names are joined.
ORIGIN_COLUMNS = (
    "kind, state_id, code, side_kind, party_id, item_id, root_id, depth, transfers, "
    "earliest, latest, total"
)


def supply_chain_origins(
    *,
    state: State,
    page: Page = Page(),  # noqa: B008 (frozen)
    verified_only: bool = True,
    max_depth: int = 10,
) -> Origins:
    """What ``state`` received, from whom, and the parts fitted (at any level) into what it
    received with their states of origin, aggregated with counts and dates, one page at a time.

    Two sections, what was received then the parts, each grouped and ordered on keys (depth,
    the states' codes, then the records' ids) and cut to the page before the names shown are
    joined; the parts are walked only when the page reaches them (``_sections_page``): at most
    four queries whatever the data."""
    x = _tables()
    verified = ReviewState.VERIFIED
    item_visible = (
        f" AND EXISTS (SELECT 1 FROM {x['item']} ri WHERE ri.id = t.item_id"
        f" AND ri.review_state = '{verified}')"
        if verified_only
        else ""
    )
    components = f"""
        SELECT g.component_id, g.assembly_id,
               COALESCE(c.country_of_origin_id, m.country_id) AS state_id
        FROM {x["integration"]} g JOIN {x["item"]} c ON c.id = g.component_id
        LEFT JOIN {x["organization"]} m ON m.id = c.manufacturer_id {_visible("m", verified_only)}
        WHERE 1 = 1 {_visible("g", verified_only)} {_visible("c", verified_only)}"""
    parts_seed = _lateral(
        "(SELECT DISTINCT item_id FROM received) r", "r.item_id", "g.assembly_id", components, "g"
    )
    parts_step = _lateral("parts p", "p.item_id", "g.assembly_id", components, "g")
    walk = f"""
        WITH RECURSIVE
        received(id, item_id, supplier_id, supplier_kind, party_id, day) AS (
            SELECT t.id, t.item_id, t.supplier_id, t.supplier_kind,
                   CASE WHEN t.supplier_kind = '{TransferSide.NON_STATE}'
                        THEN t.supplier_party_id END,
                   {_day_key("t", "order_date", "delivery_date")}
            FROM {x["transfer"]} t
            WHERE t.recipient_id = %s {_transfer_visible("t", verified_only)} {item_visible}
        ),
        parts(root_id, item_id, depth, state_id) AS (
            SELECT g.assembly_id, g.component_id, 1, g.state_id FROM {parts_seed}
            UNION
            SELECT p.root_id, g.component_id, p.depth + 1, g.state_id FROM {parts_step}
            WHERE p.depth < %s
        ),
    """
    state_join = f"LEFT JOIN {x['state']} s ON s.id = {{}} {_visible('s', verified_only)}"
    received = f"""
        SELECT 'received', s.id, s.code, r.supplier_kind, r.party_id, r.item_id, r.item_id, 0,
               COUNT(*), MIN(r.day), MAX(r.day), COUNT(*) OVER ()
        FROM received r {state_join.format("r.supplier_id")}
        GROUP BY s.id, s.code, r.party_id, r.supplier_kind, r.item_id
        ORDER BY s.code, r.party_id, r.supplier_kind, r.item_id"""
    parts = f"""
        SELECT 'part', s.id, s.code, CAST(NULL AS TEXT), CAST(NULL AS BIGINT), p.item_id,
               p.root_id, MIN(p.depth), COUNT(DISTINCT r.id), MIN(r.day), MAX(r.day),
               COUNT(*) OVER ()
        FROM parts p JOIN received r ON r.item_id = p.root_id
        {state_join.format("p.state_id")}
        GROUP BY s.id, s.code, p.item_id, p.root_id
        ORDER BY MIN(p.depth), s.code, p.item_id, p.root_id"""
    names = f"""
        SELECT g.kind, g.code, s.name, g.side_kind, o.slug, o.name, oc.code,
               i.slug, i.name, i.kind, v.slug, g.depth, g.transfers, g.earliest, g.latest,
               g.total
        FROM grouped g
        JOIN {x["item"]} i ON i.id = g.item_id
        JOIN {x["item"]} v ON v.id = g.root_id
        LEFT JOIN {x["state"]} s ON s.id = g.state_id
        LEFT JOIN {x["organization"]} o ON o.id = g.party_id
        LEFT JOIN {x["state"]} oc ON oc.id = o.country_id {_visible("oc", verified_only)}
        ORDER BY g.depth, g.code, g.party_id, g.side_kind, g.item_id, g.root_id"""
    sections = [
        (
            f"{walk} grouped({ORIGIN_COLUMNS}) AS ({section} LIMIT %s OFFSET %s) {names}",
            [state.pk, max_depth],
        )
        for section in (received, parts)
    ]
    rows, has_next = _sections_page(sections, page)
    return Origins(
        state=state,
        rows=[OriginRow(*row[:-2], _partial(row[-2]), _partial(row[-1])) for row in rows],
        page=page,
        has_next=has_next,
    )
