"""Tombstones keep the natural key of withdrawn records, once per key."""

import pytest

from tests.factories import TransferFactory
from tracker.choices import ReviewState
from tracker.models import Tombstone, TombstoneKind, Transfer
from tracker.selectors.tombstones import tombstone_for_lookup, tombstoned_keys
from tracker.services.tombstones import tombstone_clear, tombstone_record

pytestmark = pytest.mark.django_db


def test_a_withdrawn_record_is_remembered_by_its_natural_key_and_lookup():
    """The tombstone records the key, whether the record was public, and is found by lookup."""
    transfer = TransferFactory()
    tombstone_record(
        instance=transfer, kind=TombstoneKind.DELETED, reason="duplicate", lookup=str(transfer.pk)
    )
    assert tombstoned_keys(model=Transfer) == {transfer.natural_key()}
    found = tombstone_for_lookup(model=Transfer, lookup=str(transfer.pk))
    assert found.reason == "duplicate"
    assert found.was_public is (transfer.review_state == ReviewState.VERIFIED)


def test_withdrawing_twice_refreshes_one_tombstone_and_clearing_removes_it():
    transfer = TransferFactory()
    tombstone_record(instance=transfer, kind=TombstoneKind.REJECTED, reason="first")
    tombstone_record(instance=transfer, kind=TombstoneKind.DELETED, reason="second")
    assert Tombstone.objects.get().reason == "second"
    assert tombstone_clear(instance=transfer) == 1
    assert not Tombstone.objects.exists()
