"""The function pages as a visitor, a contributor and a moderator see them.

The framework, one item with its map, the comparison, positions, legal deposit, participation,
a library's profile and its history; every download; demo data notices; bad addresses; who may
see and do what; the area form with its errors and conflicts; the moderators' forms.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_library
from core.actors import SEED
from core.services import history_of
from functions import demo, services
from functions.choices import ProfileStatus, RoundStatus
from functions.models import Answer, FrameworkEdition, Item, Profile, Round
from libraries.models import Country
from libraries.tests.test_views import SVG_NS, country_classes, main_text, parse, world_map

A_SLUG = "bibliotheque-nationale-de-france"
B_SLUG = "national-library-of-norway"
C_SLUG = "bibliotheque-nationale-du-senegal"
A_NAME = "Bibliothèque nationale de France"
B_NAME = "National Library of Norway"
C_NAME = "Bibliothèque nationale du Sénégal"
A_PROFILE = f"/en/libraries/{A_SLUG}/profile/2020/"
C_PROFILE = f"/en/libraries/{C_SLUG}/profile/2020/"
DEMO_NOTICE = "Demo data, not real answers."
NO_PROFILE = "This library has no published profile in this round."

# What the three libraries published in the 2020 round. Norway does not know who deposits
# printed publications ("unknown"); Senegal did not answer it at all.
ANSWERS = {
    "A": {
        "F01.1": {"value": "nl", "note": "Code du patrimoine, art. L131-2", "since": "1537"},
        "F01.2": "2006",
        "F01.3": "books;websites",
        "F01.4": "shared",
        "F01.5": "nl",
        "F01.6": "continuous",
        "F04.6": "1000000",
        "F14.1": "national library only",
    },
    "B": {
        "F01.1": "unknown",
        "F01.3": "books",
        "F01.4": "nl",
        "F01.5": "nl",
        "F01.6": "yearly",
        "F04.6": "500000",
    },
    "C": {"F01.2": "1976", "F01.3": "serials", "F01.4": "nl", "F04.6": "unknown"},
}
# Where France and Norway answer differently (an unanswered item differs from an answer).
A_B_DIFFER = ["F01.1", "F01.2", "F01.3", "F01.4", "F01.6", "F04.6", "F14.1"]


# --- Reading pages and filling in forms as a browser would ----------------------------------


class _Forms(HTMLParser):
    """Every form of a page with the values a browser would send: lists, as checkboxes and
    multiple selections send several values under one name; disabled fields are not sent."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action"), "method": a.get("method", "get"), "data": {}}
            self.forms.append(self._form)
            return
        if self._form is None or "disabled" in a or not a.get("name", tag == "option"):
            return
        data = self._form["data"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file") or (
                kind in ("checkbox", "radio") and "checked" not in a
            ):
                return
            data.setdefault(a["name"], []).append(
                a.get("value", "on" if kind == "checkbox" else "")
            )
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea = a["name"]
            data[self._textarea] = [""]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _s in self._options[:1]
            ]
            self._form["data"][self._select] = chosen
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["data"][self._textarea][0] += data.removeprefix("\n")


def _all_forms(response) -> list[dict]:
    parser = _Forms()
    parser.feed(response.content.decode())
    return parser.forms


def form_data(response, **changes) -> dict:
    """What the page's own form (method post, no action) sends, with `changes` typed in."""
    forms = [f for f in _all_forms(response) if f["method"] == "post" and not f["action"]]
    assert forms, "the page has no form posting to itself"
    data = dict(forms[0]["data"])
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    return data


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def body(response) -> dict:
    return json.loads(response.content)


def table(response, caption_or_header: str) -> list[list[str]]:
    """The table whose header row starts with the given cell."""
    found = [t for t in parse(response).tables if t and t[0] and t[0][0] == caption_or_header]
    assert found, f"no table starting with {caption_or_header!r}"
    return found[0]


def item_rows(response) -> list[list[str]]:
    """Rows of all "Item" tables of the framework or comparison page."""
    return [row for t in parse(response).tables if t and t[0][0] == "Item" for row in t[1:]]


def errors_at(response, field_id: str) -> str:
    html = response.content.decode()
    found = re.search(rf'<ul class="errorlist" id="{re.escape(field_id)}_error">(.*?)</ul>', html)
    found = found or re.search(rf'id="{re.escape(field_id)}-errors">(.*?)</div>', html, re.S)
    assert found, f"no error shown at {field_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


# --- Data ----------------------------------------------------------------------------------


def publish(library, round_, answers: dict) -> Profile:
    """A profile published through the services, as a moderator would."""
    profile = services.start_profile(library, round_, user=SEED)
    profile = services.save_answers(
        profile,
        {c: a if isinstance(a, dict) else {"value": a} for c, a in answers.items()},
        user=SEED,
        reason="test answers",
        expected_version=None,
    )
    return services.publish_profile(profile, user=SEED, expected_version=None)


def current_round() -> Round:
    return Round.objects.select_related("edition").get(year=2020)


@pytest.fixture
def atlas(framework, registry):
    """Libraries A, B and C with published profiles in the 2020 round."""
    for key in "ABC":
        publish(registry[key], framework, ANSWERS[key])
    return registry


@pytest.fixture
def with_demo(framework, registry):
    """A and B published real answers; C has generated demo answers."""
    for key in "AB":
        publish(registry[key], framework, ANSWERS[key])
    assert demo.generate(current_round(), [registry["C"]]) == 1
    return registry


@pytest.fixture
def anon(client_for, registry):
    return client_for(None)


@pytest.fixture
def alice(client_for, personas):
    return client_for(personas["alice"])


@pytest.fixture
def bob(client_for, personas):
    return client_for(personas["bob"])


@pytest.fixture
def moderator(client_for, personas):
    return client_for(personas["moderator"])


# --- The framework -------------------------------------------------------------------------


def test_the_framework_lists_every_area_and_item_with_how_many_answered(anon, atlas):
    response = anon.get("/en/functions/")
    assert response.status_code == 200
    text = main_text(response)
    assert "Round 2020 beta: 3 published profiles." in text
    assert "F01 Legal deposit and the national collection core" in text
    assert "F14 Institutional context context (descriptive only)" in text
    rows = {row[0]: row for row in item_rows(response)}
    assert len(rows) == 85
    assert rows["F01.1"][1:] == ["Legal deposit of printed publications", "who performs it", "2"]
    assert rows["F01.3"][2:] == ["several choices", "3"]
    assert rows["F04.6"][2:] == ["number (registered users)", "3"]  # "unknown" is an answer
    assert rows["F02.1"][3] == "0"
    assert DEMO_NOTICE not in text


