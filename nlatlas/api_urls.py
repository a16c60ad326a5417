"""The REST API, version 1: router, OpenAPI schema and documentation served without CDN."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from core.api import ChangeViewSet
from functions.api import (
    FrameworkEditionViewSet,
    FunctionAreaViewSet,
    FunctionItemViewSet,
    ProfileViewSet,
    PublishedAnswerViewSet,
    RoundViewSet,
)
from libraries.api import (
    CountryViewSet,
    LibraryViewSet,
    MembershipViewSet,
    OrganisationViewSet,
    RegionViewSet,
)
from practices.api import PracticeViewSet

router = DefaultRouter()
router.register("libraries", LibraryViewSet, basename="library")
router.register("countries", CountryViewSet, basename="country")
router.register("regions", RegionViewSet, basename="region")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("changes", ChangeViewSet, basename="change")
router.register("function-areas", FunctionAreaViewSet, basename="function-area")
router.register("function-items", FunctionItemViewSet, basename="function-item")
router.register("framework-editions", FrameworkEditionViewSet, basename="framework-edition")
router.register("rounds", RoundViewSet, basename="round")
router.register("profiles", ProfileViewSet, basename="profile")
router.register("answers", PublishedAnswerViewSet, basename="answer")
router.register("practices", PracticeViewSet, basename="practice")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
