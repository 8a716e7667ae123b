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
    assert {i.pk for i in reach.items} == {sensor.pk, turret.pk, tank.pk}
    assert [t.recipient for t in reach.transfers] == [b]


def test_origins_query_count_does_not_grow():
    from tracker.selectors.supply_chain import supply_chain_origins

    def build(n):
        buyer = f.StateFactory()
        for _ in range(n):
            platform = f.PlatformFactory()
            f.IntegrationFactory(assembly=platform)
            f.TransferFactory(recipient=buyer, item=platform)
        return buyer

    small, large = build(2), build(15)
    with CaptureQueriesContext(connection) as few:
        assert len(supply_chain_origins(state=small, verified_only=False).integrations) == 2
    with CaptureQueriesContext(connection) as many:
        assert len(supply_chain_origins(state=large, verified_only=False).integrations) == 15
    assert len(many) == len(few)


def test_reach_and_timeline_query_counts_do_not_grow():
    from tracker.models import Item
    from tracker.selectors.supply_chain import supply_chain_reach
    from tracker.selectors.timeline import state_timeline

    def build(n):
        maker, buyer = f.StateFactory(), f.StateFactory()
        sensor = f.ItemFactory(country_of_origin=maker)
        for _ in range(n):
            platform = f.PlatformFactory(country_of_origin=maker)
            f.IntegrationFactory(component=sensor, assembly=platform)
            f.TransferFactory(supplier=maker, recipient=buyer, item=platform)
            f.DeploymentFactory(item=platform, state=buyer)
            f.PermitDecisionFactory(authority=maker, target_state=buyer)
        return sensor, buyer

    counts = []
    for n in (2, 12):
        sensor, buyer = build(n)
        with CaptureQueriesContext(connection) as reach_queries:
            reach = supply_chain_reach(
                start_items=Item.objects.filter(pk=sensor.pk), verified_only=False
            )
            assert len(reach.transfers) == n
        with CaptureQueriesContext(connection) as timeline_queries:
            assert len(state_timeline(state=buyer, verified_only=False)) == 3 * n
        counts.append((len(reach_queries), len(timeline_queries)))
    assert counts[0] == counts[1]


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
