from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..models import FACT_FIELDS, Evidence, Source
from ..services.review import (
    draft_accept,
    draft_accept_plan,
    draft_merge,
    draft_reject,
    source_accept_all,
    source_accept_all_plan,
)
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
        if not str(object_id).isdigit():
            raise Http404(f"No source has the id {object_id!r}.")
        source = get_object_or_404(Source, pk=int(object_id))
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
        "PermitDecision": ("authority_id", "target_state_id", "action"),
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
                match[f"{side}_organization_id"] = getattr(fact, f"{side}_organization_id")
    return list(queryset.filter(**match)[:limit])


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
