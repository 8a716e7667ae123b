"""Reads of the audit history: who changed what, when."""

from __future__ import annotations

from django.db import models


def record_history(*, instance: models.Model) -> list[dict]:
    """Every historical version of ``instance``, newest first, with the fields that changed from
    the version before (values compared in memory: two queries whatever the length)."""
    versions = list(instance.history.select_related("history_user").order_by("history_date"))
    fields = [f for f in instance._meta.concrete_fields if f.attname not in ("last_updated",)]
    entries = []
    previous = None
    for version in versions:
        changes = []
        if previous is not None:
            for field in fields:
                old, new = getattr(previous, field.attname), getattr(version, field.attname)
                if old != new:
                    changes.append({"field": field.name, "old": _plain(old), "new": _plain(new)})
        entries.append(
            {
                "date": version.history_date,
                "type": version.get_history_type_display(),
                "user": version.history_user.get_username() if version.history_user else None,
                "reason": version.history_change_reason,
                "changes": changes,
            }
        )
        previous = version
    return list(reversed(entries))


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
