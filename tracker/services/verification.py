"""The verification rule, written once for the admin, the review queue, the API and importers.

What becomes public together:

- Facts (transfers, permit decisions, integrations, deployments, conflict participants,
  organisation relations; organisations, items and conflicts when they carry quotes) are verified
  only together with at least one piece of their evidence and that evidence's source.
- Every record a verified record refers to (its item, organisations, states, conflict, the
  decision it ``ends``, an alias's owner...) is verified with it when it is still a draft. Other
  records' aliases are not (only references are followed, never reverse relations).
- Reference data (states, state aliases, control-list categories) needs no quote.

What leaves the public record together: returning a record to draft, or deleting it, takes with
it every verified record that refers to it and every fact left without public evidence. Both
operations refuse (``DependentsExist``) unless the caller asks for that cascade: a verified
record never points at a draft.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models.deletion import Collector
from django.utils import timezone

from ..choices import ReviewState
from ..models import (
    Conflict,
    ConflictParticipant,
    CuratedModel,
    Deployment,
    Evidence,
    Integration,
    Item,
    Organization,
    OrganizationRelation,
    PermitDecision,
    Source,
    Transfer,
)
from ..models.tombstones import TombstoneKind
from .tombstones import tombstone_clear, tombstone_record

#: Facts: never public without public evidence.
FACT_MODELS: tuple[type[models.Model], ...] = (
    Transfer,
    PermitDecision,
    Integration,
    Deployment,
    ConflictParticipant,
    OrganizationRelation,
)
#: Public without a quote when they carry none (reference-like, e.g. from a curated dataset);
#: once they carry quotes, like facts.
QUOTED_MODELS: tuple[type[models.Model], ...] = (Organization, Item, Conflict)

Key = tuple[str, object]


def record_key(record: models.Model) -> Key:
    return (record._meta.label_lower, record.pk)


@dataclass
class RecordGroup:
    """Records of one kind, as listed on a confirmation page or in an API answer."""

    model: type[models.Model]
    records: list[models.Model]

    @property
    def label(self) -> str:
        name = self.model._meta.verbose_name if len(self.records) == 1 else None
        return str(name or self.model._meta.verbose_name_plural)


def group_records(records: Iterable[models.Model]) -> list[RecordGroup]:
    """Records grouped by kind, kinds in model-name order, records in the order given."""
    groups: dict[type, list] = {}
    for record in records:
        groups.setdefault(type(record), []).append(record)
    return [
        RecordGroup(model, items)
        for model, items in sorted(groups.items(), key=lambda item: item[0]._meta.model_name)
    ]


def describe(records: Iterable[models.Model]) -> list[dict]:
    """Plain data for API answers: kind, id, key and label of each record."""
    return [
        {
            "kind": record._meta.model_name,
            "id": record.pk,
            "key": list(record.natural_key()) if hasattr(record, "natural_key") else [record.pk],
            "label": str(record),
        }
        for record in records
    ]


def _token(records: Iterable[models.Model]) -> str:
    keys = sorted(f"{label}:{pk}" for label, pk in map(record_key, records))
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:32]


@dataclass
class VerificationPlan:
    """Everything that becomes public when the requested records are verified, or why not."""

    records: list[models.Model] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def groups(self) -> list[RecordGroup]:
        return group_records(self.records)

    @property
    def token(self) -> str:
        """Identifies the plan a curator confirmed: the same records give the same token."""
        return _token(self.records)

    def __len__(self) -> int:
        return len(self.records)


class DependentsExist(Exception):
    """Withdrawing the records would leave verified records pointing at drafts."""

    def __init__(self, dependents: list[models.Model]):
        self.dependents = dependents
        names = ", ".join(str(d) for d in dependents[:5])
        more = f" and {len(dependents) - 5} more" if len(dependents) > 5 else ""
        super().__init__(
            f"{len(dependents)} verified record(s) depend on this: {names}{more}. "
            "Return them to draft too, or change them first."
        )

    @property
    def groups(self) -> list[RecordGroup]:
        return group_records(self.dependents)


def _is_curated(model) -> bool:
    return isinstance(model, type) and issubclass(model, CuratedModel)


def needs_evidence(record: models.Model, *, ignoring: Iterable[int] = ()) -> bool:
    """Whether ``record`` may be public only with public evidence. ``ignoring``: evidence ids
    about to be deleted (they no longer count as quotes the record carries)."""
    if isinstance(record, FACT_MODELS):
        return True
    if isinstance(record, QUOTED_MODELS):
        return record.evidence.exclude(pk__in=list(ignoring)).exists()
    return False


def _references(record: models.Model) -> list[models.Model]:
    """The curated records ``record`` points at (foreign keys and many-to-many)."""
    found = []
    for model_field in record._meta.concrete_fields:
        if model_field.many_to_one and _is_curated(model_field.related_model):
            if model_field.related_model is Source and not model_field.is_cached(record):
                # Not the text: a release quoted by thousands of rows is megabytes.
                source_id = getattr(record, model_field.attname)
                value = Source.objects.defer("text").filter(pk=source_id).first()
                model_field.set_cached_value(record, value)
            else:
                value = getattr(record, model_field.name)
            if value is not None:
                found.append(value)
    if record.pk:
        for model_field in record._meta.many_to_many:
            if _is_curated(model_field.related_model):
                found.extend(getattr(record, model_field.name).all())
    return found


def _public_or_planned(record: models.Model, plan: dict) -> bool:
    return record.review_state == ReviewState.VERIFIED or record_key(record) in plan


def _evidence_choice(record, plan: dict, prefer_source) -> tuple[bool, Evidence | None]:
    """(already backed?, the evidence to verify with ``record`` when it is not)."""
    quotes = list(record.evidence.select_related("source").defer("source__text").order_by("pk"))
    if any(_public_or_planned(q, plan) and _public_or_planned(q.source, plan) for q in quotes):
        return True, None
    if not quotes:
        return False, None

    def rank(quote):
        preferred = prefer_source is not None and quote.source_id == prefer_source.pk
        return (not preferred, not _public_or_planned(quote.source, plan), quote.pk)

    return False, min(quotes, key=rank)


def _share_source_texts(records: Iterable[models.Model], *, at_least: int = 10) -> None:
    """Each source in a plan is validated with its text (its hash is checked), and the quotes
    of one source are checked against its text read once: a dataset accepted whole is
    thousands of quotes into one text of megabytes, which the database would otherwise cut
    (and PostgreSQL decompress) once per quote."""
    records = list(records)
    loaded: dict[int, Source] = {}
    for record in records:
        if isinstance(record, Source):
            if not record.text_loaded:
                record.refresh_from_db(fields=["text"])
            loaded[record.pk] = record
    by_source: dict[int, list[Evidence]] = {}
    for record in records:
        if isinstance(record, Evidence) and record.source_id:
            by_source.setdefault(record.source_id, []).append(record)
    for source_id, quotes in by_source.items():
        source = loaded.get(source_id)
        if source is None and len(quotes) >= at_least:
            source = Source.objects.get(pk=source_id)
        if source is not None:
            for quote in quotes:
                Evidence.source.field.set_cached_value(quote, source)


def verification_plan(
    *,
    records: Iterable[models.Model],
    prefer_source: Source | None = None,
    permitted_for=None,
) -> VerificationPlan:
    """What verifying ``records`` makes public: the records still draft among them, the draft
    records they refer to (transitively) and, for facts, one piece of evidence and its source
    (from ``prefer_source`` when it has one). Problems (a fact with no evidence, a record failing
    validation, a kind the user ``permitted_for`` may not change) are listed instead of raised."""
    plan: dict[Key, models.Model] = {}
    problems: list[str] = []
    unbacked: set[Key] = set()
    queue = deque(records)
    while True:
        while queue:
            record = queue.popleft()
            key = record_key(record)
            if key in plan or record.review_state != ReviewState.DRAFT:
                continue
            plan[key] = record
            queue.extend(r for r in _references(record) if r.review_state == ReviewState.DRAFT)
        for key, record in list(plan.items()):
            if key in unbacked or not needs_evidence(record):
                continue
            backed, quote = _evidence_choice(record, plan, prefer_source)
            if backed:
                continue
            if quote is None:
                unbacked.add(key)
                problems.append(
                    f"{record._meta.verbose_name} “{record}” has no evidence: add a quote from "
                    "a source before verifying it."
                )
            else:
                queue.extend([quote, quote.source])
        if not queue:
            break
    _share_source_texts(plan.values())
    for record in plan.values():
        try:
            record.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            problems.append(f"{record._meta.verbose_name} “{record}”: {'; '.join(error.messages)}")
        if permitted_for is not None and not permitted_for.has_perm(
            f"{record._meta.app_label}.change_{record._meta.model_name}"
        ):
            problems.append(f"You may not change {record._meta.verbose_name_plural}.")
    return VerificationPlan(records=list(plan.values()), problems=list(dict.fromkeys(problems)))


def _locked(records: Iterable[models.Model], *, lock: bool = True) -> list[models.Model]:
    """Fresh copies of ``records`` (those still in the database), locked by primary key (on
    PostgreSQL) until the transaction ends. A plain queryset on the model's own table: no ordering
    joins, no annotations, so FOR UPDATE applies (it cannot on the nullable side of an outer join,
    nor with GROUP BY, which the admin's changelist querysets carry)."""
    records = list(records)
    by_model: dict[type, list] = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record.pk)
    fresh = {}
    for model in sorted(by_model, key=lambda m: m._meta.label_lower):
        queryset = model._default_manager.filter(pk__in=by_model[model]).order_by("pk")
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        for record in queryset:
            fresh[record_key(record)] = record
    return [fresh[key] for key in map(record_key, records) if key in fresh]


