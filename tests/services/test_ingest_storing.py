"""Storing drafts: evidence joins only a decision that agrees exactly, anything less becomes a
proposal in the review queue; the publication-date fallback is flagged on the record; company
decisions, attributions, organisations and items are stored as drafted; unstorable drafts are
reported; the dry run prints exactly what storing writes."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import (
    EvidenceFactory,
    OrganizationAliasFactory,
    OrganizationFactory,
    PermitDecisionFactory,
    SourceFactory,
    StateAliasFactory,
    StateFactory,
)
from tracker.choices import DatePrecision
from tracker.models import Evidence, Item, Organization, PermitDecision, Source
from tracker.partial_dates import PartialDate
from tracker.services.ingest.extract import Draft
from tracker.services.ingest.reading import Article
from tracker.services.ingest.store import article_ingest

VERIFIED = {"review_state": "verified", "verified_at": dt.datetime(2020, 10, 6, tzinfo=dt.UTC)}


@pytest.fixture
def states(db):
    """The few states these articles name, with the aliases the rules read."""
    made = {}
    for code, name in [
        ("CA", "Canada"),
        ("TR", "Turkey"),
        ("DE", "Germany"),
        ("SA", "Saudi Arabia"),
        ("AT", "Austria"),
    ]:
        made[code] = StateFactory(code=code, name=name, **VERIFIED)
    StateAliasFactory(state=made["CA"], name="Ottawa", kind="capital")
    StateAliasFactory(state=made["TR"], name="Ankara", kind="capital")
    return made


@pytest.fixture
def verified_suspension(states):
    """The verified Canada -> Turkey suspension of 5 October 2020, with its quote."""
    source = SourceFactory(
        title="Canada suspends", text="Canada suspended drone exports to Turkey.", **VERIFIED
    )
    decision = PermitDecisionFactory(
        authority=states["CA"],
        target_state=states["TR"],
        action="suspend",
        announced_date=dt.date(2020, 10, 5),
        announced_date_precision=DatePrecision.DAY,
        effective_date=None,
        effective_date_precision=None,
        **VERIFIED,
    )
    EvidenceFactory(
        source=source,
        transfer=None,
        permit_decision=decision,
        quote="Canada suspended drone exports to Turkey.",
        start=0,
        **VERIFIED,
    )
    return decision


def article(body: str, *, published="2020-10-09", url="https://example.org/a") -> Article:
    return Article(
        title="A report",
        publisher="Test Wire",
        published=PartialDate.parse(published) if published else None,
        url=url,
        body=body,
    )


def span(body: str, sentence: str, **extra) -> dict:
    start = body.index(sentence)
    return {"quote": sentence, "start": start, "end": start + len(sentence), **extra}


def decision_draft(body, sentence, **fields) -> dict:
    return {
        "authority": "CA",
        "target": "TR",
        "action": "suspend",
        "date": None,
        "date_precision": None,
        "scope": "items",
        "scope_description": "drone technology",
        "attributed_to": "",
        **span(body, sentence),
        **fields,
    }


def test_an_undated_company_quote_never_joins_the_verified_decision(verified_suspension):
    """The issue's case: a company's undated quote, and an undated state quote, are proposals
    beside the verified 2020-10-05 suspension, never its evidence."""
    body = (
        "Canada has suspended export permits for drone technology to Turkey, officials said.\n"
        "L3Harris Wescam halted deliveries of its sensors to Turkey, the company said.\n"
    )
    state_sentence, company_sentence = body.splitlines()
    draft = Draft(
        permit_decisions=[
            decision_draft(body, state_sentence, attributed_to="officials"),
            decision_draft(
                body,
                company_sentence,
                authority={"organization": "L3Harris Wescam"},
                attributed_to="the company",
            ),
        ]
    )
    result = article_ingest(article=article(body), draft=draft)

    assert verified_suspension.evidence.count() == 1
    state_proposal = PermitDecision.objects.get(slug="ca-suspend-tr-reported-2020-10-09")
    assert state_proposal.date_from_publication
    assert state_proposal.review_state == "draft"
    assert "Possibly the same as ca-suspend-tr-2020-10-05" in state_proposal.reason
    company = PermitDecision.objects.get(authority_kind="organization")
    assert company.authority is None
    assert company.authority_organization.name == "L3Harris Wescam"
    assert company.authority_organization.review_state == "draft"
    assert company.evidence.get().attributed_to == "the company"
    assert result.proposals == ["ca-suspend-tr-reported-2020-10-09"]
    report = result.as_json()["permit_decisions"]
    assert [d["date_from_publication"] for d in report] == [True, True]
    assert report[0]["similar"] == ["ca-suspend-tr-2020-10-05"]


def test_a_draft_the_extractor_dated_from_the_publication_never_joins(verified_suspension):
    """The extractor fills a missing date from the publication itself and flags it: though
    that date is exactly the verified decision's (2020-10-05), the quote is a proposal beside
    it, never its evidence."""
    body = "Canada has suspended export permits for drone technology to Turkey.\n"
    fallback = {"date": "2020-10-05", "date_precision": "day", "date_from_publication": True}
    draft = Draft(permit_decisions=[decision_draft(body, body.strip(), **fallback)])
    result = article_ingest(article=article(body, published="2020-10-05"), draft=draft)
    assert verified_suspension.evidence.count() == 1
    assert result.matched == []
    assert result.proposals == ["ca-suspend-tr-reported-2020-10-05"]
    proposal = PermitDecision.objects.get(slug="ca-suspend-tr-reported-2020-10-05")
    assert proposal.date_from_publication and proposal.review_state == "draft"


def test_a_quote_dated_as_the_decision_joins_it(verified_suspension):
    body = "Ottawa suspended some drone exports to Ankara on Monday, the minister said.\n"
    sentence = body.strip()
    draft = Draft(
        permit_decisions=[
            decision_draft(
                body, sentence, date="2020-10-05", date_precision="day", attributed_to="minister"
            )
        ]
    )
    result = article_ingest(article=article(body), draft=draft)
    assert PermitDecision.objects.count() == 1
    assert result.matched == ["ca-suspend-tr-2020-10-05"]
    added = verified_suspension.evidence.get(review_state="draft")
    assert (added.attributed_to, added.claim_status) == ("minister", "reported")


def test_a_coarser_date_joins_only_when_one_decision_agrees(verified_suspension, states):
    """ "In October 2020" agrees with the 5 October decision at month precision; once a second
    October suspension is recorded it could be either: a proposal, not a guess."""
    body = "Canada suspended drone exports to Turkey in October 2020.\n"
    month = {"date": "2020-10-01", "date_precision": "month"}
    draft = Draft(permit_decisions=[decision_draft(body, body.strip(), **month)])
    article_ingest(article=article(body), draft=draft)
    assert verified_suspension.evidence.count() == 2

    PermitDecisionFactory(
        authority=states["CA"],
        target_state=states["TR"],
        action="suspend",
        announced_date=dt.date(2020, 10, 20),
        announced_date_precision=DatePrecision.DAY,
        effective_date=None,
        effective_date_precision=None,
    )
    other = "Ottawa suspended drone exports to Ankara in October 2020, officials confirmed.\n"
    draft = Draft(permit_decisions=[decision_draft(other, other.strip(), **month)])
    result = article_ingest(article=article(other, url="https://example.org/b"), draft=draft)
    assert result.proposals == ["ca-suspend-tr-2020-10"]
    assert verified_suspension.evidence.count() == 2


def test_a_publication_dated_draft_is_drafted_once_however_often_ingested(states):
    body = "Canada has suspended export permits for drone technology to Turkey.\n"
    draft = Draft(permit_decisions=[decision_draft(body, body.strip())])
    article_ingest(article=article(body), draft=draft)
    article_ingest(article=article(body), draft=draft)
    decision = PermitDecision.objects.get()
    assert (decision.slug, decision.date_from_publication) == (
        "ca-suspend-tr-reported-2020-10-09",
        True,
    )
    assert (decision.announced_date, decision.announced_date_precision) == (
        dt.date(2020, 10, 9),
        DatePrecision.DAY,
    )
    assert decision.evidence.count() == 1


def test_unstorable_drafts_are_reported(states):
    body = "Canada sold drones to Turkey. Germany halted exports to Saudi Arabia.\n"
    draft = Draft(
        transfers=[{"supplier": "CA", "recipient": "TR", "item": None, **span(body, "Canada")}],
        permit_decisions=[
            decision_draft(
                body, "Germany halted exports to Saudi Arabia.", authority="DE", target="SA"
            )
        ],
    )
    result = article_ingest(article=article(body, published=None), draft=draft)
    reasons = {(e["kind"], e["reason"].split(":")[0]) for e in result.as_json()["not_stored"]}
    assert reasons == {
        ("transfers", "the article names no item"),
        (
            "permit_decisions",
            "the text gives no date and the article has no publication date",
        ),
    }
    assert not PermitDecision.objects.exists()


def test_organisations_and_items_are_matched_by_name_or_drafted(states):
    """A known company spelled with a space and in capitals is the known one (through its
    alias); a new company and its engine are drafted, the engine made by it."""
    known = OrganizationFactory(name="L3Harris Technologies", country=states["CA"])
    OrganizationAliasFactory(organization=known, name="L3Harris")
    body = "L3 HARRIS and Rotax said the Rotax 912 engine was affected.\n"
    draft = Draft(
        organizations=[
            {"name": "L3 HARRIS", "kind": "manufacturer", **span(body, "L3 HARRIS")},
            {"name": "Rotax", "kind": "manufacturer", **span(body, "Rotax")},
        ],
        components=[{"name": "Rotax 912", "maker": "Rotax", **span(body, "Rotax 912")}],
    )
    result = article_ingest(article=article(body), draft=draft)
    assert Organization.objects.count() == 2
    rotax = Organization.objects.get(name="Rotax")
    assert rotax.review_state == "draft"
    engine = Item.objects.get(name="Rotax 912")
    assert (engine.kind, engine.manufacturer, engine.review_state) == ("component", rotax, "draft")
    report = result.as_json()
    assert [o["outcome"] for o in report["organizations"]] == ["existing", "drafted"]
    assert known.evidence.get().quote == "L3 HARRIS"


def ingest_json(*args) -> dict:
    out = io.StringIO()
    call_command("ingest_article", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_the_dry_run_prints_exactly_what_storing_writes(tmp_path, verified_suspension):
    path = tmp_path / "a.txt"
    path.write_text(
        "title: Ottawa acts\npublisher: Test Wire\ndate: 2020-10-09\n"
        "url: https://example.org/dry\n\n"
        "Canada suspended exports of drone sensors to Turkey on Monday, the minister said.\n"
        "Video reportedly shows Turkish drones.\n",
        encoding="utf-8",
    )
    dry = ingest_json(str(path), "--dry-run")
    assert not Source.objects.filter(url="https://example.org/dry").exists()
    stored = ingest_json(str(path))
    assert dry == stored
    decision = PermitDecision.objects.get(slug=stored["permit_decisions"][0]["slug"])
    quote = stored["permit_decisions"][0]["evidence"][0]
    stored_quote = Evidence.objects.get(
        permit_decision=decision, source__url="https://example.org/dry", start=quote["start"]
    )
    assert (stored_quote.claim_status, stored_quote.attributed_to) == (
        quote["claim_status"],
        quote["attributed_to"],
    )


def test_a_company_decision_goes_from_ingest_to_review_to_export_to_another_database(
    tmp_path, states
):
    """ingest -> accept in review -> export_fixture -> flush -> loaddata keeps the company as
    authority, the publication-date flag and whom the quote attributes the claim to."""
    from tracker.services.review import draft_accept

    body = "Rheinmetall halted deliveries of ammunition to Saudi Arabia, the company said.\n"
    draft = Draft(
        organizations=[
            {"name": "Rheinmetall", "kind": "manufacturer", **span(body, "Rheinmetall")}
        ],
        permit_decisions=[
            decision_draft(
                body,
                body.strip(),
                authority={"organization": "Rheinmetall"},
                target="SA",
                attributed_to="the company",
            )
        ],
    )
    url = "https://example.org/rheinmetall"
    article_ingest(article=article(body, published="2019-03-06", url=url), draft=draft)
    source = Source.objects.get(url=url)
    decision = PermitDecision.objects.get()
    draft_accept(fact=decision, source=source, user=None)
    decision.refresh_from_db()
    assert decision.review_state == decision.authority_organization.review_state == "verified"
    path = tmp_path / "rheinmetall.json"
    call_command("export_fixture", "--source", url, "--output", str(path), stdout=io.StringIO())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    for code, name in [("SA", "Saudi Arabia")]:
        StateFactory(code=code, name=name, **VERIFIED)
    call_command("loaddata", str(path), verbosity=0, stdout=io.StringIO())
    loaded = PermitDecision.objects.get()
    assert (loaded.authority_kind, loaded.authority, loaded.authority_organization.name) == (
        "organization",
        None,
        "Rheinmetall",
    )
    assert (loaded.slug, loaded.date_from_publication) == (
        "rheinmetall-suspend-sa-reported-2019-03-06",
        True,
    )
    assert loaded.evidence.get().attributed_to == "the company"


def test_a_proposal_waits_in_the_review_queue_beside_the_decision_it_may_be(
    client, curator, verified_suspension
):
    """The curator sees the proposal, its flagged date, whom the quote cites, and the verified
    decision offered to merge it into; merging moves the quote there."""
    from django.urls import reverse

    from tracker.services.review import draft_merge

    body = "Canada has suspended export permits for drone technology to Turkey, officials said.\n"
    draft = Draft(permit_decisions=[decision_draft(body, body.strip(), attributed_to="officials")])
    article_ingest(article=article(body), draft=draft)
    source = Source.objects.get(url="https://example.org/a")
    client.force_login(curator)
    page = client.get(reverse("admin:tracker_source_review", args=[source.pk])).content.decode()
    assert "CA suspend → TR (2020-10-09, the publication&#x27;s date)" in page
    assert "according to officials" in page
    assert str(verified_suspension) in page  # offered to merge into
    proposal = PermitDecision.objects.get(date_from_publication=True)
    draft_merge(fact=proposal, into=verified_suspension, user=curator)
    assert verified_suspension.evidence.filter(source=source).get().attributed_to == "officials"
