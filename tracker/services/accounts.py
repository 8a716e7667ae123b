"""Accounts: the demo curator created by quickstart."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from .groups import curators_group_sync


@dataclass(frozen=True)
class DemoCurator:
    username: str
    password: str | None  # None: an existing account kept its password
    created: bool


@transaction.atomic
def demo_curator_ensure(*, username: str, password: str | None) -> DemoCurator:
    """Create (or update) a staff account in the curators group.

    A new account gets ``password`` or a generated one; an existing account keeps its password
    unless ``password`` is given.
    """
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    user.is_staff = True
    user.is_active = True
    chosen = password
    if created and not chosen:
        chosen = secrets.token_urlsafe(12)
    if chosen:
        user.set_password(chosen)
    user.save()
    user.groups.add(curators_group_sync())
    return DemoCurator(username=username, password=chosen, created=created)
