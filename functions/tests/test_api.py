"""The functions API under /api/v1/: the framework, rounds, profiles, answers and positions.

Reads follow the site's visibility rules; every write goes through the services with If-Match,
and a bad answer is a 400 naming its item with nothing saved.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from conftest import make_library
from functions.choices import ProfileStatus
from functions.models import Item, Profile

A_SLUG = "bibliotheque-nationale-de-france"
B_SLUG = "national-library-of-norway"
C_SLUG = "bibliotheque-nationale-du-senegal"

FRANCE = {
    "F01.1": "nl",
    "F01.2": "1925",
    "F01.3": "books;serials;websites",
    "F01.6": "yearly",
    "F01.10": "90000",
    "F02.1": "nl",
    "F02.7": "yes",
}
NORWAY = {
    "F01.1": "nl",
    "F01.2": "1990",
    "F01.3": "books;websites",
    "F01.6": "continuous",
    "F01.10": "80000",
    "F02.1": "nl",
    "F02.7": "yes",
}
SENEGAL = {
    "F01.1": "shared",
    "F01.2": "1976",
    "F01.3": "books",
    "F01.6": "none",
    "F01.10": "500",
    "F02.1": "other",
    "F02.7": "no",
}


@pytest.fixture
def token_client(personas):
    """token_client("alice") is a client sending that persona's API token."""

    def make(persona: str):
        if persona == "anonymous":
            return Client()
        key = Token.objects.get_or_create(user=personas[persona])[0].key
        return Client(HTTP_AUTHORIZATION=f"Token {key}")

    return make


@pytest.fixture
def anon(framework, registry):
    return Client()


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def post(client, url: str, data: dict | None = None, if_match: str | None = None):
    headers = {"If-Match": if_match} if if_match is not None else {}
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def patch(client, url: str, data: dict, if_match: str | None = None):
    headers = {"If-Match": if_match} if if_match is not None else {}
    return client.patch(url, data, content_type="application/json", headers=headers)


def profile_url(profile_id: int, action: str = "") -> str:
    return f"/api/v1/profiles/{profile_id}/" + (f"{action}/" if action else "")


def start(client, slug: str = A_SLUG, year: int = 2020):
    return post(client, "/api/v1/profiles/", {"library": slug, "round": year})


def save(client, profile_id: int, answers: dict, etag: str | None, reason: str = "test"):
    return patch(
        client, profile_url(profile_id, "answers"), {"answers": answers, "reason": reason}, etag
    )


@pytest.fixture
def alice_draft(framework, token_client):
    """Alice's client and her library's new draft profile (as the API returns it)."""
    alice = token_client("alice")
    response = start(alice)
    assert response.status_code == 201, response.content
    return alice, response


# --- The framework -------------------------------------------------------------------------


def test_the_framework_endpoints_list_the_14_areas_and_85_items_of_the_seed(anon):
    areas = anon.get("/api/v1/function-areas/").json()
    assert areas["count"] == 14
    legal_deposit = anon.get("/api/v1/function-areas/F01/").json()
    assert legal_deposit["weight"] == "core"
    assert legal_deposit["items"][:3] == ["F01.1", "F01.2", "F01.3"]
    assert len(legal_deposit["items"]) == 10
    items = anon.get("/api/v1/function-items/", {"page_size": 100}).json()
    assert items["count"] == 85
    assert [i["code"] for i in items["results"][:3]] == ["F01.1", "F01.2", "F01.3"]


def test_an_item_shows_its_options_accepted_values_url_and_an_etag(anon):
    response = anon.get("/api/v1/function-items/F01.6/")
    assert response.status_code == 200
    item = Item.objects.get(code="F01.6")
    assert response["ETag"] == f'"{item.pk}-1"'
    body = response.json()
    assert body["area"] == "F01"
    assert body["answer_type"] == "choice"
    assert body["options"] == ["none", "ad hoc", "yearly", "several per year", "continuous"]
    assert body["choices"] == body["options"]
    assert body["url"] == "/en/functions/F01.6/"
    assert "reason" not in body
    performance = anon.get("/api/v1/function-items/F01.1/").json()
    assert performance["options"] == []
    assert performance["choices"] == ["nl", "shared", "other", "none", "unknown"]
    assert anon.get("/api/v1/function-items/F99.1/").status_code == 404


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"area": "F01"}, 10),
        ({"area": "F14"}, 6),
        ({"answer_type": "multi"}, 3),
        ({"answer_type": "url"}, 1),
        ({"retired": "false"}, 85),
        ({"retired": "true"}, 0),
        ({"area": "F01", "answer_type": "performance"}, 6),
    ],
)
def test_the_item_list_filters_by_area_answer_type_and_retired(anon, params, count):
    assert (
        anon.get("/api/v1/function-items/", {**params, "page_size": 100}).json()["count"] == count
    )


