"""The curators group: who may edit curated records."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType


def curators_group_sync() -> Group:
    """Create or update the curators group with add/change/delete/view on every tracker model.

    Idempotent: runs after every migrate, so new models get their permissions too.
    """
    group, _ = Group.objects.get_or_create(name=settings.TRACKER_CURATORS_GROUP)
    tracker_models = list(apps.get_app_config("tracker").get_models())
    content_types = ContentType.objects.get_for_models(*tracker_models).values()
    permissions = Permission.objects.filter(content_type__in=content_types)
    token_model = (
        apps.get_model("authtoken", "Token")
        if apps.is_installed("rest_framework.authtoken")
        else None
    )
    if token_model is not None:
        permissions = permissions | Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(token_model), codename="view_token"
        )
    group.permissions.set(permissions)
    return group
