"""Integrations read from SIPRI's comments: planned from the deals, loaded as drafts with the
comment's clause as evidence, idempotent, respecting curators' rejections."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import StateFactory, TransferFactory, UserFactory, verify
from tracker.choices import DatePrecision, IntegrationStatus, ItemKind, ReviewState
from tracker.models import Evidence, Integration, Item, Source
from tracker.models.sources import normalize_text
from tracker.services.imports.sipri import sipri_read
from tracker.services.imports.sipri.comments import ItemRef, deal_item
from tracker.services.imports.sipri.integrations import (
    load_integrations,
    plan_integrations,
    platform_class,
)
from tracker.services.review import draft_reject

from .conftest import DATA, FULL_REGISTER

EXTRACT = DATA / "integrations-extract.csv"
PLATFORM_CLASSES = {"aircraft", "helicopter", "ship", "vehicle", "uav"}


@pytest.fixture(scope="module")
def extract():
    return sipri_read(EXTRACT)


@pytest.fixture(scope="module")
def plan(extract):
    return plan_integrations(extract.deals)


def _by_line(plan):
    found: dict[int, list] = {}
    for planned in plan.integrations:
        found.setdefault(planned.line, []).append(planned)
    return found


# --- the plan (pure) --------------------------------------------------------------------------


def test_plan_counts_turned_and_left_comments(plan):
    """Every comment naming a destination is turned into integrations or left with a reason."""
    report = plan.report
    assert report.balanced
    assert (report.mentioning, report.turned, report.left) == (15, 13, 2)
    assert report.left_reasons == {
        "no platform designation read from the 'for ...' clause": 1,
        "the platform is the deal's own item": 1,
    }
    assert [(e.line, e.comments) for e in report.examples] == [
        (20, "For frigates; destroyers; AALS and support ships"),
        (23, "For IRIS-T SLM SAM system"),
    ]


def test_the_chain_from_canada_to_chad(plan):
    """Chad's engines go into the Hurkus family; Chad received the Hurkus-C: that member only."""
    (chad,) = _by_line(plan)[22]
    assert chad.component.designation == "PT-6A-68T"
    assert chad.component.origin_state == "CA"
    assert (chad.platform.designation, chad.platform.origin_state) == ("Hurkus-C", "TR")
    assert chad.family == "Hurkus"
    assert chad.members == ("Hurkus-C",)
    assert chad.status == IntegrationStatus.FITTED
    assert "comment names the family 'Hurkus'" in chad.note
    assert "matched Hurkus-C" in chad.note


def test_a_platform_no_deal_has_becomes_a_new_platform_from_the_comments_origin(plan):
    """Turkey's engines go into the Hurkus-B, which no deal of the file has: a new platform."""
    (turkey,) = _by_line(plan)[32]
    assert turkey.platform == ItemRef(
        "Hurkus-B", "trainer aircraft", None, "TR", generic=False, inferred=True
    )
    assert turkey.family is None
    assert turkey.count == 15
    assert turkey.platform in plan.new_platforms


def test_family_member_among_the_deals_of_the_same_recipient(plan):
    """ "Project-877 (Kilo or Mubarek)" names the family of Algeria's Project-877E."""
    (torpedo,) = _by_line(plan)[14]
    assert torpedo.platform.designation == "Project-877E"
    assert torpedo.family == "Project-877 (Kilo or Mubarek)"


def test_a_bracketed_name_matches_the_deal_designation(plan):
    """ "MilGem (Ada)" is the MilGem of the deals (its name without the brackets), as is
    "Project-1234 (Nanuchka or Hamidou)" Algeria's Project-1234; no family involved."""
    for line in (29, 30, 31):  # Turkey's engines, guns and missiles
        (planned,) = _by_line(plan)[line]
        assert (planned.platform.designation, planned.platform.description) == (
            "MilGem",
            "frigate",
        )
        assert planned.family is None
    (radar,) = _by_line(plan)[13]
    assert radar.platform.designation == "Project-1234"
    assert radar.status == IntegrationStatus.FITTED


