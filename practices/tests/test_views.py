"""The practices pages as a visitor, a member, an author and a moderator see them.

Who sees and may do what (404, 403, sign-in); the list with search, facets, sorting and its
downloads, map and feed; one practice with its content, comments, endorsements and related
practices; the edit form (preview, errors, conflicts, proposals); history, revisions and
comparison; the member's and the moderators' lists; imports; a whole life in the client.
"""

from __future__ import annotations

import json
import re
from html import unescape as html_unescape

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import Notification
from functions import seed as functions_seed
from libraries.tests.test_views import (
    atom_entries,
    country_classes,
    csv_rows,
    main_text,
    parse,
    world_map,
)
from practices import services
from practices.choices import PracticeStatus, ProposalStatus, RevisionKind
from practices.models import Comment, Endorsement, Practice, Revision
from practices.tests.conftest import make_content

A_SLUG = "bibliotheque-nationale-de-france"
B_SLUG = "national-library-of-norway"
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}


# --- Helpers ---------------------------------------------------------------------------------


def url(name: str, *args, query: str = "") -> str:
    return reverse(f"practices:{name}", args=args) + (f"?{query}" if query else "")


def fresh(practice: Practice) -> Practice:
    return Practice.objects.select_related("current", "published").get(pk=practice.pk)


def publish(personas, **overrides) -> Practice:
    """A practice started by alice and published by the moderator, through the services."""
    alice, moderator = personas["alice"], personas["moderator"]
    practice = services.start_practice(make_content(**overrides), user=alice, reason="test")
    practice = services.submit_practice(practice, user=alice, expected_version=practice.version)
    return services.approve_practice(practice, user=moderator, expected_version=practice.version)


def page_form(response, **changes) -> dict:
    """What a browser sends from the page's own content form (a post without action)."""
    forms = [f for f in parse(response).forms if f["method"] == "post" and not f["action"]]
    assert forms, "no form posting to itself"
    return {**forms[-1]["data"], **changes}


def action_form(response, action: str, **changes) -> dict:
    """The data of the form that posts to an address ending with `action`/."""
    forms = [f for f in parse(response).forms if (f["action"] or "").endswith(f"/{action}/")]
    assert forms, f"no {action} form on the page"
    return {**forms[0]["data"], **changes}


def errors_at(response, field: str) -> str:
    html = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="id_{field}-errors">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def textarea(response, field: str) -> str:
    forms = [f for f in parse(response).forms if f["method"] == "post" and not f["action"]]
    return forms[-1]["data"][field]


def titles_listed(response) -> list[str]:
    html = response.content.decode()
    body = html[html.index('<ol class="practice-list">') : html.index("</ol>")]
    return [
        html_unescape(t)
        for t in re.findall(r'<h3><a href="/en/practices/p-[^/]+/">([^<]+)</a>', body)
    ]


def facet(response, key: str) -> dict[str, tuple[int, str]]:
    """label → (count, link) of one facet of the list page."""
    html = response.content.decode()
    section = re.search(rf'<h3 id="facet-{key}">.*?</section>', html, re.S).group(0)
    found = re.findall(
        r'<a href="([^"]+)"[^>]*>(?:<span class="visually-hidden">[^<]*</span>)?([^<]+?)'
        r'(?: <span aria-hidden="true">×</span>)?</a> <span class="facet-count">\((\d+)\)',
        section,
    )
    return {html_unescape(label.strip()): (int(n), html_unescape(link)) for link, label, n in found}


@pytest.fixture
def clients(client_for, personas):
    return {name: client_for(user) for name, user in personas.items()}


@pytest.fixture
def framework(db):
    functions_seed.load_framework()


@pytest.fixture
def atlas(personas, kinds, framework):
    """Five published practices (one archived) of varied countries, kinds, years and
    functions, and alice's draft."""
    made = {
        "gallica": publish(personas),
        "norway": publish(
            personas,
            title="Norwegian newspapers united online",
            summary="Newspapers from Oslo and Bergen, digitised together.",
            countries=["NO"],
            start_year=1998,
            end_year=2003,
            project_status="completed",
            areas=["F01"],
            items=["F01.1"],
            tags=["newspapers"],
            language="nb",
        ),
        "senegal": publish(
            personas,
            title="Senegal's legal deposit of websites",
            summary="Collecting .sn websites every year.",
            kind="legal-deposit",
            countries=["SN", "FR"],
            start_year=2019,
            end_year=None,
            project_status="ongoing",
            areas=["F01"],
            items=["F01.3"],
            tags=["web archiving"],
            institutions=[
                {"name": "Bibliothèque nationale de France", "role": "partner", "library": A_SLUG}
            ],
        ),
        "maps": publish(
            personas,
            title="Old maps of Europe",
            summary="Maps from three national libraries, shown together.",
            countries=["FR", "NO"],
            start_year=2011,
            end_year=2012,
            tags=["maps"],
        ),
        "archived": publish(
            personas,
            title="A finished portal of manuscripts",
            summary="Closed in 2016, kept for reference.",
            countries=["NO"],
            start_year=2001,
            end_year=2016,
        ),
    }
    archived = made["archived"]
    made["archived"] = services.archive_practice(
        archived, user=personas["moderator"], reason="closed", expected_version=archived.version
    )
    made["draft"] = services.start_practice(
        make_content(title="Alice's secret draft", countries=["SN"]),
        user=personas["alice"],
        reason="draft",
    )
    return made


# --- Who sees what ---------------------------------------------------------------------------


def test_every_public_page_renders_for_a_visitor(clients, atlas):
    anon, practice = clients["anonymous"], atlas["gallica"]
    for address in (
        url("list"),
        url("list", query="q=manuscripts&country=FR&sort=title"),
        url("map"),
        url("feed"),
        url("detail", practice.code),
        url("history", practice.code),
        url("revision", practice.code, 1),
        url("compare", practice.code, query="a=1&b=1"),
        url("detail", atlas["archived"].code),
    ):
        response = anon.get(address)
        assert response.status_code == 200, address
        assert "Content-Security-Policy" in response.headers


