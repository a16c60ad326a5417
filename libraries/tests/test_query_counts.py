"""Query counts of the registry's pages and API: fixed numbers, and no growth with the data.

Each page is measured after one warm-up request (the content-type cache and the cached fragments
are then filled, as in a running server), and again with the cache emptied where it matters. The
exact numbers are recorded so that a regression shows up as a diff; the growth tests compare 20
libraries with 200 (ten times the memberships, organisations and changes), warm and cold.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.choices import ChangeAction, FactStatus
from core.models import Change
from libraries.models import Library, Membership, Organisation, normalise

A_SLUG = "bibliotheque-nationale-de-france"


def grow(registry, total: int) -> None:
    """Bring the registry to `total` synthetic libraries, each in CENL (confirmed or inferred),
    with one organisation per ten libraries, all of which library A joins, and a change logged
    for each new library and each of A's new memberships."""
    existing = Library.objects.filter(slug__startswith="synthetic-").count()
    countries = ["FR", "NO", "SN"]
    new = []
    for i in range(existing, total):
        name = f"Synthetic national library {i:04d}"
        new.append(
            Library(
                slug=f"synthetic-{i:04d}",
                name=name,
                native_name=f"Bibliothèque synthétique {i:04d}",
                country_id=countries[i % 3],
                city="Testville",
                founded=1800 + i % 200,
                latitude=(i % 120) - 60.0,
                longitude=(i % 340) - 170.0,
                facts={"name": {"status": FactStatus.UNVERIFIED, "source": "synthetic"}},
                # bulk_create bypasses Library.save(), which fills the search text.
                search_text=normalise(f"{name} Bibliothèque synthétique {i:04d} Testville"),
            )
        )
    libraries = Library.objects.bulk_create(new)
    cenl = registry["cenl"]
    Membership.objects.bulk_create(
        Membership(library=lib, organisation=cenl, status=("confirmed", "inferred")[i % 2])
        for i, lib in enumerate(libraries)
    )
    first_org = Organisation.objects.filter(code__startswith="SYN").count()
    orgs = Organisation.objects.bulk_create(
        Organisation(slug=f"syn-{j}", code=f"SYN{j}", name=f"Synthetic organisation {j}")
        for j in range(first_org, total // 10)
    )
    Membership.objects.bulk_create(
        Membership(library=registry["A"], organisation=org, status="confirmed") for org in orgs
    )
    library_type = ContentType.objects.get_for_model(Library)
    membership_type = ContentType.objects.get_for_model(Membership)
    Change.objects.bulk_create(
        [
            *(synthetic_change(library_type, lib, lib) for lib in libraries),
            *(
                synthetic_change(membership_type, m, registry["A"])
                for m in Membership.objects.filter(organisation__in=orgs)
            ),
        ]
    )


def synthetic_change(content_type, obj, related) -> Change:
    return Change(
        user_name="Synthetic",
        action=ChangeAction.CREATE,
        content_type=content_type,
        object_id=str(obj.pk),
        object_repr=str(obj),
        object_version=1,
        related_content_type=ContentType.objects.get_for_model(related),
        related_object_id=str(related.pk),
        related_repr=str(related),
        after={"synthetic": True},
        reason="synthetic",
    )


PAGES = {
    "list": ("/en/libraries/", {}),
    "list filtered": (
        "/en/libraries/",
        {"q": "bibliotheque", "region": "150", "organisation": "cenl", "sort": "founded"},
    ),
    "list page 2": ("/en/libraries/", {"page": "2"}),
    "csv export": ("/en/libraries/export.csv", {"organisation": "cenl"}),
    "detail": (f"/en/libraries/{A_SLUG}/", {}),
    "history": (f"/en/libraries/{A_SLUG}/history/", {}),
    "map by region": ("/en/libraries/map/", {}),
    "map by organisation": (
        "/en/libraries/map/",
        {"colour": "organisation", "organisation": "cenl"},
    ),
    "home": ("/en/", {}),
    "changes": ("/en/changes/", {}),
    "changes filtered": ("/en/changes/", {"kind": "libraries.library", "user": "synthetic"}),
    "changes feed": ("/en/changes/feed/", {}),
    "api list": ("/api/v1/libraries/", {}),
    "api list filtered": ("/api/v1/libraries/", {"organisation": "cenl", "q": "synthetique"}),
    "api detail": (f"/api/v1/libraries/{A_SLUG}/", {}),
    "api memberships": ("/api/v1/memberships/", {}),
    "api changes": ("/api/v1/changes/", {}),
}

# Measured on SQLite and PostgreSQL alike, after a warm-up request; with the grown registry so
# that every list has rows to show. Every HTML page reads the data version (the newest change),
# which keys the cached map fragments and key numbers. Signed-in pages add the session, the
# user and the notifications badge; a contributor's library pages also ask for her affiliations.
ANONYMOUS = {
    "list": 9,  # count, page, memberships, region counts and regions; 4 filter menus
    "list filtered": 11,  # + the region and the organisation named by the filters
    "list page 2": 9,
    "csv export": 3,  # libraries, memberships, the organisation named by the filter
    # library with its country and regions, memberships, recent changes, its function profiles,
    # the latest round of the framework (peers come from the cached similarity)
    "detail": 5,
    "history": 5,  # library, memberships, count, page, which of them were reverted
    "map by region": 2,  # data version (the map is cached), organisations of the menu
    "map by organisation": 3,  # + the organisation named
    "home": 2,  # data version (numbers and map cached), recent changes
    "changes": 3,  # count, page, counts by action
    "changes filtered": 3,
    "changes feed": 1,
    "api list": 3,  # count, page, memberships
    "api list filtered": 4,  # + the organisation named by the filter
    "api detail": 2,  # library, memberships
    "api memberships": 2,  # count, page
    "api changes": 2,  # count, page
}
SIGNED_IN = {
    "list": 12,
    "list filtered": 14,
    "detail": 10,
    "map by organisation": 6,
    "home": 5,
    "changes": 6,
    "api list": 5,
    "api detail": 4,
}
# With an empty cache: the cached pages build their map and numbers, and every HTML page counts
# the synthetic libraries again (one query, cached for a minute).
ANONYMOUS_COLD = {
    "list": 10,
    "detail": 6,
    "map by region": 5,  # + synthetic count, map libraries, regions
    "map by organisation": 6,  # + synthetic count, map libraries, regions, memberships
    "home": 9,  # + synthetic count, 4 key numbers, map libraries, regions
    "api list": 3,
}
SHOWS_GROWN_DATA = {"api detail": b"syn-19", "api memberships": b"synthetic-"}


@pytest.fixture
def grown(registry):
    grow(registry, 20)
    return registry


@pytest.mark.parametrize("page", list(ANONYMOUS))
def test_a_visitor_s_page_makes_a_fixed_number_of_queries(
    client_for, grown, django_assert_num_queries, page
):
    url, params = PAGES[page]
    client = client_for(None)
    client.get(url, params)  # warm-up
    with django_assert_num_queries(ANONYMOUS[page]):
        assert client.get(url, params).status_code == 200


@pytest.mark.parametrize("page", list(ANONYMOUS_COLD))
def test_a_visitor_s_page_with_an_empty_cache_makes_a_fixed_number_of_queries(
    client_for, grown, django_assert_num_queries, page
):
    url, params = PAGES[page]
    client = client_for(None)
    client.get(url, params)
    cache.clear()
    with django_assert_num_queries(ANONYMOUS_COLD[page]):
        assert client.get(url, params).status_code == 200


@pytest.mark.parametrize("page", list(SIGNED_IN))
def test_a_contributor_s_page_makes_a_fixed_number_of_queries(
    client_for, personas, grown, django_assert_num_queries, page
):
    url, params = PAGES[page]
    client = client_for(personas["alice"])
    client.get(url, params)
    with django_assert_num_queries(SIGNED_IN[page]):
        assert client.get(url, params).status_code == 200


def test_a_write_through_the_api_stays_within_a_query_budget(
    client_for, personas, grown, django_assert_max_num_queries
):
    client = client_for(personas["alice"])
    url = f"/api/v1/libraries/{A_SLUG}/"
    etag = client.get(url)["ETag"]
    with django_assert_max_num_queries(18):  # 18 measured: auth, lock, checks, save, log
        response = client.patch(
            url,
            {"city": "Paris 13e", "reason": "moved"},
            content_type="application/json",
            headers={"If-Match": etag},
        )
    assert response.status_code == 200


@pytest.mark.parametrize("page", list(PAGES))
def test_the_number_of_queries_does_not_grow_with_ten_times_more_libraries(
    client_for, personas, registry, page
):
    url, params = PAGES[page]
    clients = [client_for(None), client_for(personas["alice"])]
    grow(registry, 20)
    small = [measure(c, url, params, cold) for c in clients for cold in (False, True)]
    grow(registry, 200)
    large = [measure(c, url, params, cold) for c in clients for cold in (False, True)]
    assert Library.objects.count() == 203
    for _count, response in large:
        assert SHOWS_GROWN_DATA.get(page, b"Synthetic") in response.content
    assert [n for n, _response in large] == [n for n, _response in small]


def measure(client, url: str, params: dict, cold: bool = False) -> tuple[int, object]:
    """Number of queries of one request after a warm-up request, with the cache emptied before
    it when `cold`; and the response."""
    assert client.get(url, params).status_code == 200
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response