def test_an_invalid_answer_type_filter_is_a_400_naming_it(anon):
    response = anon.get("/api/v1/function-items/", {"answer_type": "colour"})
    assert response.status_code == 400
    assert "answer_type" in response.json()


def test_the_edition_shows_its_frozen_content_and_the_round_is_found_by_year(anon):
    editions = results(anon.get("/api/v1/framework-editions/"))
    assert [e["code"] for e in editions] == ["2020-beta"]
    edition = anon.get("/api/v1/framework-editions/2020-beta/").json()
    assert edition["status"] == "published"
    assert edition["items"] == 85
    assert len(edition["content"]["areas"]) == 14
    assert edition["content"]["areas"][0]["items"][0]["code"] == "F01.1"
    rounds = results(anon.get("/api/v1/rounds/"))
    assert [r["year"] for r in rounds] == [2020]
    round_ = anon.get("/api/v1/rounds/2020/").json()
    assert (round_["edition"], round_["status"], round_["is_beta"]) == ("2020-beta", "open", True)
    assert anon.get("/api/v1/rounds/2019/").status_code == 404


def test_a_moderator_creates_and_rewords_an_item_with_if_match(framework, token_client):
    moderator = token_client("moderator")
    created = post(
        moderator,
        "/api/v1/function-items/",
        {
            "code": "F01.11",
            "area": "F01",
            "position": 11,
            "text": "Legal deposit of audiovisual works",
            "answer_type": "performance",
            "reason": "asked by CENL",
        },
    )
    assert created.status_code == 201, created.json()
    item = Item.objects.get(code="F01.11")
    assert created["ETag"] == f'"{item.pk}-1"'
    url = "/api/v1/function-items/F01.11/"
    no_etag = patch(moderator, url, {"text": "Audiovisual deposit", "reason": "shorter"})
    assert no_etag.status_code == 428
    reworded = patch(
        moderator, url, {"text": "Audiovisual deposit", "reason": "shorter"}, created["ETag"]
    )
    assert reworded.status_code == 200, reworded.json()
    assert reworded.json()["text"] == "Audiovisual deposit"
    assert reworded["ETag"] == f'"{item.pk}-2"'
    stale = patch(moderator, url, {"text": "Again", "reason": "x"}, created["ETag"])
    assert stale.status_code == 412
    no_reason = patch(moderator, url, {"text": "Again"}, reworded["ETag"])
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert Item.objects.get(code="F01.11").text == "Audiovisual deposit"
    replaced = moderator.put(
        url,
        {
            "code": "F01.11",
            "area": "F01",
            "position": 12,
            "text": "Audiovisual legal deposit",
            "answer_type": "choice",
            "options": ["all", "some", "none"],
            "reason": "a choice fits better",
        },
        content_type="application/json",
        headers={"If-Match": reworded["ETag"]},
    )
    assert replaced.status_code == 200, replaced.json()
    assert replaced.json()["options"] == ["all", "some", "none"]
    assert replaced["ETag"] == f'"{item.pk}-3"'


def test_an_item_code_cannot_be_reused_and_a_choice_item_needs_options(framework, token_client):
    moderator = token_client("moderator")
    data = {"area": "F01", "text": "x", "answer_type": "choice", "reason": "x"}
    taken = post(moderator, "/api/v1/function-items/", {**data, "code": "F01.1"})
    assert taken.status_code == 400 and "code" in taken.json()
    no_options = post(moderator, "/api/v1/function-items/", {**data, "code": "F01.12"})
    assert no_options.status_code == 400 and "options" in no_options.json()
    assert not Item.objects.filter(code="F01.12").exists()


