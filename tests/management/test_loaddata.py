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


@pytest.mark.parametrize(
    ("mutate", "record", "field", "message"),
    [
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
