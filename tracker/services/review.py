"""Review state changes: verifying records, returning them to draft, and the review queue's
accept, reject and merge. The rule of what goes public together lives in ``verification``."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models, transaction

from ..choices import ReviewState
from ..models import FACT_FIELDS, Evidence, Source
from ..models.tombstones import TombstoneKind
from .tombstones import tombstone_record
from .verification import (
    VerificationPlan,
    plan_verify,
    records_withdraw_to_draft,
    verification_plan,
)


def _pks_of(records: Iterable[models.Model]) -> list[models.Model]:
    """Plain instances of ``records`` (an admin queryset may carry joins and annotations)."""
    records = list(records)
    if not records:
        return []
    model = type(records[0])
    return list(model._default_manager.filter(pk__in=[r.pk for r in records]).order_by("pk"))


def records_verify(*, records: Iterable[models.Model], user, expected_token=None) -> int:
    """Verify ``records`` with everything the verification rule makes public with them, in one
    transaction; returns how many records changed. Each change lands in the audit history with
    the curator's name. Raises ValidationError when the rule refuses (e.g. a fact with no
    evidence)."""
    plan = plan_verify(records=_pks_of(records), user=user, expected_token=expected_token)
    return len(plan)


def records_verify_plan(*, records: Iterable[models.Model], user=None) -> VerificationPlan:
    """What verifying ``records`` would make public (for a confirmation page), with problems."""
    return verification_plan(records=_pks_of(records), permitted_for=user)


def records_return_to_draft(*, records: Iterable[models.Model], user, cascade: bool = False) -> int:
    """Return verified records to draft (tombstoned: they were public); returns how many changed.
    Raises ``DependentsExist`` when verified records depend on them, unless ``cascade``."""
    return records_withdraw_to_draft(records=_pks_of(records), user=user, cascade=cascade)


def records_return_to_draft_all(*, dependents: Iterable[models.Model], user) -> int:
    """Return ``dependents`` (of several kinds) to draft, with whatever depends on them."""
    return records_withdraw_to_draft(records=list(dependents), user=user, cascade=True)


def _fact_field(fact) -> str:
    for name in FACT_FIELDS:
        if Evidence._meta.get_field(name).related_model is type(fact):
            return name
    raise ValidationError(f"{fact._meta.verbose_name_plural} carry no evidence.")


def _quoting(quotes, source: Source) -> list[Evidence]:
    """``quotes`` each holding ``source`` as loaded (its text is not loaded once per quote)."""
    quotes = list(quotes)
    for quote in quotes:
        Evidence.source.field.set_cached_value(quote, source)
    return quotes


def _draft_quotes(fact, source) -> list[Evidence]:
    return _quoting(
        Evidence.objects.filter(
            **{_fact_field(fact): fact}, source=source, review_state=ReviewState.DRAFT
        ).order_by("pk"),
        source,
    )


def draft_accept_plan(*, fact, source: Source, user=None) -> VerificationPlan:
    """What accepting ``fact`` as read in ``source`` makes public: the fact, its draft quotes from
    the source, the source, and whatever the verification rule adds."""
    return verification_plan(
        records=[fact, *_draft_quotes(fact, source), source],
        prefer_source=source,
        permitted_for=user,
    )


@transaction.atomic
def draft_accept(*, fact, source: Source, user, expected_token=None) -> int:
    """Accept a drafted fact: verify it, its quotes from ``source``, the source and everything
    the verification rule requires, in one transaction; returns how many records changed."""
    plan = plan_verify(
        records=[fact, *_draft_quotes(fact, source), source],
        user=user,
        prefer_source=source,
        expected_token=expected_token,
        reason="accepted in review",
    )
    return len(plan)


def _source_drafts(source: Source) -> list[models.Model]:
    return _quoting(
        Evidence.objects.filter(source=source, review_state=ReviewState.DRAFT).order_by("pk"),
        source,
    )


def source_accept_all_plan(*, source: Source, user=None) -> VerificationPlan:
    """What accepting every draft quote of ``source`` (with its fact) makes public."""
    return verification_plan(
        records=[*_source_drafts(source), source], prefer_source=source, permitted_for=user
    )


@transaction.atomic
def source_accept_all(*, source: Source, user, expected_token=None) -> int:
    """Accept every draft of ``source`` at once, through the same rule as a single accept."""
    plan = plan_verify(
        records=[*_source_drafts(source), source],
        user=user,
        prefer_source=source,
        expected_token=expected_token,
        reason="accepted in review",
    )
    return len(plan)


@transaction.atomic
def draft_reject(*, fact, source, user) -> str:
    """Reject a drafted fact as read in ``source``: its draft quotes from that source go; the fact
    goes too when it is a draft left with no evidence. A verified fact or quote is never deleted
    here. Each rejected record leaves a tombstone (kind rejected) so that a re-ingest of the
    article does not bring it back."""
    for quote in _draft_quotes(fact, source):
        tombstone_record(
            instance=quote, kind=TombstoneKind.REJECTED, reason="rejected in review", user=user
        )
        quote._history_user = user
        quote._change_reason = "rejected in review"
        quote.delete()
    if fact.review_state == ReviewState.DRAFT and not fact.evidence.exists():
        tombstone_record(
            instance=fact, kind=TombstoneKind.REJECTED, reason="rejected in review", user=user
        )
        fact._history_user = user
        fact._change_reason = "rejected in review"
        fact.delete()
        return "deleted"
    return "evidence removed"


@transaction.atomic
def draft_merge(*, fact, into, user) -> int:
    """Merge a drafted fact into an existing record of the same kind: its evidence moves there,
    the draft is deleted (tombstoned, so a re-ingest does not recreate it). The existing record
    itself is not changed."""
    if type(fact) is not type(into) or fact.pk == into.pk:
        raise ValidationError("Merge a draft into another record of the same kind.")
    if fact.review_state != ReviewState.DRAFT:
        raise ValidationError("Only a draft can be merged into another record.")
    field = _fact_field(fact)
    moved = 0
    for quote in list(fact.evidence.all()):
        setattr(quote, field, into)
        quote.slug = quote.build_slug()
        quote._history_user = user
        quote._change_reason = f"merged into {into}"
        quote.full_clean()
        quote.save()
        moved += 1
    tombstone_record(
        instance=fact, kind=TombstoneKind.REJECTED, reason=f"merged into {into}", user=user
    )
    fact._history_user = user
    fact._change_reason = f"merged into {into}"
    fact.delete()
    return moved
