from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce, Length, Substr
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..models import FACT_FIELDS, Evidence, Source
from ..models.sources import window_annotation
from ..services.review import (
    draft_accept,
    draft_accept_plan,
    draft_merge,
    draft_reject,
    source_accept_all,
    source_accept_all_plan,
)
from .base import (
    INLINE_CONTEXT,
    QUOTE_CONTEXT,
    CuratedModelAdmin,
    EvidenceInline,
    highlight_window,
    partial_date_column,
)

#: A source whose text is longer is not edited in a textarea: its page shows the beginning.
LARGE_TEXT = 100_000
#: Characters of a large text shown on its source's page.
TEXT_PREVIEW = 5_000
#: A source with more quotes lists them in the evidence list, not inline on its page.
MAX_INLINE_QUOTES = 50
#: Draft quotes shown at once in a source's review queue (in text order).
MAX_REVIEW_QUOTES = 200


class SourceEvidenceInline(EvidenceInline):
    fk_name = "source"
    fields = ("quote", "claim_status", "attributed_to", "in_source", "review_state")
    readonly_fields = ("quote", "claim_status", "attributed_to", "in_source", "review_state")
    verbose_name_plural = "evidence quoted from this source (add quotes from the fact's page)"

    def has_add_permission(self, request, obj=None):
        return False


