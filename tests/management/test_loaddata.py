"""The validated loaddata: natural keys, idempotent loads, malformed fixtures rejected whole."""

import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.management.conftest import REFERENCE, SEED

pytestmark = pytest.mark.django_db

SEED_PATH = Path(settings.FIXTURE_DIRS[0]) / f"{SEED}.json"


def curated_labels() -> list[str]:
    """Every tracker model but the histories and the load ledger (bookkeeping of loads)."""
    return [
        m._meta.label
        for m in apps.get_app_config("tracker").get_models()
        if not m.__name__.startswith("Historical") and m.__name__ != "LoadedRecord"
    ]


def dump() -> list[dict]:
    out = io.StringIO()
    call_command(
        "dumpdata", *curated_labels(), natural_foreign=True, natural_primary=True, stdout=out
    )
    return json.loads(out.getvalue())


def tracker_counts() -> dict[str, int]:
    return {
        m.__name__: m._default_manager.count() for m in apps.get_app_config("tracker").get_models()
    }


def write_variant(tmp_path, mutate) -> str:
    records = json.loads(SEED_PATH.read_text(encoding="utf-8"))
    mutate(records)
    path = tmp_path / "variant.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return str(path)


def find(records, model, **match):
    for record in records:
        if record["model"] == model and all(record["fields"].get(k) == v for k, v in match.items()):
            return record["fields"]
    raise LookupError(model, match)


def test_loading_the_same_fixtures_twice_changes_nothing(seed):
    before, history_before = dump(), tracker_counts()
    call_command("loaddata", *REFERENCE, SEED, verbosity=0)
    assert dump() == before
    assert tracker_counts() == history_before


def test_dump_flush_load_reproduces_the_database(seed, tmp_path):
    """dumpdata --natural-foreign --natural-primary, flush, loaddata gives the same data."""
    before = dump()
    path = tmp_path / "all.json"
    path.write_text(json.dumps(before), encoding="utf-8")
    call_command("flush", interactive=False, verbosity=0)
    assert tracker_counts()["State"] == 0
    call_command("loaddata", str(path), verbosity=0)
    assert dump() == before


def test_fixtures_from_two_articles_merge_on_shared_records(seed, tmp_path):
    """A second article's fixture that names the same organisation adds, not duplicates."""
    from tracker.models import Organization

    records = [r for r in json.loads(SEED_PATH.read_text()) if r["model"] == "tracker.organization"]
    for record in records:
        record["fields"]["description"] = "updated by a later article"
    path = tmp_path / "later.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    count = Organization.objects.count()
    call_command("loaddata", str(path), verbosity=0)
    assert Organization.objects.count() == count
    assert Organization.objects.get(slug="nato").description == "updated by a later article"


def unknown_state(records):
    find(records, "tracker.transfer")["recipient"] = ["XX"]


def quote_not_in_source(records):
    fields = find(records, "tracker.evidence", quote="The freeze was lifted in May.")
    fields["quote"] = "The freeze was raised in May."


def broken_natural_key(records):
    for record in records:
        if record["model"] == "tracker.evidence" and record["fields"]["permit_decision"]:
            record["fields"]["permit_decision"] = ["no-such-decision"]


def end_before_start(records):
    fields = find(records, "tracker.permitdecision", slug="ca-lift-tr-2020-05")
    fields["end_date"], fields["end_date_precision"] = "2020-01-01", 2


def invented_day(records):
    fields = find(records, "tracker.permitdecision", slug="ca-freeze-tr-2019-10")
    fields["announced_date"] = "2019-10-14"


def lift_of_another_authority(records):
    find(records, "tracker.permitdecision", slug="ca-lift-tr-2020-05")["authority"] = ["US"]


def integration_cycle(records):
    """The seed fits the Wescam systems to the drones; a second record fits the drones to them."""
    fields = dict(find(records, "tracker.integration"))
    fields.update(
        slug="turkish-drones-in-l3harris-wescam-imaging-and-targeting-systems",
        component=fields["assembly"],
        assembly=fields["component"],
        review_state="draft",
        verified_at=None,
    )
    records.append({"model": "tracker.integration", "fields": fields})


def duplicate_record(records):
    """The same organisation twice: today the later silently wins."""
    fields = dict(find(records, "tracker.organization", slug="nato"))
    fields["description"] = "a second, different description"
    records.append({"model": "tracker.organization", "fields": fields})


def missing_nullable_reference(records):
    find(records, "tracker.transfer")["supplier_organization"] = ["no-such-maker"]


def verified_fact_without_evidence(records):
    fields = dict(find(records, "tracker.transfer"))
    fields.update(slug="ca-tr-turkish-drones-undated", supplier=["CA"], recipient=["TR"])
    records.append({"model": "tracker.transfer", "fields": fields})


def verified_fact_on_a_draft_item(records):
    fields = find(records, "tracker.item", slug="turkish-drones")
    fields.update(review_state="draft", verified_at=None)


def verified_quote_from_a_draft_source(records):
    find(records, "tracker.source").update(review_state="draft", verified_at=None)


