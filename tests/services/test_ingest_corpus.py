"""The labelled ingest corpus is well formed: every text has labels that the evaluator can trust.

The held-back half (``tests/ingest_corpus/heldout``) is written before any rule is tuned and is
kept fixed; these checks only guard its form (files, headers, label schema, quotes that really
are in the text), never what the extractor drafts from it.
"""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings

from tracker.choices import DatePrecision, ItemKind, OrganizationKind, PermitAction
from tracker.partial_dates import is_aligned, period_end
from tracker.services.ingest.reading import read_article

CORPUS = Path(__file__).resolve().parent.parent / "ingest_corpus"
HELDOUT = CORPUS / "heldout"
DIRECTORIES = [CORPUS, HELDOUT]
PRECISIONS = {p.label: p.value for p in DatePrecision}
TOP_KEYS = {
    "states",
    "permit_decisions",
    "organizations",
    "transfers",
    "items",
    "non_decisions",
}
DECISION_KEYS = {
    "authority",
    "target",
    "action",
    "date",
    "date_precision",
    "date_from_publication",
    "scope_description",
    "quote",
}
NON_DECISION_REASONS = {
    "modal",
    "appeal",
    "rumour",
    "denied",
    "under_review",
    "headline",
    "clutter",
    "legal_challenge",
    "reaction",
    "not_a_permit",
    "characterisation",
    "no_target",
}


def _state_codes() -> set[str]:
    fixture = Path(settings.BASE_DIR) / "fixtures" / "states.json"
    records = json.loads(fixture.read_text(encoding="utf-8"))
    return {r["fields"]["code"] for r in records if r["model"] == "tracker.state"}


STATE_CODES = _state_codes()


def _texts(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.txt"))


def _cases() -> list[Path]:
    return [path for directory in DIRECTORIES for path in _texts(directory)]


def _labels(path: Path) -> dict:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def _case_id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


@pytest.mark.parametrize("directory", DIRECTORIES, ids=lambda d: d.name)
def test_every_text_has_labels_and_every_label_a_text(directory):
    texts = {p.stem for p in directory.glob("*.txt")}
    labels = {p.stem for p in directory.glob("*.json")}
    assert texts, f"{directory} holds no texts"
    assert texts == labels, (sorted(texts - labels), sorted(labels - texts))


@pytest.mark.parametrize("path", _cases(), ids=_case_id)
def test_header_parses_with_the_project_reader(path):
    article = read_article(path)
    assert article.title
    assert article.publisher
    assert article.published is not None
    assert article.body.strip()


def _check_date(record: dict, published, where: str) -> None:
    assert record["date_precision"] in PRECISIONS, where
    day = dt.date.fromisoformat(record["date"])
    precision = PRECISIONS[record["date_precision"]]
    assert is_aligned(day, precision), f"{where}: {day} is not the first day of its period"
    # Nothing an article reports can start after the period the article was published in.
    assert day <= period_end(published.date, published.precision), where


def _check_in_text(fragment: str, body: str, where: str) -> None:
    assert isinstance(fragment, str) and fragment, where
    assert fragment in body, f"{where}: {fragment!r} is not in the text"


@pytest.mark.parametrize("path", _cases(), ids=_case_id)
def test_labels_validate(path):
    labels = _labels(path)
    article = read_article(path)
    body = article.body
    heldout = path.parent == HELDOUT
    assert set(labels) <= TOP_KEYS, set(labels) - TOP_KEYS
    assert "states" in labels and "permit_decisions" in labels

    states = labels["states"]
    assert len(states) == len(set(states)), "a state is listed twice"
    assert set(states) <= STATE_CODES, set(states) - STATE_CODES

    organizations = labels.get("organizations", [])
    org_names = set()
    for org in organizations:
        name = org if isinstance(org, str) else org["name"]
        org_names.add(name)
        if heldout:
            assert isinstance(org, dict), f"{name}: held-back organisations carry a kind"
            assert org["kind"] in OrganizationKind.values, org
            assert set(org) <= {"name", "kind", "aliases"}, org
            for alias in org.get("aliases", []):
                _check_in_text(alias, body, f"alias of {name}")
        _check_in_text(name, body, "organisation")

    for item in labels.get("items", []):
        assert set(item) == {"name", "kind"}, item
        assert item["kind"] in ItemKind.values, item
        _check_in_text(item["name"], body, "item")

    for transfer in labels.get("transfers", []):
        assert transfer["supplier"] in states and transfer["recipient"] in states, transfer

    seen = set()
    for i, decision in enumerate(labels["permit_decisions"]):
        where = f"{path.name} decision {i}"
        assert set(decision) <= DECISION_KEYS, set(decision) - DECISION_KEYS
        authority = decision["authority"]
        if isinstance(authority, dict):
            assert set(authority) == {"organization"}, where
            assert authority["organization"] in org_names, f"{where}: authority not listed"
        else:
            assert authority in states, f"{where}: authority {authority} not in states"
        assert decision["target"] in states, f"{where}: target not in states"
        assert decision["action"] in PermitAction.values, where
        _check_date(decision, article.published, where)
        if decision.get("date_from_publication"):
            published = article.published
            assert decision["date"] == published.date.isoformat(), where
            assert PRECISIONS[decision["date_precision"]] == published.precision, where
        key = (json.dumps(authority), decision["target"], decision["action"], decision["date"])
        assert key not in seen, f"{where}: listed twice"
        seen.add(key)
        if heldout:
            _check_in_text(decision["quote"], body, where)
        if "scope_description" in decision:
            assert decision["scope_description"].strip(), where

    for trap in labels.get("non_decisions", []):
        assert set(trap) == {"quote", "reason"}, trap
        assert trap["reason"] in NON_DECISION_REASONS, trap
        _check_in_text(trap["quote"], body, f"{path.name} non-decision")


def test_heldout_half_is_large_enough():
    texts = _texts(HELDOUT)
    decisions = sum(len(_labels(p)["permit_decisions"]) for p in texts)
    assert len(texts) >= 32
    assert decisions >= 100
