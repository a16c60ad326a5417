"""Query counts of the function pages: fixed numbers, and no growth with the data.

Each page is measured after one warm-up request, as in a running server: the content-type
cache is filled and the similarity of the round is cached (positions and the library page read
it; computing it is measured by the positions benchmark, not here). The exact numbers for three
published profiles of five answers are recorded so that a regression shows up as a diff; the
growth test compares them with fifteen published profiles of forty answers.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_library
from core.actors import SEED
from functions import services
from functions.choices import AnswerType
from functions.models import Item, Profile, Round
from libraries.models import Library

A_SLUG = "bibliotheque-nationale-de-france"
B_SLUG = "national-library-of-norway"
A_PROFILE = f"/en/libraries/{A_SLUG}/profile/2020/"
SMALL = (3, 5)  # published profiles, answers each
LARGE = (15, 40)

PAGES = {
    "framework": ("/en/functions/", {}),
    "item": ("/en/functions/F01.1/", {}),
    "item per capita": ("/en/functions/F04.6/", {"per_capita": "1"}),
    "compare": ("/en/compare/", {"libraries": f"{A_SLUG},{B_SLUG}"}),
    "positions": ("/en/positions/", {}),
    "legal deposit": ("/en/legal-deposit/", {}),
    "participation": ("/en/participation/", {}),
    "profile": (A_PROFILE, {}),
    "profile history": (A_PROFILE + "history/", {}),
    "library detail": (f"/en/libraries/{A_SLUG}/", {}),
    "profile edit": (A_PROFILE + "edit/F01/", {}),
}

# Measured on SQLite and PostgreSQL alike, after a warm-up request. Every page but the
# profile's own pages asks for the latest round with published profiles (one query) and lists
# the rounds of its round menu (one query). Areas and items are two queries wherever the page
# lists the framework.
ANONYMOUS = {
    "framework": 8,  # latest round, items, areas, answer counts, published count, demo?,
    # rounds menu, editions
    "item": 5,  # item, latest round, answers to the item, published profiles, rounds menu
    "item per capita": 5,  # the same: population comes with the country
    "compare": 8,  # libraries, latest round, profiles, answers, items, areas, library menu,
    # rounds menu
    "positions": 7,  # latest round, items and areas twice (areas checked, areas listed),
    # rounds menu, the libraries' current names; the similarity itself comes from the cache
    "legal deposit": 7,  # latest round, the five items, profiles, answers, answers to the
    # mapped item and its profiles, rounds menu
    "participation": 4,  # latest round, profiles, counts by status, rounds menu
    "profile": 7,  # library, round, profile, answers, items, areas, other rounds
    "profile history": 6,  # library, round, profile, count, page, which were reverted
    "library detail": 6,  # library, memberships, latest round, profiles, recent changes,
    # the peers' current names; peers from the cached similarity
}
# Signed in, Alice (a contributor of library A) adds her session, herself, her affiliations
# and her unread notifications to what a visitor's page costs.
SIGNED_IN = {
    "profile": 11,
    "profile edit": 10,  # session, user, library, round, profile, affiliations, answers,
    # items, areas, notifications
    "library detail": 11,  # + whether she already asked to join the library
}
# What each page shows only once the data has grown: proof that the large case is measured.
SHOWS_GROWN_DATA = {
    "framework": "Round 2020 beta: 15 published profiles.",
    "item": "Synthetic national library 14",
    "item per capita": "Synthetic national library 14",
    "compare": "1000 items",
    "positions": "15 libraries compared",
    "legal deposit": "Synthetic national library 14",
    "participation": "Synthetic national library 14",
    "profile": "40 items answered",
    "profile history": "more answers",
    "library detail": "Synthetic national library",
    "profile edit": 'value="1000"',  # F01.10, answered only in the large case
}


def answer_for(item: Item) -> str:
    """A valid answer of the item's type."""
    return {
        AnswerType.PERFORMANCE: "nl",
        AnswerType.YESNO: "yes",
        AnswerType.YEAR: "1990",
        AnswerType.NUMBER: "1000",
        AnswerType.TEXT: "Ministry of Culture",
        AnswerType.URL: "https://example.org/report",
    }.get(item.answer_type) or item.options[0]


