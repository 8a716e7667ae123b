"""Transfer sides in the admin: kind, state, party and company per side; the party is the side,
the company is who sold or bought."""

import pytest
from django.urls import reverse

from tests import factories as f
from tracker import models
from tracker.admin.sources import merge_candidates

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def parties(db):
    iran = f.StateFactory(code="IR", name="Iran")
    lebanon = f.StateFactory(code="LB", name="Lebanon")
    return {
        "IR": iran,
        "hezbollah": f.PartyFactory(name="Hezbollah", slug="hezbollah", country=lebanon),
        "seller": f.OrganizationFactory(name="Iranian Seller", slug="iranian-seller", country=iran),
        "rockets": f.PlatformFactory(name="Fajr-5", slug="fajr-5"),
    }


def add(client, parties, **recipient):
    return client.post(
        reverse("admin:tracker_transfer_add"),
        {
            "supplier_kind": "state",
            "supplier": parties["IR"].pk,
            "supplier_organization": parties["seller"].pk,
            "item": parties["rockets"].pk,
            "status": "delivered",
            "slug": "",
            "deliveries-TOTAL_FORMS": 0,
            "deliveries-INITIAL_FORMS": 0,
            "evidence-TOTAL_FORMS": 0,
            "evidence-INITIAL_FORMS": 0,
            **recipient,
        },
    )


def test_a_non_state_side_with_the_company_that_sold_is_added_and_listed(curator_client, parties):
    response = add(
        curator_client,
        parties,
        recipient_kind="non_state",
        recipient_party=parties["hezbollah"].pk,
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    transfer = models.Transfer.objects.get()
    assert (transfer.supplier_organization, transfer.recipient_party) == (
        parties["seller"],
        parties["hezbollah"],
    )
    listing = curator_client.get(reverse("admin:tracker_transfer_changelist")).content.decode()
    assert "Hezbollah (non-state, in LB)" in listing
    page = curator_client.get(
        reverse("admin:tracker_transfer_change", args=[transfer.pk])
    ).content.decode()
    for field in ("supplier_party", "supplier_organization", "recipient_party"):
        assert f'name="{field}"' in page, field


def test_a_company_alone_is_no_non_state_side(curator_client, parties):
    """The organisation is the company: a non-state side needs its party, and the form says so
    on the party field."""
    response = add(
        curator_client,
        parties,
        recipient_kind="non_state",
        recipient_organization=parties["hezbollah"].pk,
    )
    assert response.status_code == 200
    assert "recipient_party" in response.context["adminform"].form.errors
    assert not models.Transfer.objects.exists()


def test_merge_candidates_of_a_deal_are_deals_with_the_same_party(parties):
    """A draft Iran -> Hezbollah may duplicate Iran -> Hezbollah (whoever sold it), not Iran ->
    another party sold by the same company."""
    to_party = {"recipient_kind": "non_state", "recipient": None, "supplier": parties["IR"]}
    same = f.TransferFactory(**to_party, recipient_party=parties["hezbollah"])
    f.TransferFactory(
        **to_party, recipient_party=f.PartyFactory(), supplier_organization=parties["seller"]
    )
    draft = f.TransferFactory(
        **to_party, recipient_party=parties["hezbollah"], supplier_organization=parties["seller"]
    )
    assert merge_candidates(draft) == [same]
