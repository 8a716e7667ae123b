"""The curation admin, rendered for real: every page, actions, permissions, validation."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f
from tracker import models

pytestmark = pytest.mark.django_db

FACTORIES = {
    models.State: f.StateFactory,
    models.StateAlias: f.StateAliasFactory,
    models.ControlListCategory: f.ControlListCategoryFactory,
    models.Organization: f.OrganizationFactory,
    models.OrganizationAlias: f.OrganizationAliasFactory,
    models.OrganizationRelation: f.OrganizationRelationFactory,
    models.Item: f.ItemFactory,
    models.ItemAlias: f.ItemAliasFactory,
    models.Integration: f.IntegrationFactory,
    models.Transfer: f.TransferFactory,
    models.PermitDecision: f.PermitDecisionFactory,
    models.Conflict: f.ConflictFactory,
    models.ConflictParticipant: f.ConflictParticipantFactory,
    models.Deployment: f.DeploymentFactory,
    models.Source: f.SourceFactory,
    models.Evidence: f.EvidenceFactory,
}
TRACKER_ADMINS = sorted(
    (m for m in admin.site._registry if m._meta.app_label == "tracker"),
    key=lambda m: m.__name__,
)


def url(model, view, *args):
    return reverse(f"admin:tracker_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def reader_client(client):
    reader = f.UserFactory(username="reader", is_staff=True)
    client.force_login(reader)
    return client


def test_every_tracker_model_is_registered():
    assert set(TRACKER_ADMINS) == set(FACTORIES)


def test_every_foreign_key_uses_autocomplete():
    for model in TRACKER_ADMINS:
        model_admin = admin.site._registry[model]
        relations = [
            field.name
            for field in model._meta.get_fields()
            if (field.many_to_one or field.many_to_many)
            and field.concrete
            and field.related_model in admin.site._registry
            and field.name not in model_admin.readonly_fields
            and field.related_model._meta.app_label == "tracker"
        ]
        missing = set(relations) - set(model_admin.autocomplete_fields)
        assert not missing, f"{model.__name__}: {missing}"


@pytest.mark.parametrize("model", TRACKER_ADMINS, ids=lambda m: m.__name__)
def test_changelist_add_change_and_history_render_for_a_curator(curator_client, model):
    record = FACTORIES[model]()
    for path in (
        url(model, "changelist"),
        url(model, "add"),
        url(model, "change", record.pk),
        url(model, "history", record.pk),
    ):
        response = curator_client.get(path)
        assert response.status_code == 200, path


@pytest.mark.parametrize("model", TRACKER_ADMINS, ids=lambda m: m.__name__)
def test_search_finds_the_record(curator_client, model):
    record = FACTORIES[model]()
    term = next(
        getattr(record, attr)
        for attr in ("name", "slug", "code", "title")
        if getattr(record, attr, None)
    )
    response = curator_client.get(url(model, "changelist"), {"q": term})
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", TRACKER_ADMINS, ids=lambda m: m.__name__)
def test_changelist_query_count_does_not_grow_with_rows(curator_client, model):
    factory = FACTORIES[model]
    factory.create_batch(3)
    with CaptureQueriesContext(connection) as few:
        assert curator_client.get(url(model, "changelist")).status_code == 200
    factory.create_batch(27)
    with CaptureQueriesContext(connection) as many:
        assert curator_client.get(url(model, "changelist")).status_code == 200
    assert len(many) == len(few)


def test_autocomplete_answers_for_a_foreign_key(curator_client):
    state = f.StateFactory(name="Canada test")
    response = curator_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "tracker",
            "model_name": "transfer",
            "field_name": "supplier",
            "term": "Canada",
        },
    )
    assert response.status_code == 200
    assert str(state.pk) in [r["id"] for r in response.json()["results"]]


def test_verify_and_return_to_draft_actions_write_history(curator_client, curator):
    transfer = f.EvidenceFactory().transfer
    changelist = url(models.Transfer, "changelist")
    page = curator_client.post(
        changelist, {"action": "mark_verified", "_selected_action": [transfer.pk]}
    )
    response = curator_client.post(
        changelist,
        {
            "action": "mark_verified",
            "_selected_action": [transfer.pk],
            "confirm": "yes",
            "plan": page.context["plan"].token,
        },
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.review_state == "verified" and transfer.verified_by == curator
    assert transfer.history.first().history_user == curator
    curator_client.post(
        changelist, {"action": "return_to_draft", "_selected_action": [transfer.pk]}
    )
    transfer.refresh_from_db()
    assert transfer.review_state == "draft" and transfer.verified_by is None


def test_history_page_lists_the_changes(curator_client, curator):
    conflict = f.ConflictFactory(region="Caucasus")
    curator_client.post(
        url(models.Conflict, "changelist"),
        {
            "action": "mark_verified",
            "_selected_action": [conflict.pk],
            "confirm": "yes",
        },
    )
    page = curator_client.get(url(models.Conflict, "history", conflict.pk)).content.decode()
    assert "curator" in page and "verified" in page


def test_staff_without_the_curators_group_can_read_but_not_write(reader_client):
    transfer = f.TransferFactory()
    assert reader_client.get(url(models.Transfer, "changelist")).status_code == 200
    change = url(models.Transfer, "change", transfer.pk)
    page = reader_client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert reader_client.get(url(models.Transfer, "add")).status_code == 403
    assert reader_client.post(change, {"quantity": 5}).status_code == 403
    reader_client.post(
        url(models.Transfer, "changelist"),
        {"action": "mark_verified", "_selected_action": [transfer.pk]},
    )
    transfer.refresh_from_db()
    assert transfer.review_state == "draft"


def test_curators_group_is_what_grants_writing(reader_client):
    from django.contrib.auth import get_user_model

    reader = get_user_model().objects.get(username="reader")
    reader.groups.add(Group.objects.get(name="curators"))
    assert reader_client.get(url(models.Transfer, "add")).status_code == 200


def test_evidence_page_highlights_the_quote_and_escapes_the_source(curator_client):
    source = f.SourceFactory(text="<script>alert(1)</script> Ottawa froze permits to Ankara.")
    evidence = f.EvidenceFactory(source=source, quote="froze permits")
    page = curator_client.get(url(models.Evidence, "change", evidence.pk)).content.decode()
    assert "<mark>froze permits</mark>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


def test_fact_page_shows_its_evidence_inline(curator_client):
    evidence = f.EvidenceFactory(quote="froze permits")
    page = curator_client.get(url(models.Transfer, "change", evidence.transfer_id)).content.decode()
    assert "<mark>froze permits</mark>" in page


def test_evidence_with_a_quote_not_in_its_source_is_refused(curator_client):
    transfer, source = f.TransferFactory(), f.SourceFactory()
    response = curator_client.post(
        url(models.Evidence, "add"),
        {
            "source": source.pk,
            "quote": "words that are not there",
            "claim_status": "reported",
            "transfer": transfer.pk,
        },
    )
    assert response.status_code == 200
    assert "does not occur verbatim" in response.content.decode()
    assert not models.Evidence.objects.exists()


def test_integration_cycle_is_refused_in_the_form(curator_client):
    link = f.IntegrationFactory()
    response = curator_client.post(
        url(models.Integration, "add"),
        {
            "component": link.assembly_id,
            "assembly": link.component_id,
            "status": "fitted",
            "slug": "",
        },
    )
    assert response.status_code == 200
    assert "cycle" in response.content.decode()
    assert models.Integration.objects.count() == 1


def test_adding_a_fact_with_inline_evidence_saves_both_with_history(curator_client, curator):
    supplier, recipient, item = f.StateFactory(), f.StateFactory(), f.PlatformFactory()
    source = f.SourceFactory(text="Turkey has in the past supplied drones to Azerbaijan.")
    prefix = "evidence"
    response = curator_client.post(
        url(models.Transfer, "add"),
        {
            "supplier_kind": "state",
            "supplier": supplier.pk,
            "recipient_kind": "state",
            "recipient": recipient.pk,
            "item": item.pk,
            "status": "delivered",
            "slug": "",
            "deliveries-TOTAL_FORMS": 0,
            "deliveries-INITIAL_FORMS": 0,
            f"{prefix}-TOTAL_FORMS": 1,
            f"{prefix}-INITIAL_FORMS": 0,
            f"{prefix}-0-source": source.pk,
            f"{prefix}-0-quote": "supplied drones",
            f"{prefix}-0-claim_status": "reported",
        },
    )
    assert response.status_code == 302, [
        (form.errors, response.context["inline_admin_formsets"][0].formset.errors)
        for form in [response.context["adminform"].form]
    ]
    transfer = models.Transfer.objects.get()
    evidence = transfer.evidence.get()
    assert source.text[evidence.start : evidence.end] == "supplied drones"
    assert transfer.history.get().history_user == curator


@pytest.mark.parametrize(
    ("model", "factory", "endpoint"),
    [
        (models.State, f.StateFactory, "/api/supply-chain/origins/"),
        (models.Item, f.ItemFactory, "/api/supply-chain/reach/"),
        (models.Item, f.PlatformFactory, "/api/supply-chain/reach/"),
    ],
)
def test_state_and_item_pages_show_the_supply_chain_picture(
    curator_client, model, factory, endpoint
):
    import html
    import re

    record = factory()
    page = curator_client.get(url(model, "change", record.pk)).content.decode()
    (src,) = re.findall(r'<img src="(/api/supply-chain/[^"]+)"', page)
    src = html.unescape(src)
    assert src.startswith(endpoint) and "format=svg" in src
    picture = curator_client.get(src)
    assert picture.status_code == 200 and picture.content.startswith(b"<svg")