def test_an_answered_item_cannot_change_its_answer_type(token_client, published_profile, registry):
    published_profile(registry["A"], {"F01.6": "yearly"})
    moderator = token_client("moderator")
    url = "/api/v1/function-items/F01.6/"
    response = patch(
        moderator,
        url,
        {"answer_type": "text", "options": [], "reason": "x"},
        moderator.get(url)["ETag"],
    )
    assert response.status_code == 400
    assert "answer_type" in response.json()


def test_only_moderators_edit_the_framework(framework, token_client):
    alice = token_client("alice")
    data = {"code": "F01.11", "area": "F01", "text": "x", "answer_type": "yesno", "reason": "x"}
    assert post(alice, "/api/v1/function-items/", data).status_code == 403
    url = "/api/v1/function-items/F01.1/"
    response = patch(alice, url, {"text": "Mine", "reason": "x"}, alice.get(url)["ETag"])
    assert response.status_code == 403
    assert Item.objects.get(code="F01.1").text == "Legal deposit of printed publications"
    assert post(Client(), "/api/v1/function-items/", data).status_code in (401, 403)


# --- Profiles: visibility ------------------------------------------------------------------


def test_anonymous_sees_only_published_profiles_and_a_draft_is_404(
    anon, alice_draft, published_profile, registry
):
    _alice, draft = alice_draft
    published = published_profile(registry["B"], NORWAY)
    listed = results(anon.get("/api/v1/profiles/"))
    assert [p["library"] for p in listed] == [B_SLUG]
    assert anon.get(profile_url(draft.json()["id"])).status_code == 404
    response = anon.get(profile_url(published.pk))
    assert response.status_code == 200
    assert response["ETag"] == f'"{published.pk}-{published.version}"'
    body = response.json()
    assert body["round"] == 2020 and body["status"] == "published" and body["is_demo"] is False
    assert body["answered"] == 7
    assert body["completeness"] == round(7 / 85, 3)
    assert body["answers"]["F01.3"] == {
        "value": "books;websites",
        "note": "",
        "source_url": "",
        "since": None,
    }
    assert body["url"] == f"/en/libraries/{B_SLUG}/profile/2020/"
    assert body["published_at"]


def test_contributors_and_moderators_see_their_unpublished_profiles(alice_draft, token_client):
    alice, draft = alice_draft
    draft_id = draft.json()["id"]
    assert [p["id"] for p in results(alice.get("/api/v1/profiles/"))] == [draft_id]
    assert results(token_client("bob").get("/api/v1/profiles/")) == []
    assert token_client("bob").get(profile_url(draft_id)).status_code == 404
    moderator = token_client("moderator")
    assert [p["id"] for p in results(moderator.get("/api/v1/profiles/"))] == [draft_id]


# --- Profiles: starting and answering ------------------------------------------------------


def test_alice_starts_her_library_profile_with_a_token(alice_draft, registry):
    alice, response = alice_draft
    body = response.json()
    profile = Profile.objects.get(pk=body["id"])
    assert (profile.library, profile.round.year) == (registry["A"], 2020)
    assert body["library"] == A_SLUG and body["status"] == "draft" and body["answers"] == {}
    assert response["ETag"] == f'"{profile.pk}-1"'
    again = start(alice)
    assert again.status_code == 200 and again.json()["id"] == profile.pk
    assert Profile.objects.count() == 1


def test_a_profile_cannot_be_started_for_another_library_or_anonymously(framework, token_client):
    assert start(token_client("bob"), A_SLUG).status_code == 403
    assert start(token_client("member"), A_SLUG).status_code == 403
    assert start(Client(), A_SLUG).status_code in (401, 403)
    assert not Profile.objects.exists()
    unknown = start(token_client("alice"), "nowhere", 1999)
    assert unknown.status_code == 400
    assert set(unknown.json()) == {"library", "round"}


