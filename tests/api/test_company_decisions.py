"""A company's own decision ("Rheinmetall halted deliveries of ammunition to Saudi Arabia"): a
permit decision whose authority is an organisation, never a state; held by the database, written
and read over the API, edited in the admin, hidden with its company, kept out of a state's permit
status, exported to FtM with the company as authority."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories as f
from tracker import models
from tracker.admin.sources import merge_candidates
from tracker.choices import DatePrecision

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    germany = f.StateFactory(code="DE", name="Germany")
    saudi = f.StateFactory(code="SA", name="Saudi Arabia")
    company = f.OrganizationFactory(name="Rheinmetall", slug="rheinmetall", country=germany)
    decision = f.PermitDecisionFactory(
        slug="rheinmetall-suspend-sa-2019-03",
        authority=None,
        authority_kind="organization",
        authority_organization=company,
        target_state=saudi,
        action="suspend",
        effective_date=dt.date(2019, 3, 1),
        effective_date_precision=DatePrecision.MONTH,
        date_from_publication=True,
    )
    source = f.SourceFactory(text="Rheinmetall halted deliveries to Saudi Arabia.")
    evidence = f.EvidenceFactory(
        source=source,
        quote="Rheinmetall halted deliveries to Saudi Arabia.",
        transfer=None,
        permit_decision=decision,
        attributed_to="the company",
    )
    for record in (germany, saudi, company, decision, source, evidence):
        f.verify(record)
    return {"DE": germany, "SA": saudi, "company": company, "decision": decision}


@pytest.mark.parametrize(
    "fields",
    [
        {"authority_kind": "organization"},  # neither
        {"authority_kind": "organization", "with_state": True, "with_company": True},
        {"authority_kind": "state", "with_company": True},  # a company, no state
        {"authority_kind": "state", "with_state": True, "with_company": True},
    ],
)
def test_the_database_holds_the_authority_to_one_party(world, fields):
    fields = dict(fields)
    values = {
        "authority": world["DE"] if fields.pop("with_state", False) else None,
        "authority_organization": world["company"] if fields.pop("with_company", False) else None,
    }
    decision = models.PermitDecision(
        slug="bad",
        target_state=world["SA"],
        action="suspend",
        scope="all_military",
        announced_date=dt.date(2019, 3, 1),
        announced_date_precision=DatePrecision.MONTH,
        **values,
        **fields,
    )
    with pytest.raises(Exception, match="authority") as error:
        decision.full_clean()
    assert "authority" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        decision.save()


def test_a_company_decision_reads_with_its_company_flag_and_attribution(world):
    pk = world["decision"].pk
    response = APIClient().get(f"/api/permit-decisions/{pk}/")
    body = response.json()
    assert response.status_code == 200
    assert (body["authority_kind"], body["authority"], body["authority_organization"]) == (
        "organization",
        None,
        "rheinmetall",
    )
    assert body["date_from_publication"] is True
    assert body["evidence"][0]["attributed_to"] == "the company"


def test_filters_find_company_decisions(world):
    client = APIClient()
    by_company = client.get("/api/permit-decisions/", {"authority_organization": "rheinmetall"})
    by_kind = client.get("/api/permit-decisions/", {"authority_kind": "organization"})
    by_state = client.get("/api/permit-decisions/", {"authority": "DE"})
    flagged = client.get("/api/permit-decisions/", {"date_from_publication": "true"})
    assert [r["slug"] for r in by_company.json()["results"]] == ["rheinmetall-suspend-sa-2019-03"]
    assert by_kind.json()["count"] == flagged.json()["count"] == 1
    assert by_state.json()["count"] == 0  # the company's country is not the authority


def test_a_company_decision_is_hidden_while_its_company_is_a_draft(world):
    models.Organization.objects.filter(pk=world["company"].pk).update(
        review_state="draft", verified_at=None
    )
    response = APIClient().get(f"/api/permit-decisions/{world['decision'].pk}/")
    assert response.status_code == 404
    assert APIClient().get("/api/permit-decisions/").json()["count"] == 0


@pytest.fixture
def curator_api(curator):
    client = APIClient()
    client.force_authenticate(curator)
    return client


def decision_body(**authority):
    return {
        "target_state": "SA",
        "action": "suspend",
        "scope": "all_military",
        "announced_date": "2019-04",
        **authority,
    }


@pytest.mark.parametrize(
    ("authority", "field"),
    [
        ({"authority_kind": "organization"}, "authority_organization"),
        (
            {
                "authority_kind": "organization",
                "authority": "DE",
                "authority_organization": "rheinmetall",
            },  # noqa: E501
            "authority",
        ),
        ({"authority_kind": "state"}, "authority"),
        (
            {"authority_kind": "state", "authority": "DE", "authority_organization": "rheinmetall"},
            "authority_organization",
        ),
    ],
)
def test_a_write_with_an_authority_that_does_not_fit_its_kind_answers_400(
    world, curator_api, authority, field
):
    response = curator_api.post("/api/permit-decisions/", decision_body(**authority), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert models.PermitDecision.objects.count() == 1


def test_a_company_decision_is_written(world, curator_api):
    response = curator_api.post(
        "/api/permit-decisions/",
        decision_body(authority_kind="organization", authority_organization="rheinmetall"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "rheinmetall-suspend-sa-2019-04"


def test_a_company_decision_never_changes_a_states_permit_status(world):
    response = APIClient().get(
        "/api/permit-status/", {"authority": "DE", "target": "SA", "on": "2019-06-01"}
    )
    assert response.json()["status"] == "no_recorded_decision"


def test_the_targets_timeline_names_the_company(world):
    response = APIClient().get("/api/states/SA/timeline/")
    (entry,) = [e for e in response.json()["results"] if e["kind"] == "permit_decision"]
    assert entry["summary"].startswith("Rheinmetall suspend")


@pytest.fixture
def admin_client(client, curator):
    client.force_login(curator)
    return client


def test_the_admin_lists_and_edits_a_company_decision(world, admin_client):
    listed = admin_client.get(reverse("admin:tracker_permitdecision_changelist"))
    assert listed.status_code == 200 and b"Rheinmetall" in listed.content
    filtered = admin_client.get(
        reverse("admin:tracker_permitdecision_changelist"), {"authority_kind": "organization"}
    )
    assert b"rheinmetall-suspend-sa-2019-03" in filtered.content or b"Rheinmetall" in (
        filtered.content
    )
    page = admin_client.get(
        reverse("admin:tracker_permitdecision_change", args=[world["decision"].pk])
    )
    assert page.status_code == 200
    for name in (b"authority_kind", b"authority_organization", b"date_from_publication"):
        assert name in page.content


def test_merge_candidates_of_a_company_decision_are_the_companys(world):
    same = f.PermitDecisionFactory(
        authority=None,
        authority_kind="organization",
        authority_organization=world["company"],
        target_state=world["SA"],
        action="suspend",
    )
    f.PermitDecisionFactory(authority=world["DE"], target_state=world["SA"], action="suspend")
    assert merge_candidates(world["decision"]) == [same]


def test_ftm_exports_the_company_as_the_sanctions_authority(world):
    from tracker.selectors.ftm import ftm_entities

    (sanction,) = [e for e in ftm_entities() if e.schema.name == "Sanction"]
    assert sanction.get("authority") == ["Rheinmetall"]
    assert sanction.get("country") == ["de"]
    assert sanction.get("program") == ["Own export decisions of an organisation"]


def test_ftm_leaves_out_the_country_of_a_company_while_that_state_is_a_draft(world):
    """The company and its decision are verified, its country is a draft: a reader's export
    names no country (the draft state's code would leak); a curator's names it."""
    from tracker.selectors.ftm import ftm_entities

    models.State.objects.filter(pk=world["DE"].pk).update(review_state="draft", verified_at=None)

    def sanction(verified_only):
        (found,) = [
            e for e in ftm_entities(verified_only=verified_only) if e.schema.name == "Sanction"
        ]
        return found

    assert sanction(True).get("authority") == ["Rheinmetall"]
    assert sanction(True).get("country") == []
    assert sanction(False).get("country") == ["de"]
