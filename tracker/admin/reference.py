from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse

from ..models import ControlListCategory, State, StateAlias
from .base import (
    REVIEW_FIELDS,
    CuratedModelAdmin,
    StaffReadMixin,
    evidence_inline,
    supply_chain_picture,
)


class StateAliasInline(StaffReadMixin, admin.TabularInline):
    model = StateAlias
    extra = 0
    fields = ("name", "kind", "language", "review_state")
    readonly_fields = ("review_state",)


@admin.register(State)
class StateAdmin(CuratedModelAdmin):
    list_display = ("code", "name", "alpha3", "status", "review_state")
    list_filter = ("status", "review_state")
    search_fields = ("code", "name", "official_name", "aliases__name")
    ordering = ("name",)
    readonly_fields = (*REVIEW_FIELDS, "origins_picture")
    inlines = [StateAliasInline, evidence_inline("state")]

    @admin.display(description="where what it received comes from")
    def origins_picture(self, obj):
        if not obj.pk:
            return "—"
        query = urlencode({"state": obj.code, "format": "svg"})
        url = f"{reverse('api:supply-chain-origins')}?{query}"
        return supply_chain_picture(url, f"Origins of what {obj.name} received")


@admin.register(StateAlias)
class StateAliasAdmin(CuratedModelAdmin):
    list_display = ("name", "state", "kind", "language", "review_state")
    list_filter = ("kind", "review_state")
    search_fields = ("name", "state__name", "state__code")
    autocomplete_fields = ["state"]
    list_select_related = ["state"]


@admin.register(ControlListCategory)
class ControlListCategoryAdmin(CuratedModelAdmin):
    list_display = ("code", "title", "regime", "military", "parent", "review_state")
    list_filter = ("regime", "military", "review_state")
    search_fields = ("code", "title", "description")
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
