"""Tombstones: what stays of a record that was withdrawn.

A curator deleting or rejecting a record, returning a public record to draft, or a dataset release
dropping a deal leaves a tombstone keyed by the record's model and natural key. Reloads and
re-ingests consult it so that they do not bring the record back, and the record's public URL
answers 410 Gone with when and why (people cite these URLs) instead of 404.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.utils import timezone


class TombstoneKind(models.TextChoices):
    DELETED = "deleted", "deleted by a curator"
    REJECTED = "rejected", "rejected in review"
    RETURNED_TO_DRAFT = "returned_to_draft", "returned to draft"
    WITHDRAWN_BY_SOURCE = "withdrawn_by_source", "withdrawn by its source"


class Tombstone(models.Model):
    """The natural key of a withdrawn record, with when, why and by whom it was withdrawn.

    ``lookup`` is the value the record's API URL uses (ISO code, slug or id), so a request for a
    withdrawn record can answer 410. ``was_public`` tells whether readers could see the record;
    only then does the public API reveal the tombstone (a draft that never went public answers 404
    to readers, exactly like a key that never existed). ``withdrawn_by`` is for curators only.
    """

    model = models.CharField(max_length=100, help_text='The model label, e.g. "tracker.transfer".')
    natural_key = models.CharField(
        max_length=600, help_text="The record's natural key as a JSON list."
    )
    lookup = models.CharField(max_length=300, blank=True, db_index=True)
    kind = models.CharField(max_length=32, choices=TombstoneKind.choices)
    reason = models.TextField(blank=True)
    was_public = models.BooleanField(default=False)
    withdrawn_at = models.DateTimeField(default=timezone.now)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-withdrawn_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "natural_key"], name="tracker_tombstone_unique_key"
            ),
        ]

    def __str__(self):
        return f"{self.model} {self.natural_key}: {self.get_kind_display()}"

    @staticmethod
    def key_of(instance: models.Model) -> tuple[str, str]:
        """(model label, natural key as JSON) of ``instance``."""
        natural = instance.natural_key() if hasattr(instance, "natural_key") else (instance.pk,)
        return instance._meta.label_lower, json.dumps(list(natural), ensure_ascii=False)
