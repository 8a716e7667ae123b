"""The review queue: drafts from an ingested article, accepted, rejected or merged."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests import factories as f
from tracker.models import Evidence, PermitDecision, Source

pytestmark = pytest.mark.django_db

ARTICLE = (
    "title: Ottawa halts drone parts\npublisher: Test Wire\ndate: 2020-10-06\n"
    "url: https://example.org/a\n\n"
    "Canada suspended exports of drone sensors to Turkey on Monday, the minister said.\n"
    "<b>Ankara</b> called it unfair.\n"
)


@pytest.fixture
def ingested(db, tmp_path):
    call_command("loaddata", "states", verbosity=0)
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE)
    call_command("ingest_article", str(path), stdout=io.StringIO())
    return Source.objects.get()


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def review_url(source):
    return reverse("admin:tracker_source_review", args=[source.pk])


def test_queue_groups_drafts_and_highlights_escaped_quotes(curator_client, ingested):
    page = curator_client.get(review_url(ingested)).content.decode()
    assert "permit decision" in page and "state" in page
    assert "<mark>Canada suspended exports of drone sensors to Turkey on Monday" in page
    assert "&lt;b&gt;Ankara&lt;/b&gt;" in page
    changelist = curator_client.get(reverse("admin:tracker_source_changelist")).content.decode()
    assert review_url(ingested) in changelist


def decide(client, source, fact, decision, **extra):
    return client.post(
        review_url(source),
        {"fact_model": fact._meta.label_lower, "fact_id": fact.pk, "decision": decision, **extra},
    )


def test_accept_verifies_the_fact_and_its_quote_with_history(curator_client, curator, ingested):
    decision = PermitDecision.objects.get()
    assert decide(curator_client, ingested, decision, "accept").status_code == 302
    decision.refresh_from_db()
    assert decision.review_state == "verified" and decision.verified_by == curator
    assert set(decision.evidence.values_list("review_state", flat=True)) == {"verified"}
    assert decision.history.first().history_user == curator


def test_reject_deletes_a_draft_left_without_evidence(curator_client, curator, ingested):
    decision = PermitDecision.objects.get()
    decide(curator_client, ingested, decision, "reject")
    assert not PermitDecision.objects.exists()
    deleted = PermitDecision.history.filter(history_type="-").get()
    assert deleted.history_user == curator


def test_merge_moves_the_quotes_to_the_existing_record(curator_client, ingested):
    draft = PermitDecision.objects.get()
    existing = f.PermitDecisionFactory(
        authority=draft.authority,
        target_state=draft.target_state,
        action="suspend",
        slug="ca-suspend-tr-2020-10",
    )
    page = curator_client.get(review_url(ingested)).content.decode()
    assert f'<option value="{existing.pk}">' in page
    decide(curator_client, ingested, draft, "merge", into=existing.pk)
    assert list(PermitDecision.objects.all()) == [existing]
    assert Evidence.objects.filter(permit_decision=existing).count() == 1


def test_readers_cannot_decide(client, ingested):
    reader = f.UserFactory(username="reader", is_staff=True)
    client.force_login(reader)
    assert client.get(review_url(ingested)).status_code == 200
    decision = PermitDecision.objects.get()
    assert decide(client, ingested, decision, "accept").status_code == 403
    decision.refresh_from_db()
    assert decision.review_state == "draft"
