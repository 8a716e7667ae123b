"""Loading SIPRI exports: counts and balance, review states, the reload rule across releases,
unknown names, non-state parties, deliveries, and evidence quoted verbatim at its offsets."""

import gc
import json

import pytest

from tests.factories import UserFactory
from tracker.choices import ReviewState, StateStatus, TransferSide
from tracker.models import (
    Evidence,
    Item,
    LoadedRecord,
    Organization,
    Source,
    State,
    StateAlias,
    Transfer,
    TransferDelivery,
)
from tracker.models.tombstones import Tombstone, TombstoneKind
from tracker.selectors.evidence import evidence_bad_quotes
from tracker.services.fixtures import verification_problems
from tracker.services.imports.sipri import sipri_read
from tracker.services.imports.sipri.load import SipriImportError, sipri_import

from .conftest import DATA

pytestmark = pytest.mark.django_db

CLASSIC = DATA / "classic-extract.csv"
DEAL_ID = DATA / "deal-id-extract.csv"
GOOD_ROWS = 67 - 7  # the extract's deals minus its rejected rows


@pytest.fixture
def curator():
    return UserFactory(username="sipri-curator")


def history_rows() -> int:
    return sum(
        model.history.count() for model in (Transfer, Evidence, Item, Organization, State, Source)
    )


UNKEYED = (77, 78)  # the extract's rows with a wrong column count: they name no deal


