"""Sources and the verbatim quotes (evidence) that tie every fact to them."""

from __future__ import annotations

import hashlib
import unicodedata
from functools import reduce
from operator import or_
from typing import NamedTuple

from django.db import models
from django.db.models import F, IntegerField, Q, Value
from django.db.models.functions import Greatest, Length, Replace, StrIndex, Substr
from django.utils.text import slugify

from ..choices import ClaimStatus, SourceKind
from .base import (
    CuratedModel,
    PartialDatesMixin,
    SlugManager,
    choice_indexes,
    order_key,
    order_key_indexes,
    partial_date,
    partial_date_pair_constraints,
    raise_if,
    sparse_indexes,
)


def normalize_text(text: str) -> str:
    """The canonical form of a source text: NFC, Unix line ends. Offsets count in this form."""
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")


def text_hash(text: str) -> str:
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


class SourceManager(models.Manager):
    def get_by_natural_key(self, key):
        """A source is known by its url when it has one, otherwise by the hash of its text."""
        return self.get(Q(url=key) | Q(text_hash=key))


class Source(PartialDatesMixin, CuratedModel):
    """A published article, report or statement, with its full text."""

    partial_dates = ("published_date",)

    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=SourceKind.choices, default=SourceKind.NEWS)
    # Null rather than blank when absent, so the unique constraint admits many url-less sources.
    url = models.URLField(max_length=500, null=True, blank=True)  # noqa: DJ001
    published_date, published_date_precision = partial_date("publication date")
    retrieved_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the page was fetched from its URL (empty for a file given by hand).",
    )
    language = models.CharField(max_length=8, default="en", help_text="ISO 639-1 code.")
    text = models.TextField(help_text="The full text; quotes are located in it by offset.")
    text_hash = models.CharField(
        max_length=64, unique=True, editable=False, help_text="SHA-256 of the normalised text."
    )

    objects = SourceManager()

    class Meta:
        ordering = ["-published_date", "title"]
        constraints = [
            *CuratedModel.Meta.constraints,
            *partial_date_pair_constraints("published_date"),
            models.UniqueConstraint(
                fields=["url"],
                condition=Q(url__isnull=False),
                name="%(app_label)s_%(class)s_unique_url",
                violation_error_message="A source with this URL already exists.",
            ),
            models.CheckConstraint(
                condition=Q(url__isnull=True) | ~Q(url=""),
                name="%(app_label)s_%(class)s_url_null_not_blank",
                violation_error_message="Leave the URL empty (null) rather than blank.",
            ),
        ]

    def __str__(self):
        return f"{self.publisher}: {self.title}" if self.publisher else self.title

    def natural_key(self):
        return (self.url or self.text_hash,)

    def save(self, *args, **kwargs):
        # A source loaded without its text (see text_loaded) saves its other fields only.
        if self.text_loaded:
            self.text = normalize_text(self.text)
            self.text_hash = text_hash(self.text)
        if not self.url:
            self.url = None
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if not self.url:
            self.url = None
        errors = self.clean_partial_dates()
        # A source loaded without its text (see text_loaded) is not changing it: the text was
        # checked when it was saved.
        if self.text_loaded:
            if not self.text.strip():
                errors.setdefault("text", []).append("A source needs its text.")
            elif self.text_hash and self.text_hash != text_hash(self.text):
                errors.setdefault("text_hash", []).append(
                    "The stored hash does not match the text "
                    "(was the text changed outside the app?)."
                )
        raise_if(errors)

    def clean_fields(self, exclude=None):
        # The hash is derived from the text; compute it before uniqueness is validated.
        if self.text_loaded:
            self.text = normalize_text(self.text or "")
            if not self.text_hash:
                self.text_hash = text_hash(self.text)
        elif exclude is not None:
            exclude = {*exclude, "text"}
        else:
            exclude = {"text"}
        super().clean_fields(exclude=exclude)

    @property
    def text_loaded(self) -> bool:
        """Whether the text is in memory (it is deferred wherever it is not shown: a release of
        a dataset is megabytes, and tens of thousands of quotes point at it)."""
        return "text" not in self.get_deferred_fields()

    def text_window(self, start: int, end: int, context: int) -> TextWindow:
        """The quote at ``start:end`` with ``context`` characters either side, cut in the
        database when the text is not loaded (one row: the text never leaves it)."""
        if self.text_loaded:
            return TextWindow.of(self.text, start, end, context)
        first = max(start - context, 0)
        cut = Source.objects.filter(pk=self.pk).annotate(
            window=Substr("text", first + 1, end - first + context + 1)
        )
        return TextWindow.cut(cut.values_list("window", flat=True).get(), start, end, context)

    def quote_facts(self, quote: str, start: int | None) -> QuoteFacts:
        """Where ``quote`` is in the text: what stands at ``start``, its first offset (-1 when
        absent) and how many times it occurs; computed in the database when the text is not
        loaded."""
        if self.text_loaded:
            return QuoteFacts.of(self.text, quote, start)

        def ask(**annotations):
            rows = Source.objects.filter(pk=self.pk).annotate(**annotations)
            return rows.values(*annotations).get()

        length = len(quote)
        if start is not None:
            at_start = ask(q_at=Substr("text", start + 1, length))["q_at"]
            if at_start == quote:
                return QuoteFacts(at_start, start, 1)
            return QuoteFacts(
                at_start, ask(q_first=StrIndex("text", Value(quote)))["q_first"] - 1, -1
            )
        row = ask(
            q_first=StrIndex("text", Value(quote)),
            q_count=(Length("text") - Length(Replace("text", Value(quote), Value(""))))
            / Value(length, output_field=IntegerField()),
        )
        return QuoteFacts(None, row["q_first"] - 1, row["q_count"])


