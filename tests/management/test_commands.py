"""verify_evidence, quickstart and build_state_fixture, run as a user runs them."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from tracker.models import (
    Evidence,
    Integration,
    PermitDecision,
    State,
    StateAlias,
    Transfer,
)

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out, **kwargs)
    return out.getvalue()


def test_verify_evidence_passes_on_the_seed(seed):
    assert f"All {Evidence.objects.count()} evidence quotes match" in run("verify_evidence")


def test_verify_evidence_names_each_bad_record_and_fails(seed):
    bad = Evidence.objects.get(quote="The freeze was lifted in May.")
    Evidence.objects.filter(pk=bad.pk).update(quote="The freeze was raised in May.")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 29"):
        call_command("verify_evidence", stdout=out, stderr=out)
    assert bad.slug in out.getvalue()
    assert "does not occur verbatim" in out.getvalue()


def test_verify_evidence_detects_a_quote_moved_from_its_offset(seed):
    bad = Evidence.objects.get(quote="The freeze was lifted in May.")
    Evidence.objects.filter(pk=bad.pk).update(start=bad.start + 1, end=bad.end + 1)
    with pytest.raises(CommandError):
        run("verify_evidence")


def test_quickstart_twice_prepares_everything_once(monkeypatch):
    monkeypatch.delenv("TRACKER_DEMO_PASSWORD", raising=False)
    monkeypatch.setenv("TRACKER_DEMO_USERNAME", "demo")
    first = run("quickstart", "--no-serve")
    counts = (
        State.objects.count(),
        PermitDecision.objects.count(),
        Evidence.objects.count(),
        Transfer.objects.count(),
        Integration.objects.count(),
    )
    second = run("quickstart", "--no-serve")
    assert counts == (
        State.objects.count(),
        PermitDecision.objects.count(),
        Evidence.objects.count(),
        Transfer.objects.count(),
        Integration.objects.count(),
    )
    assert PermitDecision.objects.count() == 3
    user = get_user_model().objects.get(username="demo")
    assert user.is_staff and user.groups.filter(name="curators").exists()
    password = first.split("password '")[1].split("'")[0]
    assert user.check_password(password)
    assert "already exists" in second and password not in second


def test_quickstart_imports_the_shipped_sipri_extract_as_the_demo_curator(monkeypatch):
    """Every deal of the regional SIPRI extract becomes a transfer citing the release, verified by
    the demo curator unless inferred; a second run imports nothing new."""
    from tracker.services.imports.sipri import sipri_read

    monkeypatch.setenv("TRACKER_DEMO_USERNAME", "demo")
    (extract,) = Path(settings.FIXTURE_DIRS[0]).glob("sipri-*.csv")
    deals = sipri_read(extract).deals
    first = run("quickstart", "--no-serve")
    imported = Transfer.objects.filter(external_id__startswith="sipri:")
    assert imported.count() == len(deals)
    assert "(balanced)" in first
    demo = get_user_model().objects.get(username="demo")
    verified = imported.filter(review_state="verified")
    assert verified.exists() and set(verified.values_list("verified_by", flat=True)) == {demo.pk}
    assert Evidence.objects.filter(transfer__in=imported, source__publisher__startswith="SIPRI")
    assert Integration.objects.filter(review_state="draft").exists()
    second = run("quickstart", "--no-serve")
    assert f"imported 0 + unchanged {len(deals)}" in second


def test_quickstart_takes_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRACKER_DEMO_USERNAME", "ana")
    monkeypatch.setenv("TRACKER_DEMO_PASSWORD", "a-long-demo-password")
    output = run("quickstart", "--no-serve")
    assert "a-long-demo-password" not in output
    assert get_user_model().objects.get(username="ana").check_password("a-long-demo-password")


def test_build_state_fixture_reproduces_the_committed_file(tmp_path):
    """The committed states.json is exactly what the command generates (byte-stable)."""
    target = tmp_path / "states.json"
    run("build_state_fixture", "--output", str(target))
    committed = Path(settings.FIXTURE_DIRS[0]) / "states.json"
    assert target.read_bytes() == committed.read_bytes()


def test_state_fixture_covers_iso_historical_partial_and_aliases(reference):
    import pycountry

    assert State.objects.filter(status="current").count() == len(pycountry.countries)
    from tracker.reference_data import USER_ASSIGNED_STATES

    ended = sum(1 for polity in USER_ASSIGNED_STATES.values() if polity.ended)
    historical = len(pycountry.historic_countries) + ended
    assert State.objects.filter(status="historical").count() == historical
    assert State.objects.get(code="XK").status == "partially_recognised"
    assert State.objects.get(code="QQ").status == "partially_recognised"
    soviet = State.objects.get(code="SUHH")
    assert soviet.valid_until_precision is not None
    for alias, code in [("Azeri", "AZ"), ("Ottawa", "CA"), ("Turkish", "TR"), ("Baku", "AZ")]:
        assert StateAlias.objects.get(name=alias).state.code == code


def test_state_fixture_has_no_alias_twice_per_state():
    records = json.loads((Path(settings.FIXTURE_DIRS[0]) / "states.json").read_text())
    keys = [
        (r["fields"]["state"][0], r["fields"]["name"].casefold())
        for r in records
        if r["model"] == "tracker.statealias"
    ]
    assert len(keys) == len(set(keys))


def test_quickstart_again_keeps_curators_edits_and_deletions(tmp_path, settings, monkeypatch):
    """Re-running quickstart: a curator's edit survives (a conflict only when the fixture's value
    changed too), an untouched field takes the fixture's new value, a deleted record stays
    deleted."""
    import shutil

    from tests.factories import UserFactory
    from tracker.models import Organization, OrganizationAlias, TombstoneKind
    from tracker.services.records import record_update
    from tracker.services.tombstones import tombstone_record

    monkeypatch.setenv("TRACKER_DEMO_PASSWORD", "a-long-demo-password")
    fixtures = tmp_path / "fixtures"
    shutil.copytree(Path(settings.FIXTURE_DIRS[0]), fixtures)
    settings.FIXTURE_DIRS = [str(fixtures)]
    run("quickstart", "--no-serve")
    curator = UserFactory(username="ana", is_staff=True)
    nato = Organization.objects.get(slug="nato")
    record_update(instance=nato, data={"description": "curated text"}, many={}, user=curator)
    alias = OrganizationAlias.objects.first()
    tombstone_record(instance=alias, kind=TombstoneKind.DELETED, reason="wrong", user=curator)
    alias.delete()

    again = run("quickstart", "--no-serve")
    nato.refresh_from_db()
    assert nato.description == "curated text"
    assert "conflicts 0, skipped 1" in again and "Conflict" not in again
    assert not OrganizationAlias.objects.filter(pk=alias.pk).exists()

    seed = fixtures / "trtworld-2020-10-06.json"
    records = json.loads(seed.read_text(encoding="utf-8"))
    for record in records:
        if record["model"] == "tracker.organization" and record["fields"]["slug"] == "nato":
            record["fields"]["description"] = "the fixture's new text"
            record["fields"]["website"] = "https://www.nato.int/"
    seed.write_text(json.dumps(records), encoding="utf-8")
    third = run("quickstart", "--no-serve")
    nato.refresh_from_db()
    assert (nato.description, nato.website) == ("curated text", "https://www.nato.int/")
    assert "field 'description'" in third and "conflicts 1, skipped 1" in third
    assert OrganizationAlias.objects.count() == 1
