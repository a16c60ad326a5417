"""The practices API /api/v1/practices/: public reads of published practices, token writes with
If-Match, moderation, proposed edits and revisions, comments, endorsements, export and import,
statistics, and query counts that do not grow with the data."""

import csv
import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from practices import services
from practices.models import Practice, PracticeView, Revision
from practices.tests.conftest import make_content

API = "/api/v1/practices/"
A_SLUG = "bibliotheque-nationale-de-france"
B_SLUG = "national-library-of-norway"


@pytest.fixture
def api_as(personas):
    """api_as("alice") is a client sending that persona's API token; api_as(None) anonymous."""

    def make(persona):
        if persona is None:
            return Client()
        key = Token.objects.get_or_create(user=personas[persona])[0].key
        return Client(HTTP_AUTHORIZATION=f"Token {key}")

    return make


def publish(practice, personas):
    practice = services.submit_practice(practice, user=personas["alice"], expected_version=None)
    return services.approve_practice(practice, user=personas["moderator"], expected_version=None)


def started(personas, **content):
    return services.start_practice(make_content(**content), user=personas["alice"], reason="")


def post(client, url, data=None, if_match=None):
    headers = {"If-Match": if_match} if if_match else {}
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def patch(client, url, data, if_match=None, method="patch"):
    headers = {"If-Match": if_match} if if_match else {}
    return getattr(client, method)(url, data, content_type="application/json", headers=headers)


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


# Reading -------------------------------------------------------------------------------------


def test_anonymous_visitors_read_published_and_archived_practices_only(api_as, personas, kinds):
    draft = started(personas, title="Still a draft")
    submitted = services.submit_practice(
        started(personas, title="Waiting for review"), user=personas["alice"], expected_version=None
    )
    published = publish(started(personas, title="Out in the open"), personas)
    archived = services.archive_practice(
        publish(started(personas, title="Archived"), personas),
        user=personas["moderator"],
        reason="old",
        expected_version=None,
    )
    anon = api_as(None)

    assert sorted(codes(anon.get(API))) == sorted([published.code, archived.code])
    assert anon.get(f"{API}{draft.code}/").status_code == 404
    assert anon.get(f"{API}{submitted.code}/").status_code == 404
    response = anon.get(f"{API}{published.code}/")
    assert response.status_code == 200
    assert response["ETag"] == f'"{published.pk}-{published.version}"'
    body = response.json()
    assert body["url"] == f"/en/practices/{published.code}/"
    assert body["status"] == "published" and body["kind"] == "digital-unification"
    assert body["content"]["countries"] == ["FR", "NO"]
    assert body["review_comment"] == ""
    # Authors see their drafts in the list too (with their working title); moderators see all.
    assert sorted(codes(api_as("alice").get(API))) == sorted(
        [draft.code, submitted.code, published.code, archived.code]
    )
    services.edit_practice(
        draft,
        make_content(title="A better draft title", summary="Its summary"),
        user=personas["alice"],
        reason="",
        expected_version=None,
    )
    rows = {r["code"]: r for r in api_as("alice").get(API).json()["results"]}
    assert (rows[draft.code]["title"], rows[draft.code]["summary"]) == (
        "A better draft title",
        "Its summary",
    )
    assert rows[published.code]["title"] == "Out in the open"
    assert len(codes(api_as("moderator").get(API))) == 4
    assert sorted(codes(api_as("bob").get(API))) == sorted([published.code, archived.code])


def test_the_list_takes_the_filters_of_the_practices_page(api_as, personas, kinds):
    norway = publish(started(personas, title="Fjord archives", countries=["NO"]), personas)
    publish(started(personas, title="Paris only", countries=["FR"], kind="best-practice"), personas)
    anon = api_as(None)

    assert codes(anon.get(API, {"country": "NO"})) == [norway.code]
    assert codes(anon.get(API, {"q": "fjord"})) == [norway.code]
    assert codes(api_as("bob").get(API, {"q": "fjord", "sort": "relevance"})) == [norway.code]
    assert codes(api_as("alice").get(API, {"q": "fjord"})) == [norway.code]
    assert codes(anon.get(API, {"kind": "digital-unification"})) == [norway.code]
    response = anon.get(API, {"kind": "nope"})
    assert response.status_code == 400 and "kind" in response.json()


