"""The registry's pages as a visitor, a contributor and a moderator see them.

List (search, filters, sorting, counts, CSV/JSON downloads), one library, the map, editing with
a reason and a version (conflicts), history and revert, the change list and its Atom feed.
"""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses the site's own output
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from core.actors import SEED
from core.services import history_of
from libraries import services
from libraries.models import Library

A_SLUG = "bibliotheque-nationale-de-france"
B_SLUG = "national-library-of-norway"
C_SLUG = "bibliotheque-nationale-du-senegal"
A_NAME = "Bibliothèque nationale de France"
B_NAME = "National Library of Norway"
C_NAME = "Bibliothèque nationale du Sénégal"

EXPORT_COLUMNS = [
    "slug",
    "name",
    "native_name",
    "country_iso2",
    "country_iso3",
    "country",
    "region",
    "subregion",
    "wikidata_qid",
    "city",
    "founded",
    "website",
    "isil",
    "latitude",
    "longitude",
    "memberships",
    "unverified_facts",
    "synthetic",
    "url",
]
SVG_NS = "{http://www.w3.org/2000/svg}"
ATOM_NS = "{http://www.w3.org/2005/Atom}"


# --- Reading pages as a user would ---------------------------------------------------------


class _PageParser(HTMLParser):
    """Collects the tables, the forms and the plain text of <main>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.forms: list[dict] = []
        self.main_text: list[str] = []
        self._in_main = 0
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._table_depth = 0
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main":
            self._in_main += 1
        elif tag == "table":
            self._table_depth += 1
            self.tables.append([])
        elif tag == "tr" and self._table_depth:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "form":
            self._form = {"action": a.get("action"), "method": a.get("method", "get"), "data": {}}
            self.forms.append(self._form)
        elif self._form is not None:
            self._form_field(tag, a)

    def _form_field(self, tag, a):
        data = self._form["data"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                data[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select, self._first_option = a.get("name"), None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
                data.setdefault(self._select, self._first_option)
            if "selected" in a:
                data[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            data[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None
        elif tag == "table":
            self._table_depth -= 1
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._textarea and self._form is not None:
            self._form["data"][self._textarea] += data.removeprefix("\n")
        if self._in_main:
            self.main_text.append(data)


def parse(response) -> _PageParser:
    parser = _PageParser()
    parser.feed(response.content.decode())
    return parser


def main_text(response) -> str:
    return " ".join(" ".join(parse(response).main_text).split())


def library_names(response) -> list[str]:
    """Names in the list page's table, in the order shown."""
    html = response.content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r'<tr>\s*<td><a href="/en/libraries/[^"]+/">([^<]+)</a>', body)


def post_form(response, **changes) -> dict:
    """The data a browser would send from the page's own form (post, no action), edited."""
    forms = [f for f in parse(response).forms if f["method"] == "post" and not f["action"]]
    assert forms, "the page has no form posting to itself"
    return {**forms[0]["data"], **changes}


def world_map(response, prefix: str = "map") -> ET.Element:
    html = response.content.decode()
    match = re.search(
        rf'<svg xmlns="http://www.w3.org/2000/svg"[^>]*aria-labelledby="{prefix}-title.*?</svg>',
        html,
        re.S,
    )
    assert match, f"no {prefix} map on the page"
    return ET.fromstring(match.group(0))  # noqa: S314 - the site's own markup


def country_classes(svg: ET.Element) -> dict[str, set[str]]:
    return {
        p.get("data-iso"): set(p.get("class").split())
        for p in svg.iter(f"{SVG_NS}path")
        if p.get("data-iso")
    }


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def atom_entries(response) -> list[dict]:
    feed = ET.fromstring(response.content)  # noqa: S314 - the site's own feed
    return [
        {
            "title": e.findtext(f"{ATOM_NS}title"),
            "author": e.findtext(f"{ATOM_NS}author/{ATOM_NS}name"),
            "summary": e.findtext(f"{ATOM_NS}summary") or "",
        }
        for e in feed.iter(f"{ATOM_NS}entry")
    ]


@pytest.fixture
def anon(client_for, registry):
    return client_for(None)


