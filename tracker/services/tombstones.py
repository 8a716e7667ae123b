"""Writing and clearing tombstones (see ``tracker.models.tombstones``)."""

from __future__ import annotations

from django.db import models

from ..choices import ReviewState
from ..models.tombstones import Tombstone, TombstoneKind

#: The field each model's API URL uses (``/api/states/CA/``, ``/api/organizations/<slug>/``);
#: the other models are looked up by id.
API_LOOKUP_FIELDS = {
    "tracker.state": "code",
    "tracker.controllistcategory": "code",
    "tracker.organization": "slug",
    "tracker.organizationrelation": "slug",
    "tracker.item": "slug",
    "tracker.integration": "slug",
    "tracker.conflict": "slug",
}


def api_lookup(instance: models.Model) -> str:
    """The value the record's API URL uses."""
    name = API_LOOKUP_FIELDS.get(instance._meta.label_lower, "pk")
    return str(getattr(instance, name))


def tombstone_record(
    *, instance: models.Model, kind: TombstoneKind, reason: str = "", user=None, lookup: str = ""
) -> Tombstone:
    """Leave (or refresh) the tombstone of ``instance``, which is about to be deleted, rejected,
    returned to draft or withdrawn. Call inside the transaction that withdraws it."""
    model, natural_key = Tombstone.key_of(instance)
    was_public = getattr(instance, "review_state", None) == ReviewState.VERIFIED
    tombstone, _ = Tombstone.objects.update_or_create(
        model=model,
        natural_key=natural_key,
        defaults={
            "lookup": lookup or api_lookup(instance),
            "kind": kind,
            "reason": reason,
            "was_public": was_public,
            "withdrawn_by": user if getattr(user, "pk", None) else None,
        },
    )
    return tombstone


def tombstone_clear(*, instance: models.Model) -> int:
    """Remove the tombstone of ``instance`` (a curator restored or re-verified it)."""
    model, natural_key = Tombstone.key_of(instance)
    deleted, _ = Tombstone.objects.filter(model=model, natural_key=natural_key).delete()
    return deleted
