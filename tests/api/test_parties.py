"""Transfer sides over HTTP: a state, a non-state party (with the state it operates in) or
unknown, written, read, filtered and shown in the supply-chain answers; never a state where there
is none."""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests import factories as f
from tracker import models
from tracker.choices import OrganizationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_api(curator):
    client = APIClient()
    client.force_authenticate(curator)
    return client


@pytest.fixture
def world(db):
    """Iran, Lebanon, Turkey, Azerbaijan; Hezbollah operating in Lebanon; the United Nations;
    Iranian rockets, a Turkish drone. All verified."""
    iran = f.StateFactory(code="IR", name="Iran")
    lebanon = f.StateFactory(code="LB", name="Lebanon")
    turkey = f.StateFactory(code="TR", name="Turkey")
    azerbaijan = f.StateFactory(code="AZ", name="Azerbaijan")
    hezbollah = f.PartyFactory(name="Hezbollah", slug="hezbollah", country=lebanon)
    un = f.OrganizationFactory(
        name="United Nations",
        slug="united-nations",
        kind=OrganizationKind.INTERNATIONAL_ORGANIZATION,
        country=None,
    )
    maker = f.OrganizationFactory(name="Iranian maker", slug="iranian-maker", country=iran)
    rockets = f.ItemFactory(
        name="Fajr-5", slug="fajr-5", manufacturer=maker, country_of_origin=iran
    )
    drone = f.PlatformFactory(
        name="Bayraktar TB2", slug="bayraktar-tb2", manufacturer=None, country_of_origin=turkey
    )
    for record in (iran, lebanon, turkey, azerbaijan, hezbollah, un, maker, rockets, drone):
        f.verify(record)
    return {
        "IR": iran,
        "LB": lebanon,
        "TR": turkey,
        "AZ": azerbaijan,
        "hezbollah": hezbollah,
        "un": un,
        "rockets": rockets,
        "drone": drone,
    }


def create(client, **body):
    return client.post("/api/transfers/", body, format="json")


def test_a_deal_to_a_non_state_party_is_written_and_read(world, curator_api):
    response = create(
        curator_api,
        supplier="IR",
        recipient_kind="non_state",
        recipient_party="hezbollah",
        item="fajr-5",
        order_date="2006",
        quantity=100,
        quantity_estimated=True,
        condition="new",
        tiv_per_unit="0.0500",
        comments="Fajr-5 rockets",
    )
    assert response.status_code == 201, response.content
    transfer = models.Transfer.objects.get()
    assert (transfer.supplier_kind, transfer.supplier.code) == ("state", "IR")
    assert (transfer.recipient_kind, transfer.recipient, transfer.recipient_party.slug) == (
        "non_state",
        None,
        "hezbollah",
    )
    assert transfer.quantity_estimated and transfer.tiv_per_unit == Decimal("0.05")
    row = curator_api.get(f"/api/transfers/{transfer.pk}/").json()
    assert {k: row[k] for k in ("supplier_kind", "supplier", "recipient_kind", "recipient")} == {
        "supplier_kind": "state",
        "supplier": "IR",
        "recipient_kind": "non_state",
        "recipient": None,
    }
    assert (row["recipient_party"], row["condition"], row["quantity"]) == (
        "hezbollah",
        "new",
        100,
    )
    assert row["slug"] == "ir-hezbollah-fajr-5-2006"