# The life of a practice through the API ------------------------------------------------------


def test_a_practice_is_created_edited_submitted_published_and_improved_by_a_proposal(
    api_as, personas, kinds
):
    alice, moderator, bob, anon = (
        api_as("alice"),
        api_as("moderator"),
        api_as("bob"),
        api_as(None),
    )

    created = post(alice, API, {**make_content(), "reason": "first version"})
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    url = f"{API}{code}/"
    assert created.json()["status"] == "draft"
    etag = created["ETag"]
    assert anon.get(url).status_code == 404

    changed = {"title": "Saint-Martial, reunited", "reason": "better title"}
    assert patch(alice, url, changed).status_code == 428
    practice = Practice.objects.get(code=code)
    assert patch(alice, url, changed, if_match=f'"{practice.pk}-0"').status_code == 412
    edited = patch(alice, url, changed, if_match=etag)
    assert edited.status_code == 200, edited.content
    assert edited.json()["title"] == "Saint-Martial, reunited"
    assert edited.json()["content"]["summary"] == make_content()["summary"]  # PATCH keeps
    assert patch(alice, url, changed, if_match=etag).status_code == 412  # stale now
    etag = edited["ETag"]

    submitted = post(alice, f"{url}submit/", if_match=etag)
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert post(alice, f"{url}approve/", if_match=submitted["ETag"]).status_code == 403
    approved = post(moderator, f"{url}approve/", {"comment": "Thanks"}, if_match=submitted["ETag"])
    assert approved.status_code == 200 and approved.json()["status"] == "published"
    assert anon.get(url).json()["title"] == "Saint-Martial, reunited"

    refused = patch(bob, url, {"summary": "Bob's"}, if_match=approved["ETag"])
    assert refused.status_code == 403
    assert f"POST /api/v1/practices/{code}/propose/" in refused.json()["detail"]

    proposed = post(bob, f"{url}propose/", {"summary": "A better summary.", "reason": "typo"})
    assert proposed.status_code == 201, proposed.content
    number = proposed.json()["number"]
    assert proposed.json()["status"] == "pending" and proposed.json()["kind"] == "proposal"
    assert post(bob, f"{url}propose/", {"summary": "A better summary."}).status_code == 201
    assert post(alice, f"{url}propose/", {"summary": "x"}).status_code == 403  # edits directly

    def numbers(client):
        response = client.get(f"{url}revisions/")
        assert response.status_code == 200, response.content
        return [r["number"] for r in response.json()["results"]]

    assert number not in numbers(anon)
    assert number in numbers(bob) and number in numbers(alice) and number in numbers(moderator)
    assert anon.get(f"{url}revisions/{number}/").status_code == 404
    assert api_as("member").get(f"{url}revisions/{number}/").status_code == 404
    assert bob.get(f"{url}revisions/{number}/").json()["content"]["summary"] == (
        "A better summary."
    )

    current = anon.get(url)["ETag"]
    accept = f"{url}revisions/{number}/accept/"
    assert post(bob, accept, if_match=current).status_code == 403
    assert post(moderator, accept).status_code == 428
    accepted = post(moderator, accept, {"comment": "Good catch"}, if_match=current)
    assert accepted.status_code == 200, accepted.content
    assert anon.get(url).json()["summary"] == "A better summary."
    declined = post(moderator, f"{url}revisions/{number + 1}/decline/", {})
    assert declined.status_code == 400 and "comment" in declined.json()
    declined = post(moderator, f"{url}revisions/{number + 1}/decline/", {"comment": "Twice"})
    assert declined.status_code == 200 and declined.json()["status"] == "declined"

    history = anon.get(f"{url}revisions/").json()["results"]
    assert [(r["number"], r["kind"], r["status"]) for r in history] == [
        (5, "edit", "accepted"),
        (3, "proposal", "accepted"),
        (2, "edit", "accepted"),
        (1, "edit", "accepted"),
    ]
    assert history[0]["title"] == "Saint-Martial, reunited"
    assert history[0]["based_on"] == 2 and history[0]["url"].endswith(f"/{code}/revisions/5/")
    assert history[1]["author_name"] == "Bob" and history[1]["review_comment"] == "Good catch"
    assert [r["number"] for r in bob.get(f"{url}revisions/").json()["results"]] == [5, 4, 3, 2, 1]


