"""Drafting facts from articles: reading, dates, extraction, storing, matching."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tracker.models import Evidence, PermitDecision, Source
from tracker.services.ingest.extract import resolve_date
from tracker.services.ingest.reading import IngestError, decode, parse, read_article

CORPUS = Path(__file__).resolve().parent.parent / "ingest_corpus"
SEED_ARTICLE = (
    Path(settings.BASE_DIR).parent
    / "shared"
    / "articles"
    / "2020-10-06-trtworld-canada-suspends-drone-tech-turkey.txt"
)
TUESDAY = dt.date(2020, 10, 6)


@pytest.fixture
def states(db):
    call_command("loaddata", "states", verbosity=0)


def write(tmp_path, name, content: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def ingest(*args) -> str:
    out = io.StringIO()
    call_command("ingest_article", *args, stdout=out)
    return out.getvalue()


ARTICLE = (
    "title: Ottawa halts drone parts\npublisher: Test Wire\ndate: 2020-10-06\n"
    "url: https://example.org/a\n\n"
    "Canada suspended exports of drone sensors to Turkey on Monday, the minister said.\n"
)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("It was announced on Monday.", (dt.date(2020, 10, 5), 3)),
        ("The ministry said on Tuesday.", (TUESDAY, 3)),
        ("Ottawa announced in October 2019 a freeze.", (dt.date(2019, 10, 1), 2)),
        ("The freeze was lifted in May.", (dt.date(2020, 5, 1), 2)),
        ("It ended in November.", (dt.date(2019, 11, 1), 2)),
        ("It was denied on 3 March 2021.", (dt.date(2021, 3, 3), 3)),
        ("It was approved March 3.", (dt.date(2020, 3, 3), 3)),
        ("Licences were cancelled in 2019.", (dt.date(2019, 1, 1), 1)),
        ("No date is given.", (None, None)),
    ],
)
def test_dates_resolve_against_publication_with_honest_precision(sentence, expected):
    assert resolve_date(sentence, TUESDAY) == expected


def test_reading_refuses_bad_input_clearly(tmp_path):
    with pytest.raises(IngestError, match="empty"):
        read_article(write(tmp_path, "empty.txt", b"  \n"))
    with pytest.raises(IngestError, match="binary"):
        read_article(write(tmp_path, "bin.txt", b"\x89PNG\x00\x00\x01"))
    with pytest.raises(IngestError, match="not UTF-8"):
        read_article(write(tmp_path, "latin.txt", "Türkiye froze exports.".encode("latin-1")))
    with pytest.raises(IngestError, match="header date"):
        read_article(write(tmp_path, "date.txt", "title: x\ndate: 2020-13-01\n\nText."))


def test_utf16_with_a_byte_order_mark_is_read():
    text = decode("title: x\n\nAnkara said.".encode("utf-16"), "x")
    assert parse(text).body == "Ankara said."


def test_a_several_megabyte_article_is_read_whole(tmp_path, states):
    body = ("Canada suspended exports of drone sensors to Turkey on Monday. " * 50 + "\n") * 700
    path = write(tmp_path, "big.txt", "date: 2020-10-06\n\n" + body)
    assert Path(path).stat().st_size > 2_000_000
    ingest(path, "--url", "https://example.org/big")
    assert PermitDecision.objects.count() == 1
    assert Source.objects.get().text == parse(Path(path).read_text()).body


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01binary", "caf\u00e9".encode("latin-1"), b"date: 20-20\n\nText."],
    ids=["empty", "binary", "latin-1", "bad-date"],
)
def test_bad_files_write_nothing(tmp_path, states, content):
    with pytest.raises(CommandError):
        ingest(write(tmp_path, "bad.txt", content))
    assert not Source.objects.exists() and not Evidence.objects.exists()


def test_dry_run_prints_what_would_be_stored_and_writes_nothing(tmp_path, states):
    import json

    out = ingest(write(tmp_path, "a.txt", ARTICLE), "--dry-run", "--format", "json")
    report = json.loads(out)
    assert set(report) >= {
        "states",
        "organizations",
        "items",
        "permit_decisions",
        "transfers",
        "integrations",
        "deployments",
        "not_stored",
    }
    (decision,) = report["permit_decisions"]
    assert {
        k: decision[k]
        for k in ("authority", "target", "action", "date", "date_precision", "slug", "outcome")
    } == {
        "authority": "CA",
        "target": "TR",
        "action": "suspend",
        "date": "2020-10-05",
        "date_precision": "day",
        "slug": "ca-suspend-tr-2020-10-05",
        "outcome": "drafted",
    }
    (quote,) = decision["evidence"]
    text = parse(ARTICLE).body
    assert text[quote["start"] : quote["end"]] == quote["quote"]
    assert quote["claim_status"] == "reported"
    assert not Source.objects.exists()


def test_ingesting_twice_stores_one_source_and_no_duplicates(tmp_path, states):
    path = write(tmp_path, "a.txt", ARTICLE)
    ingest(path)
    counts = (Source.objects.count(), PermitDecision.objects.count(), Evidence.objects.count())
    ingest(path)
    assert (
        Source.objects.count(),
        PermitDecision.objects.count(),
        Evidence.objects.count(),
    ) == counts
    assert counts[:2] == (1, 1)
    assert PermitDecision.objects.get().review_state == "draft"


def test_two_outlets_make_one_decision_with_two_pieces_of_evidence(tmp_path, states):
    ingest(write(tmp_path, "a.txt", ARTICLE))
    other = (
        "title: Canada acts\npublisher: Other Wire\ndate: 2020-10-07\n"
        "url: https://example.org/b\n\n"
        "Ottawa has suspended some exports of drone technology to Ankara, officials said "
        "on Monday.\n"
    )
    ingest(write(tmp_path, "b.txt", other))
    decision = PermitDecision.objects.get()
    assert decision.evidence.values("source").distinct().count() == 2


def test_a_verified_record_is_never_overwritten(tmp_path, states):
    ingest(write(tmp_path, "a.txt", ARTICLE))
    decision = PermitDecision.objects.get()
    PermitDecision.objects.filter(pk=decision.pk).update(
        review_state="verified",
        verified_at=dt.datetime(2020, 11, 1, tzinfo=dt.UTC),
        scope_description="checked by a curator",
    )
    other = ARTICLE.replace("https://example.org/a", "https://example.org/c").replace(
        "the minister said", "the foreign minister told reporters"
    )
    ingest(write(tmp_path, "c.txt", other))
    decision.refresh_from_db()
    assert (decision.review_state, decision.scope_description) == (
        "verified",
        "checked by a curator",
    )
    assert decision.evidence.count() == 2


def test_a_company_acting_alone_is_its_own_decision_and_a_denied_rumour_is_none(tmp_path, states):
    """A company halting its own deliveries is a decision whose authority is the company, never
    a state; a halt the authority denies is no decision at all."""
    text = (
        "date: 2019-03-06\n\n"
        "Rheinmetall said on Wednesday it had halted deliveries to Saudi Arabia.\n"
        "Ankara denied reports that it had suspended arms exports to Azerbaijan.\n"
    )
    out = ingest(write(tmp_path, "c.txt", text), "--dry-run", "--format", "json")
    found = [
        (d["authority"], d["target"], d["action"], d["date"])
        for d in json.loads(out)["permit_decisions"]
    ]
    assert found == [({"organization": "Rheinmetall"}, "SA", "suspend", "2019-03-06")]


@pytest.mark.skipif(not SEED_ARTICLE.exists(), reason="shared article not beside the project")
def test_the_seed_article_drafts_the_curated_decisions(states):
    ingest(str(SEED_ARTICLE))
    slugs = set(PermitDecision.objects.values_list("slug", flat=True))
    assert slugs == {"ca-freeze-tr-2019-10", "ca-lift-tr-2020-05", "ca-suspend-tr-2020-10-05"}
    lift = PermitDecision.objects.get(slug="ca-lift-tr-2020-05")
    assert lift.ends.slug == "ca-freeze-tr-2019-10"
    assert not PermitDecision.objects.exclude(review_state="draft").exists()


def test_evaluation_on_the_labelled_set_meets_the_targets(states):
    from tracker.services.ingest.evaluate import evaluate_corpus

    scores, count = evaluate_corpus(CORPUS)
    assert count >= 15
    assert scores["states"].recall >= 0.95
    assert scores["permit_decisions"].recall >= 0.8
    assert scores["permit_decisions"].precision >= 0.8


def test_evaluate_ingest_prints_precision_and_recall_per_kind(states):
    out = io.StringIO()
    call_command("evaluate_ingest", str(CORPUS), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("articles")
    assert [line.split()[0] for line in lines[2:]] == [
        "states",
        "permit_decisions",
        "decisions_without_date",
        "organizations",
        "items",
        "transfers",
    ]


def test_evaluation_scores_company_decisions_and_items_by_name(tmp_path, states):
    """A company's decision is labelled with its organisation as authority and never matches a
    state's decision; items are scored by name, whatever their case."""
    from tracker.services.ingest.evaluate import evaluate_corpus

    (tmp_path / "a.txt").write_text(
        "date: 2020-10-06\n\nCanada suspended export permits for drone technology to Turkey "
        "on Monday. Rotax halted deliveries of its 912 engines to Turkey, the company said.\n",
        encoding="utf-8",
    )
    decision = {"target": "TR", "action": "suspend", "date": "2020-10-05", "date_precision": "day"}
    labels = {
        "states": ["CA", "TR"],
        "permit_decisions": [
            {"authority": "CA", **decision},
            {"authority": {"organization": "Rotax"}, **decision, "date": "2020-10-06"},
        ],
        "items": [{"name": "ROTAX 912", "kind": "component"}],
    }
    (tmp_path / "a.json").write_text(json.dumps(labels), encoding="utf-8")
    scores, count = evaluate_corpus(tmp_path)
    assert count == 1
    without_date = scores["decisions_without_date"]
    assert without_date.tp + without_date.fn == 2  # the company's act is a decision of its own
    assert scores["items"].fn + scores["items"].tp == 1