def release(
    changes: dict[str, str] | None = None,
    drop: tuple[str, ...] = (),
    generated=None,
    *,
    keyed: bool = True,
):
    """The classic extract's bytes with rows changed (old text -> new text) or dropped (rows
    starting with the given text), and another generation date (a newer release). ``keyed``
    blanks the rows naming no deal (a release with them withdraws nothing)."""
    text = CLASSIC.read_bytes().decode("latin-1")
    for old, new in (changes or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    lines = text.split("\n")
    if keyed:
        for number in UNKEYED:
            lines[number - 1] = ""
    lines = [line for line in lines if not line.startswith(drop) or not drop]
    text = "\n".join(lines)
    if generated:
        text = text.replace("13 Oct 2024 2:20:11 PM", generated)
    return text.encode("latin-1")


def transfer_on(read, line) -> Transfer:
    deal = next(d for d in read.deals if line in d.lines)
    return Transfer.objects.get(external_id=f"sipri:{deal.identity}")


def test_import_counts_balance_and_writes_one_transfer_and_quote_per_deal(curator):
    """Every deal read is imported or reported; each has a transfer and one verified quote."""
    summary = sipri_import(CLASSIC, verified_by=curator)
    assert summary.balanced
    assert (summary.deals_read, summary.imported, summary.unchanged, summary.reported) == (
        67,
        GOOD_ROWS,
        0,
        7,
    )
    assert summary.transfers_created == Transfer.objects.count() == GOOD_ROWS
    assert Evidence.objects.filter(transfer__isnull=False).count() == GOOD_ROWS
    assert Source.objects.count() == 1
    assert len(summary.repaired) == 2
    assert any("line 75" in r and "12a" in r for r in summary.rejected)
    platforms = (summary.integrations or {}).get("platforms_created", 0)  # from Comments
    assert summary.items.created + platforms == Item.objects.count()
    assert summary.parties.created == Organization.objects.count()


def test_import_records_history_for_what_it_creates(curator):
    """Each created record gets one history row naming the release and the curator."""
    sipri_import(CLASSIC, verified_by=curator)
    transfer = Transfer.objects.first()
    (entry,) = transfer.history.all()
    assert entry.history_type == "+"
    assert "SIPRI" in entry.history_change_reason
    assert entry.history_user_id == curator.pk
    assert Evidence.history.count() == Evidence.objects.count()
    assert Item.history.filter(history_type="+").count() == Item.objects.count()


def test_evidence_quotes_the_rows_verbatim_at_their_offsets(curator):
    """The stored source is the file's text; each quote is its deal's row(s), at its offset."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    source = Source.objects.get()
    assert source.text == read.text
    assert source.kind == "register" and "SIPRI" in source.publisher and "Cite" in source.title
    for evidence in Evidence.objects.select_related("transfer"):
        assert source.text[evidence.start : evidence.end] == evidence.quote
        assert evidence.claim_status == "reported"
    repaired = transfer_on(read, 58)
    (quote,) = repaired.evidence.all()
    assert "\n" in quote.quote  # the row broken across two lines, quoted as it stands
    assert list(evidence_bad_quotes()) == []


def test_verified_import_passes_the_verification_rule(curator):
    """Verified deals have a verified quote from a verified source and refer to no draft."""
    sipri_import(CLASSIC, verified_by=curator)
    records = [
        ("sipri", r)
        for model in (Transfer, Evidence, Item, Organization, Source, State)
        for r in model.objects.all()
    ]
    assert verification_problems(records) == []
    assert Transfer.objects.filter(review_state=ReviewState.VERIFIED).exists()
    assert Source.objects.get().verified_by == curator


def test_items_inferred_from_comments_are_drafts_and_so_are_their_deals(curator):
    """A model read from Comments ("Pratt & Whitney Canada PT-6A-68T ...") is a draft item from
    the maker's state; its deal is a draft too; a generic item is per supplier and description."""
    read = sipri_read(CLASSIC)
    summary = sipri_import(read, verified_by=curator)
    engine = transfer_on(read, 30).item  # Chad <- Canada, aircraft engine
    assert (engine.name, engine.item_type, engine.kind) == (
        "PT-6A-68T",
        "aircraft engine",
        "component",
    )
    assert engine.country_of_origin.code == "CA"
    assert engine.review_state == ReviewState.DRAFT
    assert transfer_on(read, 30).review_state == ReviewState.DRAFT
    assert summary.draft_reasons
    tb2 = transfer_on(read, 23).item
    assert (tb2.name, tb2.kind, tb2.category) == ("Bayraktar TB2", "platform", None)
    assert tb2.review_state == ReviewState.VERIFIED
    assert tb2.slug == "bayraktar-tb2-armed-uav"


def test_transfer_fields_keep_flags_apart_from_numbers(curator):
    """Numbers, `?` flags, year-precision dates, condition, TIVs and comments verbatim."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    t = transfer_on(read, 14)  # Afghanistan <- Soviet Union, AI-25, 1977 ?, 26, 1977; 1978
    assert (t.supplier.code, t.recipient.code) == ("SUHH", "AF")
    assert (t.quantity, t.quantity_estimated, t.quantity_delivered) == (26, False, 26)
    assert t.order_date.isoformat() == "1977-01-01" and t.order_date_precision == 1
    assert t.order_date_estimated is True
    assert (t.delivery_date.year, t.delivery_end_date.year) == (1977, 1978)
    assert t.delivery_date_precision == t.delivery_end_date_precision == 1
    assert t.condition == "new" and t.status == "delivered"
    assert str(t.tiv_per_unit) == "0.6000" and str(t.tiv_total_order) == "15.6000"
    assert t.comments.startswith("For 26 L-39 trainer aircraft from Czechoslovakia")
    assert t.slug.startswith("sipri-") and t.external_id.startswith("sipri:row:")
    assert State.objects.get(code="SUHH").status == StateStatus.HISTORICAL


def test_identical_rows_are_separate_deals(curator):
    """Two identical rows (lines 34 and 35) are two transfers."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    assert transfer_on(read, 34).pk != transfer_on(read, 35).pk


def test_non_state_parties_are_organisations_with_their_country(curator):
    """Armed groups, international organisations and rival governments become organisations
    (kind and country from SIPRI's name); unknown sides are unknown."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    hezbollah = Organization.objects.get(name="Hezbollah")
    assert (hezbollah.kind, hezbollah.country.code) == ("armed_group", "LB")
    nato = Organization.objects.get(name="NATO")
    assert (nato.kind, nato.country) == ("international_organization", None)
    hor = Organization.objects.get(name="Libya HoR")
    assert (hor.kind, hor.country.code) == ("rival_government", "LY")
    t = transfer_on(read, 37)  # Hezbollah (Lebanon)* <- Iran
    assert (
        t.recipient_kind == TransferSide.NON_STATE
        and t.recipient_party == hezbollah
        and t.recipient_organization is None
    )
    assert t.recipient is None and t.supplier.code == "IR"
    unknown = transfer_on(read, 16)  # Afghanistan <- unknown supplier(s)
    assert unknown.supplier_kind == TransferSide.UNKNOWN
    assert unknown.supplier is None and unknown.supplier_organization is None


def test_states_without_iso_code_and_sipri_spellings(curator):
    """User-assigned codes for polities without one; SIPRI's spellings become aliases."""
    sipri_import(CLASSIC, verified_by=curator)
    assert State.objects.get(code="QM").name == "Biafra"
    assert State.objects.get(code="QP").name == "North Yemen"
    assert StateAlias.objects.filter(state__code="TR", name="Turkiye").exists()
    assert StateAlias.objects.filter(state__code="DDDE", name="East Germany (GDR)").exists()


def test_importing_the_same_file_twice_changes_nothing(curator):
    """The second import reports every deal unchanged and writes no history."""
    sipri_import(CLASSIC, verified_by=curator)
    before = (history_rows(), Evidence.objects.count(), LoadedRecord.objects.count())
    summary = sipri_import(CLASSIC, verified_by=curator)
    assert summary.balanced
    assert (summary.imported, summary.unchanged, summary.reported) == (0, GOOD_ROWS, 7)
    assert summary.transfers_unchanged == GOOD_ROWS
    assert (summary.items.created, summary.parties.created, summary.states.created) == (0, 0, 0)
    assert (history_rows(), Evidence.objects.count(), LoadedRecord.objects.count()) == before


AI25 = "Afghanistan,Soviet Union,1977,?,26,,AI-25,turbofan,26,?,1977; 1978,New,For 26 L-39"
AI25_NEWER = "Afghanistan,Soviet Union,1977,?,28,,AI-25,turbofan,26,?,1977; 1978,New,For 28 L-39"
DC6 = "El Salvador,United States,1977,?,1,,DC-6/C-118,transport aircraft,1,,1977,Second hand,"
DC6_NEWER = "El Salvador,United States,1977,?,2,,DC-6/C-118,transport aircraft,2,,1977,Second hand,"
TB2 = "Azerbaijan,Turkiye,2020,?,12,?,Bayraktar TB2"


def test_newer_release_keeps_curators_values_reports_conflicts_and_withdraws(curator):
    """A newer release: a field a curator changed keeps the curator's value (a conflict when
    SIPRI changed it too); untouched fields take SIPRI's; a deal it lacks is withdrawn by it."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    edited = transfer_on(read, 14)
    edited.quantity = 30  # a curator's correction
    edited.note = "checked"
    edited.save()
    gone = transfer_on(read, 23)  # Azerbaijan <- Turkiye, TB2
    newer = release({AI25: AI25_NEWER}, drop=(TB2,), generated="13 Oct 2025 1:00:00 PM")
    summary = sipri_import(newer, verified_by=curator)
    assert summary.balanced and summary.deals_read == 66 - len(UNKEYED)
    edited.refresh_from_db()
    assert edited.quantity == 30  # the curator's value stays
    assert edited.comments.startswith("For 28 L-39")  # nobody touched it: SIPRI's new value
    assert any("'quantity'" in c and "30" in c and "28" in c for c in summary.conflicts)
    assert summary.transfers_updated >= 1
    assert summary.transfers_withdrawn == 1
    gone.refresh_from_db()
    new_source = Source.objects.get(published_date__year=2025)
    assert gone.withdrawn_by_source == new_source
    # the unchanged deals now also cite the newer release
    assert Evidence.objects.filter(source=new_source, transfer__isnull=False).count() == 66 - 7
    assert edited.history.first().history_change_reason.startswith("reloaded")


def test_identical_twin_rows_keep_their_own_transfers_across_releases(curator):
    """Both identical rows (lines 34, 35) change: each keeps its transfer (by occurrence)."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    first, second = transfer_on(read, 34).pk, transfer_on(read, 35).pk
    summary = sipri_import(release({DC6: DC6_NEWER}, generated="1 Jan 2025"), verified_by=curator)
    assert summary.transfers_updated == 2 and summary.transfers_created == 0
    assert Transfer.objects.filter(pk__in=[first, second], quantity=2).count() == 2


def test_tombstoned_deal_is_not_recreated(curator):
    """A deal a curator deleted stays deleted on re-import, reported as skipped."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    deleted = transfer_on(read, 23)
    model, key = Tombstone.key_of(deleted)
    Tombstone.objects.create(model=model, natural_key=key, kind=TombstoneKind.DELETED)
    deleted.delete()
    summary = sipri_import(CLASSIC, verified_by=curator)
    assert summary.balanced
    assert summary.transfers_skipped == 1 and summary.reported == 8
    assert any("not recreated" in s for s in summary.skipped)
    assert not Transfer.objects.filter(slug=deleted.slug).exists()


UNKNOWN_ROW = "Atlantis,France,1999,,12,,Mirage-2000,FGA aircraft,12,,2001,New,,20,240,240\n"


def with_unknown_name() -> bytes:
    return CLASSIC.read_bytes() + UNKNOWN_ROW.encode("latin-1")


def test_unknown_name_stops_the_import_naming_line_and_value(curator):
    """A name no table resolves stops everything: nothing is written."""
    lines = CLASSIC.read_bytes().count(b"\n")
    with pytest.raises(SipriImportError) as error:
        sipri_import(with_unknown_name(), verified_by=curator)
    assert f"line {lines + 1} (Recipient)" in str(error.value)
    assert "'Atlantis'" in str(error.value)
    assert not Transfer.objects.exists() and not Source.objects.exists()
    assert not State.objects.exists()


def test_create_unknown_drafts_the_party_and_its_deals(curator):
    """With create_unknown the name becomes a draft party and its deal a draft."""
    summary = sipri_import(with_unknown_name(), verified_by=curator, create_unknown=True)
    assert summary.balanced and summary.imported == GOOD_ROWS + 1
    atlantis = Organization.objects.get(name="Atlantis")
    assert atlantis.review_state == ReviewState.DRAFT
    deal = Transfer.objects.get(recipient_party=atlantis)
    assert deal.review_state == ReviewState.DRAFT
    assert deal.evidence.get().review_state == ReviewState.DRAFT


def test_a_state_name_known_as_an_alias_in_the_database_resolves(curator):
    """A name names.py does not know resolves through a verified State alias."""
    state = State.objects.create(code="FR", name="France", review_state="draft")
    StateAlias.objects.create(state=state, name="Atlantis")
    with pytest.raises(SipriImportError):  # a draft alias resolves nothing
        sipri_import(with_unknown_name(), verified_by=curator)
    StateAlias.objects.filter(name="Atlantis").update(
        review_state="verified", verified_at="2026-01-01T00:00:00Z"
    )
    summary = sipri_import(with_unknown_name(), verified_by=curator)
    assert any("same as the supplier" in r for r in summary.rejected)  # Atlantis is France


def test_draft_import_makes_everything_a_draft():
    """Without a verifying curator, every record is a draft."""
    sipri_import(CLASSIC)
    for model in (Transfer, Evidence, Item, Organization, Source, State):
        assert not model.objects.filter(review_state=ReviewState.VERIFIED).exists(), model


def test_verifying_a_draft_import_verifies_what_it_vouches_for(curator):
    """Importing as a draft then with a curator verifies the shared records (source, states)
    and the deals and quotes that were drafts only because of --draft; inferred ones stay
    drafts, as in a verified import from scratch."""
    sipri_import(CLASSIC)
    assert not Transfer.objects.filter(review_state=ReviewState.VERIFIED).exists()
    summary = sipri_import(CLASSIC, verified_by=curator)
    assert Source.objects.get().review_state == ReviewState.VERIFIED
    assert summary.states.verified > 0
    verified = Transfer.objects.filter(review_state=ReviewState.VERIFIED)
    drafts = Transfer.objects.filter(review_state=ReviewState.DRAFT)
    assert summary.transfers_verified == verified.count() > 0
    assert all(t.verified_by == curator for t in verified)
    assert (
        not drafts.exclude(item__review_state=ReviewState.DRAFT)
        .exclude(recipient_party__review_state=ReviewState.DRAFT)
        .exclude(supplier_party__review_state=ReviewState.DRAFT)
        .exists()
    )
    quotes = Evidence.objects.filter(transfer__isnull=False)
    assert not quotes.filter(
        transfer__review_state=ReviewState.VERIFIED, review_state=ReviewState.DRAFT
    ).exists()
    assert not quotes.filter(
        transfer__review_state=ReviewState.DRAFT, review_state=ReviewState.VERIFIED
    ).exists()
    records = [
        ("sipri", r)
        for model in (Transfer, Evidence, Item, Organization, Source, State)
        for r in model.objects.all()
    ]
    assert verification_problems(records) == []
    # the same counts as a verified import from scratch
    direct = (verified.count(), drafts.count())
    Evidence.objects.all().delete(), LoadedRecord.objects.all().delete()
    Transfer.objects.all().delete()
    sipri_import(CLASSIC, verified_by=curator)
    assert (verified.count(), drafts.count()) == direct


def test_dry_run_writes_nothing_and_reports_the_same(curator):
    """A dry run rolls everything back and reports what the real run then does."""
    dry = sipri_import(CLASSIC, verified_by=curator, dry_run=True)
    assert not Transfer.objects.exists() and not State.objects.exists()
    assert not Source.objects.exists() and not LoadedRecord.objects.exists()
    real = sipri_import(CLASSIC, verified_by=curator)
    assert {**dry.as_dict(), "dry_run": False, "source": "", "seconds": 0, "timings": 0} == {
        **real.as_dict(),
        "source": "",
        "seconds": 0,
        "timings": 0,
    }


def test_deal_id_format_groups_rows_into_one_transfer_with_deliveries(curator):
    """One transfer per SIPRI deal id, with its deliveries per year; quoted from its rows."""
    read = sipri_read(DEAL_ID)
    summary = sipri_import(read, verified_by=curator)
    assert summary.balanced
    deal = next(d for d in read.deals if len(d.deliveries) > 1)
    transfer = Transfer.objects.get(external_id=f"sipri:deal:{deal.deal_id}")
    assert transfer.slug == f"sipri-deal-{deal.deal_id}"
    years = list(transfer.deliveries.values_list("year", flat=True))
    assert years == [d.year for d in deal.deliveries]
    assert TransferDelivery.objects.count() == sum(len(d.deliveries) for d in read.deals)
    quote = transfer.evidence.get().quote
    assert quote.split("\n")[0] == deal.text.split("\n")[0]
    assert list(evidence_bad_quotes()) == []
    again = sipri_import(read, verified_by=curator)
    assert again.unchanged == summary.imported and again.imported == 0


def test_ledger_keeps_each_deals_values_by_its_natural_key(curator):
    """The ledger (the reload rule's memory) holds each transfer's values under its slug."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    t = transfer_on(read, 23)
    row = LoadedRecord.objects.get(model="tracker.transfer", natural_key=json.dumps([t.slug]))
    assert row.values["supplier"] == ["TR"] and row.values["recipient"] == ["AZ"]
    assert row.values["quantity"] == 12 and row.values["quantity_estimated"] is True


def test_generic_items_are_one_per_supplier_state_and_unknown_supplier():
    """A generic designation with no model in Comments is one item per supplier state, and one
    for unknown suppliers; a second import finds the same items."""
    rows = (
        "Chile,Finland,2011,,2,,ship engine,ship engine,2,,2014,New,,1.5,3,3\n"
        "Peru,unknown supplier(s),2011,,2,,ship engine,ship engine,2,,2014,New,,1.5,3,3\n"
        "Peru,Germany,2011,,2,,ship engine,ship engine,2,,2014,New,,1.5,3,3\n"
    ).encode("latin-1")
    data = CLASSIC.read_bytes() + rows
    sipri_import(data)
    items = Item.objects.filter(name="ship engine")
    origins = sorted((i.country_of_origin.code if i.country_of_origin else "") for i in items)
    assert origins == ["", "DE", "FI"]
    again = sipri_import(data)
    assert again.imported == 0 and again.items.created == 0


def test_summary_counts_the_integrations_read_from_comments(curator):
    """The import runs the comment integrations in its transaction and counts them; they are
    drafts even when the import is verified."""
    from tracker.models import Integration

    summary = sipri_import(CLASSIC, verified_by=curator)
    counts = summary.integrations
    assert counts["integrations_created"] == Integration.objects.count() > 0
    assert counts["comments_mentioning"] == counts["comments_turned"] + counts["comments_left"]
    assert not Integration.objects.filter(review_state=ReviewState.VERIFIED).exists()
    assert any(line.startswith("integrations from comments:") for line in summary.lines())


def test_new_records_never_reuse_the_id_of_a_deleted_one(curator):
    """Ids of deleted transfers are not given again (their history rows keep them)."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    last = Transfer.objects.order_by("-pk").first()
    last_pk = last.pk
    last.delete()
    LoadedRecord.objects.filter(natural_key=json.dumps([last.slug])).delete()
    sipri_import(read, verified_by=curator)
    assert Transfer.objects.get(slug=last.slug).pk > last_pk


def test_utf8_file_with_quoted_multiline_comments_is_quoted_verbatim(curator):
    """A UTF-8 export with a BOM and quoted comments holding newlines: each deal's quote is its
    rows as stored, at its offset."""
    read = sipri_read(DATA / "classic-utf8-quoted.csv")
    summary = sipri_import(read, verified_by=curator)
    assert summary.balanced and summary.imported == len(read.deals) > 0
    source = Source.objects.get()
    for evidence in Evidence.objects.filter(transfer__isnull=False):
        assert source.text[evidence.start : evidence.end] == evidence.quote
    multiline = [d for d in read.deals if len(d.lines) > 1]
    for deal in multiline:
        quote = Transfer.objects.get(external_id=f"sipri:{deal.identity}").evidence.get().quote
        assert quote == deal.text
    assert list(evidence_bad_quotes()) == []


def test_a_withdrawn_deal_that_comes_back_is_no_longer_withdrawn(curator):
    """A deal missing from one release and back in the next loses its withdrawal."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    sipri_import(release(drop=(TB2,), generated="1 Jan 2025"), verified_by=curator)
    back = transfer_on(read, 23)
    assert back.withdrawn_by_source is not None
    summary = sipri_import(release(generated="1 Jan 2026"), verified_by=curator)
    back.refresh_from_db()
    assert back.withdrawn_by_source is None
    assert summary.transfers_updated == 1 and summary.balanced


def test_a_side_is_taken_whole_or_kept_whole(curator):
    """When SIPRI moves a deal's recipient from a state to a party but a curator changed the
    state, the curator's side stays whole (no half-state, half-party side) and is reported."""
    sipri_import(DEAL_ID, verified_by=curator)
    edited = Transfer.objects.get(external_id="sipri:deal:35382")
    edited.recipient = State.objects.create(code="PK", name="Pakistan")
    edited.save()
    text = DEAL_ID.read_bytes().decode("utf-8", "replace")
    newer = text.replace(
        "35382,United States,Afghanistan,", "35382,United States,Taliban (Afghanistan)*,"
    ).replace("28 Apr 2025", "28 Apr 2026")
    summary = sipri_import(newer.encode(), verified_by=curator)
    edited.refresh_from_db()
    assert (edited.recipient_kind, edited.recipient.code) == ("state", "PK")
    assert edited.recipient_party is None
    assert any("recipient: kept the curator's side" in c for c in summary.conflicts)


def test_only_a_newer_release_withdraws_a_deal(curator):
    """The same release cut down (a regional extract, as quickstart ships) or an older release
    imported after it lacks deals SIPRI still lists: nothing is withdrawn; a newer one does."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    tb2 = transfer_on(read, 23)
    cut_down = sipri_import(release(drop=(TB2,)), verified_by=curator)
    older = sipri_import(release(drop=(TB2,), generated="1 Jan 2020"), verified_by=curator)
    tb2.refresh_from_db()
    assert (cut_down.transfers_withdrawn, older.transfers_withdrawn) == (0, 0)
    assert tb2.withdrawn_by_source is None
    newer = sipri_import(release(drop=(TB2,), generated="1 Jan 2026"), verified_by=curator)
    tb2.refresh_from_db()
    assert newer.transfers_withdrawn == 1 and tb2.withdrawn_by_source is not None


def test_an_unbalanced_summary_stops_the_import_before_commit(curator):
    """The balance is checked inside the transaction: a lost deal writes nothing."""
    read = sipri_read(CLASSIC)
    read.report.deals_read += 1  # one deal more read than the import accounts for
    with pytest.raises(SipriImportError, match="does not balance"):
        sipri_import(read, verified_by=curator)
    assert not Transfer.objects.exists() and not Source.objects.exists()


@pytest.mark.parametrize(
    ("old", "new", "field", "value"),
    [
        ("Afghanistan,Brazil,2017,", "Afghanistan,Brazil,0000,", "Year of order", "0000"),
        ("Afghanistan,Brazil,2017,", "Afghanistan,Brazil,1850,", "Year of order", "1850"),
        ("Afghanistan,Brazil,2017,", "Afghanistan,Brazil,2999,", "Year of order", "2999"),
        (",6,,EMB-314", ",3000000000,,EMB-314", "Number ordered", "3000000000"),
        ("6,?,2018,New", "6,?,2018; 9999,New", "Year(s) of delivery", "2018; 9999"),
        ("production line,4.5,27,27", "production line,4.5,1000000000000,27", None, None),
    ],
)
def test_out_of_range_values_are_rejected_rows_not_tracebacks(curator, old, new, field, value):
    """Values the database cannot hold are reported by line, field and value; the rest loads."""
    summary = sipri_import(release({old: new}), verified_by=curator)
    field = field or "SIPRI TIV for total order"
    value = value or "1000000000000"
    assert any(r.startswith("line 13") and field in r and value in r for r in summary.rejected), (
        summary.rejected
    )
    assert summary.balanced and summary.imported == GOOD_ROWS - 1


def test_a_deal_rejected_by_a_newer_release_is_not_withdrawn(curator):
    """A deal still in the newer release but rejected there (by the loader: delivery before
    order; by the reader: a bad value) is still listed by SIPRI: it is not withdrawn."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    tb2, ai25 = transfer_on(read, 23), transfer_on(read, 14)
    newer = release(
        {
            "Bayraktar TB2,armed UAV,12,?,2020,New": "Bayraktar TB2,armed UAV,12,?,2019,New",
            AI25: AI25.replace(",New,", ",Brand new,"),
        },
        generated="1 Jan 2026",
    )
    summary = sipri_import(newer, verified_by=curator)
    assert any("line 23" in r and "before the order year" in r for r in summary.rejected)
    assert any(r.startswith("line 14: status") for r in summary.rejected)
    assert summary.transfers_withdrawn == 0 and summary.balanced
    tb2.refresh_from_db(), ai25.refresh_from_db()
    assert tb2.withdrawn_by_source is None and ai25.withdrawn_by_source is None


def test_rejected_rows_naming_no_deal_skip_withdrawal_and_say_so(curator):
    """A row with the wrong column count could be any deal: nothing is withdrawn that time."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    tb2 = transfer_on(read, 23)
    summary = sipri_import(
        release(drop=(TB2,), generated="1 Jan 2026", keyed=False), verified_by=curator
    )
    tb2.refresh_from_db()
    assert summary.transfers_withdrawn == 0 and tb2.withdrawn_by_source is None
    assert summary.withdrawal_skipped.startswith("2 rejected row(s) name no deal (line(s) 76, 77)")
    assert any(line.startswith("withdrawal skipped:") for line in summary.lines())


AUS_ENGINE = "vehicle engine,150,?,2002; 2003; 2004; 2005,New,6V-53T (275hp) diesel engine; for 150"
AUS_GENERIC = "vehicle engine,150,?,2002; 2003; 2004; 2005,New,For 150"


def test_a_verified_deal_keeps_its_item_when_the_newer_release_points_it_at_a_draft(curator):
    """A newer release whose Comments now name a model (a draft item, inferred) does not abort
    the import: the verified deal keeps its item, the change is reported and taken later."""
    first = sipri_import(release({AUS_ENGINE: AUS_GENERIC}), verified_by=curator)
    assert first.balanced
    deal = Transfer.objects.get(quantity=150, item__name="vehicle engine")
    assert deal.review_state == ReviewState.VERIFIED
    generic = deal.item
    summary = sipri_import(release(generated="1 Jan 2026"), verified_by=curator)
    deal.refresh_from_db()
    assert deal.review_state == ReviewState.VERIFIED and deal.item == generic
    assert deal.comments.startswith("6V-53T")  # the rest of SIPRI's change is taken
    assert any("kept its item" in h and "6v-53t" in h.casefold() for h in summary.held)
    assert summary.balanced


def test_a_verified_deal_keeps_its_side_when_the_newer_release_names_a_draft_party(curator):
    """A side changed to a name drafted with --create-unknown: the verified deal keeps its side."""
    sipri_import(DEAL_ID, verified_by=curator)
    deal = Transfer.objects.get(external_id="sipri:deal:35382")
    text = DEAL_ID.read_bytes().decode("utf-8", "replace")
    newer = text.replace(
        "35382,United States,Afghanistan,", "35382,United States,Ruritania,"
    ).replace("28 Apr 2025", "28 Apr 2026")
    summary = sipri_import(newer.encode(), verified_by=curator, create_unknown=True)
    deal.refresh_from_db()
    assert deal.review_state == ReviewState.VERIFIED
    assert (deal.recipient_kind, deal.recipient.code) == ("state", "AF")
    assert any("kept its recipient" in h and "Ruritania" in h for h in summary.held)


def test_a_draft_import_does_not_change_verified_deals(curator):
    """A --draft release's values are quoted by draft evidence only: verified deals keep theirs
    (reported); a later verifying import of the same release takes them."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    ai25 = transfer_on(read, 14)
    newer = release({AI25: AI25_NEWER}, generated="13 Oct 2025 1:00:00 PM")
    summary = sipri_import(newer)
    ai25.refresh_from_db()
    assert ai25.quantity == 26 and ai25.review_state == ReviewState.VERIFIED
    assert any("kept back" in h and "quantity" in h for h in summary.held)
    vouched = sipri_import(newer, verified_by=curator)
    ai25.refresh_from_db()
    assert ai25.quantity == 28 and not vouched.held and not vouched.conflicts


def test_existing_drafts_carrying_draft_quotes_stay_drafts_with_their_deals(curator):
    """A draft item or state the import would verify stays a draft while it carries a draft
    quote (a verified fact needs a verified quote); the deals using it are drafts, reported."""
    from tests.factories import EvidenceFactory, ItemFactory, StateFactory

    item = ItemFactory(
        name="L-39C Albatros",
        item_type="trainer aircraft",
        manufacturer=None,
        country_of_origin=None,
    )
    EvidenceFactory(item=item, transfer=None)
    afghanistan = StateFactory(code="AF", name="Afghanistan")
    EvidenceFactory(state=afghanistan, transfer=None)
    summary = sipri_import(CLASSIC, verified_by=curator)
    item.refresh_from_db(), afghanistan.refresh_from_db()
    assert item.review_state == ReviewState.DRAFT and afghanistan.review_state == ReviewState.DRAFT
    assert Transfer.objects.filter(item=item).exists()
    assert not Transfer.objects.filter(item=item, review_state=ReviewState.VERIFIED).exists()
    assert Transfer.objects.filter(recipient=afghanistan).exists()
    assert not Transfer.objects.filter(
        recipient=afghanistan, review_state=ReviewState.VERIFIED
    ).exists()
    assert sum(1 for h in summary.held if "left a draft" in h) == 2
    assert Transfer.objects.filter(review_state=ReviewState.VERIFIED).exists()


def test_a_row_already_imported_under_another_key_stops_the_import(curator):
    """A new deal whose row is already a transfer under another slug (numbered differently by
    an earlier extract) stops the import, naming the line and the transfer; nothing is written."""
    read = sipri_read(CLASSIC)
    sipri_import(read, verified_by=curator)
    transfer = transfer_on(read, 13)
    LoadedRecord.objects.filter(natural_key=json.dumps([transfer.slug])).delete()
    Transfer.objects.filter(pk=transfer.pk).update(slug="sipri-numbered-otherwise")
    before = (Transfer.objects.count(), history_rows())
    with pytest.raises(SipriImportError, match="line 13: the row is already transfer "):
        sipri_import(CLASSIC, verified_by=curator)
    assert (Transfer.objects.count(), history_rows()) == before


@pytest.mark.parametrize("fails", [False, True])
def test_the_garbage_collector_runs_again_after_an_import(curator, fails):
    """The import pauses Python's cyclic collector and restores it, whether it commits or not."""
    read = sipri_read(CLASSIC)
    if fails:
        read.report.deals_read += 1  # unbalanced: the import raises
    try:
        sipri_import(read, verified_by=curator)
    except SipriImportError:
        assert fails
    assert gc.isenabled()
