"""Reusable queryset pieces: what a reader may see, with its evidence prefetched."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .choices import ReviewState
from .models import Evidence


def visible_evidence(*, verified_only: bool) -> QuerySet:
    """Evidence with its source; only verified quotes when the reader sees verified records."""
    evidence = Evidence.objects.select_related("source")
    return evidence.filter(review_state=ReviewState.VERIFIED) if verified_only else evidence


def with_visible_evidence(queryset: QuerySet, *, verified_only: bool) -> QuerySet:
    """``queryset`` narrowed to what the reader may see, each record's evidence prefetched."""
    if verified_only:
        queryset = queryset.filter(review_state=ReviewState.VERIFIED)
    return queryset.prefetch_related(
        Prefetch("evidence", queryset=visible_evidence(verified_only=verified_only))
    )