def test_alice_saves_answers_with_if_match_and_gets_a_new_etag(alice_draft):
    alice, draft = alice_draft
    pid = draft.json()["id"]
    response = save(
        alice,
        pid,
        {
            "F01.1": {
                "value": "NL",
                "note": "Code du patrimoine",
                "source_url": "https://www.bnf.fr/fr/depot-legal",
                "since": 1537,
            },
            "F01.3": {"value": ["serials", "books"]},
            "F01.10": "1,250,000",
        },
        draft["ETag"],
        reason="from the annual report",
    )
    assert response.status_code == 200, response.json()
    assert response["ETag"] == f'"{pid}-2"' != draft["ETag"]
    body = response.json()
    assert body["version"] == 2 and body["answered"] == 3
    assert body["answers"] == {
        "F01.1": {
            "value": "nl",
            "note": "Code du patrimoine",
            "source_url": "https://www.bnf.fr/fr/depot-legal",
            "since": 1537,
        },
        "F01.3": {"value": "books;serials", "note": "", "source_url": "", "since": None},
        "F01.10": {"value": "1250000", "note": "", "source_url": "", "since": None},
    }
    assert alice.get(profile_url(pid))["ETag"] == response["ETag"]


def test_saving_answers_without_if_match_is_428_and_with_a_stale_etag_412(alice_draft):
    alice, draft = alice_draft
    pid = draft.json()["id"]
    assert save(alice, pid, {"F01.1": "nl"}, None).status_code == 428
    first = save(alice, pid, {"F01.1": "nl"}, draft["ETag"])
    assert first.status_code == 200
    stale = save(alice, pid, {"F01.1": "shared"}, draft["ETag"])
    assert stale.status_code == 412
    profile = Profile.objects.get(pk=pid)
    assert profile.version == 2 and profile.answer_map()["F01.1"]["value"] == "nl"


@pytest.mark.parametrize(
    ("answers", "bad"),
    [
        ({"F01.2": "abc"}, "F01.2"),
        ({"F01.2": 1300}, "F01.2"),
        ({"F01.6": "sometimes"}, "F01.6"),
        ({"F01.3": ["books", "scrolls"]}, "F01.3"),
        ({"F01.10": -5}, "F01.10"),
        ({"F01.1": "maybe"}, "F01.1"),
        ({"F99.1": "nl"}, "F99.1"),
        ({"F01.1": {"value": "nl", "since": 1200}}, "F01.1"),
        ({"F01.1": {"value": "nl", "source_url": "not a web address"}}, "F01.1"),
        ({"F01.1": "nl", "F02.7": "yes", "F01.2": "abc"}, "F01.2"),
    ],
)
def test_a_wrong_typed_answer_is_a_400_naming_the_item_and_nothing_is_saved(
    alice_draft, answers, bad
):
    alice, draft = alice_draft
    pid = draft.json()["id"]
    response = save(alice, pid, answers, draft["ETag"])
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [bad], errors
    assert all(message.startswith(bad) for message in errors[bad])
    profile = Profile.objects.get(pk=pid)
    assert profile.version == 1 and profile.answered == 0 and not profile.answers.exists()


def test_every_bad_item_is_named_at_once(alice_draft):
    alice, draft = alice_draft
    response = save(alice, draft.json()["id"], {"F01.2": "abc", "F01.10": "-1"}, draft["ETag"])
    assert response.status_code == 400
    assert set(response.json()) == {"F01.2", "F01.10"}


def test_a_badly_shaped_body_is_a_400(alice_draft):
    alice, draft = alice_draft
    url = profile_url(draft.json()["id"], "answers")
    assert patch(alice, url, {"answers": {}}, draft["ETag"]).status_code == 400
    assert patch(alice, url, {"answers": ["F01.1"]}, draft["ETag"]).status_code == 400
    unknown_key = patch(alice, url, {"answers": {"F01.1": {"valeur": "nl"}}}, draft["ETag"])
    assert unknown_key.status_code == 400
    assert "F01.1" in unknown_key.json()["answers"]


def test_a_null_or_empty_value_removes_an_answer(alice_draft):
    alice, draft = alice_draft
    pid = draft.json()["id"]
    saved = save(alice, pid, {"F01.1": "nl", "F02.7": "yes", "F01.6": "yearly"}, draft["ETag"])
    assert saved.json()["answered"] == 3
    removed = save(alice, pid, {"F01.1": None, "F02.7": {"value": ""}}, saved["ETag"])
    assert removed.status_code == 200
    assert list(removed.json()["answers"]) == ["F01.6"]
    assert removed.json()["answered"] == 1


