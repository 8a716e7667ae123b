"""Reads of tombstones: whether a key was withdrawn, and the public answer for its URL."""

from __future__ import annotations

import json

from django.db import models

from ..models.tombstones import Tombstone


def tombstone_for_lookup(*, model: type[models.Model], lookup: str) -> Tombstone | None:
    """The tombstone of the ``model`` record whose API URL uses ``lookup``, if any."""
    return (
        Tombstone.objects.filter(model=model._meta.label_lower, lookup=lookup)
        .order_by("-withdrawn_at")
        .first()
    )


def tombstoned_keys(*, model: type[models.Model]) -> set[tuple]:
    """The natural keys (as tuples) of every withdrawn ``model`` record: what reloads skip."""
    return {
        tuple(json.loads(key))
        for key in Tombstone.objects.filter(model=model._meta.label_lower).values_list(
            "natural_key", flat=True
        )
    }
