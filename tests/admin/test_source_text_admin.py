"""The admin with a source of megabytes quoted by hundreds of rows: each quote is shown in a
window of its source, highlighted; the source's page shows the beginning of a large text, not a
textarea of megabytes; no page loads the text whole."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.api.test_source_text import build_release, release_text, text_selects
from tracker.admin.base import QUOTE_CONTEXT
from tracker.admin.sources import MAX_REVIEW_QUOTES, TEXT_PREVIEW
from tracker.choices import ReviewState
from tracker.models import Evidence, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def release(db):
    return build_release()


def url(model, view, *args):
    return reverse(f"admin:tracker_{model._meta.model_name}_{view}", args=args)


def get(client, path, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.content[:500]
    return response.content.decode(), captured.captured_queries


def test_evidence_changelist_never_loads_the_text(curator_client, release):
    page, queries = get(curator_client, url(Evidence, "changelist"))
    assert page.count('class="action-select"') == 50
    assert not text_selects(queries)
    assert len(page) < 300_000

    page, queries = get(
        curator_client, url(Evidence, "changelist"), {"source__id__exact": release.source.pk}
    )
    assert page.count('class="action-select"') == 50
    assert not text_selects(queries)


def test_evidence_page_shows_a_window_around_the_quote(curator_client, release):
    quote = Evidence.objects.get(slug="release-row-100")
    text = release_text()
    page, queries = get(curator_client, url(Evidence, "change", quote.pk))
    assert f"…{text[quote.start - QUOTE_CONTEXT : quote.start]}<mark>{quote.quote}</mark>" in page
    assert f"</mark>{text[quote.end : quote.end + QUOTE_CONTEXT]}…" in page
    assert text[quote.start - QUOTE_CONTEXT - 200 : quote.start - QUOTE_CONTEXT] not in page
    assert not text_selects(queries)
    assert len(page) < 100_000


def test_evidence_is_saved_and_checked_without_loading_the_text(curator_client, release):
    """Saving a quote of a large source checks it in the database; a wrong offset is refused
    with where the quote really is."""
    quote = Evidence.objects.get(slug="release-row-100")
    form = {
        "source": release.source.pk,
        "quote": quote.quote,
        "start": quote.start,
        "claim_status": "alleged",
        "note": "",
        "transfer": quote.transfer_id,
        "_save": "Save",
    }
    with CaptureQueriesContext(connection) as captured:
        response = curator_client.post(url(Evidence, "change", quote.pk), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Evidence.objects.get(pk=quote.pk).claim_status == "alleged"
    assert not text_selects(captured.captured_queries)

    with CaptureQueriesContext(connection) as captured:
        response = curator_client.post(
            url(Evidence, "change", quote.pk), {**form, "start": quote.start + 2}
        )
    assert response.status_code == 200
    where = f"is not at offset {quote.start + 2} of the source text (it occurs at {quote.start})"
    assert where in response.content.decode()
    assert not text_selects(captured.captured_queries)


def test_fact_page_shows_its_quotes_in_windows_without_loading_the_text(curator_client, release):
    transfer = release.transfers[0]
    page, queries = get(curator_client, url(transfer, "change", transfer.pk))
    assert page.count("<mark>") == 50
    assert not text_selects(queries)
    assert len(page) < 1_500_000  # 50 inline forms; the text alone would be 3 MB


def test_large_source_page_shows_its_beginning_and_links_its_quotes(curator_client, release):
    text = release_text()
    page, queries = get(curator_client, url(Source, "change", release.source.pk))
    assert 'name="text"' not in page
    assert f"{len(text):,} characters: too large to edit here" in page
    assert text[:TEXT_PREVIEW] in page and text[: TEXT_PREVIEW + 1] not in page
    quotes = reverse("admin:tracker_evidence_changelist")
    quotes += f"?source__id__exact={release.source.pk}"
    assert f'<a href="{quotes}">200 quote(s) from this source</a>' in page
    assert "release-row-" not in page  # the quotes are not inline
    assert not text_selects(queries)
    assert len(page) < 100_000


def test_large_source_metadata_is_saved_without_touching_the_text(curator_client, release):
    source = release.source
    with CaptureQueriesContext(connection) as captured:
        response = curator_client.post(
            url(Source, "change", source.pk),
            {
                "title": "Trade register, renamed",
                "publisher": source.publisher,
                "kind": source.kind,
                "url": source.url,
                "published_date": "",
                "language": "en",
                "_save": "Save",
            },
        )
    assert response.status_code == 302, re.findall(r"errorlist.{0,300}", response.content.decode())
    saved = Source.objects.get(pk=source.pk)
    assert saved.title == "Trade register, renamed"
    assert saved.text == release_text() and saved.text_hash == source.text_hash
    # Read once, by the audit history, which keeps a full copy of each version.
    assert len(text_selects(captured.captured_queries)) == 1


def test_small_source_page_still_edits_its_text_with_its_quotes_inline(curator_client):
    from tests import factories as f

    quote = f.EvidenceFactory(quote="froze permits")
    page, _ = get(curator_client, url(Source, "change", quote.source_id))
    assert 'name="text"' in page
    assert "<mark>froze permits</mark>" in page


def test_source_changelist_and_autocomplete_never_load_the_text(curator_client, release):
    page, queries = get(curator_client, url(Source, "changelist"))
    assert "Trade register release (test)" in page
    assert not text_selects(queries)

    with CaptureQueriesContext(connection) as captured:
        response = curator_client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "tracker",
                "model_name": "evidence",
                "field_name": "source",
                "term": "Trade",
            },
        )
    assert [r["id"] for r in response.json()["results"]] == [str(release.source.pk)]
    assert not text_selects(captured.captured_queries)


def test_review_queue_of_a_dataset_shows_a_page_of_windows(curator_client):
    release = build_release(quotes=MAX_REVIEW_QUOTES + 50, state=ReviewState.DRAFT)
    page, queries = get(
        curator_client, reverse("admin:tracker_source_review", args=[release.source.pk])
    )
    assert page.count("<mark>") == MAX_REVIEW_QUOTES
    assert f"Showing the first {MAX_REVIEW_QUOTES} of {MAX_REVIEW_QUOTES + 50} draft quotes" in page
    first = release.quotes[0]
    assert f"<mark>{first.quote}</mark>" in page
    assert not text_selects(queries)
    assert len(page) < 1_000_000


def test_accepting_every_draft_of_a_dataset_reads_its_text_a_few_times_only(curator_client):
    """Accept all: the confirmation lists every quote without reading the text once per quote;
    accepting checks every quote against the text read once."""
    release = build_release(quotes=120, state=ReviewState.DRAFT)
    review = reverse("admin:tracker_source_review", args=[release.source.pk])
    with CaptureQueriesContext(connection) as captured:
        response = curator_client.post(review, {"decision": "accept_all"})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="verify-problems"' not in page, page[-3000:]
    assert len(text_selects(captured.captured_queries)) <= 1
    token = re.search(r'name="plan" value="([^"]+)"', page).group(1)

    with CaptureQueriesContext(connection) as captured:
        response = curator_client.post(
            review, {"decision": "accept_all", "confirm": "yes", "plan": token}
        )
    assert response.status_code == 302
    assert not Evidence.objects.filter(review_state=ReviewState.DRAFT).exists()
    # The quotes' check, the source's own check and save, its audit history: never per quote.
    assert len(text_selects(captured.captured_queries)) <= 4


def test_accepting_a_source_whose_text_changed_outside_the_app_is_refused(curator_client):
    """The source is listed without its text, but accepting it still checks its text's hash."""
    release = build_release(quotes=20, state=ReviewState.DRAFT)
    Source.objects.filter(pk=release.source.pk).update(text=release_text() + "\nappended")
    review = reverse("admin:tracker_source_review", args=[release.source.pk])
    page = curator_client.post(review, {"decision": "accept_all"}).content.decode()
    assert 'id="verify-problems"' in page
    assert "The stored hash does not match the text" in page