def quote_count(**conditions):
    """The number of a source's quotes, as a subquery: a join grouped by source would group by
    every selected column (the text too, on SQLite)."""
    quotes = (
        Evidence.objects.filter(source=OuterRef("pk"), **conditions)
        .order_by()
        .values("source")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(quotes), 0)


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
    readonly_fields = (*CuratedModelAdmin.readonly_fields, "text_hash", "text_size", "quotes")
    date_hierarchy = "published_date"
    inlines = [SourceEvidenceInline]

    def get_queryset(self, request):
        # The text is loaded only where it is edited (a source of normal size, see get_fields).
        return (
            super()
            .get_queryset(request)
            .defer("text")
            .annotate(
                evidence_total=quote_count(),
                draft_total=quote_count(review_state="draft"),
            )
        )

    @admin.display(description="evidence", ordering="evidence_total")
    def evidence_count(self, obj):
        return obj.evidence_total

    def text_length(self, obj) -> int:
        """The text's length in characters, counted in the database (cached on ``obj``)."""
        if not hasattr(obj, "_text_length"):
            rows = Source.objects.filter(pk=obj.pk).annotate(n=Length("text"))
            obj._text_length = rows.values_list("n", flat=True).get()
        return obj._text_length

    def large(self, obj) -> bool:
        return obj is not None and obj.pk is not None and self.text_length(obj) > LARGE_TEXT

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in ("text", "text_size")]
        at = fields.index("text_hash") if "text_hash" in fields else len(fields)
        text = ["text_size"] if self.large(obj) else ["text", "text_size"] if obj else ["text"]
        return [*fields[:at], *text, *fields[at:]]

    @admin.display(description="text")
    def text_size(self, obj):
        """A large text (a dataset's release) is shown by its beginning, never whole: quotes
        point into it by offset, and a new release is imported, not typed."""
        length = self.text_length(obj)
        if length <= LARGE_TEXT:
            return f"{length:,} characters"
        start = (
            Source.objects.filter(pk=obj.pk)
            .annotate(head=Substr("text", 1, TEXT_PREVIEW))
            .values_list("head", flat=True)
            .get()
        )
        return format_html(
            "<p>{} characters: too large to edit here; the first {} are shown. Each quote's "
            "page shows the text around it.</p>"
            '<div style="white-space: pre-wrap; max-height: 24em; overflow: auto; '
            'max-width: 60em">{}…</div>',
            f"{length:,}",
            f"{TEXT_PREVIEW:,}",
            start,
        )

    @admin.display(description="quotes")
    def quotes(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:tracker_evidence_changelist") + f"?source__id__exact={obj.pk}"
        total = getattr(obj, "evidence_total", None)
        if total is None:
            total = obj.evidence.count()
        shown = "" if total > MAX_INLINE_QUOTES else " (also listed below)"
        return format_html('<a href="{}">{} quote(s) from this source</a>{}', url, total, shown)

    def get_inlines(self, request, obj):
        """A source quoted thousands of times (a dataset's release) lists its quotes in the
        evidence list, linked from its page, not inline."""
        if obj is not None and getattr(obj, "evidence_total", 0) > MAX_INLINE_QUOTES:
            return []
        return super().get_inlines(request, obj)

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
        quotes highlighted in the source, to accept, edit, reject or merge."""
        if not str(object_id).isdigit():
            raise Http404(f"No source has the id {object_id!r}.")
        source = get_object_or_404(Source.objects.defer("text"), pk=int(object_id))
        if not self.has_view_permission(request, source):
            raise PermissionDenied
        if request.method == "POST":
            return self._review_decide(request, source)
        drafts = Evidence.objects.filter(source=source, review_state="draft")
        total = drafts.count()
        # At most MAX_REVIEW_QUOTES at once, each with its window of the text cut in the
        # database: a dataset imported as drafts has thousands of quotes into megabytes.
        quotes = (
            drafts.select_related(*FACT_FIELDS)
            .annotate(text_window=window_annotation(INLINE_CONTEXT))
            .order_by("start", "pk")[:MAX_REVIEW_QUOTES]
        )
        back = urlencode({"_review_source": source.pk})
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
                    )
                    + f"?{back}",
                    "quotes": [],
                    "claims": [],
                    "merge_choices": merge_candidates(fact),
                },
            )
            row["quotes"].append(highlight_window(quote.window(INLINE_CONTEXT)))
            claim = quote.get_claim_status_display()
            if quote.attributed_to:
                claim += f", according to {quote.attributed_to}"
            row["claims"].append(claim)
        grouped: dict[str, list] = {}
        for row in rows.values():
            grouped.setdefault(row["group"], []).append(row)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "source": source,
            "published": source.partial_display("published_date"),
            "drafts": list(rows.values()),
            "quotes_shown": min(total, MAX_REVIEW_QUOTES),
            "quotes_total": total,
            "grouped": list(grouped.items()),
            "can_change": request.user.has_perm("tracker.change_evidence"),
            "title": f"Review drafts from {source}",
        }
        return TemplateResponse(request, "admin/tracker/source/review.html", context)

    def _review_decide(self, request, source):
        form = ReviewDecisionForm(request.POST)
        if not form.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()
            )
            return HttpResponseBadRequest(f"Bad review decision ({problems}).")
        decision = form.cleaned_data["decision"]
        if decision == "accept_all":
            if not request.user.has_perm("tracker.change_evidence"):
                raise PermissionDenied
            return self._review_accept_all(request, source, form)
        model = apps.get_model(form.cleaned_data["fact_model"])
        if not request.user.has_perm(f"tracker.change_{model._meta.model_name}"):
            raise PermissionDenied
        fact = model._default_manager.filter(pk=form.cleaned_data["fact_id"]).first()
        if fact is None:
            raise Http404(
                f"No {model._meta.verbose_name} has the id {form.cleaned_data['fact_id']}."
            )
        try:
            if decision == "accept":
                return self._review_accept(request, source, fact, form)
            if decision == "reject":
                outcome = draft_reject(fact=fact, source=source, user=request.user)
                self.message_user(request, f"Rejected: {fact} ({outcome}).", messages.SUCCESS)
            else:
                into = model._default_manager.filter(pk=form.cleaned_data["into"]).first()
                if into is None:
                    raise Http404(f"No {model._meta.verbose_name} to merge into has that id.")
                moved = draft_merge(fact=fact, into=into, user=request.user)
                self.message_user(
                    request,
                    f"Merged {fact} into {into} ({moved} quote(s) moved).",
                    messages.SUCCESS,
                )
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
        return redirect("admin:tracker_source_review", source.pk)

    def _confirm_page(self, request, source, plan, hidden, requested):
        return TemplateResponse(
            request,
            "admin/tracker/verify_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Accept: everything that will become public",
                "plan": plan,
                "hidden": hidden,
                "requested": requested,
                "form_url": reverse("admin:tracker_source_review", args=[source.pk]),
                "back_url": reverse("admin:tracker_source_review", args=[source.pk]),
            },
        )

    def _review_accept(self, request, source, fact, form):
        """Accept one draft: a confirmation page listing what becomes public, then verify."""
        if form.cleaned_data["confirm"] != "yes":
            plan = draft_accept_plan(fact=fact, source=source, user=request.user)
            hidden = [
                ("decision", "accept"),
                ("fact_model", fact._meta.label_lower),
                ("fact_id", fact.pk),
            ]
            return self._confirm_page(request, source, plan, hidden, [fact])
        count = draft_accept(
            fact=fact,
            source=source,
            user=request.user,
            expected_token=form.cleaned_data["plan"] or None,
        )
        self.message_user(
            request, f"Accepted: {fact} ({count} record(s) verified).", messages.SUCCESS
        )
        return redirect("admin:tracker_source_review", source.pk)

    def _review_accept_all(self, request, source, form):
        """Accept every draft of the source, through the same confirmation."""
        if form.cleaned_data["confirm"] != "yes":
            plan = source_accept_all_plan(source=source, user=request.user)
            return self._confirm_page(request, source, plan, [("decision", "accept_all")], [source])
        try:
            count = source_accept_all(
                source=source,
                user=request.user,
                expected_token=form.cleaned_data["plan"] or None,
            )
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request, f"Accepted every draft ({count} record(s) verified).", messages.SUCCESS
            )
        return redirect("admin:tracker_source_review", source.pk)


class ReviewDecisionForm(forms.Form):
    """A decision posted from the review queue; anything else answers 400 with the reason."""

    decision = forms.ChoiceField(
        choices=[(d, d) for d in ("accept", "reject", "merge", "accept_all")]
    )
    fact_model = forms.ChoiceField(
        required=False,
        choices=[
            (Evidence._meta.get_field(name).related_model._meta.label_lower, name)
            for name in FACT_FIELDS
        ],
    )
    fact_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    into = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    confirm = forms.CharField(required=False, max_length=3)
    plan = forms.CharField(required=False, max_length=64)

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision and decision != "accept_all":
            for name in ("fact_model", "fact_id"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, f"Required for {decision}.")
        if decision == "merge" and not data.get("into") and "into" not in self.errors:
            self.add_error("into", "Choose the record to merge into.")
        return data


def merge_candidates(fact, limit: int = 20) -> list:
    """Existing records the draft may duplicate: same kind, and for events the same parties."""
    model = type(fact)
    queryset = model.objects.exclude(pk=fact.pk)
    same = {
        "PermitDecision": (
            "authority_kind",
            "authority_id",
            "authority_organization_id",
            "target_state_id",
            "action",
        ),
        "Transfer": ("supplier_kind", "supplier_id", "recipient_kind", "recipient_id"),
        "Deployment": ("state_id", "conflict_id"),
        "Integration": ("component_id",),
        "ConflictParticipant": ("conflict_id",),
        "Item": ("kind",),
        "Organization": ("kind",),
    }.get(model.__name__, ())
    if not same:
        return []
    match = {name: getattr(fact, name) for name in same}
    if model.__name__ == "Transfer":  # a non-state side is its party
        for side in ("supplier", "recipient"):
            if getattr(fact, f"{side}_kind") == "non_state":
                match[f"{side}_party_id"] = getattr(fact, f"{side}_party_id")
    return list(queryset.filter(**match)[:limit])


@admin.register(Evidence)
class EvidenceAdmin(CuratedModelAdmin):
    list_display = ("__str__", "source", "claim_status", "fact_kind", "review_state")
    list_filter = ("claim_status", "review_state")
    search_fields = ("quote", "slug", "source__title", "source__publisher")
    autocomplete_fields = ["source", *FACT_FIELDS]
    list_select_related = ["source"]
    readonly_fields = (*CuratedModelAdmin.readonly_fields, "end", "quote_in_source")

    def get_queryset(self, request):
        # The source is shown by its title; its text (megabytes for a dataset) stays behind.
        return super().get_queryset(request).select_related("source").defer("source__text")

    def get_fieldsets(self, request, obj=None):
        return [
            (
                None,
                {
                    "fields": [
                        "source",
                        "quote",
                        "start",
                        "end",
                        "claim_status",
                        "attributed_to",
                        "note",
                    ]
                },
            ),
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

    @admin.display(
        description=f"quote highlighted in the source text (±{QUOTE_CONTEXT} characters)"
    )
    def quote_in_source(self, obj):
        if not obj.pk:
            return "—"
        return highlight_window(obj.window(QUOTE_CONTEXT))
