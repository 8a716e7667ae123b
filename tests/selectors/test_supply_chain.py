"""Route finding over larger graphs: re-exports, cycles, depth bound, dates, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tracker.selectors.supply_chain import supply_chain_paths

pytestmark = pytest.mark.django_db


def states(n):
    return [f.StateFactory() for _ in range(n)]


def test_re_export_through_an_intermediary_is_a_route():
    a, b, c = states(3)
    gun = f.PlatformFactory(country_of_origin=a, manufacturer=None)
    f.TransferFactory(supplier=a, recipient=b, item=gun)
    f.TransferFactory(supplier=b, recipient=c, item=gun)
    result = supply_chain_paths(origin=a, destination=c, verified_only=False)
    (route,) = result.routes
    assert [(h.kind, h.to_state.code) for h in route.hops] == [
        ("origin", a.code),
        ("transfer", b.code),
        ("transfer", c.code),
    ]


def test_a_transfer_from_a_state_that_never_held_the_item_is_not_a_route():
    a, b, c = states(3)
    gun = f.PlatformFactory(country_of_origin=a, manufacturer=None)
    f.TransferFactory(supplier=b, recipient=c, item=gun)
    assert supply_chain_paths(origin=a, destination=c, verified_only=False).routes == []


def test_cycles_end_and_each_edge_is_used_once_per_route():
    a, b, c = states(3)
    gun = f.PlatformFactory(country_of_origin=a, manufacturer=None)
    f.TransferFactory(supplier=a, recipient=b, item=gun)
    f.TransferFactory(supplier=b, recipient=a, item=gun, order_date=dt.date(2020, 1, 1))
    f.TransferFactory(supplier=b, recipient=c, item=gun)
    result = supply_chain_paths(origin=a, destination=c, max_hops=10, verified_only=False)
    lengths = sorted(len(r.hops) for r in result.routes)
    # a-b-a-b-c would use the a-b transfer twice, so the only route is a-b-c.
    assert lengths == [3]


def test_depth_is_bounded():
    chain = states(6)
    gun = f.PlatformFactory(country_of_origin=chain[0], manufacturer=None)
    for supplier, recipient in zip(chain, chain[1:], strict=False):
        f.TransferFactory(supplier=supplier, recipient=recipient, item=gun)
    assert (
        supply_chain_paths(
            origin=chain[0], destination=chain[-1], max_hops=4, verified_only=False
        ).routes
        == []
    )
    assert supply_chain_paths(
        origin=chain[0], destination=chain[-1], max_hops=5, verified_only=False
    ).routes


def test_on_a_day_only_what_had_happened_counts():
    a, b = states(2)
    gun = f.PlatformFactory(country_of_origin=a, manufacturer=None)
    f.TransferFactory(supplier=a, recipient=b, item=gun, order_date=dt.date(2021, 1, 1))
    assert (
        supply_chain_paths(
            origin=a, destination=b, on=dt.date(2020, 6, 1), verified_only=False
        ).routes
        == []
    )
    assert supply_chain_paths(
        origin=a, destination=b, on=dt.date(2021, 6, 1), verified_only=False
    ).routes


def test_multi_level_integration_is_followed():
    a, b, c = states(3)
    sensor = f.ItemFactory(country_of_origin=a, manufacturer=None)
    turret = f.ItemFactory(country_of_origin=b, manufacturer=None)
    tank = f.PlatformFactory(country_of_origin=b, manufacturer=None)
    f.IntegrationFactory(component=sensor, assembly=turret)
    f.IntegrationFactory(component=turret, assembly=tank)
    f.TransferFactory(supplier=b, recipient=c, item=tank)
    (route,) = supply_chain_paths(origin=a, destination=c, verified_only=False).routes
    assert [h.kind for h in route.hops] == ["origin", "integration", "integration", "transfer"]


def test_query_count_does_not_grow_with_routes():
    def build(n):
        a, c = f.StateFactory(), f.StateFactory()
        for _ in range(n):
            b = f.StateFactory()
            gun = f.PlatformFactory(country_of_origin=a, manufacturer=None)
            f.TransferFactory(supplier=a, recipient=b, item=gun)
            f.TransferFactory(supplier=b, recipient=c, item=gun)
        return a, c

    small = build(2)
    with CaptureQueriesContext(connection) as few:
        assert (
            len(
                supply_chain_paths(
                    origin=small[0], destination=small[1], verified_only=False
                ).routes
            )
            == 2
        )
    large = build(20)
    with CaptureQueriesContext(connection) as many:
        assert (
            len(
                supply_chain_paths(
                    origin=large[0], destination=large[1], verified_only=False
                ).routes
            )
            == 20
        )
    assert len(many) == len(few)


def test_reach_follows_assemblies_upward_without_looping():
    from tracker.models import Item
    from tracker.selectors.supply_chain import supply_chain_reach

    a, b = states(2)
    sensor, turret, tank = f.ItemFactory(), f.ItemFactory(), f.PlatformFactory()
    f.IntegrationFactory(component=sensor, assembly=turret)
    f.IntegrationFactory(component=turret, assembly=tank)
    f.TransferFactory(supplier=a, recipient=b, item=tank)
    reach = supply_chain_reach(start_items=Item.objects.filter(pk=sensor.pk), verified_only=False)
    rows = [(r.kind, r.item, r.component, r.depth, r.state) for r in reach.rows]
    assert rows == [
        ("integration", turret.slug, sensor.slug, 1, turret.country_of_origin.code),
        ("integration", tank.slug, turret.slug, 2, tank.country_of_origin.code),
        ("transfer", tank.slug, None, 2, b.code),
    ]


def test_reach_aggregates_per_state_and_item_with_counts_and_dates():
    from tracker.choices import DatePrecision
    from tracker.models import Item
    from tracker.selectors.supply_chain import supply_chain_reach

    a, b = states(2)
    gun = f.PlatformFactory(country_of_origin=a)
    for day, precision in [
        (dt.date(2019, 1, 1), DatePrecision.YEAR),
        (dt.date(2020, 5, 1), DatePrecision.MONTH),
        (dt.date(2021, 3, 4), DatePrecision.DAY),
    ]:
        f.TransferFactory(
            supplier=a, recipient=b, item=gun, order_date=day, order_date_precision=precision
        )
    (row,) = supply_chain_reach(
        start_items=Item.objects.filter(pk=gun.pk), verified_only=False
    ).rows
    assert (row.kind, row.state, row.count, row.earliest, row.latest) == (
        "transfer",
        b.code,
        3,
        "2019",
        "2021-03-04",
    )


def test_origins_aggregate_and_page_in_one_query(django_assert_max_num_queries):
    """Many transfers of the same item from the same supplier are one row; pages follow on."""
    from tracker.choices import DatePrecision
    from tracker.selectors.supply_chain import Page, supply_chain_origins

    buyer, seller = states(2)
    platforms = [f.PlatformFactory() for _ in range(5)]
    for platform in platforms:
        for year in (2019, 2020):
            f.TransferFactory(
                supplier=seller,
                recipient=buyer,
                item=platform,
                order_date=dt.date(year, 1, 1),
                order_date_precision=DatePrecision.YEAR,
            )
        f.IntegrationFactory(assembly=platform)
    with django_assert_max_num_queries(1):
        first = supply_chain_origins(state=buyer, page=Page(limit=4), verified_only=False)
    assert first.has_next and len(first.rows) == 4
    assert {r.transfers for r in first.rows if r.kind == "received"} == {2}
    rest = supply_chain_origins(state=buyer, page=Page(limit=100, offset=4), verified_only=False)
    assert not rest.has_next
    rows = first.rows + rest.rows
    assert [r.kind for r in rows].count("received") == 5
    assert [r.kind for r in rows].count("part") == 5
    assert len({(r.kind, r.item) for r in rows}) == 10


@pytest.mark.parametrize("n", [30, 120])
def test_origins_and_reach_query_counts_do_not_grow(django_assert_max_num_queries, n):
    """Two queries at most per section of rows (reach: integrations, transfers, deployments;
    origins: received, parts), whatever the number of rows and whichever page is asked."""
    from tracker.models import Item
    from tracker.selectors.supply_chain import Page, supply_chain_origins, supply_chain_reach

    maker, buyer = states(2)
    sensor = f.ItemFactory(country_of_origin=maker)
    for _ in range(n):
        platform = f.PlatformFactory(country_of_origin=maker)
        f.IntegrationFactory(component=sensor, assembly=platform)
        f.TransferFactory(supplier=maker, recipient=buyer, item=platform)
        f.DeploymentFactory(item=platform, state=buyer)
    start = Item.objects.filter(pk=sensor.pk)
    for offset in (0, n - 10, 2 * n - 25):  # starting in each section
        with django_assert_max_num_queries(6):
            reach = supply_chain_reach(
                start_items=start, page=Page(offset=offset), verified_only=False
            )
        assert len(reach.rows) == 50 and reach.has_next
    with django_assert_max_num_queries(4):
        origins = supply_chain_origins(state=buyer, page=Page(offset=n - 5), verified_only=False)
    assert [row.kind for row in origins.rows] == ["received"] * 5 + ["part"] * min(45, n)
    assert origins.has_next == (n - 5 + 50 < 2 * n)


def test_reach_pages_run_through_the_sections_in_order():
    """Following the pages lists every row once, integrations before transfers before
    deployments, as one answer read at once does."""
    from tracker.models import Item
    from tracker.selectors.supply_chain import Page, supply_chain_reach

    maker, buyer = states(2)
    sensor = f.ItemFactory(country_of_origin=maker)
    for _ in range(7):
        platform = f.PlatformFactory(country_of_origin=maker)
        f.IntegrationFactory(component=sensor, assembly=platform)
        f.TransferFactory(supplier=maker, recipient=buyer, item=platform)
        f.DeploymentFactory(item=platform, state=buyer)
    start = Item.objects.filter(pk=sensor.pk)
    whole = supply_chain_reach(start_items=start, page=Page(limit=500), verified_only=False)
    assert [r.kind for r in whole.rows] == ["integration"] * 7 + ["transfer"] * 7 + [
        "deployment"
    ] * 7
    paged, offset = [], 0
    while True:
        page = supply_chain_reach(
            start_items=start, page=Page(limit=4, offset=offset), verified_only=False
        )
        paged += page.rows
        if not page.has_next:
            break
        offset += 4
    assert paged == whole.rows


def test_timeline_query_count_does_not_grow_and_pages(django_assert_max_num_queries):
    from tracker.selectors.supply_chain import Page
    from tracker.selectors.timeline import state_timeline

    maker, buyer = states(2)
    for _ in range(12):
        platform = f.PlatformFactory(country_of_origin=maker)
        f.TransferFactory(supplier=maker, recipient=buyer, item=platform)
        f.DeploymentFactory(item=platform, state=buyer)
        f.PermitDecisionFactory(authority=maker, target_state=buyer)
    # Four kinds of events, each with its evidence, and the ids of the first transfers: nine
    # queries whatever the number of rows.
    with django_assert_max_num_queries(9):
        timeline = state_timeline(state=buyer, page=Page(limit=10), verified_only=False)
    assert len(timeline.entries) == 10 and timeline.has_next
    everything = state_timeline(state=buyer, page=Page(limit=100), verified_only=False)
    assert len(everything.entries) == 36 and not everything.has_next
    second = state_timeline(state=buyer, page=Page(limit=10, offset=10), verified_only=False)
    assert [e.record for e in second.entries] == [e.record for e in everything.entries[10:20]]


def dense_graph(n_states=8):
    """Every state transfers the same item to every other state: n * (n - 1) transfers, and
    more routes between two states than any answer may hold."""
    chain = states(n_states)
    gun = f.PlatformFactory(country_of_origin=chain[0], manufacturer=None)
    for supplier in chain:
        for recipient in chain:
            if supplier != recipient:
                f.TransferFactory(supplier=supplier, recipient=recipient, item=gun)
    return chain


def test_dense_graph_answers_a_capped_set_of_shortest_routes(django_assert_max_num_queries):
    """56 transfers among 8 states, 9 hops: the search is bounded, the answer holds at most
    MAX_ROUTES routes, shortest first, none returning to a state, and says it is truncated."""
    from tracker.selectors.supply_chain import MAX_ROUTES

    chain = dense_graph()
    with django_assert_max_num_queries(8):
        result = supply_chain_paths(
            origin=chain[0], destination=chain[1], max_hops=9, verified_only=False
        )
    assert result.truncated
    assert len(result.routes) == MAX_ROUTES
    lengths = [len(r.hops) for r in result.routes]
    assert lengths == sorted(lengths) and lengths[0] == 2  # origin, then the direct transfer
    for route in result.routes:
        visited = [h.to_state.pk for h in route.hops]
        assert len(visited) == len(set(visited))
        assert visited[-1] == chain[1].pk


def test_search_cut_short_is_reported_as_truncated(monkeypatch):
    """When the walk reaches MAX_EXPLORED partial routes it stops and says so, even if the
    routes it found fit the answer."""
    from tracker.selectors import supply_chain

    chain = dense_graph(6)
    monkeypatch.setattr(supply_chain, "MAX_EXPLORED", 10)
    result = supply_chain_paths(
        origin=chain[0], destination=chain[1], max_hops=9, verified_only=False
    )
    assert result.truncated
    assert 1 <= len(result.routes) <= 10


def test_routes_are_capped_by_the_nodes_they_hold(monkeypatch):
    from tracker.selectors import supply_chain

    chain = dense_graph(6)
    monkeypatch.setattr(supply_chain, "MAX_NODES", 4)
    result = supply_chain_paths(origin=chain[0], destination=chain[1], verified_only=False)
    assert result.truncated
    nodes = {h.to_state.pk for r in result.routes for h in r.hops}
    assert len(nodes) + 1 <= 4  # the states plus the one item
