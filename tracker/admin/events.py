from django.contrib import admin

from ..choices import DecisionAuthority, TransferSide
from ..models import (
    Conflict,
    ConflictParticipant,
    Deployment,
    PermitDecision,
    Transfer,
    TransferDelivery,
)
from .base import (
    REVIEW_FIELDS,
    CuratedModelAdmin,
    StaffReadMixin,
    evidence_inline,
    partial_date_column,
)


class TransferDeliveryInline(StaffReadMixin, admin.TabularInline):
    """Deliveries per year, as the dataset reports them."""

    model = TransferDelivery
    extra = 0
    fields = ("year", "year_estimated", "number", "number_estimated", "tiv")


def side_column(side: str):
    """A changelist column naming one side: the state's code, the party, or "unknown"."""

    @admin.display(description=side, ordering=f"{side}_kind")
    def column(obj):
        label = obj.side_label(side)
        if getattr(obj, f"{side}_kind") == TransferSide.NON_STATE:
            party = getattr(obj, f"{side}_party")
            where = f", in {party.country.code}" if party and party.country_id else ""
            return f"{label} (non-state{where})"
        return label

    column.__name__ = f"{side}_shown"
    return column


@admin.register(Transfer)
class TransferAdmin(CuratedModelAdmin):
    list_display = (
        side_column("supplier"),
        side_column("recipient"),
        "item",
        "quantity",
        "status",
        partial_date_column("order_date", "ordered"),
        partial_date_column("delivery_date", "delivered"),
        "review_state",
    )
    list_filter = (
        "status",
        "review_state",
        "supplier_kind",
        "recipient_kind",
        "condition",
        ("withdrawn_by_source", admin.EmptyFieldListFilter),
        "item__kind",
    )
    search_fields = (
        "slug",
        "external_id",
        "supplier__name",
        "recipient__name",
        "supplier_party__name",
        "recipient_party__name",
        "supplier_organization__name",
        "recipient_organization__name",
        "item__name",
        "note",
    )
    autocomplete_fields = [
        "supplier",
        "recipient",
        "supplier_party",
        "recipient_party",
        "supplier_organization",
        "recipient_organization",
        "intermediaries",
        "item",
        "withdrawn_by_source",
    ]
    list_select_related = [
        "supplier",
        "recipient",
        "supplier_party__country",
        "recipient_party__country",
        "item",
    ]
    date_hierarchy = "order_date"
    inlines = [TransferDeliveryInline, evidence_inline("transfer")]

    def get_fieldsets(self, request, obj=None):
        side_help = (
            "Kind: a state (give the state), a non-state party (give the party: an armed group, "
            "an international organisation, a rival government; no state) or unknown (neither). "
            "The organisation, optional on any kind of side, is the company or agency that sold "
            "or bought."
        )
        return [
            (None, {"fields": ["slug", "external_id", "item", "status", "condition"]}),
            (
                "Supplier",
                {
                    "fields": [
                        "supplier_kind",
                        "supplier",
                        "supplier_party",
                        "supplier_organization",
                    ],
                    "description": side_help,
                },
            ),
            (
                "Recipient",
                {
                    "fields": [
                        "recipient_kind",
                        "recipient",
                        "recipient_party",
                        "recipient_organization",
                    ]
                },
            ),
            (None, {"fields": ["intermediaries"]}),
            (
                "Numbers and values",
                {
                    "fields": [
                        ("quantity", "quantity_estimated"),
                        ("quantity_delivered", "quantity_delivered_estimated"),
                        ("tiv_per_unit", "tiv_total_order", "tiv_delivered"),
                    ]
                },
            ),
            (
                "Dates",
                {
                    "fields": [
                        ("order_date", "order_date_precision", "order_date_estimated"),
                        ("delivery_date", "delivery_date_precision"),
                        ("delivery_end_date", "delivery_end_date_precision"),
                        "delivery_dates_estimated",
                    ]
                },
            ),
            (None, {"fields": ["comments", "note", "withdrawn_by_source"]}),
            ("Review", {"fields": REVIEW_FIELDS, "classes": ["collapse"]}),
        ]


@admin.register(PermitDecision)
class PermitDecisionAdmin(CuratedModelAdmin):
    list_display = (
        "authority_shown",
        "action",
        "target_state",
        "target_organization",
        "scope",
        partial_date_column("announced_date", "announced"),
        partial_date_column("effective_date", "effective"),
        "date_from_publication",
        "ends",
        "review_state",
    )
    list_filter = ("action", "scope", "authority_kind", "date_from_publication", "review_state")
    search_fields = (
        "slug",
        "authority__name",
        "authority_organization__name",
        "target_state__name",
        "target_organization__name",
        "scope_description",
        "reason",
        "announced_by",
    )
    autocomplete_fields = [
        "authority",
        "authority_organization",
        "authority_body",
        "target_state",
        "target_organization",
        "scope_categories",
        "scope_items",
        "scope_manufacturer",
        "ends",
    ]
    list_select_related = [
        "authority",
        "authority_organization",
        "target_state",
        "target_organization",
        "ends__authority",
        "ends__authority_organization",
        "ends__target_state",
        "ends__target_organization",
    ]
    date_hierarchy = "announced_date"
    inlines = [evidence_inline("permit_decision")]

    @admin.display(description="authority", ordering="authority__name")
    def authority_shown(self, obj):
        """The deciding state, or the organisation deciding on its own."""
        if obj.authority_kind == DecisionAuthority.ORGANIZATION:
            return obj.authority_organization
        return obj.authority


class ParticipantInline(StaffReadMixin, admin.TabularInline):
    model = ConflictParticipant
    extra = 0
    fields = ("state", "organization", "role", "supports")
    autocomplete_fields = ["state", "organization", "supports"]
    show_change_link = True


@admin.register(Conflict)
class ConflictAdmin(CuratedModelAdmin):
    list_display = (
        "name",
        "region",
        partial_date_column("start_date", "from"),
        partial_date_column("end_date", "until"),
        "review_state",
    )
    list_filter = ("review_state",)
    search_fields = ("name", "slug", "region")
    prepopulated_fields = {"slug": ("name",)}
    date_hierarchy = "start_date"
    inlines = [ParticipantInline, evidence_inline("conflict")]


@admin.register(ConflictParticipant)
class ConflictParticipantAdmin(CuratedModelAdmin):
    list_display = ("conflict", "state", "organization", "role", "supports", "review_state")
    list_filter = ("role", "review_state")
    search_fields = ("slug", "conflict__name", "state__name", "organization__name")
    autocomplete_fields = ["conflict", "state", "organization", "supports"]
    list_select_related = ["conflict", "state", "organization", "supports"]
    inlines = [evidence_inline("conflict_participant")]


@admin.register(Deployment)
class DeploymentAdmin(CuratedModelAdmin):
    list_display = (
        "item",
        "state",
        "conflict",
        partial_date_column("start_date", "from"),
        "review_state",
    )
    list_filter = ("review_state", "conflict")
    search_fields = ("slug", "item__name", "state__name", "conflict__name")
    autocomplete_fields = ["item", "state", "conflict"]
    list_select_related = ["item", "state", "conflict"]
    date_hierarchy = "start_date"
    inlines = [evidence_inline("deployment")]
