"""The public page cache: visitors get cached pages, never stale after a change, never another
visitor's private page."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from libraries import services


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_a_visitor_s_second_request_is_served_from_the_cache(page_cache, registry):
    client = Client()
    client.get("/en/libraries/")
    assert queries_for(client, "/en/libraries/") == 1  # only the data version


def test_a_published_change_shows_at_once_on_a_cached_page(page_cache, personas, registry):
    visitor = Client()
    assert "Paris 13e" not in visitor.get("/en/libraries/").content.decode()
    library = registry["A"]
    services.update_library(
        library,
        {"city": "Paris 13e"},
        user=personas["alice"],
        reason="moved",
        expected_version=library.version,
    )
    assert "Paris 13e" in visitor.get("/en/libraries/").content.decode()


def test_signed_in_pages_are_never_taken_from_or_put_in_the_cache(page_cache, personas, client_for):
    alice = client_for(personas["alice"])
    page = alice.get("/en/libraries/").content.decode()
    assert "Alice" in page
    visitor_page = Client().get("/en/libraries/").content.decode()
    assert "Alice" not in visitor_page and "Sign in" in visitor_page


def test_a_page_that_embeds_a_form_token_is_not_shared(page_cache, registry, rf):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from core.middleware import PublicPageCacheMiddleware

    calls = []

    def view(request):
        calls.append(1)
        return HttpResponse(get_token(request))  # like a page with a form

    middleware = PublicPageCacheMiddleware(view)
    first = middleware(rf.get("/en/some-form/"))
    second = middleware(rf.get("/en/some-form/"))
    assert len(calls) == 2 and first.content != second.content


def test_api_answers_are_cached_separately_for_json_and_html(page_cache, registry):
    client = Client()
    as_json = client.get("/api/v1/libraries/", HTTP_ACCEPT="application/json")
    as_html = client.get("/api/v1/libraries/", HTTP_ACCEPT="text/html")
    assert as_json["Content-Type"].startswith("application/json")
    assert as_html["Content-Type"].startswith("text/html")


def test_a_trusted_data_version_makes_a_cached_page_cost_no_query_until_a_change_commits(
    page_cache, settings, personas, registry, django_capture_on_commit_callbacks
):
    from core.cache import forget_data_version

    settings.DATA_VERSION_SECONDS = 60
    forget_data_version()
    visitor = Client()
    visitor.get("/en/libraries/")
    assert queries_for(visitor, "/en/libraries/") == 0
    library = registry["A"]
    with django_capture_on_commit_callbacks(execute=True):
        services.update_library(
            library,
            {"city": "Paris 13e"},
            user=personas["alice"],
            reason="moved",
            expected_version=library.version,
        )
    assert "Paris 13e" in visitor.get("/en/libraries/").content.decode()
    forget_data_version()
