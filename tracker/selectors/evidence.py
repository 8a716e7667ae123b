"""Reads over evidence: checking every quote against its source."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..models import Evidence
from ..models.sources import quote_problem


@dataclass(frozen=True)
class BadQuote:
    evidence: Evidence
    problem: str

    def __str__(self) -> str:
        e = self.evidence
        return (
            f"evidence '{e.slug}' (id {e.pk}), source '{e.source}', field 'quote': {self.problem}"
        )


def evidence_bad_quotes(*, chunk_size: int = 500) -> Iterator[BadQuote]:
    """Every piece of evidence whose quote is not verbatim in its source at its offsets.

    Streams evidence with its source in chunks; sources are fetched once per chunk by the join.
    """
    queryset = Evidence.objects.select_related("source").order_by("pk")
    for evidence in queryset.iterator(chunk_size=chunk_size):
        problem = quote_problem(evidence.source.text, evidence.quote, evidence.start)
        if problem is None and evidence.end != (evidence.start or 0) + len(evidence.quote):
            problem = "The end offset does not match the quote's length."
        if problem:
            yield BadQuote(evidence, problem)
