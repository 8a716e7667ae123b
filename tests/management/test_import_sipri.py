"""``manage.py import_sipri``: options, the text and JSON summaries, errors that write nothing."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import UserFactory
from tracker.models import Source, Transfer

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data" / "sipri"
CLASSIC = DATA / "classic-extract.csv"


def run(*args) -> str:
    out = StringIO()
    call_command("import_sipri", *map(str, args), stdout=out)
    return out.getvalue()


def test_text_summary_balances_and_names_rejected_lines():
    """The text summary prints the balance, the counts, repaired and rejected rows."""
    UserFactory(username="alice")
    out = run(CLASSIC, "--verified-by", "alice")
    assert "deals read 67 = imported 60 + unchanged 0 + reported 7 (balanced)" in out
    assert "transfers: 60 created" in out
    assert "rows repaired (broken across lines): 2 (lines 58+59, 69+70)" in out
    assert "rejected: line 75: Number ordered '12a': not a whole number" in out
    assert Transfer.objects.filter(review_state="verified").exists()


def test_json_summary_and_second_run_unchanged():
    """--format json gives the same figures as data; a second run reports all unchanged."""
    first = json.loads(run(CLASSIC, "--draft", "--format", "json"))
    assert first["balanced"] and first["deals_read"] == 67 and first["imported"] == 60
    assert first["rejected"][0].startswith("line 75:")
    second = json.loads(run(CLASSIC, "--draft", "--format", "json"))
    assert (second["imported"], second["unchanged"], second["reported"]) == (0, 60, 7)
    assert not Transfer.objects.filter(review_state="verified").exists()


def test_dry_run_reports_and_writes_nothing():
    """--dry-run prints the figures of a real run and leaves the database as it was."""
    out = json.loads(run(CLASSIC, "--draft", "--dry-run", "--format", "json"))
    assert out["dry_run"] and out["transfers_created"] == 60
    assert not Transfer.objects.exists() and not Source.objects.exists()


def test_review_choice_is_required_and_the_user_must_exist():
    """One of --verified-by and --draft is required; an unknown user is named."""
    with pytest.raises(CommandError, match="verified-by|draft"):
        run(CLASSIC)
    with pytest.raises(CommandError, match="no user 'nobody'"):
        run(CLASSIC, "--verified-by", "nobody")
    with pytest.raises(CommandError, match="no such file"):
        run(DATA / "missing.csv", "--draft")


def test_unknown_name_stops_with_line_and_value(tmp_path):
    """An unknown name stops the import (nothing written) unless --create-unknown."""
    path = tmp_path / "extract.csv"
    path.write_bytes(
        CLASSIC.read_bytes()
        + b"Atlantis,France,1999,,12,,Mirage-2000,FGA aircraft,12,,2001,New,,20,240,240\n"
    )
    with pytest.raises(CommandError, match=r"line 82 \(Recipient\): 'Atlantis'"):
        run(path, "--draft")
    assert not Transfer.objects.exists()
    out = run(path, "--draft", "--create-unknown")
    assert "imported 61" in out


def test_the_command_leaves_system_checks_to_manage_py_check():
    """Django's system checks look at the configuration, not the file, and cost a third of the
    import's time budget: the command does not run them (``manage.py check`` does)."""
    from tracker.management.commands.import_sipri import Command

    assert Command.requires_system_checks == []
