"""export_ftm: the seed article as FollowTheMoney entities, one valid JSON object per line,
the same ids every time and after a reload, drafts only when asked."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests import factories as f
from tests.selectors.test_ftm import by_id, of_schema, problems
from tracker.models import Item, Organization, PermitDecision, Transfer
from tracker.selectors.ftm import decision_id, organization_id, state_id

pytestmark = pytest.mark.django_db
URL = "https://www.trtworld.com/article/12752859"


def run(*args) -> str:
    out = io.StringIO()
    call_command("export_ftm", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def entities(*args) -> list[dict]:
    return [json.loads(line) for line in run(*args).splitlines()]


def test_every_line_is_a_json_entity_the_ftm_model_validates(seed):
    text = run()
    assert text.endswith("\n")
    lines = text.splitlines()
    exported = [json.loads(line) for line in lines]  # each line is one JSON object
    assert len(exported) == len(lines) > 250
    assert problems(exported) == []
    schemas = {e["schema"] for e in exported}
    assert {"PublicBody", "Company", "Organization", "Ownership", "Asset", "Contract"} <= schemas
    assert {"ContractAward", "Sanction", "Article", "Documentation", "UnknownLink"} <= schemas
    assert "Event" in schemas
    (article,) = of_schema(exported, "Article")
    assert article["properties"]["sourceUrl"] == [URL]
    assert article["properties"]["publishedAt"] == ["2020-10-06"]
    assert "L3Harris Wescam" in article["properties"]["bodyText"][0]


def test_the_freeze_and_its_lift_are_one_sanction_ending_when_lifted(seed):
    exported = by_id(entities())
    freeze = exported[decision_id("ca-freeze-tr-2019-10")]
    assert freeze["schema"] == "Sanction"
    assert freeze["properties"]["entity"] == [state_id("TR")]
    assert freeze["properties"]["authority"] == ["Canada"]
    assert freeze["properties"]["startDate"] == ["2019-10"]
    assert freeze["properties"]["endDate"] == ["2020-05"]
    assert freeze["properties"]["reason"] == [
        "After Ankara launched military operations in northern Syria."
    ]
    assert any("lifted in May" in quote for quote in freeze["properties"]["summary"])
    assert decision_id("ca-lift-tr-2020-05") not in exported, "a lift is never a Sanction"
    suspension = exported[decision_id("ca-suspend-tr-2020-10-05")]["properties"]
    assert suspension["startDate"] == ["2020-10-05"] and "endDate" not in suspension
    assert "some drone technology" in suspension["provisions"][0]
    assert len(of_schema(list(exported.values()), "Sanction")) == 2


def test_the_ownership_link_and_the_quotes_on_things(seed):
    exported = entities()
    (ownership,) = of_schema(exported, "Ownership")
    assert ownership["properties"]["owner"] == [organization_id("l3harris-technologies")]
    assert ownership["properties"]["asset"] == [organization_id("l3harris-wescam")]
    (article,) = of_schema(exported, "Article")
    documented = {
        entity
        for d in of_schema(exported, "Documentation")
        for entity in d["properties"]["entity"]
        if d["properties"]["document"] == [article["id"]]
    }
    assert organization_id("l3harris-wescam") in documented
    assert state_id("TR") in documented


def test_two_exports_are_identical_and_a_reload_keeps_every_id(seed, tmp_path):
    first = run()
    assert run() == first
    keys = {
        model: dict(model.objects.values_list("slug", "pk"))
        for model in (Organization, PermitDecision, Item, Transfer)
    }
    call_command("flush", interactive=False, verbosity=0)
    # Drafts made first take the database ids the seed had (they stay out of the export).
    for _ in range(3):
        f.TransferFactory()
        f.PermitDecisionFactory()
    call_command(
        "loaddata", "states", "control_list_categories", "trtworld-2020-10-06", verbosity=0
    )
    for model, before in keys.items():
        after = dict(model.objects.filter(slug__in=before).values_list("slug", "pk"))
        assert after.keys() == before.keys() and not set(after.items()) & set(before.items())
    assert run() == first, "database ids changed; entity ids and content did not"


def test_drafts_stay_out_unless_include_drafts(seed):
    PermitDecision.objects.filter(slug="ca-lift-tr-2020-05").update(
        review_state="draft", verified_at=None
    )
    Organization.objects.filter(slug="project-ploughshares").update(
        review_state="draft", verified_at=None
    )
    public = entities()
    assert problems(public) == []
    found = by_id(public)
    freeze = found[decision_id("ca-freeze-tr-2019-10")]["properties"]
    assert "endDate" not in freeze, "a draft lift does not end a public sanction"
    assert not any("lifted in May" in quote for quote in freeze["summary"])
    assert organization_id("project-ploughshares") not in found
    assert 'Plough shares"' not in json.dumps(public)

    everything = entities("--include-drafts")
    assert problems(everything) == []
    found = by_id(everything)
    assert found[decision_id("ca-freeze-tr-2019-10")]["properties"]["endDate"] == ["2020-05"]
    assert organization_id("project-ploughshares") in found


def test_output_goes_to_a_file(seed, tmp_path):
    path = tmp_path / "ftm.jsonl"
    err = io.StringIO()
    call_command("export_ftm", "--output", str(path), stdout=io.StringIO(), stderr=err)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert f"Wrote {len(lines)} entities to {path}" in err.getvalue()
    assert lines == run().splitlines()


def test_an_unwritable_output_is_an_error_naming_it(reference, tmp_path):
    with pytest.raises(CommandError, match="--output"):
        call_command("export_ftm", "--output", str(tmp_path / "no-such-dir" / "x.jsonl"))


def test_conflicts_their_parties_and_the_drones_used_in_them(seed):
    exported = entities()
    events = {e["properties"]["name"][0]: e["id"] for e in of_schema(exported, "Event")}
    links = [e["properties"] for e in of_schema(exported, "UnknownLink")]
    used = [link for link in links if link["role"][0].startswith("used in")]
    assert used and all(link["subject"] == [state_id("AZ")] for link in used)
    parties = [link for link in links if link.get("object", [None])[0] in events.values()]
    assert {state_id("AZ"), state_id("AM")} <= {s for link in parties for s in link["subject"]}
    assert all(link.get("proof") for link in used + parties), "each carries its source"


def test_a_text_longer_than_ftm_keeps_stops_the_export_and_leaves_no_file(
    seed, tmp_path, monkeypatch
):
    """FtM silently drops text past 30 MB per entity; the export refuses instead of cutting.
    (The limit is lowered here: a 30 MB article is not cheap to store in a test.)"""
    from types import SimpleNamespace

    from tracker.selectors.ftm import documents

    monkeypatch.setattr(documents, "TEXT_TYPE", SimpleNamespace(total_size=1000))
    path = tmp_path / "ftm.jsonl"
    with pytest.raises(CommandError, match=f"Source {URL}: its text is longer"):
        call_command("export_ftm", "--output", str(path), stderr=io.StringIO())
    assert not path.exists() and not (tmp_path / "ftm.jsonl.part").exists()