def answers(count: int, offset: int = 0) -> dict[str, dict]:
    """Answers to the first `count` items of the framework, varied by `offset` so that
    libraries differ and positions have something to compare."""
    items = list(Item.objects.order_by("area__position", "position")[:count])
    result = {}
    for n, item in enumerate(items):
        value = answer_for(item)
        if item.answer_type == AnswerType.PERFORMANCE and (n + offset) % 3 == 0:
            value = "shared"
        result[item.code] = {"value": value}
    return result


def publish(library, round_, count: int, offset: int) -> Profile:
    profile = services.start_profile(library, round_, user=SEED)
    profile = services.save_answers(
        profile, answers(count, offset), user=SEED, reason="answers", expected_version=None
    )
    return services.publish_profile(profile, user=SEED, expected_version=None)


def grow(registry, profiles: int, per_profile: int) -> None:
    """Bring the 2020 round to `profiles` published profiles (A, B and C first, then synthetic
    libraries) with `per_profile` answers each, all written through the services."""
    round_ = Round.objects.select_related("edition").get(year=2020)
    libraries = [registry["A"], registry["B"], registry["C"]]
    countries = ["FR", "NO", "SN"]
    for n in range(3, profiles):
        name = f"Synthetic national library {n:02d}"
        existing = Library.objects.filter(name=name).first()
        libraries.append(existing or make_library(name, countries[n % 3]))
    for n, library in enumerate(libraries):
        profile = Profile.objects.filter(library=library, round=round_).first()
        if profile is None:
            publish(library, round_, per_profile, n)
        elif profile.answered < per_profile:
            services.save_answers(
                profile,
                answers(per_profile, n),
                user=SEED,
                reason="more answers",
                expected_version=None,
            )


@pytest.fixture
def small(framework, registry):
    grow(registry, *SMALL)
    return registry


def measure(client, url: str, params: dict) -> tuple[int, object]:
    """Number of queries of one request after a warm-up request; and the response."""
    assert client.get(url, params).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("page", list(ANONYMOUS))
def test_a_visitor_s_function_page_makes_a_fixed_number_of_queries(
    client_for, small, django_assert_num_queries, page
):
    url, params = PAGES[page]
    client = client_for(None)
    client.get(url, params)  # warm-up: content types, the round's similarity
    with django_assert_num_queries(ANONYMOUS[page]):
        assert client.get(url, params).status_code == 200


@pytest.mark.parametrize("page", list(SIGNED_IN))
def test_a_contributor_s_function_page_makes_a_fixed_number_of_queries(
    client_for, personas, small, django_assert_num_queries, page
):
    url, params = PAGES[page]
    client = client_for(personas["alice"])
    client.get(url, params)
    with django_assert_num_queries(SIGNED_IN[page]):
        assert client.get(url, params).status_code == 200


@pytest.mark.parametrize("page", list(PAGES))
def test_the_number_of_queries_does_not_grow_with_five_times_more_profiles_and_answers(
    client_for, personas, small, page
):
    url, params = PAGES[page]
    clients = {"visitor": client_for(None), "contributor": client_for(personas["alice"])}
    if page == "profile edit":
        del clients["visitor"]  # a visitor is sent to the sign-in page
    before = {who: measure(c, url, params)[0] for who, c in clients.items()}
    grow(small, *LARGE)
    assert Profile.objects.filter(status="published").count() == LARGE[0]
    assert Profile.objects.get(library__slug=A_SLUG).answered == LARGE[1]
    after = {}
    for who, client in clients.items():
        after[who], response = measure(client, url, params)
        assert SHOWS_GROWN_DATA[page] in response.content.decode()
    assert after == before
    pinned = {"visitor": ANONYMOUS, "contributor": SIGNED_IN}
    for who, count in before.items():
        assert count == pinned[who].get(page, count), f"{who}: {count} queries"