def test_moderators_are_told_the_title_a_draft_has_when_it_is_submitted(api_as, personas, kinds):
    alice = api_as("alice")
    created = post(alice, API, make_content(title="First title"))
    url = f"{API}{created.json()['code']}/"
    edited = patch(alice, url, {"title": "Second title"}, if_match=created["ETag"])
    assert post(alice, f"{url}submit/", if_match=edited["ETag"]).status_code == 200

    [notification] = personas["moderator"].notifications.all()
    assert "Second title" in notification.text


def test_reject_needs_a_comment_and_archive_keeps_the_practice_public(api_as, personas, kinds):
    practice = services.submit_practice(
        started(personas), user=personas["alice"], expected_version=None
    )
    url = f"{API}{practice.code}/"
    moderator = api_as("moderator")
    etag = moderator.get(url)["ETag"]

    missing = post(moderator, f"{url}reject/", {}, if_match=etag)
    assert missing.status_code == 400 and "comment" in missing.json()
    rejected = post(moderator, f"{url}reject/", {"comment": "Add sources"}, if_match=etag)
    assert rejected.status_code == 200 and rejected.json()["status"] == "draft"
    assert api_as("alice").get(url).json()["review_comment"] == "Add sources"
    assert post(moderator, f"{url}archive/", if_match=rejected["ETag"]).status_code == 400

    published = publish(Practice.objects.get(pk=practice.pk), personas)
    archived = post(
        moderator,
        f"{url}archive/",
        {"reason": "ended"},
        if_match=f'"{published.pk}-{published.version}"',
    )
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert api_as(None).get(url).status_code == 200

    services.edit_practice(
        Practice.objects.get(pk=practice.pk),
        make_content(title="Unpublished rework"),
        user=personas["alice"],
        reason="",
        expected_version=None,
    )
    public = api_as(None).get(url)
    assert public.json()["title"] == make_content()["title"]
    assert api_as("alice").get(url).json()["title"] == "Unpublished rework"
    latest = Practice.objects.get(pk=practice.pk).current.number
    assert latest not in [
        r["number"] for r in api_as(None).get(f"{url}revisions/").json()["results"]
    ]
    assert api_as(None).get(f"{url}revisions/{latest}/").status_code == 404
    assert api_as("alice").get(f"{url}revisions/{latest}/").status_code == 200


def test_only_members_write_and_anonymous_writes_are_refused(api_as, published_practice):
    anon = api_as(None)
    assert post(anon, API, make_content()).status_code == 401
    url = f"{API}{published_practice.code}/"
    assert post(anon, f"{url}propose/", {"summary": "x"}).status_code == 401
    assert post(anon, f"{url}comments/", {"body": "x"}).status_code == 401


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"body": "x" * 200_001}, "body"),
        ({"tags": [f"tag {n}" for n in range(31)]}, "tags"),
        ({"start_year": 2014, "end_year": 2010}, "end_year"),
        ({"countries": ["FR", "ZZ"]}, "countries"),
        ({"institutions": [{"name": "Somewhere", "library": "no-such-library"}]}, "institutions"),
        ({"areas": ["F99"]}, "areas"),
        ({"urls": [{"url": "javascript:alert(1)"}]}, "urls"),
        ({"sources": [{"citation": "x", "last_verified": "yesterday"}]}, "sources"),
        ({"kind": "no-such-kind"}, "kind"),
        ({"title": ""}, "title"),
        ({"project_status": "sleeping"}, "project_status"),
        ({"start_year": "soon"}, "start_year"),
    ],
)
def test_bad_content_is_a_400_naming_the_field(api_as, kinds, overrides, field):
    response = post(api_as("alice"), API, make_content(**overrides))

    assert response.status_code == 400
    assert list(response.json()) == [field], response.json()
    assert not Practice.objects.exists()