def test_the_framework_shows_each_question_in_full(anon, atlas):
    rows = {row[0]: row[1] for row in item_rows(anon.get("/en/functions/"))}
    assert rows["F01.9"] == (
        "Manuscripts, private archives and special collections of national significance"
    )
    assert rows["F01.4"] == "Legal deposit of online publications (e-books, e-journals)"


def test_the_framework_of_an_edition_shows_the_items_it_asks(anon, atlas):
    response = anon.get("/en/functions/", {"edition": "2020-beta"})
    assert response.status_code == 200
    assert "Showing the items of edition 2020-beta." in main_text(response)
    assert len(item_rows(response)) == 85
    assert anon.get("/en/functions/", {"edition": "1999"}).status_code == 404


# --- One item and its map ------------------------------------------------------------------


def test_an_item_page_maps_the_answers_with_a_legend_and_a_table(anon, atlas):
    response = anon.get("/en/functions/F01.1/")
    assert response.status_code == 200
    svg = world_map(response, prefix="item-map")
    assert svg.findtext(f"{SVG_NS}title") == "F01.1 Legal deposit of printed publications"
    classes = country_classes(svg)
    assert "cat-0" in classes["FR"]  # the national library
    assert "answer-unknown" in classes["NO"]
    assert "answer-missing" in classes["SN"]  # published, but F01.1 left empty
    assert "no-data" in classes["DE"]  # no published profile at all
    text = main_text(response)
    assert "the national library (1)" in text
    assert "unknown (1)" in text
    assert "profile published, item not answered (1)" in text
    assert "no published profile" in text
    assert table(response, "Library")[1:] == [
        [A_NAME, "France", "the national library", "1537", "Code du patrimoine, art. L131-2"],
        [C_NAME, "Senegal", "not answered", "—", ""],
        [B_NAME, "Norway", "unknown", "—", ""],
    ]
    assert table(response, "Country")[1:] == [
        ["France", A_NAME, "the national library"],
        ["Norway", B_NAME, "unknown"],
        ["Senegal", C_NAME, "not answered"],
    ]


def test_an_item_page_counts_unknown_apart_from_not_answered(anon, atlas):
    text = main_text(anon.get("/en/functions/F01.1/"))
    numbers = text[text.index("Answers in numbers") : text.index("Answers Answers to")]
    assert "the national library: 1" in numbers
    assert "unknown: 1" in numbers
    assert "not answered: 1" in numbers


@pytest.mark.parametrize(
    ("option", "fr", "no", "sn"),
    [("books", "cat-0", "cat-0", "cat-1"), ("serials", "cat-1", "cat-1", "cat-0")],
)
def test_a_several_choices_item_maps_who_includes_the_chosen_option(
    anon, atlas, option, fr, no, sn
):
    response = anon.get("/en/functions/F01.3/", {"option": option})
    assert response.status_code == 200
    classes = country_classes(world_map(response, prefix="item-map"))
    assert (fr, no, sn) == tuple(
        next(c for c in classes[iso] if c.startswith("cat-")) for iso in ("FR", "NO", "SN")
    )
    included = 2 if option == "books" else 1
    text = main_text(response)
    assert f"includes {option} ({included})" in text
    assert f"does not include it ({3 - included})" in text
    assert table(response, "Library")[1][2] == "books, websites"
    assert f'<option value="{option}" selected>' in response.content.decode()


def test_a_number_item_is_mapped_per_million_people_when_asked(anon, atlas):
    Country.objects.filter(iso2="FR").update(population=67_000_000)
    Country.objects.filter(iso2="NO").update(population=5_400_000)
    response = anon.get("/en/functions/F04.6/", {"per_capita": "1"})
    assert response.status_code == 200
    text = main_text(response)
    assert "Population figures are approximate and not yet verified" in text
    assert table(response, "Country")[1:] == [
        ["France", A_NAME, "14,925 per million people"],
        ["Norway", B_NAME, "92,593 per million people"],
        ["Senegal", C_NAME, "unknown"],
    ]
    classes = country_classes(world_map(response, prefix="item-map"))
    assert any(c.startswith("q-") for c in classes["FR"])
    assert any(c.startswith("q-") for c in classes["NO"])
    assert "answer-unknown" in classes["SN"]
    # Without per_capita, the same map shows the totals.
    plain = anon.get("/en/functions/F04.6/")
    assert table(plain, "Country")[1][2] == "1,000,000 registered users"


# --- Comparison ----------------------------------------------------------------------------


def test_the_comparison_shows_two_libraries_side_by_side_and_marks_differences(anon, atlas):
    response = anon.get("/en/compare/", {"libraries": f"{A_SLUG},{B_SLUG}"})
    assert response.status_code == 200
    first = parse(response).tables[0]
    assert first[0] == ["Item", A_NAME, B_NAME]
    rows = {row[0].split()[0]: row for row in item_rows(response)}
    assert len(rows) == 85
    assert rows["F01.1"][1:] == ["the national library", "unknown"]
    assert rows["F01.5"][1:] == ["the national library", "the national library"]
    assert rows["F02.1"][1:] == ["not answered", "not answered"]
    differing = [code for code, row in rows.items() if row[0].endswith("(answers differ)")]
    assert differing == A_B_DIFFER
    html = response.content.decode()
    assert html.count('<tr class="differs">') == len(A_B_DIFFER)
    assert DEMO_NOTICE not in main_text(response)


def test_only_where_they_differ_keeps_only_the_differing_rows(anon, atlas):
    response = anon.get("/en/compare/", {"libraries": f"{A_SLUG},{B_SLUG}", "differ": "1"})
    assert response.status_code == 200
    assert [row[0].split()[0] for row in item_rows(response)] == A_B_DIFFER
    assert [t[0][0] for t in parse(response).tables] == ["Item"] * 3  # F01, F04 and F14
    assert "F02 National bibliographic control" not in main_text(response)


