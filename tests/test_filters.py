"""Free-text search ``q`` and the filters' DISTINCT (tracker/filters.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tracker import models
from tracker.filters import TransferFilterSet, joins_many

pytestmark = pytest.mark.django_db

VERIFIED = {"review_state": "verified", "verified_at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}
DRAFT = {"review_state": "draft", "verified_at": None}


@pytest.fixture
def world():
    """Two verified transfers of different items, each with a quote; drafts beside them."""
    ca = f.StateFactory(code="CA", name="Canada", **VERIFIED)
    tr = f.StateFactory(code="TR", name="Turkey", **VERIFIED)
    az = f.StateFactory(code="AZ", name="Azerbaijan", **VERIFIED)
    camera = f.PlatformFactory(
        name="Wescam MX-15", description="Gimbal imaging turret", manufacturer=None,
        country_of_origin=ca, **VERIFIED,
    )  # fmt: skip
    drone = f.PlatformFactory(
        name="Bayraktar TB2", description="Armed drone", manufacturer=None,
        country_of_origin=tr, **VERIFIED,
    )  # fmt: skip
    f.ItemAliasFactory(item=drone, name="Tactical Bird", **VERIFIED)
    f.ItemAliasFactory(item=drone, name="Secretwing", **DRAFT)
    sensor = models.Transfer.objects.create(
        slug="ca-tr-camera",
        supplier=ca,
        recipient=tr,
        item=camera,
        note="Export permit",
        **VERIFIED,
    )
    drones = models.Transfer.objects.create(
        slug="tr-az-drones",
        supplier=tr,
        recipient=az,
        item=drone,
        comments="Combat use",
        **VERIFIED,
    )
    hidden = models.Transfer.objects.create(
        slug="tr-az-hidden", supplier=tr, recipient=az, item=drone, note="Draftmark", **DRAFT
    )
    text = "Ottawa halted sensor exports. Baku received the drones in 2020. Rumour of more."
    source = f.SourceFactory(text=text, **VERIFIED)

    def quote(fact, sentence, **state):
        start = text.index(sentence)
        return models.Evidence.objects.create(
            slug=f"q-{fact.slug}-{start}", source=source, quote=sentence, start=start,
            end=start + len(sentence), transfer=fact, **state,
        )  # fmt: skip

    quote(sensor, "Ottawa halted sensor exports.", **VERIFIED)
    quote(drones, "Baku received the drones in 2020.", **VERIFIED)
    quote(drones, "Rumour of more.", **DRAFT)
    return {"sensor": sensor, "drones": drones, "hidden": hidden, "drone": drone}


def found(client, path, q):
    response = client.get(path, {"q": q})
    assert response.status_code == 200, response.content
    body = response.json()
    return {row.get("slug") for row in body["results"]}, body["count"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ca-tr", {"ca-tr-camera"}),  # slug
        ("canada", {"ca-tr-camera"}),  # supplier's name
        ("azerbaijan", {"tr-az-drones"}),  # recipient's name
        ("wescam", {"ca-tr-camera"}),  # item's name
        ("tactical bird", {"tr-az-drones"}),  # item's alias, both words
        ("export permit", {"ca-tr-camera"}),  # note
        ("COMBAT", {"tr-az-drones"}),  # comments, any case
        ("halted sensor", {"ca-tr-camera"}),  # a quote
        ("baku 2020", {"tr-az-drones"}),  # a quote, words anywhere
        ("turkey", {"ca-tr-camera", "tr-az-drones"}),
        ("turkey wescam", {"ca-tr-camera"}),  # every word must match
    ],
)
def test_q_searches_each_field_of_a_transfer(api_client, world, q, expected):
    assert found(api_client, "/api/transfers/", q) == (expected, len(expected))


@pytest.mark.parametrize(("q", "curators"), [("secretwing", 2), ("rumour", 1), ("draftmark", 1)])
def test_q_never_finds_through_drafts_for_a_reader(api_client, curator, world, q, curators):
    """A draft alias or quote names nothing, and a draft transfer is neither listed nor counted;
    a curator finds them."""
    assert found(api_client, "/api/transfers/", q) == (set(), 0)
    api_client.force_login(curator)
    slugs, count = found(api_client, "/api/transfers/", q)
    assert count == curators and slugs <= {"tr-az-drones", "tr-az-hidden"}


def test_q_over_items_evidence_and_states(api_client, world):
    assert found(api_client, "/api/platforms/", "tactical")[1] == 1  # alias
    assert found(api_client, "/api/platforms/", "imaging turret")[1] == 1  # description
    assert found(api_client, "/api/platforms/", "secretwing")[1] == 0  # draft alias
    assert found(api_client, "/api/platforms/", "halted")[1] == 0  # a transfer's quote
    evidence = api_client.get("/api/evidence/", {"q": "baku"}).json()
    assert [row["quote"] for row in evidence["results"]] == ["Baku received the drones in 2020."]
    assert api_client.get("/api/evidence/", {"q": "rumour"}).json()["count"] == 0


def test_a_record_matching_several_fields_is_listed_once(api_client, world):
    """``q`` unites per-field matches: a transfer matching by name, alias and quote is one row."""
    slugs, count = found(api_client, "/api/transfers/", "b")  # Baku, Bayraktar, Bird
    assert (slugs, count) == ({"tr-az-drones"}, 1)


def test_a_filter_through_foreign_keys_adds_no_distinct(api_client, world):
    with CaptureQueriesContext(connection) as context:
        body = api_client.get("/api/transfers/", {"supplier": "TR", "item": "bayraktar-tb2"})
    assert body.status_code == 200, body.content
    assert [row["slug"] for row in body.json()["results"]] == ["tr-az-drones"]
    assert not any("DISTINCT" in q["sql"] for q in context.captured_queries)


def test_a_filter_through_a_to_many_relation_stays_distinct(api_client, world):
    """A transfer through two of the named intermediaries is still listed once."""
    ge = f.StateFactory(code="GE", **VERIFIED)
    am = f.StateFactory(code="AM", **VERIFIED)
    world["drones"].intermediaries.set([ge, am])
    body = api_client.get("/api/transfers/", {"intermediary": ["GE", "AM"]}).json()
    assert [row["slug"] for row in body["results"]] == ["tr-az-drones"]
    assert body["count"] == 1


def test_joins_many_knows_which_paths_can_repeat_a_record():
    assert not joins_many(models.Transfer, "supplier__code")
    assert not joins_many(models.Transfer, "item__manufacturer__slug")
    assert joins_many(models.Transfer, "intermediaries__code")
    assert joins_many(models.PermitDecision, "scope_items__slug")
    filters = TransferFilterSet().filters
    assert not filters["supplier"].distinct and filters["intermediary"].distinct
    assert not filters["status"].distinct
