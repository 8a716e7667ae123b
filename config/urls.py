"""Root URL configuration: the curation admin and the REST API."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", include("tracker.api.urls")),
    # Log in and out from the browsable API (a session the API accepts, as the admin's is).
    path("api-auth/", include("rest_framework.urls")),
]
