"""Searching and filtering published practices: ranking, accents, every word required, only the
published text, and facet counts that agree with the filters. Runs on SQLite and PostgreSQL."""

import itertools

import pytest
from django.conf import settings

from functions import seed as functions_seed
from practices import search, services
from practices.choices import PracticeStatus
from practices.filters import PracticeFilterSet
from practices.models import Kind, Practice

ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]

DESCRIPTION = " ".join(
    [
        "The project digitised and described the holdings of several libraries and archives,",
        "built a shared viewer and published the images under an open licence.",
    ]
    * 3
)


@pytest.fixture
def publish(publish):
    """Like the shared fixture, with no description, tags or institutions unless given, so a
    practice holds only the words a test gives it."""

    def make(**overrides):
        return publish(**{"body": "", "tags": [], "institutions": [], **overrides})

    return make


def titles(query: str = "", **filters) -> list[str]:
    """Titles of the published practices a visitor finds, in the order the list shows them."""
    data = {"q": query, **filters} if query else filters
    found = PracticeFilterSet(data, queryset=Practice.objects.filter(status="published")).qs
    return list(found.values_list("title", flat=True))


# Ranking, accents and words --------------------------------------------------------------------


def test_a_title_match_ranks_before_a_match_in_the_description(publish):
    publish(
        title="Lorsch abbey library reunited",
        summary="Carolingian manuscripts in one virtual library.",
        body=DESCRIPTION,
        tags=[],
    )
    publish(
        title="A virtual library of Carolingian manuscripts",
        summary="Manuscripts from many abbeys.",
        body="Among them the manuscripts of Lorsch.",
        tags=[],
    )

    assert titles("lorsch") == [
        "Lorsch abbey library reunited",
        "A virtual library of Carolingian manuscripts",
    ]


def test_a_practice_mentioning_the_words_more_often_ranks_first(publish):
    publish(title="Maps once", summary="One map collection.", body=DESCRIPTION, tags=[])
    publish(
        title="Maps everywhere",
        summary="Maps, maps and more maps.",
        body="Maps of the maps collection: maps.",
        tags=["maps"],
    )

    assert titles("maps") == ["Maps everywhere", "Maps once"]


@pytest.mark.parametrize(
    "query", ["bibliotheque", "Bibliothèque", "BIBLIOTHEQUE", "bibliothéque", "BiBlIoThÈqUe"]
)
def test_accents_and_case_are_ignored(publish, query):
    publish(title="La Bibliothèque virtuelle des rois d'Aragon", language="fr", tags=[])
    publish(title="Senegalese newspapers", summary="Dakar dailies.", tags=[], institutions=[])

    assert titles(query) == ["La Bibliothèque virtuelle des rois d'Aragon"]


def test_a_text_without_accents_is_found_with_them(publish):
    publish(title="Bibliotheque numerique du Senegal", tags=[])

    assert titles("Sénégal bibliothèque numérique") == ["Bibliotheque numerique du Senegal"]


def test_institutions_and_tags_are_searched_too(publish):
    publish(
        title="Codex Sinaiticus",
        institutions=[{"name": "Leipzig University Library"}],
        tags=["papyri"],
    )

    assert titles("Leipzig") == ["Codex Sinaiticus"]
    assert titles("papyri") == ["Codex Sinaiticus"]


def test_every_word_is_required(publish):
    publish(title="Lorsch manuscripts", summary="Abbey library.", tags=[])
    publish(title="Palatina manuscripts", summary="Heidelberg and the Vatican.", tags=[])
    publish(title="Lorsch maps", summary="Estate maps.", tags=[])

    assert titles("lorsch manuscripts") == ["Lorsch manuscripts"]
    assert sorted(titles("manuscripts")) == ["Lorsch manuscripts", "Palatina manuscripts"]
    assert titles("lorsch heidelberg") == []


def test_every_word_is_required_even_or(publish):
    publish(title="Gold or silver bindings", summary="Treasure bindings.", tags=[])
    publish(title="Gold leaf", summary="Illuminations.", tags=[])
    publish(title="Silver prints", summary="Photographs.", tags=[])

    assert titles("gold or silver") == ["Gold or silver bindings"]


def test_a_word_finds_its_longer_forms_on_every_database(publish):
    publish(title="Dispersed manuscripts", tags=[])

    assert titles("manuscript") == ["Dispersed manuscripts"]


def test_punctuation_in_a_search_is_ignored(publish):
    publish(title="Codex Sinaiticus")
    publish(title="Europeana Regia")

    assert titles('"codex" (sinaiticus) -') == ["Codex Sinaiticus"]
    assert search.terms("  Saint-Martial, Bibliothèque!  ") == ["saint", "martial", "bibliotheque"]


