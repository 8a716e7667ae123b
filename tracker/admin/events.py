from django.contrib import admin

from ..models import Conflict, ConflictParticipant, Deployment, PermitDecision, Transfer
from .base import (
    CuratedModelAdmin,
    StaffReadMixin,
    evidence_inline,
    partial_date_column,
)


@admin.register(Transfer)
class TransferAdmin(CuratedModelAdmin):
    list_display = (
        "supplier",
        "recipient",
        "item",
        "quantity",
        "status",
        partial_date_column("order_date", "ordered"),
        partial_date_column("delivery_date", "delivered"),
        "review_state",
    )
    list_filter = ("status", "review_state", "item__kind")
    search_fields = ("slug", "supplier__name", "recipient__name", "item__name", "note")
    autocomplete_fields = [
        "supplier",
        "recipient",
        "supplier_organization",
        "recipient_organization",
        "intermediaries",
        "item",
    ]
    list_select_related = ["supplier", "recipient", "item"]
    date_hierarchy = "order_date"
    inlines = [evidence_inline("transfer")]


@admin.register(PermitDecision)
class PermitDecisionAdmin(CuratedModelAdmin):
    list_display = (
        "authority",
        "action",
        "target_state",
        "target_organization",
        "scope",
        partial_date_column("announced_date", "announced"),
        partial_date_column("effective_date", "effective"),
        "ends",
        "review_state",
    )
    list_filter = ("action", "scope", "review_state")
    search_fields = (
        "slug",
        "authority__name",
        "target_state__name",
        "target_organization__name",
        "scope_description",
        "reason",
        "announced_by",
    )
    autocomplete_fields = [
        "authority",
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
        "target_state",
        "target_organization",
        "ends__authority",
        "ends__target_state",
        "ends__target_organization",
    ]
    date_hierarchy = "announced_date"
    inlines = [evidence_inline("permit_decision")]


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
