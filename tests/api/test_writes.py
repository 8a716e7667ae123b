"""Curators write through the API with the admin's validation, atomically, with history."""

import pytest
from rest_framework.test import APIClient

from tests import factories as f
from tracker import models

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_api(curator):
    client = APIClient()
    client.force_authenticate(curator)
    return client


def test_curator_creates_a_transfer_with_a_partial_date(curator_api, curator):
    supplier, recipient, item = f.StateFactory(), f.StateFactory(), f.PlatformFactory()
    response = curator_api.post(
        "/api/transfers/",
        {
            "supplier": supplier.code,
            "recipient": recipient.code,
            "item": item.slug,
            "status": "ordered",
            "order_date": "2019-10",
            "quantity": 6,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    transfer = models.Transfer.objects.get()
    assert (transfer.partial_display("order_date"), transfer.review_state) == ("2019-10", "draft")
    assert transfer.history.get().history_user == curator
    assert response.json()["order_date"] == "2019-10"


def test_token_authentication_works_for_writes(curator):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=curator).key}")
    response = client.post("/api/conflicts/", {"name": "Test war", "slug": "test-war"})
    assert response.status_code == 201, response.content


def test_invalid_write_answers_400_naming_the_field_and_writes_nothing(curator_api):
    state, item = f.StateFactory(), f.PlatformFactory()
    response = curator_api.post(
        "/api/transfers/",
        {"supplier": state.code, "recipient": state.code, "item": item.slug},
        format="json",
    )
    assert response.status_code == 400
    assert "recipient" in response.json()
    assert not models.Transfer.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"order_date": "2019-13"}, "order_date"),
        ({"supplier": "XX"}, "supplier"),
        ({"quantity": -3}, "quantity"),
        ({"order_date": "2020-05", "delivery_date": "2019"}, "delivery_date"),
    ],
)
def test_bad_values_never_answer_500(curator_api, payload, field):
    a, b, item = f.StateFactory(), f.StateFactory(), f.PlatformFactory()
    body = {"supplier": a.code, "recipient": b.code, "item": item.slug, **payload}
    response = curator_api.post("/api/transfers/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_lift_of_another_authoritys_decision_is_refused(curator_api):
    freeze = f.PermitDecisionFactory()
    other = f.StateFactory()
    response = curator_api.post(
        "/api/permit-decisions/",
        {
            "authority": other.code,
            "target_state": freeze.target_state.code,
            "action": "lift",
            "scope": "all_military",
            "effective_date": "2049-12",
            "ends": freeze.slug,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "another authority" in str(response.json()["ends"])


def test_evidence_is_written_with_its_quote_checked(curator_api):
    transfer, source = f.TransferFactory(), f.SourceFactory()
    bad = curator_api.post(
        "/api/evidence/",
        {
            "source": source.pk,
            "quote": "not in the text",
            "fact_kind": "transfer",
            "fact": str(transfer.pk),
        },
        format="json",
    )
    assert bad.status_code == 400 and "quote" in bad.json()
    good = curator_api.post(
        "/api/evidence/",
        {
            "source": source.pk,
            "quote": "froze permits",
            "fact_kind": "transfer",
            "fact": str(transfer.pk),
            "claim_status": "alleged",
        },
        format="json",
    )
    assert good.status_code == 201, good.content
    assert transfer.evidence.get().claim_status == "alleged"


def test_update_and_history_endpoint(curator_api, curator):
    conflict = f.ConflictFactory(region="Caucasus")
    response = curator_api.patch(
        f"/api/conflicts/{conflict.slug}/", {"region": "South Caucasus"}, format="json"
    )
    assert response.status_code == 200
    history = curator_api.get(f"/api/conflicts/{conflict.slug}/history/").json()
    newest = history[0]
    assert newest["user"] == curator.username and newest["type"] == "Changed"
    assert {"field": "region", "old": "Caucasus", "new": "South Caucasus"} in newest["changes"]


def test_deleting_a_record_others_depend_on_is_refused(curator_api):
    transfer = f.TransferFactory()
    response = curator_api.delete(f"/api/platforms/{transfer.item.slug}/")
    assert response.status_code == 400
    assert models.Item.objects.filter(pk=transfer.item_id).exists()


def test_components_route_creates_components(curator_api):
    response = curator_api.post("/api/components/", {"name": "Gimbal X", "slug": "gimbal-x"})
    assert response.status_code == 201
    assert models.Item.objects.get(slug="gimbal-x").kind == "component"


# --- read-only and unknown fields ------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    ["review_state", "verified_by", "verified_at", "created", "last_updated", "id", "slug"],
)
def test_a_write_setting_a_read_only_field_answers_400_naming_it(curator_api, field):
    transfer = f.TransferFactory(note="before")
    value = {"review_state": "verified", "verified_by": 1, "id": 99, "slug": "other-slug"}.get(
        field, "2020-01-01T00:00:00Z"
    )
    response = curator_api.patch(
        f"/api/transfers/{transfer.pk}/", {field: value, "note": "after"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    transfer.refresh_from_db()
    assert (transfer.note, transfer.review_state) == ("before", "draft")


def test_patching_review_state_does_not_answer_200(curator_api):
    conflict = f.ConflictFactory()
    response = curator_api.patch(
        f"/api/conflicts/{conflict.slug}/", {"review_state": "verified"}, format="json"
    )
    assert response.status_code == 400
    assert "Read-only" in response.json()["review_state"][0]


@pytest.mark.parametrize(
    ("url", "field"),
    [("/api/sources/", "text_hash"), ("/api/evidence/", "end"), ("/api/evidence/", "source_title")],
)
def test_derived_fields_are_refused_on_create(curator_api, url, field):
    response = curator_api.post(url, {field: "x"}, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_an_unknown_field_answers_400_listing_the_writable_ones(curator_api):
    response = curator_api.post(
        "/api/conflicts/", {"name": "War", "slug": "war", "colour": "red"}, format="json"
    )
    assert response.status_code == 400
    assert "region" in response.json()["colour"][0]
    assert not models.Conflict.objects.exists()


def test_a_date_precision_field_is_not_silently_ignored(curator_api):
    authority, target = f.StateFactory(), f.StateFactory()
    response = curator_api.post(
        "/api/permit-decisions/",
        {
            "authority": authority.code,
            "target_state": target.code,
            "action": "freeze",
            "scope": "all_military",
            "announced_date": "2019-10-05",
            "announced_date_precision": "month",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "2019-10" in response.json()["announced_date_precision"][0]
    assert not models.PermitDecision.objects.exists()


def test_the_precision_of_a_posted_date_is_the_form_of_the_date(curator_api):
    authority, target = f.StateFactory(), f.StateFactory()
    response = curator_api.post(
        "/api/permit-decisions/",
        {
            "authority": authority.code,
            "target_state": target.code,
            "action": "freeze",
            "scope": "all_military",
            "announced_date": "2019-10",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    decision = models.PermitDecision.objects.get()
    assert decision.announced_date_precision == 2
    assert response.json()["announced_date"] == "2019-10"


# --- natural keys ---------------------------------------------------------------------------


def test_a_second_post_of_the_same_fact_names_the_existing_record(curator_api):
    existing = f.TransferFactory()
    body = {
        "supplier": existing.supplier.code,
        "recipient": existing.recipient.code,
        "item": existing.item.slug,
        "order_date": existing.partial_display("order_date"),
    }
    response = curator_api.post("/api/transfers/", body, format="json")
    assert response.status_code == 400
    message = response.json()["slug"][0]
    assert existing.slug in message and str(existing.pk) in message
    assert models.Transfer.objects.count() == 1


def test_a_fact_cannot_be_given_its_own_slug_to_dodge_its_natural_key(curator_api):
    existing = f.PermitDecisionFactory()
    body = {
        "slug": "my-own-copy",
        "authority": existing.authority.code,
        "target_state": existing.target_state.code,
        "action": existing.action,
        "scope": existing.scope,
        "effective_date": existing.partial_display("effective_date"),
    }
    response = curator_api.post("/api/permit-decisions/", body, format="json")
    assert response.status_code == 400
    assert "slug" in response.json()
    assert models.PermitDecision.objects.count() == 1


# --- partial dates --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [" 2020", "2020 ", "２０２０", "2020\n", 2020])
def test_a_posted_partial_date_with_spaces_or_other_digits_is_refused(curator_api, value):
    a, b, item = f.StateFactory(), f.StateFactory(), f.PlatformFactory()
    body = {"supplier": a.code, "recipient": b.code, "item": item.slug, "order_date": value}
    response = curator_api.post("/api/transfers/", body, format="json")
    assert response.status_code == 400
    assert "order_date" in response.json()


def test_an_end_before_the_announced_date_is_refused_without_an_effective_date(curator_api):
    authority, target = f.StateFactory(), f.StateFactory()
    response = curator_api.post(
        "/api/permit-decisions/",
        {
            "authority": authority.code,
            "target_state": target.code,
            "action": "freeze",
            "scope": "all_military",
            "announced_date": "2020-05",
            "end_date": "2020-04-30",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "announced date" in response.json()["end_date"][0]
