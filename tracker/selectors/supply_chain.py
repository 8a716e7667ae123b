"""Supply-chain traversal: routes by which technology from one state reaches another.

The graph's nodes are (item, state) pairs: an item held in a state. Edges are transfers (the item
moves from the supplier to the recipient) and integrations (a component ends up in the assembly
it is fitted to, which is held in the assembly's state of origin). Routes start at items that
originate in the first state and end when they are held in the second.

The walk is one recursive CTE (portable to SQLite and PostgreSQL), bounded in depth and never
using the same edge twice in a route, so cycles end; the records on the routes are then fetched
in a fixed number of queries whatever the size of the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch

from ..choices import ReviewState
from ..models import Evidence, Integration, Item, Organization, State, Transfer
from ..querysets import visible_evidence, with_visible_evidence

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


def _route_sql(*, verified_only: bool, on: dt.date | None) -> tuple[str, list]:
    """The bounded route search and the parameters of its date filter.

    The caller appends ``[origin, origin, origin, ",origin,", max_hops, destination,
    MAX_EXPLORED, destination, MAX_ROUTES + 1]``. Rows are ``(item_id, path, 0)`` for each route
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
    transfer_when = ""
    integration_when = ""
    if on is not None:
        # Only what had happened by that day: a transfer ordered or delivered by then, an
        # integration that had started by then (or whose start is unknown).
        transfer_when = (
            " AND (t.order_date <= %s OR t.delivery_date <= %s"
            " OR (t.order_date IS NULL AND t.delivery_date IS NULL))"
        )
        integration_when = " AND (g.start_date IS NULL OR g.start_date <= %s)"
    sql = f"""
        WITH RECURSIVE
        edges(kind, ref_id, item_id, supplier_id, next_item, next_state) AS (
            SELECT 't', t.id, t.item_id, t.supplier_id, t.item_id, t.recipient_id
            FROM {t} t WHERE 1 = 1 {_visible("t", verified_only)} {transfer_when}
            UNION ALL
            SELECT 'g', g.id, g.component_id, NULL, g.assembly_id,
                   COALESCE(a.country_of_origin_id, ao.country_id)
            FROM {g} g JOIN {i} a ON a.id = g.assembly_id
            LEFT JOIN {o} ao ON ao.id = a.manufacturer_id
            WHERE 1 = 1 {_visible("g", verified_only)} {_visible("a", verified_only)}
            {integration_when}
        ),
        walk(item_id, state_id, depth, path, states) AS (
            SELECT it.id, CAST(%s AS BIGINT), 0, CAST(',' AS TEXT), CAST(%s AS TEXT)
            FROM {i} it LEFT JOIN {o} m ON m.id = it.manufacturer_id
            WHERE (it.country_of_origin_id = %s
                   OR (it.country_of_origin_id IS NULL AND m.country_id = %s))
                  {_visible("it", verified_only)}
            UNION ALL
            SELECT e.next_item, COALESCE(e.next_state, w.state_id), w.depth + 1,
                   w.path || e.kind || CAST(e.ref_id AS TEXT) || ',',
                   w.states || CAST(COALESCE(e.next_state, w.state_id) AS TEXT) || ','
            FROM walk w JOIN edges e
              ON e.item_id = w.item_id
             AND (e.supplier_id IS NULL OR e.supplier_id = w.state_id)
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
    if on is not None:
        params += [on, on, on]
    return sql, params


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
    params += [
        origin.pk,
        f",{origin.pk},",
        origin.pk,
        origin.pk,
        max_hops,
        destination.pk,
        MAX_EXPLORED,
        destination.pk,
        MAX_ROUTES + 1,
    ]
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
        Transfer.objects.select_related("supplier", "recipient")
        .prefetch_related(Prefetch("evidence", queryset=evidence))
        .in_bulk(transfer_ids)
    )
    integrations = Integration.objects.prefetch_related(
        Prefetch("evidence", queryset=evidence)
    ).in_bulk(integration_ids)
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
    return Paths(origin, destination, on, max_hops, routes, truncated)


def integration_closure(
    *, item_ids: set[int], direction: str, verified_only: bool, max_depth: int = 10
) -> set[int]:
    """Ids of the integrations reachable from ``item_ids``: ``up`` to the assemblies they are
    fitted to, ``down`` to the components fitted to them. One recursive query; UNION and the
    depth bound end cycles."""
    if not item_ids:
        return set()
    table = Integration._meta.db_table
    start, follow = (
        ("component_id", "assembly_id") if direction == "up" else ("assembly_id", "component_id")
    )
    placeholders = ", ".join(["%s"] * len(item_ids))
    visible = _visible("g", verified_only)
    sql = f"""
        WITH RECURSIVE reach(integration_id, next_id, depth) AS (
            SELECT g.id, g.{follow}, 1 FROM {table} g
            WHERE g.{start} IN ({placeholders}) {visible}
            UNION
            SELECT g.id, g.{follow}, reach.depth + 1
            FROM {table} g JOIN reach ON g.{start} = reach.next_id
            WHERE reach.depth < %s {visible}
        )
        SELECT DISTINCT integration_id FROM reach
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*sorted(item_ids), max_depth])
        return {row[0] for row in cursor.fetchall()}