def test_a_deal_from_an_unknown_supplier_to_the_united_nations(world, curator_api):
    response = create(
        curator_api,
        supplier_kind="unknown",
        recipient_kind="non_state",
        recipient_party="united-nations",
        item="bayraktar-tb2",
    )
    assert response.status_code == 201, response.content
    row = response.json()
    assert (row["supplier_kind"], row["supplier"], row["supplier_party"]) == (
        "unknown",
        None,
        None,
    )
    assert (row["recipient_party"], row["recipient_organization"]) == ("united-nations", None)
    assert row["slug"].startswith("unknown-united-nations-bayraktar-tb2")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"recipient_kind": "non_state", "recipient": "LB"}, "recipient_party"),
        (
            {
                "recipient_kind": "non_state",
                "recipient": "LB",
                "recipient_party": "hezbollah",
            },
            "recipient",
        ),
        ({"recipient_kind": "state"}, "recipient"),
        (
            {"recipient_kind": "unknown", "recipient_party": "hezbollah"},
            "recipient_party",
        ),
        ({"recipient_kind": "unknown", "recipient": "LB"}, "recipient"),
        ({"recipient": "LB", "recipient_party": "hezbollah"}, "recipient_party"),
        ({"recipient_kind": "non_state", "recipient_organization": "hezbollah"}, "recipient_party"),
        ({"supplier_kind": "non_state", "recipient": "LB"}, "supplier"),
        ({"recipient_kind": "rebels", "recipient": "LB"}, "recipient_kind"),
    ],
)
def test_an_inconsistent_side_answers_400_naming_the_field_and_writes_nothing(
    world, curator_api, body, field
):
    body = {"supplier": "IR", "item": "fajr-5", **body}
    if body.get("supplier_kind") == "non_state":
        body["supplier"] = "IR"
    response = create(curator_api, **body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not models.Transfer.objects.exists()


def test_a_non_state_side_with_the_company_that_sold_is_written_read_and_shown(
    world, curator_api, api_client
):
    """Iran -> Hezbollah, sold by an Iranian maker: the side is the party, the company apart."""
    response = create(
        curator_api,
        supplier="IR",
        supplier_organization="iranian-maker",
        recipient_kind="non_state",
        recipient_party="hezbollah",
        item="fajr-5",
        order_date="2006",
    )
    assert response.status_code == 201, response.content
    transfer = models.Transfer.objects.get()
    assert (
        transfer.supplier.code,
        transfer.supplier_organization.slug,
        transfer.recipient_party.slug,
        transfer.recipient_organization,
    ) == ("IR", "iranian-maker", "hezbollah", None)
    assert transfer.slug == "ir-hezbollah-fajr-5-2006"
    f.verify(transfer)
    row = api_client.get(f"/api/transfers/{transfer.pk}/").json()
    assert {k: row[k] for k in ("supplier", "supplier_organization", "recipient_party")} == {
        "supplier": "IR",
        "supplier_organization": "iranian-maker",
        "recipient_party": "hezbollah",
    }
    # A non-state recipient with the force that received it: both kept, each in its field.
    patched = curator_api.patch(
        f"/api/transfers/{transfer.pk}/",
        {"recipient_organization": "united-nations"},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["recipient_party"], patched.json()["recipient_organization"]) == (
        "hezbollah",
        "united-nations",
    )
    summaries = [r["summary"] for r in api_client.get("/api/states/IR/timeline/").json()["results"]]
    assert summaries == ["IR → Hezbollah (non-state, in LB): Fajr-5 (2006)"]


def test_the_party_filter_matches_the_party_not_the_company(world, api_client):
    """The company that sold is no party: ``party`` does not find it; ``supplier_organization``
    does."""
    sold = f.TransferFactory(
        supplier=world["IR"],
        supplier_organization=f.OrganizationFactory(slug="seller"),
        recipient_kind="non_state",
        recipient=None,
        recipient_party=world["hezbollah"],
        item=world["rockets"],
    )
    bought = f.TransferFactory(
        supplier=world["TR"], recipient=world["AZ"], item=world["drone"],
        recipient_organization=world["un"],
    )  # fmt: skip
    f.verify(sold)
    f.verify(bought)
    for record in (sold.supplier_organization, bought.recipient_organization):
        f.verify(record)
    assert ids(api_client, party="hezbollah") == {sold.pk}
    assert ids(api_client, party="seller") == set()
    assert ids(api_client, party="united-nations") == set()
    assert ids(api_client, supplier_organization="seller") == {sold.pk}
    assert ids(api_client, recipient_organization="united-nations") == {bought.pk}
    assert ids(api_client, recipient_party="hezbollah") == {sold.pk}
    assert ids(api_client, recipient_party_id=world["hezbollah"].pk) == {sold.pk}
    assert ids(api_client, supplier_party="hezbollah") == set()
    assert ids(api_client, q="Hezbollah") == {sold.pk}


def test_a_side_changes_kind_in_a_partial_update(world, curator_api):
    transfer = f.TransferFactory(supplier=world["IR"], recipient=world["LB"], item=world["rockets"])
    url = f"/api/transfers/{transfer.pk}/"
    refused = curator_api.patch(url, {"recipient_kind": "non_state"}, format="json")
    assert refused.status_code == 400 and set(refused.json()) == {
        "recipient",
        "recipient_party",
    }
    response = curator_api.patch(
        url,
        {"recipient_kind": "non_state", "recipient": None, "recipient_party": "hezbollah"},
        format="json",
    )
    assert response.status_code == 200, response.content
    transfer.refresh_from_db()
    assert (transfer.recipient_id, transfer.recipient_party_id) == (
        None,
        world["hezbollah"].pk,
    )


@pytest.fixture
def deals(world):
    """IR -> Hezbollah (2006, two deliveries), TR -> AZ (2020), unknown -> AZ (2019, withdrawn by
    a newer release), IR -> UN (2010): verified."""
    to_party = f.TransferFactory(
        supplier=world["IR"],
        recipient_kind="non_state",
        recipient=None,
        recipient_party=world["hezbollah"],
        item=world["rockets"],
        order_date=dt.date(2006, 1, 1),
    )
    models.TransferDelivery.objects.create(transfer=to_party, year=2006, number=60)
    models.TransferDelivery.objects.create(
        transfer=to_party, year=2007, number=40, number_estimated=True
    )
    state_deal = f.TransferFactory(
        supplier=world["TR"], recipient=world["AZ"], item=world["drone"],
        order_date=dt.date(2020, 1, 1),
    )  # fmt: skip
    release = f.SourceFactory(title="SIPRI Arms Transfers Database, 2025 release")
    f.verify(release)
    unknown = f.TransferFactory(
        supplier_kind="unknown", supplier=None, recipient=world["AZ"], item=world["drone"],
        order_date=dt.date(2019, 1, 1), withdrawn_by_source=release,
    )  # fmt: skip
    to_un = f.TransferFactory(
        supplier=world["IR"],
        recipient_kind="non_state",
        recipient=None,
        recipient_party=world["un"],
        item=world["rockets"],
        order_date=dt.date(2010, 1, 1),
    )
    for record in (to_party, state_deal, unknown, to_un):
        f.verify(record)
    return {"to_party": to_party, "state": state_deal, "unknown": unknown, "to_un": to_un,
            "release": release}  # fmt: skip


def ids(client, **params):
    response = client.get("/api/transfers/", params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_filters_by_side(deals, api_client):
    d = deals
    assert ids(api_client, supplier="TR", recipient="AZ") == {d["state"].pk}
    assert ids(api_client, supplier_kind="non_state") == set()
    assert ids(api_client, recipient_kind="non_state") == {d["to_party"].pk, d["to_un"].pk}
    assert ids(api_client, supplier_kind="unknown") == {d["unknown"].pk}
    assert ids(api_client, party="hezbollah") == {d["to_party"].pk}
    assert ids(api_client, party=["hezbollah", "united-nations"]) == {
        d["to_party"].pk,
        d["to_un"].pk,
    }
    assert ids(api_client, recipient_party="united-nations") == {d["to_un"].pk}
    assert ids(api_client, withdrawn="true") == {d["unknown"].pk}
    assert len(ids(api_client, withdrawn="false")) == 3
    assert ids(api_client, withdrawn_by_source_id=d["release"].pk) == {d["unknown"].pk}
    assert ids(api_client, q="hezbollah") == {d["to_party"].pk}
    ordered = api_client.get("/api/transfers/", {"ordering": "recipient_kind"}).json()
    assert ordered["results"][0]["recipient_kind"] == "non_state"
    bad = api_client.get("/api/transfers/", {"withdrawn": "maybe"})
    assert bad.status_code == 400 and "withdrawn" in bad.json()
    assert api_client.get("/api/transfers/", {"party": "nobody"}).status_code == 400


def test_a_deal_shows_its_deliveries_and_its_release(deals, api_client):
    row = api_client.get(f"/api/transfers/{deals['to_party'].pk}/").json()
    assert row["deliveries"] == [
        {"year": 2006, "year_estimated": False, "number": 60, "number_estimated": False,
         "tiv": None},
        {"year": 2007, "year_estimated": False, "number": 40, "number_estimated": True,
         "tiv": None},
    ]  # fmt: skip
    withdrawn = api_client.get(f"/api/transfers/{deals['unknown'].pk}/").json()
    assert (withdrawn["withdrawn_by_source"], withdrawn["withdrawn_by_source_title"]) == (
        deals["release"].pk,
        "SIPRI Arms Transfers Database, 2025 release",
    )


def test_the_timeline_names_the_party_and_where_it_operates(deals, api_client):
    rows = api_client.get("/api/states/IR/timeline/").json()["results"]
    summaries = [row["summary"] for row in rows if row["kind"] == "transfer"]
    assert summaries == [
        "IR → Hezbollah (non-state, in LB): Fajr-5 (2006)",
        "IR → United Nations (non-state): Fajr-5 (2010)",
    ]
    azerbaijan = api_client.get("/api/states/AZ/timeline/").json()["results"]
    assert "unknown supplier → AZ: Bayraktar TB2 (2019)" in [row["summary"] for row in azerbaijan]
    # Lebanon is where Hezbollah operates, not a side of the deal.
    assert api_client.get("/api/states/LB/timeline/").json()["results"] == []


def test_reach_lists_the_party_never_as_a_state(deals, api_client):
    rows = api_client.get("/api/supply-chain/reach/", {"component": "fajr-5"}).json()["results"]
    transfers = [r for r in rows if r["kind"] == "transfer"]
    assert [
        (r["recipient_kind"], r["state"], r["party"], r["party_country"]) for r in transfers
    ] == [
        ("non_state", None, "hezbollah", "LB"),
        ("non_state", None, "united-nations", None),
    ]
    graph = api_client.get(
        "/api/supply-chain/reach/", {"component": "fajr-5", "format": "graph"}
    ).json()
    labels = {n["id"]: n["label"] for n in graph["nodes"]}
    assert labels["party:hezbollah"] == "Hezbollah (non-state, in LB)"
    assert "state:LB" not in labels


def test_origins_show_an_unknown_supplier_as_unknown(deals, api_client):
    rows = api_client.get("/api/supply-chain/origins/", {"state": "AZ"}).json()["results"]
    received = {(r["supplier_kind"], r["from_state"], r["item"]) for r in rows}
    assert received == {("state", "TR", "bayraktar-tb2"), ("unknown", None, "bayraktar-tb2")}
    svg = api_client.get("/api/supply-chain/origins/", {"state": "AZ", "format": "svg"})
    assert b"unknown supplier" in svg.content


def test_routes_do_not_pass_through_a_non_state_party(world, api_client):
    """Iran -> Hezbollah is no route to Lebanon, where Hezbollah operates; an unknown supplier
    is not Turkey."""
    f.verify(
        f.TransferFactory(
            supplier=world["IR"], recipient=None, recipient_kind="non_state",
            recipient_party=world["hezbollah"], item=world["rockets"],
        )
    )  # fmt: skip
    f.verify(
        f.TransferFactory(
            supplier=None, supplier_kind="unknown", recipient=world["AZ"], item=world["drone"]
        )
    )
    for origin, destination in (("IR", "LB"), ("TR", "AZ")):
        answer = api_client.get(
            "/api/supply-chain/paths/", {"from": origin, "to": destination}
        ).json()
        assert answer["routes"] == [], (origin, destination)


def test_a_deal_to_a_draft_party_is_not_public(world, api_client, curator_api):
    militia = f.PartyFactory(name="Draft militia", slug="draft-militia", country=world["LB"])
    transfer = f.TransferFactory(
        supplier=world["IR"], recipient=None, recipient_kind="non_state",
        recipient_party=militia, item=world["rockets"],
    )  # fmt: skip
    # Verified directly, past the verification rule (which would verify the party with it).
    models.Transfer.objects.filter(pk=transfer.pk).update(
        review_state="verified", verified_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    )
    assert api_client.get(f"/api/transfers/{transfer.pk}/").status_code == 404
    assert ids(api_client, recipient_kind="non_state") == set()
    assert api_client.get("/api/states/IR/timeline/").json()["results"] == []
    reach = api_client.get("/api/supply-chain/reach/", {"component": "fajr-5"}).json()
    assert [r for r in reach["results"] if r["kind"] == "transfer"] == []
    assert curator_api.get(f"/api/transfers/{transfer.pk}/").status_code == 200