def test_libraries_that_answered_alike_have_nothing_to_show_where_they_differ(
    anon, atlas, registry
):
    publish(make_library("Bibliothèque de Lyon", "FR"), current_round(), ANSWERS["A"])
    params = {"libraries": f"{A_SLUG},bibliotheque-de-lyon", "differ": "1"}
    response = anon.get("/en/compare/", params)
    assert response.status_code == 200
    assert item_rows(response) == []
    assert "Nothing to show: the libraries answered alike everywhere" in main_text(response)
    assert csv_rows(anon.get("/en/compare/export.csv", params)) == []


def test_the_comparison_names_a_library_without_a_published_profile(anon, atlas, registry):
    make_library("Deutsche Nationalbibliothek", "FR")
    response = anon.get("/en/compare/", {"libraries": f"{A_SLUG},deutsche-nationalbibliothek"})
    assert response.status_code == 200
    assert "No published profile in this round for: Deutsche Nationalbibliothek" in main_text(
        response
    )


@pytest.mark.parametrize(
    ("libraries", "message"),
    [
        (A_SLUG, "Choose at least two libraries to compare."),
        (f"{A_SLUG},{A_SLUG}", "Choose at least two libraries to compare."),
        (",".join(f"lib-{n}" for n in range(9)), "Compare at most eight libraries at a time."),
        (f"{A_SLUG},no-such-library", "No library with the address: no-such-library."),
    ],
)
def test_a_bad_comparison_says_what_is_wrong(anon, atlas, libraries, message):
    response = anon.get("/en/compare/", {"libraries": libraries})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<p class="message message-error" role="alert">{message}</p>' in html
    assert 'class="compare-table"' not in html


def test_the_empty_comparison_form_is_no_error(anon, atlas):
    response = anon.get("/en/compare/")
    assert response.status_code == 200
    assert 'role="alert"' not in response.content.decode()


# --- Positions -----------------------------------------------------------------------------


def test_positions_show_the_scatter_the_clusters_the_peers_and_how_it_is_computed(anon, atlas):
    response = anon.get("/en/positions/")
    assert response.status_code == 200
    html = response.content.decode()
    text = main_text(response)
    assert "3 libraries compared on 79 items." in text
    assert "Positions of national libraries" in html and "<circle" in html
    assert "Each dot is a library; libraries with similar answers are close together." in html
    assert "Gower's method" in text and "average linkage" in text
    assert "Cluster 1: 1 library" in text  # three libraries, at most three clusters
    peers = table(response, "Library")
    assert [row[0] for row in peers[1:]] == [A_NAME, B_NAME, C_NAME]
    assert [row[1] for row in peers[1:]] == ["Europe", "Europe", "Africa"]
    assert peers[1][3].startswith(f"{B_NAME} (")
    assert '<option value="5" selected>' in html


def test_positions_can_colour_the_dots_by_cluster(anon, atlas):
    response = anon.get("/en/positions/", {"colour": "cluster", "clusters": "2"})
    assert response.status_code == 200
    text = main_text(response)
    legend = text[text.index("Map of positions") : text.index("The two axes")]
    assert "Cluster 1" in legend and "Cluster 2" in legend and "Europe" not in legend
    assert "Cluster 2: 1 library" in text or "Cluster 2: 2 libraries" in text
    assert len({row[2] for row in table(response, "Library")[1:]}) == 2


