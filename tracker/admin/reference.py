from django.contrib import admin

from ..models import ControlListCategory, State, StateAlias
from .base import CuratedModelAdmin, StaffReadMixin, evidence_inline


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
    inlines = [StateAliasInline, evidence_inline("state")]


@admin.register(StateAlias)
class StateAliasAdmin(CuratedModelAdmin):
    list_display = ("name", "state", "kind", "language", "review_state")
    list_filter = ("kind", "review_state")
    search_fields = ("name", "state__name", "state__code")
    autocomplete_fields = ["state"]
    list_select_related = ["state"]


@admin.register(ControlListCategory)
class ControlListCategoryAdmin(CuratedModelAdmin):
    list_display = ("code", "title", "regime", "parent", "review_state")
    list_filter = ("regime", "review_state")
    search_fields = ("code", "title", "description")
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