@transaction.atomic
def plan_verify(
    *,
    records: Iterable[models.Model],
    user,
    prefer_source: Source | None = None,
    expected_token: str | None = None,
    reason: str = "verified",
) -> VerificationPlan:
    """Verify ``records`` and everything their plan makes public, in one transaction, each change
    in the audit history with ``user``. Refuses (ValidationError) when the plan has problems or
    differs from the one the curator confirmed (``expected_token``). Permissions are the
    caller's to check (``verification_plan(permitted_for=...)``)."""
    plan = verification_plan(records=list(records), prefer_source=prefer_source)
    if plan.problems:
        raise ValidationError(plan.problems)
    if expected_token is not None and plan.token != expected_token:
        raise ValidationError(
            "The records changed since the confirmation page was shown: review them again."
        )
    now = timezone.now()
    verified = []
    for record in _locked(plan.records):
        if record.review_state != ReviewState.DRAFT:
            continue
        record.review_state = ReviewState.VERIFIED
        record.verified_by = user if getattr(user, "pk", None) else None
        record.verified_at = now
        record._history_user = user
        record._change_reason = reason
        record.save()
        tombstone_clear(instance=record)
        verified.append(record)
    return VerificationPlan(records=verified)


def _reverse_relations(model: type[models.Model]):
    return [rel for rel in model._meta.related_objects if _is_curated(rel.related_model)]