@pytest.mark.parametrize(
    ("mutate", "record", "field", "message"),
    [
        (integration_cycle, "tracker.integration 'turkish-drones-in-l3harris", "assembly", "cycle"),
        (duplicate_record, "tracker.organization 'nato'", "slug", "appears twice"),
        (
            missing_nullable_reference,
            "tracker.transfer 'tr-az-turkish-drones-undated'",
            "supplier_organization",
            "no-such-maker",
        ),
        (
            verified_fact_without_evidence,
            "tracker.transfer 'ca-tr-turkish-drones-undated'",
            "evidence",
            "no verified quote",
        ),
        (
            verified_fact_on_a_draft_item,
            "tracker.transfer 'tr-az-turkish-drones-undated'",
            "item",
            "draft Item",
        ),
        (verified_quote_from_a_draft_source, "tracker.evidence", "source", "draft Source"),
        (unknown_state, "tracker.transfer 'tr-az-turkish-drones-undated'", "recipient", "['XX']"),
        (quote_not_in_source, "tracker.evidence 'permit_decision-ca-lift", "quote", "verbatim"),
        (broken_natural_key, "tracker.evidence", "permit_decision", "no-such-decision"),
        (end_before_start, "ca-lift-tr-2020-05", "end_date", "before"),
        (invented_day, "ca-freeze-tr-2019-10", "announced_date", "first day"),
        (lift_of_another_authority, "ca-lift-tr-2020-05", "ends", "another authority"),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_malformed_fixture_loads_nothing_and_names_record_and_field(
    reference, tmp_path, mutate, record, field, message
):
    path = write_variant(tmp_path, mutate)
    counts = tracker_counts()
    with pytest.raises(CommandError) as info:
        call_command("loaddata", path, verbosity=0)
    text = str(info.value)
    assert "Nothing was loaded" in text
    assert record in text and f"'{field}" in text and message in text, text
    assert tracker_counts() == counts


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[\n  {"model": "tracker.state",\n   "fields": {"code": "QZ",}}\n]', "line 3, column"),
        ('{"model": "tracker.state", "fields": {"code": "QZ"}}', "the top level: is an object"),
        ('[{"fields": {"code": "QZ"}}]', "record #1, field 'model'"),
        ('["tracker.state"]', "record #1: is not an object"),
    ],
    ids=["invalid-json", "top-level-object", "no-model", "not-an-object"],
)
def test_a_fixture_that_is_not_a_list_of_records_is_refused_with_where_and_why(
    tmp_path, content, message
):
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("loaddata", str(path), verbosity=0)
    text = str(info.value)
    assert "Nothing was loaded" in text and "broken.json" in text and message in text, text
    if "JSON" in message or "line" in message:
        assert "invalid JSON" in text


def test_a_problem_in_the_second_fixture_loads_nothing_from_the_first(reference, tmp_path):
    good = write_variant(tmp_path, lambda records: None)
    bad = tmp_path / "bad.json"
    bad.write_text("[", encoding="utf-8")
    counts = tracker_counts()
    with pytest.raises(CommandError, match="bad.json"):
        call_command("loaddata", good, str(bad), verbosity=0)
    assert tracker_counts() == counts


def test_a_reload_reports_conflicts_with_both_values_and_a_summary(seed, tmp_path, curator):
    from tracker.models import Organization
    from tracker.services.records import record_update

    nato = Organization.objects.get(slug="nato")
    record_update(instance=nato, data={"description": "edited by a curator"}, many={}, user=curator)

    def later_article(records):
        find(records, "tracker.organization", slug="nato")["description"] = "the fixture's new text"
        find(records, "tracker.organization", slug="nato")["name"] = "NATO (renamed)"

    path = write_variant(tmp_path, later_article)
    out = io.StringIO()
    call_command("loaddata", path, verbosity=1, stdout=out)
    text = out.getvalue()
    nato.refresh_from_db()
    assert (nato.description, nato.name) == ("edited by a curator", "NATO (renamed)")
    assert "Conflict (kept the curator's value)" in text
    assert '"edited by a curator"' in text and '"the fixture\'s new text"' in text
    assert "tracker.organization 'nato', field 'description'" in text
    assert "loaded 0, updated 1, unchanged " in text and "conflicts 1, skipped 0" in text


def test_overwrite_on_the_command_line_is_recorded_in_the_history(seed, tmp_path, curator):
    from tracker.models import Organization
    from tracker.services.records import record_update

    nato = Organization.objects.get(slug="nato")
    original = nato.description
    record_update(instance=nato, data={"description": "edited by a curator"}, many={}, user=curator)
    out = io.StringIO()
    call_command("loaddata", SEED, "--overwrite", verbosity=1, stdout=out)
    nato.refresh_from_db()
    assert nato.description == original
    assert "Conflict (overwrote the curator's value)" in out.getvalue()
    reason = nato.history.first().history_change_reason
    assert reason == f"overwritten from fixture {SEED}.json (--overwrite)"
