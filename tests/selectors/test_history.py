"""The audit history: everything for curators, the public history for every other reader."""

import pytest

from tests import factories as f
from tracker.models import Conflict
from tracker.selectors.history import record_history
from tracker.services.review import records_return_to_draft, records_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def checker():
    return f.UserFactory(username="checker")


def verify(record, user):
    records_verify(records=type(record).objects.filter(pk=record.pk), user=user)
    record.refresh_from_db()


def edit(record, **values):
    for name, value in values.items():
        setattr(record, name, value)
    record.save()


def test_curators_see_every_version_with_who_and_why(checker):
    conflict = f.ConflictFactory(region="draft region")
    edit(conflict, region="Caucasus")
    verify(conflict, checker)
    history = record_history(instance=conflict)
    assert [e["type"] for e in history] == ["Changed", "Changed", "Created"]
    verified = history[0]
    assert (verified["user"], verified["reason"]) == ("checker", "verified")
    assert {"field": "verified_by", "old": None, "new": checker.pk} in verified["changes"]
    assert {"field": "region", "old": "draft region", "new": "Caucasus"} in history[1]["changes"]


def test_public_history_starts_at_the_verification_without_draft_values_or_names(checker):
    conflict = f.ConflictFactory(region="draft region")
    edit(conflict, region="Caucasus")
    verify(conflict, checker)
    (entry,) = record_history(instance=conflict, verified_only=True)
    assert entry["type"] == "Verified"
    assert (entry["user"], entry["reason"], entry["changes"]) == (None, None, [])


def test_public_history_lists_changes_made_while_verified_without_verified_by(checker):
    conflict = f.ConflictFactory(region="Caucasus")
    verify(conflict, checker)
    edit(conflict, region="South Caucasus")
    history = record_history(instance=conflict, verified_only=True)
    assert [e["type"] for e in history] == ["Changed", "Verified"]
    assert history[0]["changes"] == [
        {"field": "region", "old": "Caucasus", "new": "South Caucasus"}
    ]
    assert all(c["field"] != "verified_by" for e in history for c in e["changes"])


def test_a_draft_period_shows_as_a_return_to_draft_and_only_public_values(checker):
    conflict = f.ConflictFactory(region="Caucasus")
    verify(conflict, checker)
    records_return_to_draft(records=Conflict.objects.filter(pk=conflict.pk), user=checker)
    conflict.refresh_from_db()
    edit(conflict, region="withdrawn wording")
    edit(conflict, region="South Caucasus")
    verify(conflict, checker)
    history = record_history(instance=conflict, verified_only=True)
    assert [e["type"] for e in history] == ["Verified", "Returned to draft", "Verified"]
    fields = {c["field"]: c for c in history[0]["changes"]}
    assert fields["region"] == {"field": "region", "old": "Caucasus", "new": "South Caucasus"}
    assert set(fields) <= {"region", "verified_at"}
    assert "withdrawn wording" not in str(history)
    assert history[1]["changes"] == [] and history[1]["user"] is None


def test_a_save_that_changes_nothing_public_is_not_an_entry(checker):
    conflict = f.ConflictFactory()
    verify(conflict, checker)
    conflict.save()
    assert [e["type"] for e in record_history(instance=conflict, verified_only=True)] == [
        "Verified"
    ]


def test_a_reference_to_a_draft_is_null_in_the_public_history(checker):
    maker, draft_maker = f.OrganizationFactory(), f.OrganizationFactory()
    verify(maker, checker)
    item = f.ItemFactory(manufacturer=maker)
    verify(item, checker)
    edit(item, manufacturer=draft_maker)
    public = record_history(instance=item, verified_only=True)[0]["changes"]
    assert {"field": "manufacturer", "old": maker.pk, "new": None} in public
    curators = record_history(instance=item)[0]["changes"]
    assert {"field": "manufacturer", "old": maker.pk, "new": draft_maker.pk} in curators