# --- The list page: search, filters, sorting, counts ---------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Norway", [B_NAME]),
        ("Nasjonalbiblioteket", [B_NAME]),
        ("nasjonal", [B_NAME]),
        ("bibliotheque", [A_NAME, C_NAME]),
        ("BIBLIOTHÈQUE nationale SENEGAL", [C_NAME]),
        ("Oslo", [B_NAME]),
        ("Q193563", [A_NAME]),
        ("no such library anywhere", []),
    ],
)
def test_the_search_finds_libraries_by_english_or_native_name_ignoring_accents_and_case(
    anon, query, expected
):
    response = anon.get("/en/libraries/", {"q": query})
    assert response.status_code == 200
    assert library_names(response) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "150"}, [A_NAME, B_NAME]),
        ({"region": "002"}, [C_NAME]),
        ({"subregion": "155"}, [A_NAME]),
        ({"subregion": "154"}, [B_NAME]),
        ({"subregion": "202"}, [C_NAME]),
        ({"subregion": "011"}, [C_NAME]),
        ({"country": "NO"}, [B_NAME]),
        ({"organisation": "cenl"}, [A_NAME, B_NAME]),
        ({"organisation": "cdnl"}, [A_NAME]),
        ({"organisation": "cenl", "q": "norway"}, [B_NAME]),
        ({"region": "002", "organisation": "cenl"}, []),
    ],
)
def test_the_filters_narrow_the_list(anon, params, expected):
    response = anon.get("/en/libraries/", params)
    assert library_names(response) == expected
    assert f"{len(expected)} librar{'y' if len(expected) == 1 else 'ies'}" in main_text(response)


def test_an_intermediate_region_is_offered_as_a_sub_region(anon):
    response = anon.get("/en/libraries/")
    assert '<option value="011">Western Africa</option>' in response.content.decode()


def test_the_list_is_sorted_by_name_by_default_and_by_country_on_request(anon):
    assert library_names(anon.get("/en/libraries/")) == [A_NAME, C_NAME, B_NAME]
    by_country = anon.get("/en/libraries/", {"sort": "country"})
    assert library_names(by_country) == [A_NAME, B_NAME, C_NAME]  # France, Norway, Senegal


def test_sorting_by_founding_year_puts_libraries_without_a_year_last(anon):
    # Senegal's library has no founding year: it must come last on SQLite and PostgreSQL alike.
    response = anon.get("/en/libraries/", {"sort": "founded"})
    assert library_names(response) == [A_NAME, B_NAME, C_NAME]


def test_the_list_shows_the_total_and_the_count_per_region(anon):
    text = main_text(anon.get("/en/libraries/"))
    assert "3 libraries" in text
    assert "Africa (1)" in text and "Europe (2)" in text
    filtered = main_text(anon.get("/en/libraries/", {"q": "norway"}))
    assert "1 library" in filtered
    assert "Africa (0)" in filtered and "Europe (1)" in filtered


def test_the_list_marks_inferred_memberships(anon):
    table = parse(anon.get("/en/libraries/", {"country": "NO"})).tables[0]
    assert table[1][4] == "CENL*"
    table = parse(anon.get("/en/libraries/", {"country": "FR"})).tables[0]
    assert table[1][4] == "CDNL, CENL"


def test_a_filter_value_that_does_not_exist_is_ignored_with_a_message(anon):
    response = anon.get("/en/libraries/", {"region": "999"})
    assert response.status_code == 200
    assert "Some filters were not understood and are ignored." in main_text(response)
    assert library_names(response) == [A_NAME, C_NAME, B_NAME]


def test_the_download_links_carry_the_current_filters(anon):
    html = anon.get("/en/libraries/", {"region": "150", "page": "1"}).content.decode()
    assert 'href="/en/libraries/export.csv?region=150"' in html
    assert 'href="/en/libraries/export.json?region=150"' in html
    assert 'href="/api/v1/libraries/?region=150"' in html


