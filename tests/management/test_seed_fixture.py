"""The seed fixture is true to its article."""

import json
from pathlib import Path

import pytest
from django.conf import settings

from tracker.models import (
    Conflict,
    ConflictParticipant,
    Deployment,
    Evidence,
    Integration,
    Item,
    Organization,
    OrganizationRelation,
    PermitDecision,
    State,
    Transfer,
)

ARTICLE = (
    Path(settings.BASE_DIR).parent
    / "shared"
    / "articles"
    / "2020-10-06-trtworld-canada-suspends-drone-tech-turkey.txt"
)
SEED_PATH = Path(settings.FIXTURE_DIRS[0]) / "trtworld-2020-10-06.json"

pytestmark = pytest.mark.django_db


def article_body() -> str:
    if not ARTICLE.exists():
        pytest.skip(f"the shared article is not beside the project ({ARTICLE})")
    return ARTICLE.read_text(encoding="utf-8").split("\n\n", 1)[1]


def test_source_text_is_the_article_body():
    records = json.loads(SEED_PATH.read_text(encoding="utf-8"))
    source = next(r["fields"] for r in records if r["model"] == "tracker.source")
    assert source["text"] == article_body()


def test_every_quote_is_verbatim_in_the_article(seed):
    body = article_body()
    for evidence in Evidence.objects.all():
        assert body[evidence.start : evidence.end] == evidence.quote


def test_every_seed_fact_has_evidence(seed):
    for model in (
        Organization,
        OrganizationRelation,
        Item,
        Integration,
        Transfer,
        PermitDecision,
        Conflict,
        ConflictParticipant,
        Deployment,
    ):
        for record in model.objects.all():
            assert record.evidence.exists(), f"{model.__name__} {record} has no evidence"
    for code in ("CA", "TR", "AZ", "AM", "YE", "SY"):
        assert State.objects.get(code=code).evidence.exists()


def test_seed_dates_keep_their_precision(seed):
    freeze = PermitDecision.objects.get(slug="ca-freeze-tr-2019-10")
    lift = PermitDecision.objects.get(slug="ca-lift-tr-2020-05")
    suspension = PermitDecision.objects.get(slug="ca-suspend-tr-2020-10-05")
    assert freeze.partial_display("announced_date") == "2019-10"
    assert lift.partial_display("effective_date") == "2020-05"
    assert lift.ends == freeze
    assert suspension.partial_display("announced_date") == "2020-10-05"
    assert {d.review_state for d in PermitDecision.objects.all()} == {"verified"}


def test_seed_names_no_drone_model(seed):
    drones = Item.objects.get(slug="turkish-drones")
    assert drones.manufacturer is None
    assert "model not named" in drones.name
    assert Item.objects.filter(kind="platform").count() == 1


def test_integration_and_deployment_are_alleged_per_ploughshares(seed):
    integration_claims = set(
        Evidence.objects.filter(integration__isnull=False).values_list("claim_status", flat=True)
    )
    assert integration_claims == {"alleged"}
    deployment_claims = set(
        Evidence.objects.filter(deployment__isnull=False).values_list("claim_status", flat=True)
    )
    assert deployment_claims == {"alleged", "reported"}
