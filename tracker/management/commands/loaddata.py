"""``loaddata`` that validates what it loads and names every bad record and field.

Same interface as Django's command. On top of it: references by natural key that resolve to
nothing, database constraint violations and ``full_clean()`` failures (a quote not in its source,
dates out of order, a lift of another authority's decision, a cycle of integrations) abort the
whole load with a message naming the fixture, the record and the field. Nothing is written.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import CommandError
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, transaction

from tracker.services.fixtures import (
    FixtureError,
    FixtureProblem,
    integrity_problem,
    record_label,
    validate_records,
)


class Command(loaddata.Command):
    help = loaddata.Command.help + " Every loaded record is validated; any problem loads nothing."

    def loaddata(self, fixture_labels):
        self._loaded = []
        self._current = ""
        super().loaddata(fixture_labels)
        validate_records(
            [(name, obj.object) for name, obj in self._loaded if obj.object.pk is not None]
        )

    def load_label(self, fixture_label):
        self._current = fixture_label
        try:
            super().load_label(fixture_label)
        except CommandError:
            raise
        except DeserializationError as error:
            raise CommandError(
                f"Nothing was loaded: {fixture_label}: {self._explain_deserialization(error)}"
            ) from None

    def save_obj(self, obj):
        instance = obj.object
        for field in obj.deferred_fields:
            if not field.null and not field.many_to_many:
                value = obj.deferred_fields[field]
                raise FixtureError(
                    [
                        FixtureProblem(
                            self._current,
                            record_label(instance),
                            field.name,
                            f"no {field.related_model.__name__} has the natural key {value!r}",
                        )
                    ]
                )
        try:
            with transaction.atomic(using=self.using):
                saved = super().save_obj(obj)
        except DatabaseError as error:
            if obj.deferred_fields:
                # Django saved the unresolved reference as NULL; that is the real problem.
                raise FixtureError(self._unresolved(obj)) from None
            cause = error.__cause__ or error
            raise FixtureError([integrity_problem(self._current, instance, cause)]) from None
        if obj.deferred_fields and self.objs_with_deferred_fields:
            # Resolved after every fixture is read; name the record if it still fails then.
            self.objs_with_deferred_fields[-1] = _Deferred(obj, self._current, self._unresolved)
        self._loaded.append((self._current, obj))
        return saved

    def _unresolved(self, obj) -> list[FixtureProblem]:
        return [
            FixtureProblem(
                self._current,
                record_label(obj.object),
                field.name,
                f"no {field.related_model.__name__} has the natural key {value!r} (a referenced "
                "record must exist in the database or in the fixtures loaded with it)",
            )
            for field, value in obj.deferred_fields.items()
        ]

    @staticmethod
    def _explain_deserialization(error: DeserializationError) -> str:
        text = str(error)
        return text.replace("Problem installing fixture", "problem in fixture")


class _Deferred:
    """Wraps a DeserializedObject whose forward references are resolved at the end of the load."""

    def __init__(self, obj, fixture, unresolved):
        self.obj, self.fixture, self.unresolved = obj, fixture, unresolved

    def save_deferred_fields(self, using=None):
        try:
            with transaction.atomic(using=using):
                self.obj.save_deferred_fields(using=using)
        except (ObjectDoesNotExist, DatabaseError):
            raise FixtureError(
                [
                    FixtureProblem(self.fixture, p.record, p.field, p.message)
                    for p in self.unresolved(self.obj)
                ]
            ) from None
