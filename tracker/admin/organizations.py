from django.contrib import admin

from ..models import Organization, OrganizationAlias, OrganizationRelation
from .base import CuratedModelAdmin, StaffReadMixin, evidence_inline, partial_date_column


class OrganizationAliasInline(StaffReadMixin, admin.TabularInline):
    model = OrganizationAlias
    extra = 0
    fields = ("name", "review_state")
    readonly_fields = ("review_state",)


class ParentLinkInline(StaffReadMixin, admin.TabularInline):
    model = OrganizationRelation
    fk_name = "child"
    extra = 0
    fields = (
        "kind",
        "parent",
        "start_date",
        "start_date_precision",
        "end_date",
        "end_date_precision",
    )
    autocomplete_fields = ["parent"]
    verbose_name_plural = "parent organizations"
    show_change_link = True


@admin.register(Organization)
class OrganizationAdmin(CuratedModelAdmin):
    list_display = ("name", "kind", "country", "review_state")
    list_filter = ("kind", "review_state")
    search_fields = ("name", "slug", "aliases__name")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["country"]
    list_select_related = ["country"]
    inlines = [OrganizationAliasInline, ParentLinkInline, evidence_inline("organization")]


@admin.register(OrganizationAlias)
class OrganizationAliasAdmin(CuratedModelAdmin):
    list_display = ("name", "organization", "review_state")
    list_filter = ("review_state",)
    search_fields = ("name", "organization__name")
    autocomplete_fields = ["organization"]
    list_select_related = ["organization"]


@admin.register(OrganizationRelation)
class OrganizationRelationAdmin(CuratedModelAdmin):
    list_display = (
        "child",
        "kind",
        "parent",
        partial_date_column("start_date", "from"),
        partial_date_column("end_date", "until"),
        "review_state",
    )
    list_filter = ("kind", "review_state")
    search_fields = ("slug", "child__name", "parent__name")
    autocomplete_fields = ["child", "parent"]
    list_select_related = ["child", "parent"]
    inlines = [evidence_inline("organization_relation")]
