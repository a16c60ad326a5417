"""The REST API /api/v1/: public reads, token writes with If-Match, errors naming the field.

Also checks that the committed OpenAPI schema (docs/openapi.yaml) is the one the code generates.
"""

import csv
import io
import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.models import Change
from core.services import history_of
from libraries.models import Library

A_SLUG = "bibliotheque-nationale-de-france"
B_SLUG = "national-library-of-norway"
C_SLUG = "bibliotheque-nationale-du-senegal"
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


@pytest.fixture
def anon(client_for, registry):
    return client_for(None)


@pytest.fixture
def token_client(personas):
    """token_client("alice") is a client sending that persona's API token."""
    from django.test import Client

    def make(persona: str):
        key = Token.objects.create(user=personas[persona]).key
        return Client(HTTP_AUTHORIZATION=f"Token {key}")

    return make


def slugs(response) -> list[str]:
    return [r["slug"] for r in response.json()["results"]]


def etag(client, slug: str) -> str:
    return client.get(f"/api/v1/libraries/{slug}/")["ETag"]


def patch(client, slug: str, data: dict, if_match: str | None = None):
    headers = {"If-Match": if_match} if if_match is not None else {}
    return client.patch(
        f"/api/v1/libraries/{slug}/", data, content_type="application/json", headers=headers
    )


# --- Reads ---------------------------------------------------------------------------------


def test_the_library_list_is_public_and_paginated(anon):
    response = anon.get("/api/v1/libraries/", {"page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert body["next"].endswith("/api/v1/libraries/?page=2&page_size=2")
    assert body["previous"] is None
    assert [r["slug"] for r in body["results"]] == [A_SLUG, C_SLUG]
    second = anon.get(body["next"]).json()
    assert [r["slug"] for r in second["results"]] == [B_SLUG]
    assert second["next"] is None and second["previous"] is not None


def test_a_library_in_the_api_has_its_facts_memberships_and_an_etag(anon, registry):
    response = anon.get(f"/api/v1/libraries/{B_SLUG}/")
    assert response.status_code == 200
    assert response["ETag"] == f'"{registry["B"].pk}-1"'
    body = response.json()
    assert body["native_name"] == "Nasjonalbiblioteket"
    assert body["country"] == "NO"
    assert body["founded"] == 1811
    assert body["memberships"] == [{"organisation": "cenl", "status": "inferred", "role": "member"}]
    assert body["facts"]["founded"]["status"] == "unverified"
    assert body["url"] == f"/en/libraries/{B_SLUG}/"
    assert body["version"] == 1
    assert "search_text" not in body


def test_an_unknown_library_in_the_api_is_404(anon):
    assert anon.get("/api/v1/libraries/nope/").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"q": "bibliotheque"},
        {"q": "Nasjonalbiblioteket"},
        {"region": "150"},
        {"region": "002"},
        {"subregion": "011"},
        {"country": "FR"},
        {"organisation": "cenl"},
        {"organisation": "cdnl"},
        {"organisation": "cenl", "sort": "founded"},
        {"sort": "country"},
    ],
)
def test_the_api_filters_give_the_same_libraries_as_the_page(anon, params):
    html = anon.get("/en/libraries/", params).content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    expected = re.findall(r'<tr>\s*<td><a href="/en/libraries/([^/"]+)/">', body)
    assert expected, "a filter that matches nothing proves nothing"
    assert slugs(anon.get("/api/v1/libraries/", params)) == expected
    assert [
        row["slug"]
        for row in csv.DictReader(
            io.StringIO(anon.get("/en/libraries/export.csv", params).content.decode())
        )
    ] == expected


def test_an_invalid_filter_value_in_the_api_is_a_400_naming_it(anon):
    response = anon.get("/api/v1/libraries/", {"region": "999"})
    assert response.status_code == 400
    assert "region" in response.json()


def test_the_countries_endpoint_lists_countries_with_their_regions(anon):
    body = anon.get("/api/v1/countries/").json()
    assert [c["iso2"] for c in body["results"]] == ["FR", "NO", "SN"]
    senegal = anon.get("/api/v1/countries/SN/").json()
    assert senegal["iso3"] == "SEN"
    assert (senegal["region"], senegal["subregion"], senegal["intermediate_region"]) == (
        "002",
        "202",
        "011",
    )
    europe = anon.get("/api/v1/countries/", {"region": "150"}).json()
    assert [c["iso2"] for c in europe["results"]] == ["FR", "NO"]


