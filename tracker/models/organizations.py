"""Organisations (manufacturers, government bodies, NGOs, alliances) and how they are related."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.text import slugify

from ..choices import OrganizationKind, OrganizationRelationKind
from .base import (
    CuratedModel,
    PartialDatesMixin,
    SlugManager,
    date_order_constraint,
    partial_date,
    partial_date_pair_constraints,
    raise_if,
)
from .reference import AliasManager, State


class Organization(CuratedModel):
    """A manufacturer, government body, armed force, court, NGO or alliance."""

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=OrganizationKind.choices, db_index=True)
    country = models.ForeignKey(
        State,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        help_text="Where it is based; empty for international bodies such as NATO.",
    )
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)

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


class OrganizationAliasManager(AliasManager):
    owner_field = "organization"


class OrganizationAlias(CuratedModel):
    """Another name of an organisation (an abbreviation, a former or local name)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)

    objects = OrganizationAliasManager()

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name_plural = "organization aliases"
        constraints = [
            *CuratedModel.Meta.constraints,
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                name="%(app_label)s_%(class)s_unique_per_organization",
                violation_error_message="This organization already has that alias.",
            ),
        ]

    def __str__(self):
        return f"{self.name} → {self.organization}"

    def natural_key(self):
        return (self.organization.slug, self.name)

    natural_key.dependencies = ["tracker.organization"]


class OrganizationRelation(PartialDatesMixin, CuratedModel):
    """A time-bounded, sourced link: ``child`` is a unit, subsidiary or member of ``parent``."""

    partial_dates = ("start_date", "end_date")
    date_order = (("end_date", "start_date"),)

    slug = models.SlugField(max_length=200, unique=True, blank=True)
    child = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="parent_links")
    parent = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="child_links")
    kind = models.CharField(max_length=16, choices=OrganizationRelationKind.choices)
    start_date, start_date_precision = partial_date("start date")
    end_date, end_date_precision = partial_date("end date")
    note = models.TextField(blank=True)

    objects = SlugManager()

    class Meta:
        ordering = ["child__name", "parent__name"]
        constraints = [
            *CuratedModel.Meta.constraints,
            *partial_date_pair_constraints("start_date", "end_date"),
            date_order_constraint("end_date", "start_date"),
            models.CheckConstraint(
                condition=~Q(child=F("parent")),
                name="%(app_label)s_%(class)s_not_self",
                violation_error_message="An organization cannot be related to itself.",
            ),
        ]

    def __str__(self):
        return f"{self.child} {self.get_kind_display()} {self.parent}"

    def natural_key(self):
        return (self.slug,)

    def build_slug(self) -> str:
        return slugify(f"{self.child.slug} {self.kind} {self.parent.slug}")[:200]

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.build_slug()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        errors = self.clean_partial_dates()
        if self.child_id and self.child_id == self.parent_id:
            errors.setdefault("parent", []).append("An organization cannot be related to itself.")
        raise_if(errors)
