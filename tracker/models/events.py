"""Dated facts: transfers, permit decisions, conflicts, participants and deployments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.text import slugify

from ..choices import (
    ENDING_ACTIONS,
    FOLLOW_UP_ACTIONS,
    DecisionAuthority,
    ParticipantRole,
    PermitAction,
    PermitScope,
    ReviewState,
    TransferCondition,
    TransferSide,
    TransferStatus,
)
from ..partial_dates import not_before
from .base import (
    CuratedModel,
    PartialDatesMixin,
    SlugManager,
    choice_indexes,
    date_order_constraint,
    order_key,
    order_key_indexes,
    partial_date,
    partial_date_pair_constraints,
    raise_if,
    sparse_indexes,
)
from .items import Item
from .organizations import Organization
from .reference import ControlListCategory, State


class SlugFactMixin:
    """Facts are keyed by a slug built from what they mean, so that two articles describing the
    same fact produce the same key and their fixtures merge."""

    def build_slug(self) -> str:  # pragma: no cover - every fact defines it
        raise NotImplementedError

    def natural_key(self):
        return (self.slug,)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.build_slug()
        super().save(*args, **kwargs)


def _side_constraints(side: str) -> list[models.CheckConstraint]:
    """Each side of a transfer is exactly one of: a state, a non-state party (an organization),
    or unknown; ``<side>_kind`` says which, and the database holds the fields to it."""
    state, organization, kind = side, f"{side}_party", f"{side}_kind"
    return [
        models.CheckConstraint(
            condition=(
                Q(
                    **{
                        kind: TransferSide.STATE,
                        f"{state}__isnull": False,
                        f"{organization}__isnull": True,
                    }
                )
                | Q(
                    **{
                        kind: TransferSide.NON_STATE,
                        f"{state}__isnull": True,
                        f"{organization}__isnull": False,
                    }
                )
                | Q(
                    **{
                        kind: TransferSide.UNKNOWN,
                        f"{state}__isnull": True,
                        f"{organization}__isnull": True,
                    }
                )
            ),
            name=f"%(app_label)s_%(class)s_{side}_is_one_party",
            violation_error_message=f"The {side} is exactly one of: a state ({state}), a "
            f"non-state party ({organization}, with no state), or unknown (neither); the "
            f"company that sold or bought is {side}_organization.",
        ),
    ]


#: The columns of a transfer the supply-chain answers read besides its keys: the sides' kinds and
#: parties (for the visibility rule) and the dates.
EDGE_COLUMNS = [
    "supplier_kind",
    "supplier_party",
    "recipient_kind",
    "recipient_party",
    "order_date",
    "order_date_precision",
    "delivery_date",
    "delivery_date_precision",
]

#: Transfers' sort keys for keyset pagination: unknown dates and numbers sort as the lowest.
TRANSFER_ORDER_KEYS = {
    "order_date": order_key("order_date", unknown=dt.date.min),
    "delivery_date": order_key("delivery_date", unknown=dt.date.min),
    "quantity": order_key("quantity", unknown=-1),
    "quantity_delivered": order_key("quantity_delivered", unknown=-1),
    "status": order_key("status"),
    "supplier_kind": order_key("supplier_kind"),
    "recipient_kind": order_key("recipient_kind"),
    "tiv_total_order": order_key("tiv_total_order", unknown=Decimal(-1)),
    "tiv_delivered": order_key("tiv_delivered", unknown=Decimal(-1)),
    "id": order_key("id"),
}


class Transfer(SlugFactMixin, PartialDatesMixin, CuratedModel):
    """``supplier`` transfers ``item`` to ``recipient``.

    Each side is a state (``supplier``), a non-state party (``supplier_party``: an armed group,
    an international organization, a rival government, an Organization whose ``country`` is
    where it operates) or unknown, as ``supplier_kind`` says; the same for the recipient. Who
    sends or receives (the side) is kept apart from who sells or buys: the companies or agencies
    are ``supplier_organization`` / ``recipient_organization``, on any kind of side. Numbers and
    years flagged as estimates are the source's uncertainty markers (SIPRI's ``?``), kept beside
    the number, never inside it.
    """

    partial_dates = ("order_date", "delivery_date", "delivery_end_date")
    date_order = (("delivery_date", "order_date"), ("delivery_end_date", "delivery_date"))

    slug = models.SlugField(max_length=250, unique=True, blank=True)
    external_id = models.CharField(  # noqa: DJ001 - null keeps the unique constraint to real ids
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text='The dataset\'s identity for the deal (e.g. "sipri:deal:12345"); empty for '
        "facts recorded from articles.",
    )
    supplier_kind = models.CharField(
        max_length=16, choices=TransferSide.choices, default=TransferSide.STATE
    )
    supplier = models.ForeignKey(
        State, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers_out"
    )
    recipient_kind = models.CharField(
        max_length=16, choices=TransferSide.choices, default=TransferSide.STATE
    )
    recipient = models.ForeignKey(
        State, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers_in"
    )
    supplier_party = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="transfers_out_as_party",
        help_text="A non-state supplier: an armed group, an international organization, a rival "
        "government (its country is where it operates).",
    )
    recipient_party = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="transfers_in_as_party",
        help_text="A non-state recipient: an armed group, an international organization, a "
        "rival government (its country is where it operates).",
    )
    supplier_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="transfers_out",
        help_text="The company or agency that sold (whoever the supplier side is).",
    )
    recipient_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="transfers_in",
        help_text="The company, force or agency that bought or received.",
    )
    intermediaries = models.ManyToManyField(
        State,
        blank=True,
        related_name="transfers_via",
        help_text="States the item passed through between supplier and recipient.",
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="transfers")
    quantity = models.PositiveIntegerField(
        "number ordered", null=True, blank=True, help_text="Empty when unknown."
    )
    quantity_estimated = models.BooleanField(
        "number ordered is an estimate", default=False, help_text="The source marks it uncertain."
    )
    quantity_delivered = models.PositiveIntegerField(
        "number delivered", null=True, blank=True, help_text="Empty when unknown."
    )
    quantity_delivered_estimated = models.BooleanField(
        "number delivered is an estimate", default=False
    )
    status = models.CharField(
        max_length=16, choices=TransferStatus.choices, default=TransferStatus.DELIVERED
    )
    condition = models.CharField(
        max_length=24,
        choices=TransferCondition.choices,
        blank=True,
        help_text="New, second hand, or second hand but modernised (SIPRI's status).",
    )
    order_date, order_date_precision = partial_date("order date")
    order_date_estimated = models.BooleanField("order date is an estimate", default=False)
    delivery_date, delivery_date_precision = partial_date("first delivery date")
    delivery_end_date, delivery_end_date_precision = partial_date("last delivery date")
    delivery_dates_estimated = models.BooleanField("delivery years are estimates", default=False)
    tiv_per_unit = models.DecimalField(
        "TIV per unit",
        max_digits=16,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="SIPRI trend-indicator value (millions), not a price.",
    )
    tiv_total_order = models.DecimalField(
        "TIV of the order", max_digits=16, decimal_places=4, null=True, blank=True
    )
    tiv_delivered = models.DecimalField(
        "TIV delivered", max_digits=16, decimal_places=4, null=True, blank=True
    )
    comments = models.TextField(
        blank=True, help_text="The dataset's comments on the deal, verbatim (SIPRI's Comments)."
    )
    withdrawn_by_source = models.ForeignKey(
        "tracker.Source",
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="withdrawn_transfers",
        help_text="The newer release of the dataset that no longer lists this deal.",
    )
    note = models.TextField(blank=True)

    objects = SlugManager()

    #: The orders the API pages transfers in (see ``order_key``).
    order_keys = TRANSFER_ORDER_KEYS

    class Meta:
        ordering = ["-order_date", "supplier__name", "recipient__name"]
        indexes = [
            *order_key_indexes("transfer", TRANSFER_ORDER_KEYS),
            *choice_indexes("tr", "supplier_kind", "recipient_kind"),
            *sparse_indexes(
                "tr",
                "supplier_party",
                "recipient_party",
                "supplier_organization",
                "recipient_organization",
                "withdrawn_by_source",
            ),
            # The supply-chain answers' edges (verified transfers) with what the answers read
            # of them, so that PostgreSQL answers from the index alone: by item and supplier
            # (the route search's step; where an item went), and by recipient (what a state
            # received). Indexes are kept in step by the database whatever writes the rows.
            models.Index(
                fields=["item", "supplier"],
                condition=Q(review_state=ReviewState.VERIFIED),
                include=["recipient", "id", *EDGE_COLUMNS],
                name="tracker_transfer_route_idx",
            ),
            models.Index(
                fields=["recipient"],
                condition=Q(review_state=ReviewState.VERIFIED),
                include=["id", "item", "supplier", *EDGE_COLUMNS],
                name="tracker_transfer_received_idx",
            ),
            # A state's timeline: its transfers out and in, by their first known date.
            models.Index(
                F("supplier"),
                Coalesce("order_date", "delivery_date"),
                F("id"),
                name="tracker_transfer_out_day_idx",
            ),
            models.Index(
                F("recipient"),
                Coalesce("order_date", "delivery_date"),
                F("id"),
                name="tracker_transfer_in_day_idx",
            ),
        ]
        constraints = [
            *CuratedModel.Meta.constraints,
            *partial_date_pair_constraints("order_date", "delivery_date", "delivery_end_date"),
            date_order_constraint("delivery_date", "order_date"),
            date_order_constraint("delivery_end_date", "delivery_date"),
            *_side_constraints("supplier"),
            *_side_constraints("recipient"),
            models.CheckConstraint(
                condition=~Q(supplier=F("recipient")),
                name="%(app_label)s_%(class)s_supplier_not_recipient",
                violation_error_message="The supplier and the recipient must differ.",
            ),
            models.CheckConstraint(
                condition=Q(supplier_kind=TransferSide.STATE)
                | Q(recipient_kind=TransferSide.STATE)
                | ~Q(supplier_party=F("recipient_party")),
                name="%(app_label)s_%(class)s_non_state_supplier_not_recipient",
                violation_error_message="The supplier and the recipient must differ.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gte=0),
                name="%(app_label)s_%(class)s_quantity_not_negative",
                violation_error_message="A quantity cannot be negative.",
            ),
        ]

    def __str__(self):
        when = self.partial_display("order_date") or self.partial_display("delivery_date")
        return f"{self.side_label('supplier')} → {self.side_label('recipient')}: {self.item}" + (
            f" ({when})" if when else ""
        )

    def side_label(self, side: str) -> str:
        """A short label for one side: the state's code, the party's name, or "unknown"."""
        kind = getattr(self, f"{side}_kind")
        if kind == TransferSide.STATE and getattr(self, f"{side}_id"):
            return getattr(self, side).code
        if kind == TransferSide.NON_STATE and getattr(self, f"{side}_party_id"):
            return str(getattr(self, f"{side}_party"))
        return "unknown"

    def side_key(self, side: str) -> str:
        kind = getattr(self, f"{side}_kind")
        if kind == TransferSide.NON_STATE and getattr(self, f"{side}_party_id"):
            return getattr(self, f"{side}_party").slug
        return self.side_label(side)

    def build_slug(self) -> str:
        when = self.partial_display("order_date") or self.partial_display("delivery_date")
        return slugify(
            f"{self.side_key('supplier')} {self.side_key('recipient')} {self.item.slug} "
            f"{when or 'undated'}"
        )[:250]

    def clean(self):
        super().clean()
        errors = self.clean_partial_dates()
        for side in ("supplier", "recipient"):
            kind = getattr(self, f"{side}_kind")
            has_state = bool(getattr(self, f"{side}_id"))
            has_party = bool(getattr(self, f"{side}_party_id"))
            if kind == TransferSide.STATE and not has_state:
                errors.setdefault(side, []).append(f"A state {side} needs the state.")
            elif kind == TransferSide.STATE and has_party:
                errors.setdefault(f"{side}_party", []).append(
                    f"A state {side} is the state alone: no non-state party (the company that "
                    f"{'sold' if side == 'supplier' else 'bought'} is {side}_organization)."
                )
            elif kind == TransferSide.NON_STATE and (has_state or not has_party):
                errors.setdefault(f"{side}_party", []).append(
                    f"A non-state {side} is an organization ({side}_party), with no state."
                )
            elif kind == TransferSide.UNKNOWN and (has_state or has_party):
                errors.setdefault(f"{side}_kind", []).append(
                    f"An unknown {side} has neither a state nor a party."
                )
        if self.supplier_id and self.supplier_id == self.recipient_id:
            errors.setdefault("recipient", []).append("The supplier and the recipient must differ.")
        if (
            TransferSide.STATE not in (self.supplier_kind, self.recipient_kind)
            and self.supplier_party_id
            and self.supplier_party_id == self.recipient_party_id
        ):
            errors.setdefault("recipient_party", []).append(
                "The supplier and the recipient must differ."
            )
        if self.quantity is not None and self.quantity < 0:
            errors.setdefault("quantity", []).append("A quantity cannot be negative.")
        raise_if(errors)


class TransferDeliveryManager(models.Manager):
    def get_by_natural_key(self, transfer_slug, year):
        return self.get(transfer__slug=transfer_slug, year=year)


class TransferDelivery(models.Model):
    """Deliveries of one transfer in one year, as a dataset reports them (SIPRI's deal-id format
    has one row per deal and delivery year). Part of its transfer: reviewed with it."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="deliveries")
    year = models.PositiveSmallIntegerField()
    year_estimated = models.BooleanField(default=False)
    number = models.PositiveIntegerField(null=True, blank=True)
    number_estimated = models.BooleanField(default=False)
    tiv = models.DecimalField("TIV", max_digits=16, decimal_places=4, null=True, blank=True)

    objects = TransferDeliveryManager()

    class Meta:
        ordering = ["transfer", "year"]
        verbose_name_plural = "transfer deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["transfer", "year"],
                name="%(app_label)s_%(class)s_one_row_per_year",
                violation_error_message="This transfer already has deliveries in that year.",
            ),
        ]

    def __str__(self):
        return f"{self.transfer}: {self.number if self.number is not None else '?'} in {self.year}"

    def natural_key(self):
        """(the transfer's slug, the year): fixtures and reloads find the row by meaning."""
        return (*self.transfer.natural_key(), self.year)

    natural_key.dependencies = ["tracker.transfer"]