def test_a_search_of_only_punctuation_lists_everything(publish):
    publish(title="Codex Sinaiticus")
    publish(title="Europeana Regia")

    assert sorted(titles("?!")) == ["Codex Sinaiticus", "Europeana Regia"]


def test_operators_typed_by_a_visitor_are_plain_words(publish):
    publish(title="Codex Sinaiticus", tags=[])

    for query in ("codex AND NOT x", "codex*x", "NEAR(codex x)", "codex -x"):
        assert titles(query) == [], query  # "x" is required and appears nowhere


# Only the published text -----------------------------------------------------------------------


def test_only_published_text_is_searched(personas, publish, practice_content):
    publish(title="Published Lorsch", tags=[])
    draft = services.start_practice(
        practice_content(title="Unpublished Zanzibar", tags=[]), user=personas["bob"]
    )
    services.submit_practice(draft, user=personas["bob"], expected_version=None)

    found = search.matching(Practice.objects.all(), "zanzibar")

    assert list(found) == []
    assert titles("lorsch") == ["Published Lorsch"]


def test_after_an_edit_the_new_words_are_found_and_the_old_are_not(personas, publish):
    practice = publish(title="Timbuktu manuscripts", tags=[])
    services.edit_practice(
        practice,
        {**practice.current.content, "title": "Chinguetti manuscripts"},
        user=personas["alice"],
        reason="right city",
        expected_version=practice.version,
    )

    assert titles("chinguetti") == ["Chinguetti manuscripts"]
    assert titles("timbuktu") == []
    assert search.matching(Practice.objects.all(), "timbuktu").count() == 0


def test_an_archived_practice_edited_is_searched_by_its_new_words_once_published_again(
    personas, publish
):
    practice = publish(title="Timbuktu manuscripts")
    practice = services.archive_practice(
        practice, user=personas["moderator"], reason="ended", expected_version=None
    )
    practice = services.edit_practice(
        practice,
        {**practice.current.content, "title": "Chinguetti manuscripts"},
        user=personas["alice"],
        reason="not yet",
        expected_version=None,
    )

    assert search.matching(Practice.objects.all(), "chinguetti").count() == 0
    assert search.matching(Practice.objects.all(), "timbuktu").count() == 1

    services.approve_practice(practice, user=personas["moderator"], expected_version=None)

    assert titles("chinguetti") == ["Chinguetti manuscripts"]
    assert titles("timbuktu") == []


# Facets ----------------------------------------------------------------------------------------

FACET_PARAMETER = {
    "kind": "kind",
    "country": "country",
    "region": "region",
    "area": "area",
    "period": "period",
    "status": "status",
    "language": "language",
}


@pytest.fixture
def varied(personas, publish, practice_content):
    """Eleven published practices varied in every facet, plus a draft and an archived one."""
    functions_seed.load_framework()
    rows = [
        ("digital-unification", ["FR", "NO"], ["F01", "F02"], 1998, "completed", "en"),
        ("digital-unification", ["FR"], ["F01"], 2005, "completed", "fr"),
        ("digital-unification", ["SN"], [], 2009, "ongoing", "fr"),
        ("best-practice", ["FR", "SN"], ["F03"], 2010, "ongoing", "en"),
        ("best-practice", ["NO"], ["F01", "F03"], 2014, "planned", "nb"),
        ("best-practice", [], ["F02"], None, "", "en"),
        ("legal-deposit", ["NO", "SN"], [], 2019, "frozen", "en"),
        ("legal-deposit", ["FR"], ["F01"], 2020, "completed", "de"),
        ("other", ["SN"], ["F04"], 2021, "ongoing", "fr"),
        ("other", ["FR", "NO", "SN"], ["F01", "F02", "F03"], 2023, "planned", "en"),
        ("digital-unification", ["NO"], ["F02"], 2025, "ongoing", "nb"),
    ]
    for n, (kind, countries, areas, start, status, language) in enumerate(rows):
        publish(
            title=f"Practice {n} {'manuscripts' if n % 2 else 'maps'}",
            kind=kind,
            countries=countries,
            areas=areas,
            start_year=start,
            end_year=None,
            project_status=status,
            language=language,
            tags=[],
        )
    services.start_practice(
        practice_content(title="Draft maps", countries=["FR"], areas=["F01"]), user=personas["bob"]
    )
    archived = publish(title="Archived maps", countries=["FR"], areas=["F01"], tags=[])
    services.archive_practice(
        archived, user=personas["moderator"], reason="ended", expected_version=None
    )