def test_unknown_fields_and_bad_edits_are_refused_without_saving(api_as, personas, draft_practice):
    alice = api_as("alice")
    url = f"{API}{draft_practice.code}/"
    etag = alice.get(url)["ETag"]

    response = post(alice, API, {**make_content(), "titel": "typo"})
    assert response.status_code == 400 and "titel" in str(response.json())
    response = patch(alice, url, {"tags": ["t"] * 2 + [f"x{n}" for n in range(31)]}, etag)
    assert response.status_code == 400 and list(response.json()) == ["tags"]
    response = patch(alice, url, {"title": "Only a title"}, etag, method="put")
    assert response.status_code == 400 and set(response.json()) == {"summary", "language", "kind"}
    assert Practice.objects.get(pk=draft_practice.pk).version == draft_practice.version


# Comments and endorsements -------------------------------------------------------------------


def test_members_comment_and_a_hidden_comment_keeps_its_text_for_moderators_only(
    api_as, personas, published_practice
):
    url = f"{API}{published_practice.code}/comments/"
    first = post(api_as("bob"), url, {"body": "We did this in **Oslo** too."})
    assert first.status_code == 201, first.content
    second = post(api_as("member"), url, {"body": "Buy cheap watches"})
    assert post(api_as("member"), url, {"body": "   "}).status_code == 400

    hide = f"{url}{second.json()['id']}/hide/"
    assert post(api_as("alice"), hide, {"reason": "spam"}).status_code == 403
    assert post(api_as("moderator"), hide, {}).status_code == 400
    assert post(api_as("moderator"), hide, {"reason": "spam"}).status_code == 200

    public = api_as(None).get(url).json()
    assert public["count"] == 2
    assert [(c["author_name"], c["body"], c["hidden"]) for c in public["results"]] == [
        ("Bob", "We did this in **Oslo** too.", False),
        ("Mem Ber", "", True),
    ]
    assert public["results"][1]["hidden_reason"] == ""
    moderated = api_as("moderator").get(url).json()["results"][1]
    assert (moderated["body"], moderated["hidden_reason"]) == ("Buy cheap watches", "spam")
    assert public["results"][0]["url"].endswith(f"#comment-{first.json()['id']}")


def test_members_endorse_a_published_practice_once_per_kind(api_as, personas, published_practice):
    url = f"{API}{published_practice.code}/endorsements/"
    bob = api_as("bob")

    useful = post(bob, url, {"kind": "useful"})
    assert useful.status_code == 201 and useful.json()["kind"] == "useful"
    assert post(bob, url, {"kind": "useful"}).status_code == 400
    did_too = post(bob, url, {"kind": "did_too", "library": B_SLUG})
    assert did_too.status_code == 201 and did_too.json()["library"] == B_SLUG
    foreign = post(api_as("member"), url, {"kind": "did_too", "library": A_SLUG})
    assert foreign.status_code == 400 and "library" in foreign.json()
    assert post(bob, url, {"kind": "loved"}).status_code == 400
    assert post(api_as(None), url, {"kind": "useful"}).status_code == 401

    detail = api_as(None).get(f"{API}{published_practice.code}/").json()
    assert detail["endorsements"] == {"useful": 1, "did_too": 1}


