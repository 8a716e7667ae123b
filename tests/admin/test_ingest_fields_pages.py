"""The admin pages of the records ingest writes, clicked as a curator would: a company's own
permit decision (no state authority), evidence attributed to a speaker, a source with its
retrieval time, and a proposal beside a similar decision in the review queue."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tracker import models
from tracker.choices import DecisionAuthority

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def url(model, view, *args, query=""):
    name = f"admin:tracker_{model._meta.model_name}_{view}"
    return reverse(name, args=args) + query


def company_decision(**fields):
    return f.PermitDecisionFactory(
        authority=None,
        authority_kind=DecisionAuthority.ORGANIZATION,
        authority_organization=f.OrganizationFactory(name="Haltmaker Industries"),
        **fields,
    )


def test_company_decision_pages(curator_client):
    decision = company_decision(date_from_publication=True)
    source = f.SourceFactory(
        text="Haltmaker said it halted deliveries.", retrieved_at=timezone.now()
    )
    evidence = f.EvidenceFactory(
        transfer=None,
        permit_decision=decision,
        source=source,
        quote="it halted deliveries",
        attributed_to="Haltmaker",
    )
    pages = [
        url(models.PermitDecision, "changelist"),
        url(models.PermitDecision, "changelist", query="?q=Haltmaker"),
        url(models.PermitDecision, "changelist", query="?authority_kind__exact=organization"),
        url(models.PermitDecision, "changelist", query="?date_from_publication__exact=1"),
        url(models.PermitDecision, "change", decision.pk),
        url(models.PermitDecision, "history", decision.pk),
        url(models.PermitDecision, "delete", decision.pk),
        url(models.Evidence, "changelist"),
        url(models.Evidence, "change", evidence.pk),
        url(models.Source, "changelist"),
        url(models.Source, "change", source.pk),
        reverse("admin:tracker_source_review", args=[source.pk]),
    ]
    for page in pages:
        response = curator_client.get(page)
        assert response.status_code == 200, (page, response.content[:300])
    listing = curator_client.get(pages[1]).content.decode()
    assert "Haltmaker Industries" in listing
    review = curator_client.get(pages[-1]).content.decode()
    assert "Haltmaker" in review


def test_a_proposal_beside_a_similar_decision_in_the_review_queue(curator_client):
    """Two company decisions of the same parties and action (a proposal beside the first):
    both pages and the review page of the proposal's source render."""
    first = company_decision(effective_date=dt.date(2020, 1, 1))
    proposal = f.PermitDecisionFactory(
        authority=None,
        authority_kind=DecisionAuthority.ORGANIZATION,
        authority_organization=first.authority_organization,
        target_state=first.target_state,
        action=first.action,
        effective_date=dt.date(2021, 6, 1),
        reason="Drafted from the article. Possibly the same as " + first.slug,
    )
    source = f.SourceFactory(text="The company stopped shipments.")
    f.EvidenceFactory(
        transfer=None, permit_decision=proposal, source=source, quote="stopped shipments"
    )
    for page in (
        url(models.PermitDecision, "change", first.pk),
        url(models.PermitDecision, "change", proposal.pk),
        reverse("admin:tracker_source_review", args=[source.pk]),
    ):
        response = curator_client.get(page)
        assert response.status_code == 200, (page, response.content[:300])