class TextWindow(NamedTuple):
    """A quote with the text around it, and whether the text goes on beyond either side."""

    before: str
    quote: str
    after: str
    more_before: bool
    more_after: bool

    @classmethod
    def of(cls, text: str, start: int, end: int, context: int) -> TextWindow:
        first = max(start - context, 0)
        return cls.cut(text[first : end + context + 1], start, end, context)

    @classmethod
    def cut(cls, window: str, start: int, end: int, context: int) -> TextWindow:
        """Split ``window``, the text from ``max(start - context, 0)`` to ``end + context + 1``
        (one character more than shown, telling whether the text goes on)."""
        window = window or ""
        before = min(start, context)
        quote_end = before + end - start
        return cls(
            window[:before],
            window[before:quote_end],
            window[quote_end : quote_end + context],
            start > context,
            len(window) > quote_end + context,
        )


class QuoteFacts(NamedTuple):
    """What a quote check needs to know of a source text (see :meth:`Source.quote_facts`):
    what stands at the quote's start, the quote's first offset (-1: absent) and its number of
    occurrences (-1 when a start is given: not needed)."""

    at_start: str | None
    first: int
    count: int

    @classmethod
    def of(cls, text: str, quote: str, start: int | None) -> QuoteFacts:
        at_start = None if start is None else text[start : start + len(quote)]
        if start is not None and at_start == quote:
            return cls(at_start, start, 1)
        return cls(at_start, text.find(quote), text.count(quote) if start is None else -1)


def window_annotation(context: int, prefix: str = "source__") -> Substr:
    """An annotation giving each piece of evidence the text around its quote, ``context``
    characters either side (see :meth:`Evidence.window`), cut in the database: one substring
    per row, the text never leaves the database."""
    first = Greatest(F("start") - context, Value(0))
    return Substr(f"{prefix}text", first + 1, F("end") - first + context + 1)


#: The facts a piece of evidence can support: exactly one of these foreign keys is set.
FACT_FIELDS = (
    "state",
    "organization",
    "organization_relation",
    "item",
    "integration",
    "transfer",
    "permit_decision",
    "conflict",
    "conflict_participant",
    "deployment",
)


def _exactly_one_fact() -> Q:
    return reduce(
        or_,
        (
            Q(
                **{f"{field}__isnull": False},
                **{f"{o}__isnull": True for o in FACT_FIELDS if o != field},
            )
            for field in FACT_FIELDS
        ),
    )


