"""The admin's verify, return-to-draft and delete follow the verification rule: a confirmation page
lists everything that becomes public; withdrawals list the verified records depending on them."""

import pytest
from django.urls import reverse

from tests import factories as f
from tracker import models
from tracker.models import Tombstone
from tracker.services.verification import plan_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def changelist(model):
    return reverse(f"admin:tracker_{model._meta.model_name}_changelist")


def verify_page(client, record):
    return client.post(
        changelist(type(record)), {"action": "mark_verified", "_selected_action": [record.pk]}
    )


def test_the_confirmation_lists_the_quote_the_source_and_the_drafts_referred_to(curator_client):
    evidence = f.EvidenceFactory()
    transfer = evidence.transfer
    page = verify_page(curator_client, transfer)
    html = page.content.decode()
    assert page.status_code == 200
    for shown in (evidence.source.title, "Ottawa froze permits to Ankara.", transfer.item.name):
        assert shown in html
    assert transfer.supplier.name in html and "Yes, verify all of this" in html
    transfer.refresh_from_db()
    assert transfer.review_state == "draft"  # nothing changes before the confirming POST


def test_a_fact_without_evidence_shows_the_problem_and_no_button(curator_client):
    transfer = f.TransferFactory()
    html = verify_page(curator_client, transfer).content.decode()
    assert "has no evidence" in html and "Yes, verify all of this" not in html
    curator_client.post(
        changelist(models.Transfer),
        {"action": "mark_verified", "_selected_action": [transfer.pk], "confirm": "yes"},
    )
    transfer.refresh_from_db()
    assert transfer.review_state == "draft"


def test_a_plan_that_changed_after_the_confirmation_is_not_applied(curator_client):
    evidence = f.EvidenceFactory()
    token = verify_page(curator_client, evidence.transfer).context["plan"].token
    f.EvidenceFactory(transfer=evidence.transfer, quote="The drones carried sensors.")
    models.Evidence.objects.filter(pk=evidence.pk).delete()  # another curator removed the quote
    response = curator_client.post(
        changelist(models.Transfer),
        {
            "action": "mark_verified",
            "_selected_action": [evidence.transfer_id],
            "confirm": "yes",
            "plan": token,
        },
        follow=True,
    )
    assert "changed since" in response.content.decode()
    assert not models.Transfer.objects.filter(review_state="verified").exists()


def test_returning_a_record_others_depend_on_lists_them_and_offers_to_return_them(
    curator_client, curator
):
    evidence = f.EvidenceFactory()
    transfer = evidence.transfer
    plan_verify(records=[transfer], user=curator)
    item = transfer.item
    data = {"action": "return_to_draft", "_selected_action": [item.pk]}
    page = curator_client.post(changelist(models.Item), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert str(transfer) in html and "Return all of them to draft" in html
    item.refresh_from_db()
    assert item.review_state == "verified"
    assert (
        curator_client.post(changelist(models.Item), data | {"cascade": "yes"}).status_code == 302
    )
    for record in (item, transfer, evidence):
        record.refresh_from_db()
        assert record.review_state == "draft"


def test_deleting_a_quote_that_backs_a_public_fact_is_refused_until_the_fact_returns(
    curator_client, curator
):
    evidence = f.EvidenceFactory()
    transfer = evidence.transfer
    plan_verify(records=[transfer], user=curator)
    delete = reverse("admin:tracker_evidence_delete", args=[evidence.pk])
    page = curator_client.get(delete)
    html = page.content.decode()
    assert str(transfer) in html and "Return all of them to draft" in html
    curator_client.post(delete, {"post": "yes"})
    assert models.Evidence.objects.filter(pk=evidence.pk).exists()
    response = curator_client.post(
        reverse("admin:tracker_evidence_return_dependents"),
        {"_selected_action": [evidence.pk], "next": delete},
    )
    assert response.status_code == 302 and response["Location"] == delete
    transfer.refresh_from_db()
    assert transfer.review_state == "draft"
    assert curator_client.post(delete, {"post": "yes"}).status_code == 302
    assert not models.Evidence.objects.filter(pk=evidence.pk).exists()
    tombstone = Tombstone.objects.get(model="tracker.evidence")
    assert (tombstone.kind, tombstone.withdrawn_by) == ("deleted", curator)


def test_delete_selected_is_refused_while_verified_records_depend(curator_client, curator):
    decision = f.PermitDecisionFactory(scope="items")
    item = f.ItemFactory()
    decision.scope_items.add(item)
    f.EvidenceFactory(transfer=None, permit_decision=decision)
    plan_verify(records=[decision], user=curator)
    data = {"action": "delete_selected", "_selected_action": [item.pk]}
    page = curator_client.post(changelist(models.Item), data)
    assert str(decision) in page.content.decode()
    curator_client.post(changelist(models.Item), data | {"post": "yes"})
    assert models.Item.objects.filter(pk=item.pk).exists()


def test_return_dependents_refuses_get_and_junk(curator_client):
    url = reverse("admin:tracker_evidence_return_dependents")
    assert curator_client.get(url).status_code == 405
    assert curator_client.post(url, {"_selected_action": ["x"]}).status_code == 400
    assert curator_client.post(url, {}).status_code == 400
