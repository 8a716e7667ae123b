"""The verification rule: what becomes public together, and what must leave the public record
together (tombstoned)."""

import pytest
from django.core.exceptions import ValidationError

from tests import factories as f
from tracker import models
from tracker.choices import ReviewState
from tracker.models import Tombstone, TombstoneKind
from tracker.services.review import (
    draft_accept,
    draft_accept_plan,
    draft_merge,
    draft_reject,
    records_return_to_draft,
    records_verify,
    source_accept_all,
)
from tracker.services.verification import (
    DependentsExist,
    delete_dependents,
    plan_verify,
    records_delete,
    verification_plan,
)

pytestmark = pytest.mark.django_db


def keys(records):
    return {(r._meta.model_name, r.pk) for r in records}


def quoted(fact_field, fact, **kwargs):
    return f.EvidenceFactory(**{"transfer": None, fact_field: fact}, **kwargs)


def public(*records):
    """Mark records verified directly (test set-up of an already public record)."""
    for record in records:
        type(record).objects.filter(pk=record.pk).update(
            review_state="verified", verified_at="2026-01-01T00:00:00Z"
        )
        record.refresh_from_db()


def test_a_fact_goes_public_with_one_quote_its_source_and_the_drafts_it_refers_to():
    """Verifying a draft transfer verifies a quote, its source, its states and its item (and the
    item's manufacturer); not the item's aliases."""
    evidence = f.EvidenceFactory()
    transfer = evidence.transfer
    alias = f.ItemAliasFactory(item=transfer.item)
    plan = verification_plan(records=[transfer])
    assert not plan.problems
    item = transfer.item
    assert keys(plan.records) == keys(
        [
            transfer,
            evidence,
            evidence.source,
            transfer.supplier,
            transfer.recipient,
            item,
            item.manufacturer,
            item.manufacturer.country,
            item.country_of_origin,
        ]
    )
    assert records_verify(records=[transfer], user=None) == len(plan.records)
    for record in plan.records:
        record.refresh_from_db()
        assert record.review_state == "verified"
    alias.refresh_from_db()
    assert alias.review_state == "draft"


def test_a_fact_with_no_evidence_is_refused_and_nothing_changes():
    transfer = f.TransferFactory()
    plan = verification_plan(records=[transfer])
    assert plan.problems and "no evidence" in plan.problems[0]
    with pytest.raises(ValidationError):
        records_verify(records=[transfer], user=None)
    assert not models.State.objects.filter(review_state="verified").exists()
    transfer.refresh_from_db()
    assert transfer.review_state == "draft"


def test_a_fact_already_backed_by_public_evidence_needs_no_new_quote():
    evidence = f.EvidenceFactory()
    public(evidence, evidence.source)
    draft_quote = quoted("transfer", evidence.transfer)
    plan = verification_plan(records=[evidence.transfer])
    assert (evidence._meta.model_name, draft_quote.pk) not in keys(plan.records)
    assert ("source", draft_quote.source_id) not in keys(plan.records)


def test_the_quote_from_the_preferred_source_is_chosen():
    transfer = f.TransferFactory()
    quoted("transfer", transfer)
    preferred = quoted("transfer", transfer)
    plan = verification_plan(records=[transfer], prefer_source=preferred.source)
    assert ("evidence", preferred.pk) in keys(plan.records)
    assert len([r for r in plan.records if isinstance(r, models.Evidence)]) == 1


def test_verifying_a_quote_verifies_its_source_and_its_fact():
    evidence = f.EvidenceFactory()
    plan = verification_plan(records=[evidence])
    assert {("transfer", evidence.transfer_id), ("source", evidence.source_id)} <= keys(
        plan.records
    )


@pytest.mark.parametrize(
    "factory",
    [f.StateFactory, f.StateAliasFactory, f.ControlListCategoryFactory, f.ConflictFactory],
)
def test_reference_data_and_unquoted_records_need_no_quote(factory):
    record = factory()
    assert not verification_plan(records=[record]).problems
    assert records_verify(records=[record], user=None) >= 1


def test_an_organisation_carrying_quotes_goes_public_with_one():
    organization = f.OrganizationFactory()
    evidence = quoted("organization", organization)
    plan = verification_plan(records=[organization])
    assert {("evidence", evidence.pk), ("source", evidence.source_id)} <= keys(plan.records)