#: Evidence's sort keys for keyset pagination.
EVIDENCE_ORDER_KEYS = {
    "id": order_key("id"),
    "claim_status": order_key("claim_status"),
    "start": order_key("start"),
}


class Evidence(CuratedModel):
    """A verbatim quote from a source, at its character offsets, supporting one fact."""

    slug = models.SlugField(max_length=300, unique=True, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="evidence")
    quote = models.TextField(help_text="Exactly as in the source text.")
    start = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Character offset of the quote in the source text; "
        "found automatically when the quote occurs once.",
    )
    end = models.PositiveIntegerField(null=True, blank=True, editable=False)
    claim_status = models.CharField(
        max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.REPORTED
    )
    note = models.TextField(blank=True)

    state = models.ForeignKey(
        "tracker.State",
        models.CASCADE,
        db_index=False,
        null=True,
        blank=True,
        related_name="evidence",
    )
    organization = models.ForeignKey(
        "tracker.Organization",
        models.CASCADE,
        db_index=False,
        null=True,
        blank=True,
        related_name="evidence",
    )
    organization_relation = models.ForeignKey(
        "tracker.OrganizationRelation",
        models.CASCADE,
        db_index=False,
        null=True,
        blank=True,
        related_name="evidence",
    )
    item = models.ForeignKey(
        "tracker.Item",
        models.CASCADE,
        db_index=False,
        null=True,
        blank=True,
        related_name="evidence",
    )
    integration = models.ForeignKey(
        "tracker.Integration",
        models.CASCADE,
        db_index=False,
        null=True,
        blank=True,
        related_name="evidence",
    )
    transfer = models.ForeignKey(
        "tracker.Transfer",
        models.CASCADE,
        db_index=False,
        null=True,
        blank=True,
        related_name="evidence",
    )
    permit_decision = models.ForeignKey(
        "tracker.PermitDecision",
        models.CASCADE,
        db_index=False,
        null=True,
        blank=True,
        related_name="evidence",
    )
    conflict = models.ForeignKey(
        "tracker.Conflict",
        models.CASCADE,
        db_index=False,
        null=True,
        blank=True,
        related_name="evidence",
    )
    conflict_participant = models.ForeignKey(
        "tracker.ConflictParticipant",
        models.CASCADE,
        db_index=False,
        null=True,
        blank=True,
        related_name="evidence",
    )
    deployment = models.ForeignKey(
        "tracker.Deployment",
        models.CASCADE,
        db_index=False,
        null=True,
        blank=True,
        related_name="evidence",
    )
    # After the facts: the SIPRI importer writes evidence rows in column order.
    attributed_to = models.CharField(
        max_length=300,
        blank=True,
        help_text='Whom the source attributes the claim to ("according to X", "X said"), as '
        "the source names them; empty when the source states it in its own voice.",
    )

    objects = SlugManager()

    #: The orders the API pages evidence in (see ``order_key``; ``start`` is never null: the
    #: offsets constraint below).
    order_keys = EVIDENCE_ORDER_KEYS

    class Meta:
        ordering = ["source", "start"]
        verbose_name_plural = "evidence"
        indexes = [
            *order_key_indexes("evidence", EVIDENCE_ORDER_KEYS),
            *choice_indexes("ev", "claim_status"),
            *sparse_indexes("ev", *FACT_FIELDS),
        ]
        constraints = [
            *CuratedModel.Meta.constraints,
            models.CheckConstraint(
                condition=_exactly_one_fact(),
                name="%(app_label)s_%(class)s_exactly_one_fact",
                violation_error_message="A piece of evidence supports exactly one fact.",
            ),
            models.CheckConstraint(
                condition=~Q(quote=""),
                name="%(app_label)s_%(class)s_quote_not_empty",
                violation_error_message="A quote cannot be empty.",
            ),
            models.CheckConstraint(
                condition=Q(start__isnull=False, end=F("start") + Length("quote")),
                name="%(app_label)s_%(class)s_offsets_match_quote",
                violation_error_message="The offsets must span exactly the quote.",
            ),
        ]

    def __str__(self):
        quote = self.quote if len(self.quote) <= 80 else self.quote[:77] + "…"
        return f"“{quote}” ({self.get_claim_status_display()})"

    @property
    def fact_field(self) -> str | None:
        for name in FACT_FIELDS:
            if getattr(self, f"{name}_id") is not None:
                return name
        return None

    @property
    def fact(self):
        name = self.fact_field
        return getattr(self, name) if name else None

    def natural_key(self):
        return (self.slug,)

    def build_slug(self) -> str:
        fact = self.fact
        fact_key = getattr(fact, "slug", None) or getattr(fact, "code", "") if fact else ""
        source_hash = self.light_source().text_hash
        return slugify(f"{self.fact_field} {fact_key} {source_hash[:10]} {self.start}")[:300]

    def light_source(self) -> Source:
        """The source, loaded without its text unless it was already loaded with it: checks
        then run in the database (a source may be megabytes)."""
        field = type(self)._meta.get_field("source")
        if not field.is_cached(self):
            field.set_cached_value(self, Source.objects.defer("text").get(pk=self.source_id))
        return self.source

    def window(self, context: int) -> TextWindow | None:
        """The quote with ``context`` characters of its source either side: from the
        annotation ``text_window`` (:func:`window_annotation`) when the queryset has it, else
        cut from the source (in the database unless its text is loaded)."""
        if self.start is None or self.end is None:
            return None
        cut = getattr(self, "text_window", None)
        if cut is not None:
            return TextWindow.cut(cut, self.start, self.end, context)
        return self.light_source().text_window(self.start, self.end, context)

    def locate(self) -> None:
        """Fill in the offsets from the quote when it occurs exactly once in the source."""
        if self.start is None and self.source_id and self.quote:
            facts = self.light_source().quote_facts(self.quote, None)
            if facts.first >= 0 and facts.count == 1:
                self.start = facts.first
        if self.start is not None and self.quote:
            self.end = self.start + len(self.quote)

    def save(self, *args, **kwargs):
        self.quote = normalize_text(self.quote)
        self.locate()
        if not self.slug:
            self.slug = self.build_slug()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.quote = normalize_text(self.quote or "")
        errors: dict[str, list[str]] = {}
        set_facts = [name for name in FACT_FIELDS if getattr(self, f"{name}_id") is not None]
        # None set is left to the database: an admin inline validates before its parent exists.
        if len(set_facts) > 1:
            errors.setdefault("__all__", []).append(
                f"A piece of evidence supports exactly one fact ({', '.join(set_facts)} given)."
            )
        if self.source_id and self.quote:
            self.locate()
            facts = self.light_source().quote_facts(self.quote, self.start)
            problem = facts_problem(facts, self.quote, self.start)
            if problem:
                field = "start" if self.start is not None and facts.first >= 0 else "quote"
                errors.setdefault(field, []).append(problem)
        raise_if(errors)


def facts_problem(facts: QuoteFacts, quote: str, start: int | None) -> str | None:
    """Why ``quote`` is not at ``start``, from what is known of the text, or None when it is."""
    if start is None:
        if facts.count == 0:
            return "The quote does not occur verbatim in the source text."
        return f"The quote occurs {facts.count} times in the source text: give its start offset."
    if facts.at_start == quote:
        return None
    if facts.first < 0:
        return "The quote does not occur verbatim in the source text."
    return f"The quote is not at offset {start} of the source text (it occurs at {facts.first})."


def quote_problem(text: str, quote: str, start: int | None) -> str | None:
    """Why ``quote`` is not at ``start`` in ``text``, or None when it is."""
    if start is not None and text[start : start + len(quote)] == quote:
        return None  # the common case, without searching the text
    return facts_problem(QuoteFacts.of(text, quote, start), quote, start)


__all__ = [
    "Source",
    "Evidence",
    "FACT_FIELDS",
    "normalize_text",
    "text_hash",
    "quote_problem",
    "TextWindow",
    "QuoteFacts",
    "window_annotation",
]
