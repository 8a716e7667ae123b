"""Who may read drafts and write: members of the curators group."""

from django.conf import settings
from rest_framework import permissions


def is_curator(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    cached = getattr(user, "_is_tracker_curator", None)
    if cached is None:
        cached = user.groups.filter(name=settings.TRACKER_CURATORS_GROUP).exists()
        user._is_tracker_curator = cached
    return cached


class CuratorsWriteOthersRead(permissions.BasePermission):
    """Anyone reads (verified records); only curators write."""

    message = "Only members of the curators group may change records."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or is_curator(request.user)