def test_a_draft_is_invisible_to_visitors_and_other_members(clients, atlas):
    code = atlas["draft"].code
    pages = [url(n, code) for n in ("detail", "history", "edit")]
    pages += [url("revision", code, 1), url("compare", code, query="a=1&b=1")]
    for who in ("bob", "member"):
        for address in pages:
            assert clients[who].get(address).status_code == 404, (who, address)
    for address in pages[:2] + pages[3:]:
        assert clients["anonymous"].get(address).status_code == 404, address
    assert "Alice's secret draft" not in clients["bob"].get(url("list")).content.decode()
    assert "Alice's secret draft" not in clients["bob"].get(url("feed")).content.decode()


def test_a_draft_is_visible_to_its_author_and_to_moderators(clients, atlas):
    code = atlas["draft"].code
    for who in ("alice", "moderator", "admin"):
        response = clients[who].get(url("detail", code))
        assert response.status_code == 200
        assert "Alice's secret draft" in main_text(response)
        assert "only its authors and the moderators can see it" in main_text(response)
        assert clients[who].get(url("history", code)).status_code == 200
        assert clients[who].get(url("edit", code)).status_code == 200


def test_a_visitor_is_sent_to_sign_in_for_every_write(clients, atlas):
    anon, code = clients["anonymous"], atlas["gallica"].code
    for address in (url("create"), url("edit", code), url("mine"), url("review"), url("import")):
        response = anon.get(address)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for address, data in (
        (url("action", code, "archive"), {"comment": "x"}),
        (url("comment_add", code), {"body": "Hello"}),
        (url("endorse", code), {"kind": "useful"}),
        (url("revision_action", code, 1, "revert"), {}),
        (url("comment_hide", code, 1), {"reason": "spam"}),
    ):
        response = anon.post(address, data)
        assert response.status_code == 302, address
        assert "/accounts/login/" in response["Location"]
    assert not Comment.objects.exists() and not Endorsement.objects.exists()


def test_members_may_not_review_import_or_moderate_what_they_can_see(clients, personas, atlas):
    bob, code = clients["bob"], atlas["gallica"].code
    assert bob.get(url("review")).status_code == 403
    assert bob.get(url("import")).status_code == 403
    assert bob.post(url("action", code, "archive"), {"comment": "no"}).status_code == 403
    assert bob.post(url("action", code, "approve"), {}).status_code == 403
    comment = services.add_comment(atlas["gallica"], "Nice", user=personas["bob"])
    response = bob.post(url("comment_hide", code, comment.pk), {"reason": "mine"})
    assert response.status_code == 403
    assert fresh(atlas["gallica"]).status == PracticeStatus.PUBLISHED


def test_an_unknown_practice_action_or_revision_is_not_found(clients, atlas):
    moderator, code = clients["moderator"], atlas["gallica"].code
    assert moderator.get(url("detail", "p-nothere")).status_code == 404
    assert moderator.post(url("action", code, "explode"), {}).status_code == 404
    assert moderator.get(url("revision", code, 99)).status_code == 404
    assert moderator.get(url("compare", code, query="a=1&b=99")).status_code == 404
    assert moderator.get(url("export", "xml")).status_code == 404


def test_a_pending_proposal_is_seen_by_its_proposer_the_authors_and_moderators_only(
    clients, personas, atlas
):
    practice = atlas["gallica"]
    proposal = services.propose_edit(
        practice,
        {**practice.current.content, "summary": "Bob's better summary."},
        user=personas["bob"],
        reason="clearer",
    )
    address = url("revision", practice.code, proposal.number)
    for who, status in (
        ("bob", 200),
        ("alice", 200),
        ("moderator", 200),
        ("member", 404),
        ("anonymous", 404),
    ):
        assert clients[who].get(address).status_code == status, who
    history = main_text(clients["member"].get(url("history", practice.code)))
    assert "clearer" not in history
    assert "clearer" in main_text(clients["alice"].get(url("history", practice.code)))


# --- The list: search, facets, sorting, downloads, map, feed -------------------------------


def test_the_list_shows_published_and_archived_practices_and_marks_the_archived(clients, atlas):
    response = clients["anonymous"].get(url("list"))
    assert "5 practices" in main_text(response)
    assert set(titles_listed(response)) == {
        str(atlas[k].title) for k in ("gallica", "norway", "senegal", "maps", "archived")
    }
    html = response.content.decode()
    card = html[html.index("A finished portal of manuscripts") :][:300]
    assert 'badge-status-archived">archived' in card


def test_the_search_narrows_the_list_whatever_the_case_and_accents(clients, atlas):
    anon = clients["anonymous"]
    response = anon.get(url("list", query="q=newspapers"))
    assert titles_listed(response) == ["Norwegian newspapers united online"]
    assert "1 practice" in main_text(response)
    response = anon.get(url("list", query="q=SAINT-MARTIAL"))
    assert titles_listed(response) == ["Gallica reunites the manuscripts of Saint-Martial"]
    response = anon.get(url("list", query="q=S%C3%89N%C3%89GAL"))  # SÉNÉGAL
    assert titles_listed(response) == ["Senegal's legal deposit of websites"]
    assert titles_listed(anon.get(url("list", query="q=zzzzqqq"))) == []


def test_the_search_ranks_the_best_match_first(clients, personas, kinds):
    once = publish(personas, title="One mention", summary="About maps.", tags=[])
    often = publish(
        personas, title="Maps, maps, maps", summary="Maps of maps: maps.", tags=["maps"]
    )
    response = clients["anonymous"].get(url("list", query="q=maps"))
    assert titles_listed(response) == [often.title, once.title]


def test_each_facet_link_narrows_the_list_to_as_many_practices_as_it_counts(clients, atlas):
    anon = clients["anonymous"]
    response = anon.get(url("list"))
    expected = {
        "country": {"France": 3, "Norway": 4, "Senegal": 1},
        "region": {"Europe": 5, "Africa": 1},
        "kind": {"Digital unification project": 4, "Legal deposit practice": 1},
        "period": {"2010–2019": 3, "1990–1999": 1, "2000–2009": 1},
        "status": {"completed": 4, "ongoing": 1},
        "area": {"F01 Legal deposit and the national collection": 2},
    }
    for key, counts in expected.items():
        shown = facet(response, key)
        assert {label: n for label, (n, _link) in shown.items()} == counts, key
        for label, (n, link) in shown.items():
            narrowed = anon.get(url("list") + link)
            assert len(titles_listed(narrowed)) == n, (key, label)
            assert f"{n} practice" in main_text(narrowed)


