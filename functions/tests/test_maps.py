"""World maps of one item: a class per country, honest special classes, a legend that adds up."""

from __future__ import annotations

import re

import pytest

from conftest import make_library
from functions import services
from functions.maps import MISSING, SEVERAL, UNKNOWN_CLASS, item_map
from functions.models import Item, Round
from functions.queries import item_answers
from libraries.models import Country, Region

MORE_COUNTRIES = [("DE", "DEU", "Germany"), ("IT", "ITA", "Italy"), ("ES", "ESP", "Spain")]


@pytest.fixture
def libraries(registry):
    """A and A2 in France, B in Norway, C in Senegal, and one library in DE, IT and ES."""
    europe = Region.objects.get(code="150")
    for iso2, iso3, name in MORE_COUNTRIES:
        Country.objects.create(iso2=iso2, iso3=iso3, name=name, region=europe)
    found = {key: registry[key] for key in ("A", "B", "C")}
    found["A2"] = make_library("Bibliothèque publique d'information", "FR")
    for iso2, _iso3, name in MORE_COUNTRIES:
        found[iso2] = make_library(f"National Library of {name}", iso2)
    return found


@pytest.fixture
def publish(framework, personas):
    """publish(library, {code: value}) gives the library a published profile with these answers."""
    moderator = personas["moderator"]

    def run(library, answers: dict[str, str], *, status: str = "published"):
        profile = services.start_profile(library, framework, user=moderator)
        profile = services.save_answers(
            profile,
            {code: {"value": value} for code, value in answers.items()},
            user=moderator,
            expected_version=None,
        )
        if status == "published":
            profile = services.publish_profile(profile, user=moderator, expected_version=None)
        return profile

    return run


def map_of(round_: Round, code: str, **options):
    item = Item.objects.get(code=code)
    return item_map(item, item_answers(round_, item), **options)


def classes(result) -> dict[str, str]:
    return {row.iso2: row.css_class for row in result.rows}


def legend(result) -> dict[str, int]:
    return {entry.css_class: entry.count for entry in result.legend}


def svg_class(result, iso2: str) -> str:
    found = re.search(rf'<path class="([^"]*)" data-iso="{iso2}"', result.svg)
    assert found, f"{iso2} is not drawn"
    return found.group(1)


def test_unknown_not_answered_differing_and_no_profile_each_get_their_own_class(
    framework, libraries, publish
):
    publish(libraries["A"], {"F02.7": "yes"})
    publish(libraries["A2"], {"F02.7": "no"})
    publish(libraries["B"], {"F02.7": "unknown"})
    publish(libraries["C"], {"F01.1": "nl"})  # published, but F02.7 left empty
    publish(libraries["DE"], {"F02.7": "yes"})
    publish(libraries["IT"], {"F02.7": "no"}, status="draft")  # not published: not shown
    # ES has no profile at all.

    result = map_of(framework, "F02.7")

    assert classes(result) == {
        "FR": SEVERAL,
        "NO": UNKNOWN_CLASS,
        "SN": MISSING,
        "DE": "cat-0",
    }
    labels = {row.iso2: row.label for row in result.rows}
    assert labels == {
        "FR": "libraries of this country differ",
        "NO": "unknown",
        "SN": "not answered",
        "DE": "yes",
    }
    france = next(row for row in result.rows if row.iso2 == "FR")
    assert [lib.name for lib in france.libraries] == [
        "Bibliothèque nationale de France",
        "Bibliothèque publique d'information",
    ]
    assert svg_class(result, "FR") == f"country {SEVERAL}"
    assert svg_class(result, "NO") == f"country {UNKNOWN_CLASS}"
    assert svg_class(result, "SN") == f"country {MISSING}"
    assert svg_class(result, "IT") == "country no-data"
    assert svg_class(result, "ES") == "country no-data"


def test_the_legend_counts_the_countries_of_each_class(framework, libraries, publish):
    publish(libraries["A"], {"F02.7": "yes"})
    publish(libraries["A2"], {"F02.7": "no"})
    publish(libraries["B"], {"F02.7": "unknown"})
    publish(libraries["C"], {"F01.1": "nl"})
    publish(libraries["DE"], {"F02.7": "yes"})
    publish(libraries["IT"], {"F02.7": "yes"})

    result = map_of(framework, "F02.7")

    assert [(e.css_class, e.label, e.count) for e in result.legend] == [
        ("cat-0", "yes", 2),
        ("cat-1", "no", 0),
        (SEVERAL, "libraries of this country differ", 1),
        (UNKNOWN_CLASS, "unknown", 1),
        (MISSING, "profile published, item not answered", 1),
    ]
    assert sum(legend(result).values()) == len(result.rows) == 5


def test_two_libraries_of_a_country_giving_the_same_answer_are_not_several(
    framework, libraries, publish
):
    publish(libraries["A"], {"F01.1": "shared"})
    publish(libraries["A2"], {"F01.1": "Shared"})

    result = map_of(framework, "F01.1")

    assert classes(result) == {"FR": "cat-1"}  # nl, shared, other, none
    assert result.rows[0].label == "shared with other bodies"