def test_a_lift_brings_the_decision_it_ends_with_that_decisions_evidence():
    freeze = f.PermitDecisionFactory()
    lift = f.PermitDecisionFactory(
        authority=freeze.authority,
        target_state=freeze.target_state,
        action="lift",
        ends=freeze,
        effective_date=freeze.effective_date.replace(year=freeze.effective_date.year + 1),
    )
    freeze_quote, lift_quote = quoted("permit_decision", freeze), quoted("permit_decision", lift)
    plan = verification_plan(records=[lift])
    assert not plan.problems, plan.problems
    assert {("permitdecision", freeze.pk), ("evidence", freeze_quote.pk)} <= keys(plan.records)
    assert ("evidence", lift_quote.pk) in keys(plan.records)


def test_a_confirmed_plan_that_changed_meanwhile_is_refused():
    evidence = f.EvidenceFactory()
    token = verification_plan(records=[evidence.transfer]).token
    f.ItemFactory()  # unrelated: same plan
    assert verification_plan(records=[evidence.transfer]).token == token
    evidence.transfer.item.manufacturer = f.OrganizationFactory()
    evidence.transfer.item.save()
    with pytest.raises(ValidationError, match="changed since"):
        plan_verify(records=[evidence.transfer], user=None, expected_token=token)
    assert not models.Transfer.objects.filter(review_state="verified").exists()


def test_verifying_writes_history_with_the_curator_and_clears_the_tombstone():
    curator = f.UserFactory()
    evidence = f.EvidenceFactory()
    transfer = evidence.transfer
    records_verify(records=[transfer], user=curator)
    records_return_to_draft(records=[transfer], user=curator, cascade=True)
    assert Tombstone.objects.filter(model="tracker.transfer", was_public=True).exists()
    records_verify(records=[transfer], user=curator)
    assert not Tombstone.objects.filter(model="tracker.transfer").exists()
    newest = transfer.history.first()
    assert (newest.review_state, newest.history_user) == ("verified", curator)


def test_returning_a_record_others_depend_on_is_refused_listing_them():
    evidence = f.EvidenceFactory()
    transfer = evidence.transfer
    records_verify(records=[transfer], user=None)
    item = transfer.item
    with pytest.raises(DependentsExist) as refused:
        records_return_to_draft(records=[item], user=None)
    assert ("transfer", transfer.pk) in keys(refused.value.dependents)
    # the transfer's quote points at the transfer, so it goes with it
    assert ("evidence", evidence.pk) in keys(refused.value.dependents)
    item.refresh_from_db()
    assert item.review_state == "verified"


def test_a_fact_returns_to_draft_with_its_own_quotes_without_asking():
    evidence = f.EvidenceFactory()
    records_verify(records=[evidence.transfer], user=None)
    assert records_return_to_draft(records=[evidence.transfer], user=None) == 2
    evidence.refresh_from_db()
    assert evidence.review_state == "draft"


def test_cascade_returns_the_dependents_and_tombstones_each():
    evidence = f.EvidenceFactory()
    transfer = evidence.transfer
    records_verify(records=[transfer], user=None)
    count = records_return_to_draft(records=[transfer.item], user=None, cascade=True)
    assert count >= 3
    for record in (transfer, evidence, transfer.item):
        record.refresh_from_db()
        assert record.review_state == "draft"
    kinds = set(Tombstone.objects.values_list("kind", flat=True))
    assert kinds == {TombstoneKind.RETURNED_TO_DRAFT}
    assert Tombstone.objects.get(model="tracker.transfer").lookup == str(transfer.pk)
    assert Tombstone.objects.get(model="tracker.item").lookup == transfer.item.slug


def test_returning_the_only_public_quote_takes_the_fact_with_it():
    evidence = f.EvidenceFactory()
    records_verify(records=[evidence.transfer], user=None)
    with pytest.raises(DependentsExist) as refused:
        records_return_to_draft(records=[evidence], user=None)
    assert keys(refused.value.dependents) == {("transfer", evidence.transfer_id)}


def test_returning_a_quote_when_another_public_one_remains_is_allowed():
    evidence = f.EvidenceFactory()
    records_verify(records=[evidence.transfer], user=None)
    other = quoted("transfer", evidence.transfer)
    records_verify(records=[other], user=None)
    assert records_return_to_draft(records=[evidence], user=None) == 1