def test_bob_cannot_edit_alice_profile(alice_draft, token_client):
    alice, draft = alice_draft
    pid = draft.json()["id"]
    bob = token_client("bob")
    # A draft is hidden from him altogether…
    assert save(bob, pid, {"F01.1": "none"}, draft["ETag"]).status_code == 404
    # …a published one he can read but not change.
    moderator = token_client("moderator")
    saved = save(alice, pid, {"F01.1": "nl"}, draft["ETag"])
    published = post(moderator, profile_url(pid, "publish"), if_match=saved["ETag"])
    assert published.status_code == 200
    response = save(bob, pid, {"F01.1": "none"}, published["ETag"])
    assert response.status_code == 403
    assert post(bob, profile_url(pid, "submit"), if_match=published["ETag"]).status_code == 403
    assert Profile.objects.get(pk=pid).answer_map()["F01.1"]["value"] == "nl"


# --- Review: submit, publish, return -------------------------------------------------------


def test_alice_submits_the_moderator_publishes_and_the_answers_become_public(
    alice_draft, token_client, anon, published_profile, registry
):
    alice, draft = alice_draft
    pid = draft.json()["id"]
    empty = post(alice, profile_url(pid, "submit"), if_match=draft["ETag"])
    assert empty.status_code == 400  # nothing answered yet
    saved = save(alice, pid, FRANCE, draft["ETag"])
    assert post(alice, profile_url(pid, "submit")).status_code == 428
    submitted = post(alice, profile_url(pid, "submit"), if_match=saved["ETag"])
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted" and submitted.json()["submitted_at"]
    assert submitted["ETag"] == f'"{pid}-3"'
    assert post(alice, profile_url(pid, "publish"), if_match=submitted["ETag"]).status_code == 403
    assert results(anon.get("/api/v1/answers/")) == []

    moderator = token_client("moderator")
    stale = post(moderator, profile_url(pid, "publish"), if_match=saved["ETag"])
    assert stale.status_code == 412
    published = post(
        moderator, profile_url(pid, "publish"), {"comment": "Thanks"}, submitted["ETag"]
    )
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"
    assert published["ETag"] == f'"{pid}-4"'

    rows = results(anon.get("/api/v1/answers/", {"library": A_SLUG, "page_size": 100}))
    assert len(rows) == len(FRANCE)
    legal_deposit = next(r for r in rows if r["item"] == "F01.1")
    assert legal_deposit == {
        "library": A_SLUG,
        "country": "FR",
        "round": 2020,
        "item": "F01.1",
        "value": "nl",
        "label": "the national library",
        "note": "",
        "source_url": "",
        "since": None,
        "demo": False,
    }
    assert anon.get(profile_url(pid)).status_code == 200

    published_profile(registry["B"], NORWAY)
    published_profile(registry["C"], SENEGAL)
    positions = anon.get("/api/v1/rounds/2020/positions/").json()
    assert {row["library"] for row in positions["libraries"]} == {A_SLUG, B_SLUG, C_SLUG}


def test_returning_a_profile_requires_a_comment_and_hides_it_again(
    token_client, anon, published_profile, registry
):
    profile = published_profile(registry["A"], FRANCE)
    moderator = token_client("moderator")
    etag = moderator.get(profile_url(profile.pk))["ETag"]
    url = profile_url(profile.pk, "return")
    missing = post(moderator, url, {}, etag)
    assert missing.status_code == 400 and "comment" in missing.json()
    blank = post(moderator, url, {"comment": "   "}, etag)
    assert blank.status_code == 400 and "comment" in blank.json()
    assert post(token_client("alice"), url, {"comment": "no"}, etag).status_code == 403
    returned = post(moderator, url, {"comment": "Check F01.2 against the law."}, etag)
    assert returned.status_code == 200, returned.json()
    assert returned.json()["status"] == "returned"
    assert anon.get(profile_url(profile.pk)).status_code == 404
    assert results(anon.get("/api/v1/answers/")) == []
    mine = token_client("alice").get(profile_url(profile.pk)).json()
    assert mine["review_comment"] == "Check F01.2 against the law."