def test_two_platforms_in_one_clause(plan):
    """ "For 4 ADA or MilGem frigates produced in Turkey": both, the ADA a new platform."""
    platforms = {p.platform.designation for p in _by_line(plan)[28]}
    assert platforms == {"ADA", "MilGem"}


def test_the_importers_items_give_the_same_plan(extract, plan):
    """Passing the items the importer already read changes nothing but the work done."""
    again = plan_integrations(
        extract.deals, deal_items={deal.identity: deal_item(deal) for deal in extract.deals}
    )
    assert again.integrations == plan.integrations
    assert again.new_platforms == plan.new_platforms


def test_clause_offsets_point_into_the_deal_text(extract, plan):
    texts = {deal.identity: normalize_text(deal.text) for deal in extract.deals}
    for planned in plan.integrations:
        text = texts[planned.identity]
        assert text[planned.clause_offset :].startswith(planned.clause)


def test_platform_classes():
    assert platform_class("frigate") == platform_class("corvette") == "ship"
    assert platform_class("trainer/combat aircraft") == platform_class("MP aircraft")
    assert platform_class("aircraft carrier") == "ship"
    assert platform_class("IFV") == platform_class("self-propelled gun") == "vehicle"
    assert platform_class("SAM system") == platform_class("mobile SAM system")
    assert platform_class("combat helicopter") != platform_class("combat aircraft")


# --- loading ----------------------------------------------------------------------------------


def _states(codes):
    states = {code: StateFactory(code=code, name=f"State {code}") for code in codes if code}
    for state in states.values():
        verify(state)
    return states


def _load_file(read, raw_text: str, *, planned=None):
    """What the importer does around ``load_integrations``: the release as a source, the deals'
    items, and where each row starts in the source text."""
    text = normalize_text(raw_text)
    source = Source.objects.create(
        title="SIPRI trade register (extract)", publisher="SIPRI", kind="register", text=text
    )
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    row_offsets = {}
    for deal in read.deals:
        start = starts[deal.line - 1]
        assert text[start : start + len(normalize_text(deal.text))] == normalize_text(deal.text)
        row_offsets[deal.identity] = start
    refs = {deal_item(deal) for deal in read.deals}
    states = _states({ref.origin_state for ref in refs} | {"TR", "BR"})
    now = timezone.now()
    created = Item.objects.bulk_create(
        [
            Item(
                slug=f"sipri-item-{number}",
                name=ref.designation,
                item_type=ref.description,
                kind=ItemKind.PLATFORM
                if platform_class(ref.description) in PLATFORM_CLASSES
                else ItemKind.COMPONENT,
                country_of_origin=states.get(ref.origin_state),
                review_state=ReviewState.VERIFIED,
                verified_at=now,
            )
            for number, ref in enumerate(sorted(refs, key=repr))
        ]
    )
    items = dict(zip(sorted(refs, key=repr), (item.pk for item in created), strict=True))
    return source, items, row_offsets


@pytest.fixture
def loaded(db, extract, plan):
    raw = EXTRACT.read_bytes().decode("latin-1")
    source, items, row_offsets = _load_file(extract, raw)
    report = load_integrations(plan, items=items, row_offsets=row_offsets, source=source)
    return report, source, items, row_offsets


def _counts():
    return (
        Item.objects.count(),
        Integration.objects.count(),
        Evidence.objects.count(),
        Item.history.count(),
        Integration.history.count(),
        Evidence.history.count(),
    )


def test_load_writes_drafts_with_their_history(loaded, plan):
    report, source, items, _ = loaded
    assert report.integrations_created == len(
        {(p.component, p.platform) for p in plan.integrations}
    )
    assert report.platforms_created == len(plan.new_platforms) == 3  # Hurkus-B, ADA, Nanuchka-2
    assert not Integration.objects.exclude(review_state=ReviewState.DRAFT).exists()
    assert Integration.history.count() == Integration.objects.count()
    assert Evidence.history.count() == Evidence.objects.count() == report.evidence_created
    hurkus_b = Item.objects.get(name="Hurkus-B")
    assert (hurkus_b.kind, hurkus_b.review_state) == (ItemKind.PLATFORM, ReviewState.DRAFT)
    assert hurkus_b.country_of_origin.code == "TR"
    assert hurkus_b.item_type == "trainer aircraft"
    assert hurkus_b.evidence.get().quote == "for 15 Hurkus-B trainer aircraft produced in Turkey"
    assert Item.history.filter(id=hurkus_b.pk, history_type="+").exists()