class PermitDecision(SlugFactMixin, PartialDatesMixin, CuratedModel):
    """A decision on export permits toward a state or organisation: a government's (its
    ministry or court in ``authority_body``), or an organisation's own (a manufacturer halting its
    deliveries: ``authority_kind`` organization, ``authority_organization``), never both.

    ``ends`` chains decisions: a lift ends a freeze, a cancellation follows a suspension. With the
    effective and end dates this makes "what was in force on day D" answerable.
    """

    partial_dates = ("announced_date", "effective_date", "end_date")
    date_order = (("end_date", "effective_date"),)

    slug = models.SlugField(max_length=250, unique=True, blank=True)
    authority_kind = models.CharField(
        max_length=16,
        choices=DecisionAuthority.choices,
        default=DecisionAuthority.STATE,
        db_index=True,
        help_text="Who decided: a state (its government, ministry or court) or an organisation "
        "acting on its own (a manufacturer halting its deliveries).",
    )
    authority = models.ForeignKey(
        State,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="permit_decisions_made",
        help_text="The deciding state (authority_kind state).",
    )
    authority_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_decisions",
        help_text="The organisation deciding on its own exports (authority_kind organization), "
        "e.g. a manufacturer halting deliveries; not a state's ministry (that is authority_body).",
    )
    authority_body = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="permit_decisions_made",
        help_text="The ministry, agency or court that decided (e.g. Global Affairs Canada).",
    )
    announced_by = models.CharField(
        max_length=200, blank=True, help_text="Who announced it, as the source names them."
    )
    target_state = models.ForeignKey(
        State,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="permit_decisions_received",
    )
    target_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="permit_decisions_received",
    )
    action = models.CharField(max_length=16, choices=PermitAction.choices, db_index=True)
    scope = models.CharField(max_length=16, choices=PermitScope.choices)
    scope_description = models.CharField(
        max_length=300,
        blank=True,
        help_text='The scope in the source\'s words ("some drone technology").',
    )
    scope_categories = models.ManyToManyField(
        ControlListCategory, blank=True, related_name="permit_decisions"
    )
    scope_items = models.ManyToManyField(Item, blank=True, related_name="permit_decisions")
    scope_manufacturer = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="permit_decisions_scoped",
    )
    announced_date, announced_date_precision = partial_date("announced date")
    effective_date, effective_date_precision = partial_date("effective date")
    end_date, end_date_precision = partial_date(
        "end date", help_text="When it stopped applying, if known (a lift usually records this)."
    )
    date_from_publication = models.BooleanField(
        default=False,
        help_text="The source gives no date for the decision: the announced date is the source's "
        "publication date. Check it.",
    )
    reason = models.TextField(blank=True)
    ends = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ended_by",
        help_text="The earlier decision of the same authority that this one lifts, cancels or "
        "supersedes.",
    )

    objects = SlugManager()

    class Meta:
        ordering = ["-effective_date", "-announced_date", "authority__name"]
        constraints = [
            *CuratedModel.Meta.constraints,
            *partial_date_pair_constraints("announced_date", "effective_date", "end_date"),
            date_order_constraint("end_date", "effective_date"),
            # Without an effective date the decision starts when announced: the end is not
            # before that (compared when exact, as date_order_constraint does).
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(effective_date__isnull=False)
                | Q(announced_date__isnull=True)
                | Q(end_date_precision__lt=F("announced_date_precision"))
                | Q(end_date__gte=F("announced_date")),
                name="%(app_label)s_%(class)s_end_date_not_before_announced_date",
                violation_error_message="end date is before announced date.",
            ),
            models.CheckConstraint(
                condition=Q(target_state__isnull=False) | Q(target_organization__isnull=False),
                name="%(app_label)s_%(class)s_has_target",
                violation_error_message="A permit decision needs a target state or organization.",
            ),
            models.CheckConstraint(
                condition=Q(announced_date__isnull=False) | Q(effective_date__isnull=False),
                name="%(app_label)s_%(class)s_is_dated",
                violation_error_message="A permit decision needs an announced or effective date.",
            ),
            models.CheckConstraint(
                condition=Q(
                    authority_kind=DecisionAuthority.STATE,
                    authority__isnull=False,
                    authority_organization__isnull=True,
                )
                | Q(
                    authority_kind=DecisionAuthority.ORGANIZATION,
                    authority__isnull=True,
                    authority_organization__isnull=False,
                ),
                name="%(app_label)s_%(class)s_authority_is_one_party",
                violation_error_message="The authority is exactly one of: a state (authority) or "
                "an organisation deciding on its own (authority_organization), as authority_kind "
                "says.",
            ),
            models.CheckConstraint(
                condition=Q(target_state__isnull=True) | ~Q(target_state=F("authority")),
                name="%(app_label)s_%(class)s_target_not_authority",
                violation_error_message="A state does not decide exports to itself.",
            ),
            # A draft lift may not know yet which decision it ends (an article says "lifted its
            # ban" with no earlier decision recorded); a verified one must name it.
            models.CheckConstraint(
                condition=~Q(action__in=ENDING_ACTIONS)
                | Q(ends__isnull=False)
                | Q(review_state=ReviewState.DRAFT),
                name="%(app_label)s_%(class)s_verified_lift_ends_a_decision",
                violation_error_message="A verified lift must name the decision it ends.",
            ),
            models.CheckConstraint(
                condition=Q(ends__isnull=True) | Q(action__in=FOLLOW_UP_ACTIONS),
                name="%(app_label)s_%(class)s_only_lift_or_cancel_ends",
                violation_error_message="Only a lift or a cancellation ends an earlier decision.",
            ),
            models.CheckConstraint(
                condition=Q(ends__isnull=True) | ~Q(ends=F("pk")),
                name="%(app_label)s_%(class)s_not_ending_itself",
                violation_error_message="A decision cannot end itself.",
            ),
            models.CheckConstraint(
                condition=~Q(scope=PermitScope.MANUFACTURER) | Q(scope_manufacturer__isnull=False),
                name="%(app_label)s_%(class)s_manufacturer_scope_named",
                violation_error_message="A manufacturer scope needs the manufacturer.",
            ),
        ]

    def __str__(self):
        target = self.target_state.code if self.target_state_id else self.target_organization
        when = f"{self.when}, the publication's date" if self.date_from_publication else self.when
        return f"{self.authority_label} {self.get_action_display()} → {target} ({when})"

    @property
    def authority_label(self) -> str:
        """The deciding state's code, or the organisation's name."""
        if self.authority_kind == DecisionAuthority.ORGANIZATION:
            return str(self.authority_organization) if self.authority_organization_id else "?"
        return self.authority.code if self.authority_id else "?"

    @property
    def authority_key(self) -> str:
        """The authority in a slug: the state's code, or the organisation's slug."""
        if self.authority_kind == DecisionAuthority.ORGANIZATION:
            return getattr(self.authority_organization, "slug", "")
        return self.authority.code if self.authority_id else ""

    def same_authority(self, other: PermitDecision) -> bool:
        return (self.authority_kind, self.authority_id, self.authority_organization_id) == (
            other.authority_kind,
            other.authority_id,
            other.authority_organization_id,
        )

    @property
    def when(self) -> str:
        return self.partial_display("effective_date") or self.partial_display("announced_date")

    @property
    def start(self):
        """The partial date from which the decision applies: effective, else announced."""
        return self.get_partial("effective_date") or self.get_partial("announced_date")

    def build_slug(self) -> str:
        target = (
            self.target_state.code
            if self.target_state_id
            else getattr(self.target_organization, "slug", "")
        )
        # A date taken from the publication is not the decision's own: its slug says so, so it
        # never takes the key of a decision whose date the sources give.
        when = f"reported {self.when}" if self.date_from_publication else self.when
        return slugify(f"{self.authority_key} {self.action} {target} {when}")[:250]

    def clean(self):
        super().clean()
        errors = self.clean_partial_dates()
        end, announced = self.get_partial("end_date"), self.get_partial("announced_date")
        if self.effective_date is None and end and announced and not not_before(end, announced):
            errors.setdefault("end_date", []).append(
                f"end date ({end}) is before announced date ({announced})."
            )
        if not (self.target_state_id or self.target_organization_id):
            errors.setdefault("target_state", []).append(
                "A permit decision needs a target state or organization."
            )
        if not (self.announced_date or self.effective_date):
            errors.setdefault("effective_date", []).append(
                "A permit decision needs an announced or effective date."
            )
        kind = self.authority_kind
        if kind == DecisionAuthority.STATE and not self.authority_id:
            errors.setdefault("authority", []).append(
                "A state's decision needs the state (or set authority_kind to organization)."
            )
        if kind == DecisionAuthority.STATE and self.authority_organization_id:
            errors.setdefault("authority_organization", []).append(
                "A state's decision names no deciding organisation here (its ministry or court "
                "is authority_body)."
            )
        if kind == DecisionAuthority.ORGANIZATION and (
            self.authority_id or not self.authority_organization_id
        ):
            errors.setdefault("authority_organization", []).append(
                "An organisation's own decision names the organisation (authority_organization) "
                "and no state."
            )
        if self.target_state_id and self.target_state_id == self.authority_id:
            errors.setdefault("target_state", []).append(
                "A state does not decide exports to itself."
            )
        if self.scope == PermitScope.MANUFACTURER and not self.scope_manufacturer_id:
            errors.setdefault("scope_manufacturer", []).append(
                "A manufacturer scope needs the manufacturer."
            )
        if (
            self.action in ENDING_ACTIONS
            and not self.ends_id
            and self.review_state == ReviewState.VERIFIED
        ):
            errors.setdefault("ends", []).append(
                "A verified lift must name the decision it ends (the freeze, suspension…); "
                "a draft may leave it empty until a curator finds it."
            )
        if self.ends_id:
            errors_for_ends = self._clean_ends()
            if errors_for_ends:
                errors.setdefault("ends", []).extend(errors_for_ends)
        raise_if(errors)

    def _clean_ends(self) -> list[str]:
        problems = []
        earlier = self.ends
        if self.action not in FOLLOW_UP_ACTIONS:
            problems.append("Only a lift or a cancellation ends an earlier decision.")
        if self.pk and earlier.pk == self.pk:
            return ["A decision cannot end itself."]
        if not earlier.same_authority(self):
            problems.append(
                f"It ends a decision of another authority ({earlier.authority_label}); a lift or "
                "cancellation refers to an earlier decision of the same authority."
            )
        mine, theirs = self.start, earlier.start
        if mine and theirs and not not_before(mine, theirs):
            problems.append(f"It ends a decision dated {theirs}, which is after this one ({mine}).")
        return problems