def test_positions_ignore_an_unknown_area_and_fall_back_on_a_bad_number_of_clusters(anon, atlas):
    response = anon.get("/en/positions/", {"area": ["F01", "F99"], "clusters": "abc"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="F01" checked' in html and 'value="F99"' not in html
    assert '<option value="5" selected>' in html
    text = main_text(response)
    assert "3 libraries compared on 10 items." in text  # the items of F01 only
    assert table(response, "Library")[1][0] == A_NAME


# --- Legal deposit and participation --------------------------------------------------------


def test_the_legal_deposit_page_maps_f01_1_and_tables_every_library(anon, atlas):
    response = anon.get("/en/legal-deposit/")
    assert response.status_code == 200
    classes = country_classes(world_map(response, prefix="ld-map"))
    assert "cat-0" in classes["FR"] and "answer-unknown" in classes["NO"]
    assert table(response, "Library")[1:] == [
        [A_NAME, "France", "the national library", "shared with other bodies"]
        + ["the national library", "continuous", "2006"],
        [C_NAME, "Senegal", "not answered", "the national library"]
        + ["not answered", "not answered", "1976"],
        [B_NAME, "Norway", "unknown", "the national library", "the national library", "yearly"]
        + ["not answered"],
    ]
    text = main_text(response)
    assert "Legal deposit of printed publications the national library: 1" in text


def test_the_legal_deposit_map_can_show_another_item(anon, atlas):
    response = anon.get("/en/legal-deposit/", {"item": "F01.6"})
    classes = country_classes(world_map(response, prefix="ld-map"))
    assert "F01.6 Frequency of national web domain crawls" in main_text(response)
    assert "answer-missing" in classes["SN"] and "no-data" not in classes["SN"]
    # An item that is not a legal deposit item falls back to F01.1.
    other = anon.get("/en/legal-deposit/", {"item": "F14.1"})
    assert "F01.1 Legal deposit of printed publications" in main_text(other)


def test_participation_counts_profiles_by_status_and_shows_completeness(anon, atlas, registry):
    services.start_profile(make_library("Draft library", "SN"), current_round(), user=SEED)
    response = anon.get("/en/participation/")
    assert response.status_code == 200
    text = main_text(response)
    assert "3 published profiles 0 waiting for review 1 in progress" in text
    rows = table(response, "Library")[1:]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (A_NAME, "France", "8/85 8/85"),
        (C_NAME, "Senegal", "4/85 4/85"),
        (B_NAME, "Norway", "6/85 6/85"),
    ]
    classes = country_classes(world_map(response, prefix="participation-map"))
    assert {"FR", "NO", "SN"} <= {iso for iso, c in classes.items() if "cat-0" in c}


# --- A library's profile -------------------------------------------------------------------


def test_a_published_profile_shows_every_answer_in_words(anon, atlas):
    response = anon.get(A_PROFILE)
    assert response.status_code == 200
    text = main_text(response)
    assert "Status: published" in text and "8 items answered" in text
    assert (
        "F01.1 Legal deposit of printed publications the national library · since 1537 "
        "Code du patrimoine, art. L131-2" in text
    )
    assert "F01.3 Material covered by legal deposit books, websites" in text
    assert "F01.8 Representative collection of foreign literature not answered" in text
    assert "F04.6 Registered users in the reporting year 1000000 registered users" in text
    assert "F01 Legal deposit and the national collection (6/10)" in text
    assert "Fill in the answers" not in text and DEMO_NOTICE not in text
    # Norway's "unknown" is shown as such, not as not answered.
    norway = main_text(anon.get(f"/en/libraries/{B_SLUG}/profile/2020/"))
    assert "F01.1 Legal deposit of printed publications unknown" in norway


def test_the_profile_history_shows_each_change_with_its_reason(alice, atlas):
    response = alice.get(A_PROFILE + "history/")
    assert response.status_code == 200
    text = main_text(response)
    assert text.count("Reason: test answers") == 1
    assert "Reason: Published" in text and "Reason: Profile started" in text
    changed = [t for t in parse(response).tables if ["F01.1 answer", "—", "nl"] in t]
    assert changed and ["F14.1 answer", "—", "national library only"] in changed[0]


def test_visitors_see_the_publication_and_later_edits_but_not_the_draft_work(anon, atlas):
    text = main_text(anon.get(A_PROFILE + "history/"))
    assert "Reason: Published" in text
    assert "Reason: test answers" not in text and "Reason: Profile started" not in text
    anon_changes = anon.get("/en/changes/").content.decode()
    assert "test answers" not in anon_changes


def second_round(year: int = 2021) -> Round:
    edition = services.publish_edition(str(year), f"{year} edition", user=SEED)
    return services.create_round(
        {
            "slug": str(year),
            "name": str(year),
            "year": year,
            "edition": edition,
            "status": RoundStatus.OPEN,
        },
        user=SEED,
    )


def test_a_profile_links_to_the_library_s_published_profiles_of_other_rounds(anon, atlas, registry):
    publish(registry["A"], second_round(), {"F01.1": "shared"})
    text = main_text(anon.get(A_PROFILE))
    assert "Other rounds 2021" in text
    newer = main_text(anon.get(f"/en/libraries/{A_SLUG}/profile/2021/"))
    assert "F01.1 Legal deposit of printed publications shared with other bodies" in newer
    assert "Other rounds 2020 beta" in newer


def test_a_visitor_is_not_shown_other_rounds_where_the_profile_is_a_draft(
    anon, personas, atlas, registry
):
    services.start_profile(registry["A"], second_round(), user=personas["alice"])
    assert "Other rounds" not in main_text(anon.get(A_PROFILE))


def test_a_library_in_a_round_with_enough_profiles_shows_its_most_similar_libraries(
    anon, atlas, registry
):
    fourth = make_library("Nasjonalbiblioteket Mo i Rana", "NO")
    publish(fourth, current_round(), ANSWERS["B"])
    response = anon.get(f"/en/libraries/{B_SLUG}/")
    assert response.status_code == 200
    text = main_text(response)
    assert "Most similar libraries (2020 beta)" in text
    listed = text[text.index("Most similar libraries") : text.index("In cluster")]
    assert listed.index("Nasjonalbiblioteket Mo i Rana") < listed.index(A_NAME)
    assert C_NAME in listed and B_NAME not in listed
    assert "Computed from demo data" not in text
    assert "Profile 2020 beta — published" in text


def test_a_library_without_a_profile_shows_no_peers(anon, atlas):
    make_library("Deutsche Nationalbibliothek", "FR")
    text = main_text(anon.get("/en/libraries/deutsche-nationalbibliothek/"))
    assert "Most similar libraries" not in text
    assert "No profile yet. Profile 2020 beta" in text


# --- Downloads -----------------------------------------------------------------------------

DOWNLOADS = {
    "framework": ("/en/functions/export", {}),
    "item": ("/en/functions/F01.1/export", {}),
    "compare": ("/en/compare/export", {"libraries": f"{A_SLUG},{B_SLUG}"}),
    "positions": ("/en/positions/export", {}),
    "legal deposit": ("/en/legal-deposit/export", {}),
    "participation": ("/en/participation/export", {}),
    "profile": (A_PROFILE + "export", {}),
    "round": ("/en/functions/rounds/2020/export", {}),
}


@pytest.mark.parametrize("download", list(DOWNLOADS))
def test_the_csv_and_json_downloads_have_the_same_rows_with_licence_and_demo_flag(
    anon, atlas, download
):
    url, params = DOWNLOADS[download]
    as_csv = anon.get(url + ".csv", params)
    as_json = anon.get(url + ".json", params)
    assert as_csv.status_code == as_json.status_code == 200
    assert as_csv["Content-Type"].startswith("text/csv")
    assert as_json["Content-Type"].startswith("application/json")
    assert as_csv["Content-Disposition"].startswith('attachment; filename="')
    rows, data = csv_rows(as_csv), body(as_json)
    assert data["licence"] == "CC0 1.0"
    assert data["demo_data"] is False
    assert data["count"] == len(rows) == len(data["results"]) > 0
    columns = list(rows[0])
    as_text = [
        {c: "" if r.get(c) is None else str(r.get(c, "")) for c in columns} for r in data["results"]
    ]
    assert as_text == rows


def test_the_framework_download_has_the_rows_and_counts_of_the_page(anon, atlas):
    page = [(row[0], row[3]) for row in item_rows(anon.get("/en/functions/"))]
    rows = csv_rows(anon.get("/en/functions/export.csv"))
    assert [(r["item"], r["answered"]) for r in rows] == page
    assert rows[2]["options"].startswith("books;serials;newspapers")


def test_the_item_download_has_the_rows_of_the_answers_table(anon, atlas):
    page = table(anon.get("/en/functions/F01.1/"), "Library")[1:]
    rows = csv_rows(anon.get("/en/functions/F01.1/export.csv"))
    assert [[r["library_name"], r["country"], r["label"]] for r in rows] == [
        row[:3] for row in page
    ]
    assert [r["value"] for r in rows] == ["nl", "", "unknown"]
    assert rows[0]["since"] == "1537" and rows[0]["demo"] == "no"


def test_the_comparison_download_has_the_rows_shown_with_or_without_differ(anon, atlas):
    for params in ({}, {"differ": "1"}):
        params = {"libraries": f"{A_SLUG},{B_SLUG}", **params}
        page = item_rows(anon.get("/en/compare/", params))
        rows = csv_rows(anon.get("/en/compare/export.csv", params))
        assert [r["item"] for r in rows] == [row[0].split()[0] for row in page]
        assert [[r[A_SLUG], r[B_SLUG]] for r in rows] == [row[1:] for row in page]
        assert [r["differ"] == "yes" for r in rows] == [
            row[0].endswith("(answers differ)") for row in page
        ]


def test_a_comparison_download_with_bad_libraries_is_refused(anon, atlas):
    response = anon.get("/en/compare/export.csv", {"libraries": A_SLUG})
    assert response.status_code in (400, 404)
    assert not response["Content-Type"].startswith("text/csv")


def test_the_positions_download_has_the_libraries_of_the_peers_table(anon, atlas):
    page = table(anon.get("/en/positions/"), "Library")[1:]
    rows = csv_rows(anon.get("/en/positions/export.csv"))
    assert [[r["library_name"], r["region"], r["cluster"]] for r in rows] == [
        row[:3] for row in page
    ]
    assert rows[0]["peers"].split(";")[0] == B_SLUG
    float(rows[0]["x"]), float(rows[0]["y"])  # numbers, not text a spreadsheet would run


def test_the_legal_deposit_download_has_the_libraries_and_values_of_the_table(anon, atlas):
    page = table(anon.get("/en/legal-deposit/"), "Library")[1:]
    rows = csv_rows(anon.get("/en/legal-deposit/export.csv"))
    assert [r["library_name"] for r in rows] == [row[0] for row in page]
    assert [r["F01.1"] for r in rows] == ["nl", "", "unknown"]
    assert [r["F01.2"] for r in rows] == ["2006", "1976", ""]


def test_the_participation_download_has_the_published_profiles_of_the_table(anon, atlas):
    services.start_profile(make_library("Draft library", "SN"), current_round(), user=SEED)
    page = table(anon.get("/en/participation/"), "Library")[1:]
    rows = csv_rows(anon.get("/en/participation/export.csv"))
    assert [(r["library_name"], f"{r['answered']}/{r['items']}") for r in rows] == [
        (row[0], row[2].split()[0]) for row in page
    ]
    assert {r["status"] for r in rows} == {"published"}


def test_the_profile_download_has_one_row_per_item_with_the_answers_shown(anon, atlas):
    rows = csv_rows(anon.get(A_PROFILE + "export.csv"))
    assert len(rows) == 85
    answered = {r["item"]: r["value"] for r in rows if r["value"]}
    assert answered == {c: a if isinstance(a, str) else a["value"] for c, a in ANSWERS["A"].items()}
    first = rows[0]
    assert (first["item"], first["note"], first["since"]) == (
        "F01.1",
        "Code du patrimoine, art. L131-2",
        "1537",
    )
    assert body(anon.get(A_PROFILE + "export.json"))["status"] == "published"


def test_the_round_download_has_one_row_per_published_library(anon, atlas):
    services.start_profile(make_library("Draft library", "SN"), current_round(), user=SEED)
    response = anon.get("/en/functions/rounds/2020/export.csv")
    assert response.status_code == 200
    rows = csv_rows(response)
    assert [r["library_name"] for r in rows] == [A_NAME, C_NAME, B_NAME]
    assert list(rows[0])[:6] == ["library", "library_name", "country_iso2", "status", "demo"] + [
        "F01.1"
    ]
    assert len(rows[0]) == 5 + 85
    assert (rows[0]["F01.3"], rows[2]["F01.1"], rows[1]["F01.1"]) == (
        "books;websites",
        "unknown",
        "",
    )


@pytest.mark.parametrize("url", ["/en/functions/export.xml", A_PROFILE + "export.xlsx"])
def test_an_unknown_download_format_is_not_found(anon, atlas, url):
    assert anon.get(url).status_code == 404


def test_a_profile_downloaded_and_imported_again_through_the_import_page_round_trips(alice, atlas):
    download = alice.get(A_PROFILE + "export.csv")
    before = download.content.decode()
    changed = before.replace("continuous", "yearly")
    page = alice.get(A_PROFILE + "import/")
    assert page.status_code == 200
    upload = SimpleUploadedFile("profile.csv", changed.encode(), content_type="text/csv")
    response = alice.post(A_PROFILE + "import/", {**form_data(page), "file": upload})
    assert response.status_code == 302
    assert response["Location"] == A_PROFILE
    assert "8 answers imported." in main_text(alice.get(A_PROFILE))
    assert alice.get(A_PROFILE + "export.csv").content.decode() == changed
    # And importing the same file again changes nothing.
    page = alice.get(A_PROFILE + "import/")
    upload = SimpleUploadedFile("profile.csv", changed.encode(), content_type="text/csv")
    assert alice.post(A_PROFILE + "import/", {**form_data(page), "file": upload}).status_code == 302
    assert alice.get(A_PROFILE + "export.csv").content.decode() == changed


def test_an_import_with_a_bad_row_is_refused_with_its_row_and_column(alice, atlas):
    page = alice.get(A_PROFILE + "import/")
    upload = SimpleUploadedFile("p.csv", b"item,value\nF01.1,nl\nF01.2,soon\n")
    response = alice.post(A_PROFILE + "import/", {**form_data(page), "file": upload})
    assert response.status_code == 400
    text = main_text(response)
    assert "Nothing was imported." in text
    assert "Row 3, column value: F01.2: A year is written with digits" in text


# --- Demo data -----------------------------------------------------------------------------

DEMO_PAGES = {
    "framework": "/en/functions/",
    "item": "/en/functions/F01.1/",
    "compare": f"/en/compare/?libraries={A_SLUG},{C_SLUG}",
    "positions": "/en/positions/",
    "legal deposit": "/en/legal-deposit/",
    "participation": "/en/participation/",
    "profile": C_PROFILE,
    "history": C_PROFILE + "history/",
}


@pytest.mark.parametrize("page", list(DEMO_PAGES))
def test_a_page_showing_demo_answers_says_so(anon, with_demo, page):
    response = anon.get(DEMO_PAGES[page])
    assert response.status_code == 200
    assert DEMO_NOTICE in main_text(response)


@pytest.mark.parametrize("page", list(DEMO_PAGES))
def test_a_page_without_demo_answers_does_not_say_so(anon, atlas, page):
    response = anon.get(DEMO_PAGES[page])
    assert response.status_code == 200
    assert DEMO_NOTICE not in main_text(response)


def test_demo_answers_are_badged_in_tables_and_flagged_in_downloads(anon, with_demo):
    rows = table(anon.get("/en/functions/F01.1/"), "Library")[1:]
    assert rows[1][0] == f"{C_NAME} demo"
    assert body(anon.get("/en/functions/F01.1/export.json"))["demo_data"] is True
    assert body(anon.get(C_PROFILE + "export.json"))["demo_data"] is True
    assert body(anon.get(A_PROFILE + "export.json"))["demo_data"] is False
    assert body(anon.get("/en/functions/rounds/2020/export.json"))["demo_data"] is True
    assert {r["demo"] for r in csv_rows(anon.get("/en/participation/export.csv"))} == {
        "yes",
        "no",
    }


def test_a_comparison_of_real_profiles_shows_no_demo_notice_beside_demo_ones(anon, with_demo):
    response = anon.get("/en/compare/", {"libraries": f"{A_SLUG},{B_SLUG}"})
    assert DEMO_NOTICE not in main_text(response)


def test_the_download_of_a_comparison_of_real_profiles_is_not_flagged_as_demo(anon, with_demo):
    params = {"libraries": f"{A_SLUG},{B_SLUG}"}
    assert body(anon.get("/en/compare/export.json", params))["demo_data"] is False


def test_a_contributor_is_offered_to_replace_demo_answers_not_to_edit_them(
    alice, framework, registry
):
    demo.generate(current_round(), [registry["A"]])
    text = main_text(alice.get(A_PROFILE))
    assert DEMO_NOTICE in text
    assert "Work at this library? Replace the demo answers with your own." in text
    assert "Fill in the answers" not in text


def test_starting_the_real_profile_replaces_the_demo_answers(alice, anon, framework, registry):
    demo.generate(current_round(), [registry["A"]])
    response = alice.post(A_PROFILE + "start/")
    assert response.status_code == 302
    profile = Profile.objects.get(library=registry["A"])
    assert (profile.is_demo, profile.status, profile.answered) == (False, "draft", 0)
    text = main_text(alice.get(A_PROFILE))
    assert "Status: draft" in text and DEMO_NOTICE not in text
    visitor = main_text(anon.get(A_PROFILE))
    assert NO_PROFILE in visitor and DEMO_NOTICE not in visitor
    assert DEMO_NOTICE not in main_text(anon.get("/en/functions/"))


def test_the_library_page_says_its_peers_come_from_demo_data(anon, with_demo, registry):
    fourth = make_library("Nasjonalbiblioteket Mo i Rana", "NO")
    publish(fourth, current_round(), ANSWERS["B"])
    text = main_text(anon.get(f"/en/libraries/{A_SLUG}/"))
    assert "Most similar libraries (2020 beta)" in text
    assert "Computed from demo data, not real answers." in text


# --- Bad addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/en/functions/F99.9/",
        "/en/functions/F99.9/export.csv",
        "/en/functions/nonsense/",
        "/en/functions/?round=1999",
        "/en/functions/?round=abc",
        "/en/functions/F01.1/?round=abc",
        "/en/compare/?libraries=a,b&round=abc",
        "/en/positions/?round=1999",
        "/en/legal-deposit/?round=abc",
        "/en/participation/?round=1999",
        "/en/functions/rounds/1999/export.csv",
        f"/en/libraries/{A_SLUG}/profile/1999/",
        f"/en/libraries/{A_SLUG}/profile/1999/history/",
        "/en/libraries/no-such-library/profile/2020/",
    ],
)
def test_an_unknown_item_round_or_library_is_not_found(anon, atlas, url):
    response = anon.get(url)
    assert response.status_code == 404
    assert "Page not found" in main_text(response)


