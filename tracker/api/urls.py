from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import supply_chain, views

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.register("states", views.StateViewSet, basename="state")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register(
    "organization-relations", views.OrganizationRelationViewSet, basename="organizationrelation"
)
router.register("components", views.ComponentViewSet, basename="component")
router.register("platforms", views.PlatformViewSet, basename="platform")
router.register("integrations", views.IntegrationViewSet, basename="integration")
router.register("transfers", views.TransferViewSet, basename="transfer")
router.register("permit-decisions", views.PermitDecisionViewSet, basename="permitdecision")
router.register("conflicts", views.ConflictViewSet, basename="conflict")
router.register(
    "conflict-participants", views.ConflictParticipantViewSet, basename="conflictparticipant"
)
router.register("deployments", views.DeploymentViewSet, basename="deployment")
router.register("sources", views.SourceViewSet, basename="source")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register(
    "control-list-categories", views.ControlListCategoryViewSet, basename="controllistcategory"
)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("supply-chain/paths/", supply_chain.PathsView.as_view(), name="supply-chain-paths"),
    path("supply-chain/reach/", supply_chain.ReachView.as_view(), name="supply-chain-reach"),
    path("supply-chain/origins/", supply_chain.OriginsView.as_view(), name="supply-chain-origins"),
    path("permit-status/", supply_chain.PermitStatusView.as_view(), name="permit-status"),
    path("", include(router.urls)),
]
