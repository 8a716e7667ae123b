"""Who sees what in the admin: anonymous visitors, staff readers (staff without the curators
group), curators and superusers; for listing, viewing, adding, changing, deleting and actions.
The README's "Who sees what" section states the same matrix."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests import factories as f
from tracker import models

pytestmark = pytest.mark.django_db

MODELS = [models.Transfer, models.Source, models.State, models.Evidence]
ROLES = ["anonymous", "reader", "curator", "superuser"]

# page -> role -> expected status (302 for anonymous: sent to the login page)
PAGES = {
    "changelist": {"anonymous": 302, "reader": 200, "curator": 200, "superuser": 200},
    "change": {"anonymous": 302, "reader": 200, "curator": 200, "superuser": 200},
    "history": {"anonymous": 302, "reader": 200, "curator": 200, "superuser": 200},
    "add": {"anonymous": 302, "reader": 403, "curator": 200, "superuser": 200},
    "delete": {"anonymous": 302, "reader": 403, "curator": 200, "superuser": 200},
}
WRITES = {"anonymous": False, "reader": False, "curator": True, "superuser": True}


@pytest.fixture
def as_role(client):
    def login(role):
        if role == "anonymous":
            return client
        user = f.UserFactory(username=role, is_staff=True, is_superuser=role == "superuser")
        if role == "curator":
            user.groups.add(Group.objects.get(name="curators"))
        client.force_login(user)
        return client

    return login


def record_of(model):
    if model is models.Evidence:
        return f.EvidenceFactory()
    return {
        models.Transfer: f.TransferFactory,
        models.Source: f.SourceFactory,
        models.State: f.StateFactory,
    }[model]()


def url(model, view, *args):
    return reverse(f"admin:tracker_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_pages(as_role, role, model):
    client = as_role(role)
    record = record_of(model)
    for page, expected in PAGES.items():
        args = (record.pk,) if page in ("change", "history", "delete") else ()
        response = client.get(url(model, page, *args))
        assert response.status_code == expected[role], (page, response.status_code)
        if role == "anonymous":
            assert response["Location"].startswith(reverse("admin:login"))
    if role == "reader":
        change = client.get(url(model, "change", record.pk)).content.decode()
        assert 'name="_save"' not in change  # read-only form


@pytest.mark.parametrize("role", ROLES)
def test_writes_and_actions(as_role, role):
    client = as_role(role)
    evidence = f.EvidenceFactory()
    transfer = evidence.transfer
    changelist = url(models.Transfer, "changelist")
    if role in ("reader", "curator", "superuser"):
        form = client.get(changelist).context["action_form"]
        names = {name for name, _ in form.fields["action"].choices} if form else set()
        assert ({"mark_verified", "return_to_draft", "delete_selected"} <= names) is WRITES[role]
    change = client.post(url(models.Transfer, "change", transfer.pk), {"quantity": 7})
    assert change.status_code == {"anonymous": 302, "reader": 403}.get(role, 200)
    client.post(
        changelist,
        {"action": "mark_verified", "_selected_action": [transfer.pk], "confirm": "yes"},
    )
    transfer.refresh_from_db()
    assert (transfer.review_state == "verified") is WRITES[role]
    client.post(url(models.Transfer, "delete", transfer.pk), {"post": "yes"})
    assert models.Transfer.objects.filter(pk=transfer.pk).exists() is not WRITES[role]
