"""export_fixture: the seed article's facts round-trip through a fixture; drafts stay out."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.management.test_loaddata import dump
from tracker.models import Evidence, PermitDecision

pytestmark = pytest.mark.django_db
URL = "https://www.trtworld.com/article/12752859"


def record_key(record: dict) -> tuple[str, str]:
    """A record by its content, whatever order or primary key it was loaded with."""
    return record["model"], json.dumps(record["fields"], sort_keys=True)


def test_export_reproduces_the_curated_seed_fixture(seed, tmp_path):
    before = dump()
    path = tmp_path / "export.json"
    call_command("export_fixture", "--source", URL, "--output", str(path), stdout=io.StringIO())
    exported = json.loads(path.read_text())
    curated = json.loads((Path(settings.FIXTURE_DIRS[0]) / "trtworld-2020-10-06.json").read_text())
    assert sorted(map(record_key, exported)) == sorted(map(record_key, curated))
    call_command("flush", interactive=False, verbosity=0)
    call_command("loaddata", "states", "control_list_categories", str(path), verbosity=0)
    assert sorted(map(record_key, dump())) == sorted(map(record_key, before))


def test_drafts_are_not_exported(seed, tmp_path):
    PermitDecision.objects.filter(slug="ca-lift-tr-2020-05").update(
        review_state="draft", verified_at=None
    )
    path = tmp_path / "export.json"
    call_command("export_fixture", "--source", URL, "--output", str(path), stdout=io.StringIO())
    slugs = {r["fields"].get("slug") for r in json.loads(path.read_text())}
    assert "ca-lift-tr-2020-05" not in slugs
    assert not any(s and s.startswith("permit_decision-ca-lift") for s in slugs), (
        "evidence of a draft fact must stay out"
    )
    assert Evidence.objects.filter(permit_decision__slug="ca-lift-tr-2020-05").exists()


def test_unknown_source_is_an_error(seed):
    with pytest.raises(CommandError, match="no-such"):
        call_command("export_fixture", "--source", "no-such", stdout=io.StringIO())
