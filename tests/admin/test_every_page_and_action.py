"""Every admin page and every admin action of every registered ModelAdmin, clicked as a curator
would (real HTTP through the test client, on SQLite and PostgreSQL). A new model registered in
the admin is covered automatically: ``RECORDS`` must know how to make one."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.authtoken.models import TokenProxy

from tests import factories as f
from tracker import models
from tracker.models import Tombstone
from tracker.services.verification import plan_verify

pytestmark = pytest.mark.django_db


def quoted(fact_field):
    """A draft record of the kind behind ``fact_field`` of Evidence, carrying one draft quote."""

    def make(factory):
        record = factory()
        f.EvidenceFactory(**{"transfer": None, fact_field: record})
        return record

    return make


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
FACT_FIELD_OF = {
    models.Evidence._meta.get_field(name).related_model: name for name in models.FACT_FIELDS
}


def make_record(model, curator):
    """A record of ``model`` the curator can verify (facts carry a quote)."""
    if model is get_user_model():
        return curator
    if model is Group:
        return Group.objects.get(name="curators")
    if model is TokenProxy:
        return TokenProxy.objects.create(user=curator)
    if model._meta.app_label == "axes":  # django-axes' login records
        extra = {"get_data": "", "post_data": "", "failures_since_start": 1}
        return model.objects.create(
            user_agent="test",
            ip_address="127.0.0.1",
            username="someone",
            http_accept="*/*",
            path_info="/admin/login/",
            **(extra if model._meta.model_name == "accessattempt" else {}),
        )
    factory = FACTORIES[model]
    if model in FACT_FIELD_OF and model is not models.State:
        return quoted(FACT_FIELD_OF[model])(factory)
    return factory()


def object_id(record):
    # DRF's token admin addresses a token by its user's id.
    return record.user_id if isinstance(record, TokenProxy) else record.pk


REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def actions_of(model) -> list[str]:
    model_admin = admin.site._registry[model]
    if model_admin.actions is None:
        return []
    names = [name for name, _ in admin.site.actions]
    return names + [a for a in model_admin.actions if a not in names]


ACTIONS = [(model, name) for model in REGISTERED for name in actions_of(model)]
PAGES = ["changelist", "add", "change", "history", "delete"]


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def test_every_tracker_model_is_covered():
    assert {m for m in REGISTERED if m._meta.app_label == "tracker"} == set(FACTORIES)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_every_page_answers_a_curator_without_error(curator_client, curator, model, page):
    """Tracker pages render for a curator; other apps' pages answer a clear 200 or 403."""
    record = make_record(model, curator)
    args = () if page in ("changelist", "add") else (object_id(record),)
    if model is TokenProxy and page == "add":
        record.delete()  # one token per user: the add page is for a curator without one
    response = curator_client.get(admin_url(model, page, *args))
    if model._meta.app_label == "tracker":
        assert response.status_code == 200, response.content[:300]
    else:
        assert response.status_code in (200, 403), response.status_code


def test_the_review_queue_page_answers(curator_client, curator):
    evidence = f.EvidenceFactory()
    response = curator_client.get(reverse("admin:tracker_source_review", args=[evidence.source_id]))
    assert response.status_code == 200
    assert str(evidence.transfer) in response.content.decode()


def confirm(client, model, record, name, response):
    """Answer the action's confirmation page the way its form does."""
    data = {"action": name, "_selected_action": [record.pk]}
    if name == "mark_verified":
        data |= {"confirm": "yes", "plan": response.context["plan"].token}
    elif name == "delete_selected":
        data |= {"post": "yes"}
    elif name == "return_to_draft":
        data |= {"cascade": "yes"}
    return client.post(admin_url(model, "changelist"), data)


@pytest.mark.parametrize(
    ("model", "name"), ACTIONS, ids=[f"{m._meta.label}-{n}" for m, n in ACTIONS]
)
def test_every_action_runs_for_a_curator(curator_client, curator, model, name):
    """Each action answers its confirmation page (or redirects), and confirming does what it
    says; never a server error."""
    record = make_record(model, curator)
    if name == "return_to_draft":
        plan_verify(records=[record], user=curator)
    changelist = admin_url(model, "changelist")
    response = curator_client.post(changelist, {"action": name, "_selected_action": [record.pk]})
    if model._meta.app_label != "tracker":
        assert response.status_code in (200, 302, 403)
        return
    assert response.status_code in (200, 302), response.content[:500]
    if response.status_code == 200:
        response = confirm(curator_client, model, record, name, response)
        assert response.status_code == 302, response.content[:500]
    if name == "delete_selected":
        assert not model.objects.filter(pk=record.pk).exists()
        assert Tombstone.objects.filter(model=model._meta.label_lower).exists()
        return
    record.refresh_from_db()
    expected = {"mark_verified": "verified", "return_to_draft": "draft"}[name]
    assert record.review_state == expected
    if name == "return_to_draft":
        assert Tombstone.objects.filter(model=model._meta.label_lower, was_public=True).exists()
