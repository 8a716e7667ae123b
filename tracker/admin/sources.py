from django.contrib import admin
from django.db.models import Count

from ..models import FACT_FIELDS, Evidence, Source
from .base import CuratedModelAdmin, EvidenceInline, highlight_quote, partial_date_column


class SourceEvidenceInline(EvidenceInline):
    fk_name = "source"
    fields = ("quote", "claim_status", "in_source", "review_state")
    readonly_fields = ("quote", "claim_status", "in_source", "review_state")
    verbose_name_plural = "evidence quoted from this source (add quotes from the fact's page)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Source)
class SourceAdmin(CuratedModelAdmin):
    list_display = (
        "title",
        "publisher",
        partial_date_column("published_date", "published"),
        "kind",
        "evidence_count",
        "review_state",
    )
    list_filter = ("kind", "language", "review_state")
    search_fields = ("title", "publisher", "url", "text")
    readonly_fields = (*CuratedModelAdmin.readonly_fields, "text_hash")
    date_hierarchy = "published_date"
    inlines = [SourceEvidenceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(evidence_total=Count("evidence"))

    @admin.display(description="evidence", ordering="evidence_total")
    def evidence_count(self, obj):
        return obj.evidence_total


@admin.register(Evidence)
class EvidenceAdmin(CuratedModelAdmin):
    list_display = ("__str__", "source", "claim_status", "fact_kind", "review_state")
    list_filter = ("claim_status", "review_state")
    search_fields = ("quote", "slug", "source__title", "source__publisher")
    autocomplete_fields = ["source", *FACT_FIELDS]
    list_select_related = ["source"]
    readonly_fields = (*CuratedModelAdmin.readonly_fields, "end", "quote_in_source")

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["source", "quote", "start", "end", "claim_status", "note"]}),
            ("The quote in its source", {"fields": ["quote_in_source"]}),
            ("The fact it supports (exactly one)", {"fields": list(FACT_FIELDS)}),
            (
                "Review",
                {
                    "fields": [
                        "review_state",
                        "verified_by",
                        "verified_at",
                        "created",
                        "last_updated",
                    ],
                    "classes": ["collapse"],
                },
            ),
        ]

    @admin.display(description="supports")
    def fact_kind(self, obj):
        return (obj.fact_field or "").replace("_", " ")

    @admin.display(description="quote highlighted in the source text")
    def quote_in_source(self, obj):
        if not obj.pk:
            return "—"
        return highlight_quote(obj.source.text, obj.start, obj.end)
