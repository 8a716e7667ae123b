"""Validation of fixture loads: every loaded record passes the same rules as the admin.

Django's ``loaddata`` saves rows raw (no ``clean()``), so a fixture could otherwise bring in a quote
that is not in its source or a lift of another state's freeze. The project's ``loaddata`` command
calls these helpers; any problem aborts the whole load (it runs in one transaction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import models
from django.db.models import Q


@dataclass(frozen=True)
class FixtureProblem:
    fixture: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.fixture}: {self.record}, field '{self.field}': {self.message}"


class FixtureError(CommandError):
    """A fixture that cannot be loaded; ``problems`` names every bad record and field."""

    def __init__(self, problems: list[FixtureProblem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Nothing was loaded: {len(problems)} problem(s)\n{lines}")


def record_label(instance: models.Model) -> str:
    """``tracker.transfer 'tr-az-turkish-drones-undated'``: the model and the record's key."""
    key = None
    try:
        key = instance.natural_key()
    except Exception:  # a missing relation makes the natural key unreadable
        key = None
    if not key:
        key = (getattr(instance, "slug", None) or getattr(instance, "code", None) or instance.pk,)
    shown = ", ".join(str(part) for part in key)
    return f"{instance._meta.label_lower} '{shown}'"


def validation_problems(
    fixture: str, instance: models.Model, error: ValidationError
) -> list[FixtureProblem]:
    label = record_label(instance)
    if hasattr(error, "error_dict"):
        return [
            FixtureProblem(fixture, label, field, message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [FixtureProblem(fixture, label, "__all__", m) for m in error.messages]


def validate_records(loaded: list[tuple[str, models.Model]]) -> None:
    """full_clean() every loaded record (after all are saved, so cross-record rules see the
    complete data); raise FixtureError listing every failure."""
    problems: list[FixtureProblem] = []
    for fixture, instance in loaded:
        try:
            # The database has already enforced uniqueness and check constraints on save.
            instance.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            problems.extend(validation_problems(fixture, instance, error))
    if problems:
        raise FixtureError(problems)


_NOT_NULL = re.compile(r'(?:NOT NULL constraint failed: \w+\.(\w+)|null value in column "(\w+)")')


def integrity_problem(fixture: str, instance: models.Model, error: Exception) -> FixtureProblem:
    """Translate a database error on saving a fixture row into the record, field and rule."""
    text = str(error)
    label = record_label(instance)
    for constraint in instance._meta.constraints:
        name = constraint.name % {
            "app_label": instance._meta.app_label,
            "class": instance.__class__.__name__.lower(),
        }
        if name in text:
            fields = list(getattr(constraint, "fields", None) or _condition_fields(constraint))
            message = constraint.violation_error_message or name
            return FixtureProblem(fixture, label, ", ".join(fields), f"{message} ({name})")
    match = _NOT_NULL.search(text)
    if match:
        column = match.group(1) or match.group(2)
        field = column[:-3] if column.endswith("_id") else column
        return FixtureProblem(
            fixture,
            label,
            field,
            "is required but missing, or refers to a record that does not exist "
            "(check the natural key, and that referenced records come earlier in the fixture)",
        )
    return FixtureProblem(fixture, label, "__all__", text.splitlines()[0])


def _condition_fields(constraint) -> list[str]:
    """The model fields a check constraint's condition mentions, in order."""
    names: list[str] = []

    def walk(node):
        for child in node.children if isinstance(node, Q) else ():
            if isinstance(child, Q):
                walk(child)
            else:
                name = child[0].split("__")[0]
                if name not in names:
                    names.append(name)

    walk(getattr(constraint, "condition", None) or Q())
    return names or ["__all__"]
