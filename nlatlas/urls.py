"""Top-level URLs: language-prefixed pages, plus the API, admin and health check without prefix."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from accounts import views as account_views
from core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", account_views.switch_language, name="set_language"),
    path("robots.txt", core_views.robots),
    path("api/v1/", include("nlatlas.api_urls")),
    path("admin/", admin.site.urls),
]

urlpatterns += i18n_patterns(
    path("", include("core.urls")),
    path("", include("functions.urls")),
    path("libraries/", include("libraries.urls")),
    path("practices/", include("practices.urls")),
    path("organisations/", include("libraries.organisation_urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    prefix_default_language=True,
)

if settings.BENCH_HELLO:
    urlpatterns.insert(0, path("__hello__", core_views.hello))

handler404 = "core.views.page_not_found"
handler403 = "core.views.permission_denied"
handler500 = "core.views.server_error"