def test_the_countries_endpoint_filters_countries_with_a_library(anon, registry):
    from libraries.models import Country

    Country.objects.create(iso2="DE", iso3="DEU", numeric="276", name="Germany")
    with_library = anon.get("/api/v1/countries/", {"has_library": "true"}).json()
    assert [c["iso2"] for c in with_library["results"]] == ["FR", "NO", "SN"]
    without = anon.get("/api/v1/countries/", {"has_library": "false"}).json()
    assert [c["iso2"] for c in without["results"]] == ["DE"]


def test_the_regions_endpoint_lists_the_m49_tree(anon):
    body = anon.get("/api/v1/regions/", {"level": "intermediate"}).json()
    assert body["results"] == [
        {"code": "011", "name": "Western Africa", "level": "intermediate", "parent": "202"}
    ]
    children = anon.get("/api/v1/regions/", {"parent": "150"}).json()
    assert [r["code"] for r in children["results"]] == ["154", "155"]


def test_the_organisations_endpoint_lists_organisations(anon):
    body = anon.get("/api/v1/organisations/").json()
    assert [o["slug"] for o in body["results"]] == ["cdnl", "cenl"]
    cenl = anon.get("/api/v1/organisations/cenl/")
    assert cenl.json()["name"] == "Conference of European National Librarians"
    assert cenl["ETag"]


def test_the_memberships_endpoint_filters_by_organisation_and_library(anon):
    body = anon.get("/api/v1/memberships/", {"organisation": "cenl"}).json()
    assert sorted((m["library"], m["status"]) for m in body["results"]) == [
        (A_SLUG, "confirmed"),
        (B_SLUG, "inferred"),
    ]
    body = anon.get("/api/v1/memberships/", {"library": A_SLUG}).json()
    assert [m["organisation"] for m in body["results"]] == ["cdnl", "cenl"]
    body = anon.get("/api/v1/memberships/", {"status": "inferred"}).json()
    assert [m["library"] for m in body["results"]] == [B_SLUG]


def test_the_changes_endpoint_lists_the_change_log_newest_first_with_filters(
    anon, personas, registry
):
    from libraries import services

    services.update_library(
        registry["A"],
        {"city": "Paris 13e"},
        user=personas["alice"],
        reason="moved",
        expected_version=1,
    )
    body = anon.get("/api/v1/changes/").json()
    assert body["count"] == Change.objects.count() == 9
    newest = body["results"][0]
    assert newest["kind"] == "libraries.library"
    assert newest["action"] == "update"
    assert newest["user_name"] == "Alice"
    assert newest["reason"] == "moved"
    assert newest["before"]["city"] == "Paris" and newest["after"]["city"] == "Paris 13e"
    assert newest["url"] == f"/en/changes/{newest['id']}/"
    mine = anon.get("/api/v1/changes/", {"library": A_SLUG, "kind": "libraries.library"}).json()
    assert [c["action"] for c in mine["results"]] == ["update", "create"]
    by_alice = anon.get("/api/v1/changes/", {"user": "alice"}).json()
    assert by_alice["count"] == 1


# --- Writes: authentication, If-Match, reasons ---------------------------------------------


def test_an_anonymous_write_is_refused(anon):
    response = patch(anon, A_SLUG, {"city": "Lyon", "reason": "x"}, if_match="*")
    assert response.status_code in (401, 403)
    assert Library.objects.get(slug=A_SLUG).city == "Paris"


def test_a_bad_token_is_refused(registry):
    from django.test import Client

    response = patch(
        Client(HTTP_AUTHORIZATION="Token not-a-real-key"), A_SLUG, {"city": "x", "reason": "x"}
    )
    assert response.status_code == 401


def test_a_patch_without_if_match_is_refused_with_428(token_client):
    alice = token_client("alice")
    response = patch(alice, A_SLUG, {"city": "Lyon", "reason": "moved"})
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert Library.objects.get(slug=A_SLUG).city == "Paris"


def test_a_patch_with_a_stale_etag_is_refused_with_412_and_changes_nothing(
    token_client, personas, registry
):
    alice = token_client("alice")
    stale = etag(alice, A_SLUG)
    meanwhile = patch(
        token_client("moderator"),
        A_SLUG,
        {"city": "Paris (Tolbiac)", "reason": "fix"},
        if_match=stale,
    )
    assert meanwhile.status_code == 200
    response = patch(alice, A_SLUG, {"city": "Lyon", "reason": "moved"}, if_match=stale)
    assert response.status_code == 412
    library = Library.objects.get(slug=A_SLUG)
    assert library.city == "Paris (Tolbiac)" and library.version == 2
    assert history_of(library).filter(reason="moved").count() == 0


