"""A source's text stays in the database wherever it is not shown: a dataset's release is a
source of megabytes quoted by thousands of rows, so evidence lists, facts with their evidence
and the supply-chain answers never load it, and quotes are checked source by source."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories as f
from tracker.choices import ReviewState
from tracker.models import Evidence, Source
from tracker.selectors.evidence import evidence_bad_quotes

pytestmark = pytest.mark.django_db

#: Lines of the generated release: about 3 MB, with a non-ASCII name so that offsets count
#: characters, not bytes, on both databases.
LINES = 34_000

#: The source's text column in a select list (not inside SUBSTR/LENGTH or a WHERE).
TEXT_SELECTED = re.compile(
    r'(?:SELECT\s+(?:DISTINCT\s+)?|,\s*)"tracker_source"\."text"\s*(?:,|FROM\b|AS\b)'
)


def release_text(lines: int = LINES) -> str:
    return "\n".join(
        f"{n:06d};Canada;Türkiye;Sensor {n};electro-optical sensor;2020;ordered 4 delivered 4"
        for n in range(lines)
    )


@dataclass
class Release:
    source: Source
    transfers: list
    quotes: list[Evidence]
    supplier: object
    recipient: object


def build_release(*, quotes: int = 200, transfers: int = 4, state=ReviewState.VERIFIED):
    """A verified source of about 3 MB whose lines are quoted by ``quotes`` rows spread over
    the whole text, supporting ``transfers`` transfers (verified unless ``state`` is draft)."""
    text = release_text()
    source = f.SourceFactory(text=text, title="Trade register release (test)")
    supplier, recipient = f.StateFactory(), f.StateFactory()
    item = f.PlatformFactory(country_of_origin=supplier)
    facts = [
        f.TransferFactory(
            supplier=supplier, recipient=recipient, item=item, order_date=dt.date(2000 + n, 1, 1)
        )
        for n in range(transfers)
    ]
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    step = len(lines) // quotes
    rows = Evidence.objects.bulk_create(
        Evidence(
            slug=f"release-row-{n}",
            source=source,
            quote=lines[n * step],
            start=offsets[n * step],
            end=offsets[n * step] + len(lines[n * step]),
            transfer=facts[n % transfers],
            review_state=state,
            verified_at=timezone.now() if state == ReviewState.VERIFIED else None,
        )
        for n in range(quotes)
    )
    if state == ReviewState.VERIFIED:
        for record in [supplier, recipient, item, *facts]:
            f.verify(record)
        Source.objects.filter(pk=source.pk).update(
            review_state=ReviewState.VERIFIED, verified_at=timezone.now()
        )
    return Release(source, facts, rows, supplier, recipient)


@pytest.fixture
def release(db):
    return build_release()


def text_selects(queries) -> list[str]:
    return [q["sql"] for q in queries if TEXT_SELECTED.search(q["sql"])]


def get(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:500]
    return response, captured.captured_queries


def test_the_pattern_finds_a_source_loaded_whole(release):
    """The check below is real: loading a source whole selects its text column."""
    with CaptureQueriesContext(connection) as captured:
        list(Evidence.objects.select_related("source")[:1])
    assert text_selects(captured.captured_queries)


def test_evidence_list_never_loads_the_source_text(api_client, release):
    response, queries = get(api_client, "/api/evidence/")
    assert response.json()["count"] == 200
    assert len(response.json()["results"]) == 50
    assert not text_selects(queries)
    assert len(response.content) < 100_000


def test_evidence_list_filtered_by_source_never_loads_the_text(api_client, release):
    response, queries = get(api_client, "/api/evidence/", {"source_id": release.source.pk})
    assert response.json()["count"] == 200
    assert not text_selects(queries)


def test_transfer_with_its_evidence_never_loads_the_source_text(api_client, release):
    transfer = release.transfers[0]
    response, queries = get(api_client, f"/api/transfers/{transfer.pk}/")
    assert len(response.json()["evidence"]) == 50
    assert response.json()["evidence"][0]["source_title"] == release.source.title
    assert not text_selects(queries)
    assert len(response.content) < 50_000

    response, queries = get(api_client, "/api/transfers/", {"supplier": release.supplier.code})
    assert response.json()["count"] == 4
    assert not text_selects(queries)
    assert len(response.content) < 200_000


def test_supply_chain_answers_with_evidence_never_load_the_source_text(api_client, release):
    response, queries = get(
        api_client,
        "/api/supply-chain/paths/",
        {"from": release.supplier.code, "to": release.recipient.code},
    )
    records = response.json()["records"]
    transfers = [r for r in records if r["evidence_count"] == 50]
    assert transfers and all(len(r["evidence"]) == 5 for r in transfers)
    assert not text_selects(queries)
    assert len(response.content) < 100_000

    response, queries = get(
        api_client, "/api/supply-chain/reach/", {"state": release.supplier.code}
    )
    assert not text_selects(queries)
    assert len(response.content) < 100_000


def test_source_list_gives_each_texts_length_not_the_text(api_client, release):
    """The list leaves the text out and says how long it is; the source's page gives it."""
    response, queries = get(api_client, "/api/sources/")
    (listed,) = response.json()["results"]
    assert "text" not in listed
    assert listed["text_length"] == len(release_text())
    assert not text_selects(queries)
    assert len(response.content) < 10_000

    detail, _ = get(api_client, f"/api/sources/{release.source.pk}/")
    assert detail.json()["text"] == release_text()
    assert detail.json()["text_length"] == len(release_text())