def test_integration_evidence_quotes_the_comment_verbatim_at_its_offsets(loaded):
    report, source, *_ = loaded
    chad = Integration.objects.get(component__name="PT-6A-68T", assembly__name="Hurkus-C")
    assert chad.status == IntegrationStatus.FITTED
    assert "'Hurkus'" in chad.note
    quotes = sorted(chad.evidence.values_list("quote", flat=True))
    assert quotes == [
        "Pratt & Whitney Canada PT-6A-68T (1600hp) turboprop for Hurkus trainer/combat "
        "aircraft from Turkey",
        "for Hurkus trainer/combat aircraft from Turkey",
    ]
    evidence = list(Evidence.objects.select_related("source"))
    assert evidence
    for quote in evidence:
        assert source.text[quote.start : quote.end] == quote.quote
        assert (quote.claim_status, quote.review_state) == ("reported", ReviewState.DRAFT)
        quote.full_clean()  # the model's own check: verbatim at the offset, exactly one fact


def test_second_load_creates_nothing(loaded, plan):
    _, source, items, row_offsets = loaded
    before = _counts()
    again = load_integrations(plan, items=items, row_offsets=row_offsets, source=source)
    assert _counts() == before
    assert again.integrations_created == again.platforms_created == again.evidence_created == 0
    assert again.integrations_existing == Integration.objects.count()
    assert again.platforms_existing == 3


def test_a_rejected_integration_is_not_recreated(loaded, plan):
    """A curator rejects Chad's family link in review: the next import leaves it out."""
    _, source, items, row_offsets = loaded
    curator = UserFactory(username="reviewer")
    chad = Integration.objects.get(component__name="PT-6A-68T", assembly__name="Hurkus-C")
    assert draft_reject(fact=chad, source=source, user=curator) == "deleted"
    again = load_integrations(plan, items=items, row_offsets=row_offsets, source=source)
    assert again.integrations_tombstoned == 1
    assert not Integration.objects.filter(
        component__name="PT-6A-68T", assembly__name="Hurkus-C"
    ).exists()


def test_curators_review_a_family_link_in_the_review_queue(loaded, client, curator, plan):
    """The source's review queue shows the family link beside its quote; rejecting it there
    removes it for good."""
    _, source, items, row_offsets = loaded
    client.force_login(curator)
    url = reverse("admin:tracker_source_review", args=[source.pk])
    page = client.get(url).content.decode()
    assert "PT-6A-68T in Hurkus-C" in page
    assert "<mark>for Hurkus trainer/combat aircraft from Turkey</mark>" in page
    chad = Integration.objects.get(component__name="PT-6A-68T", assembly__name="Hurkus-C")
    response = client.post(
        url, {"fact_model": "tracker.integration", "fact_id": chad.pk, "decision": "reject"}
    )
    assert response.status_code in (200, 302)
    assert not Integration.objects.filter(pk=chad.pk).exists()
    again = load_integrations(plan, items=items, row_offsets=row_offsets, source=source)
    assert again.integrations_tombstoned == 1
    assert again.evidence_created == 0


def test_links_to_items_not_loaded_are_counted_not_guessed(db, extract, plan):
    """A deal the importer did not load (rejected row) has no item: its links are counted."""
    raw = EXTRACT.read_bytes().decode("latin-1")
    source, items, row_offsets = _load_file(extract, raw)
    engine = next(ref for ref in items if ref.designation == "PT-6A-68T")
    del items[engine]
    report = load_integrations(plan, items=items, row_offsets=row_offsets, source=source)
    assert report.integrations_unresolved == 4  # Chad, Niger, Turkey, the United States
    assert not Integration.objects.filter(component__name="PT-6A-68T").exists()


