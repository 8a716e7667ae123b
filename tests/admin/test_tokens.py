"""A curator creates and revokes their own API token in the admin, and sees no one else's."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories as f

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:authtoken_tokenproxy_changelist")
ADD = reverse("admin:authtoken_tokenproxy_add")


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def test_a_curator_creates_a_token_that_writes_through_the_api(curator_client, curator):
    assert curator_client.get(CHANGELIST).status_code == 200
    assert curator_client.get(ADD).status_code == 200
    response = curator_client.post(ADD, {"_save": "Save"})
    assert response.status_code == 302, response.content[:500]
    token = Token.objects.get(user=curator)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert (
        api.post("/api/conflicts/", {"name": "Token war", "slug": "token-war"}).status_code == 201
    )
    assert token.key in curator_client.get(CHANGELIST).content.decode()


def test_a_curator_cannot_create_a_token_for_someone_else(curator_client, curator):
    other = f.UserFactory(username="other")
    curator_client.post(ADD, {"user": other.pk, "_save": "Save"})
    assert not Token.objects.filter(user=other).exists()
    assert Token.objects.filter(user=curator).exists()


def test_a_curator_revokes_their_token(curator_client, curator):
    Token.objects.create(user=curator)
    delete = reverse("admin:authtoken_tokenproxy_delete", args=[curator.pk])
    assert curator_client.get(delete).status_code == 200
    assert curator_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Token.objects.filter(user=curator).exists()


def test_a_curator_sees_and_revokes_only_their_own_token(curator_client, curator):
    other = f.UserFactory(username="other", is_staff=True)
    theirs = Token.objects.create(user=other)
    Token.objects.create(user=curator)
    assert theirs.key not in curator_client.get(CHANGELIST).content.decode()
    for view in ("change", "delete"):
        url = reverse(f"admin:authtoken_tokenproxy_{view}", args=[other.pk])
        assert curator_client.get(url).status_code in (302, 404)  # "does not exist"
    curator_client.post(reverse("admin:authtoken_tokenproxy_delete", args=[other.pk]), {"post": 1})
    assert Token.objects.filter(user=other).exists()


def test_one_token_at_a_time(curator_client, curator):
    Token.objects.create(user=curator)
    assert curator_client.get(ADD).status_code == 403


def test_anonymous_and_non_staff_get_no_token_page(client):
    assert client.get(CHANGELIST).status_code == 302  # to the login page
    client.force_login(f.UserFactory(username="plain"))
    assert client.get(CHANGELIST).status_code == 302
    assert client.post(ADD, {"_save": "Save"}).status_code == 302
    assert not Token.objects.exists()
