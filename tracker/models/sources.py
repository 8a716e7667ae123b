"""Sources and the verbatim quotes (evidence) that tie every fact to them."""

from __future__ import annotations

import hashlib
import unicodedata
from functools import reduce
from operator import or_

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.utils.text import slugify

from ..choices import ClaimStatus, SourceKind
from .base import (
    CuratedModel,
    PartialDatesMixin,
    SlugManager,
    partial_date,
    partial_date_pair_constraints,
    raise_if,
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
        if not self.text.strip():
            errors.setdefault("text", []).append("A source needs its text.")
        elif self.text_hash and self.text_hash != text_hash(self.text):
            errors.setdefault("text_hash", []).append(
                "The stored hash does not match the text (was the text changed outside the app?)."
            )
        raise_if(errors)

    def clean_fields(self, exclude=None):
        # The hash is derived from the text; compute it before uniqueness is validated.
        self.text = normalize_text(self.text or "")
        if not self.text_hash:
            self.text_hash = text_hash(self.text)
        super().clean_fields(exclude=exclude)


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
        max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.REPORTED, db_index=True
    )
    note = models.TextField(blank=True)

    state = models.ForeignKey(
        "tracker.State", models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    organization = models.ForeignKey(
        "tracker.Organization", models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    organization_relation = models.ForeignKey(
        "tracker.OrganizationRelation",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
    )
    item = models.ForeignKey(
        "tracker.Item", models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    integration = models.ForeignKey(
        "tracker.Integration", models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    transfer = models.ForeignKey(
        "tracker.Transfer", models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    permit_decision = models.ForeignKey(
        "tracker.PermitDecision", models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    conflict = models.ForeignKey(
        "tracker.Conflict", models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    conflict_participant = models.ForeignKey(
        "tracker.ConflictParticipant",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
    )
    deployment = models.ForeignKey(
        "tracker.Deployment", models.CASCADE, null=True, blank=True, related_name="evidence"
    )

    objects = SlugManager()

    class Meta:
        ordering = ["source", "start"]
        verbose_name_plural = "evidence"
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
        return slugify(f"{self.fact_field} {fact_key} {self.source.text_hash[:10]} {self.start}")[
            :300
        ]

    def locate(self) -> None:
        """Fill in the offsets from the quote when it occurs exactly once in the source."""
        if self.start is None and self.source_id and self.quote:
            text = self.source.text
            first = text.find(self.quote)
            if first >= 0 and text.find(self.quote, first + 1) < 0:
                self.start = first
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
            problem = quote_problem(self.source.text, self.quote, self.start)
            if problem:
                field = (
                    "start"
                    if self.start is not None and self.quote in self.source.text
                    else "quote"
                )
                errors.setdefault(field, []).append(problem)
        raise_if(errors)


def quote_problem(text: str, quote: str, start: int | None) -> str | None:
    """Why ``quote`` is not at ``start`` in ``text``, or None when it is."""
    if start is None:
        count = text.count(quote)
        if count == 0:
            return "The quote does not occur verbatim in the source text."
        return f"The quote occurs {count} times in the source text: give its start offset."
    if text[start : start + len(quote)] == quote:
        return None
    found = text.find(quote)
    if found < 0:
        return "The quote does not occur verbatim in the source text."
    return f"The quote is not at offset {start} of the source text (it occurs at {found})."


__all__ = [
    "Source",
    "Evidence",
    "FACT_FIELDS",
    "normalize_text",
    "text_hash",
    "quote_problem",
]
