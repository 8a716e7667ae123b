"""The reload rule, field by field: untouched fields follow the source, curators' edits stay (a
conflict when the source changed too), withdrawn records stay withdrawn, --overwrite is recorded."""

import pytest

from tests import factories as f
from tracker.models import LoadedRecord, Organization, TombstoneKind
from tracker.services.records import record_update
from tracker.services.reload import LoadSource, records_reload
from tracker.services.tombstones import tombstone_record

pytestmark = pytest.mark.django_db


def org(**fields) -> dict:
    values = {
        "slug": "aselsan",
        "name": "Aselsan",
        "kind": "manufacturer",
        "description": "one",
        "website": "",
        "country": None,
        "review_state": "draft",
        "verified_at": None,
        "verified_by": None,
        **fields,
    }
    return {"model": "tracker.organization", "fields": values}


def load(*records, name="orgs.json", overwrite=False):
    return records_reload(sources=[LoadSource(name, list(records))], overwrite=overwrite)


def curator_edit(user, **changes) -> Organization:
    return record_update(
        instance=Organization.objects.get(slug="aselsan"), data=changes, many={}, user=user
    )


def test_a_loaded_record_has_a_first_history_entry_so_the_first_edit_shows_its_changes(curator):
    report = load(org())
    assert (report.loaded, report.updated, report.unchanged) == (1, 0, 0)
    first = Organization.objects.get(slug="aselsan").history.get()
    assert first.history_type == "+" and "orgs.json" in first.history_change_reason
    curator_edit(curator, description="curated")
    latest = Organization.objects.get(slug="aselsan").history.first()
    delta = latest.diff_against(latest.prev_record)
    assert ("description", "one", "curated") in [(c.field, c.old, c.new) for c in delta.changes]


def test_a_field_no_curator_touched_takes_the_new_value():
    load(org())
    report = load(org(description="two", name="ASELSAN A.S."))
    record = Organization.objects.get(slug="aselsan")
    assert (record.description, record.name) == ("two", "ASELSAN A.S.")
    assert (report.updated, report.conflicts) == (1, [])
    assert "reloaded from fixture orgs.json" in record.history.first().history_change_reason


def test_a_curators_edit_survives_a_reload_of_the_same_fixture_without_a_conflict(curator):
    load(org())
    curator_edit(curator, description="curated")
    report = load(org())
    assert Organization.objects.get(slug="aselsan").description == "curated"
    assert (report.unchanged, report.conflicts) == (1, [])


def test_a_curators_edit_and_a_new_fixture_value_make_a_conflict_the_curator_wins(curator):
    load(org())
    curator_edit(curator, description="curated")
    report = load(org(description="two", name="ASELSAN A.S."))
    record = Organization.objects.get(slug="aselsan")
    assert (record.description, record.name) == ("curated", "ASELSAN A.S.")
    (conflict,) = report.conflicts
    assert (conflict.field, conflict.current, conflict.incoming) == (
        "description",
        "curated",
        "two",
    )
    assert "'description'" in str(conflict) and '"curated"' in str(conflict)
    assert '"two"' in str(conflict) and "orgs.json" in str(conflict)


def test_overwrite_replaces_the_curators_value_and_the_history_names_the_fixture(curator):
    load(org())
    curator_edit(curator, description="curated")
    report = load(org(), overwrite=True)
    record = Organization.objects.get(slug="aselsan")
    assert record.description == "one"
    assert [c.field for c in report.conflicts] == ["description"]
    latest = record.history.first()
    assert "overwritten from fixture orgs.json" in latest.history_change_reason
    assert latest.description == "one" and latest.prev_record.description == "curated"


@pytest.mark.parametrize("kind", [TombstoneKind.DELETED, TombstoneKind.REJECTED])
@pytest.mark.parametrize("overwrite", [False, True])
def test_a_record_a_curator_deleted_or_rejected_stays_deleted(curator, kind, overwrite):
    load(org())
    record = Organization.objects.get(slug="aselsan")
    tombstone_record(instance=record, kind=kind, reason="not a real company", user=curator)
    record.delete()
    report = load(org(description="two"), overwrite=overwrite)
    assert not Organization.objects.filter(slug="aselsan").exists()
    (skipped,) = report.skipped
    assert "not recreated" in str(skipped) and "not a real company" in str(skipped)


def test_a_record_deleted_without_a_tombstone_comes_back_only_with_overwrite():
    load(org())
    Organization.objects.get(slug="aselsan").delete()
    assert len(load(org()).skipped) == 1
    assert not Organization.objects.filter(slug="aselsan").exists()
    assert load(org(), overwrite=True).loaded == 1
    assert Organization.objects.filter(slug="aselsan").exists()


def test_a_record_made_before_any_load_keeps_its_values_and_reports_the_differences():
    f.OrganizationFactory(slug="aselsan", name="Aselsan", description="typed in", country=None)
    report = load(org())
    assert Organization.objects.get(slug="aselsan").description == "typed in"
    assert [(c.field, c.current, c.incoming) for c in report.conflicts] == [
        ("description", "typed in", "one")
    ]


def test_the_ledger_remembers_what_each_source_wrote_and_the_latest_load_is_the_baseline(curator):
    load(org(), name="a.json")
    load(org(description="two"), name="b.json")
    assert set(LoadedRecord.objects.values_list("source", "values__description")) == {
        ("a.json", "one"),
        ("b.json", "two"),
    }
    # b.json wrote "two" last; nobody touched it since, so a.json's value applies again.
    report = load(org(), name="a.json")
    assert Organization.objects.get(slug="aselsan").description == "one"
    assert report.conflicts == []


def test_a_forward_reference_to_a_later_record_resolves():
    state = f.StateFactory()
    item = {
        "model": "tracker.item",
        "fields": {
            "slug": "drone",
            "kind": "platform",
            "name": "Drone",
            "manufacturer": ["aselsan"],
            "country_of_origin": [state.code],
        },
    }
    report = load(item, org())
    assert report.loaded == 2
    from tracker.models import Item

    assert Item.objects.get(slug="drone").manufacturer.slug == "aselsan"
