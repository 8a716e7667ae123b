"""Transfers whose side is not a state in the supply-chain selectors: never a step of a route,
never attributed to a state, and public only with the party of each side."""

import pytest
from django.utils import timezone

from tests import factories as f
from tracker.models import Item
from tracker.selectors.supply_chain import (
    supply_chain_origins,
    supply_chain_paths,
    supply_chain_reach,
)

pytestmark = pytest.mark.django_db


def test_an_unknown_supplier_is_not_the_state_that_holds_the_item():
    """Without the side kinds, an unknown supplier (a NULL state) matched any state holding the
    item and made a route A -> C."""
    a, c = f.StateFactory(), f.StateFactory()
    gun = f.PlatformFactory(country_of_origin=a, manufacturer=None)
    f.TransferFactory(supplier=None, supplier_kind="unknown", recipient=c, item=gun)
    assert supply_chain_paths(origin=a, destination=c, verified_only=False).routes == []


def test_a_transfer_to_a_party_does_not_keep_the_item_in_the_supplier_state():
    """A -> party, then (wrongly) A -> C: only the real state-to-state transfer is a route."""
    a, c = f.StateFactory(), f.StateFactory()
    gun = f.PlatformFactory(country_of_origin=a, manufacturer=None)
    f.TransferFactory(supplier=a, item=gun, to_party=True)
    f.TransferFactory(supplier=a, recipient=c, item=gun)
    (route,) = supply_chain_paths(origin=a, destination=c, verified_only=False).routes
    assert [h.kind for h in route.hops] == ["origin", "transfer"]


def test_origins_name_the_kind_of_each_supplier():
    here, there = f.StateFactory(), f.StateFactory()
    party = f.PartyFactory(country=there)
    gun = f.PlatformFactory(country_of_origin=there, manufacturer=None)
    f.TransferFactory(supplier=there, recipient=here, item=gun)
    f.TransferFactory(supplier=None, supplier_kind="unknown", recipient=here, item=gun)
    f.TransferFactory(
        supplier=None, supplier_kind="non_state", supplier_party=party, recipient=here,
        item=gun,
    )  # fmt: skip
    rows = supply_chain_origins(state=here, verified_only=False).rows
    assert sorted(
        (r.supplier_kind, r.from_state, r.from_party, r.from_party_country) for r in rows
    ) == [
        ("non_state", None, party.slug, there.code),
        ("state", there.code, None, None),
        ("unknown", None, None, None),
    ]


def test_readers_do_not_see_a_verified_transfer_whose_side_is_a_draft():
    """Verified transfers from a draft state and to a draft party are left out of a reader's
    origins and reach (they were counted as from or to "no state" before); curators see them."""
    here, there = f.StateFactory(), f.StateFactory()
    gun = f.PlatformFactory(country_of_origin=there, manufacturer=None)
    f.verify(here)
    f.verify(gun)
    from_draft_state = f.TransferFactory(supplier=there, recipient=here, item=gun)
    to_draft_party = f.TransferFactory(supplier=here, item=gun, to_party=True)
    for transfer in (from_draft_state, to_draft_party):
        type(transfer).objects.filter(pk=transfer.pk).update(
            review_state="verified", verified_at=timezone.now()
        )
    assert supply_chain_origins(state=here, verified_only=True).rows == []
    assert len(supply_chain_origins(state=here, verified_only=False).rows) == 1
    start = Item.objects.filter(pk=gun.pk)
    reader = supply_chain_reach(start_items=start, verified_only=True).rows
    assert [r for r in reader if r.kind == "transfer"] == []
    curator = supply_chain_reach(start_items=start, verified_only=False).rows
    assert {(r.recipient_kind, r.state) for r in curator if r.kind == "transfer"} == {
        ("state", here.code),
        ("non_state", None),
    }
