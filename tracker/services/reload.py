"""The reload rule: one implementation for ``loaddata``, ``quickstart`` and every importer.

An importer hands over a source name (a fixture's file name, a dataset's name) and the records it
carries, in Django's serialized form (``{"model": "tracker.transfer", "fields": {...}}``, relations
as natural keys). ``records_reload`` then applies, field by field:

- a record that does not exist is created, with a first history entry naming the source; unless a
  curator deleted or rejected it (a tombstone), or it was loaded before and has since been deleted:
  then it stays deleted and is reported as skipped;
- a field whose current value is the value the last load wrote (the ledger, ``LoadedRecord``) was
  not touched by a curator: it takes the new value;
- a field a curator changed keeps the curator's value; it is reported as a conflict (both values)
  when the source's value changed too (or when no earlier load of the record is known). With
  ``overwrite`` the source's value wins and the history records the change with the source's name
  as the reason.

Everything runs in one transaction; any problem (a bad value, a reference to nothing, a duplicate
record, a failed check) raises ``FixtureError`` naming the source, the record and the field, and
nothing is written.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.utils import timezone

from ..models.loads import LoadedRecord
from ..models.tombstones import Tombstone
from .fixtures import (
    FixtureError,
    FixtureProblem,
    integration_cycle_problems,
    integrity_problem,
    record_label,
    validate_records,
    verification_problems,
)

# Bookkeeping fields: set when a record is created, never compared or reloaded.
BOOKKEEPING = frozenset({"created", "last_updated"})
#: Fields that say one thing together: a load takes the source's values for all of them, or
#: keeps the curator's for all of them (a transfer's side is its kind, its state and its
#: party: mixing a curator's state with a source's "non-state" kind would be no side). The
#: company that sold or bought is a field of its own.
FIELD_GROUPS: dict[str, tuple[tuple[str, ...], ...]] = {
    "tracker.transfer": (
        ("supplier_kind", "supplier", "supplier_party"),
        ("recipient_kind", "recipient", "recipient_party"),
    ),
    # A decision's authority is its kind with its state or its organisation.
    "tracker.permitdecision": (("authority_kind", "authority", "authority_organization"),),
}
_MISSING = object()


@dataclass(frozen=True)
class LoadSource:
    """What one load carries: its name and its records in Django's serialized form."""

    name: str
    records: list[dict]


@dataclass(frozen=True)
class FieldConflict:
    """A field a curator changed that the source would also change: the curator's value stays
    (or, with ``overwrite``, is replaced)."""

    source: str
    record: str
    field: str
    current: Any
    incoming: Any

    def __str__(self) -> str:
        return (
            f"{self.source}: {self.record}, field '{self.field}': curator's value "
            f"{_show(self.current)}, fixture's value {_show(self.incoming)}"
        )


@dataclass(frozen=True)
class Skipped:
    source: str
    record: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.record}: {self.reason}"


@dataclass
class ReloadReport:
    """What a load did: records created, updated, unchanged, skipped, and fields in conflict."""

    loaded: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    conflicts: list[FieldConflict] = field(default_factory=list)
    overwrite: bool = False

    def summary(self) -> str:
        return (
            f"loaded {self.loaded}, updated {self.updated}, unchanged {self.unchanged}, "
            f"conflicts {len(self.conflicts)}, skipped {len(self.skipped)}"
        )


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:197] + "..."


