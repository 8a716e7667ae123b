"""Curators verify and return records to draft through the API with the admin's rule; withdrawn
public records answer 410 Gone with when and why."""

import pytest
from rest_framework.test import APIClient

from tests import factories as f
from tracker import models
from tracker.services.verification import plan_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_api(curator):
    client = APIClient()
    client.force_authenticate(curator)
    return client


@pytest.fixture
def anonymous():
    return APIClient()


def test_verify_makes_the_fact_its_quote_and_source_public(curator_api, anonymous):
    evidence = f.EvidenceFactory()
    transfer = evidence.transfer
    response = curator_api.post(f"/api/transfers/{transfer.pk}/verify/")
    assert response.status_code == 200, response.content
    kinds = {entry["kind"] for entry in response.json()["verified"]}
    assert {"transfer", "evidence", "source", "state", "item"} <= kinds
    public = anonymous.get(f"/api/transfers/{transfer.pk}/")
    assert public.status_code == 200
    assert [e["quote"] for e in public.json()["evidence"]] == [evidence.quote]
    assert anonymous.get(f"/api/sources/{evidence.source_id}/").status_code == 200


def test_dry_run_lists_the_plan_and_changes_nothing(curator_api):
    evidence = f.EvidenceFactory()
    response = curator_api.post(f"/api/transfers/{evidence.transfer_id}/verify/?dry_run=1")
    assert response.status_code == 200 and response.json()["dry_run"] is True
    assert len(response.json()["verified"]) >= 3
    assert not models.Transfer.objects.filter(review_state="verified").exists()


def test_verifying_a_fact_without_evidence_answers_400_with_the_problem(curator_api):
    transfer = f.TransferFactory()
    response = curator_api.post(f"/api/transfers/{transfer.pk}/verify/")
    assert response.status_code == 400
    assert "no evidence" in response.json()["problems"][0]
    assert not models.State.objects.filter(review_state="verified").exists()


def test_only_curators_verify(anonymous):
    evidence = f.EvidenceFactory()
    plan_verify(records=[evidence.transfer], user=None)
    assert anonymous.post(f"/api/transfers/{evidence.transfer_id}/verify/").status_code in (
        401,
        403,
    )
    assert anonymous.post(
        f"/api/transfers/{evidence.transfer_id}/return-to-draft/"
    ).status_code in (401, 403)
    assert anonymous.delete(f"/api/transfers/{evidence.transfer_id}/").status_code in (401, 403)


def test_return_to_draft_lists_dependents_with_409_then_cascades(curator_api, anonymous):
    evidence = f.EvidenceFactory()
    transfer = evidence.transfer
    plan_verify(records=[transfer], user=None)
    item = transfer.item
    route = "platforms"
    response = curator_api.post(f"/api/{route}/{item.slug}/return-to-draft/")
    assert response.status_code == 409
    dependents = {(d["kind"], d["id"]) for d in response.json()["dependents"]}
    assert ("transfer", transfer.pk) in dependents
    item.refresh_from_db()
    assert item.review_state == "verified"
    response = curator_api.post(f"/api/{route}/{item.slug}/return-to-draft/?cascade=1")
    assert response.status_code == 200 and response.json()["returned_to_draft"] >= 3
    gone = anonymous.get(f"/api/transfers/{transfer.pk}/")
    assert gone.status_code == 410
    body = gone.json()
    assert set(body) == {"detail", "withdrawn_at", "reason"}
    assert "returned to draft" in body["reason"] and "curator" not in str(body)
    assert anonymous.get(f"/api/{route}/{item.slug}/").status_code == 410
    assert curator_api.get(f"/api/transfers/{transfer.pk}/").status_code == 200


def test_a_deleted_public_record_answers_410_and_a_never_public_draft_404(curator_api, anonymous):
    public = f.ConflictFactory()
    plan_verify(records=[public], user=None)
    draft = f.ConflictFactory()
    assert curator_api.delete(f"/api/conflicts/{public.slug}/").status_code == 204
    assert curator_api.delete(f"/api/conflicts/{draft.slug}/").status_code == 204
    assert anonymous.get(f"/api/conflicts/{public.slug}/").status_code == 410
    assert curator_api.get(f"/api/conflicts/{public.slug}/").status_code == 410
    assert anonymous.get(f"/api/conflicts/{draft.slug}/").status_code == 404
    assert anonymous.get("/api/conflicts/never-existed/").status_code == 404


def test_a_state_returned_to_draft_answers_410_by_its_code(curator_api, anonymous):
    state = f.StateFactory()
    plan_verify(records=[state], user=None)
    assert curator_api.post(f"/api/states/{state.code}/return-to-draft/").status_code == 200
    assert anonymous.get(f"/api/states/{state.code}/").status_code == 410
    assert curator_api.post(f"/api/states/{state.code}/verify/").status_code == 200
    assert anonymous.get(f"/api/states/{state.code}/").status_code == 200


def test_deleting_the_quote_a_public_fact_rests_on_answers_409_until_cascaded(curator_api):
    evidence = f.EvidenceFactory()
    plan_verify(records=[evidence.transfer], user=None)
    response = curator_api.delete(f"/api/evidence/{evidence.pk}/")
    assert response.status_code == 409
    assert response.json()["dependents"][0]["kind"] == "transfer"
    assert models.Evidence.objects.filter(pk=evidence.pk).exists()
    assert curator_api.delete(f"/api/evidence/{evidence.pk}/?cascade=1").status_code == 204
    transfer = models.Transfer.objects.get(pk=evidence.transfer_id)
    assert transfer.review_state == "draft"
