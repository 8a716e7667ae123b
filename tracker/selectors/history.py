"""Reads of the audit history: who changed what, when.

Curators see the whole history of a record: every version, who made it, why, and every field
that changed (``verified_by`` included).

Every other reader sees the public history: only what was public, and nobody's name.

- Versions in which the record was a draft are left out, with their values: the first public
  entry is the verification ("Verified"), with no changes.
- A change made while the record was verified is an entry ("Changed") with the fields that
  changed from the previous public version.
- A return to draft is an entry ("Returned to draft") with no changes; when the record is
  verified again, that entry ("Verified") lists the fields that differ from the last public
  version, so values the record held only while it was a draft never appear.
- No entry names a user or gives a reason, ``verified_by`` is never listed, and a reference to a
  record the reader may not see (a draft) is shown as null.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import models

from ..choices import ReviewState
from ..models import CuratedModel
from ..querysets import visible

#: Fields whose values only curators see.
PRIVATE_FIELDS = ("verified_by",)
#: Fields that change on every save and say nothing to a reader.
NOISE_FIELDS = ("last_updated",)

VERIFIED, CHANGED, RETURNED = "Verified", "Changed", "Returned to draft"


def record_history(*, instance: models.Model, verified_only: bool = False) -> list[dict]:
    """The history of ``instance``, newest first: every version with the fields that changed
    from the version before for curators (``verified_only`` false); the public history
    otherwise (see the module docstring). Values are compared in memory: a fixed number of
    queries whatever the length."""
    versions = list(
        instance.history.select_related("history_user").order_by("history_date", "history_id")
    )
    fields = [f for f in instance._meta.concrete_fields if f.attname not in NOISE_FIELDS]
    if verified_only:
        return list(reversed(_public_history(versions, fields)))
    entries = []
    previous = None
    for version in versions:
        entries.append(
            {
                "date": version.history_date,
                "type": version.get_history_type_display(),
                "user": version.history_user.get_username() if version.history_user else None,
                "reason": version.history_change_reason,
                "changes": _changes(previous, version, fields) if previous is not None else [],
            }
        )
        previous = version
    return list(reversed(entries))


def _public_history(versions: list, fields: list) -> list[dict]:
    fields = [f for f in fields if f.name not in PRIVATE_FIELDS]
    entries: list[dict] = []
    last_public = None
    was_public = False
    for version in versions:
        is_public = version.history_type != "-" and version.review_state == ReviewState.VERIFIED
        if is_public:
            changes = _changes(last_public, version, fields) if last_public is not None else []
            if was_public and not changes:
                continue  # saved without a public change
            entries.append(_entry(version, CHANGED if was_public else VERIFIED, changes))
            last_public = version
        elif was_public:
            entries.append(_entry(version, RETURNED, []))
        was_public = is_public
    _hide_invisible_references(entries, fields)
    return entries


def _entry(version, kind: str, changes: list[dict]) -> dict:
    return {"date": version.history_date, "type": kind, "user": None, "reason": None,
            "changes": changes}  # fmt: skip


def _changes(previous, version, fields) -> list[dict]:
    changes = []
    for field in fields:
        old, new = getattr(previous, field.attname), getattr(version, field.attname)
        if old != new:
            changes.append({"field": field.name, "old": _plain(old), "new": _plain(new)})
    return changes


def _hide_invisible_references(entries: list[dict], fields: list) -> None:
    """Null the ids of referenced records a reader may not see (one query per kind)."""
    related = {
        f.name: f.related_model
        for f in fields
        if f.many_to_one and issubclass(f.related_model, CuratedModel)
    }
    wanted: dict[str, set] = defaultdict(set)
    for entry in entries:
        for change in entry["changes"]:
            if change["field"] in related:
                wanted[change["field"]] |= {change["old"], change["new"]} - {None}
    shown = {
        name: set(
            visible(
                related[name]._default_manager.filter(pk__in=ids), verified_only=True
            ).values_list("pk", flat=True)
        )
        for name, ids in wanted.items()
    }
    for entry in entries:
        for change in entry["changes"]:
            if change["field"] in shown:
                for side in ("old", "new"):
                    if change[side] not in shown[change["field"]]:
                        change[side] = None


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