def test_the_review_comment_is_shown_only_to_those_who_may_edit(
    anon, token_client, published_profile, registry
):
    profile = published_profile(registry["A"], FRANCE)
    moderator = token_client("moderator")
    post(
        moderator,
        profile_url(profile.pk, "return"),
        {"comment": "Fix it"},
        moderator.get(profile_url(profile.pk))["ETag"],
    )
    Profile.objects.filter(pk=profile.pk).update(status=ProfileStatus.PUBLISHED)
    assert anon.get(profile_url(profile.pk)).json()["review_comment"] == ""
    assert token_client("alice").get(profile_url(profile.pk)).json()["review_comment"] == "Fix it"


# --- Filters -------------------------------------------------------------------------------


@pytest.fixture
def three_published(published_profile, registry):
    from functions import demo

    published_profile(registry["A"], FRANCE)
    published_profile(registry["B"], NORWAY)
    demo.generate(registry["A"].profiles.get().round, [registry["C"]])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [A_SLUG, C_SLUG, B_SLUG]),
        ({"round": 2020}, [A_SLUG, C_SLUG, B_SLUG]),
        ({"round": 2019}, []),
        ({"library": B_SLUG}, [B_SLUG]),
        ({"status": "published"}, [A_SLUG, C_SLUG, B_SLUG]),
        ({"status": "draft"}, []),
        ({"country": "fr"}, [A_SLUG]),
        ({"region": "150"}, [A_SLUG, B_SLUG]),
        ({"region": "154"}, [B_SLUG]),
        ({"region": "011"}, [C_SLUG]),
        ({"demo": "true"}, [C_SLUG]),
        ({"demo": "false"}, [A_SLUG, B_SLUG]),
    ],
)
def test_the_profile_list_filters(anon, three_published, params, expected):
    assert [p["library"] for p in results(anon.get("/api/v1/profiles/", params))] == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"item": "F01.1"}, [(A_SLUG, "nl"), (B_SLUG, "nl")]),
        ({"item": "F01.6", "value": "continuous"}, [(B_SLUG, "continuous")]),
        ({"item": "F01.1", "country": "NO"}, [(B_SLUG, "nl")]),
        ({"item": "F01.1", "region": "155"}, [(A_SLUG, "nl")]),
        ({"item": "F02.7", "library": A_SLUG, "round": 2020}, [(A_SLUG, "yes")]),
        ({"item": "F01.1", "round": 2021}, []),
    ],
)
def test_the_answer_list_filters(anon, published_profile, registry, params, expected):
    published_profile(registry["A"], FRANCE)
    published_profile(registry["B"], NORWAY)
    rows = results(anon.get("/api/v1/answers/", params))
    assert [(r["library"], r["value"]) for r in rows] == expected


def test_demo_answers_are_flagged_and_labelled(anon, three_published):
    rows = results(anon.get("/api/v1/answers/", {"library": C_SLUG, "page_size": 200}))
    assert rows and all(r["demo"] for r in rows)
    assert all(r["label"] for r in rows)


# --- Positions -----------------------------------------------------------------------------


def test_positions_give_clusters_coordinates_and_peers_of_published_profiles(
    anon, alice_draft, published_profile, registry
):
    for index, library in enumerate(make_libraries(4)):
        published_profile(library, variant(index))
    published_profile(registry["B"], NORWAY)
    published_profile(registry["C"], SENEGAL)
    response = anon.get("/api/v1/rounds/2020/positions/", {"clusters": 3})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["round"] == 2020 and body["clusters"] == 3 and body["areas"] == []
    assert body["demo_data"] is False and body["excluded"] == []
    assert "F01.1" in body["items"] and "F14.2" not in body["items"]  # text never compared
    rows = {row["library"]: row for row in body["libraries"]}
    assert len(rows) == 6 and A_SLUG not in rows  # Alice's draft is not published
    assert {row["cluster"] for row in rows.values()} <= {1, 2, 3}
    assert len({row["cluster"] for row in rows.values()}) == 3
    assert len(body["explained"]) == 2
    norway = rows[B_SLUG]
    assert (norway["country"], norway["region"], norway["demo"]) == ("NO", "150", False)
    assert isinstance(norway["x"], float) and isinstance(norway["y"], float)
    assert len(norway["peers"]) == 5
    best = norway["peers"][0]
    assert set(best) == {"library", "similarity", "items_compared"}
    assert 0 <= best["similarity"] <= 1 and best["similarity"] == round(best["similarity"], 3)
    assert best["items_compared"] == 7
    similarities = [p["similarity"] for p in norway["peers"]]
    assert similarities == sorted(similarities, reverse=True)


