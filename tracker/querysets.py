"""What a reader may see: the one visibility rule, as a queryset filter and as a test on a loaded
record, and querysets of visible records with their visible evidence prefetched.

The rule. Curators (members of the curators group) see every record. Every other reader,
anonymous or signed in, sees a record when

- it is verified, and
- every record it cannot be shown without is visible too: the records its required references
  point at (a transfer's item, an integration's component and assembly, an alias's state,
  organisation or item...), the party on each side of a transfer (the state on a state side, the
  organisation on a non-state side), a permit decision's authority (its state, or the
  organisation deciding on its own: see ``SIDE_REFERENCES``), and for a piece of evidence its
  source and the fact it supports.

Optional references of a visible record (an item's manufacturer, a decision's ``ends``, a
transfer's intermediaries) to records the reader may not see are shown as null (or left out of a
list); the serializers and answers use :func:`record_visible` for that.
"""

from __future__ import annotations

from functools import cache, reduce
from operator import or_

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from .choices import DecisionAuthority, ReviewState, TransferSide
from .models import FACT_FIELDS, CuratedModel, Evidence, PermitDecision, Transfer


def sees_drafts(user) -> bool:
    """True for an active member of the curators group: the readers who see drafts."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.groups.filter(name=settings.TRACKER_CURATORS_GROUP).exists()
    )


@cache  # per model class: asked for every reference of every row a serializer shows
def required_references(model) -> list[models.ForeignKey]:
    """The non-nullable foreign keys of ``model`` to other curated records: what a record of
    ``model`` cannot be shown without."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.many_to_one
        and not field.null
        and isinstance(field.related_model, type)
        and issubclass(field.related_model, CuratedModel)
        and field.related_model is not model
    ]


#: Nullable references a record still cannot be shown without, when a field of its own says so:
#: ``model -> [(reference, kind field, kind value)]``. A transfer's side is its state on a state
#: side and its party on a non-state side; an unknown side has neither. The company that sold or
#: bought (``<side>_organization``, any kind of side) is optional: shown as null when the reader
#: may not see it. A permit decision's authority is its state, or the organisation deciding on its
#: own (``authority_kind``).
SIDE_REFERENCES: dict[type[models.Model], list[tuple[str, str, str]]] = {
    PermitDecision: [
        ("authority", "authority_kind", DecisionAuthority.STATE),
        ("authority_organization", "authority_kind", DecisionAuthority.ORGANIZATION),
    ],
    Transfer: [
        (reference, f"{side}_kind", kind)
        for side in ("supplier", "recipient")
        for reference, kind in (
            (side, TransferSide.STATE),
            (f"{side}_party", TransferSide.NON_STATE),
        )
    ],
}


def record_required_references(record) -> list[models.Model]:
    """The records ``record`` cannot be shown without (loading them if not selected with it):
    its required references, the party on each side of a transfer and a decision's authority."""
    found = [getattr(record, field.name) for field in required_references(type(record))]
    for reference, kind_field, kind in SIDE_REFERENCES.get(type(record), ()):
        if getattr(record, kind_field) == kind:
            found.append(getattr(record, reference))
    return found


def visible_condition(model, prefix: str = "") -> Q:
    """The rule as a condition on ``model`` (reached through ``prefix``, e.g. ``"item__"``)."""
    condition = Q(**{f"{prefix}review_state": ReviewState.VERIFIED})
    for field in required_references(model):
        condition &= visible_condition(field.related_model, f"{prefix}{field.name}__")
    for reference, kind_field, kind in SIDE_REFERENCES.get(model, ()):
        related = model._meta.get_field(reference).related_model
        condition &= ~Q(**{f"{prefix}{kind_field}": kind}) | visible_condition(
            related, f"{prefix}{reference}__"
        )
    if model is Evidence:
        # Exactly one fact is set; it must be visible. One correlated EXISTS per kind of fact
        # (an index lookup for each row read), not ``IN (every visible fact)``: a page of
        # evidence then costs the same at a million facts as at ten.
        condition &= reduce(
            or_,
            (
                Q(**{f"{prefix}{name}__isnull": False})
                & Q(
                    Exists(
                        visible(
                            Evidence._meta.get_field(name).related_model._default_manager.filter(
                                pk=OuterRef(f"{prefix}{name}")
                            ),
                            verified_only=True,
                        )
                    )
                )
                for name in FACT_FIELDS
            ),
        )
    return condition


def visible(queryset: QuerySet, *, verified_only: bool) -> QuerySet:
    """``queryset`` narrowed to what the reader may see (everything when ``verified_only`` is
    false: a curator)."""
    if not verified_only:
        return queryset
    return queryset.filter(visible_condition(queryset.model))


def visible_to(queryset: QuerySet, user) -> QuerySet:
    """``queryset`` narrowed to what ``user`` may see."""
    return visible(queryset, verified_only=not sees_drafts(user))


def record_visible(record, *, verified_only: bool) -> bool:
    """The rule on a loaded record (follows its required references, loading them if they
    were not selected with it)."""
    if record is None:
        return False
    if not verified_only:
        return True
    if getattr(record, "review_state", ReviewState.VERIFIED) != ReviewState.VERIFIED:
        return False
    for required in record_required_references(record):
        if not record_visible(required, verified_only=True):
            return False
    if isinstance(record, Evidence):
        return record_visible(record.fact, verified_only=True)
    return True


def shown(record, *, verified_only: bool):
    """``record`` when the reader may see it, else None: for optional references."""
    if record is not None and record_visible(record, verified_only=verified_only):
        return record
    return None


def visible_evidence(*, verified_only: bool) -> QuerySet:
    """Evidence with its source (without the source's text, which may be megabytes), for
    prefetching onto facts the reader already sees: verified quotes from verified sources only
    when the reader sees verified records."""
    evidence = Evidence.objects.select_related("source").defer("source__text")
    if verified_only:
        evidence = evidence.filter(
            review_state=ReviewState.VERIFIED, source__review_state=ReviewState.VERIFIED
        )
    return evidence


def with_visible_evidence(queryset: QuerySet, *, verified_only: bool) -> QuerySet:
    """``queryset`` narrowed to what the reader may see, each record's evidence prefetched."""
    return visible(queryset, verified_only=verified_only).prefetch_related(
        Prefetch("evidence", queryset=visible_evidence(verified_only=verified_only))
    )


def prefetch_visible(lookup: str, model, *, verified_only: bool) -> Prefetch:
    """A prefetch of ``lookup`` (records of ``model``) keeping only the visible ones."""
    queryset = visible(model._default_manager.all(), verified_only=verified_only)
    return Prefetch(lookup, queryset=queryset)
