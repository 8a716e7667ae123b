"""Validation of fixture loads: every loaded record passes the same rules as the admin.

Django's ``loaddata`` saves rows raw (no ``clean()``), so a fixture could otherwise bring in a quote
that is not in its source or a lift of another state's freeze. The project's ``loaddata`` command
calls these helpers; any problem aborts the whole load (it runs in one transaction).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import models
from django.db.models import Exists, OuterRef, Q

from ..choices import ReviewState


@dataclass(frozen=True)
class FixtureProblem:
    fixture: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        if not self.field:
            return f"{self.fixture}: {self.record}: {self.message}"
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


def fixture_records(fixture: str, text: str | bytes) -> list[dict]:
    """The records of a JSON fixture, or FixtureError saying where and why it is not one: invalid
    JSON (line and column), a top level that is not a list, an entry without model or fields."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise FixtureError(
                [FixtureProblem(fixture, f"byte {error.start}", "", "the file is not UTF-8")]
            ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise FixtureError(
            [FixtureProblem(fixture, where, "", f"invalid JSON: {error.msg}")]
        ) from None
    if not isinstance(data, list):
        kind = type(data).__name__.replace("dict", "an object").replace("str", "a string")
        raise FixtureError(
            [
                FixtureProblem(
                    fixture,
                    "the top level",
                    "",
                    f"is {kind}; a fixture is a list of records "
                    '([{"model": "tracker.state", "fields": {...}}, ...])',
                )
            ]
        )
    problems = []
    for index, record in enumerate(data):
        label = f"record #{index + 1}"
        if not isinstance(record, dict):
            problems.append(FixtureProblem(fixture, label, "", "is not an object"))
            continue
        if not isinstance(record.get("model"), str):
            problems.append(FixtureProblem(fixture, label, "model", "is missing or not a string"))
        if not isinstance(record.get("fields", {}), dict):
            problems.append(FixtureProblem(fixture, label, "fields", "is not an object"))
    if problems:
        raise FixtureError(problems)
    return data


def integration_cycle_problems(loaded: list[tuple[str, models.Model]]) -> list[FixtureProblem]:
    """Integrations written by the load that close a cycle (A in B, B in A), each named.

    ``clean()`` cannot see a cycle the load creates as a whole: each edge is already saved when
    it is checked. Here every loaded edge component -> assembly is checked against the complete
    graph: the assembly must not reach the component.
    """
    from ..models.items import Integration, assembly_reaches

    return [
        FixtureProblem(
            fixture,
            record_label(instance),
            "assembly",
            f"{instance.assembly} is also fitted (directly or through other assemblies) to "
            f"{instance.component}: these integrations make a cycle",
        )
        for fixture, instance in loaded
        if isinstance(instance, Integration)
        and assembly_reaches(start_id=instance.assembly_id, target_id=instance.component_id)
    ]


def _evidence_field(model) -> str:
    from ..models import Evidence

    return next(
        f.name for f in Evidence._meta.fields if f.related_model is model and f.name != "source"
    )


def _curated_relations(model):
    from ..models import CuratedModel

    return [
        f
        for f in model._meta.get_fields()
        if (f.many_to_one or f.many_to_many)
        and f.concrete
        and isinstance(f.related_model, type)
        and issubclass(f.related_model, CuratedModel)
    ]


def verification_problems(loaded: list[tuple[str, models.Model]]) -> list[FixtureProblem]:
    """The verification rule, checked set-wise over the records a load wrote: a verified fact is
    backed by at least one verified quote from a verified source, and no verified fact or quote
    refers to a draft (nor does the load leave one referring to a record it made a draft)."""
    from ..models import Evidence
    from .verification import FACT_MODELS as facts
    from .verification import QUOTED_MODELS as quoted

    fixture_of: dict[tuple[type, int], str] = {}
    pks: dict[type, set[int]] = defaultdict(set)
    for fixture, instance in loaded:
        fixture_of[type(instance), instance.pk] = fixture
        pks[type(instance)].add(instance.pk)
    problems: list[FixtureProblem] = []

    def problem(record, field, message):
        fixture = fixture_of.get((type(record), record.pk), "(already in the database)")
        problems.append(FixtureProblem(fixture, record_label(record), field, message))

    for model in (*facts, *quoted):
        if not pks.get(model):
            continue
        link = _evidence_field(model)
        verified = model._default_manager.filter(pk__in=pks[model], review_state="verified")
        quotes = Evidence.objects.filter(**{link: OuterRef("pk")})
        unbacked = verified.exclude(
            Exists(quotes.filter(review_state="verified", source__review_state="verified"))
        )
        if model in quoted:
            unbacked = unbacked.filter(Exists(quotes))
        for record in unbacked:
            problem(
                record,
                "evidence",
                "is verified but no verified quote from a verified source backs it (verify a "
                "quote and its source with it, or load it as a draft)",
            )
    checked = (*facts, *quoted, Evidence)
    for model in checked:
        if not pks.get(model):
            continue
        for relation in _curated_relations(model):
            if model is Evidence and relation.name != "source":
                continue  # a quote of a draft fact is not shown; its source is
            lookup = f"{relation.name}__review_state"
            rows = model._default_manager.filter(
                pk__in=pks[model], review_state=ReviewState.VERIFIED, **{lookup: ReviewState.DRAFT}
            ).distinct()
            for record in rows:
                problem(
                    record,
                    relation.name,
                    f"is verified but refers to a draft {relation.related_model.__name__}: "
                    "verify that record too, or load this one as a draft",
                )
    # The other way round: a record the load made (or left) a draft that verified facts use.
    for target, target_pks in pks.items():
        if not any(f.name == "review_state" for f in target._meta.concrete_fields):
            continue
        drafts = list(
            target._default_manager.filter(
                pk__in=target_pks, review_state=ReviewState.DRAFT
            ).values_list("pk", flat=True)
        )
        if not drafts:
            continue
        for model in checked:
            for relation in _curated_relations(model):
                if relation.related_model is not target:
                    continue
                if model is Evidence and relation.name != "source":
                    continue
                rows = model._default_manager.filter(
                    review_state=ReviewState.VERIFIED, **{f"{relation.name}__in": drafts}
                ).distinct()
                for record in rows:
                    if (model, record.pk) in fixture_of:
                        continue  # already reported from its own side
                    problem(
                        record,
                        relation.name,
                        f"is verified but the load makes the {relation.related_model.__name__} "
                        "it refers to a draft",
                    )
    return problems
