"""Every resource of the read API: list, detail, 404, filters, visibility, CSV, query bounds."""

import django_filters
import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories as f
from tests.factories import verify
from tracker import filters as tracker_filters
from tracker.api import urls as api_urls

pytestmark = pytest.mark.django_db

# basename, factory, lookup attribute, filterset
RESOURCES = [
    ("state", f.StateFactory, "code", tracker_filters.StateFilterSet),
    ("organization", f.OrganizationFactory, "slug", tracker_filters.OrganizationFilterSet),
    (
        "organizationrelation",
        f.OrganizationRelationFactory,
        "slug",
        tracker_filters.OrganizationRelationFilterSet,
    ),
    ("component", f.ItemFactory, "slug", tracker_filters.ItemFilterSet),
    ("platform", f.PlatformFactory, "slug", tracker_filters.ItemFilterSet),
    ("integration", f.IntegrationFactory, "slug", tracker_filters.IntegrationFilterSet),
    ("transfer", f.TransferFactory, "pk", tracker_filters.TransferFilterSet),
    ("permitdecision", f.PermitDecisionFactory, "pk", tracker_filters.PermitDecisionFilterSet),
    ("conflict", f.ConflictFactory, "slug", tracker_filters.ConflictFilterSet),
    (
        "conflictparticipant",
        f.ConflictParticipantFactory,
        "pk",
        tracker_filters.ConflictParticipantFilterSet,
    ),
    ("deployment", f.DeploymentFactory, "pk", tracker_filters.DeploymentFilterSet),
    ("source", f.SourceFactory, "pk", tracker_filters.SourceFilterSet),
    ("evidence", f.EvidenceFactory, "pk", tracker_filters.EvidenceFilterSet),
    (
        "controllistcategory",
        f.ControlListCategoryFactory,
        "code",
        tracker_filters.ControlListCategoryFilterSet,
    ),
]
IDS = [r[0] for r in RESOURCES]


def list_url(basename):
    return reverse(f"api:{basename}-list")


def detail_url(basename, record, lookup):
    return reverse(f"api:{basename}-detail", args=[getattr(record, lookup)])


@pytest.fixture
def curator_api(curator):
    client = APIClient()
    client.force_authenticate(curator)
    return client


def test_every_router_resource_is_covered():
    assert {basename for _, _, basename in api_urls.router.registry} == set(IDS)


@pytest.mark.parametrize(("basename", "factory", "lookup", "filterset"), RESOURCES, ids=IDS)
def test_anonymous_users_see_verified_records_only(
    api_client, basename, factory, lookup, filterset
):
    draft, published = factory(), factory()
    verify(published)
    response = api_client.get(list_url(basename))
    assert response.status_code == 200
    keys = [str(row.get(lookup if lookup != "pk" else "id")) for row in response.json()["results"]]
    assert str(getattr(published, lookup)) in keys
    assert str(getattr(draft, lookup)) not in keys
    assert api_client.get(detail_url(basename, published, lookup)).status_code == 200
    assert api_client.get(detail_url(basename, draft, lookup)).status_code == 404


@pytest.mark.parametrize(("basename", "factory", "lookup", "filterset"), RESOURCES, ids=IDS)
def test_curators_see_drafts(curator_api, basename, factory, lookup, filterset):
    draft = factory()
    response = curator_api.get(detail_url(basename, draft, lookup))
    assert response.status_code == 200
    assert response.json()["review_state"] == "draft"


@pytest.mark.parametrize(("basename", "factory", "lookup", "filterset"), RESOURCES, ids=IDS)
def test_unknown_key_is_404(api_client, basename, factory, lookup, filterset):
    key = "ZZZZ" if lookup == "code" else ("no-such-thing" if lookup == "slug" else 999999)
    response = api_client.get(reverse(f"api:{basename}-detail", args=[key]))
    assert response.status_code == 404


@pytest.mark.parametrize(("basename", "factory", "lookup", "filterset"), RESOURCES, ids=IDS)
def test_list_query_count_does_not_grow_with_rows(
    curator_api, basename, factory, lookup, filterset
):
    factory.create_batch(3)
    with CaptureQueriesContext(connection) as few:
        assert curator_api.get(list_url(basename)).status_code == 200
    factory.create_batch(27)
    with CaptureQueriesContext(connection) as many:
        assert curator_api.get(list_url(basename)).status_code == 200
    assert len(many) == len(few)


def bad_value(filter_) -> str | None:
    if isinstance(filter_, tracker_filters.PartialDateFilter):
        return "2020-13"
    if isinstance(
        filter_,
        django_filters.ModelMultipleChoiceFilter
        | django_filters.MultipleChoiceFilter
        | django_filters.ChoiceFilter
        | django_filters.TypedChoiceFilter
        | django_filters.NumberFilter,
    ):
        return "not-a-valid-choice-%%"
    return None


FILTERS = [
    (basename, name, filter_)
    for basename, _, _, filterset in RESOURCES
    for name, filter_ in filterset.base_filters.items()
]