# --- Who may see and do what ---------------------------------------------------------------


@pytest.fixture
def draft(framework, personas, registry):
    """Alice's draft profile of library A, two answers in."""
    profile = services.start_profile(registry["A"], framework, user=personas["alice"])
    return services.save_answers(
        profile,
        {"F01.1": {"value": "nl"}, "F01.6": {"value": "yearly"}},
        user=personas["alice"],
        reason="first answers",
        expected_version=profile.version,
    )


@pytest.mark.parametrize("who", ["anonymous", "bob", "member"])
def test_a_draft_profile_is_no_published_profile_for_others(client_for, personas, draft, who):
    client = client_for(personas[who])
    response = client.get(A_PROFILE)
    assert response.status_code == 200
    text = main_text(response)
    assert NO_PROFILE in text
    assert "Status:" not in text and "the national library" not in text
    assert client.get(A_PROFILE + "history/").status_code == 404
    assert client.get(A_PROFILE + "export.csv").status_code == 404
    assert client.get(A_PROFILE + "export.json").status_code == 404
    assert "Profile 2020 beta — draft" not in main_text(client.get(f"/en/libraries/{A_SLUG}/"))


@pytest.mark.parametrize("who", ["alice", "moderator"])
def test_the_library_s_contributor_and_moderators_see_the_draft(client_for, personas, draft, who):
    client = client_for(personas[who])
    text = main_text(client.get(A_PROFILE))
    assert "Status: draft" in text and "2 items answered" in text
    assert "F01.1 Legal deposit of printed publications the national library" in text
    assert client.get(A_PROFILE + "history/").status_code == 200
    assert "Profile 2020 beta — draft" in main_text(client.get(f"/en/libraries/{A_SLUG}/"))