def test_facets_combine_with_the_search_and_a_chosen_facet_can_be_removed(clients, atlas):
    anon = clients["anonymous"]
    response = anon.get(url("list", query="q=together&country=FR"))
    assert set(titles_listed(response)) == {
        "Gallica reunites the manuscripts of Saint-Martial",
        "Old maps of Europe",
    }
    countries = facet(response, "country")
    assert countries["France"][0] == 2 and countries["Norway"][0] == 2
    removed = anon.get(url("list") + countries["France"][1])
    assert len(titles_listed(removed)) == 3  # the search stays, the country filter is gone
    assert "q=together" in countries["France"][1]
    language = facet(anon.get(url("list", query="language=nb")), "language")
    assert list(language.values())[0][0] == 1


def test_the_list_sorts_by_title_start_year_and_newest(clients, atlas):
    anon = clients["anonymous"]
    by_title = titles_listed(anon.get(url("list", query="sort=title")))
    assert by_title == sorted(by_title)
    by_start = titles_listed(anon.get(url("list", query="sort=start")))
    assert by_start[0] == "Norwegian newspapers united online"  # 1998
    newest = titles_listed(anon.get(url("list")))
    assert newest[0] == "A finished portal of manuscripts"


def test_the_list_is_paged_and_the_pages_keep_the_filters(clients, atlas, monkeypatch):
    from practices import views

    monkeypatch.setattr(views, "RESULTS_PER_PAGE", 2)
    anon = clients["anonymous"]
    first = anon.get(url("list", query="country=NO&sort=title"))
    assert "4 practices" in main_text(first) and len(titles_listed(first)) == 2
    html = first.content.decode()
    assert 'href="?country=NO&amp;sort=title&amp;page=2" rel="next"' in html
    second = anon.get(url("list", query="country=NO&sort=title&page=2"))
    assert titles_listed(first) + titles_listed(second) == sorted(
        [atlas[k].title for k in ("gallica", "norway", "maps", "archived")]
    )
    rows = csv_rows(anon.get(url("export", "csv", query="country=NO&sort=title&page=2")))
    assert len(rows) == 4  # the download holds every page


def test_bad_filters_are_ignored_with_a_message(clients, atlas):
    response = clients["anonymous"].get(url("list", query="country=XX&period=abc"))
    assert response.status_code == 200
    assert "Some filters were not understood" in response.content.decode()
    assert len(titles_listed(response)) == 5


@pytest.mark.parametrize("query", ["", "q=manuscripts", "country=NO&sort=title", "kind=other"])
def test_the_csv_and_json_downloads_hold_exactly_the_filtered_list(clients, atlas, query):
    anon = clients["anonymous"]
    listed = titles_listed(anon.get(url("list", query=query)))
    rows = csv_rows(anon.get(url("export", "csv", query=query)))
    assert [row["title"] for row in rows] == listed
    data = json.loads(anon.get(url("export", "json", query=query)).content)
    assert [r["title"] for r in data["results"]] == listed
    assert data["count"] == len(listed)
    assert data["licence"] == "CC0 1.0"
    if rows:
        assert rows[0]["url"].endswith(url("detail", rows[0]["code"]))


def test_the_list_links_its_downloads_map_and_feed_with_the_same_query(clients, atlas):
    html = clients["anonymous"].get(url("list", query="country=NO&page=1")).content.decode()
    assert 'href="/en/practices/export.csv?country=NO"' in html
    assert 'href="/en/practices/export.json?country=NO"' in html
    assert 'href="/en/practices/map/?country=NO"' in html
    assert 'href="/en/practices/feed/?country=NO"' in html


def test_a_member_is_offered_to_propose_a_practice_and_a_visitor_to_sign_in(clients, atlas):
    assert "Propose a practice" in main_text(clients["member"].get(url("list")))
    visitor = main_text(clients["anonymous"].get(url("list")))
    assert "Sign in to propose a practice" in visitor


def test_the_map_colours_countries_by_their_number_of_practices_with_a_table(clients, atlas):
    response = clients["anonymous"].get(url("map"))
    classes = country_classes(world_map(response, "practice-map"))
    assert "q-5" in classes["NO"]  # 4, the most, is always the darkest
    assert "q-4" in classes["FR"]  # 3
    assert "q-2" in classes["SN"]  # 1
    assert "no-data" in classes["DE"]
    table = parse(response).tables[-1]
    assert table[1:] == [["Norway", "4"], ["France", "3"], ["Senegal", "1"]]
    filtered = clients["anonymous"].get(url("map", query="kind=legal-deposit"))
    assert parse(filtered).tables[-1][1:] == [["France", "1"], ["Senegal", "1"]]