def test_positions_can_be_limited_to_some_areas_and_exclude_libraries_without_answers(
    anon, published_profile, registry
):
    published_profile(registry["A"], FRANCE)
    published_profile(registry["B"], NORWAY)
    published_profile(registry["C"], {"F02.7": "no", "F14.2": "Ministry of Culture"})
    body = anon.get("/api/v1/rounds/2020/positions/?area=F01&area=F03").json()
    assert body["areas"] == ["F01", "F03"]
    assert {code.split(".")[0] for code in body["items"]} == {"F01", "F03"}
    assert [row["library"] for row in body["libraries"]] == [A_SLUG, B_SLUG]
    assert body["excluded"] == [{"library": C_SLUG, "name": registry["C"].name, "country": "SN"}]
    peers = {row["library"]: row["peers"] for row in body["libraries"]}
    assert [(p["library"], p["items_compared"]) for p in peers[A_SLUG]] == [(B_SLUG, 5)]


def test_positions_flag_demo_data(anon, three_published):
    body = anon.get("/api/v1/rounds/2020/positions/").json()
    assert body["demo_data"] is True
    flags = {row["library"]: row["demo"] for row in body["libraries"]}
    assert flags == {A_SLUG: False, B_SLUG: False, C_SLUG: True}


@pytest.mark.parametrize(
    ("query", "field", "word"),
    [
        ("area=F99", "area", "F99"),
        ("area=F01&area=X1", "area", "X1"),
        ("area=F01,F77", "area", "F77"),
        ("clusters=1", "clusters", ""),
        ("clusters=13", "clusters", ""),
        ("clusters=many", "clusters", ""),
    ],
)
def test_positions_refuse_unknown_areas_and_clusters_outside_2_to_12(anon, query, field, word):
    response = anon.get(f"/api/v1/rounds/2020/positions/?{query}")
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert word in " ".join(errors[field])


def test_positions_of_an_unknown_round_is_404(anon):
    assert anon.get("/api/v1/rounds/2031/positions/").status_code == 404


# --- Query counts --------------------------------------------------------------------------


def make_libraries(count: int) -> list:
    countries = ["FR", "NO", "SN"]
    return [
        make_library(f"Test library {n}", countries[n % 3], city=f"City {n}") for n in range(count)
    ]


def variant(index: int) -> dict:
    """Answers that differ a little from one library to the next."""
    return {
        "F01.1": ["nl", "shared", "other"][index % 3],
        "F01.2": str(1900 + 7 * index),
        "F01.3": ["books", "books;serials", "books;websites;maps"][index % 3],
        "F01.6": ["yearly", "continuous"][index % 2],
        "F01.10": str(1000 * (index + 1)),
        "F02.1": ["nl", "shared"][index % 2],
        "F02.7": ["yes", "no"][index % 2],
    }


def queries_for(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


LISTS = [
    ("/api/v1/profiles/", {}),
    ("/api/v1/answers/", {"page_size": 500}),
    ("/api/v1/function-items/", {"page_size": 100}),
    ("/api/v1/function-areas/", {}),
]


@pytest.mark.parametrize("persona", ["anonymous", "alice", "moderator"])
def test_list_query_counts_do_not_grow_with_the_number_of_published_profiles(
    framework, token_client, published_profile, persona
):
    libraries = make_libraries(12)
    client = token_client(persona)
    for index, library in enumerate(libraries[:3]):
        published_profile(library, variant(index))
    few = {url: queries_for(client, url, params) for url, params in LISTS}
    for index, library in enumerate(libraries[3:], start=3):
        published_profile(library, variant(index))
    assert len(results(client.get("/api/v1/profiles/"))) == 12
    assert len(results(client.get("/api/v1/answers/", {"page_size": 500}))) == 12 * 7
    many = {url: queries_for(client, url, params) for url, params in LISTS}
    assert many == few
