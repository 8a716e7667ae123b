"""The load ledger: what each fixture or importer load wrote, field by field.

A reload compares a record's current value with the value the last load wrote: equal means no
curator touched the field (the new load may change it); different means a curator changed it (the
curator's value is kept and reported as a conflict). See ``tracker.services.reload``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class LoadedRecord(models.Model):
    """The field values one load source (a fixture's file name, an importer's dataset) wrote for
    one record, keyed by the record's model and natural key (JSON, as in ``Tombstone``)."""

    source = models.CharField(max_length=300, help_text="The fixture file or dataset name.")
    model = models.CharField(max_length=100, help_text='The model label, e.g. "tracker.transfer".')
    natural_key = models.CharField(
        max_length=600, help_text="The record's natural key as a JSON list."
    )
    values = models.JSONField(
        default=dict,
        help_text="Field values as this source carried them (relations as natural keys).",
    )
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["model", "natural_key", "loaded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "model", "natural_key"], name="tracker_loadedrecord_unique_key"
            ),
        ]
        indexes = [models.Index(fields=["model", "natural_key"], name="tracker_loaded_key_idx")]

    def __str__(self):
        return f"{self.model} {self.natural_key} from {self.source}"