def test_a_multi_item_is_mapped_for_one_option_and_none_is_an_answer_not_a_gap(
    framework, libraries, publish
):
    publish(libraries["A"], {"F01.3": "books;websites"})
    publish(libraries["B"], {"F01.3": "none"})
    publish(libraries["C"], {"F01.3": "unknown"})
    publish(libraries["DE"], {"F01.3": "books"})

    websites = map_of(framework, "F01.3", option="websites")
    first_option = map_of(framework, "F01.3")

    assert websites.option == "websites"
    assert classes(websites) == {"FR": "cat-0", "NO": "cat-1", "SN": UNKNOWN_CLASS, "DE": "cat-1"}
    assert legend(websites)["cat-0"] == 1
    assert result_label(websites, "NO") == "does not include it"
    assert first_option.option == "books"
    assert classes(first_option)["DE"] == "cat-0"


def result_label(result, iso2: str) -> str:
    return next(row.label for row in result.rows if row.iso2 == iso2)


def test_numbers_fall_into_five_quantile_classes_summed_over_a_countrys_libraries(
    framework, libraries, publish, registry
):
    publish(libraries["A"], {"F01.10": "4000"})
    publish(libraries["A2"], {"F01.10": "6,000"})  # France: 10,000
    publish(libraries["B"], {"F01.10": "20000"})
    publish(libraries["C"], {"F01.10": "30000"})
    publish(libraries["DE"], {"F01.10": "40000"})
    publish(libraries["IT"], {"F01.10": "50000"})
    publish(libraries["ES"], {"F01.10": "60000"})

    result = map_of(framework, "F01.10")

    assert classes(result) == {
        "FR": "q-1",
        "NO": "q-2",
        "SN": "q-3",
        "DE": "q-4",
        "IT": "q-5",
        "ES": "q-5",
    }
    assert {row.iso2: row.number for row in result.rows}["FR"] == 10_000
    assert result_label(result, "FR") == "10,000 items"
    assert [(e.css_class, e.count) for e in result.legend[:5]] == [
        ("q-1", 1),
        ("q-2", 1),
        ("q-3", 1),
        ("q-4", 1),
        ("q-5", 2),
    ]
    assert result.legend[0].label == "10,000 items – 20,000 items"
    assert svg_class(result, "ES") == "country q-5"


def test_unknown_and_unanswered_numbers_are_not_put_in_a_class(framework, libraries, publish):
    publish(libraries["A"], {"F01.10": "1000"})
    publish(libraries["B"], {"F01.10": "unknown"})
    publish(libraries["C"], {"F01.1": "nl"})
    publish(libraries["DE"], {"F01.10": "3000"})

    result = map_of(framework, "F01.10")

    assert classes(result) == {"FR": "q-1", "NO": UNKNOWN_CLASS, "SN": MISSING, "DE": "q-1"}
    assert (legend(result)[UNKNOWN_CLASS], legend(result)[MISSING]) == (1, 1)
    assert sum(legend(result).values()) == len(result.rows)


def test_per_capita_divides_by_the_countrys_population(framework, libraries, publish):
    Country.objects.filter(iso2="FR").update(population=68_000_000)
    Country.objects.filter(iso2="NO").update(population=5_500_000)
    Country.objects.filter(iso2="DE").update(population=84_000_000)
    publish(libraries["A"], {"F01.10": "68000"})
    publish(libraries["B"], {"F01.10": "22000"})
    publish(libraries["DE"], {"F01.10": "42000"})

    absolute = map_of(framework, "F01.10")
    relative = map_of(framework, "F01.10", per_capita=True)

    assert relative.per_capita
    numbers = {row.iso2: row.number for row in relative.rows}
    assert numbers == {"FR": pytest.approx(1000), "NO": pytest.approx(4000), "DE": 500}
    assert result_label(relative, "NO") == "4,000 per million people"
    # Per person, Norway is first and Germany last; in total, France is first.
    assert classes(relative) == {"DE": "q-1", "FR": "q-2", "NO": "q-2"}
    assert classes(absolute) == {"NO": "q-1", "DE": "q-2", "FR": "q-2"}


def test_per_capita_is_ignored_for_items_that_do_not_grow_with_the_population(
    framework, libraries, publish
):
    Country.objects.filter(iso2="FR").update(population=68_000_000)
    publish(libraries["A"], {"F01.2": "1992"})
    publish(libraries["A2"], {"F01.2": "2006"})

    result = map_of(framework, "F01.2", per_capita=True)

    assert not result.per_capita
    assert result.rows[0].number == 1992  # a country's earliest year, not a sum
    assert result.rows[0].label == "1992"


def test_a_country_without_a_population_is_not_counted_as_not_answered_per_capita(
    framework, libraries, publish
):
    Country.objects.filter(iso2="FR").update(population=68_000_000)
    publish(libraries["A"], {"F01.10": "68000"})
    publish(libraries["B"], {"F01.10": "22000"})  # Norway's population is not known

    result = map_of(framework, "F01.10", per_capita=True)

    assert result_label(result, "NO") == "population unknown"
    assert legend(result)[MISSING] == 0
    assert sum(legend(result).values()) == len(result.rows)