def facet_values(facet: str) -> list:
    from functions.models import Area
    from libraries.models import Country, Region

    return {
        "kind": list(Kind.objects.values_list("slug", flat=True)),
        "country": list(Country.objects.values_list("iso2", flat=True)),
        "region": list(Region.objects.filter(level="region").values_list("code", flat=True)),
        "area": list(Area.objects.values_list("code", flat=True)),
        "period": list(range(1990, 2030, 10)),
        "status": ["planned", "ongoing", "completed", "frozen"],
        "language": ["en", "fr", "de", "nb", "es"],
    }[facet]


def filtered(params: dict):
    published = Practice.objects.filter(status=PracticeStatus.PUBLISHED)
    filterset = PracticeFilterSet(params, queryset=published)
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "maps"},
        {"country": "FR"},
        {"q": "manuscripts", "kind": "digital-unification"},
        {"region": "150", "status": "ongoing"},
        {"area": "F01", "period": "2010"},
    ],
    ids=["everything", "search", "country", "search+kind", "region+status", "area+period"],
)
def test_facet_counts_equal_what_each_filter_then_finds(varied, params):
    counts = search.facet_counts(filtered(params))

    assert set(counts) == set(FACET_PARAMETER)
    results = filtered(params)
    for facet, parameter in FACET_PARAMETER.items():
        for value in facet_values(facet):
            if parameter in params:  # already chosen: how many results also have this value
                alone = filtered({parameter: str(value)}).values("pk")
                expected = results.filter(pk__in=alone).count()
            else:  # what choosing this value would list
                expected = filtered({**params, parameter: str(value)}).count()
            assert counts[facet].get(value, 0) == expected, (facet, value)
        assert all(n > 0 for n in counts[facet].values()), facet  # no empty facet values


def test_facet_counts_of_the_whole_list(varied):
    counts = search.facet_counts(filtered({}))

    assert counts["kind"] == {
        "digital-unification": 4,
        "best-practice": 3,
        "legal-deposit": 2,
        "other": 2,
    }
    assert counts["country"] == {"FR": 5, "NO": 5, "SN": 5}
    assert counts["region"] == {"150": 8, "002": 5}  # a practice in two regions counts in both
    assert counts["area"] == {"F01": 5, "F02": 4, "F03": 3, "F04": 1}
    assert counts["period"] == {1990: 1, 2000: 2, 2010: 3, 2020: 4}  # one has no start year
    assert counts["status"] == {"completed": 3, "ongoing": 4, "planned": 2, "frozen": 1}
    assert counts["language"] == {"en": 5, "fr": 3, "nb": 2, "de": 1}


def test_a_practice_in_several_countries_is_counted_once_per_region(varied):
    europe_and_africa = filtered({"region": "150"}).filter(countries__iso2="SN").distinct()

    assert europe_and_africa.count() == 3
    assert filtered({"region": "150"}).count() == 8  # not one row per European country


def test_combined_filters_narrow_each_other(varied):
    for a, b in itertools.combinations(["kind", "country", "status", "language"], 2):
        counts = search.facet_counts(filtered({}))
        for value_a, value_b in itertools.product(counts[a], counts[b]):
            both = filtered({a: str(value_a), b: str(value_b)}).count()
            assert both <= min(counts[a][value_a], counts[b][value_b])


# The search table alone -------------------------------------------------------------------------


def listed(params: dict) -> list[int]:
    """Ids of the public list (published and archived) for these filters, in its order."""
    public = Practice.objects.filter(status__in=[PracticeStatus.PUBLISHED, "archived"])
    filterset = PracticeFilterSet(params, queryset=public)
    assert filterset.is_valid(), filterset.errors
    return search.ids(filterset.qs)


@pytest.mark.parametrize("query", ["maps", "manuscripts", "practice", "practice 1", "zzyzx"])
def test_the_search_table_alone_lists_what_the_full_query_lists(varied, query):
    assert search.ranked(query) == listed({"q": query})


def test_the_search_table_holds_exactly_the_public_practices(varied, personas):
    archived = Practice.objects.get(title="Archived maps")
    assert archived.pk in search.ranked("maps")  # archived practices stay listed
    assert Practice.objects.get(title="Draft maps").pk not in search.ranked("maps")

    gone = Practice.objects.get(title="Practice 0 maps")
    gone_id = gone.pk
    assert gone_id in search.ranked("maps")
    gone.delete()

    assert gone_id not in search.ranked("maps")
    assert search.ranked("maps") == listed({"q": "maps"})
    assert (
        len(search.ranked("maps"))
        == Practice.objects.filter(
            status__in=["published", "archived"], title__icontains="maps"
        ).count()
    )


