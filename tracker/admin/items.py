from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse

from ..models import Integration, Item, ItemAlias
from .base import (
    REVIEW_FIELDS,
    CuratedModelAdmin,
    StaffReadMixin,
    evidence_inline,
    partial_date_column,
    supply_chain_picture,
)


class ItemAliasInline(StaffReadMixin, admin.TabularInline):
    model = ItemAlias
    extra = 0
    fields = ("name", "review_state")
    readonly_fields = ("review_state",)


class IntegrationInline(StaffReadMixin, admin.TabularInline):
    model = Integration
    extra = 0
    fields = ("component", "assembly", "status", "start_date", "start_date_precision")
    autocomplete_fields = ["component", "assembly"]
    show_change_link = True


class FittedToInline(IntegrationInline):
    """Where this item is the component: the platforms or assemblies it is fitted to."""

    fk_name = "component"
    verbose_name = "fitted to"
    verbose_name_plural = "fitted to (this item as a component)"


class FittedComponentsInline(IntegrationInline):
    """Where this item is the assembly: the components fitted to it."""

    fk_name = "assembly"
    verbose_name = "fitted component"
    verbose_name_plural = "fitted components (this item as the platform or assembly)"


@admin.register(Item)
class ItemAdmin(CuratedModelAdmin):
    list_display = (
        "name",
        "kind",
        "item_type",
        "manufacturer",
        "country_of_origin",
        "category",
        "review_state",
    )
    list_filter = ("kind", "review_state", "category__regime")
    search_fields = ("name", "slug", "item_type", "aliases__name", "manufacturer__name")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["manufacturer", "country_of_origin", "category"]
    list_select_related = ["manufacturer", "country_of_origin", "category"]
    readonly_fields = (*REVIEW_FIELDS, "reach_picture")
    inlines = [ItemAliasInline, FittedToInline, FittedComponentsInline, evidence_inline("item")]

    @admin.display(description="where it ends up")
    def reach_picture(self, obj):
        if not obj.pk:
            return "—"
        query = urlencode({"component": obj.slug, "format": "svg"})
        url = f"{reverse('api:supply-chain-reach')}?{query}"
        return supply_chain_picture(url, f"Where {obj.name} ends up")


@admin.register(ItemAlias)
class ItemAliasAdmin(CuratedModelAdmin):
    list_display = ("name", "item", "review_state")
    list_filter = ("review_state",)
    search_fields = ("name", "item__name")
    autocomplete_fields = ["item"]
    list_select_related = ["item"]


@admin.register(Integration)
class IntegrationAdmin(CuratedModelAdmin):
    list_display = (
        "component",
        "assembly",
        "status",
        partial_date_column("start_date", "from"),
        "review_state",
    )
    list_filter = ("status", "review_state")
    search_fields = ("slug", "component__name", "assembly__name")
    autocomplete_fields = ["component", "assembly"]
    list_select_related = ["component", "assembly"]
    date_hierarchy = "start_date"
    inlines = [evidence_inline("integration")]
