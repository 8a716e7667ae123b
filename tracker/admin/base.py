"""Shared admin behaviour: review actions, read-only access for staff, audit history."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from ..models import FACT_FIELDS, Evidence
from ..services.review import records_return_to_draft, records_verify

REVIEW_FIELDS = ("review_state", "verified_by", "verified_at", "created", "last_updated")


class StaffReadMixin:
    """Every active staff member may read; adding, changing and deleting need real permissions
    (the curators group has them)."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff


class CuratedModelAdmin(StaffReadMixin, SimpleHistoryAdmin):
    """Base for every curated model: review fields read-only (changed by the actions), verify and
    return-to-draft actions, audit history with the changed fields listed."""

    readonly_fields = REVIEW_FIELDS
    show_full_result_count = False
    list_per_page = 50
    actions = ["mark_verified", "return_to_draft"]
    history_list_display = ["review_state"]

    def get_fieldsets(self, request, obj=None):
        fields = [f for f in self.get_fields(request, obj) if f not in REVIEW_FIELDS]
        return [
            (None, {"fields": fields}),
            ("Review", {"fields": REVIEW_FIELDS, "classes": ["collapse"]}),
        ]

    @admin.action(description="Mark selected records verified", permissions=["change"])
    def mark_verified(self, request, queryset):
        count = records_verify(records=queryset, user=request.user)
        self.message_user(request, f"{count} record(s) verified.", messages.SUCCESS)

    @admin.action(description="Return selected records to draft", permissions=["change"])
    def return_to_draft(self, request, queryset):
        count = records_return_to_draft(records=queryset, user=request.user)
        self.message_user(request, f"{count} record(s) returned to draft.", messages.SUCCESS)


def partial_date_column(name: str, description: str):
    """A changelist column showing a partial date at its real precision (2019-10)."""

    @admin.display(description=description, ordering=name)
    def column(obj):
        return obj.partial_display(name) or "—"

    column.__name__ = f"{name}_shown"
    return column


def highlight_quote(text: str, start: int | None, end: int | None, context: int | None = None):
    """The source text with the quote wrapped in <mark>; everything escaped (the text is
    untrusted). ``context`` limits the characters shown on either side."""
    if start is None or end is None or not text:
        return "—"
    before, quote, after = text[:start], text[start:end], text[end:]
    if context is not None:
        before = ("…" if len(before) > context else "") + before[-context:]
        after = after[:context] + ("…" if len(after) > context else "")
    return format_html(
        '<div class="quote-in-source" style="white-space: pre-wrap; max-height: 24em; '
        'overflow: auto; max-width: 60em">{}<mark>{}</mark>{}</div>',
        before,
        quote,
        after,
    )


class EvidenceInline(StaffReadMixin, admin.StackedInline):
    """The quotes supporting one fact; subclasses set ``fk_name``."""

    model = Evidence
    extra = 0
    fields = ("source", "quote", "start", "claim_status", "note", "in_source", "review_state")
    readonly_fields = ("in_source", "review_state")
    autocomplete_fields = ["source"]
    show_change_link = True

    @admin.display(description="quote in its source")
    def in_source(self, obj):
        if not obj.pk:
            return "—"
        return highlight_quote(obj.source.text, obj.start, obj.end, context=200)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")


def evidence_inline(fact_field: str) -> type[EvidenceInline]:
    """The evidence inline for the fact model behind ``fact_field`` of Evidence."""
    assert fact_field in FACT_FIELDS, fact_field
    name = "".join(part.title() for part in fact_field.split("_")) + "EvidenceInline"
    return type(name, (EvidenceInline,), {"fk_name": fact_field})


def supply_chain_picture(url: str, caption: str):
    """The API's SVG answer shown in the admin page (same site, so the curator's session is used
    and drafts appear)."""
    return format_html(
        '<figure style="margin:0"><img src="{}" alt="{}" style="max-width:100%; border:1px solid '
        '#ddd"><figcaption><a href="{}">{}</a></figcaption></figure>',
        url,
        caption,
        url.replace("format=svg", "format=json"),
        caption,
    )