# --- Downloads -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "slugs"),
    [
        ({}, [A_SLUG, C_SLUG, B_SLUG]),
        ({"region": "150"}, [A_SLUG, B_SLUG]),
        ({"subregion": "011"}, [C_SLUG]),
        ({"q": "bibliotheque", "sort": "country"}, [A_SLUG, C_SLUG]),
        ({"organisation": "cenl", "sort": "founded"}, [A_SLUG, B_SLUG]),
    ],
)
def test_the_csv_download_has_exactly_the_rows_of_the_filtered_list(anon, params, slugs):
    response = anon.get("/en/libraries/export.csv", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="national-libraries.csv"'
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header == EXPORT_COLUMNS
    assert [row["slug"] for row in csv_rows(response)] == slugs


def test_the_csv_row_of_a_library_has_its_facts_and_memberships(anon):
    rows = {row["slug"]: row for row in csv_rows(anon.get("/en/libraries/export.csv"))}
    norway = rows[B_SLUG]
    assert norway["native_name"] == "Nasjonalbiblioteket"
    assert norway["country_iso3"] == "NOR"
    assert norway["region"] == "Europe" and norway["subregion"] == "Northern Europe"
    assert norway["founded"] == "1811"
    assert norway["memberships"] == "CENL(inferred)"
    assert "founded" in norway["unverified_facts"].split(";")
    assert norway["url"].endswith(f"/en/libraries/{B_SLUG}/")
    assert rows[A_SLUG]["memberships"] == "CDNL;CENL"
    assert rows[C_SLUG]["founded"] == ""


def test_the_json_download_has_the_filtered_rows_the_licence_and_the_filters(anon):
    response = anon.get("/en/libraries/export.json", {"organisation": "cenl", "page": "2"})
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["count"] == 2
    assert [r["slug"] for r in body["results"]] == [A_SLUG, B_SLUG]
    assert list(body["results"][0]) == EXPORT_COLUMNS
    assert body["licence"] == "CC0 1.0"
    assert body["filters"] == {"organisation": "cenl"}
    assert body["results"][1]["native_name"] == "Nasjonalbiblioteket"


@pytest.mark.parametrize("danger", ["=", "+", "-", "@", "\t=", "\r="])
def test_a_csv_cell_that_a_spreadsheet_would_run_as_a_formula_is_neutralised(
    anon, registry, danger
):
    payload = f'{danger}HYPERLINK("http://evil.example","x")'
    services.update_library(
        registry["C"], {"city": payload}, user=SEED, reason="test", expected_version=1
    )
    row = next(r for r in csv_rows(anon.get("/en/libraries/export.csv")) if r["slug"] == C_SLUG)
    assert row["city"] == "'" + payload
    # The JSON download is not opened by spreadsheets: it keeps the value exactly.
    body = json.loads(anon.get("/en/libraries/export.json", {"country": "SN"}).content)
    assert body["results"][0]["city"] == payload


def test_negative_coordinates_stay_numbers_in_the_csv(anon, registry):
    services.update_library(
        registry["C"],
        {"latitude": 14.69, "longitude": -17.44},
        user=SEED,
        reason="test",
        expected_version=1,
    )
    row = csv_rows(anon.get("/en/libraries/export.csv", {"country": "SN"}))[0]
    assert row["longitude"] == "-17.44"


@pytest.mark.parametrize("fmt", ["xml", "xlsx", "CSV"])
def test_an_unknown_download_format_is_not_found(anon, fmt):
    response = anon.get(f"/en/libraries/export.{fmt}")
    assert response.status_code == 404
    assert "Page not found" in main_text(response)


# --- One library ---------------------------------------------------------------------------


def fact_row(response, label: str) -> str:
    facts = parse(response).tables[0]
    return next(" ".join(row[1:]) for row in facts if row[0] == label)


def test_the_detail_page_marks_unverified_facts_until_a_moderator_verifies_them(
    anon, personas, registry
):
    response = anon.get(f"/en/libraries/{A_SLUG}/")
    assert response.status_code == 200
    assert fact_row(response, "Founded") == "1368 unverified"
    assert fact_row(response, "City") == "Paris unverified"
    assert fact_row(response, "ISIL") == "—"  # no value, nothing to verify
    services.verify_facts(
        registry["A"], ["founded"], user=personas["moderator"], reason="", expected_version=1
    )
    response = anon.get(f"/en/libraries/{A_SLUG}/")
    assert fact_row(response, "Founded") == "1368 verified"
    assert fact_row(response, "City") == "Paris unverified"


def test_the_detail_page_links_to_wikidata_and_the_website(anon):
    html = anon.get(f"/en/libraries/{A_SLUG}/").content.decode()
    assert '<a href="https://www.wikidata.org/wiki/Q193563" rel="noopener">Q193563</a>' in html
    assert '<a href="https://www.bnf.fr" rel="noopener">https://www.bnf.fr</a>' in html


def test_the_detail_page_shows_the_region_path_of_the_country(anon):
    response = anon.get(f"/en/libraries/{C_SLUG}/")
    assert fact_row(response, "Region") == "Africa › Sub-Saharan Africa › Western Africa"
    assert fact_row(response, "Country") == "Senegal (SN / SEN)"


def test_the_detail_page_lists_memberships_and_says_which_are_inferred(anon):
    text = main_text(anon.get(f"/en/libraries/{B_SLUG}/"))
    assert "CENL — Conference of European National Librarians: member inferred" in text
    text = main_text(anon.get(f"/en/libraries/{A_SLUG}/"))
    assert "CDNL — Conference of Directors of National Libraries: member verified" in text
    assert "CENL — Conference of European National Librarians: member verified" in text
    assert "No membership recorded." in main_text(anon.get(f"/en/libraries/{C_SLUG}/"))


def test_the_place_map_highlights_the_country_and_marks_the_city(anon):
    svg = world_map(anon.get(f"/en/libraries/{B_SLUG}/"), prefix="place")
    assert svg.findtext(f"{SVG_NS}title") == f"Where {B_NAME} is"
    classes = country_classes(svg)
    assert {"fill-current", "highlight"} <= classes["NO"]
    assert [iso for iso, c in classes.items() if "fill-current" in c] == ["NO"]
    markers = list(svg.find(f"{SVG_NS}g[@class='markers']"))
    assert [m.findtext(f"{SVG_NS}title") for m in markers] == [B_NAME]


def test_a_library_without_coordinates_has_a_map_without_a_dot(anon):
    response = anon.get(f"/en/libraries/{C_SLUG}/")
    svg = world_map(response, prefix="place")
    assert "fill-current" in country_classes(svg)["SN"]
    assert list(svg.find(f"{SVG_NS}g[@class='markers']")) == []
    assert "No coordinates recorded." in main_text(response)


def test_an_unknown_library_is_a_not_found_page_with_the_site_layout(anon):
    response = anon.get("/en/libraries/no-such-library/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in main_text(response)
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert 'href="/en/libraries/"' in html


# --- The map -------------------------------------------------------------------------------


def test_the_map_colours_countries_by_region_with_a_legend(anon):
    response = anon.get("/en/libraries/map/")
    assert response.status_code == 200
    classes = country_classes(world_map(response))
    assert "region-150" in classes["FR"] and "region-150" in classes["NO"]
    assert "region-002" in classes["SN"]
    assert "no-data" in classes["DE"]
    text = main_text(response)
    assert "Europe (2)" in text and "Africa (1)" in text


def test_the_map_colours_by_organisation_confirmed_and_inferred_apart(anon):
    response = anon.get("/en/libraries/map/", {"colour": "organisation", "organisation": "cenl"})
    svg = world_map(response)
    assert svg.findtext(f"{SVG_NS}title") == "National libraries in CENL"
    classes = country_classes(svg)
    assert "member-confirmed" in classes["FR"]
    assert "member-inferred" in classes["NO"]
    assert "member-none" in classes["SN"]
    assert "member (confirmed) (1)" in main_text(response)
    assert "member (inferred, not confirmed) (1)" in main_text(response)


def test_the_map_has_a_table_listing_every_library_and_its_colour(anon):
    response = anon.get("/en/libraries/map/", {"colour": "organisation", "organisation": "cenl"})
    table = parse(response).tables[-1]
    assert table[0] == ["Country", "Library", "Colour means"]
    assert sorted(table[1:]) == [
        ["France", A_NAME, "member (confirmed)"],
        ["Norway", B_NAME, "member (inferred, not confirmed)"],
        ["Senegal", C_NAME, "not a member"],
    ]


@pytest.mark.parametrize("params", [{"organisation": "nope"}, {}])
def test_the_map_without_a_known_organisation_falls_back_to_regions_with_a_message(anon, params):
    response = anon.get("/en/libraries/map/", {"colour": "organisation", **params})
    assert response.status_code == 200
    assert "Choose an organisation to colour the map by." in main_text(response)
    assert "region-150" in country_classes(world_map(response))["FR"]


# --- Editing -------------------------------------------------------------------------------


@pytest.fixture
def alice(client_for, personas):
    return client_for(personas["alice"])


def test_a_contributor_edits_her_library_and_the_change_shows_everywhere(alice, anon, registry):
    form = alice.get(f"/en/libraries/{A_SLUG}/edit/")
    assert form.status_code == 200
    response = alice.post(
        f"/en/libraries/{A_SLUG}/edit/",
        post_form(form, city="Paris 13e", reason="The site moved to Tolbiac"),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/en/libraries/{A_SLUG}/"
    page = alice.get(response["Location"])
    assert "Your changes were saved." in main_text(page)
    assert fact_row(page, "City") == "Paris 13e unverified"

    history = main_text(anon.get(f"/en/libraries/{A_SLUG}/history/"))
    assert "Reason: The site moved to Tolbiac" in history
    assert "city Paris Paris 13e" in history
    assert "by Alice" in history

    changes = parse(anon.get("/en/changes/")).tables[0]
    newest = changes[1]
    assert newest[2].startswith(A_NAME) and newest[3] == "updated"
    assert newest[4:] == ["Alice", "The site moved to Tolbiac"]


def test_the_edit_form_only_offers_a_contributor_her_own_fields(alice):
    data = post_form(alice.get(f"/en/libraries/{A_SLUG}/edit/"))
    assert {"city", "founded", "website", "reason", "version"} <= set(data)
    assert "wikidata_qid" not in data and "country" not in data


def test_a_contributor_may_not_edit_another_library(alice):
    assert alice.get(f"/en/libraries/{B_SLUG}/edit/").status_code == 403


def test_an_edit_without_a_reason_shows_the_error_on_the_reason_field_and_saves_nothing(
    alice, registry
):
    form = alice.get(f"/en/libraries/{A_SLUG}/edit/")
    response = alice.post(f"/en/libraries/{A_SLUG}/edit/", post_form(form, city="Lyon"))
    assert response.status_code == 200
    html = response.content.decode()
    errors = re.search(r'<ul class="errorlist" id="id_reason-errors">(.*?)</ul>', html, re.S)
    assert errors and "This field is required." in errors.group(1)
    registry["A"].refresh_from_db()
    assert registry["A"].city == "Paris" and registry["A"].version == 1


def test_an_invalid_value_is_shown_on_its_field(alice, registry):
    form = alice.get(f"/en/libraries/{A_SLUG}/edit/")
    response = alice.post(
        f"/en/libraries/{A_SLUG}/edit/",
        post_form(form, founded=str(timezone.now().year + 5), reason="typo"),
    )
    assert response.status_code == 200
    assert re.search(r'id="id_founded-errors">.*is in the future', response.content.decode())
    registry["A"].refresh_from_db()
    assert registry["A"].founded == 1368


def test_a_moderator_giving_a_library_another_library_s_wikidata_qid_is_told_so(
    client_for, personas, registry
):
    moderator = client_for(personas["moderator"])
    form = moderator.get(f"/en/libraries/{A_SLUG}/edit/")
    response = moderator.post(
        f"/en/libraries/{A_SLUG}/edit/",
        post_form(form, wikidata_qid="Q1515153", reason="merge"),
    )
    assert response.status_code == 200
    errors = re.search(r'id="id_wikidata_qid-errors">(.*?)</ul>', response.content.decode(), re.S)
    assert errors and "Another library already has this Wikidata QID." in errors.group(1)
    assert Library.objects.get(slug=A_SLUG).wikidata_qid == "Q193563"


def test_a_stale_edit_shows_the_conflict_and_resubmitting_saves_on_top(alice, personas, registry):
    form = alice.get(f"/en/libraries/{A_SLUG}/edit/")  # Alice starts from version 1
    services.update_library(
        registry["A"],
        {"city": "Paris (Tolbiac)"},
        user=personas["moderator"],
        reason="moderator's fix",
        expected_version=1,
    )
    response = alice.post(
        f"/en/libraries/{A_SLUG}/edit/", post_form(form, city="Paris 13e", reason="mine")
    )
    assert response.status_code == 409
    text = main_text(response)
    assert "Someone else saved this page while you were editing" in text
    rows = parse(response).tables[0]
    assert rows[1:] == [["City", "Paris 13e", "Paris (Tolbiac)"]]
    assert "moderator's fix" in text  # what changed meanwhile
    library = Library.objects.get(slug=A_SLUG)
    assert library.city == "Paris (Tolbiac)" and library.version == 2

    again = alice.post(f"/en/libraries/{A_SLUG}/edit/", post_form(response))
    assert again.status_code == 302
    library.refresh_from_db()
    assert library.city == "Paris 13e" and library.version == 3
    assert history_of(library).first().reason == "mine"


def test_resubmitting_after_a_conflict_keeps_what_the_other_person_changed(
    alice, personas, registry
):
    form = alice.get(f"/en/libraries/{A_SLUG}/edit/")
    services.update_library(
        registry["A"],
        {"founded": 1367},
        user=personas["moderator"],
        reason="Charles V's library, 1367",
        expected_version=1,
    )
    conflict = alice.post(
        f"/en/libraries/{A_SLUG}/edit/", post_form(form, city="Paris 13e", reason="new site")
    )
    assert conflict.status_code == 409
    rows = parse(conflict).tables[0]
    # Alice typed only the city: the founding year is not hers to confirm or overwrite.
    assert [row[0] for row in rows[1:]] == ["City"]
    assert alice.post(f"/en/libraries/{A_SLUG}/edit/", post_form(conflict)).status_code == 302
    library = Library.objects.get(slug=A_SLUG)
    assert library.city == "Paris 13e"
    assert library.founded == 1367


# --- History and revert --------------------------------------------------------------------


def test_a_moderator_reverts_a_change_from_the_history_page(client_for, personas, registry):
    services.update_library(
        registry["A"], {"city": "Lyon"}, user=personas["alice"], reason="oops", expected_version=1
    )
    change = history_of(registry["A"]).first()
    moderator = client_for(personas["moderator"])
    history = moderator.get(f"/en/libraries/{A_SLUG}/history/")
    forms = [f for f in parse(history).forms if f["action"] == f"/en/changes/{change.pk}/revert/"]
    assert len(forms) == 1
    data = {**forms[0]["data"], "reason": "Lyon is wrong"}
    response = moderator.post(forms[0]["action"], data)
    assert response.status_code == 302
    assert response["Location"] == f"/en/libraries/{A_SLUG}/history/"
    library = Library.objects.get(slug=A_SLUG)
    assert library.city == "Paris"
    text = main_text(moderator.get(response["Location"]))
    assert "The change was reverted." in text
    assert f"reverts change #{change.pk}" in text
    assert "Reason: Lyon is wrong" in text


def test_a_contributor_sees_no_revert_button(alice, personas, registry):
    services.update_library(
        registry["A"], {"city": "Lyon"}, user=personas["alice"], reason="oops", expected_version=1
    )
    html = alice.get(f"/en/libraries/{A_SLUG}/history/").content.decode()
    assert "Revert this change" not in html
    change = history_of(registry["A"]).first()
    assert alice.post(f"/en/changes/{change.pk}/revert/", {"reason": "x"}).status_code == 403
    assert Library.objects.get(slug=A_SLUG).city == "Lyon"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_after_a_revert_the_moderator_is_never_sent_to_another_site(
    client_for, personas, registry, target
):
    services.update_library(
        registry["A"], {"city": "Lyon"}, user=personas["alice"], reason="oops", expected_version=1
    )
    change = history_of(registry["A"]).first()
    response = client_for(personas["moderator"]).post(
        f"/en/changes/{change.pk}/revert/", {"reason": "wrong", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/en/changes/{change.pk}/"
    assert Library.objects.get(slug=A_SLUG).city == "Paris"


def test_a_stale_organisation_edit_keeps_the_other_moderator_s_change_on_resubmit(
    client_for, personas, registry
):
    first = client_for(personas["moderator"])
    form = first.get("/en/organisations/cenl/edit/")
    services.update_organisation(
        registry["cenl"],
        {"founded": 1987},
        user=personas["admin"],
        reason="founding year",
        expected_version=1,
    )
    conflict = first.post(
        "/en/organisations/cenl/edit/", post_form(form, scope="Europe", reason="scope")
    )
    assert conflict.status_code == 409
    assert [row[0] for row in parse(conflict).tables[0][1:]] == ["Scope"]
    assert first.post("/en/organisations/cenl/edit/", post_form(conflict)).status_code == 302
    registry["cenl"].refresh_from_db()
    assert (registry["cenl"].scope, registry["cenl"].founded) == ("Europe", 1987)


# --- Markup in user content ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/en/libraries/", "/en/libraries/map/", f"/en/libraries/{C_SLUG}/", "/en/changes/", "/en/"],
)
def test_markup_in_a_library_name_is_shown_as_text(anon, registry, url):
    services.update_library(
        registry["C"],
        {"name": '<script>alert("x")</script>', "city": "<b>Dakar</b>"},
        user=SEED,
        reason="test",
        expected_version=1,
    )
    html = anon.get(url).content.decode()
    assert "<script>alert" not in html and "<b>Dakar" not in html
    assert "&lt;script&gt;alert" in html


# --- The change list and its feed ----------------------------------------------------------


@pytest.fixture
def edits(personas, registry):
    services.update_library(
        registry["A"], {"city": "Paris 13e"}, user=personas["alice"], reason="a", expected_version=1
    )
    services.update_library(
        registry["B"], {"city": "Mo i Rana"}, user=personas["bob"], reason="b", expected_version=1
    )


def test_the_atom_feed_lists_the_latest_changes_with_reason_and_author(anon, edits):
    response = anon.get("/en/changes/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = atom_entries(response)
    assert entries[0]["title"] == f"{B_NAME}: updated" and entries[0]["author"] == "Bob"
    assert entries[1]["title"] == f"{A_NAME}: updated" and entries[1]["author"] == "Alice"
    assert (
        "Reason: a" in entries[1]["summary"] and "city: Paris → Paris 13e" in entries[1]["summary"]
    )


@pytest.mark.parametrize(
    ("params", "titles"),
    [
        (
            {"library": A_SLUG, "kind": "libraries.library"},
            [f"{A_NAME}: updated", f"{A_NAME}: created"],
        ),
        ({"user": "alice"}, [f"{A_NAME}: updated"]),
        ({"user": "Bob", "kind": "libraries.library"}, [f"{B_NAME}: updated"]),
        ({"kind": "libraries.membership", "library": B_SLUG}, [f"{B_NAME} — CENL: created"]),
        ({"kind": "libraries.organisation"}, ["CDNL: created", "CENL: created"]),
    ],
)
def test_the_feed_follows_the_same_filters_as_the_change_list(anon, edits, params, titles):
    assert [e["title"] for e in atom_entries(anon.get("/en/changes/feed/", params))] == titles
    page = parse(anon.get("/en/changes/", params)).tables[0]
    assert len(page) - 1 == len(titles)


def test_the_feed_filtered_by_date_starts_that_day(anon, edits):
    today = timezone.localdate()
    assert len(atom_entries(anon.get("/en/changes/feed/", {"since": today.isoformat()}))) == 10
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert atom_entries(anon.get("/en/changes/feed/", {"since": tomorrow})) == []
    assert "0 changes" in main_text(anon.get("/en/changes/", {"since": tomorrow}))


def test_the_library_history_links_to_its_filtered_change_list_and_feed(anon, edits):
    html = anon.get(f"/en/libraries/{A_SLUG}/history/").content.decode()
    assert f'href="/en/changes/?library={A_SLUG}"' in html
    assert f'href="/en/changes/feed/?library={A_SLUG}"' in html


# --- Health --------------------------------------------------------------------------------


def test_the_health_check_answers_json_when_the_database_is_reachable(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}
