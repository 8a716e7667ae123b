"""Abstract bases and field helpers shared by every curated model."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ..choices import DatePrecision, ReviewState
from ..partial_dates import PartialDate, format_partial, is_aligned, not_before


class AuditHistory(HistoricalRecords):
    """simple-history's records without the indexes it copies from the record's fields.

    A history table is read by record (``id``) and date (``history_date``, simple-history's own
    index); copied indexes on slugs, states, dates and foreign keys (about twenty per table)
    served no query and cost every write: the first history row of 28,000 imported deals spent
    most of its time maintaining them.
    """

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        for name, field in fields.items():
            if name != "id":
                field.db_index = False
        return fields


class SlugManager(models.Manager):
    """Looks records up by their natural key, the slug."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class CuratedModel(models.Model):
    """Review state, timestamps and audit history shared by every curated record.

    Timestamps default to "now" rather than using auto_now so that fixtures which omit them still
    load; ``save()`` refreshes ``last_updated``.
    """

    review_state = models.CharField(
        max_length=16, choices=ReviewState.choices, default=ReviewState.DRAFT, db_index=True
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The curator who checked the record against its sources.",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_updated = models.DateTimeField(default=timezone.now, editable=False)

    history = AuditHistory(inherit=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(review_state=ReviewState.DRAFT, verified_at__isnull=True)
                | Q(review_state=ReviewState.VERIFIED, verified_at__isnull=False),
                name="%(app_label)s_%(class)s_verified_has_time",
                violation_error_message="A verified record needs the time it was verified; "
                "a draft has none.",
            ),
        ]

    def save(self, *args, **kwargs):
        self.last_updated = timezone.now()
        super().save(*args, **kwargs)


def sparse_indexes(prefix: str, *fields: str) -> list[models.Index]:
    """Indexes on mostly empty optional foreign keys that leave the empty rows out.

    A btree indexes NULLs too: the ten fact columns of ``Evidence`` (one of them set per row) and
    the party, company and withdrawal columns of ``Transfer`` gave every imported row an entry
    in each index, most of the cost of writing 28,000 SIPRI deals. A lookup by a value (``=``,
    ``IN``, a join, the check behind ``on_delete``) implies ``IS NOT NULL`` and uses the partial
    index; ``field__isnull=True`` scans the table, which was cheaper than the index anyway.
    """
    return [
        models.Index(
            fields=[name],
            condition=Q(**{f"{name}__isnull": False}),
            name=f"{prefix}_{name}_set",
        )
        for name in fields
    ]


def choice_indexes(prefix: str, *fields: str) -> list[models.Index]:
    """Plain btree indexes on short choice fields: ``db_index=True`` on a CharField also builds
    a ``varchar_pattern_ops`` copy for LIKE on PostgreSQL, which no query of a choice asks."""
    return [models.Index(fields=[name], name=f"{prefix}_{name}_idx") for name in fields]


def order_key(field: str, *, unknown=None):
    """A sort key for keyset (cursor) pagination: the field itself, or, for a nullable field,
    the field with ``unknown`` in place of null, so that every row has a key and an unknown value
    sorts as the lowest. Models list their keys in ``order_keys`` and index each with the id
    (:func:`order_key_indexes`), so that a page at any depth is one index range scan."""
    if unknown is None:
        return F(field)
    return Coalesce(field, Value(unknown))


def order_key_indexes(prefix: str, keys: dict) -> list[models.Index]:
    """One index per sort key, with the id as the tie-break (names: ``<prefix>_<key>_ks``)."""
    return [
        models.Index(expression, F("id"), name=f"{prefix}_{name}_ks"[:30])
        for name, expression in keys.items()
        if name != "id"
    ]


def partial_date(label: str, *, required: bool = False, help_text: str = ""):
    """A (date, precision) pair of fields: the first day of the period and how much is known.

    Use as ``order_date, order_date_precision = partial_date("order date")``.
    """
    date_field = models.DateField(
        label,
        null=not required,
        blank=not required,
        db_index=True,
        help_text=help_text
        or "The first day of the period known (e.g. 2019-10-01 for October 2019).",
    )
    precision_field = models.PositiveSmallIntegerField(
        f"{label} precision",
        choices=DatePrecision.choices,
        null=not required,
        blank=not required,
        help_text="Year, month or day: never more than the source says.",
    )
    return date_field, precision_field


def partial_date_pair_constraints(*names: str) -> list[models.BaseConstraint]:
    """A date and its precision are given together or not at all."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{n}__isnull": True, f"{n}_precision__isnull": True})
            | Q(**{f"{n}__isnull": False, f"{n}_precision__isnull": False}),
            name=f"%(app_label)s_%(class)s_{n}_has_precision",
            violation_error_message=f"{n.replace('_', ' ')} and its precision go together.",
        )
        for n in names
    ]


def date_order_constraint(later: str, earlier: str) -> models.CheckConstraint:
    """``later`` is not before ``earlier``.

    The database compares the first days of the periods whenever that comparison is exact (the
    later date is at least as precise as the earlier one); ``clean_partial_dates`` also handles a
    later date known to a coarser precision.
    """
    return models.CheckConstraint(
        condition=Q(**{f"{later}__isnull": True})
        | Q(**{f"{earlier}__isnull": True})
        | Q(**{f"{later}_precision__lt": F(f"{earlier}_precision")})
        | Q(**{f"{later}__gte": F(earlier)}),
        name=f"%(app_label)s_%(class)s_{later}_not_before_{earlier}",
        violation_error_message=f"{later.replace('_', ' ')} is before {earlier.replace('_', ' ')}.",
    )


class PartialDatesMixin:
    """``clean()`` support for models with partial-date pairs.

    Subclasses list ``partial_dates`` (field names) and ``date_order`` ((later, earlier) pairs).
    """

    partial_dates: tuple[str, ...] = ()
    date_order: tuple[tuple[str, str], ...] = ()

    def get_partial(self, name: str) -> PartialDate | None:
        day, precision = getattr(self, name), getattr(self, f"{name}_precision")
        if day is None or precision is None:
            return None
        return PartialDate(day, DatePrecision(precision))

    def partial_display(self, name: str) -> str:
        return format_partial(getattr(self, name), getattr(self, f"{name}_precision"))

    def clean_partial_dates(self) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for name in self.partial_dates:
            day, precision = getattr(self, name), getattr(self, f"{name}_precision")
            if (day is None) != (precision is None):
                missing = f"{name}_precision" if precision is None else name
                errors.setdefault(missing, []).append("Give the date and its precision together.")
            elif day is not None and not is_aligned(day, precision):
                label = DatePrecision(precision).label
                errors.setdefault(name, []).append(
                    f"{day.isoformat()} is not the first day of its {label}: a date known only "
                    f"to the {label} is stored as the first day of that {label}, so no day or "
                    "month is invented."
                )
        for later, earlier in self.date_order:
            a, b = self.get_partial(later), self.get_partial(earlier)
            if a and b and not not_before(a, b):
                errors.setdefault(later, []).append(
                    f"{later.replace('_', ' ')} ({a}) is before {earlier.replace('_', ' ')} ({b})."
                )
        return errors


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)