def test_a_patch_with_the_current_etag_saves_and_returns_a_new_etag(token_client, registry):
    alice = token_client("alice")
    current = etag(alice, A_SLUG)
    response = patch(alice, A_SLUG, {"city": "Paris 13e", "reason": "moved"}, if_match=current)
    assert response.status_code == 200
    assert response["ETag"] == f'"{registry["A"].pk}-2"' != current
    assert response["ETag"] == etag(alice, A_SLUG)
    body = response.json()
    assert body["city"] == "Paris 13e" and body["version"] == 2
    assert body["facts"]["city"]["status"] == "unverified"
    change = history_of(registry["A"]).first()
    assert change.user_name == "Alice" and change.reason == "moved"
    assert "reason" not in body


def test_a_weak_etag_or_a_list_of_etags_is_accepted(token_client, registry):
    alice = token_client("alice")
    current = etag(alice, A_SLUG)
    response = patch(
        alice, A_SLUG, {"city": "Paris 13e", "reason": "x"}, if_match=f'"0-9", W/{current}'
    )
    assert response.status_code == 200


def test_a_patch_without_a_reason_is_a_400_naming_reason(token_client):
    alice = token_client("alice")
    response = patch(alice, A_SLUG, {"city": "Lyon"}, if_match=etag(alice, A_SLUG))
    assert response.status_code == 400
    assert "reason" in response.json()
    blank = patch(alice, A_SLUG, {"city": "Lyon", "reason": "  "}, if_match=etag(alice, A_SLUG))
    assert blank.status_code == 400 and "reason" in blank.json()
    assert Library.objects.get(slug=A_SLUG).city == "Paris"


def test_a_contributor_cannot_patch_another_library_or_a_moderator_field(token_client):
    alice = token_client("alice")
    other = patch(alice, B_SLUG, {"city": "Bergen", "reason": "x"}, if_match=etag(alice, B_SLUG))
    assert other.status_code == 403
    qid = patch(alice, A_SLUG, {"wikidata_qid": "Q1", "reason": "x"}, if_match=etag(alice, A_SLUG))
    assert qid.status_code == 403
    assert Library.objects.get(slug=A_SLUG).wikidata_qid == "Q193563"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country", "XX"),
        ("founded", timezone.now().year + 1),
        ("founded", 999),
        ("website", "not a web address"),
        ("wikidata_qid", "Q1515153"),  # Norway's library has it already
        ("wikidata_qid", "12345"),
        ("latitude", 100),
        ("longitude", -181),
        ("isil", "not an isil!"),
        ("name", ""),
    ],
)
def test_an_invalid_value_is_a_400_naming_the_field_and_saves_nothing(
    token_client, registry, field, value
):
    moderator = token_client("moderator")
    response = patch(
        moderator, A_SLUG, {field: value, "reason": "test"}, if_match=etag(moderator, A_SLUG)
    )
    assert response.status_code == 400
    assert field in response.json(), response.json()
    library = Library.objects.get(slug=A_SLUG)
    assert library.version == 1


def test_a_moderator_creates_a_library_and_its_creation_is_logged(token_client):
    moderator = token_client("moderator")
    response = moderator.post(
        "/api/v1/libraries/",
        {
            "name": "Bibliothèque nationale de Norvège (test)",
            "country": "NO",
            "founded": 1999,
            "reason": "a test library",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "bibliotheque-nationale-de-norvege-test"
    assert body["version"] == 1
    created = Library.objects.get(slug=body["slug"])
    assert response["ETag"] == f'"{created.pk}-1"'
    assert body["facts"]["founded"]["status"] == "unverified"
    change = history_of(created).get()
    assert change.action == "create" and change.reason == "a test library"


def test_a_contributor_cannot_create_a_library(token_client):
    response = token_client("alice").post(
        "/api/v1/libraries/",
        {"name": "Another", "country": "FR", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Library.objects.filter(name="Another").exists()


def test_creating_a_library_with_an_unknown_country_is_a_400_naming_country(token_client):
    response = token_client("moderator").post(
        "/api/v1/libraries/",
        {"name": "Nowhere library", "country": "XX", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "country" in response.json()


# --- The committed OpenAPI schema ----------------------------------------------------------


def test_the_committed_openapi_schema_matches_the_code(tmp_path, db):
    fresh = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(fresh), "--validate")
    committed = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    generated = yaml.safe_load(fresh.read_text(encoding="utf-8"))
    assert committed == generated, (
        "docs/openapi.yaml is out of date with the API: run `make schema` and commit it."
    )
