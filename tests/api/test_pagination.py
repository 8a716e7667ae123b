"""Keyset cursor pages on the large lists, page numbers on the small ones, and honest counts."""

from __future__ import annotations

import datetime as dt
from base64 import b64encode
from decimal import Decimal
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tracker import models
from tracker.api.pagination import KeysetCursorPagination, bounded_count
from tracker.choices import DatePrecision, TransferStatus

pytestmark = pytest.mark.django_db

VERIFIED = {"review_state": "verified", "verified_at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(KeysetCursorPagination, "page_size", 3)


@pytest.fixture
def sides():
    supplier = f.StateFactory(code="CA", **VERIFIED)
    recipient = f.StateFactory(code="TR", **VERIFIED)
    item = f.PlatformFactory(manufacturer=None, country_of_origin=None, **VERIFIED)
    return supplier, recipient, item


def make_transfers(sides, n: int, **fields) -> list[models.Transfer]:
    """``n`` verified transfers; dates repeat (ties) and every fifth has none."""
    supplier, recipient, item = sides
    rows = []
    for i in range(n):
        dated = i % 5 != 4
        rows.append(
            models.Transfer(
                slug=f"deal-{n}-{i}-{fields.get('review_state', 'v')}",
                supplier=supplier,
                recipient=recipient,
                item=item,
                order_date=dt.date(2000 + i % 3, 1, 1) if dated else None,
                order_date_precision=DatePrecision.YEAR if dated else None,
                quantity=(i % 4) or None,
                tiv_total_order=Decimal(i % 3) if i % 2 else None,
                status=[TransferStatus.DELIVERED, TransferStatus.ORDERED][i % 2],
                **{**VERIFIED, **fields},
            )
        )
    return models.Transfer.objects.bulk_create(rows)


def walk(client, url, params=None, direction="next"):
    """Every row of every page, following ``direction`` links; also the number of pages."""
    seen, pages = [], 0
    response = client.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        pages += 1
        if not body[direction]:
            return seen, pages, body
        response = client.get(body[direction])


def expected(transfers, term: str) -> list[int]:
    """The order the API promises: the key (unknown lowest), then the id, reversed with ``-``."""
    name = term.lstrip("-")
    lowest = {"order_date": dt.date.min, "quantity": -1, "tiv_total_order": Decimal(-1)}

    def key(t):
        value = getattr(t, name)
        return (lowest.get(name) if value is None else value, t.pk)

    return [t.pk for t in sorted(transfers, key=key, reverse=term.startswith("-"))]


@pytest.mark.parametrize(
    "term", ["-order_date", "order_date", "quantity", "-tiv_total_order", "status", "-id"]
)
def test_following_next_visits_every_row_once_in_order_under_ties(
    api_client, sides, small_pages, term
):
    """Dates, numbers and statuses repeat and some are unknown: following ``next`` still shows
    each transfer exactly once, in the key's order with the id breaking ties."""
    transfers = make_transfers(sides, 17)
    seen, pages, last = walk(api_client, "/api/transfers/", {"ordering": term})
    assert seen == expected(transfers, term)
    assert pages == 6 and last["next"] is None


def test_the_default_order_is_newest_first_with_undated_last(api_client, sides, small_pages):
    transfers = make_transfers(sides, 10)
    seen, _, _ = walk(api_client, "/api/transfers/")
    assert seen == expected(transfers, "-order_date")
    assert models.Transfer.objects.get(pk=seen[-1]).order_date is None


def test_previous_links_lead_back_over_the_same_pages(api_client, sides, small_pages):
    transfers = make_transfers(sides, 11)
    forward, _, last = walk(api_client, "/api/transfers/", {"ordering": "quantity"})
    response = api_client.get(last["previous"])
    backward = []
    while True:
        body = response.json()
        backward = [row["id"] for row in body["results"]] + backward
        if not body["previous"]:
            break
        response = api_client.get(body["previous"])
    assert backward + [row["id"] for row in last["results"]] == forward
    assert forward == expected(transfers, "quantity")


def test_a_cursor_written_by_the_client_starts_at_that_position(api_client, sides, small_pages):
    """The cursor is a position (key value and id): a client reaches a deep page directly."""
    transfers = make_transfers(sides, 15)
    order = expected(transfers, "-order_date")
    start = models.Transfer.objects.get(pk=order[7])
    cursor = b64encode(
        urlencode({"k": "-order_date", "p": start.order_date.isoformat(), "i": start.pk}).encode()
    ).decode()
    body = api_client.get("/api/transfers/", {"cursor": cursor}).json()
    assert [row["id"] for row in body["results"]] == order[8:11]
    assert body["previous"] and body["next"]


def test_filters_and_ordering_travel_in_the_next_link(api_client, sides, small_pages):
    make_transfers(sides, 12)
    body = api_client.get("/api/transfers/", {"ordering": "status", "status": "ordered"}).json()
    query = parse_qs(urlsplit(body["next"]).query)
    assert query["ordering"] == ["status"] and query["status"] == ["ordered"]
    seen, _, _ = walk(api_client, body["next"])
    assert len(seen) == 6 - 3


@pytest.mark.parametrize(
    ("cursor", "why"),
    [
        ("not base64!", "not a cursor"),
        (b64encode(b"hello").decode(), "not a cursor"),
        (b64encode(b"k=-order_date&p=2020-01-01").decode(), "not a cursor"),
        (b64encode(b"k=-order_date&p=2020-01-01&i=x").decode(), "i is not an id"),
        (b64encode(b"k=-order_date&p=yesterday&i=3").decode(), "p is not a value of order_date"),
        (b64encode(b"k=quantity&p=3&i=3").decode(), "continues the ordering quantity"),
        (b64encode(b"k=-order_date&p=2020-01-01&i=3&z=1").decode(), "not a cursor"),
    ],
)
def test_a_cursor_that_is_no_cursor_answers_400_naming_it(api_client, cursor, why):
    response = api_client.get("/api/transfers/", {"cursor": cursor})
    assert response.status_code == 400, response.content
    assert why in " ".join(response.json()["cursor"])


@pytest.mark.parametrize(
    ("ordering", "shown"),
    [("note", "Unknown ordering note"), ("order_date,id", "one key at a time")],
)
def test_an_ordering_without_an_index_backed_key_answers_400(api_client, ordering, shown):
    response = api_client.get("/api/transfers/", {"ordering": ordering})
    assert response.status_code == 400
    message = " ".join(response.json()["ordering"])
    assert shown in message and "order_date" in message


def test_page_numbers_and_unknown_parameters_are_refused_beside_a_cursor(api_client, sides):
    make_transfers(sides, 2)
    page = api_client.get("/api/transfers/", {"page": 2})
    assert page.status_code == 400 and "cursor" in " ".join(page.json()["page"])
    first = api_client.get("/api/transfers/").json()
    assert first["next"] is None and first["previous"] is None
    cursor = b64encode(b"k=-order_date&p=2020-01-01&i=3").decode()
    bogus = api_client.get("/api/transfers/", {"cursor": cursor, "bogus": 1})
    assert bogus.status_code == 400 and "bogus" in bogus.json()


def test_the_count_is_exact_and_says_so(api_client, sides):
    make_transfers(sides, 4)
    make_transfers(sides, 2, review_state="draft", verified_at=None)
    body = api_client.get("/api/transfers/").json()
    assert (body["count"], body["count_is_estimate"]) == (4, False)
    assert api_client.get("/api/transfers/", {"quantity_min": 2}).json()["count"] == 2


@pytest.mark.requires_postgres
def test_past_the_limit_postgresql_answers_its_estimate_and_says_so(api_client, sides, monkeypatch):
    """Counting a million rows exactly on every page is slow: past ``exact_count_limit`` the
    count is the planner's estimate, flagged, and never below what was counted."""
    monkeypatch.setattr(KeysetCursorPagination, "exact_count_limit", 5)
    make_transfers(sides, 9)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracker_transfer")
    body = api_client.get("/api/transfers/").json()
    assert body["count_is_estimate"] is True and body["count"] >= 6
    filtered = api_client.get("/api/transfers/", {"quantity_min": 3}).json()
    assert (filtered["count"], filtered["count_is_estimate"]) == (2, False)


def test_bounded_count_is_exact_on_sqlite_and_below_the_limit(sides):
    make_transfers(sides, 7)
    queryset = models.Transfer.objects.all()
    count, estimate = bounded_count(queryset, limit=10)
    assert (count, estimate) == (7, False)
    if connection.vendor != "postgresql":
        assert bounded_count(queryset, limit=3) == (7, False)


def test_drafts_are_neither_listed_nor_counted_for_readers(api_client, curator, sides):
    make_transfers(sides, 3)
    make_transfers(sides, 2, review_state="draft", verified_at=None)
    body = api_client.get("/api/transfers/").json()
    assert body["count"] == 3 and len(body["results"]) == 3
    assert all(row["review_state"] == "verified" for row in body["results"])
    api_client.force_login(curator)
    assert api_client.get("/api/transfers/").json()["count"] == 5


def test_small_lists_keep_page_numbers_with_an_exact_count(api_client):
    for code in ("AA", "AB", "AC"):
        f.StateFactory(code=code, **VERIFIED)
    body = api_client.get("/api/states/").json()
    assert (body["count"], body["count_is_estimate"]) == (3, False)


def test_evidence_pages_by_cursor(api_client, small_pages):
    source = f.SourceFactory(text="One. Two. Three. Four. Five.", **VERIFIED)
    state = f.StateFactory(code="CA", **VERIFIED)
    quotes = ["One.", "Two.", "Three.", "Four.", "Five."]
    for quote in quotes:
        models.Evidence.objects.create(
            slug=f"e-{quote}",
            source=source,
            quote=quote,
            start=source.text.index(quote),
            end=source.text.index(quote) + len(quote),
            state=state,
            **VERIFIED,
        )
    seen, pages, _ = walk(api_client, "/api/evidence/")
    assert seen == sorted(models.Evidence.objects.values_list("pk", flat=True))
    assert pages == 2
    by_start, _, _ = walk(api_client, "/api/evidence/", {"ordering": "-start"})
    starts = dict(models.Evidence.objects.values_list("pk", "start"))
    assert [starts[pk] for pk in by_start] == sorted(starts.values(), reverse=True)


def page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("url", ["/api/transfers/", "/api/permit-decisions/", "/api/evidence/"])
def test_a_page_costs_the_same_queries_however_many_rows(
    api_client, sides, small_pages, url, django_assert_max_num_queries
):
    """The queries for one page do not grow with the table (no per-row query)."""

    def grow(n):
        transfers = make_transfers(sides, n)
        source = f.SourceFactory(**VERIFIED)
        text = source.text
        quote = "Ottawa froze permits to Ankara."
        for transfer in transfers:
            models.Evidence.objects.create(
                slug=f"ev-{transfer.pk}",
                source=source,
                quote=quote,
                start=text.index(quote),
                end=text.index(quote) + len(quote),
                transfer=transfer,
                **VERIFIED,
            )
        authority, target = sides[0], sides[1]
        for _ in range(n):
            f.PermitDecisionFactory(authority=authority, target_state=target, **VERIFIED)

    grow(4)
    few = page_queries(api_client, url)
    grow(40)
    with django_assert_max_num_queries(few):
        assert api_client.get(url).status_code == 200


def test_the_schema_documents_cursor_pages_and_estimated_counts():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)

    def page(path):
        operation = schema["paths"][path]["get"]
        names = {parameter["name"] for parameter in operation["parameters"]}
        content = operation["responses"]["200"]["content"]["application/json"]["schema"]
        component = schema["components"]["schemas"][content["$ref"].rsplit("/", 1)[-1]]
        return names, component

    for path in ("/api/transfers/", "/api/evidence/"):
        names, component = page(path)
        assert "cursor" in names and "page" not in names
        assert component["properties"]["count_is_estimate"]["type"] == "boolean"
        assert set(component["required"]) == {"count", "count_is_estimate", "results"}
    names, component = page("/api/states/")
    assert "page" in names and "cursor" not in names
    assert "count_is_estimate" in component["properties"]