def _dependents(gone: dict[Key, models.Model], *, deleted_evidence: set) -> list[models.Model]:
    """Verified records that must return to draft when the ``gone`` records leave the public
    record: those referring to a gone record, and facts left with no public evidence;
    transitively."""
    dependents: dict[Key, models.Model] = {}
    frontier = list(gone.values())
    while frontier:
        found: list[models.Model] = []
        by_model: dict[type, list] = {}
        for record in frontier:
            by_model.setdefault(type(record), []).append(record.pk)
        for model, pks in by_model.items():
            for rel in _reverse_relations(model):
                queryset = rel.related_model._default_manager.filter(
                    **{f"{rel.field.name}__in": pks}, review_state=ReviewState.VERIFIED
                ).order_by("pk")
                for referrer in queryset.distinct():
                    key = record_key(referrer)
                    if key not in gone and key not in dependents:
                        dependents[key] = referrer
                        found.append(referrer)
        leaving = {**gone, **dependents}
        leaving_quotes = [r for r in leaving.values() if isinstance(r, Evidence)]
        leaving_ids = {q.pk for q in leaving_quotes}
        for quote in leaving_quotes:
            fact_field = quote.fact_field
            if fact_field is None:
                continue
            fact_model = Evidence._meta.get_field(fact_field).related_model
            fact = fact_model._default_manager.filter(pk=getattr(quote, f"{fact_field}_id")).first()
            if fact is None or fact.review_state != ReviewState.VERIFIED:
                continue
            key = record_key(fact)
            if key in leaving or not needs_evidence(fact, ignoring=deleted_evidence):
                continue
            still_backed = (
                fact.evidence.filter(
                    review_state=ReviewState.VERIFIED, source__review_state=ReviewState.VERIFIED
                )
                .exclude(pk__in=leaving_ids)
                .exists()
            )
            if not still_backed:
                dependents[key] = leaving[key] = fact
                found.append(fact)
        frontier = found
    return list(dependents.values())


