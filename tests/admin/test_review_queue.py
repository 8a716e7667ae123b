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
    page = decide(curator_client, ingested, decision, "accept")
    assert page.status_code == 200 and "Will become public" in page.content.decode()
    decision.refresh_from_db()
    assert decision.review_state == "draft"
    token = page.context["plan"].token
    response = decide(curator_client, ingested, decision, "accept", confirm="yes", plan=token)
    assert response.status_code == 302
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
    assert decide(client, ingested, decision, "accept", confirm="yes").status_code == 403
    assert client.post(review_url(ingested), {"decision": "accept_all"}).status_code == 403
    decision.refresh_from_db()
    assert decision.review_state == "draft"


def test_accept_all_confirms_then_verifies_every_draft_and_the_source(curator_client, ingested):
    page = curator_client.post(review_url(ingested), {"decision": "accept_all"})
    assert page.status_code == 200
    assert ingested.title in page.content.decode()
    assert Evidence.objects.filter(review_state="draft").exists()
    response = curator_client.post(
        review_url(ingested),
        {"decision": "accept_all", "confirm": "yes", "plan": page.context["plan"].token},
    )
    assert response.status_code == 302
    assert not Evidence.objects.filter(source=ingested, review_state="draft").exists()
    ingested.refresh_from_db()
    assert ingested.review_state == "verified"
    assert "No drafts left" in curator_client.get(review_url(ingested)).content.decode()


def test_reject_leaves_tombstones_so_a_reingest_can_skip_the_quote(curator_client, ingested):
    from tracker.models import Tombstone

    decision = PermitDecision.objects.get()
    decide(curator_client, ingested, decision, "reject")
    assert set(Tombstone.objects.values_list("model", "kind")) == {
        ("tracker.evidence", "rejected"),
        ("tracker.permitdecision", "rejected"),
    }


@pytest.mark.parametrize(
    "data",
    [
        {"fact_model": "tracker.nosuch", "fact_id": 1, "decision": "accept"},
        {"fact_model": "auth.user", "fact_id": 1, "decision": "accept"},
        {"fact_model": "no-dot", "fact_id": 1, "decision": "reject"},
        {"fact_model": "tracker.permitdecision", "fact_id": "abc", "decision": "accept"},
        {"fact_model": "tracker.permitdecision", "fact_id": "\x00", "decision": "accept"},
        {"fact_model": "tracker.permitdecision", "fact_id": 10**30, "decision": "reject"},
        {"fact_model": "tracker.permitdecision", "decision": "merge", "into": "x"},
        {"fact_model": "tracker.permitdecision", "fact_id": 1, "decision": "explode"},
        {},
    ],
)
def test_junk_decisions_answer_400_with_the_reason(curator_client, ingested, data):
    response = curator_client.post(review_url(ingested), data)
    assert response.status_code == 400
    assert b"Bad review decision" in response.content


def test_missing_fact_or_merge_target_answers_404(curator_client, ingested):
    decision = PermitDecision.objects.get()
    missing = {"fact_model": "tracker.permitdecision", "fact_id": 999999, "decision": "reject"}
    assert curator_client.post(review_url(ingested), missing).status_code == 404
    response = decide(curator_client, ingested, decision, "merge", into=999999)
    assert response.status_code == 404
    assert PermitDecision.objects.filter(pk=decision.pk).exists()


@pytest.mark.parametrize("key", ["abc", "0x1", "-1", "999999"])
def test_a_source_that_is_not_there_answers_404(curator_client, key):
    response = curator_client.get(f"/admin/tracker/source/{key}/review/")
    assert response.status_code == 404


def test_editing_a_draft_from_the_queue_returns_to_the_queue(curator_client, ingested):
    import re

    decision = PermitDecision.objects.get()
    page = curator_client.get(review_url(ingested)).content.decode()
    (edit,) = {
        link.replace("&amp;", "&")
        for link in re.findall(r'href="([^"]*/permitdecision/\d+/change/[^"]*)"', page)
    }
    assert f"_review_source={ingested.pk}" in edit
    form = curator_client.get(edit).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data |= {
        "scope_categories": [],
        "scope_items": [],
        "reason": "checked against the minister's statement",
        "_save": "Save",
        "evidence-TOTAL_FORMS": 0,
        "evidence-INITIAL_FORMS": 0,
    }
    inline = decision.evidence.get()
    data |= {
        "evidence-TOTAL_FORMS": 1,
        "evidence-INITIAL_FORMS": 1,
        "evidence-0-id": inline.pk,
        "evidence-0-permit_decision": decision.pk,
        "evidence-0-source": inline.source_id,
        "evidence-0-quote": inline.quote,
        "evidence-0-start": inline.start,
        "evidence-0-claim_status": inline.claim_status,
        "evidence-0-note": "",
    }
    response = curator_client.post(edit, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert response["Location"] == review_url(ingested)
    decision.refresh_from_db()
    assert decision.reason == "checked against the minister's statement"