@pytest.mark.parametrize(
    ("basename", "name", "filter_"), FILTERS, ids=[f"{b}-{n}" for b, n, _ in FILTERS]
)
def test_every_filter_accepts_good_and_rejects_bad_values(curator_api, basename, name, filter_):
    """A bad value answers 400 naming the parameter; a well-formed one answers 200."""
    response = curator_api.get(list_url(basename), {name: "2020-01" if "date" in name else "x"})
    assert response.status_code in (200, 400)
    value = bad_value(filter_)
    if value is None:
        assert response.status_code == 200
        return
    response = curator_api.get(list_url(basename), {name: value})
    assert response.status_code == 400, (name, response.content)
    assert name in response.json()


def test_every_foreign_key_has_an_id_filter():
    """Each foreign key of a resource can be filtered by id as ``<fk>_id``."""
    for basename, _, _, filterset in RESOURCES:
        model = filterset._meta.model
        for field in model._meta.get_fields():
            if field.many_to_one and field.concrete and field.name != "verified_by":
                assert f"{field.name}_id" in filterset.base_filters, (basename, field.name)


def test_code_filter_is_repeatable(api_client):
    a, b, c = (f.TransferFactory() for _ in range(3))
    for t in (a, b, c):
        verify(t)
    response = api_client.get(
        list_url("transfer"), {"supplier": [a.supplier.code, b.supplier.code]}
    )
    assert {row["id"] for row in response.json()["results"]} == {a.pk, b.pk}


def test_partial_date_range_keeps_overlapping_periods(curator_api):
    """A decision known only to May 2020 overlaps "after 2020-05-15" and "before 2020-05-02"."""
    import datetime as dt

    may = f.PermitDecisionFactory(effective_date=dt.date(2020, 5, 1), effective_date_precision=2)
    april = f.PermitDecisionFactory(effective_date=dt.date(2020, 4, 30), effective_date_precision=3)
    year = f.PermitDecisionFactory(effective_date=dt.date(2020, 1, 1), effective_date_precision=1)

    def ids(**params):
        response = curator_api.get(list_url("permitdecision"), params)
        return {row["id"] for row in response.json()["results"]}

    assert ids(date_after="2020-05-15") == {may.pk, year.pk}
    assert ids(date_before="2020-04") == {april.pk, year.pk}
    assert ids(date_after="2020-05", date_before="2020-05") == {may.pk, year.pk}


def test_free_text_search_uses_aliases(api_client):
    state = f.StateFactory(name="Azerbaijan test")
    verify(f.StateAliasFactory(state=state, name="Azeri-test"))
    response = api_client.get(list_url("state"), {"q": "azeri-test"})
    assert [row["code"] for row in response.json()["results"]] == [state.code]


def test_records_show_their_evidence(api_client):
    evidence = f.EvidenceFactory(quote="froze permits")
    verify(evidence.transfer)
    verify(evidence)
    row = api_client.get(detail_url("transfer", evidence.transfer, "pk")).json()
    assert row["evidence"][0]["quote"] == "froze permits"
    assert row["evidence"][0]["source_title"] == evidence.source.title
    assert row["review_state"] == "verified"


def test_lists_are_available_as_csv(api_client):
    transfer = f.TransferFactory()
    verify(transfer)
    response = api_client.get(list_url("transfer"), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, row = response.getvalue().decode().splitlines()[:2]
    assert "supplier" in header.split(",") and transfer.supplier.code in row
    accepted = api_client.get(list_url("transfer"), HTTP_ACCEPT="text/csv")
    assert accepted["Content-Type"].startswith("text/csv")


def test_anonymous_and_non_curators_cannot_write(api_client):
    assert api_client.post(list_url("conflict"), {"name": "X"}).status_code == 403
    user = f.UserFactory(username="outsider")
    api_client.force_authenticate(user)
    assert api_client.post(list_url("conflict"), {"name": "X"}).status_code == 403


def test_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_docs_are_served_from_local_assets(api_client):
    for name in ("api:docs", "api:redoc"):
        page = api_client.get(reverse(name)).content.decode()
        assert "/static/drf_spectacular_sidecar/" in page
        assert "cdn." not in page and "unpkg" not in page


def test_curators_group_membership_is_what_shows_drafts(api_client):
    user = f.UserFactory(username="member")
    draft = f.ConflictFactory()
    api_client.force_authenticate(user)
    assert api_client.get(detail_url("conflict", draft, "slug")).status_code == 404
    user.groups.add(Group.objects.get(name="curators"))
    api_client.force_authenticate(user)
    assert api_client.get(detail_url("conflict", draft, "slug")).status_code == 200


def test_reads_are_throttled_per_client(api_client, monkeypatch):
    """Past the anonymous rate a client gets 429 (the rate comes from settings; lowered here)."""
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    codes = [api_client.get(list_url("conflict")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


@pytest.mark.django_db
def test_control_list_categories_say_and_filter_whether_they_are_military():
    munitions = f.ControlListCategoryFactory(code="ML10", regime="wassenaar_ml", military=True)
    dual_use = f.ControlListCategoryFactory(code="9A012", military=False)
    verify(munitions), verify(dual_use)
    client = APIClient()
    military = client.get("/api/control-list-categories/", {"military": "true"}).json()
    assert [(c["code"], c["military"]) for c in military["results"]] == [("ML10", True)]
    civilian = client.get("/api/control-list-categories/", {"military": "false"}).json()
    assert [c["code"] for c in civilian["results"]] == ["9A012"]
