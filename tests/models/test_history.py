"""Audit history: every change is kept with who, when and what changed."""

import pytest

from tests import factories as f
from tracker.services.review import records_return_to_draft, records_verify

pytestmark = pytest.mark.django_db


def test_edit_is_recorded_with_the_changed_field():
    conflict = f.ConflictFactory(region="Caucasus")
    conflict.region = "South Caucasus"
    conflict.save()
    newest, previous = conflict.history.all()[:2]
    delta = newest.diff_against(previous)
    assert [(c.field, c.old, c.new) for c in delta.changes if c.field == "region"] == [
        ("region", "Caucasus", "South Caucasus")
    ]


def test_verify_and_return_to_draft_are_recorded_with_the_curator():
    curator = f.UserFactory(username="checker")
    conflict = f.ConflictFactory()
    qs = type(conflict).objects.filter(pk=conflict.pk)
    assert records_verify(records=qs, user=curator) == 1
    assert records_verify(records=qs, user=curator) == 0
    conflict.refresh_from_db()
    assert conflict.review_state == "verified" and conflict.verified_by == curator
    assert records_return_to_draft(records=qs, user=curator) == 1
    rows = list(conflict.history.order_by("history_date"))
    assert [r.review_state for r in rows] == ["draft", "verified", "draft"]
    assert [r.history_user for r in rows[1:]] == [curator, curator]
    assert rows[1].history_change_reason == "verified"
