"""Precision and recall of the extraction against a labelled set of articles.

Each ``NAME.txt`` in the directory has a ``NAME.json`` beside it with the expected draft. A
permit decision counts as right only when authority, target, action, date and precision all
match; a kind missing from the expected file means none is expected. A company's decision is
keyed by its organisation's name (case-folded); items by case-folded name. A drafted decision
with no date of its own is scored as it is stored: dated from the publication and flagged, so it
matches a label with ``date_from_publication`` (and no label with a date the text gives).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .extract import Lexicon, extract
from .reading import read_article
from .store import decision_dates


def _party(value) -> str | tuple:
    """A decision's authority: an ISO code, or ``{"organization": name}`` for a company."""
    if isinstance(value, dict):
        return ("organization", " ".join(value["organization"].casefold().split()))
    return value


def _when(r: dict) -> tuple:
    """A decision's date as scored: the publication fallback is a date of its own kind."""
    if r.get("date_from_publication"):
        return ("from publication",)
    return (r["date"], r["date_precision"])


def _keys(kind: str, records) -> set:
    if kind == "states":
        return set(records)
    if kind == "permit_decisions":
        return {(_party(r["authority"]), r["target"], r["action"], *_when(r)) for r in records}
    if kind == "decisions_without_date":
        return {(_party(r["authority"]), r["target"], r["action"]) for r in records}
    if kind == "organizations":
        return {
            " ".join((r if isinstance(r, str) else r["name"]).casefold().split()) for r in records
        }
    if kind == "items":
        return {" ".join(r["name"].casefold().split()) for r in records}
    if kind == "transfers":
        return {(r["supplier"], r["recipient"]) for r in records}
    raise ValueError(kind)


#: Scored kinds. ``permit_decisions`` needs authority, target, action, date and precision right;
#: ``decisions_without_date`` authority, target and action.
KINDS = (
    "states",
    "permit_decisions",
    "decisions_without_date",
    "organizations",
    "items",
    "transfers",
)


def _records(kind: str, labels: dict) -> list:
    """The records of ``kind`` in a label file or a draft."""
    if kind == "decisions_without_date":
        return labels.get("permit_decisions", [])
    if kind == "items" and "items" not in labels:  # a draft lists components and platforms
        return [*labels.get("components", []), *labels.get("platforms", [])]
    return labels.get(kind, [])


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate_corpus(directory: str | Path) -> tuple[dict[str, Score], int]:
    import json

    lexicon = Lexicon.from_database()
    scores = {kind: Score() for kind in KINDS}
    files = sorted(Path(directory).glob("*.txt"))
    for path in files:
        expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        article = read_article(path)
        draft = extract(
            article.body,
            published=article.published,
            lexicon=lexicon,
        ).as_json()
        for decision in draft.get("permit_decisions", []):
            # Scored as stored: no date of its own -> the publication date, flagged.
            decision.update(decision_dates(decision, article.published) or {})
        for kind in KINDS:
            want = _keys(kind, _records(kind, expected))
            got = _keys(kind, _records(kind, draft))
            score = scores[kind]
            score.tp += len(want & got)
            score.fp += len(got - want)
            score.fn += len(want - got)
            for key in sorted(map(str, got - want)):
                score.misses.append(f"{path.name}: unexpected {key}")
            for key in sorted(map(str, want - got)):
                score.misses.append(f"{path.name}: missed {key}")
    return scores, len(files)
