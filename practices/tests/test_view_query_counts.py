"""Query counts of the practices pages: fixed numbers, and no growth with the data.

Each page is measured after one warm-up request (the content-type cache is filled, the view of
the practice is counted). The exact numbers for five published practices, each with three
revisions, three comments and two endorsements, are pinned so that a regression shows up as a
diff; the growth test compares them with twenty-five such practices.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from functions import seed as functions_seed
from practices import services
from practices.models import Practice
from practices.tests.conftest import make_content

A_SLUG = "bibliotheque-nationale-de-france"
SMALL, LARGE = 5, 25
FIRST_TITLE = "Practice 00 of the atlas"
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}


def pages(code: str) -> dict[str, tuple[str, dict]]:
    base = f"/en/practices/{code}/"
    return {
        "list": ("/en/practices/", {}),
        "list with search and facets": (
            "/en/practices/",
            {"q": "atlas", "country": "FR", "kind": "digital-unification", "period": "2010"},
        ),
        "detail": (base, {}),
        "history": (base + "history/", {}),
        "compare": (base + "compare/", {"a": "1", "b": "3"}),
        "map": ("/en/practices/map/", {"q": "atlas"}),
        "feed": ("/en/practices/feed/", {"country": "FR"}),
    }


# Measured on SQLite and PostgreSQL alike, after a warm-up request. Tests run inside a
# transaction, where the in-memory facet index (practices/facets.py) is built for each request and
# not kept: its 6 queries and the data version's 1 are counted here on the list, the map and the
# practice page (related practices), though a server makes them once per change
# (practices/tests/test_facets.py checks that).
INDEX = 7
VISITOR = {
    "list": 3 + INDEX,  # the data versions that key the cached ordered ids, the cached result
    # cards and the cached names of kinds, countries, regions and areas
    "list with search and facets": 5 + INDEX,  # + the chosen kind and country, checked
    "detail": 14 + INDEX,  # practice, authors, the view already counted today (savepoint,
    # insert refused, rollback, release), countries, libraries, areas and items of the content,
    # related practices, endorsement counts, libraries that did it too, comments
    "history": 4,  # practice, authors, count, page with the revisions they started from
    "compare": 5,  # practice, authors, revision B, revision A, the revisions to choose from
    "map": 2 + INDEX,  # the data versions of the cached ids and country names
    "feed": 2,  # the chosen country, the practices
}
# A member adds her session, herself and her unread notifications (no notifications on the
# feed, which has no page around it) and, on a practice page, what she already endorsed and the
# libraries she may speak for.
MEMBER = {
    "list": 6 + INDEX,
    "list with search and facets": 8 + INDEX,
    "detail": 19 + INDEX,
    "history": 7,
    "compare": 8,
    "map": 5 + INDEX,
    "feed": 4,
}
SHOWS_GROWN_DATA = {
    "list": "25 practices",
    "list with search and facets": "25 practices",
    "detail": "Practice 24 of the atlas",  # the newest related practice
    "history": "edit 2",
    "compare": "An idea for practice 00, step 2.",
    "map": "25 practices match",
    "feed": "Practice 24 of the atlas",
}


def grow(personas, count: int) -> None:
    """Bring the atlas to `count` published practices, each started, edited twice, submitted
    and published, with three comments and two endorsements, all through the services."""
    alice, moderator, member = personas["alice"], personas["moderator"], personas["member"]
    have = Practice.objects.count()
    library = personas["alice"].affiliations.get().library
    for n in range(have, count):
        content = make_content(
            title=f"Practice {n:02d} of the atlas",
            countries=["FR", "NO"] if n % 2 else ["FR", "SN"],
            areas=["F01"],
            items=["F01.1", "F01.3"],
            institutions=[{"name": "BnF", "role": "lead", "library": A_SLUG}],
            start_year=2010 + n % 5,
        )
        practice = services.start_practice(content, user=alice, reason="start")
        for step in (1, 2):
            practice = services.edit_practice(
                practice,
                {**content, "summary": f"An idea for practice {n:02d}, step {step}."},
                user=alice,
                reason=f"edit {step}",
                expected_version=practice.version,
            )
        practice = services.submit_practice(practice, user=alice, expected_version=None)
        practice = services.approve_practice(practice, user=moderator, expected_version=None)
        for k in range(3):
            services.add_comment(practice, f"Comment {k} on practice {n}.", user=member)
        services.endorse(practice, "useful", user=member)
        services.endorse(practice, "did_too", user=alice, library=library)


@pytest.fixture
def atlas(personas, kinds):
    functions_seed.load_framework()
    grow(personas, SMALL)
    return personas


def first_code() -> str:
    return Practice.objects.get(title=FIRST_TITLE).code


def measure(client, address: str, params: dict) -> tuple[int, object]:
    """Number of queries of one request after a warm-up request; and the response."""
    assert client.get(address, params, **BROWSER).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(address, params, **BROWSER)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("page", list(VISITOR))
def test_a_visitor_s_practices_page_makes_a_fixed_number_of_queries(client_for, atlas, page):
    address, params = pages(first_code())[page]
    count, _response = measure(client_for(None), address, params)
    assert count == VISITOR[page]


@pytest.mark.parametrize("page", list(MEMBER))
def test_a_member_s_practices_page_makes_a_fixed_number_of_queries(client_for, atlas, page):
    address, params = pages(first_code())[page]
    count, _response = measure(client_for(atlas["member"]), address, params)
    assert count == MEMBER[page]


@pytest.mark.parametrize("page", list(VISITOR))
def test_the_number_of_queries_does_not_grow_with_five_times_more_practices(
    client_for, atlas, page
):
    address, params = pages(first_code())[page]
    clients = {"visitor": client_for(None), "member": client_for(atlas["member"])}
    before = {who: measure(c, address, params)[0] for who, c in clients.items()}
    grow(atlas, LARGE)
    assert Practice.objects.filter(status="published").count() == LARGE
    after = {}
    for who, client in clients.items():
        after[who], response = measure(client, address, params)
        assert SHOWS_GROWN_DATA[page] in response.content.decode(), who
    assert after == before
