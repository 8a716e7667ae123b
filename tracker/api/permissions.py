"""Who may read drafts and write: members of the curators group."""

from django.conf import settings
from rest_framework import permissions


def is_curator(request) -> bool:
    """True for an active user in the curators group; looked up once per request."""
    cached = getattr(request, "_tracker_is_curator", None)
    if cached is None:
        user = request.user
        cached = bool(
            user
            and user.is_authenticated
            and user.is_active
            and user.groups.filter(name=settings.TRACKER_CURATORS_GROUP).exists()
        )
        request._tracker_is_curator = cached
    return cached


class CuratorsWriteOthersRead(permissions.BasePermission):
    """Anyone reads (verified records); only curators write."""

    message = "Only members of the curators group may change records."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or is_curator(request)