@pytest.mark.parametrize(
    ("who", "status"), [("bob", 403), ("member", 403), ("alice", 200), ("moderator", 200)]
)
def test_only_the_library_s_contributors_and_moderators_may_edit_its_profile(
    client_for, personas, atlas, who, status
):
    client = client_for(personas[who])
    assert client.get(A_PROFILE + "edit/F01/").status_code == status
    assert client.get(A_PROFILE + "import/").status_code == status


def test_editing_a_profile_asks_a_visitor_to_sign_in(anon, atlas):
    response = anon.get(A_PROFILE + "edit/F01/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


def test_someone_else_s_draft_cannot_even_be_opened_for_editing(bob, draft):
    # Bob is not told the draft exists, as on the profile page: the address is not found.
    assert bob.get(A_PROFILE + "edit/F01/").status_code == 404


def test_an_unknown_area_is_not_found(alice, draft):
    assert alice.get(A_PROFILE + "edit/F99/").status_code == 404


MODERATOR_PAGES = [
    "/en/functions/review/",
    "/en/functions/new/",
    "/en/functions/F01.1/edit/",
    "/en/functions/editions/new/",
    "/en/functions/rounds/new/",
    "/en/functions/rounds/2020/edit/",
    "/en/functions/rounds/2020/import/",
]


@pytest.mark.parametrize("url", MODERATOR_PAGES)
def test_the_moderators_pages_are_refused_to_a_contributor(alice, atlas, url):
    assert alice.get(url).status_code == 403


@pytest.mark.parametrize("url", MODERATOR_PAGES)
def test_the_moderators_pages_open_for_a_moderator(moderator, atlas, url):
    assert moderator.get(url).status_code == 200


def test_the_review_queue_lists_submitted_profiles(moderator, personas, draft):
    services.submit_profile(draft, user=personas["alice"], expected_version=draft.version)
    text = main_text(moderator.get("/en/functions/review/"))
    assert f"{A_NAME}, 2020 beta — submitted on" in text


def test_a_contributor_cannot_publish_her_own_profile(alice, personas, draft):
    profile = services.submit_profile(draft, user=personas["alice"], expected_version=draft.version)
    assert f'action="{A_PROFILE}publish/"' not in alice.get(A_PROFILE).content.decode()
    response = alice.post(A_PROFILE + "publish/", {"version": profile.version})
    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.SUBMITTED
    assert "Status: submitted for review" in main_text(alice.get(A_PROFILE))


def test_a_moderator_publishes_a_submitted_profile_from_its_page(moderator, anon, personas, draft):
    profile = services.submit_profile(draft, user=personas["alice"], expected_version=draft.version)
    page = moderator.get(A_PROFILE)
    review = [f for f in _all_forms(page) if f["action"] == A_PROFILE + "publish/"]
    assert review
    response = moderator.post(A_PROFILE + "publish/", {**review[0]["data"], "comment": "fine"})
    assert response.status_code == 302
    assert "The profile is published." in main_text(moderator.get(A_PROFILE))
    assert "Status: published" in main_text(anon.get(A_PROFILE))
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.PUBLISHED


# --- The area form -------------------------------------------------------------------------


def stored(library_slug: str) -> dict[str, str]:
    return dict(
        Answer.objects.filter(profile__library__slug=library_slug).values_list(
            "item__code", "value"
        )
    )


def test_a_contributor_saves_an_area_and_the_answers_show_on_the_profile(alice, draft):
    form = alice.get(A_PROFILE + "edit/F01/")
    assert form.status_code == 200
    data = form_data(
        form,
        **{
            "F01.2-value": "1992",
            "F01.3-value": ["books", "websites"],
            "F01.3-note": "Code du patrimoine",
            "reason": "from the annual report",
            "next": "stay",
        },
    )
    response = alice.post(A_PROFILE + "edit/F01/", data)
    assert response.status_code == 302
    assert response["Location"] == A_PROFILE
    assert stored(A_SLUG) == {
        "F01.1": "nl",
        "F01.2": "1992",
        "F01.3": "books;websites",
        "F01.6": "yearly",
    }
    text = main_text(alice.get(A_PROFILE))
    assert "The answers of F01 Legal deposit and the national collection were saved." in text
    assert "F01.3 Material covered by legal deposit books, websites Code du patrimoine" in text
    history = main_text(alice.get(A_PROFILE + "history/"))
    assert "Reason: from the annual report" in history and "by Alice" in history


def test_save_and_go_to_the_next_area_opens_the_next_area(alice, draft):
    form = alice.get(A_PROFILE + "edit/F01/")
    response = alice.post(A_PROFILE + "edit/F01/", form_data(form, next="next"))
    assert response.status_code == 302
    assert response["Location"] == A_PROFILE + "edit/F02/"
    assert alice.get(response["Location"]).status_code == 200
    # From the last area, it goes back to the profile.
    last = alice.get(A_PROFILE + "edit/F14/")
    response = alice.post(A_PROFILE + "edit/F14/", form_data(last, next="next"))
    assert response["Location"] == A_PROFILE


def test_a_bad_answer_is_shown_at_its_item_keeping_what_was_typed_and_saving_nothing(alice, draft):
    before = Profile.objects.get(pk=draft.pk).version
    form = alice.get(A_PROFILE + "edit/F01/")
    data = form_data(
        form,
        **{
            "F01.2-value": "nineteen ninety-two",
            "F01.5-value": "shared",
            "F01.10-value": "84 500",
            "F01.1-since": "1200",
            "reason": "typo",
        },
    )
    response = alice.post(A_PROFILE + "edit/F01/", data)
    assert response.status_code == 200
    text = main_text(response)
    assert "Some answers were not saved: see the messages at each item." in text
    assert "A year is written with digits" in errors_at(response, "id_F01.2-value")
    assert "F01.1 since: The year must be between 1400" in errors_at(response, "id_F01.1-value")
    again = form_data(response)
    assert again["F01.2-value"] == ["nineteen ninety-two"]
    assert again["F01.5-value"] == ["shared"]
    assert again["F01.10-value"] == ["84 500"]
    assert again["F01.1-since"] == ["1200"]
    assert stored(A_SLUG) == {"F01.1": "nl", "F01.6": "yearly"}
    assert Profile.objects.get(pk=draft.pk).version == before


def test_a_stale_area_form_is_a_conflict_keeping_the_typed_answers_and_listing_changes(
    alice, personas, draft
):
    form = alice.get(A_PROFILE + "edit/F01/")
    services.save_answers(
        Profile.objects.get(pk=draft.pk),
        {"F01.6": {"value": "continuous"}},
        user=personas["moderator"],
        reason="crawls are continuous since 2020",
        expected_version=draft.version,
    )
    data = form_data(form, **{"F01.2-value": "1992", "reason": "law year"})
    response = alice.post(A_PROFILE + "edit/F01/", data)
    assert response.status_code == 409
    text = main_text(response)
    assert "Someone saved this profile while you were editing. Nothing you typed is lost" in text
    assert "What was saved meanwhile" in text
    assert "Reason: crawls are continuous since 2020" in text
    assert ["F01.6 answer", "yearly", "continuous"] in parse(response).tables[0]
    again = form_data(response)
    assert again["F01.2-value"] == ["1992"] and again["reason"] == ["law year"]
    assert again["F01.6-value"] == ["continuous"]  # what the moderator saved, not the old value
    assert again["version"] == [str(Profile.objects.get(pk=draft.pk).version)]
    assert stored(A_SLUG) == {"F01.1": "nl", "F01.6": "continuous"}


def test_saving_again_after_a_conflict_keeps_what_the_other_person_changed(alice, personas, draft):
    form = alice.get(A_PROFILE + "edit/F01/")
    services.save_answers(
        Profile.objects.get(pk=draft.pk),
        {"F01.6": {"value": "continuous"}},
        user=personas["moderator"],
        reason="crawls are continuous",
        expected_version=draft.version,
    )
    conflict = alice.post(A_PROFILE + "edit/F01/", form_data(form, **{"F01.2-value": "1992"}))
    assert conflict.status_code == 409
    assert alice.post(A_PROFILE + "edit/F01/", form_data(conflict)).status_code == 302
    assert stored(A_SLUG) == {"F01.1": "nl", "F01.2": "1992", "F01.6": "continuous"}


# --- The moderators' forms -----------------------------------------------------------------


def test_a_moderator_rewords_an_item_and_the_history_records_it(moderator, anon, atlas):
    form = moderator.get("/en/functions/F01.1/edit/")
    assert form.status_code == 200
    data = form_data(
        form,
        text="Legal deposit of printed publications (books, serials, maps)",
        reason="clearer wording",
    )
    response = moderator.post("/en/functions/F01.1/edit/", data)
    assert response.status_code == 302
    assert response["Location"] == "/en/functions/F01.1/"
    page = moderator.get("/en/functions/F01.1/")
    text = main_text(page)
    assert "The item was saved." in text
    assert "F01.1 Legal deposit of printed publications (books, serials, maps)" in text
    item = Item.objects.get(code="F01.1")
    change = history_of(item).first()
    assert change.reason == "clearer wording" and change.user_name == "Moe Moderator"
    detail = main_text(anon.get(f"/en/changes/{change.pk}/"))
    assert "Legal deposit of printed publications (books, serials, maps)" in detail
    assert "Reason for change clearer wording" in detail
    # The answers stay with the item: the code did not change.
    assert table(anon.get("/en/functions/F01.1/"), "Library")[1][2] == "the national library"


def test_an_item_edit_without_a_reason_saves_nothing(moderator, atlas):
    form = moderator.get("/en/functions/F01.1/edit/")
    response = moderator.post("/en/functions/F01.1/edit/", form_data(form, text="Other"))
    assert response.status_code == 200
    assert "This field is required." in errors_at(response, "id_reason")
    assert Item.objects.get(code="F01.1").text == "Legal deposit of printed publications"


def test_a_moderator_publishes_an_edition_and_creates_a_round_that_asks_it(moderator, atlas):
    form = moderator.get("/en/functions/editions/new/")
    assert "The edition freezes the current framework (85 items)" in main_text(form)
    response = moderator.post(
        "/en/functions/editions/new/",
        form_data(form, code="2024", title="2024 edition", notes="Reworded F01.1"),
    )
    assert response.status_code == 302
    assert response["Location"] == "/en/functions/rounds/new/"
    edition = FrameworkEdition.objects.get(code="2024")
    assert len(edition.item_codes()) == 85

    round_form = moderator.get(response["Location"])
    assert "Edition 2024 is published; create a round that asks it." in main_text(round_form)
    data = form_data(
        round_form,
        slug="2024",
        name="2024",
        year="2024",
        edition=str(edition.pk),
        status=RoundStatus.PLANNED,
        reason="the second round",
    )
    response = moderator.post("/en/functions/rounds/new/", data)
    assert response.status_code == 302
    assert response["Location"] == "/en/functions/review/"
    created = Round.objects.get(year=2024)
    assert created.edition == edition and created.status == RoundStatus.PLANNED
    review = parse(moderator.get("/en/functions/review/")).tables[0]
    assert review[1][:3] == ["2024", "2024 edition", "planned"]
    framework_page = moderator.get("/en/functions/", {"round": "2024"})
    assert framework_page.status_code == 200
    assert "Round 2024: 0 published profiles." in main_text(framework_page)


def test_an_edition_code_cannot_be_used_twice(moderator, atlas):
    form = moderator.get("/en/functions/editions/new/")
    response = moderator.post(
        "/en/functions/editions/new/",
        form_data(form, code="2020-beta", title="Again", notes="again"),
    )
    assert response.status_code == 200
    assert FrameworkEdition.objects.filter(code="2020-beta").count() == 1


def round_upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("round.csv", text.encode(), content_type="text/csv")


def test_a_round_import_with_problems_names_each_row_and_column_and_saves_nothing(
    moderator, atlas, registry
):
    make_library("Deutsche Nationalbibliothek", "FR")
    before = (Profile.objects.count(), Answer.objects.count())
    page = moderator.get("/en/functions/rounds/2020/import/")
    upload = round_upload(
        "library,F01.1,F99.9\nno-such-library,nl,\ndeutsche-nationalbibliothek,maybe,\n"
    )
    response = moderator.post(
        "/en/functions/rounds/2020/import/", {**form_data(page), "file": upload}
    )
    assert response.status_code == 400
    problems = [
        li
        for li in re.findall(r"<li>(.*?)</li>", response.content.decode())
        if li.startswith("Row")
    ]
    assert problems[0] == "Row 1, column F99.9: F99.9 is not an item of this round."
    assert problems[1] == "Row 2, column library: No library with the address “no-such-library”."
    assert problems[2].startswith("Row 3, column F01.1: F01.1: “maybe” is not one of the options")
    assert len(problems) == 3
    assert (Profile.objects.count(), Answer.objects.count()) == before


def test_a_good_round_import_creates_draft_profiles(moderator, atlas, registry):
    make_library("Deutsche Nationalbibliothek", "FR")
    page = moderator.get("/en/functions/rounds/2020/import/")
    upload = round_upload("library,F01.1,F01.3\ndeutsche-nationalbibliothek,NL,books; maps\n")
    response = moderator.post(
        "/en/functions/rounds/2020/import/", {**form_data(page), "file": upload}
    )
    assert response.status_code == 302
    assert response["Location"] == "/en/functions/review/"
    assert "1 profiles imported; publish them when checked." in main_text(
        moderator.get(response["Location"])
    )
    profile = Profile.objects.get(library__slug="deutsche-nationalbibliothek")
    assert profile.status == ProfileStatus.DRAFT
    assert stored("deutsche-nationalbibliothek") == {"F01.1": "nl", "F01.3": "books;maps"}