def test_a_draft_cannot_be_endorsed_or_commented_by_others(api_as, draft_practice):
    url = f"{API}{draft_practice.code}/"
    assert post(api_as("bob"), f"{url}endorsements/", {"kind": "useful"}).status_code == 404
    assert post(api_as("bob"), f"{url}comments/", {"body": "x"}).status_code == 404
    assert post(api_as("alice"), f"{url}endorsements/", {"kind": "useful"}).status_code == 403


# Export and import ---------------------------------------------------------------------------


def test_the_export_gives_the_filtered_visible_practices_in_json_and_csv(api_as, personas, kinds):
    started(personas, title="Draft, not exported")
    norway = publish(started(personas, title="Norway", countries=["NO"]), personas)
    france = publish(started(personas, title="France", countries=["FR"]), personas)
    anon = api_as(None)

    body = anon.get(f"{API}export/", {"format": "json"})
    assert body.status_code == 200 and body["Content-Type"].startswith("application/json")
    assert sorted(r["code"] for r in body.json()["results"]) == sorted([norway.code, france.code])
    only = anon.get(f"{API}export/", {"format": "csv", "country": "NO"})
    assert only.status_code == 200 and only["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(only.content.decode())))
    assert [r["code"] for r in rows] == [norway.code]
    assert rows[0]["countries"] == "NO"
    bad = anon.get(f"{API}export/", {"format": "xml"})
    assert bad.status_code == 400 and "format" in bad.json()
    bad = anon.get(f"{API}export/", {"format": "csv", "kind": "nope"})
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/json")
    assert "kind" in bad.json()


def test_the_import_is_all_or_nothing_and_lists_every_problem(api_as, personas, kinds):
    records = [
        make_content(title="Good"),
        make_content(title="Bad tags", tags=[f"t{n}" for n in range(31)]),
        make_content(title="Bad country", countries=["ZZ"], status="published"),
    ]

    assert post(api_as("alice"), f"{API}import/", records).status_code == 403
    response = post(api_as("moderator"), f"{API}import/", records)

    assert response.status_code == 400
    assert response.json() == {
        "records": [
            "record 2 (Bad tags): tags: At most 30 tags (this has 31).",
            "record 3 (Bad country): countries: Unknown codes: ZZ.",
        ]
    }
    assert not Practice.objects.exists()
    response = post(
        api_as("moderator"), f"{API}import/", [records[0], records[2] | {"countries": []}]
    )
    assert response.status_code == 200, response.content
    assert len(response.json()["created"]) == 2
    assert [p.status for p in Practice.objects.order_by("pk")] == ["draft", "published"]
    assert post(api_as("moderator"), f"{API}import/", []).status_code == 400
    assert post(api_as("moderator"), f"{API}import/", {"title": "x"}).status_code == 400


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_export_imported_back_through_the_api_changes_nothing(
    api_as, personas, published_practice, fmt
):
    draft = started(personas, title='A "quoted"; draft | with =1+1', tags=["a;b", "=x"])
    moderator = api_as("moderator")
    exported = moderator.get(f"{API}export/", {"format": fmt})
    assert exported.status_code == 200
    revisions = Revision.objects.count()

    upload = SimpleUploadedFile(f"practices.{fmt}", exported.content)
    response = moderator.post(f"{API}import/", {"file": upload})

    assert response.status_code == 200, response.content
    assert sorted(response.json()["unchanged"]) == sorted([published_practice.code, draft.code])
    assert response.json()["created"] == [] and response.json()["updated"] == []
    assert Revision.objects.count() == revisions
    assert moderator.get(f"{API}export/", {"format": fmt}).content == exported.content


def test_an_unreadable_upload_is_a_400_naming_the_file(api_as, kinds):
    moderator = api_as("moderator")
    upload = SimpleUploadedFile("practices.csv", "café".encode("latin-1"))
    response = moderator.post(f"{API}import/", {"file": upload})
    assert response.status_code == 400 and "UTF-8" in response.json()["file"][0]
    upload = SimpleUploadedFile("practices.txt", b"[]")
    assert moderator.post(f"{API}import/", {"file": upload}).json() == {
        "format": ["Choose json or csv."]
    }
    upload = SimpleUploadedFile("practices.txt", b"[{")
    response = moderator.post(f"{API}import/", {"file": upload, "format": "json"})
    assert response.status_code == 400 and "not valid JSON" in response.json()["file"][0]


# Statistics ----------------------------------------------------------------------------------


def test_the_stats_give_views_and_new_practices_per_month(api_as, published_practice):
    Practice.objects.filter(pk=published_practice.pk).update(
        published_at=datetime.datetime(2026, 2, 10, tzinfo=datetime.UTC)
    )
    for day, visitor in (("2026-01-05", "a"), ("2026-03-01", "b"), ("2026-03-02", "c")):
        PracticeView.objects.create(
            practice=published_practice, day=datetime.date.fromisoformat(day), visitor=visitor
        )

    response = api_as(None).get(f"{API}stats/", {"start": "2026-01", "end": "2026-03"})

    assert response.status_code == 200
    assert response.json() == {
        "views_per_month": [
            {"month": "2026-01", "count": 1},
            {"month": "2026-02", "count": 0},
            {"month": "2026-03", "count": 2},
        ],
        "new_practices_per_month": [
            {"month": "2026-01", "count": 0},
            {"month": "2026-02", "count": 1},
            {"month": "2026-03", "count": 0},
        ],
        "totals": {"published": 1, "archived": 0, "views": 3, "endorsements": 0, "comments": 0},
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-03", "end": "2026-01"}, "end"),
        ({"start": "March"}, "start"),
        ({"end": "2026-13"}, "end"),
    ],
)
def test_bad_stats_months_are_a_400_naming_the_field(api_as, db, params, field):
    response = api_as(None).get(f"{API}stats/", params)
    assert response.status_code == 400 and list(response.json()) == [field]


