"""Shared admin behaviour: review actions, read-only access for staff, audit history."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from simple_history.admin import SimpleHistoryAdmin

from ..models import FACT_FIELDS, Evidence, Source
from ..models.sources import TextWindow, window_annotation
from ..services.review import (
    records_return_to_draft,
    records_return_to_draft_all,
    records_verify,
    records_verify_plan,
)
from ..services.verification import (
    DependentsExist,
    delete_dependents,
    group_records,
    records_delete,
)

REVIEW_FIELDS = ("review_state", "verified_by", "verified_at", "created", "last_updated")


class StaffReadMixin:
    """Every active staff member may read; adding, changing and deleting need real permissions
    (the curators group has them)."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff


class SourceTextDeferredMixin:
    """Choices of a source (an autocomplete's selected value, a plain select) are loaded
    without their text."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Source and "queryset" not in kwargs:
            kwargs["queryset"] = Source.objects.defer("text")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CuratedModelAdmin(SourceTextDeferredMixin, StaffReadMixin, SimpleHistoryAdmin):
    """Base for every curated model: review fields read-only (changed by the actions), verify and
    return-to-draft actions behind a confirmation page, deletions that never leave a verified
    record pointing at a draft, audit history with the changed fields listed."""

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

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "return-dependents/",
                self.admin_site.admin_view(self.return_dependents_view),
                name=f"{opts.app_label}_{opts.model_name}_return_dependents",
            ),
            *super().get_urls(),
        ]

    def _confirmation(self, request, template: str, context: dict):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "form_url": "",
                **context,
            },
        )

    @admin.action(description="Mark selected records verified", permissions=["change"])
    def mark_verified(self, request, queryset):
        """Shows everything that would become public; verifies it all on the confirming POST."""
        records = list(queryset)
        if request.POST.get("confirm") == "yes":
            try:
                count = records_verify(
                    records=records, user=request.user, expected_token=request.POST.get("plan")
                )
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)
                return None
            self.message_user(request, f"{count} record(s) verified.", messages.SUCCESS)
            return None
        plan = records_verify_plan(records=records, user=request.user)
        return self._confirmation(
            request,
            "admin/tracker/verify_confirmation.html",
            {
                "title": "Verify: everything that will become public",
                "plan": plan,
                "hidden": [
                    ("action", "mark_verified"),
                    *[(ACTION_CHECKBOX_NAME, record.pk) for record in records],
                ],
                "requested": records,
            },
        )

    @admin.action(description="Return selected records to draft", permissions=["change"])
    def return_to_draft(self, request, queryset):
        """Refused while verified records depend on the selection: lists them and offers to
        return them too."""
        records = list(queryset)
        cascade = request.POST.get("cascade") == "yes"
        try:
            count = records_return_to_draft(records=records, user=request.user, cascade=cascade)
        except DependentsExist as refusal:
            return self._confirmation(
                request,
                "admin/tracker/dependents_confirmation.html",
                {
                    "title": "Return to draft: verified records depend on these",
                    "requested": records,
                    "dependents": refusal.groups,
                    "hidden": [
                        ("action", "return_to_draft"),
                        *[(ACTION_CHECKBOX_NAME, record.pk) for record in records],
                    ],
                },
            )
        self.message_user(request, f"{count} record(s) returned to draft.", messages.SUCCESS)
        return None

    def get_deleted_objects(self, objs, request):
        """As Django's, plus: verified records that would be left pointing at a deleted record
        (or facts left with no public evidence) block the deletion like protected objects; the
        page lists them and offers to return them to draft."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        request.tracker_dependents = []
        if not protected:
            try:
                dependents = delete_dependents(records=list(objs))
            except (ProtectedError, RestrictedError):
                dependents = []
            if dependents:
                request.tracker_dependents = group_records(dependents)
                request.tracker_delete_ids = [obj.pk for obj in objs]
                opts = self.model._meta
                request.tracker_return_url = reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_return_dependents"
                )
                protected = [f"{d._meta.verbose_name}: {d}" for d in dependents]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        records_delete(records=[obj], user=request.user)

    def delete_queryset(self, request, queryset):
        records_delete(records=list(queryset), user=request.user)

    def return_dependents_view(self, request):
        """POST: return to draft the verified records that block deleting the given records,
        then go back to the deletion page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_delete_permission(request):
            raise PermissionDenied
        ids = request.POST.getlist(ACTION_CHECKBOX_NAME)
        try:
            records = list(self.model._default_manager.filter(pk__in=ids))
        except (ValueError, ValidationError):
            return HttpResponseBadRequest("Give the ids of the records to delete.")
        if not records:
            return HttpResponseBadRequest("None of the given records exists.")
        try:
            dependents = delete_dependents(records=records)
        except (ProtectedError, RestrictedError):
            dependents = []
        count = records_return_to_draft_all(dependents=dependents, user=request.user)
        self.message_user(
            request, f"{count} dependent record(s) returned to draft.", messages.SUCCESS
        )
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            opts = self.model._meta
            target = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return HttpResponseRedirect(target)

    def response_change(self, request, obj):
        """Editing a draft opened from a review queue (``?_review_source=<id>``) goes back to
        that queue after saving."""
        source_id = request.GET.get("_review_source", "")
        if "_save" in request.POST and source_id.isdigit():
            self.message_user(request, f"Saved: {obj}.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:tracker_source_review", args=[source_id]))
        return super().response_change(request, obj)


def partial_date_column(name: str, description: str):
    """A changelist column showing a partial date at its real precision (2019-10)."""

    @admin.display(description=description, ordering=name)
    def column(obj):
        return obj.partial_display(name) or "—"

    column.__name__ = f"{name}_shown"
    return column


#: Characters of the source shown on either side of a quote on the evidence's own page.
QUOTE_CONTEXT = 500
#: ... in an evidence inline and in the review queue, where quotes stand in a list.
INLINE_CONTEXT = 200


def highlight_window(window: TextWindow | None):
    """The quote wrapped in <mark> with the text around it, an ellipsis where the source goes
    on; everything escaped (the text is untrusted). Never the whole text: a source may be
    megabytes."""
    if window is None:
        return "—"
    return format_html(
        '<div class="quote-in-source" style="white-space: pre-wrap; max-height: 24em; '
        'overflow: auto; max-width: 60em">{}{}<mark>{}</mark>{}{}</div>',
        "…" if window.more_before else "",
        window.before,
        window.quote,
        window.after,
        "…" if window.more_after else "",
    )


class EvidenceInline(SourceTextDeferredMixin, StaffReadMixin, admin.StackedInline):
    """The quotes supporting one fact; subclasses set ``fk_name``."""

    model = Evidence
    extra = 0
    fields = (
        "source",
        "quote",
        "start",
        "claim_status",
        "attributed_to",
        "note",
        "in_source",
        "review_state",
    )
    readonly_fields = ("in_source", "review_state")
    autocomplete_fields = ["source"]
    show_change_link = True

    @admin.display(description="quote in its source")
    def in_source(self, obj):
        if not obj.pk:
            return "—"
        return highlight_window(obj.window(INLINE_CONTEXT))

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("source")
            .defer("source__text")
            .annotate(text_window=window_annotation(INLINE_CONTEXT))
        )


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