class Conflict(PartialDatesMixin, CuratedModel):
    """An armed conflict, e.g. the 2020 Nagorno-Karabakh war."""

    partial_dates = ("start_date", "end_date")
    date_order = (("end_date", "start_date"),)

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=200, blank=True)
    start_date, start_date_precision = partial_date("start date")
    end_date, end_date_precision = partial_date("end date")
    description = models.TextField(blank=True)

    objects = SlugManager()

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            *CuratedModel.Meta.constraints,
            *partial_date_pair_constraints("start_date", "end_date"),
            date_order_constraint("end_date", "start_date"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:120]
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        raise_if(self.clean_partial_dates())


class ConflictParticipant(SlugFactMixin, PartialDatesMixin, CuratedModel):
    """A state (or organisation) taking part in a conflict: fighting, backing a side, mediating."""

    partial_dates = ("start_date", "end_date")
    date_order = (("end_date", "start_date"),)

    slug = models.SlugField(max_length=250, unique=True, blank=True)
    conflict = models.ForeignKey(Conflict, on_delete=models.CASCADE, related_name="participants")
    state = models.ForeignKey(
        State, on_delete=models.PROTECT, null=True, blank=True, related_name="conflict_roles"
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conflict_roles",
    )
    role = models.CharField(max_length=16, choices=ParticipantRole.choices)
    supports = models.ForeignKey(
        State,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="backed_by",
        help_text="For a backer: the party it backs.",
    )
    start_date, start_date_precision = partial_date("start date")
    end_date, end_date_precision = partial_date("end date")

    objects = SlugManager()

    class Meta:
        ordering = ["conflict__name", "role", "state__name"]
        constraints = [
            *CuratedModel.Meta.constraints,
            *partial_date_pair_constraints("start_date", "end_date"),
            date_order_constraint("end_date", "start_date"),
            models.CheckConstraint(
                condition=Q(state__isnull=False) | Q(organization__isnull=False),
                name="%(app_label)s_%(class)s_has_party",
                violation_error_message="A participant is a state or an organization.",
            ),
            models.CheckConstraint(
                condition=Q(supports__isnull=True)
                | Q(state__isnull=True)
                | ~Q(supports=F("state")),
                name="%(app_label)s_%(class)s_not_backing_itself",
                violation_error_message="A participant does not back itself.",
            ),
        ]

    def __str__(self):
        party = self.state or self.organization
        backing = f" backing {self.supports.code}" if self.supports_id else ""
        return f"{party}: {self.get_role_display()}{backing} in {self.conflict}"

    def build_slug(self) -> str:
        party = self.state.code if self.state_id else getattr(self.organization, "slug", "")
        backing = f" {self.supports.code}" if self.supports_id else ""
        return slugify(f"{self.conflict.slug} {party} {self.role}{backing}")[:250]

    def clean(self):
        super().clean()
        errors = self.clean_partial_dates()
        if not (self.state_id or self.organization_id):
            errors.setdefault("state", []).append("A participant is a state or an organization.")
        if self.state_id and self.state_id == self.supports_id:
            errors.setdefault("supports", []).append("A participant does not back itself.")
        raise_if(errors)


