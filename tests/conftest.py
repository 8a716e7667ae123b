import pytest
from django.db import connection
from rest_framework.test import APIClient


def pytest_collection_modifyitems(config, items):
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL")
        for item in items:
            if "requires_postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def curator(db):
    """A staff user in the curators group (the group comes from the data migration)."""
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(username="curator", is_staff=True)
    user.groups.add(Group.objects.get(name="curators"))
    return user


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counters live in the shared (database) cache; each test starts with none.

    Each test gets its own key prefix rather than a cleared cache: clearing a database cache
    needs database access, which most tests do not have.
    """
    import uuid

    from django.core.cache import cache

    previous = cache.key_prefix
    cache.key_prefix = f"test-{uuid.uuid4().hex}"
    yield
    cache.key_prefix = previous