def test_returning_a_source_takes_its_quotes_and_their_facts():
    evidence = f.EvidenceFactory()
    records_verify(records=[evidence.transfer], user=None)
    with pytest.raises(DependentsExist) as refused:
        records_return_to_draft(records=[evidence.source], user=None)
    assert {("evidence", evidence.pk), ("transfer", evidence.transfer_id)} <= keys(
        refused.value.dependents
    )


def test_deleting_a_public_quote_that_backs_a_fact_is_refused_then_cascades():
    evidence = f.EvidenceFactory()
    transfer = evidence.transfer
    records_verify(records=[transfer], user=None)
    assert keys(delete_dependents(records=[evidence])) == {("transfer", transfer.pk)}
    with pytest.raises(DependentsExist):
        records_delete(records=[evidence], user=None)
    assert models.Evidence.objects.filter(pk=evidence.pk).exists()
    records_delete(records=[evidence], user=None, cascade=True)
    transfer.refresh_from_db()
    assert transfer.review_state == "draft"
    tombstone = Tombstone.objects.get(model="tracker.evidence")
    assert (tombstone.kind, tombstone.was_public) == (TombstoneKind.DELETED, True)


def test_deleting_an_item_named_in_a_verified_decisions_scope_is_refused():
    decision = f.PermitDecisionFactory(scope="items")
    item = f.ItemFactory()
    decision.scope_items.add(item)
    quoted("permit_decision", decision)
    records_verify(records=[decision], user=None)
    assert ("permitdecision", decision.pk) in keys(delete_dependents(records=[item]))


def test_deleting_a_draft_leaves_a_tombstone_that_is_not_public():
    conflict = f.ConflictFactory()
    assert records_delete(records=[conflict], user=None) == 1
    tombstone = Tombstone.objects.get()
    assert (tombstone.kind, tombstone.was_public, tombstone.lookup) == (
        TombstoneKind.DELETED,
        False,
        conflict.slug,
    )


def test_accept_in_review_verifies_the_fact_its_quote_and_the_source():
    evidence = f.EvidenceFactory()
    plan = draft_accept_plan(fact=evidence.transfer, source=evidence.source)
    assert {("transfer", evidence.transfer_id), ("evidence", evidence.pk)} <= keys(plan.records)
    draft_accept(fact=evidence.transfer, source=evidence.source, user=None)
    evidence.source.refresh_from_db()
    assert evidence.source.review_state == "verified"


def test_accept_all_verifies_every_draft_of_the_source():
    source = f.SourceFactory()
    first = f.EvidenceFactory(source=source)
    second = quoted("permit_decision", f.PermitDecisionFactory(), source=source)
    source_accept_all(source=source, user=None)
    for record in (first, second, first.transfer, second.permit_decision, source):
        record.refresh_from_db()
        assert record.review_state == ReviewState.VERIFIED


def test_reject_tombstones_the_quote_and_the_draft_fact():
    evidence = f.EvidenceFactory()
    assert draft_reject(fact=evidence.transfer, source=evidence.source, user=None) == "deleted"
    assert set(Tombstone.objects.values_list("model", "kind")) == {
        ("tracker.evidence", TombstoneKind.REJECTED),
        ("tracker.transfer", TombstoneKind.REJECTED),
    }


def test_reject_never_removes_a_verified_quote():
    evidence = f.EvidenceFactory()
    records_verify(records=[evidence.transfer], user=None)
    draft = quoted(
        "transfer", evidence.transfer, source=evidence.source, quote="The drones carried sensors."
    )
    assert draft_reject(fact=evidence.transfer, source=evidence.source, user=None) == (
        "evidence removed"
    )
    assert list(models.Evidence.objects.all()) == [evidence]
    assert not models.Evidence.objects.filter(pk=draft.pk).exists()


def test_merge_tombstones_the_draft_so_a_reingest_skips_it():
    draft = f.EvidenceFactory().transfer
    into = f.TransferFactory(supplier=draft.supplier, recipient=draft.recipient)
    assert draft_merge(fact=draft, into=into, user=None) == 1
    assert Tombstone.objects.get().model == "tracker.transfer"
