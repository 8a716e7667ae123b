"""Deals with non-state parties through the verification rule, export_fixture, loaddata and the
reload rule: the party, the release that withdrew a deal and its deliveries come along; a side is
reloaded whole."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from tests import factories as f
from tests.management.test_loaddata import dump
from tracker.choices import OrganizationKind
from tracker.models import Organization, Source, State, Transfer, TransferDelivery
from tracker.services.fixtures import FixtureError
from tracker.services.records import record_update
from tracker.services.reload import LoadSource, records_reload
from tracker.services.review import records_verify_plan
from tracker.services.verification import plan_verify

pytestmark = pytest.mark.django_db
URL = "https://example.org/sipri-extract"


@pytest.fixture
def deal(reference, curator):
    """A draft deal Iran -> Hezbollah (operating in Lebanon), sold by a draft Iranian company,
    with two yearly deliveries and a quote, withdrawn by a draft newer release."""
    hezbollah = f.PartyFactory(
        name="Hezbollah", slug="hezbollah", country=State.objects.get(code="LB")
    )
    rockets = f.ItemFactory(
        name="Fajr-5",
        slug="fajr-5",
        manufacturer=None,
        country_of_origin=State.objects.get(code="IR"),
    )
    release = f.SourceFactory(title="SIPRI 2025", url="https://example.org/sipri-2025", text="x")
    transfer = f.TransferFactory(
        supplier=State.objects.get(code="IR"),
        supplier_organization=f.OrganizationFactory(
            name="Iranian seller", slug="iranian-seller", country=State.objects.get(code="IR")
        ),
        recipient_kind="non_state",
        recipient=None,
        recipient_party=hezbollah,
        item=rockets,
        order_date=dt.date(2006, 1, 1),
        withdrawn_by_source=release,
        comments="Fajr-5 rockets",
        quantity=100,
        quantity_estimated=True,
    )
    TransferDelivery.objects.create(transfer=transfer, year=2006, number=60)
    TransferDelivery.objects.create(transfer=transfer, year=2007, number=40, number_estimated=True)
    source = f.SourceFactory(url=URL, text="Iran supplied 100 Fajr-5 rockets to Hezbollah.")
    f.EvidenceFactory(source=source, quote="Iran supplied 100 Fajr-5 rockets", transfer=transfer)
    return transfer


def flush():
    """Empty the database inside the test's transaction. PostgreSQL refuses to truncate tables
    with deferred foreign-key checks pending: run them first."""
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)


def test_verifying_a_deal_makes_its_party_and_release_public_with_it(deal, curator):
    plan = records_verify_plan(records=[deal], user=curator)
    assert not plan.problems
    planned = {(type(r), r.pk) for r in plan.records}
    assert (Organization, deal.recipient_party_id) in planned
    assert (Organization, deal.supplier_organization_id) in planned
    assert (Source, deal.withdrawn_by_source_id) in planned
    plan_verify(records=[deal], user=curator)
    deal.refresh_from_db()
    assert deal.recipient_party.review_state == "verified"
    assert deal.supplier_organization.review_state == "verified"
    assert deal.withdrawn_by_source.review_state == "verified"


def test_a_deal_with_a_party_round_trips_through_a_fixture(deal, curator, tmp_path):
    plan_verify(records=[deal], user=curator)
    before = dump()
    path = tmp_path / "export.json"
    call_command("export_fixture", "--source", URL, "--output", str(path), stdout=io.StringIO())
    exported = json.loads(path.read_text())
    models = [r["model"] for r in exported]
    assert models.index("tracker.organization") < models.index("tracker.transfer")
    assert models.count("tracker.transferdelivery") == 2
    assert models.count("tracker.source") == 2  # the quoted source and the release
    transfer = next(r["fields"] for r in exported if r["model"] == "tracker.transfer")
    assert (
        transfer["recipient_kind"],
        transfer["recipient_party"],
        transfer["supplier_organization"],
    ) == ("non_state", ["hezbollah"], ["iranian-seller"])
    flush()
    call_command("loaddata", "states", "control_list_categories", str(path), verbosity=0)

    def key(record):  # who verified is not exported (that user need not exist elsewhere)
        fields = {k: v for k, v in record["fields"].items() if k != "verified_by"}
        return record["model"], json.dumps(fields, sort_keys=True)

    assert sorted(map(key, dump())) == sorted(map(key, before))
    out = io.StringIO()
    call_command("loaddata", str(path), stdout=out)
    assert "loaded 0, updated 0" in out.getvalue()
    assert TransferDelivery.objects.count() == 2


def test_a_verified_deal_may_not_name_a_draft_party(deal, curator, tmp_path):
    plan_verify(records=[deal], user=curator)
    path = tmp_path / "export.json"
    call_command("export_fixture", "--source", URL, "--output", str(path), stdout=io.StringIO())
    records = json.loads(path.read_text())
    for record in records:
        if record["model"] == "tracker.organization":
            record["fields"].update(review_state="draft", verified_at=None)
    path.write_text(json.dumps(records))
    flush()
    call_command("loaddata", "states", "control_list_categories", verbosity=0)
    with pytest.raises(FixtureError) as error:
        call_command("loaddata", str(path), verbosity=0)
    assert "'recipient_party': is verified but refers to a draft Organization" in str(
        error.value
    ).replace("field ", "")
    assert not Transfer.objects.exists()


def side_record(**recipient) -> dict:
    fields = {
        "slug": "ir-x-fajr-5-2006",
        "supplier_kind": "state",
        "supplier": ["IR"],
        "recipient_kind": "state",
        "recipient": ["LB"],
        "recipient_party": None,
        "recipient_organization": None,
        "item": ["fajr-5"],
        **recipient,
    }
    return {"model": "tracker.transfer", "fields": fields}


def test_a_side_is_reloaded_whole(reference, curator):
    """The curator moved the recipient to Syria; a newer load says it was Hezbollah: the side
    stays the curator's (kind, state and party together), each field reported. The company
    that bought is a field of its own: it follows the source."""
    f.ItemFactory(name="Fajr-5", slug="fajr-5")
    f.PartyFactory(name="Hezbollah", slug="hezbollah", kind=OrganizationKind.ARMED_GROUP)
    records_reload(sources=[LoadSource("deals.json", [side_record()])])
    transfer = Transfer.objects.get()
    record_update(instance=transfer, data={"recipient": State.objects.get(code="SY")}, many={},
                  user=curator)  # fmt: skip
    f.OrganizationFactory(name="Hezbollah logistics", slug="hezbollah-logistics")
    newer = side_record(
        recipient_kind="non_state",
        recipient=None,
        recipient_party=["hezbollah"],
        recipient_organization=["hezbollah-logistics"],
    )
    report = records_reload(sources=[LoadSource("deals.json", [newer])])
    transfer.refresh_from_db()
    assert transfer.recipient_organization.slug == "hezbollah-logistics"
    assert (transfer.recipient_kind, transfer.recipient.code, transfer.recipient_party) == (
        "state",
        "SY",
        None,
    )
    assert {c.field for c in report.conflicts} == {
        "recipient_kind",
        "recipient",
        "recipient_party",
    }
    # With --overwrite the source's side replaces the curator's, whole.
    records_reload(sources=[LoadSource("deals.json", [newer])], overwrite=True)
    transfer.refresh_from_db()
    assert (
        transfer.recipient_kind,
        transfer.recipient_id,
        transfer.recipient_party.slug,
    ) == (
        "non_state",
        None,
        "hezbollah",
    )


def test_an_untouched_side_follows_the_source(reference):
    f.ItemFactory(name="Fajr-5", slug="fajr-5")
    f.PartyFactory(name="Hezbollah", slug="hezbollah")
    records_reload(sources=[LoadSource("deals.json", [side_record()])])
    newer = side_record(recipient_kind="non_state", recipient=None, recipient_party=["hezbollah"])
    report = records_reload(sources=[LoadSource("deals.json", [newer])])
    transfer = Transfer.objects.get()
    assert (transfer.recipient_kind, transfer.recipient_id, report.conflicts) == (
        "non_state",
        None,
        [],
    )


def test_a_fixture_without_side_kinds_loads_state_sides(reference):
    f.ItemFactory(name="Fajr-5", slug="fajr-5")
    record = side_record()
    del record["fields"]["supplier_kind"], record["fields"]["recipient_kind"]
    records_reload(sources=[LoadSource("old.json", [record])])
    transfer = Transfer.objects.get()
    assert (transfer.supplier_kind, transfer.recipient_kind) == ("state", "state")
