"""Components and platforms, and which components are fitted to which platforms."""

from __future__ import annotations

from django.db import connection, models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.text import slugify

from ..choices import IntegrationStatus, ItemKind
from .base import (
    CuratedModel,
    PartialDatesMixin,
    SlugManager,
    date_order_constraint,
    partial_date,
    partial_date_pair_constraints,
    raise_if,
)
from .organizations import Organization
from .reference import AliasManager, ControlListCategory, State

#: Deepest assembly graph the cycle check follows; far beyond any real bill of materials.
MAX_ASSEMBLY_DEPTH = 64


class Item(CuratedModel):
    """A component (an imaging and targeting system, an engine) or a platform (a drone).

    One table for both, so transfers and integrations can point at either; ``kind`` tells them
    apart (the API serves them on separate routes).
    """

    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=ItemKind.choices, db_index=True)
    name = models.CharField(
        "designation",
        max_length=200,
        help_text="The model designation, or a generic description "
        'when the source names none ("Turkish-made drones").',
    )
    item_type = models.CharField(
        max_length=120, blank=True, help_text="What it is: drone, imaging and targeting system…"
    )
    description = models.TextField(blank=True)
    manufacturer = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="items"
    )
    country_of_origin = models.ForeignKey(
        State, on_delete=models.PROTECT, null=True, blank=True, related_name="items"
    )
    category = models.ForeignKey(
        ControlListCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name="control-list category",
    )

    objects = SlugManager()

    class Meta:
        ordering = ["name"]
        constraints = [*CuratedModel.Meta.constraints]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:120]
        super().save(*args, **kwargs)


class ItemAliasManager(AliasManager):
    owner_field = "item"


class ItemAlias(CuratedModel):
    """Another name of a component or platform."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)

    objects = ItemAliasManager()

    class Meta:
        ordering = ["item__name", "name"]
        verbose_name_plural = "item aliases"
        constraints = [
            *CuratedModel.Meta.constraints,
            models.UniqueConstraint(
                "item",
                Lower("name"),
                name="%(app_label)s_%(class)s_unique_per_item",
                violation_error_message="This item already has that alias.",
            ),
        ]

    def __str__(self):
        return f"{self.name} → {self.item}"

    def natural_key(self):
        return (self.item.slug, self.name)

    natural_key.dependencies = ["tracker.item"]


def assembly_reaches(*, start_id: int, target_id: int) -> bool:
    """True if ``target_id`` is ``start_id`` or an assembly that ``start_id`` is (transitively)
    fitted to. One recursive query, bounded in depth, portable to SQLite and PostgreSQL."""
    if start_id == target_id:
        return True
    table = Integration._meta.db_table
    sql = f"""
        WITH RECURSIVE up(item_id, depth) AS (
            SELECT assembly_id, 1 FROM {table} WHERE component_id = %s
            UNION
            SELECT i.assembly_id, up.depth + 1
            FROM {table} i JOIN up ON i.component_id = up.item_id
            WHERE up.depth < %s
        )
        SELECT 1 FROM up WHERE item_id = %s LIMIT 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [start_id, MAX_ASSEMBLY_DEPTH, target_id])
        return cursor.fetchone() is not None


class Integration(PartialDatesMixin, CuratedModel):
    """``component`` is fitted to ``assembly`` (a platform or a larger assembly).

    The graph of integrations may have several levels but never a cycle.
    """

    partial_dates = ("start_date", "end_date")
    date_order = (("end_date", "start_date"),)

    slug = models.SlugField(max_length=250, unique=True, blank=True)
    component = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="fitted_to")
    assembly = models.ForeignKey(
        Item,
        on_delete=models.PROTECT,
        related_name="fitted_components",
        help_text="The platform or larger assembly the component is fitted to.",
    )
    status = models.CharField(
        max_length=16, choices=IntegrationStatus.choices, default=IntegrationStatus.FITTED
    )
    start_date, start_date_precision = partial_date("start date")
    end_date, end_date_precision = partial_date("end date")
    note = models.TextField(blank=True)

    objects = SlugManager()

    class Meta:
        ordering = ["assembly__name", "component__name"]
        constraints = [
            *CuratedModel.Meta.constraints,
            *partial_date_pair_constraints("start_date", "end_date"),
            date_order_constraint("end_date", "start_date"),
            models.CheckConstraint(
                condition=~Q(component=F("assembly")),
                name="%(app_label)s_%(class)s_not_self",
                violation_error_message="An item cannot be fitted to itself.",
            ),
            models.UniqueConstraint(
                fields=["component", "assembly"],
                name="%(app_label)s_%(class)s_unique_pair",
                violation_error_message="This component is already recorded as fitted to this "
                "assembly.",
            ),
        ]

    def __str__(self):
        return f"{self.component} in {self.assembly}"

    def natural_key(self):
        return (self.slug,)

    def build_slug(self) -> str:
        return slugify(f"{self.component.slug} in {self.assembly.slug}")[:250]

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.build_slug()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        errors = self.clean_partial_dates()
        if self.component_id and self.assembly_id:
            if self.component_id == self.assembly_id:
                errors.setdefault("assembly", []).append("An item cannot be fitted to itself.")
            elif self._creates_cycle():
                errors.setdefault("assembly", []).append(
                    f"{self.assembly} is already (directly or through other assemblies) fitted "
                    f"to {self.component}: this integration would make a cycle."
                )
        raise_if(errors)

    def _creates_cycle(self) -> bool:
        # The new edge component -> assembly closes a cycle when the component is already
        # reachable upward from the assembly. Exclude this row's own old edge when editing.
        if self.pk:
            old = (
                Integration.objects.filter(pk=self.pk)
                .values_list("component_id", "assembly_id")
                .first()
            )
            if old == (self.component_id, self.assembly_id):
                return False
        return assembly_reaches(start_id=self.assembly_id, target_id=self.component_id)
