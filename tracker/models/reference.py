"""Reference data: states with their aliases, and export-control list categories."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from ..choices import AliasKind, ControlRegime, StateStatus
from .base import (
    CuratedModel,
    PartialDatesMixin,
    partial_date,
    partial_date_pair_constraints,
    raise_if,
)


class StateManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class State(PartialDatesMixin, CuratedModel):
    """A state, keyed by its ISO 3166 code.

    Current states use their ISO 3166-1 alpha-2 code (CA, TR). States that no longer exist use
    their four-letter ISO 3166-3 code (SUHH for the Soviet Union), because withdrawn alpha-2 codes
    were reused (CS). Partially recognised states without an ISO code use the user-assigned code in
    common use (XK for Kosovo).
    """

    code = models.CharField(
        max_length=4,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z]{2}([A-Z]{2})?$",
                "Use an ISO 3166-1 alpha-2 code (CA) or an ISO 3166-3 code (SUHH).",
            )
        ],
    )
    alpha3 = models.CharField("alpha-3 code", max_length=3, blank=True)
    name = models.CharField(max_length=200)
    official_name = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=24, choices=StateStatus.choices, default=StateStatus.CURRENT, db_index=True
    )
    valid_until, valid_until_precision = partial_date(
        "code withdrawn", help_text="For historical states: when the ISO code was withdrawn."
    )

    partial_dates = ("valid_until",)

    objects = StateManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            *CuratedModel.Meta.constraints,
            *partial_date_pair_constraints("valid_until"),
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z][A-Z]([A-Z][A-Z])?$"),
                name="%(app_label)s_%(class)s_code_format",
                violation_error_message="A state code is two (or, for historical states, four) "
                "capital letters.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def natural_key(self):
        return (self.code,)

    def clean(self):
        super().clean()
        raise_if(self.clean_partial_dates())


class AliasManager(models.Manager):
    """Aliases are keyed by their owner's natural key and the alias text."""

    owner_field = ""

    def get_by_natural_key(self, owner_key, name):
        owner_model = self.model._meta.get_field(self.owner_field).related_model
        owner = owner_model._default_manager.get_by_natural_key(owner_key)
        return self.get(**{self.owner_field: owner, "name": name})


class StateAliasManager(AliasManager):
    owner_field = "state"


class StateAlias(CuratedModel):
    """Another name for a state: a short or official name, a demonym, an adjective, a capital used
    as a metonym (Ottawa for Canada), in a given language."""

    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=AliasKind.choices, default=AliasKind.NAME)
    language = models.CharField(max_length=8, default="en")

    objects = StateAliasManager()

    class Meta:
        ordering = ["state__name", "name"]
        verbose_name_plural = "state aliases"
        constraints = [
            *CuratedModel.Meta.constraints,
            models.UniqueConstraint(
                "state",
                Lower("name"),
                name="%(app_label)s_%(class)s_unique_per_state",
                violation_error_message="This state already has that alias.",
            ),
        ]

    def __str__(self):
        return f"{self.name} → {self.state.code}"

    def natural_key(self):
        return (self.state.code, self.name)

    natural_key.dependencies = ["tracker.state"]


class ControlListCategoryManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class ControlListCategory(CuratedModel):
    """A category of an export-control list: Wassenaar Munitions List ML1-ML22, a dual-use entry
    such as 6A003 (under its dual-use category, 6), or a UK national entry such as PL5035 (under
    the ML category it refines, where it names one).

    ``military`` is the list's own flag: every ML category is military, no dual-use entry is,
    and national entries say which they are (PL5001 military, PL9002 not)."""

    code = models.CharField(
        max_length=16,
        unique=True,
        validators=[RegexValidator(r"^(ML\d{1,2}|\d[A-E]\d{3}(\.[a-z0-9.]+)?|[A-Z0-9.\-]+)$")],
    )
    regime = models.CharField(max_length=24, choices=ControlRegime.choices)
    military = models.BooleanField(
        default=False,
        help_text="Military goods by the list's own flag: always for ML categories, never for "
        "dual-use entries.",
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    objects = ControlListCategoryManager()

    class Meta:
        ordering = ["regime", "code"]
        verbose_name_plural = "control-list categories"
        constraints = [
            *CuratedModel.Meta.constraints,
            models.CheckConstraint(
                condition=~models.Q(regime=ControlRegime.WASSENAAR_MUNITIONS, military=False)
                & ~models.Q(regime=ControlRegime.WASSENAAR_DUAL_USE, military=True),
                name="%(app_label)s_%(class)s_military_follows_regime",
                violation_error_message="Munitions List categories are military and dual-use "
                "entries are not.",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def natural_key(self):
        return (self.code,)


__all__ = ["State", "StateAlias", "ControlListCategory", "AliasManager"]