SEARCHES = ["maps", "manuscripts", "practice", "practice 1", "zzyzx"]
NARROWING = [
    {},
    {"kind": "digital-unification"},
    {"country": "FR"},
    {"region": "150", "status": "ongoing"},
    {"area": "F01", "period": "2010"},
    {"language": "en"},
]
SORTS_GIVEN = [{}, {"sort": "relevance"}, {"sort": "title"}, {"sort": "start"}, {"sort": "views"}]


def test_every_way_of_answering_a_list_gives_what_the_one_query_gives(varied, monkeypatch):
    """The list answers some searches from the search table alone or from two lists combined
    (practices/views/listing.py); each must list what the filter's one query lists."""
    from practices.views import listing

    monkeypatch.setattr(listing, "FEW_MATCHES", 0)  # the two lists even for a few matches
    public = Practice.objects.filter(status__in=[PracticeStatus.PUBLISHED, "archived"])
    for query, narrowing, sort in itertools.product(SEARCHES, NARROWING, SORTS_GIVEN):
        params = {"q": query, **narrowing, **sort}
        filterset = PracticeFilterSet(params, queryset=public)

        assert listing.list_ids(filterset) == search.ids(filterset.qs), params


# Cost ------------------------------------------------------------------------------------------


def sqlite_steps(work) -> int:
    """How many hundred SQLite virtual-machine steps `work()` takes: a measure of the work the
    database does that, unlike a stopwatch, does not depend on the machine or its load."""
    from django.db import connection

    steps = [0]

    def count():
        steps[0] += 1
        return 0

    connection.ensure_connection()
    connection.connection.set_progress_handler(count, 100)
    try:
        work()
    finally:
        connection.connection.set_progress_handler(None, 1000)
    return steps[0]


@pytest.mark.skipif(ON_POSTGRES, reason="counts SQLite's own work")
def test_searching_with_facets_costs_in_proportion_to_the_practices_not_their_square(
    personas, kinds
):
    from django.core.management import call_command

    def facets_of_a_search():
        search.facet_counts(PracticeFilterSet({"q": "library"}, queryset=Practice.objects).qs)

    # A search nested in the facet query once ran the full-text match again for every practice
    # (the FTS5 condition named the outer table): quadratic work. It must stay linear.
    call_command("generate_practices", count=150, skip_seed=True, force=True, stdout=None)
    small = sqlite_steps(facets_of_a_search)
    call_command("generate_practices", count=600, skip_seed=True, force=True, stdout=None)
    large = sqlite_steps(facets_of_a_search)

    assert Practice.objects.filter(is_synthetic=True).count() == 600
    assert large < 6 * small, (small, large)  # four times the practices: at most ~4x the work


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's query planner")
@pytest.mark.parametrize(
    "params",
    [
        {"q": "library", "area": "F01", "period": "2000"},
        {"q": "library", "country": "FR"},
        {"q": "manuscripts", "kind": "digital-unification", "status": "completed"},
        {"q": "library", "period": "2010", "sort": "start"},
        {"q": "library", "language": "en", "sort": "views"},
    ],
    ids=["area+period", "country", "kind+status", "period, by start", "language, by views"],
)
def test_sqlite_starts_a_search_with_filters_from_the_full_text_index(personas, kinds, params):
    """Started from the practices, SQLite runs the full-text match again for each of them (a
    second or more at 20,000 practices instead of milliseconds): the full-text table must be
    read first, once."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from practices.views.listing import list_ids

    functions_seed.load_framework()
    call_command("generate_practices", count=300, skip_seed=True, force=True, stdout=None)
    public = Practice.objects.filter(status__in=[PracticeStatus.PUBLISHED, "archived"])
    with CaptureQueriesContext(connection) as queries:
        list_ids(PracticeFilterSet(params, queryset=public))
    searches = [q["sql"] for q in queries if "practices_practice_fts" in q["sql"]]
    assert searches
    for sql in searches:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            steps = [row[3] for row in cursor.fetchall()]
        fts = next(n for n, step in enumerate(steps) if "practices_practice_fts" in step)
        rows = [
            n
            for n, step in enumerate(steps)
            if step.startswith(
                (
                    "SCAN practices_practice ",
                    "SEARCH practices_practice USING COVERING INDEX practice_",
                )
            )
        ]
        assert all(fts < n for n in rows), steps
