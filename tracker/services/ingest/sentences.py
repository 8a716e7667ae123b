"""Splitting an article body into sentences that cover it exactly.

A line break always ends a sentence (headings, bylines and list lines carry no final
punctuation); inside a line pysbd finds the boundaries, so "U.S." or "Jan. 5" do not split a
sentence. Every character of the body belongs to exactly one sentence: a sentence runs from its
first character to the first character of the next one, and its quote is that range without
the surrounding white space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd


@dataclass(frozen=True)
class Sentence:
    """``body[start:end]`` is the sentence with its trailing white space; ``text`` is the
    stripped quote, found at ``quote_start``."""

    start: int
    end: int
    text: str
    quote_start: int

    @property
    def quote_end(self) -> int:
        return self.quote_start + len(self.text)


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def _line_starts(line: str, offset: int) -> list[int]:
    """Offsets (in the body) where the sentences of one line begin."""
    return [offset + start for start in _starts_in_line(line)]


@lru_cache(maxsize=4096)
def _starts_in_line(line: str) -> tuple[int, ...]:
    """Where the sentences of a line begin (cached: pages repeat lines, and pysbd is slow on
    long ones)."""
    starts, cursor = [], 0
    for piece in _segmenter().segment(line):
        stripped = piece.strip()
        if not stripped:
            continue
        found = line.find(stripped, cursor)
        if found < 0:  # pysbd changed the text: keep what is left as one sentence
            break
        starts.append(found)
        cursor = found + len(stripped)
    return tuple(starts)


def split_sentences(body: str) -> list[Sentence]:
    """The sentences of ``body`` in order; their ranges tile the body without gaps."""
    starts: list[int] = []
    for line in re.finditer(r"[^\n]+", body):
        if line.group().strip():
            line_starts = _line_starts(line.group(), line.start())
            starts.extend(line_starts or [line.start()])
    if not starts:
        return []
    starts[0] = 0  # leading white space belongs to the first sentence
    bounds = [*starts, len(body)]
    result = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        raw = body[start:end]
        stripped = raw.strip()
        result.append(Sentence(start, end, stripped, start + raw.index(stripped[:1] or raw)))
    return result