def _plain(value: Any) -> Any:
    """A JSON value for ``value`` that compares equal exactly when the values are equal."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


class _Keys:
    """Natural keys of related records, cached per load (one query per related record)."""

    def __init__(self, using: str):
        self.using = using
        self.cache: dict[tuple[type, Any], Any] = {}

    def of(self, model: type[models.Model], pk: Any) -> Any:
        if pk is None:
            return None
        if (model, pk) not in self.cache:
            if hasattr(model, "natural_key"):
                instance = model._default_manager.db_manager(self.using).filter(pk=pk).first()
                key = _plain(list(instance.natural_key())) if instance else pk
            else:
                key = pk
            self.cache[model, pk] = key
        return self.cache[model, pk]

    def incoming(self, model: type[models.Model], value: Any) -> Any:
        """The natural key a source gives for a related record (a list), or a pk made one."""
        if value is None:
            return None
        if isinstance(value, list | tuple):
            return _plain(list(value))
        return self.of(model, model._meta.pk.to_python(value))


def _current_value(instance: models.Model, f, keys: _Keys) -> Any:
    if f.many_to_many:
        related = f.remote_field.model
        pks = getattr(instance, f.name).values_list("pk", flat=True)
        return sorted((keys.of(related, pk) for pk in pks), key=json.dumps)
    if f.is_relation:
        return keys.of(f.remote_field.model, getattr(instance, f.attname))
    return _plain(f.value_from_object(instance))


def _incoming_value(model: type[models.Model], f, raw: Any, keys: _Keys) -> Any:
    if f.many_to_many:
        related = f.remote_field.model
        return sorted((keys.incoming(related, v) for v in raw or []), key=json.dumps)
    if f.is_relation:
        return keys.incoming(f.remote_field.model, raw)
    return _plain(f.to_python(raw))


def _key_json(key) -> str:
    return json.dumps(_plain(list(key)), ensure_ascii=False)


def _label(model: type[models.Model], index: int, key=None, record: dict | None = None) -> str:
    fields = (record or {}).get("fields") or {}
    if key is None:
        key = next(
            ((fields[n],) for n in ("slug", "code", "url") if isinstance(fields.get(n), str)),
            None,
        )
    if key is None:
        return f"{model._meta.label_lower} (record #{index + 1})"
    return f"{model._meta.label_lower} '{', '.join(str(p) for p in key)}'"


def _key_fields(instance: models.Model, key) -> str:
    """The field names that make up ``key`` (for messages about duplicates)."""
    names = []
    for part in key:
        for f in instance._meta.concrete_fields:
            value = getattr(instance, f.attname, None)
            if f.is_relation and value is not None:
                related = getattr(instance, f.name, None)
                if related is not None and hasattr(related, "natural_key"):
                    value = related.natural_key()[0]
            if value == part and f.name not in names:
                names.append(f.name)
                break
    return ", ".join(names) or "natural key"


@dataclass
class _Built:
    """A record read from a source: the instance, its many-to-many pks, its forward references."""

    instance: models.Model
    m2m: dict[str, list]
    deferred: dict[Any, Any]


class _Reload:
    def __init__(self, *, overwrite: bool, using: str, ignorenonexistent: bool, exclude):
        self.overwrite = overwrite
        self.using = using
        self.ignorenonexistent = ignorenonexistent
        self.exclude = exclude or (lambda model: False)
        self.keys = _Keys(using)
        self.report = ReloadReport(overwrite=overwrite)
        self.problems: list[FixtureProblem] = []
        self.seen: dict[tuple[str, str, str], int] = {}
        self.resolved: dict[tuple[type, str], models.Model] = {}
        self.created: dict[type, list[tuple[str, int]]] = defaultdict(list)
        self.touched: list[tuple[str, models.Model]] = []
        self.deferred: list[tuple[str, models.Model, Any, Any]] = []
        self.ledger_rows: list[LoadedRecord] = []
        self.models: set[type] = set()
        self.now = timezone.now()

    # -- reading --------------------------------------------------------------------------
    def resolve(self, model, value) -> models.Model:
        """The record a natural key (or pk) names; raises ObjectDoesNotExist."""
        cache_key = (model, json.dumps(_plain(value), sort_keys=True))
        if cache_key not in self.resolved:
            manager = model._default_manager.db_manager(self.using)
            if isinstance(value, list | tuple) and hasattr(manager, "get_by_natural_key"):
                found = manager.get_by_natural_key(*value)
            else:
                found = manager.get(pk=model._meta.pk.to_python(value))
            self.resolved[cache_key] = found
        return self.resolved[cache_key]

    def build(self, source: str, model, index: int, record: dict) -> _Built | None:
        """The instance a record describes, checking each value so that every problem names its
        field (Django's deserializer names none)."""
        label = _label(model, index, record=record)
        data: dict[str, Any] = {}
        m2m: dict[str, list] = {}
        deferred: dict[Any, Any] = {}
        problems = []
        if record.get("pk") is not None:
            data[model._meta.pk.attname] = model._meta.pk.to_python(record["pk"])
        for name, raw in record.get("fields", {}).items():
            try:
                f = model._meta.get_field(name)
            except FieldDoesNotExist:
                if not self.ignorenonexistent:
                    problems.append(FixtureProblem(source, label, name, "no such field"))
                continue
            try:
                if f.many_to_many:
                    if not isinstance(raw, list):
                        raise ValidationError("a list of natural keys is expected")
                    m2m[name] = [self.resolve(f.remote_field.model, v).pk for v in raw]
                elif f.is_relation:
                    if raw is None:
                        data[f.attname] = None
                        continue
                    try:
                        data[f.name] = self.resolve(f.remote_field.model, raw)
                    except ObjectDoesNotExist:
                        if not f.null:
                            raise
                        # A nullable reference may point forward: resolved at the end.
                        deferred[f] = raw
                        data[f.attname] = None
                else:
                    data[f.attname] = f.to_python(raw)
            except ObjectDoesNotExist:
                problems.append(
                    FixtureProblem(
                        source,
                        label,
                        name,
                        f"no {f.remote_field.model.__name__} has the natural key {raw!r} (a "
                        "referenced record must exist in the database or come earlier in the "
                        "fixtures loaded with it)",
                    )
                )
            except (ValidationError, TypeError, ValueError) as error:
                messages = getattr(error, "messages", None) or [str(error)]
                problems.append(FixtureProblem(source, label, name, "; ".join(messages)))
        if problems:
            self.problems.extend(problems)
            return None
        try:
            instance = model(**data)
        except (TypeError, ValueError) as error:
            self.problems.append(FixtureProblem(source, label, "__all__", str(error)))
            return None
        instance._state.db = self.using
        return _Built(instance, m2m, deferred)

    def existing(self, instance: models.Model):
        """(the stored record with the same natural key or pk, or None; the key)."""
        model = type(instance)
        manager = model._default_manager.db_manager(self.using)
        if instance.pk is None and hasattr(instance, "natural_key"):
            key = instance.natural_key()
            if hasattr(manager, "get_by_natural_key"):
                try:
                    return manager.get_by_natural_key(*key), key
                except model.DoesNotExist:
                    return None, key
            return None, key
        if instance.pk is None:
            return None, None
        key = instance.natural_key() if hasattr(instance, "natural_key") else (instance.pk,)
        return manager.filter(pk=instance.pk).first(), key

    # -- the rule -------------------------------------------------------------------------
    def load(self, sources: list[LoadSource]) -> ReloadReport:
        labels = {
            r.get("model", "").lower()
            for source in sources
            for r in source.records
            if isinstance(r, dict) and isinstance(r.get("model"), str)
        }
        self.tombstones = {
            (t.model, t.natural_key): t
            for t in Tombstone.objects.using(self.using).filter(model__in=labels)
        }
        for source in sources:
            self.read_ledger(source.name, labels)
            for index, record in enumerate(source.records):
                self.record(source.name, index, record)
        if self.problems:
            raise FixtureError(self.problems)
        self.resolve_deferred()
        self.write_ledger()
        self.write_first_history()
        self.check()
        return self.report

    def read_ledger(self, source: str, labels: set[str]) -> None:
        """Baseline values per (model, natural key): every earlier load's values merged, the
        latest load winning field by field; and this source's own rows, to update."""
        self.baseline: dict[tuple[str, str], dict] = defaultdict(dict)
        self.own: dict[tuple[str, str], LoadedRecord] = {}
        rows = LoadedRecord.objects.using(self.using).filter(model__in=labels)
        for row in rows.order_by("loaded_at", "id").iterator():
            self.baseline[row.model, row.natural_key].update(row.values)
            if row.source == source:
                self.own[row.model, row.natural_key] = row

    def remember(self, source: str, model_label: str, key_json: str, values: dict) -> None:
        row = self.own.get((model_label, key_json))
        if row is None:
            row = LoadedRecord(source=source, model=model_label, natural_key=key_json)
            self.own[model_label, key_json] = row
        row.values, row.loaded_at = values, self.now
        self.ledger_rows.append(row)

    def write_ledger(self) -> None:
        rows = {id(row): row for row in self.ledger_rows}.values()
        manager = LoadedRecord.objects.using(self.using)
        manager.bulk_update([r for r in rows if r.pk], ["values", "loaded_at"], batch_size=500)
        manager.bulk_create([r for r in rows if not r.pk], batch_size=500)

    def record(self, source: str, index: int, record: dict) -> None:
        try:
            model = apps.get_model(record["model"])
        except (LookupError, ValueError, KeyError, TypeError):
            if self.ignorenonexistent:
                return
            self.problems.append(
                FixtureProblem(
                    source,
                    f"record #{index + 1}",
                    "model",
                    f"unknown model {record.get('model')!r}",
                )
            )
            return
        if self.exclude(model) or model is LoadedRecord:
            return
        built = self.build(source, model, index, record)
        if built is None:
            return
        instance = built.instance
        try:
            existing, key = self.existing(instance)
        except Exception as error:  # a natural key that cannot be read from the record
            self.problems.append(
                FixtureProblem(source, _label(model, index), "__all__", str(error).splitlines()[0])
            )
            return
        label = _label(model, index, key) if key else _label(model, index)
        model_label = model._meta.label_lower
        key_json = _key_json(key) if key else None
        if key_json:
            seen = (source, model_label, key_json)
            if seen in self.seen:
                self.problems.append(
                    FixtureProblem(
                        source,
                        label,
                        _key_fields(instance, key),
                        f"the same record appears twice (records #{self.seen[seen] + 1} and "
                        f"#{index + 1}); give each record once",
                    )
                )
                return
            self.seen[seen] = index
        self.models.add(model)
        incoming = {
            name: _incoming_value(model, model._meta.get_field(name), raw, self.keys)
            for name, raw in record.get("fields", {}).items()
            if name not in BOOKKEEPING and _has_field(model, name)
        }
        if existing is None:
            if key_json and not self.may_create(source, label, model_label, key_json):
                return
            self.create(source, built)
        else:
            self.update(source, built, existing, label, key_json, incoming)
        if key_json:
            self.remember(source, model_label, key_json, incoming)

    def may_create(self, source: str, label: str, model_label: str, key_json: str) -> bool:
        tombstone = self.tombstones.get((model_label, key_json))
        if tombstone is not None:
            reason = f"{tombstone.get_kind_display()} on {tombstone.withdrawn_at:%Y-%m-%d}"
            if tombstone.reason:
                reason += f" ({tombstone.reason})"
            self.report.skipped.append(Skipped(source, label, f"not recreated: {reason}"))
            return False
        if (model_label, key_json) in self.baseline and not self.overwrite:
            self.report.skipped.append(
                Skipped(
                    source,
                    label,
                    "not recreated: deleted since an earlier load (give --overwrite to load it "
                    "again)",
                )
            )
            return False
        return True

    def create(self, source: str, built: _Built) -> None:
        instance = built.instance
        try:
            with transaction.atomic(using=self.using):
                # Raw, as Django's loaddata saves: the fixture's timestamps and keys are kept.
                models.Model.save_base(instance, using=self.using, raw=True)
                for name, pks in built.m2m.items():
                    getattr(instance, name).set(pks)
        except (DatabaseError, ValueError) as error:
            if built.deferred:
                # The unresolved reference was saved as NULL; that is the real problem.
                self.problems.extend(
                    self.unresolved(source, instance, f, value)
                    for f, value in built.deferred.items()
                )
            else:
                cause = error.__cause__ or error
                self.problems.append(integrity_problem(source, instance, cause))
            raise FixtureError(self.problems) from None
        for f, value in built.deferred.items():
            self.deferred.append((source, instance, f, value))
        self.created[type(instance)].append((source, instance.pk))
        self.touched.append((source, instance))
        self.report.loaded += 1

    def update(
        self,
        source: str,
        built: _Built,
        existing: models.Model,
        label: str,
        key_json: str | None,
        incoming: dict,
    ) -> None:
        model = type(existing)
        baseline = self.baseline.get((model._meta.label_lower, key_json), {})
        take, overwritten = [], False
        kept: set[str] = set()  # fields where the curator's value stays, unlike the source's
        for name, new in incoming.items():
            f = model._meta.get_field(name)
            current = _current_value(existing, f, self.keys)
            if current == new:
                continue
            loaded = baseline.get(name, _MISSING)
            if loaded == current:  # no curator touched it: the new value applies
                take.append(f)
                continue
            kept.add(name)
            if self.overwrite:
                self.report.conflicts.append(FieldConflict(source, label, name, current, new))
                take.append(f)
                overwritten = True
                kept.discard(name)
            elif loaded != new:  # the curator and the source both changed it
                self.report.conflicts.append(FieldConflict(source, label, name, current, new))
            # else: the source still says what it said; the curator's edit simply stays.
        for group in FIELD_GROUPS.get(model._meta.label_lower, ()):
            if not kept.intersection(group):
                continue
            # A curator's value stays in the group: the whole group stays the curator's.
            for f in [f for f in take if f.name in group]:
                take.remove(f)
                current = _current_value(existing, f, self.keys)
                self.report.conflicts.append(
                    FieldConflict(source, label, f.name, current, incoming[f.name])
                )
        if not take:
            self.report.unchanged += 1
            return
        for f in take:
            if f.many_to_many:
                continue
            if f in built.deferred:
                self.deferred.append((source, existing, f, built.deferred[f]))
                setattr(existing, f.attname, None)
            else:
                setattr(existing, f.attname, getattr(built.instance, f.attname))
        existing._change_reason = (
            f"overwritten from fixture {source} (--overwrite)"
            if overwritten
            else f"reloaded from fixture {source}"
        )
        try:
            with transaction.atomic(using=self.using):
                existing.save(using=self.using)
                for f in take:
                    if f.many_to_many:
                        getattr(existing, f.name).set(built.m2m.get(f.name, []))
        except (DatabaseError, ValueError) as error:
            cause = error.__cause__ or error
            self.problems.append(integrity_problem(source, existing, cause))
            raise FixtureError(self.problems) from None
        self.touched.append((source, existing))
        self.report.updated += 1

    @staticmethod
    def unresolved(source: str, instance, f, value) -> FixtureProblem:
        return FixtureProblem(
            source,
            record_label(instance),
            f.name,
            f"no {f.remote_field.model.__name__} has the natural key {value!r} (a referenced "
            "record must exist in the database or in the fixtures loaded with it)",
        )

    # -- after every record ---------------------------------------------------------------
    def resolve_deferred(self) -> None:
        """Forward references (a nullable relation to a record later in the load)."""
        for source, instance, f, value in self.deferred:
            try:
                target = self.resolve(f.remote_field.model, value)
            except ObjectDoesNotExist:
                self.problems.append(self.unresolved(source, instance, f, value))
                continue
            setattr(instance, f.attname, target.pk)
            type(instance)._default_manager.db_manager(self.using).filter(pk=instance.pk).update(
                **{f.attname: target.pk}
            )
        if self.problems:
            raise FixtureError(self.problems)

    def write_first_history(self) -> None:
        """Records created by the load get a first history entry naming their source, so the
        first curator edit shows its changes field by field."""
        for model, created in self.created.items():
            history = getattr(model, "history", None)
            if history is None or not hasattr(history, "bulk_history_create"):
                continue
            by_source: dict[str, list] = defaultdict(list)
            for source, pk in created:
                by_source[source].append(pk)
            for source, pks in by_source.items():
                objs = list(model._default_manager.db_manager(self.using).filter(pk__in=pks))
                model.history.bulk_history_create(
                    objs, default_change_reason=f"loaded from fixture {source}"
                )

    def check(self) -> None:
        try:
            connections[self.using].check_constraints(
                table_names=[m._meta.db_table for m in self.models]
            )
        except DatabaseError as error:
            raise FixtureError(
                [FixtureProblem("(the load)", "a record", "__all__", str(error).splitlines()[0])]
            ) from None
        validate_records(self.touched)
        problems = integration_cycle_problems(self.touched) + verification_problems(self.touched)
        if problems:
            raise FixtureError(problems)


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def records_reload(
    *,
    sources: list[LoadSource],
    overwrite: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    ignorenonexistent: bool = False,
    exclude=None,
) -> ReloadReport:
    """Load ``sources`` by the reload rule (see the module docstring), in one transaction.

    ``exclude`` is an optional predicate on a model class: its records are left out. Raises
    ``FixtureError`` naming every bad record and field; then nothing is written.
    """
    with transaction.atomic(using=using):
        return _Reload(
            overwrite=overwrite, using=using, ignorenonexistent=ignorenonexistent, exclude=exclude
        ).load(sources)
