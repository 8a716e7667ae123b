"""The seed questions, answered from the seed fixture through HTTP."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed(db):
    call_command(
        "loaddata", "states", "control_list_categories", "trtworld-2020-10-06", verbosity=0
    )


def test_route_from_canada_to_azerbaijan(api_client, seed):
    """Canada -> Wescam systems -> fitted to Turkish drones -> Turkey -> Azerbaijan."""
    response = api_client.get("/api/supply-chain/paths/", {"from": "CA", "to": "AZ"})
    assert response.status_code == 200
    (route,) = response.json()["routes"]
    steps = [
        (h["kind"], h["from_state"], h["item"], h["assembly"], h["to_state"]) for h in route["hops"]
    ]
    assert steps == [
        ("origin", None, "l3harris-wescam-imaging-and-targeting-systems", None, "CA"),
        (
            "integration",
            "CA",
            "l3harris-wescam-imaging-and-targeting-systems",
            "turkish-drones",
            "TR",
        ),
        ("transfer", "TR", "turkish-drones", None, "AZ"),
    ]
    integration = route["hops"][1]
    assert integration["claim_status"] == "alleged"
    records = {r["slug"]: r for r in response.json()["records"]}
    assert "Plough shares" in records[integration["record"]]["evidence"][0]["quote"]
    assert all(records[h["record"]]["evidence"] for h in route["hops"])
    assert response.json()["truncated"] is False


def test_no_route_the_other_way(api_client, seed):
    response = api_client.get("/api/supply-chain/paths/", {"from": "AZ", "to": "CA"})
    assert response.json()["routes"] == []


@pytest.mark.parametrize(
    ("day", "status", "certain"),
    [
        ("2019-09-30", "no_recorded_decision", False),
        ("2020-01-15", "frozen", True),
        ("2020-05-15", "uncertain", False),
        ("2020-07-01", "open", True),
        ("2020-10-10", "suspended", True),
    ],
)
def test_canadas_permit_status_toward_turkey(api_client, seed, day, status, certain):
    response = api_client.get("/api/permit-status/", {"authority": "CA", "target": "TR", "on": day})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["certain"]) == (status, certain)


def test_uncertain_day_names_the_possible_statuses_and_the_chain(api_client, seed):
    body = api_client.get(
        "/api/permit-status/", {"authority": "CA", "target": "TR", "on": "2020-05-15"}
    ).json()
    assert body["possible_statuses"] == ["frozen", "open"]
    chain = {d["slug"]: d["state_on_day"] for d in body["chain"]}
    assert chain == {
        "ca-freeze-tr-2019-10": "possibly in force",
        "ca-lift-tr-2020-05": "possibly in force",
    }


def test_drone_suspension_is_reported_with_its_evidence(api_client, seed):
    body = api_client.get(
        "/api/permit-status/", {"authority": "CA", "target": "TR", "on": "2020-10-10"}
    ).json()
    (suspension,) = body["in_force"]
    assert suspension["slug"] == "ca-suspend-tr-2020-10-05"
    assert suspension["scope_description"] == "some drone technology"
    assert any("on Monday" in e["quote"] for e in suspension["evidence"])


def test_item_not_named_in_a_worded_scope_is_uncertain(api_client, seed):
    body = api_client.get(
        "/api/permit-status/",
        {
            "authority": "CA",
            "target": "TR",
            "on": "2020-10-10",
            "item": "l3harris-wescam-imaging-and-targeting-systems",
        },
    ).json()
    assert body["status"] == "uncertain"
    assert body["possible_statuses"] == ["suspended", "open"]


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/api/supply-chain/paths/", {"from": "XX", "to": "AZ"}, "from"),
        ("/api/supply-chain/paths/", {"from": "CA"}, "to"),
        ("/api/supply-chain/paths/", {"from": "CA", "to": "AZ", "max_hops": "0"}, "max_hops"),
        ("/api/supply-chain/paths/", {"from": "CA", "to": "AZ", "on": "May"}, "on"),
        ("/api/permit-status/", {"authority": "CA", "target": "TR"}, "on"),
        ("/api/permit-status/", {"authority": "CA", "target": "TR", "on": "2020-02-30"}, "on"),
        ("/api/permit-status/", {"authority": "CA", "target": "TR", "on": "May"}, "on"),
        ("/api/supply-chain/paths/", {"from": "CA", "to": "CA"}, "to"),
        ("/api/supply-chain/origins/", {"state": "AZ", "limit": "0"}, "limit"),
        ("/api/supply-chain/origins/", {"state": "AZ", "offset": "10001"}, "offset"),
        ("/api/supply-chain/reach/", {"state": "CA", "limit": "501"}, "limit"),
        ("/api/states/TR/timeline/", {"date_after": "%"}, "date_after"),
        ("/api/states/TR/timeline/", {"offset": "-1"}, "offset"),
        (
            "/api/permit-status/",
            {"authority": "CA", "target": "TR", "on": "2020-01-01", "item": "nothing"},
            "item",
        ),
    ],
)
def test_bad_parameters_answer_400_naming_them(api_client, seed, path, params, name):
    response = api_client.get(path, params)
    assert response.status_code == 400
    assert name in response.json()


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/api/supply-chain/paths/?from=CA&to=AZ", "Canada"),
        ("/api/permit-status/?authority=CA&target=TR&on=2020-10-10", "Canada"),
        ("/api/supply-chain/origins/?state=AZ", "Canada"),
        ("/api/supply-chain/reach/?state=CA", "Azerbaijan"),
    ],
)
def test_answers_as_graph_and_svg(api_client, seed, path, label):
    graph = api_client.get(path + "&format=graph").json()
    assert {"nodes", "edges"} <= set(graph)
    labels = {n["label"] for n in graph["nodes"]}
    assert label in labels
    svg = api_client.get(path + "&format=svg")
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert svg.content.startswith(b"<svg") and label.encode() in svg.content


def test_draft_facts_are_not_routes_for_anonymous_users(api_client, seed):
    from tracker.models import Transfer

    Transfer.objects.update(review_state="draft", verified_at=None)
    body = api_client.get("/api/supply-chain/paths/", {"from": "CA", "to": "AZ"}).json()
    assert body["routes"] == []


def test_reach_of_the_wescam_systems(api_client, seed):
    """Fitted to the Turkish drones, which went to Azerbaijan and were used in Nagorno-Karabakh:
    one row per (kind, state, item), with counts."""
    body = api_client.get(
        "/api/supply-chain/reach/", {"component": "l3harris-wescam-imaging-and-targeting-systems"}
    ).json()
    rows = [
        (r["kind"], r["state"], r["item"], r["component"], r["conflict"], r["depth"], r["count"])
        for r in body["results"]
    ]
    assert rows == [
        (
            "integration",
            "TR",
            "turkish-drones",
            "l3harris-wescam-imaging-and-targeting-systems",
            None,
            1,
            1,
        ),
        ("transfer", "AZ", "turkish-drones", None, None, 1, 1),
        ("deployment", "AZ", "turkish-drones", None, "nagorno-karabakh-2020", 1, 1),
    ]
    assert body["next"] is None


def test_reach_of_a_parent_company_includes_its_units_goods(api_client, seed):
    body = api_client.get(
        "/api/supply-chain/reach/", {"organization": "l3harris-technologies"}
    ).json()
    assert "turkish-drones" in {r["item"] for r in body["results"]}
    assert any(r["kind"] == "deployment" for r in body["results"])


def test_reach_needs_exactly_one_start(api_client, seed):
    response = api_client.get("/api/supply-chain/reach/", {"state": "CA", "organization": "nato"})
    assert response.status_code == 400


def test_reach_of_a_draft_answers_as_a_missing_slug(api_client, seed, curator):
    from tracker.models import Item

    Item.objects.filter(slug="turkish-drones").update(review_state="draft", verified_at=None)
    draft = api_client.get("/api/supply-chain/reach/", {"component": "turkish-drones"})
    missing = api_client.get("/api/supply-chain/reach/", {"component": "no-such-item"})
    assert draft.status_code == missing.status_code == 400
    assert b"Turkish" not in draft.content
    api_client.force_authenticate(curator)
    assert (
        api_client.get("/api/supply-chain/reach/", {"component": "turkish-drones"}).status_code
        == 200
    )


def test_origins_of_what_azerbaijan_received(api_client, seed):
    body = api_client.get("/api/supply-chain/origins/", {"state": "AZ"}).json()
    rows = [
        (r["kind"], r["from_state"], r["item"], r["received_item"], r["depth"], r["transfers"])
        for r in body["results"]
    ]
    assert rows == [
        ("received", "TR", "turkish-drones", "turkish-drones", 0, 1),
        ("part", "CA", "l3harris-wescam-imaging-and-targeting-systems", "turkish-drones", 1, 1),
    ]
    assert (body["next"], body["previous"]) == (None, None)


def test_turkeys_timeline_in_date_order(api_client, seed):
    body = api_client.get("/api/states/TR/timeline/").json()["results"]
    decisions = [(e["date"], e["key"], e["role"]) for e in body if e["kind"] == "permit_decision"]
    assert decisions == [
        ("2019-10", "ca-freeze-tr-2019-10", "target"),
        ("2020-05", "ca-lift-tr-2020-05", "target"),
        ("2020-10-05", "ca-suspend-tr-2020-10-05", "target"),
    ]
    kinds = {e["kind"] for e in body}
    assert {"transfer", "conflict_role"} <= kinds
    assert body[-1]["date"] is None  # undated events come last


@pytest.mark.parametrize(
    ("params", "keys"),
    [
        ({"date_after": "2020"}, ["ca-lift-tr-2020-05", "ca-suspend-tr-2020-10-05"]),
        ({"date_before": "2020-05"}, ["ca-freeze-tr-2019-10", "ca-lift-tr-2020-05"]),
        ({"date_after": "2020-05-15", "date_before": "2020-06"}, ["ca-lift-tr-2020-05"]),
    ],
)
def test_timeline_takes_the_lists_date_range(api_client, seed, params, keys):
    """Partial dates, overlapping periods, undated events left out, as the lists do."""
    body = api_client.get("/api/states/TR/timeline/", params).json()["results"]
    assert [e["key"] for e in body] == keys


def test_timeline_pages_follow_next(api_client, seed):
    everything = api_client.get("/api/states/TR/timeline/").json()["results"]
    seen, url = [], "/api/states/TR/timeline/?limit=2"
    while url:
        body = api_client.get(url).json()
        assert len(body["results"]) <= 2
        seen += body["results"]
        url = body["next"]
    assert seen == everything and len(seen) > 2


def test_unknown_state_timeline_is_404(api_client, seed):
    assert api_client.get("/api/states/ZZ/timeline/").status_code == 404


def test_draft_quotes_stay_out_of_permit_status_for_anonymous_users(api_client, seed, curator):
    """A verified decision can carry a draft quote; only curators see it."""
    from tests import factories as f
    from tracker.models import PermitDecision

    suspension = PermitDecision.objects.get(slug="ca-suspend-tr-2020-10-05")
    source = f.SourceFactory(text="Ottawa froze permits to Ankara on Monday, officials said.")
    f.EvidenceFactory(
        source=source, quote="Ottawa froze permits", transfer=None, permit_decision=suspension
    )
    params = {"authority": "CA", "target": "TR", "on": "2020-10-10"}

    def quotes(client):
        body = client.get("/api/permit-status/", params).json()
        return {e["quote"] for e in body["in_force"][0]["evidence"]}

    assert "Ottawa froze permits" not in quotes(api_client)
    api_client.force_authenticate(curator)
    assert "Ottawa froze permits" in quotes(api_client)


def test_no_recorded_decision_claims_no_status(api_client, seed):
    """A day before any recorded decision: the data says nothing, so no status is claimed."""
    body = api_client.get(
        "/api/permit-status/", {"authority": "CA", "target": "TR", "on": "2019-01-01"}
    ).json()
    assert (body["status"], body["certain"], body["possible_statuses"]) == (
        "no_recorded_decision",
        False,
        [],
    )
    assert body["chain"] == [] and body["in_force"] == []


def test_a_decision_possibly_first_names_no_record_as_the_alternative(api_client, seed):
    """Mid-October 2019 the freeze (known to October) may not have started, and nothing was
    recorded before it: the alternative is no recorded decision, not open."""
    body = api_client.get(
        "/api/permit-status/", {"authority": "CA", "target": "TR", "on": "2019-10-15"}
    ).json()
    assert (body["status"], body["possible_statuses"]) == (
        "uncertain",
        ["frozen", "no_recorded_decision"],
    )


def test_partial_restriction_says_so_and_names_its_scope(api_client, seed):
    body = api_client.get(
        "/api/permit-status/", {"authority": "CA", "target": "TR", "on": "2020-10-10"}
    ).json()
    assert (body["status"], body["certain"], body["partial"]) == ("suspended", True, True)
    assert body["scope"] == {
        "kind": "items",
        "description": "some drone technology",
        "items": [],
        "categories": [],
        "manufacturer": None,
    }
    assert "(partial)" in body["title"]


def test_a_full_restriction_is_not_partial(api_client, seed):
    body = api_client.get(
        "/api/permit-status/", {"authority": "CA", "target": "TR", "on": "2020-01-15"}
    ).json()
    assert (body["status"], body["partial"], body["scope"]) == ("frozen", False, None)


def test_a_year_answers_its_start_and_every_change(api_client, seed):
    body = api_client.get(
        "/api/permit-status/", {"authority": "CA", "target": "TR", "on": "2020"}
    ).json()
    assert (body["on"], body["status"], body["certain"]) == ("2020", "frozen", True)
    changes = [(c["date"], c["event"], c["decision"], c["status"]) for c in body["changes"]]
    assert changes == [
        ("2020-05", "starts", "ca-lift-tr-2020-05", "open"),
        ("2020-10-05", "starts", "ca-suspend-tr-2020-10-05", "suspended"),
    ]


def test_a_month_answers_its_start_and_its_changes(api_client, seed):
    october = api_client.get(
        "/api/permit-status/", {"authority": "CA", "target": "TR", "on": "2019-10"}
    ).json()
    assert october["status"] == "uncertain"  # the freeze "in October" may apply on the 1st
    assert [(c["date"], c["status"]) for c in october["changes"]] == [("2019-10", "frozen")]
    day = api_client.get(
        "/api/permit-status/", {"authority": "CA", "target": "TR", "on": "2020-10-10"}
    ).json()
    assert day["changes"] == []


def dense(n_states=8):
    """n states, each transferring the same verified item to every other: 56 transfers for 8."""
    from tests import factories as f
    from tracker.models import Item, State, Transfer

    chain = [f.StateFactory() for _ in range(n_states)]
    gun = f.PlatformFactory(country_of_origin=chain[0], manufacturer=None)
    for supplier in chain:
        for recipient in chain:
            if supplier != recipient:
                f.TransferFactory(supplier=supplier, recipient=recipient, item=gun)
    from django.utils import timezone

    for model in (Item, State, Transfer):
        model.objects.update(review_state="verified", verified_at=timezone.now())
    return chain


@pytest.mark.django_db
def test_a_dense_graph_answers_capped_and_small(api_client, django_assert_max_num_queries):
    """The reproduction: 56 transfers among 8 states, 9 hops. The answer is capped, says so,
    stays small, and costs the same number of queries as a tiny one."""
    from tracker.selectors.supply_chain import MAX_ROUTES

    chain = dense()
    url = f"/api/supply-chain/paths/?from={chain[0].code}&to={chain[1].code}&max_hops=9"
    # 13 on PostgreSQL: the statement timeout adds its savepoint and settings; the throttle's
    # shared counter 4 more (read, count, check, write; and a savepoint on PostgreSQL); none
    # per row.
    with django_assert_max_num_queries(20):
        response = api_client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["truncated"] is True
    assert len(body["routes"]) == MAX_ROUTES
    assert len(response.content) < 200_000
    slugs = [r["slug"] for r in body["records"]]
    assert len(slugs) == len(set(slugs)) <= 1 + 56  # each record once, with its evidence
    assert {h["record"] for r in body["routes"] for h in r["hops"]} == set(slugs)
    svg = api_client.get(url + "&format=svg")
    assert svg.status_code == 200 and svg.content.startswith(b"<svg")


@pytest.mark.django_db
def test_reach_and_origins_pages_follow_next(api_client):
    chain = dense(5)
    seen, url = [], f"/api/supply-chain/reach/?state={chain[0].code}&limit=2"
    while url:
        body = api_client.get(url).json()
        assert len(body["results"]) <= 2
        seen += [(r["kind"], r["state"], r["item"]) for r in body["results"]]
        url = body["next"]
    # The item reached all five states (its maker's too, re-exported back): one row each.
    assert len(seen) == len(set(seen)) == 5
    body = api_client.get(f"/api/supply-chain/origins/?state={chain[1].code}&limit=1").json()
    assert len(body["results"]) == 1 and body["next"] and body["previous"] is None


@pytest.mark.requires_postgres
@pytest.mark.django_db
def test_a_runaway_query_answers_503_and_the_limit_ends_with_the_request(
    api_client, settings, monkeypatch
):
    """PostgreSQL cancels a statement running past TRACKER_STATEMENT_TIMEOUT_MS: the answer is
    a clear 503, and later statements run without the limit."""
    from django.db import connection

    from tracker.api import supply_chain

    chain = dense(3)

    def slow(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")

    settings.TRACKER_STATEMENT_TIMEOUT_MS = 50
    monkeypatch.setattr(supply_chain, "supply_chain_paths", slow)
    response = api_client.get(
        "/api/supply-chain/paths/", {"from": chain[0].code, "to": chain[1].code}
    )
    assert response.status_code == 503
    assert "took longer" in response.json()["detail"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


@pytest.mark.requires_postgres
@pytest.mark.django_db
def test_the_statement_timeout_is_set_for_the_answer_only(api_client, settings, monkeypatch):
    from django.db import connection

    from tracker.api import supply_chain

    chain = dense(3)
    seen, real = [], supply_chain.supply_chain_paths

    def record(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            seen.append(cursor.fetchone()[0])
        return real(**kwargs)

    settings.TRACKER_STATEMENT_TIMEOUT_MS = 1234
    monkeypatch.setattr(supply_chain, "supply_chain_paths", record)
    response = api_client.get(
        "/api/supply-chain/paths/", {"from": chain[0].code, "to": chain[1].code}
    )
    assert response.status_code == 200
    assert seen == ["1234ms"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


def json_schema(node):
    """OpenAPI 3.0 -> JSON Schema: ``nullable: true`` becomes a null alternative."""
    if isinstance(node, list):
        return [json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [{k: v for k, v in node.items()}, {"type": "null"}]}
    return node


@pytest.mark.parametrize(
    ("route", "query"),
    [
        ("/api/supply-chain/paths/", "?from=CA&to=AZ"),
        ("/api/supply-chain/origins/", "?state=AZ"),
        ("/api/supply-chain/reach/", "?component=l3harris-wescam-imaging-and-targeting-systems"),
        ("/api/permit-status/", "?authority=CA&target=TR&on=2020"),
        ("/api/permit-status/", "?authority=CA&target=TR&on=2019-01-01"),
        ("/api/states/{code}/timeline/", "?limit=2"),
    ],
)
def test_answers_match_their_openapi_schema(api_client, seed, route, query):
    """Every field the answer holds is declared, with its type; nulls only where nullable."""
    import jsonschema

    document = api_client.get("/api/schema/", {"format": "json"}).json()
    declared = document["paths"][route]["get"]["responses"]["200"]["content"]["application/json"]
    schema = json_schema({**declared["schema"], "components": document["components"]})

    def closed(node):
        """No undeclared field may appear."""
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
            for value in node.values():
                closed(value)
        elif isinstance(node, list):
            for value in node:
                closed(value)

    closed(schema)
    body = api_client.get(route.replace("{code}", "TR") + query).json()
    jsonschema.validate(body, schema)
