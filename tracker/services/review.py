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