# Query counts --------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("persona", [None, "bob", "moderator"])
def test_the_list_of_practices_costs_the_same_queries_for_5_and_25(
    api_as, personas, kinds, persona
):
    client = api_as(persona)
    for n in range(5):
        publish(started(personas, title=f"Practice {n}"), personas)
    few = count_queries(client, API)
    for n in range(5, 25):
        publish(started(personas, title=f"Practice {n}"), personas)

    assert count_queries(client, API) == few
    assert len(client.get(API).json()["results"]) == 25


@pytest.mark.parametrize("persona", [None, "bob", "moderator"])
def test_the_revision_and_comment_lists_cost_the_same_queries_for_5_and_25(
    api_as, personas, published_practice, persona
):
    client = api_as(persona)
    url = f"{API}{published_practice.code}/"

    def grow(upto: int) -> None:
        while Revision.objects.filter(practice=published_practice).count() < upto:
            n = Revision.objects.count()
            practice = Practice.objects.get(pk=published_practice.pk)
            services.edit_practice(
                practice,
                make_content(summary=f"Edit {n}"),
                user=personas["alice"],
                reason="",
                expected_version=None,
            )
            services.add_comment(practice, f"Comment {n}", user=personas["bob"])

    grow(5)
    revisions, comments = (
        count_queries(client, f"{url}revisions/"),
        count_queries(client, f"{url}comments/"),
    )
    grow(25)

    assert count_queries(client, f"{url}revisions/") == revisions
    assert count_queries(client, f"{url}comments/") == comments
    assert client.get(f"{url}revisions/").json()["count"] == 25


def test_the_committed_schema_documents_the_practices_api():
    from pathlib import Path

    import yaml

    schema = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml").read_text("utf-8")
    )
    paths = schema["paths"]
    assert "/api/v1/practices/{code}/revisions/{number}/accept/" in paths
    assert {"get", "post"} <= set(paths["/api/v1/practices/{code}/comments/"])
    assert json.dumps(paths["/api/v1/practices/export/"]).count('"name": "country"') == 1