def test_corpus_article_goes_from_ingest_to_review_to_export_to_another_database(tmp_path, states):
    """ingest -> accept in review -> export -> flush -> loaddata reproduces the facts."""
    from tracker.models import State
    from tracker.services.review import draft_accept

    ingest(str(CORPUS / "02-freeze-month-year.txt"), "--url", "https://example.org/norway")
    source = Source.objects.get()
    curator = None
    decision = PermitDecision.objects.get()
    draft_accept(fact=decision, source=source, user=curator)
    for code in ("NO", "TR"):
        draft_accept(fact=State.objects.get(code=code), source=source, user=curator)
    Source.objects.filter(pk=source.pk).update(
        review_state="verified", verified_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    path = tmp_path / "norway.json"
    call_command(
        "export_fixture",
        "--source",
        "https://example.org/norway",
        "--output",
        str(path),
        stdout=io.StringIO(),
    )
    if connection.vendor == "postgresql":
        # Fire the deferred foreign-key checks of this transaction, or TRUNCATE refuses to run.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    call_command("loaddata", "states", str(path), verbosity=0)
    loaded = PermitDecision.objects.get()
    assert (loaded.slug, loaded.review_state) == ("no-freeze-tr-2019-10", "verified")
    assert loaded.evidence.get().quote.startswith("Norway froze new export licences")


GERMANY_LIFT = (
    "title: Berlin eases\npublisher: Test Wire\ndate: 2020-06-02\n"
    "url: https://example.org/lift\n\n"
    "Germany lifted its ban on arms sales to Turkey in May 2020.\n"
)


def test_a_lift_of_an_unknown_decision_is_drafted_with_a_note(tmp_path, states):
    """No earlier German decision toward Turkey is recorded: the lift is drafted without `ends`
    and its reason tells the curator to find it before verifying (no traceback)."""
    out = ingest(write(tmp_path, "lift.txt", GERMANY_LIFT))
    lift = PermitDecision.objects.get(authority__code="DE", target_state__code="TR")
    assert (lift.action, lift.ends, lift.review_state) == ("lift", None, "draft")
    assert "set 'ends' before verifying" in lift.reason
    assert lift.evidence.get().quote.startswith("Germany lifted its ban")
    assert "permit_decisions" in out


def _reject_as_a_curator(instance) -> None:
    """What the review queue does on reject: a tombstone, then the record goes."""
    from tracker.models import TombstoneKind
    from tracker.services.tombstones import tombstone_record

    tombstone_record(instance=instance, kind=TombstoneKind.REJECTED, reason="misread")
    instance.delete()


def test_reingesting_does_not_bring_back_a_rejected_quote(tmp_path, states):
    path = write(tmp_path, "a.txt", ARTICLE)
    ingest(path)
    decision = PermitDecision.objects.get()
    keep = decision.evidence.get()
    _reject_as_a_curator(keep)
    out = ingest(path)
    assert not Evidence.objects.filter(permit_decision=decision).exists()
    assert "tracker.evidence" in out and keep.slug in out


def test_reingesting_does_not_bring_back_a_rejected_draft_fact(tmp_path, states):
    path = write(tmp_path, "a.txt", ARTICLE)
    ingest(path)
    decision = PermitDecision.objects.get()
    slug = decision.slug
    for quote in decision.evidence.all():
        _reject_as_a_curator(quote)
    _reject_as_a_curator(decision)
    ingest(path)
    assert not PermitDecision.objects.filter(slug=slug).exists()
    assert not Evidence.objects.filter(permit_decision__slug=slug).exists()


def test_a_drafted_publication_date_matches_only_a_date_from_publication_label(tmp_path, states):
    """An undated decision is scored as it is stored: the publication date, flagged; it matches
    a ``date_from_publication`` label and not a label with the same date given by the text."""
    from tracker.services.ingest.evaluate import evaluate_corpus

    text = "date: 2020-10-06\n\nCanada suspended export permits for drone technology to Turkey.\n"
    decision = {"authority": "CA", "target": "TR", "action": "suspend", "date": "2020-10-06"}
    for name, flag in (("flagged", True), ("dated", False)):
        directory = tmp_path / name
        directory.mkdir()
        (directory / "a.txt").write_text(text, encoding="utf-8")
        label = {**decision, "date_precision": "day", "date_from_publication": flag}
        (directory / "a.json").write_text(
            json.dumps({"states": ["CA", "TR"], "permit_decisions": [label]}), encoding="utf-8"
        )
    flagged, _ = evaluate_corpus(tmp_path / "flagged")
    dated, _ = evaluate_corpus(tmp_path / "dated")
    assert (flagged["permit_decisions"].tp, dated["permit_decisions"].tp) == (1, 0)

    out = io.StringIO()
    call_command("evaluate_ingest", str(tmp_path / "flagged"), str(tmp_path / "dated"), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"== {tmp_path / 'flagged'}"
    assert f"== {tmp_path / 'dated'}" in lines
    assert sum(line.startswith("permit_decisions") for line in lines) == 2
