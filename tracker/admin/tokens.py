"""API tokens in the admin: each staff member creates and revokes their own token.

DRF's token admin needs model permissions nobody in the curators group has (so it answered 403),
and would show every user's token to whoever had them. Here an active staff member sees, creates
and revokes only their own token; a superuser manages everyone's.
"""

from django.contrib import admin
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy


def _staff(request) -> bool:
    return request.user.is_active and request.user.is_staff


def _owns(request, obj) -> bool:
    return obj is None or request.user.is_superuser or obj.user_id == request.user.pk


if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class OwnTokenAdmin(TokenAdmin):
    """One token per user; "add" creates the curator's own, "delete" revokes it."""

    def has_module_permission(self, request):
        return _staff(request)

    def has_view_permission(self, request, obj=None):
        return _staff(request) and _owns(request, obj)

    def has_add_permission(self, request):
        if not _staff(request):
            return False
        return (
            request.user.is_superuser or not TokenProxy.objects.filter(user=request.user).exists()
        )

    def has_change_permission(self, request, obj=None):
        return False  # a token is revoked and created again, never edited

    def has_delete_permission(self, request, obj=None):
        return _staff(request) and _owns(request, obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ("key", "user", "created")
        return ("user",) if request.user.is_superuser else ()

    def get_readonly_fields(self, request, obj=None):
        return ("key", "user", "created") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.user = request.user
        super().save_model(request, obj, form, change)
