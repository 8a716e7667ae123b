from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..models import FACT_FIELDS, Evidence, Source
from ..services.review import draft_accept, draft_merge, draft_reject
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
        "drafts",
        "review_state",
    )
    list_filter = ("kind", "language", "review_state")
    search_fields = ("title", "publisher", "url", "text")
    readonly_fields = (*CuratedModelAdmin.readonly_fields, "text_hash")
    date_hierarchy = "published_date"
    inlines = [SourceEvidenceInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                evidence_total=Count("evidence", distinct=True),
                draft_total=Count(
                    "evidence", filter=Q(evidence__review_state="draft"), distinct=True
                ),
            )
        )

    @admin.display(description="evidence", ordering="evidence_total")
    def evidence_count(self, obj):
        return obj.evidence_total

    @admin.display(description="review queue", ordering="draft_total")
    def drafts(self, obj):
        if not obj.draft_total:
            return "—"
        url = reverse("admin:tracker_source_review", args=[obj.pk])
        return format_html('<a href="{}">{} draft quote(s) to review</a>', url, obj.draft_total)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name="tracker_source_review",
            ),
            *super().get_urls(),
        ]

    def review_view(self, request, object_id):
        """The review queue of one source: its drafted facts grouped by kind, each with its
        quotes highlighted in the article, to accept, edit, reject or merge."""
        source = get_object_or_404(Source, pk=object_id)
        if not self.has_view_permission(request, source):
            raise PermissionDenied
        if request.method == "POST":
            return self._review_decide(request, source)
        quotes = (
            Evidence.objects.filter(source=source)
            .filter(review_state="draft")
            .select_related(*FACT_FIELDS)
            .order_by("start")
        )
        rows: dict[tuple[str, int], dict] = {}
        for quote in quotes:
            fact = quote.fact
            key = (quote.fact_field, fact.pk)
            row = rows.setdefault(
                key,
                {
                    "group": quote.fact_field.replace("_", " "),
                    "fact": fact,
                    "model": fact._meta.label_lower,
                    "edit_url": reverse(
                        f"admin:tracker_{fact._meta.model_name}_change", args=[fact.pk]
                    ),
                    "quotes": [],
                    "claims": [],
                    "merge_choices": merge_candidates(fact),
                },
            )
            row["quotes"].append(highlight_quote(source.text, quote.start, quote.end, 150))
            row["claims"].append(quote.get_claim_status_display())
        grouped: dict[str, list] = {}
        for row in rows.values():
            grouped.setdefault(row["group"], []).append(row)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "source": source,
            "published": source.partial_display("published_date"),
            "drafts": list(rows.values()),
            "grouped": list(grouped.items()),
            "can_change": request.user.has_perm("tracker.change_evidence"),
            "title": f"Review drafts from {source}",
        }
        return TemplateResponse(request, "admin/tracker/source/review.html", context)

    def _review_decide(self, request, source):
        model = apps.get_model(request.POST.get("fact_model", "tracker.source"))
        if model._meta.app_label != "tracker" or not request.user.has_perm(
            f"tracker.change_{model._meta.model_name}"
        ):
            raise PermissionDenied
        fact = get_object_or_404(model, pk=request.POST.get("fact_id"))
        decision = request.POST.get("decision")
        try:
            if decision == "accept":
                draft_accept(fact=fact, source=source, user=request.user)
                self.message_user(request, f"Accepted: {fact}.", messages.SUCCESS)
            elif decision == "reject":
                outcome = draft_reject(fact=fact, source=source, user=request.user)
                self.message_user(request, f"Rejected: {fact} ({outcome}).", messages.SUCCESS)
            elif decision == "merge":
                into = get_object_or_404(model, pk=request.POST.get("into"))
                moved = draft_merge(fact=fact, into=into, user=request.user)
                self.message_user(
                    request,
                    f"Merged {fact} into {into} ({moved} quote(s) moved).",
                    messages.SUCCESS,
                )
            else:
                self.message_user(request, "Choose accept, reject or merge.", messages.ERROR)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
        return redirect("admin:tracker_source_review", source.pk)


def merge_candidates(fact, limit: int = 20) -> list:
    """Existing records the draft may duplicate: same kind, and for events the same parties."""
    model = type(fact)
    queryset = model.objects.exclude(pk=fact.pk)
    same = {
        "PermitDecision": ("authority_id", "target_state_id", "action"),
        "Transfer": ("supplier_id", "recipient_id"),
        "Deployment": ("state_id", "conflict_id"),
        "Integration": ("component_id",),
        "ConflictParticipant": ("conflict_id",),
        "Item": ("kind",),
        "Organization": ("kind",),
    }.get(model.__name__, ())
    if not same:
        return []
    return list(queryset.filter(**{name: getattr(fact, name) for name in same})[:limit])


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