class Deployment(SlugFactMixin, PartialDatesMixin, CuratedModel):
    """An item used by a state's forces in a conflict. Whether this is alleged or confirmed is
    carried by its evidence."""

    partial_dates = ("start_date", "end_date")
    date_order = (("end_date", "start_date"),)

    slug = models.SlugField(max_length=250, unique=True, blank=True)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="deployments")
    state = models.ForeignKey(
        State,
        on_delete=models.PROTECT,
        related_name="deployments",
        help_text="The state whose forces used the item.",
    )
    conflict = models.ForeignKey(Conflict, on_delete=models.PROTECT, related_name="deployments")
    start_date, start_date_precision = partial_date("start date")
    end_date, end_date_precision = partial_date("end date")
    note = models.TextField(blank=True)

    objects = SlugManager()

    class Meta:
        ordering = ["conflict__name", "state__name", "item__name"]
        constraints = [
            *CuratedModel.Meta.constraints,
            *partial_date_pair_constraints("start_date", "end_date"),
            date_order_constraint("end_date", "start_date"),
        ]

    def __str__(self):
        return f"{self.item} used by {self.state.code} in {self.conflict}"

    def build_slug(self) -> str:
        return slugify(f"{self.item.slug} {self.state.code} {self.conflict.slug}")[:250]

    def clean(self):
        super().clean()
        raise_if(self.clean_partial_dates())


__all__ = [
    "Transfer",
    "TransferDelivery",
    "PermitDecision",
    "Conflict",
    "ConflictParticipant",
    "Deployment",
]
