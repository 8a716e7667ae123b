"""Real questions over HTTP, after importing SIPRI's rows as a curator does.

The data is the regional extract quickstart ships (real rows of SIPRI's trade register); the
expected answers are computed from the same file with the reader, never written by hand.
"""

import io
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tracker.services.imports.sipri import sipri_read

pytestmark = pytest.mark.django_db

(EXTRACT,) = Path(settings.FIXTURE_DIRS[0]).glob("sipri-*.csv")


@pytest.fixture(scope="module")
def deals():
    return sipri_read(EXTRACT).deals


@pytest.fixture
def imported(curator):
    call_command("import_sipri", str(EXTRACT), verified_by=curator.username, stdout=io.StringIO())
    return curator


def _all(client, url, params):
    """Every row of a paged list, following ``next``."""
    rows, page = [], client.get(url, params)
    while True:
        assert page.status_code == 200, page.content[:300]
        body = page.json()
        rows += body["results"]
        if not body["next"]:
            return rows
        page = client.get(body["next"])


def test_canada_to_chad_through_a_turkish_aircraft_for_curators(imported, api_client):
    """Canada's PT-6A-68T engine is fitted to the Hurkus (read from SIPRI's comment: a draft),
    Turkey sells Hurkus-C to Chad: a curator sees the chain; a reader does not, until a curator
    verifies the drafts."""
    params = {"from": "CA", "to": "TD"}
    anonymous = api_client.get("/api/supply-chain/paths/", params)
    assert anonymous.status_code == 200 and anonymous.json()["routes"] == []
    api_client.force_authenticate(imported)
    answer = api_client.get("/api/supply-chain/paths/", params).json()
    chains = {
        tuple((h["kind"], h["from_state"], h["to_state"], h["record"]) for h in route["hops"])
        for route in answer["routes"]
    }
    engine_routes = [
        chain
        for chain in chains
        if [kind for kind, *_ in chain] == ["origin", "integration", "transfer"]
        and "pt-6a-68t" in chain[1][3]
        and "hurkus" in chain[1][3]
    ]
    assert engine_routes, answer
    (origin, fitted, sold) = engine_routes[0]
    assert (origin[2], fitted[1], fitted[2], sold[1], sold[2]) == ("CA", "CA", "TR", "TR", "TD")
    records = {r["slug"]: r for r in answer["records"]}
    quotes = [e["quote"] for e in records[fitted[3]]["evidence"]]
    assert any("for Hurkus trainer/combat aircraft from Turkey" in q for q in quotes), quotes


def test_bayraktar_tb2_deliveries_from_turkey(imported, api_client, deals):
    expected = defaultdict(int)
    for deal in deals:
        if deal.designation == "Bayraktar TB2" and deal.supplier.state_code == "TR":
            expected[deal.recipient.state_code] += deal.number_delivered or 0
    assert expected  # the extract carries Turkey's TB2 exports
    (item,) = _all(api_client, "/api/platforms/", {"q": "Bayraktar TB2"})
    rows = _all(api_client, "/api/transfers/", {"supplier": "TR", "item": item["slug"]})
    delivered = defaultdict(int)
    for row in rows:
        delivered[row["recipient"]] += row["quantity_delivered"] or 0
    assert dict(delivered) == dict(expected)
    assert {"AZ", "UA"} <= set(delivered)


def _kind(party) -> str:
    return party.kind.value if party.kind.value in ("state", "unknown") else "non_state"


def _side(kind: str, code: str | None) -> str:
    return f"state:{code}" if kind == "state" else kind


def test_suppliers_of_azerbaijan_by_year(imported, api_client, deals):
    """Every deal SIPRI records for Azerbaijan, by order year and supplier (a curator sees the
    drafts too: deals whose item was read from Comments)."""
    expected = sorted(
        (
            deal.order_year,
            _side(_kind(deal.supplier), deal.supplier.state_code),
        )
        for deal in deals
        if deal.recipient.state_code == "AZ" and deal.order_year
    )
    api_client.force_authenticate(imported)
    rows = _all(api_client, "/api/transfers/", {"recipient": "AZ", "ordering": "order_date"})
    got = [
        (int(row["order_date"][:4]), _side(row["supplier_kind"], row["supplier"]))
        for row in rows
        if row["order_date"]
    ]
    assert [year for year, _ in got] == sorted(year for year, _ in got)  # ordered by year
    assert sorted(got) == expected
    assert {"state:RU", "state:IL", "state:TR"} <= {s for _, s in got}


def test_deals_to_a_non_state_party(imported, api_client, deals):
    expected = [d for d in deals if d.recipient.kind.value not in ("state", "unknown")]
    assert expected  # e.g. Turkey's deliveries to Libya GNC and to Syrian rebels
    api_client.force_authenticate(imported)
    rows = _all(api_client, "/api/transfers/", {"recipient_kind": "non_state"})
    assert len(rows) == len(expected)
    assert all(row["recipient"] is None and row["recipient_party"] for row in rows)
    assert any("libya" in row["recipient_party"] for row in rows)
    party = rows[0]["recipient_party"]
    by_party = _all(api_client, "/api/transfers/", {"party": party})
    assert by_party and all(party in (r["recipient_party"], r["supplier_party"]) for r in by_party)
