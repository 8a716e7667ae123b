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
    assert "Plough shares" in integration["evidence"][0]["quote"]
    assert all(h["evidence"] for h in route["hops"])


def test_no_route_the_other_way(api_client, seed):
    response = api_client.get("/api/supply-chain/paths/", {"from": "AZ", "to": "CA"})
    assert response.json()["routes"] == []


@pytest.mark.parametrize(
    ("day", "status", "certain"),
    [
        ("2019-09-30", "open", True),
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
    "path",
    [
        "/api/supply-chain/paths/?from=CA&to=AZ",
        "/api/permit-status/?authority=CA&target=TR&on=2020-10-10",
    ],
)
def test_answers_as_graph_and_svg(api_client, seed, path):
    graph = api_client.get(path + "&format=graph").json()
    assert {"nodes", "edges"} <= set(graph)
    labels = {n["label"] for n in graph["nodes"]}
    assert "Canada" in labels
    svg = api_client.get(path + "&format=svg")
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert svg.content.startswith(b"<svg") and b"Canada" in svg.content


def test_draft_facts_are_not_routes_for_anonymous_users(api_client, seed):
    from tracker.models import Transfer

    Transfer.objects.update(review_state="draft", verified_at=None)
    body = api_client.get("/api/supply-chain/paths/", {"from": "CA", "to": "AZ"}).json()
    assert body["routes"] == []


def test_reach_of_the_wescam_systems(api_client, seed):
    body = api_client.get(
        "/api/supply-chain/reach/", {"component": "l3harris-wescam-imaging-and-targeting-systems"}
    ).json()
    assert [(g["component"], g["assembly"]) for g in body["integrations"]] == [
        ("l3harris-wescam-imaging-and-targeting-systems", "turkish-drones")
    ]
    assert [(t["supplier"], t["recipient"]) for t in body["transfers"]] == [("TR", "AZ")]
    assert [(d["state"], d["conflict"]) for d in body["deployments"]] == [
        ("AZ", "nagorno-karabakh-2020")
    ]


def test_reach_of_a_parent_company_includes_its_units_goods(api_client, seed):
    body = api_client.get(
        "/api/supply-chain/reach/", {"organization": "l3harris-technologies"}
    ).json()
    assert "l3harris-wescam-imaging-and-targeting-systems" in {i["slug"] for i in body["items"]}
    assert body["deployments"]


def test_reach_needs_exactly_one_start(api_client, seed):
    response = api_client.get("/api/supply-chain/reach/", {"state": "CA", "organization": "nato"})
    assert response.status_code == 400


def test_origins_of_what_azerbaijan_received(api_client, seed):
    body = api_client.get("/api/supply-chain/origins/", {"state": "AZ"}).json()
    assert [(r["supplier"], r["item"]) for r in body["received"]] == [("TR", "turkish-drones")]
    (part,) = body["parts"]
    assert (part["slug"], part["origin_state"], part["manufacturer"]) == (
        "l3harris-wescam-imaging-and-targeting-systems",
        "CA",
        "l3harris-wescam",
    )
    assert part["integration_evidence"][0]["claim_status"] == "alleged"


def test_turkeys_timeline_in_date_order(api_client, seed):
    body = api_client.get("/api/states/TR/timeline/").json()
    decisions = [(e["date"], e["key"], e["role"]) for e in body if e["kind"] == "permit_decision"]
    assert decisions == [
        ("2019-10", "ca-freeze-tr-2019-10", "target"),
        ("2020-05", "ca-lift-tr-2020-05", "target"),
        ("2020-10-05", "ca-suspend-tr-2020-10-05", "target"),
    ]
    kinds = {e["kind"] for e in body}
    assert {"transfer", "conflict_role"} <= kinds
    assert body[-1]["date"] is None  # undated events come last


def test_unknown_state_timeline_is_404(api_client, seed):
    assert api_client.get("/api/states/QQ/timeline/").status_code == 404


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