def test_a_link_closing_a_cycle_is_skipped(db, extract, plan):
    raw = EXTRACT.read_bytes().decode("latin-1")
    source, items, row_offsets = _load_file(extract, raw)
    hurkus_c = Item.objects.get(name="Hurkus-C")
    engine = Item.objects.get(name="PT-6A-68T")
    Integration.objects.create(slug="odd", component=hurkus_c, assembly=engine)
    report = load_integrations(plan, items=items, row_offsets=row_offsets, source=source)
    assert report.integrations_cyclic == 1
    assert "would close a cycle" in report.skipped[0]
    assert not Integration.objects.filter(component=engine, assembly=hurkus_c).exists()


def test_curators_follow_the_draft_chain_from_canada_to_chad(loaded, api_client, curator):
    """Canada -> PT-6A-68T -> fitted to the Hurkus-C -> Turkey -> Chad, while the integration is
    a draft: curators see the route, readers do not."""
    states = _states(["CA", "TR", "TD"])
    hurkus_c = Item.objects.get(name="Hurkus-C")
    transfer = TransferFactory(
        supplier=states["TR"],
        recipient=states["TD"],
        item=hurkus_c,
        order_date=timezone.datetime(2022, 1, 1).date(),
        order_date_precision=DatePrecision.YEAR,
    )
    verify(transfer)
    params = {"from": "CA", "to": "TD"}
    assert api_client.get("/api/supply-chain/paths/", params).json()["routes"] == []
    api_client.force_authenticate(curator)
    response = api_client.get("/api/supply-chain/paths/", params)
    assert response.status_code == 200
    (route,) = response.json()["routes"]
    steps = [(h["kind"], h["from_state"], h["to_state"]) for h in route["hops"]]
    assert steps == [
        ("origin", None, "CA"),
        ("integration", "CA", "TR"),
        ("transfer", "TR", "TD"),
    ]
    records = {r["slug"]: r for r in response.json()["records"]}
    quotes = [e["quote"] for e in records[route["hops"][1]["record"]]["evidence"]]
    assert "for Hurkus trainer/combat aircraft from Turkey" in quotes


# --- the full register ------------------------------------------------------------------------


@pytest.mark.django_db
def test_full_register_figures_and_speed(full_register):
    """Plan and load on the whole register: counts and time (printed with -s)."""
    raw = Path(FULL_REGISTER).read_bytes().decode("latin-1")
    source, items, row_offsets = _load_file(full_register, raw)
    started, cpu_started = time.perf_counter(), time.process_time()
    plan = plan_integrations(full_register.deals)
    planned, cpu_planned = time.perf_counter(), time.process_time()
    report = load_integrations(plan, items=items, row_offsets=row_offsets, source=source)
    loaded, cpu_loaded = time.perf_counter(), time.process_time()
    again = load_integrations(plan, items=items, row_offsets=row_offsets, source=source)
    r = plan.report
    print(
        f"\n{r.mentioning} comments name a destination: {r.turned} turned into integrations, "
        f"{r.left} left {r.left_reasons}; {r.integrations} planned links "
        f"({r.family_matches} through a family), {r.new_platforms} new platforms; "
        f"loaded {report.integrations_created} integrations, {report.platforms_created} "
        f"platforms, {report.evidence_created} quotes, {report.integrations_cyclic} cyclic "
        f"skipped; plan {planned - started:.2f} s ({cpu_planned - cpu_started:.2f} s CPU), "
        f"load {loaded - planned:.2f} s ({cpu_loaded - cpu_planned:.2f} s CPU in Python)"
    )
    for example in r.examples[:10]:
        print(f"  line {example.line}: {example.reason}: {example.comments[:100]}")
    assert r.balanced
    assert r.turned >= 5400
    assert r.left <= 400
    assert report.integrations_created >= 4500
    assert report.integrations_unresolved == 0
    deal_refs = {deal_item(deal) for deal in full_register.deals}
    assert {p.platform for p in plan.integrations} <= deal_refs | set(plan.new_platforms)
    assert again.integrations_created == again.evidence_created == again.platforms_created == 0