def test_verify_evidence_reads_each_text_once_and_finds_a_wrong_quote(release):
    """A quote moved by one character, and another whose text was changed, are reported; each
    source's text is read once, not once per quote."""
    other = f.EvidenceFactory()  # a second, small source
    moved, changed = release.quotes[10], release.quotes[150]
    Evidence.objects.filter(pk=moved.pk).update(start=moved.start + 1, end=moved.end + 1)
    Evidence.objects.filter(pk=changed.pk).update(quote=changed.quote.replace("Canada", "Kanada"))
    with CaptureQueriesContext(connection) as captured:
        bad = list(evidence_bad_quotes(chunk_size=50))
    assert {b.evidence.pk: b.problem for b in bad} == {
        moved.pk: f"The quote is not at offset {moved.start + 1} of the source text "
        f"(it occurs at {moved.start}).",
        changed.pk: "The quote does not occur verbatim in the source text.",
    }
    texts_read = [q for q in captured.captured_queries if '"tracker_source"."text"' in q["sql"]]
    assert len(texts_read) == 2  # the release and the other source, once each
    assert "Trade register release (test)" in str(bad[0])
    assert other.pk not in {b.evidence.pk for b in bad}

    err = io.StringIO()
    with pytest.raises(CommandError, match="2 of 201 evidence quote"):
        call_command("verify_evidence", stderr=err)
    assert f"evidence 'release-row-10' (id {moved.pk})" in err.getvalue()


def test_verify_evidence_passes_a_correct_release(release):
    out = io.StringIO()
    call_command("verify_evidence", stdout=out)
    assert "All 200 evidence quotes match" in out.getvalue()


def test_a_quote_is_checked_in_the_database_without_loading_the_text(release):
    """Saving or cleaning a quote of a large source cuts the text in the database: the wrong
    offset is refused with where the quote really is, and an unanchored quote is located."""
    source = Source.objects.defer("text").get(pk=release.source.pk)
    line = release_text().split("\n")[30_000]
    at = release_text().index(line)
    quote = Evidence(source=source, quote=line, start=at + 3, transfer=release.transfers[0])
    with CaptureQueriesContext(connection) as captured:
        with pytest.raises(Exception) as refused:
            quote.full_clean()
        assert f"is not at offset {at + 3} of the source text (it occurs at {at})" in str(
            refused.value
        )
        located = Evidence(source=source, quote=line, transfer=release.transfers[0])
        located.full_clean()
        located.save()
    assert located.start == at and located.end == at + len(line)
    assert not text_selects(captured.captured_queries)

    # A quote found twice is refused: give its offset.
    twice = Evidence(source=source, quote=";Canada;Türkiye;Sensor 1", transfer=release.transfers[0])
    with pytest.raises(Exception, match="occurs 11111 times|give its start offset"):
        twice.full_clean()


def test_a_window_around_a_quote_is_cut_in_the_database(release):
    quote = (
        Evidence.objects.select_related("source").defer("source__text").get(slug="release-row-100")
    )
    with CaptureQueriesContext(connection) as captured:
        window = quote.window(500)
    assert not text_selects(captured.captured_queries)
    text = release_text()
    assert window.quote == quote.quote
    assert window.before == text[quote.start - 500 : quote.start]
    assert window.after == text[quote.end : quote.end + 500]
    assert window.more_before and window.more_after

    first = Evidence.objects.get(slug="release-row-0")
    window = first.window(500)
    assert window.before == "" and not window.more_before


def test_exporting_a_release_reads_its_text_once(release):
    """export_fixture serializes each quote with the source already loaded, not refetched (with
    its text) per quote for its natural key."""
    from tracker.services.export import fixture_dump, fixture_records, sources_find

    with CaptureQueriesContext(connection) as captured:
        dump = fixture_dump(fixture_records(sources=sources_find([str(release.source.pk)])))
    assert dump.count('"model": "tracker.evidence"') == 200
    assert len(text_selects(captured.captured_queries)) == 1
