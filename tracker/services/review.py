"""Review state changes: verifying records and returning them to draft."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..choices import ReviewState


@transaction.atomic
def records_verify(*, records: QuerySet, user) -> int:
    """Mark draft records as verified by ``user`` now; returns how many changed.

    Saves each record (rather than a bulk update) so that every change lands in the audit history
    with the curator's name.
    """
    now = timezone.now()
    changed = 0
    for record in records.select_for_update().filter(review_state=ReviewState.DRAFT):
        record.review_state = ReviewState.VERIFIED
        record.verified_by = user
        record.verified_at = now
        record._change_reason = "verified"
        record._history_user = user
        record.save()
        changed += 1
    return changed


@transaction.atomic
def records_return_to_draft(*, records: QuerySet, user) -> int:
    """Return verified records to draft; returns how many changed."""
    changed = 0
    for record in records.select_for_update().filter(review_state=ReviewState.VERIFIED):
        record.review_state = ReviewState.DRAFT
        record.verified_by = None
        record.verified_at = None
        record._change_reason = "returned to draft"
        record._history_user = user
        record.save()
        changed += 1
    return changed


def _fact_evidence(fact, source):
    from ..models import Evidence

    field = next(
        f.name
        for f in Evidence._meta.fields
        if f.related_model is type(fact) and f.name != "source"
    )
    return Evidence.objects.filter(**{field: fact, "source": source}), field


@transaction.atomic
def draft_accept(*, fact, source, user) -> int:
    """Accept a drafted fact: verify it and its evidence from ``source``."""
    evidence, _ = _fact_evidence(fact, source)
    changed = records_verify(records=type(fact).objects.filter(pk=fact.pk), user=user)
    return changed + records_verify(records=evidence, user=user)


@transaction.atomic
def draft_reject(*, fact, source, user) -> str:
    """Reject a drafted fact as read in ``source``: its quotes from that source go; the fact goes
    too when it is a draft left with no evidence. A verified fact is never deleted here."""
    evidence, field = _fact_evidence(fact, source)
    for quote in evidence:
        quote._history_user = user
        quote._change_reason = "rejected in review"
        quote.delete()
    if fact.review_state == ReviewState.DRAFT and not fact.evidence.exists():
        fact._history_user = user
        fact._change_reason = "rejected in review"
        fact.delete()
        return "deleted"
    return "evidence removed"


@transaction.atomic
def draft_merge(*, fact, into, user) -> int:
    """Merge a drafted fact into an existing record of the same kind: its evidence moves there,
    the draft is deleted. The existing record itself is not changed."""
    from django.core.exceptions import ValidationError

    if type(fact) is not type(into) or fact.pk == into.pk:
        raise ValidationError("Merge a draft into another record of the same kind.")
    if fact.review_state != ReviewState.DRAFT:
        raise ValidationError("Only a draft can be merged into another record.")
    _, field = (
        _fact_evidence(fact, fact.evidence.first().source)
        if fact.evidence.exists()
        else (None, None)
    )
    moved = 0
    for quote in list(fact.evidence.all()):
        setattr(quote, field, into)
        quote.slug = quote.build_slug()
        quote._history_user = user
        quote._change_reason = f"merged into {into}"
        quote.full_clean()
        quote.save()
        moved += 1
    fact._history_user = user
    fact._change_reason = f"merged into {into}"
    fact.delete()
    return moved