def return_dependents(*, records: Iterable[models.Model]) -> list[models.Model]:
    """The verified records that would have to return to draft with ``records``."""
    gone = {record_key(r): r for r in records if getattr(r, "review_state", None) == "verified"}
    return _dependents(gone, deleted_evidence=set())


def _collect(records: list[models.Model]) -> list[models.Model]:
    """Every curated record deleting ``records`` deletes (cascades included). Raises
    ProtectedError/RestrictedError as ``delete()`` would."""
    if not records:
        return []
    collector = Collector(using=router.db_for_write(type(records[0])))
    collector.collect(records)
    deleted = [obj for model, objs in collector.data.items() if _is_curated(model) for obj in objs]
    for queryset in collector.fast_deletes:
        if _is_curated(getattr(queryset, "model", None)):
            deleted.extend(queryset)
    return deleted


def delete_dependents(*, records: Iterable[models.Model]) -> list[models.Model]:
    """The verified records that would have to return to draft before ``records`` are deleted
    (they refer to a deleted record through a many-to-many link, or are facts losing their last
    public evidence). Raises ProtectedError when other records forbid the deletion."""
    deleted = _collect(_locked(records, lock=False))
    gone = {record_key(r): r for r in deleted}
    evidence_ids = {r.pk for r in deleted if isinstance(r, Evidence)}
    return _dependents(gone, deleted_evidence=evidence_ids)


def _return(records: Iterable[models.Model], *, user, reason: str) -> int:
    changed = 0
    for record in _locked(list(records)):
        if record.review_state != ReviewState.VERIFIED:
            continue
        tombstone_record(
            instance=record,
            kind=TombstoneKind.RETURNED_TO_DRAFT,
            reason=reason,
            user=user,
        )
        record.review_state = ReviewState.DRAFT
        record.verified_by = None
        record.verified_at = None
        record._history_user = user
        record._change_reason = reason
        record.save()
        changed += 1
    return changed


@transaction.atomic
def records_withdraw_to_draft(
    *, records: Iterable[models.Model], user, cascade: bool = False, reason: str = ""
) -> int:
    """Return verified ``records`` to draft; with ``cascade``, also every verified record that
    depends on them (else DependentsExist lists those). Leaves a tombstone for each (they were
    public); returns how many changed."""
    records = _locked(records)
    dependents = return_dependents(records=records)
    requested = {record_key(r) for r in records}
    # A fact's own quotes go back to draft with it: they are part of it, not other records.
    others = [d for d in dependents if not _quote_of(d, requested)]
    if others and not cascade:
        raise DependentsExist(others)
    return _return([*records, *dependents], user=user, reason=reason or "returned to draft")


def _quote_of(record: models.Model, facts: set[Key]) -> bool:
    if not isinstance(record, Evidence) or record.fact_field is None:
        return False
    fact_model = Evidence._meta.get_field(record.fact_field).related_model
    return (fact_model._meta.label_lower, getattr(record, f"{record.fact_field}_id")) in facts


@transaction.atomic
def records_delete(
    *, records: Iterable[models.Model], user, cascade: bool = False, reason: str = ""
) -> int:
    """Delete ``records`` (with what cascades from them), leaving a tombstone for each deleted
    curated record so that reloads do not bring it back and a public one answers 410. Verified
    records depending on them are refused (DependentsExist) unless ``cascade``, which returns them
    to draft first. Returns how many records were deleted."""
    records = _locked(records)
    dependents = delete_dependents(records=records)
    if dependents:
        if not cascade:
            raise DependentsExist(dependents)
        _return(
            dependents,
            user=user,
            reason=reason or "returned to draft: a record it needs was deleted",
        )
    deleted = _collect(records)
    why = reason or "deleted by a curator"
    for record in deleted:
        tombstone_record(instance=record, kind=TombstoneKind.DELETED, reason=why, user=user)
    for record in records:
        record._history_user = user
        record._change_reason = why
        record.delete()
    return len(deleted)