def test_the_feed_lists_newly_published_practices_with_their_summary(clients, atlas):
    response = clients["anonymous"].get(url("feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = atom_entries(response)
    titles = [e["title"] for e in entries]
    assert "Alice's secret draft" not in titles
    assert "A finished portal of manuscripts" not in titles  # archived
    assert set(titles) == {str(atlas[k].title) for k in ("gallica", "norway", "senegal", "maps")}
    assert "Collecting .sn websites every year." in [e["summary"] for e in entries]
    only = atom_entries(clients["anonymous"].get(url("feed", query="country=SN")))
    assert [e["title"] for e in only] == ["Senegal's legal deposit of websites"]


# --- One practice ----------------------------------------------------------------------------


def test_the_practice_page_shows_the_published_content_with_links(clients, atlas):
    practice = atlas["senegal"]
    response = clients["anonymous"].get(url("detail", practice.code))
    html, text = response.content.decode(), main_text(response)
    assert "<h2>What was done</h2>" in html and "<strong>manuscripts</strong>" in html
    assert f'href="/en/libraries/{A_SLUG}/"' in html  # the institution's library
    assert 'href="/en/functions/F01.3/"' in html
    assert "partner" in text and "ongoing" in text and "since 2019" in text
    assert re.search(r"Senegal</a>, <a [^>]+>France</a>", html)
    assert 'href="https://gallica.bnf.fr/"' in html
    assert "Annual report 2014" in text and "not yet verified" in text
    assert "Legal deposit practice" in text


def test_a_verified_source_shows_its_date_and_unification_facts_show_when_filled(
    clients, personas, kinds
):
    practice = publish(
        personas,
        sources=[{"citation": "Report", "last_verified": "2026-01-05"}],
        unification_type="reconstitution",
        platform_model="federated",
        iiif=True,
        scale_items=1200,
        material_types=["manuscripts", "charters"],
        lessons="Start with the **metadata**.",
        urls=[{"url": "https://example.org/", "archived_url": "https://archive.example.org/x"}],
    )
    text = main_text(clients["anonymous"].get(url("detail", practice.code)))
    assert "last verified 2026-01-05" in text and "not yet verified" not in text
    assert "reconstitution of a dispersed whole" in text
    assert "federated (IIIF or links to holders)" in text
    assert "1,200" in text and "manuscripts; charters" in text
    assert "Lessons learned" in text and "archived copy" in text
    plain = publish(personas, title="Plain")
    assert "Digital unification" not in main_text(
        clients["anonymous"].get(url("detail", plain.code))
    ).replace("Digital unification project", "")


def test_actions_are_offered_by_permission(clients, atlas):
    code = atlas["gallica"].code
    visitor = main_text(clients["anonymous"].get(url("detail", code)))
    assert "Sign in to propose an edit" in visitor and "Archive" not in visitor
    member = main_text(clients["member"].get(url("detail", code)))
    assert "Propose an edit" in member and "Archive" not in member
    author = main_text(clients["alice"].get(url("detail", code)))
    assert "Edit" in author and "Propose an edit" not in author
    moderator = main_text(clients["moderator"].get(url("detail", code)))
    assert "Archive" in moderator and "Edit" in moderator
    draft = main_text(clients["alice"].get(url("detail", atlas["draft"].code)))
    assert "Submit for review" in draft


def test_a_view_is_counted_once_per_visitor_and_day_and_not_for_robots(clients, atlas):
    practice, anon = atlas["gallica"], clients["anonymous"]
    assert "1 view" in main_text(anon.get(url("detail", practice.code), **BROWSER))
    assert "1 view" in main_text(anon.get(url("detail", practice.code), **BROWSER))
    anon.get(url("detail", practice.code), HTTP_USER_AGENT="Googlebot/2.1")
    anon.get(url("detail", practice.code))  # no user agent
    assert fresh(practice).view_count == 1
    clients["alice"].get(url("detail", atlas["draft"].code), **BROWSER)
    assert fresh(atlas["draft"]).view_count == 0


def test_related_practices_share_items_libraries_or_countries(clients, atlas):
    html = clients["anonymous"].get(url("detail", atlas["norway"].code)).content.decode()
    related = html[html.index('id="related-heading"') :]
    names = re.findall(r'<li><a href="/en/practices/p-[^/]+/">([^<]+)</a>', related)
    # Senegal shares area-item F01 (a different item) and no country; the others share Norway.
    assert names[:2] == ["Old maps of Europe", "Gallica reunites the manuscripts of Saint-Martial"]
    assert "Norwegian newspapers united online" not in names
    assert "A finished portal of manuscripts" not in names  # archived


def test_comments_are_added_and_hidden_ones_read_hidden_to_all_but_moderators(clients, atlas):
    code = atlas["gallica"].code
    response = clients["bob"].post(url("comment_add", code), {"body": "Great *work*, spam.biz"})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert "<em>work</em>" in clients["anonymous"].get(url("detail", code)).content.decode()
    page = clients["moderator"].get(url("detail", code))
    clients["moderator"].post(url("comment_hide", code, comment.pk), {"reason": "advertising"})
    for who in ("anonymous", "member", "bob"):
        text = main_text(clients[who].get(url("detail", code)))
        assert "Hidden by a moderator." in text and "spam.biz" not in text
        assert "advertising" not in text
    text = main_text(clients["moderator"].get(url("detail", code)))
    assert "spam.biz" in text and "Reason: advertising" in text
    assert page.status_code == 200
    empty = clients["bob"].post(url("comment_add", code), {"body": "   "}, follow=True)
    assert "Write a comment first." in main_text(empty)


def test_members_endorse_once_per_kind_and_may_speak_for_their_library(clients, atlas):
    code = atlas["gallica"].code
    alice_page = clients["alice"].get(url("detail", code))
    assert f'<option value="{A_SLUG}">' in alice_page.content.decode()
    clients["alice"].post(url("endorse", code), {"kind": "did_too", "library": A_SLUG})
    clients["member"].post(url("endorse", code), {"kind": "useful"})
    again = clients["member"].post(url("endorse", code), {"kind": "useful"}, follow=True)
    assert "You already said so." in main_text(again)
    bob = clients["bob"].post(url("endorse", code), {"kind": "did_too", "library": A_SLUG})
    assert bob.status_code == 302
    text = main_text(clients["anonymous"].get(url("detail", code)))
    assert "useful: 1 member" in text and "we did this too: 1 member" in text
    assert "Libraries that did this too: Bibliothèque nationale de France" in text
    assert Endorsement.objects.count() == 2


def test_an_edited_archived_practice_tells_its_editors_the_working_copy_differs(
    clients, personas, atlas
):
    practice = fresh(atlas["archived"])
    services.edit_practice(
        practice,
        {**practice.current.content, "summary": "Reopened in 2026."},
        user=personas["alice"],
        reason="reopening",
        expected_version=practice.version,
    )
    author = main_text(clients["alice"].get(url("detail", practice.code)))
    assert "The working copy has unpublished changes." in author
    assert "Closed in 2016" in author  # the page shows the published version
    visitor = main_text(clients["anonymous"].get(url("detail", practice.code)))
    assert "unpublished" not in visitor and "Reopened" not in visitor
    history = main_text(clients["anonymous"].get(url("history", practice.code)))
    assert "reopening" not in history
    assert "Compare the working copy" in main_text(
        clients["alice"].get(url("history", practice.code))
    )
    proposing = clients["bob"].get(url("edit", practice.code))
    assert page_form(proposing)["summary"] == "Closed in 2016, kept for reference."
    assert page_form(proposing)["base"] == str(practice.published.number)


# --- Editing ---------------------------------------------------------------------------------


def test_a_member_starts_a_practice_from_the_form(clients, kinds, personas):
    member = clients["member"]
    form = page_form(
        member.get(url("create")),
        title="Our union catalogue",
        summary="Ten libraries share one catalogue.",
        body="It *works*.",
        language="en",
        kind="best-practice",
        countries="fr\nNO",
        institutions=f"Bibliothèque nationale de France | lead | {A_SLUG} | FR\nA partner",
        urls="https://example.org/ | https://web.archive.org/x | Home",
        sources="Annual report | https://example.org/r | 2026-02-01\nhttps://example.org/only",
        tags="catalogues\nsharing",
        start_year="2020",
        reason="first version",
    )
    response = member.post(url("create"), form)
    practice = Practice.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", practice.code)
    content = practice.current.content
    assert content["countries"] == ["FR", "NO"]
    assert content["institutions"] == [
        {
            "name": "Bibliothèque nationale de France",
            "role": "lead",
            "library": A_SLUG,
            "country": "FR",
        },
        {"name": "A partner", "role": "partner", "library": "", "country": ""},
    ]
    assert content["urls"][0] == {
        "url": "https://example.org/",
        "archived_url": "https://web.archive.org/x",
        "label": "Home",
    }
    assert content["sources"][1] == {
        "citation": "",
        "url": "https://example.org/only",
        "last_verified": "",
    }
    assert practice.status == PracticeStatus.DRAFT and practice.current.message == "first version"
    edit = member.get(url("edit", practice.code))
    assert textarea(edit, "institutions").splitlines()[0] == (
        f"Bibliothèque nationale de France | lead | {A_SLUG} | FR"
    )


def test_the_preview_renders_the_markdown_without_saving(clients, atlas):
    practice, alice = atlas["gallica"], clients["alice"]
    form = page_form(alice.get(url("edit", practice.code)), body="# Big\n\n*new* text", preview="1")
    response = alice.post(url("edit", practice.code), form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview (not saved)" in html and "<em>new</em> text" in html
    assert textarea(response, "body") == "# Big\n\n*new* text"
    assert fresh(practice).version == practice.version
    assert fresh(practice).revisions.count() == 1


VALIDATION_CASES = [
    ("body", {"body": "x" * 200_001}, "At most 200000 characters"),
    ("tags", {"tags": "\n".join(f"tag {n}" for n in range(31))}, "At most 30 tags"),
    ("end_year", {"start_year": "2015", "end_year": "2010"}, "cannot be before the start year"),
    ("countries", {"countries": "FR\nXX"}, "Unknown codes: XX."),
    ("urls", {"urls": "not a web address"}, "is not a web address"),
    ("title", {"title": ""}, "This field is required."),
]


@pytest.mark.parametrize(("field", "typed", "message"), VALIDATION_CASES)
def test_bad_content_is_refused_at_its_field_and_the_typed_text_is_kept(
    clients, atlas, field, typed, message
):
    practice, alice = atlas["gallica"], clients["alice"]
    form = page_form(alice.get(url("edit", practice.code)), **typed, summary="My new summary.")
    response = alice.post(url("edit", practice.code), form)
    assert response.status_code == 400
    assert message in errors_at(response, field)
    data = page_form(response)
    for name, value in typed.items():
        assert data[name] == value
    assert data["summary"] == "My new summary."
    assert fresh(practice).revisions.count() == 1
    created = clients["member"].post(url("create"), {**form, "version": "", "base": ""})
    assert created.status_code == 400 and message in errors_at(created, field)


def test_markup_in_the_body_renders_without_scripts_handlers_or_javascript_links(
    clients, atlas, personas
):
    practice = fresh(atlas["gallica"])
    evil = (
        "Hello <script>alert('body')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        '[click me](javascript:alert(2)) and <a href="javascript:alert(3)">here</a>\n\n'
        '<p onclick="alert(4)" style="color:red">styled</p>'
    )
    services.edit_practice(
        practice,
        {**practice.current.content, "body": evil, "title": "<script>alert('t')</script>"},
        user=personas["alice"],
        reason="<b>note</b>",
        expected_version=practice.version,
    )
    services.add_comment(
        practice, "<script>alert('c')</script> [x](javascript:alert(5))", user=personas["bob"]
    )
    for address in (
        url("detail", practice.code),
        url("revision", practice.code, 2),
        url("compare", practice.code, query="a=1&b=2"),
        url("history", practice.code),
        url("edit", practice.code),
    ):
        html = clients["alice"].get(address).content.decode()
        main = html[html.index("<main") :]
        assert "<script" not in main, address
        assert not re.search(r"<[a-z][^>]*\son\w+=", main), address  # no event handler
        assert not re.search(r"<[a-z][^>]*\s(href|src)=.?javascript:", main, re.I), address
        assert not re.search(r"<[a-z][^>]*\sstyle=", main), address
    detail = clients["alice"].get(url("detail", practice.code)).content.decode()
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in detail  # the title, as text
    assert "click me" in detail and "styled" in detail
    compare = clients["alice"].get(url("compare", practice.code, query="a=1&b=2")).content.decode()
    assert "&lt;script&gt;alert(&#x27;body&#x27;)&lt;/script&gt;" in compare
    preview = clients["alice"].post(
        url("edit", practice.code),
        page_form(clients["alice"].get(url("edit", practice.code)), preview="1"),
    )
    main = preview.content.decode().split("<main", 1)[1]
    assert "Preview (not saved)" in main
    assert "<script" not in main and not re.search(r"<[a-z][^>]*\son\w+=", main)


def test_an_outsider_s_edit_is_sent_for_review_and_says_so(clients, atlas):
    practice, bob = atlas["gallica"], clients["bob"]
    page = bob.get(url("edit", practice.code))
    assert "your edit will be reviewed" in main_text(page)
    response = bob.post(url("edit", practice.code), page_form(page, summary="Bob's summary."))
    proposal = Revision.objects.get(kind=RevisionKind.PROPOSAL)
    assert response["Location"] == url("revision", practice.code, proposal.number)
    assert proposal.status == ProposalStatus.PENDING
    assert fresh(practice).summary == practice.summary  # nothing changes until accepted
    shown = main_text(bob.get(response["Location"]))
    assert "waits for a moderator" in shown and "Bob's summary." in shown


def test_the_authors_and_moderators_edit_directly(clients, atlas):
    practice = atlas["gallica"]
    for who, summary in (("alice", "Alice's summary."), ("moderator", "The moderator's one.")):
        page = clients[who].get(url("edit", practice.code))
        assert "your edit will be reviewed" not in main_text(page)
        response = clients[who].post(url("edit", practice.code), page_form(page, summary=summary))
        assert response.status_code == 302
        assert fresh(practice).summary == summary  # published: live at once


def test_concurrent_edits_give_409_keep_the_typed_text_and_save_on_top(clients, atlas):
    practice, alice, moderator = atlas["gallica"], clients["alice"], clients["moderator"]
    alice_page = alice.get(url("edit", practice.code))
    theirs = page_form(moderator.get(url("edit", practice.code)), summary="Moderator's summary.")
    assert moderator.post(url("edit", practice.code), theirs).status_code == 302
    mine = page_form(alice_page, title="Alice's title", tags="manuscripts\nSaint-Martial")
    conflict = alice.post(url("edit", practice.code), mine)
    assert conflict.status_code == 409
    text = main_text(conflict)
    assert "Someone else saved this practice while you were editing" in text
    assert "Moderator's summary." in text  # what changed meanwhile
    again = page_form(conflict)
    assert again["title"] == "Alice's title" and again["tags"] == "manuscripts\nSaint-Martial"
    assert again["summary"] == "Moderator's summary."  # not undone
    assert int(again["version"]) == fresh(practice).version
    assert alice.post(url("edit", practice.code), again).status_code == 302
    saved = fresh(practice).current.content
    assert saved["title"] == "Alice's title" and saved["summary"] == "Moderator's summary."
    assert saved["tags"] == ["manuscripts", "Saint-Martial"]


def test_a_conflict_on_the_same_field_shows_both_values_and_keeps_mine(clients, atlas):
    practice, alice, moderator = atlas["gallica"], clients["alice"], clients["moderator"]
    alice_page = alice.get(url("edit", practice.code))
    theirs = page_form(moderator.get(url("edit", practice.code)), summary="Theirs.")
    moderator.post(url("edit", practice.code), theirs)
    conflict = alice.post(url("edit", practice.code), page_form(alice_page, summary="Mine."))
    assert conflict.status_code == 409
    rows = parse(conflict).tables[0]
    assert ["Summary", "Mine.", "Theirs."] in rows
    assert page_form(conflict)["summary"] == "Mine."


def test_a_proposal_typed_on_an_older_copy_keeps_what_was_saved_meanwhile(clients, personas, atlas):
    practice, bob = atlas["gallica"], clients["bob"]
    bob_page = bob.get(url("edit", practice.code))
    alice_form = page_form(clients["alice"].get(url("edit", practice.code)), summary="Newer.")
    clients["alice"].post(url("edit", practice.code), alice_form)
    response = bob.post(url("edit", practice.code), page_form(bob_page, title="Bob's title"))
    proposal = Revision.objects.get(kind=RevisionKind.PROPOSAL)
    assert response["Location"] == url("revision", practice.code, proposal.number)
    assert proposal.based_on.number == 1  # the copy Bob saw, not Alice's newer one
    shown = parse(bob.get(response["Location"])).tables[0]
    assert [row[0] for row in shown[1:]] == ["Title"]  # only what Bob changed
    page = clients["moderator"].get(response["Location"])
    clients["moderator"].post(
        url("revision_action", practice.code, proposal.number, "accept"),
        action_form(page, "accept"),
    )
    saved = fresh(practice).current.content
    assert saved["title"] == "Bob's title" and saved["summary"] == "Newer."


def test_a_proposal_that_clashes_with_a_later_edit_is_not_applied(clients, personas, atlas):
    practice, bob = atlas["gallica"], clients["bob"]
    bob_page = bob.get(url("edit", practice.code))
    alice_form = page_form(clients["alice"].get(url("edit", practice.code)), summary="Alice's.")
    clients["alice"].post(url("edit", practice.code), alice_form)
    response = bob.post(url("edit", practice.code), page_form(bob_page, summary="Bob's."))
    page = clients["moderator"].get(response["Location"])
    refused = clients["moderator"].post(
        url("revision_action", practice.code, 3, "accept"),
        action_form(page, "accept"),
        follow=True,
    )
    assert "Someone changed summary since this edit was proposed" in main_text(refused)
    assert fresh(practice).summary == "Alice's."
    assert Revision.objects.get(number=3).status == ProposalStatus.PENDING


# --- Review ----------------------------------------------------------------------------------


def test_sending_back_needs_a_comment_which_the_author_reads(clients, personas, atlas):
    draft = atlas["draft"]
    page = clients["alice"].get(url("detail", draft.code))
    clients["alice"].post(url("action", draft.code, "submit"), action_form(page, "submit"))
    page = clients["moderator"].get(url("detail", draft.code))
    empty = clients["moderator"].post(
        url("action", draft.code, "reject"), action_form(page, "reject"), follow=True
    )
    assert "Say what needs to change." in main_text(empty)
    assert fresh(draft).status == PracticeStatus.SUBMITTED
    clients["moderator"].post(
        url("action", draft.code, "reject"), action_form(page, "reject", comment="Add sources.")
    )
    assert fresh(draft).status == PracticeStatus.DRAFT
    assert "Add sources." in main_text(clients["alice"].get(url("detail", draft.code)))
    assert "Add sources." in main_text(clients["alice"].get(url("mine")))
    assert Notification.objects.filter(user=personas["alice"], text__contains="sent back").exists()


def test_a_stale_action_is_refused_with_a_message(clients, atlas):
    practice = atlas["gallica"]
    page = clients["moderator"].get(url("detail", practice.code))
    data = action_form(page, "archive", comment="old")
    data["version"] = str(practice.version - 1)
    response = clients["moderator"].post(url("action", practice.code, "archive"), data, follow=True)
    assert "Someone changed this practice meanwhile" in main_text(response)
    assert fresh(practice).status == PracticeStatus.PUBLISHED


def test_archiving_and_publishing_again(clients, atlas):
    practice, moderator = atlas["gallica"], clients["moderator"]
    page = moderator.get(url("detail", practice.code))
    moderator.post(
        url("action", practice.code, "archive"), action_form(page, "archive", comment="done")
    )
    assert fresh(practice).status == PracticeStatus.ARCHIVED
    page = moderator.get(url("detail", practice.code))
    assert "Publish again" in main_text(page)
    moderator.post(url("action", practice.code, "approve"), action_form(page, "approve"))
    assert fresh(practice).status == PracticeStatus.PUBLISHED


def test_declining_a_proposal_needs_a_comment(clients, personas, atlas):
    practice = atlas["gallica"]
    proposal = services.propose_edit(
        practice, {**practice.current.content, "summary": "Meh."}, user=personas["bob"], reason="r"
    )
    address = url("revision", practice.code, proposal.number)
    page = clients["moderator"].get(address)
    empty = clients["moderator"].post(
        url("revision_action", practice.code, proposal.number, "decline"),
        action_form(page, "decline"),
        follow=True,
    )
    assert "Say why the edit is declined." in main_text(empty)
    clients["moderator"].post(
        url("revision_action", practice.code, proposal.number, "decline"),
        action_form(page, "decline", comment="Not sourced."),
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DECLINED
    assert "Not sourced." in main_text(clients["bob"].get(address))
    assert "Not sourced." in main_text(clients["bob"].get(url("mine")))


def test_the_member_s_and_the_moderators_lists(clients, personas, atlas):
    submitted = services.start_practice(
        make_content(title="Waiting for review"), user=personas["alice"], reason="t"
    )
    services.submit_practice(submitted, user=personas["alice"], expected_version=1)
    services.propose_edit(
        atlas["gallica"],
        {**atlas["gallica"].current.content, "summary": "Shorter."},
        user=personas["bob"],
        reason="shorter summary",
    )
    mine = parse(clients["alice"].get(url("mine"))).tables
    assert mine[0][1][0] == "Alice's secret draft"
    assert mine[1][1][0] == "Waiting for review"
    assert len(mine[2]) == 6  # header and five published or archived
    bob = main_text(clients["bob"].get(url("mine")))
    assert "shorter summary" in bob and "waiting for a moderator" in bob
    review = parse(clients["moderator"].get(url("review"))).tables
    assert [row[0] for row in review[0][1:]] == ["Waiting for review"]
    assert "shorter summary" in review[1][1][1]


# --- History, revisions, comparison ----------------------------------------------------------


def test_the_comparison_shows_lists_as_lists_and_texts_with_marks(clients, personas, atlas):
    practice = fresh(atlas["gallica"])
    services.edit_practice(
        practice,
        {
            **practice.current.content,
            "summary": "Digitised manuscripts dispersed between Paris and Bergen, shown together.",
            "tags": ["manuscripts", "Limoges"],
            "end_year": 2015,
        },
        user=personas["alice"],
        reason="more precise",
        expected_version=practice.version,
    )
    response = clients["anonymous"].get(url("compare", practice.code, query="a=1&b=2"))
    html = response.content.decode()
    rows = {row[0]: row[1] for row in parse(response).tables[0][1:]}
    assert set(rows) == {"Summary", "End year", "Tags"}
    assert '<del><span class="visually-hidden">[removed: </span>Oslo' in html
    assert '<ins><span class="visually-hidden">[added: </span>Bergen' in html
    assert "removed: digital unification" in rows["Tags"]
    assert "added: Limoges" in rows["Tags"]
    assert "removed: 2014" in rows["End year"] and "added: 2015" in rows["End year"]
    assert clients["anonymous"].get(url("compare", practice.code)).status_code == 200  # 1 → 2


def test_the_whole_life_of_a_practice_in_the_client(clients, personas, kinds):
    alice, bob, moderator, anon = (clients[n] for n in ("alice", "bob", "moderator", "anonymous"))
    # A member starts a draft.
    form = page_form(
        alice.get(url("create")),
        **{
            "title": "Reuniting the Saint-Martial library",
            "summary": "Manuscripts of Limoges, now in Paris, shown together.",
            "body": "## How\n\nImaged in 2012.",
            "kind": "digital-unification",
            "countries": "FR",
            "reason": "first draft",
        },
    )
    assert alice.post(url("create"), form).status_code == 302
    practice = Practice.objects.get()
    code = practice.code
    assert anon.get(url("detail", code)).status_code == 404
    assert bob.get(url("detail", code)).status_code == 404
    # She submits it; the moderators are told.
    page = alice.get(url("detail", code))
    alice.post(url("action", code, "submit"), action_form(page, "submit"))
    assert fresh(practice).status == PracticeStatus.SUBMITTED
    assert Notification.objects.filter(user=personas["moderator"], text__contains="submitted")
    # A moderator approves it; the author is told.
    page = moderator.get(url("detail", code))
    moderator.post(url("action", code, "approve"), action_form(page, "approve", comment="Good."))
    assert fresh(practice).status == PracticeStatus.PUBLISHED
    assert Notification.objects.filter(user=personas["alice"], text__contains="is published")
    assert anon.get(url("detail", code)).status_code == 200
    # Another member proposes an edit; a moderator accepts it; the proposer is told.
    page = bob.get(url("edit", code))
    bob.post(
        url("edit", code),
        page_form(page, title="The Saint-Martial library, reunited", reason="better title"),
    )
    proposal = Revision.objects.get(kind=RevisionKind.PROPOSAL)
    page = moderator.get(url("revision", code, proposal.number))
    assert "What this proposed edit changes" in main_text(page)
    moderator.post(
        url("revision_action", code, proposal.number, "accept"), action_form(page, "accept")
    )
    assert fresh(practice).title == "The Saint-Martial library, reunited"
    assert Notification.objects.filter(user=personas["bob"], text__contains="accepted")
    # An author goes back to revision 1.
    page = alice.get(url("history", code))
    alice.post(
        url("revision_action", code, 1, "revert"),
        action_form(page, "revert", comment="Keep the first title"),
    )
    practice = fresh(practice)
    assert practice.title == "Reuniting the Saint-Martial library"
    assert practice.current.kind == RevisionKind.REVERT
    # The history shows every revision, each with a link to its changes.
    history = anon.get(url("history", code))
    rows = parse(history).tables[0][1:]
    assert [row[2].split()[0] for row in rows] == ["4", "3", "2", "1"]
    assert [row[3] for row in rows] == [
        "revert",
        "edit",
        "proposed edit — accepted",
        "edit",
    ]
    assert rows[0][6] == "Keep the first title" and rows[2][6] == "better title"
    assert "Go back to" not in main_text(history)  # visitors cannot revert
    assert "Go back to 1" in main_text(alice.get(url("history", code)))
    diff = anon.get(url("compare", code, query="a=3&b=4"))
    assert "Reuniting the Saint-Martial library" in main_text(diff)
    assert anon.get(url("revision", code, 2)).status_code == 200


def test_a_proposal_s_own_snapshot_is_not_offered_for_reverting(clients, personas, atlas):
    practice = atlas["gallica"]
    proposal = services.propose_edit(
        practice, {**practice.current.content, "summary": "B."}, user=personas["bob"], reason="r"
    )
    services.accept_proposal(
        proposal, user=personas["moderator"], expected_version=practice.version
    )
    history = parse(clients["alice"].get(url("history", practice.code)))
    reverts = [f["action"] for f in history.forms if (f["action"] or "").endswith("/revert/")]
    assert reverts == [url("revision_action", practice.code, 1, "revert")]


# --- Imports ---------------------------------------------------------------------------------


def test_a_moderator_imports_a_json_file(clients, kinds, personas):
    records = [make_content(title=f"Imported {n}", status="published") for n in (1, 2)]
    upload = SimpleUploadedFile("practices.json", json.dumps(records).encode(), "application/json")
    response = clients["moderator"].post(url("import"), {"file": upload})
    assert response.status_code == 200
    assert "2 practices were imported." in response.content.decode()
    assert set(Practice.objects.values_list("title", flat=True)) == {"Imported 1", "Imported 2"}


def test_an_import_with_errors_lists_each_and_saves_nothing(clients, kinds, personas):
    header = "title,summary,language,kind,countries,end_year,start_year\n"
    rows = (
        "Good one,Fine.,en,digital-unification,FR,,\n"
        "Bad country,Fine.,en,digital-unification,XX,,\n"
        ",No title.,en,digital-unification,FR,2001,2005\n"
    )
    upload = SimpleUploadedFile("practices.csv", (header + rows).encode(), "text/csv")
    response = clients["moderator"].post(url("import"), {"file": upload})
    assert response.status_code == 400
    problems = [
        li for li in re.findall(r"<li>(.*?)</li>", response.content.decode()) if "record" in li
    ]
    assert any("record 2" in p and "XX" in p for p in problems)
    assert any("record 3" in p and "title" in p for p in problems)
    assert any("record 3" in p and "end_year" in p for p in problems)
    assert not Practice.objects.exists()


# --- Going back and proposing on older copies (the data layer's rules) ----------------------


def test_going_back_to_a_proposal_s_own_snapshot_is_refused(personas, published_practice):
    practice = published_practice
    base = dict(practice.current.content)
    proposal = services.propose_edit(
        practice, {**base, "title": "Bob's title"}, user=personas["bob"], reason="title"
    )
    practice = services.edit_practice(
        fresh(practice),
        {**base, "summary": "Alice's summary."},
        user=personas["alice"],
        reason="summary",
        expected_version=fresh(practice).version,
    )
    practice = services.accept_proposal(
        proposal, user=personas["moderator"], expected_version=practice.version
    )
    assert practice.current.content["summary"] == "Alice's summary."
    with pytest.raises(ValidationError):
        services.revert_to(
            practice, proposal, user=personas["alice"], reason="", expected_version=practice.version
        )


def test_a_proposal_typed_on_an_older_copy_does_not_undo_later_edits(personas, published_practice):
    practice = published_practice
    seen_by_bob = practice.current
    practice = services.edit_practice(
        fresh(practice),
        {**seen_by_bob.content, "summary": "Alice's newer summary."},
        user=personas["alice"],
        reason="newer",
        expected_version=fresh(practice).version,
    )
    proposal = services.propose_edit(
        practice,
        {**seen_by_bob.content, "title": "Bob's title"},
        user=personas["bob"],
        reason="title",
        based_on=seen_by_bob,
    )
    practice = services.accept_proposal(
        proposal, user=personas["moderator"], expected_version=practice.version
    )
    assert practice.current.content["summary"] == "Alice's newer summary."
    assert practice.current.content["title"] == "Bob's title"


@override_settings(PUBLIC_PAGE_CACHE_SECONDS=600)
def test_every_visit_reaches_the_view_counter_even_with_the_page_cache_on(published_practice):
    url = published_practice.get_absolute_url()
    for agent in ("Mozilla/5.0 reader one", "Mozilla/5.0 reader two"):
        Client(HTTP_USER_AGENT=agent).get(url)
    Client(HTTP_USER_AGENT="Mozilla/5.0 reader one").get(url)  # same visitor, same day
    Client(HTTP_USER_AGENT="Googlebot/2.1").get(url)
    assert Practice.objects.get(pk=published_practice.pk).view_count == 2


def test_moderators_add_a_kind_of_practice_and_members_cannot(client_for, personas, kinds):
    member = client_for(personas["member"])
    assert member.get("/en/practices/kinds/").status_code == 403
    moderator = client_for(personas["moderator"])
    response = moderator.post(
        "/en/practices/kinds/",
        {"slug": "preservation", "name": "Preservation practice", "name_fr": "Conservation"},
    )
    assert response.status_code == 302
    assert "Preservation practice" in moderator.get("/en/practices/kinds/").content.decode()
    again = moderator.post("/en/practices/kinds/", {"slug": "preservation", "name": "Again"})
    assert "already used" in again.content.decode()


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        (2010, 2014, "2010–2014"),
        (2010, 2010, "2010"),
        (2010, None, "since 2010"),
        (None, 2014, "until 2014"),
        (None, None, ""),
    ],
)
def test_the_years_of_a_practice_in_words(start, end, shown):
    from practices.views.display import years_label

    assert years_label(start, end) == shown