@dataclass
class Reach:
    """Downstream of some items: assemblies they are fitted to, transfers, deployments."""

    items: list[Item]
    integrations: list[Integration]
    transfers: list[Transfer]
    deployments: list


def supply_chain_reach(*, start_items, verified_only: bool = True, max_depth: int = 10) -> Reach:
    """Where items end up: the platforms they are fitted to (at any level), the states that
    received any of them, the conflicts where any of them was deployed. Constant queries."""
    from ..models import Deployment

    start = with_visible_evidence(start_items, verified_only=verified_only)
    start_ids = set(start.values_list("pk", flat=True))
    integration_ids = integration_closure(
        item_ids=start_ids, direction="up", verified_only=verified_only, max_depth=max_depth
    )
    integrations = list(
        with_visible_evidence(
            Integration.objects.filter(pk__in=integration_ids), verified_only=verified_only
        )
        .select_related("component", "assembly")
        .order_by("pk")
    )
    all_ids = start_ids | {g.assembly_id for g in integrations}
    items = list(
        with_visible_evidence(
            Item.objects.filter(pk__in=all_ids), verified_only=verified_only
        ).select_related("country_of_origin", "manufacturer")
    )
    transfers = list(
        with_visible_evidence(
            Transfer.objects.filter(item_id__in=all_ids), verified_only=verified_only
        )
        .select_related("supplier", "recipient", "item")
        .order_by("order_date", "pk")
    )
    deployments = list(
        with_visible_evidence(
            Deployment.objects.filter(item_id__in=all_ids), verified_only=verified_only
        )
        .select_related("item", "state", "conflict")
        .order_by("pk")
    )
    return Reach(items, integrations, transfers, deployments)


@dataclass
class Origins:
    """What a state received and, through integrations, where every part comes from."""

    state: State
    transfers: list[Transfer]
    integrations: list[Integration]
    items: list[Item]


def supply_chain_origins(
    *, state: State, verified_only: bool = True, max_depth: int = 10
) -> Origins:
    received = list(
        with_visible_evidence(Transfer.objects.filter(recipient=state), verified_only=verified_only)
        .select_related("supplier", "item")
        .order_by("order_date", "pk")
    )
    received_ids = {t.item_id for t in received}
    integration_ids = integration_closure(
        item_ids=received_ids, direction="down", verified_only=verified_only, max_depth=max_depth
    )
    integrations = list(
        with_visible_evidence(
            Integration.objects.filter(pk__in=integration_ids), verified_only=verified_only
        )
        .select_related("component", "assembly")
        .order_by("pk")
    )
    item_ids = received_ids | {g.component_id for g in integrations}
    items = list(
        with_visible_evidence(
            Item.objects.filter(pk__in=item_ids), verified_only=verified_only
        ).select_related("country_of_origin", "manufacturer", "manufacturer__country")
    )
    return Origins(state, received, integrations, items)
