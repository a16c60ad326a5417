"""Who may do what in the registry, through the HTML pages and through the API.

Each matrix row is one action; each column one persona. A forbidden request must answer 403
(or send an anonymous visitor to sign in) and leave the database exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.choices import AffiliationStatus
from accounts.models import Affiliation
from core.actors import SEED
from core.choices import FactStatus
from core.models import Change
from core.services import changes_for
from libraries import services
from libraries.models import Library, Membership, Organisation

ALLOW, DENY, SIGN_IN = "allowed", "forbidden", "sign in"
PERSONAS = ("admin", "moderator", "alice", "bob", "member", "anonymous")
NEW_LIBRARY = "Bibliothèque nationale de Testland"


@dataclass
class World:
    """The registry and personas, plus one change a moderator could revert."""

    registry: dict
    personas: dict
    change: Change

    @property
    def a(self) -> Library:
        return Library.objects.get(pk=self.registry["A"].pk)

    @property
    def b(self) -> Library:
        return Library.objects.get(pk=self.registry["B"].pk)

    @property
    def c(self) -> Library:
        return Library.objects.get(pk=self.registry["C"].pk)

    def membership(self, library_key: str, code: str) -> Membership | None:
        library = self.registry[library_key]
        return Membership.objects.filter(library=library, organisation__code=code).first()

    def cenl(self) -> Organisation:
        return Organisation.objects.get(code="CENL")


@pytest.fixture
def world(registry, personas) -> World:
    library = services.update_library(
        registry["C"], {"city": "Thiès"}, user=SEED, reason="wrong city", expected_version=1
    )
    return World(registry, personas, changes_for(library).first())


def database_state() -> dict:
    return {
        "libraries": list(Library.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "changes": Change.objects.count(),
    }


def matrix_cases(matrix: dict[str, tuple[str, ...]], only=None) -> list:
    return [
        pytest.param(action, persona, expected, id=f"{action} - {persona} - {expected}")
        for action, row in matrix.items()
        if only is None or action in only
        for persona, expected in zip(PERSONAS, row, strict=True)
    ]


# HTML pages ----------------------------------------------------------------------------------


def library_form_data(library: Library, **changes) -> dict:
    """What the edit form posts when the editor changes only `changes`."""
    values = {
        "name": library.name,
        "native_name": library.native_name,
        "country": library.country_id,
        "wikidata_qid": library.wikidata_qid,
        "city": library.city,
        "founded": library.founded or "",
        "website": library.website,
        "isil": library.isil,
        "latitude": "" if library.latitude is None else library.latitude,
        "longitude": "" if library.longitude is None else library.longitude,
        "description": library.description,
        "source_note": library.source_note,
        "version": library.version,
        "reason": "test edit",
    }
    return {**values, **changes}


def organisation_form_data(organisation: Organisation | None = None, **changes) -> dict:
    values = {"kind": "other", "status": "unverified", "reason": "test edit"}
    if organisation:
        values.update(
            {
                name: getattr(organisation, name) or ""
                for name in ("code", "name", "native_name", "kind", "scope", "region_served")
            }
        )
        values.update(version=organisation.version, status=organisation.status)
    return {**values, **changes}


@dataclass
class HtmlAction:
    url: Callable[[World], str]
    data: Callable[[World], dict]
    done: Callable[[World], bool]  # the effect a user would see after an allowed POST
    has_page: bool = True


def _membership_url(w: World, code: str) -> str:
    return reverse("libraries:membership_edit", args=[w.a.slug, w.membership("A", code).pk])


HTML_ACTIONS = {
    "create library": HtmlAction(
        url=lambda w: "/en/libraries/new/",
        data=lambda w: {"name": NEW_LIBRARY, "country": "SN", "reason": "new member"},
        done=lambda w: Library.objects.filter(name=NEW_LIBRARY).exists(),
    ),
    "edit library A": HtmlAction(
        url=lambda w: f"/en/libraries/{w.a.slug}/edit/",
        data=lambda w: library_form_data(w.a, city="Paris 13e"),
        done=lambda w: w.a.city == "Paris 13e",
    ),
    "edit library B": HtmlAction(
        url=lambda w: f"/en/libraries/{w.b.slug}/edit/",
        data=lambda w: library_form_data(w.b, city="Bergen"),
        done=lambda w: w.b.city == "Bergen",
    ),
    "verify facts of A": HtmlAction(
        url=lambda w: f"/en/libraries/{w.a.slug}/verify/",
        data=lambda w: {"facts": ["city"], "source": "bnf.fr", "version": w.a.version},
        done=lambda w: w.a.fact_status("city") == FactStatus.VERIFIED,
    ),
    "add membership to C": HtmlAction(
        url=lambda w: f"/en/libraries/{w.c.slug}/memberships/new/",
        data=lambda w: {
            "organisation": w.registry["cdnl"].pk,
            "status": "confirmed",
            "role": "member",
            "reason": "joined",
        },
        done=lambda w: w.membership("C", "CDNL") is not None,
    ),
    "edit membership of A": HtmlAction(
        url=lambda w: _membership_url(w, "CENL"),
        data=lambda w: {
            "status": "confirmed",
            "role": "observer",
            "version": w.membership("A", "CENL").version,
            "reason": "observer now",
        },
        done=lambda w: w.membership("A", "CENL").role == "observer",
    ),
    "remove membership of A": HtmlAction(
        url=lambda w: _membership_url(w, "CDNL"),
        data=lambda w: {"remove": "1", "reason": "left"},
        done=lambda w: w.membership("A", "CDNL") is None,
        has_page=False,  # the same page as editing
    ),
    "create organisation": HtmlAction(
        url=lambda w: "/en/organisations/new/",
        data=lambda w: organisation_form_data(code="ABINIA", name="Asociación de Estados"),
        done=lambda w: Organisation.objects.filter(code="ABINIA").exists(),
    ),
    "edit organisation": HtmlAction(
        url=lambda w: "/en/organisations/cenl/edit/",
        data=lambda w: organisation_form_data(w.cenl(), name="CENL renamed"),
        done=lambda w: w.cenl().name == "CENL renamed",
    ),
    "revert a change": HtmlAction(
        url=lambda w: f"/en/changes/{w.change.pk}/revert/",
        data=lambda w: {"reason": "the city was right"},
        done=lambda w: w.c.city == "Dakar",
        has_page=False,  # POST only
    ),
}

# fmt: off
HTML_MATRIX = {
    #                          admin   mod     alice   bob     member  anonymous
    "create library":         (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
    "edit library A":         (ALLOW,  ALLOW,  ALLOW,  DENY,   DENY,   SIGN_IN),
    "edit library B":         (ALLOW,  ALLOW,  DENY,   ALLOW,  DENY,   SIGN_IN),
    "verify facts of A":      (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
    "add membership to C":    (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
    "edit membership of A":   (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
    "remove membership of A": (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
    "create organisation":    (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
    "edit organisation":      (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
    "revert a change":        (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
}
# fmt: on
PAGES = [name for name, action in HTML_ACTIONS.items() if action.has_page]


def assert_sent_to_sign_in(response) -> None:
    assert response.status_code == 302
    parts = urlsplit(response.url)
    assert parts.path == reverse("account_login")
    assert parse_qs(parts.query)["next"][0].startswith("/en/")


@pytest.mark.parametrize(("action", "persona", "expected"), matrix_cases(HTML_MATRIX, PAGES))
def test_opening_an_edit_page(world, client_for, action, persona, expected):
    url = HTML_ACTIONS[action].url(world)

    response = client_for(world.personas[persona]).get(url)

    if expected == ALLOW:
        assert response.status_code == 200
        assert b'<form method="post"' in response.content
    elif expected == DENY:
        assert response.status_code == 403
        assert b"Not allowed" in response.content
    else:
        assert_sent_to_sign_in(response)
        assert parse_qs(urlsplit(response.url).query)["next"] == [url]


@pytest.mark.parametrize(("action", "persona", "expected"), matrix_cases(HTML_MATRIX))
def test_submitting_an_edit_form(world, client_for, action, persona, expected):
    page = HTML_ACTIONS[action]
    url, data = page.url(world), page.data(world)
    before = database_state()

    response = client_for(world.personas[persona]).post(url, data)

    if expected == ALLOW:
        assert response.status_code == 302, response.content.decode()[-3000:]
        assert not response.url.startswith(reverse("account_login"))
        assert page.done(world)
        latest = Change.objects.order_by("-pk").first()
        assert latest.user == world.personas[persona]
        return
    if expected == DENY:
        assert response.status_code == 403
    else:
        assert_sent_to_sign_in(response)
    assert not page.done(world)
    assert database_state() == before


def test_the_revert_address_accepts_only_post(world, client_for):
    response = client_for(world.personas["moderator"]).get(f"/en/changes/{world.change.pk}/revert/")

    assert response.status_code == 405
    assert world.c.city == "Thiès"


def test_a_contributor_is_not_offered_the_identity_fields(world, client_for):
    alice_page = client_for(world.personas["alice"]).get(f"/en/libraries/{world.a.slug}/edit/")
    moderator_page = client_for(world.personas["moderator"]).get(
        f"/en/libraries/{world.a.slug}/edit/"
    )

    for name in (b'name="country"', b'name="wikidata_qid"'):
        assert name not in alice_page.content
        assert name in moderator_page.content
    assert b'name="city"' in alice_page.content


def test_identity_fields_posted_by_a_contributor_are_ignored(world, client_for):
    data = library_form_data(world.a, city="Paris 13e", country="NO", wikidata_qid="Q42")

    response = client_for(world.personas["alice"]).post(f"/en/libraries/{world.a.slug}/edit/", data)

    assert response.status_code == 302
    library = world.a
    assert (library.city, library.country_id, library.wikidata_qid) == (
        "Paris 13e",
        "FR",
        "Q193563",
    )
    assert "city" in changes_for(library).first().after
    assert set(changes_for(library).first().after) <= {"city", "status:city"}


@pytest.mark.parametrize(
    "status", [AffiliationStatus.PENDING, AffiliationStatus.REJECTED, AffiliationStatus.REVOKED]
)
def test_an_affiliation_that_is_not_approved_does_not_let_a_member_edit(world, client_for, status):
    member = world.personas["member"]
    Affiliation.objects.create(user=member, library=world.a, message="I work there", status=status)
    url = f"/en/libraries/{world.a.slug}/edit/"
    before = database_state()

    response = client_for(member).post(url, library_form_data(world.a, city="Paris 13e"))

    assert response.status_code == 403
    assert database_state() == before


# API ------------------------------------------------------------------------------------------


def api_client(user) -> Client:
    if user is None:
        return Client()
    token = Token.objects.create(user=user)
    return Client(headers={"Authorization": f"Token {token.key}"})


@dataclass
class ApiAction:
    method: str
    url: Callable[[World], str]
    body: Callable[[World], dict]
    success: int
    done: Callable[[World], bool]
    if_match: bool = False  # GET the object first and send its ETag back


def _membership_api(w: World, code: str) -> str:
    return f"/api/v1/memberships/{w.membership('A', code).pk}/"


API_ACTIONS = {
    "create library": ApiAction(
        "post",
        lambda w: "/api/v1/libraries/",
        lambda w: {"name": NEW_LIBRARY, "country": "SN", "reason": "new member"},
        201,
        lambda w: Library.objects.filter(name=NEW_LIBRARY).exists(),
    ),
    "update library A": ApiAction(
        "patch",
        lambda w: f"/api/v1/libraries/{w.a.slug}/",
        lambda w: {"city": "Paris 13e", "reason": "moved"},
        200,
        lambda w: w.a.city == "Paris 13e",
        if_match=True,
    ),
    "update library B": ApiAction(
        "patch",
        lambda w: f"/api/v1/libraries/{w.b.slug}/",
        lambda w: {"city": "Bergen", "reason": "moved"},
        200,
        lambda w: w.b.city == "Bergen",
        if_match=True,
    ),
    "create organisation": ApiAction(
        "post",
        lambda w: "/api/v1/organisations/",
        lambda w: {"code": "ABINIA", "name": "Asociación de Estados", "reason": "new"},
        201,
        lambda w: Organisation.objects.filter(code="ABINIA").exists(),
    ),
    "update organisation": ApiAction(
        "patch",
        lambda w: "/api/v1/organisations/cenl/",
        lambda w: {"name": "CENL renamed", "reason": "renamed"},
        200,
        lambda w: w.cenl().name == "CENL renamed",
        if_match=True,
    ),
    "create membership": ApiAction(
        "post",
        lambda w: "/api/v1/memberships/",
        lambda w: {
            "library": w.c.slug,
            "organisation": "cdnl",
            "status": "confirmed",
            "reason": "joined",
        },
        201,
        lambda w: w.membership("C", "CDNL") is not None,
    ),
    "update membership": ApiAction(
        "patch",
        lambda w: _membership_api(w, "CENL"),
        lambda w: {"role": "observer", "reason": "observer now"},
        200,
        lambda w: w.membership("A", "CENL").role == "observer",
        if_match=True,
    ),
    "delete membership": ApiAction(
        "delete",
        lambda w: _membership_api(w, "CDNL") + "?reason=left",
        lambda w: {},
        204,
        lambda w: w.membership("A", "CDNL") is None,
        if_match=True,
    ),
}

# fmt: off
API_MATRIX = {
    #                       admin   mod     alice   bob     member  anonymous
    "create library":      (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
    "update library A":    (ALLOW,  ALLOW,  ALLOW,  DENY,   DENY,   SIGN_IN),
    "update library B":    (ALLOW,  ALLOW,  DENY,   ALLOW,  DENY,   SIGN_IN),
    "create organisation": (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
    "update organisation": (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
    "create membership":   (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
    "update membership":   (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
    "delete membership":   (ALLOW,  ALLOW,  DENY,   DENY,   DENY,   SIGN_IN),
}
# fmt: on


def etag(client: Client, url: str) -> str:
    response = client.get(url.split("?")[0])
    assert response.status_code == 200
    return response["ETag"]


def send(client: Client, action: ApiAction, world: World):
    url = action.url(world)
    headers = {"If-Match": etag(client, url)} if action.if_match else {}
    method = getattr(client, action.method)
    return method(url, action.body(world), content_type="application/json", headers=headers)


@pytest.mark.parametrize(("action", "persona", "expected"), matrix_cases(API_MATRIX))
def test_writing_through_the_api(world, action, persona, expected):
    api = API_ACTIONS[action]
    client = api_client(world.personas[persona])
    before = database_state()

    response = send(client, api, world)

    if expected == ALLOW:
        assert response.status_code == api.success, response.content
        assert api.done(world)
        assert Change.objects.order_by("-pk").first().user == world.personas[persona]
        return
    if expected == DENY:
        assert response.status_code == 403, response.content
    else:
        assert response.status_code in (401, 403), response.content
    assert not api.done(world)
    assert database_state() == before


@pytest.mark.parametrize(("field", "value"), [("country", "NO"), ("wikidata_qid", "Q42")])
def test_a_contributor_cannot_change_identity_fields_through_the_api(world, field, value):
    client = api_client(world.personas["alice"])
    url = f"/api/v1/libraries/{world.a.slug}/"
    before = database_state()

    response = client.patch(
        url,
        {field: value, "reason": "identity"},
        content_type="application/json",
        headers={"If-Match": etag(client, url)},
    )

    assert response.status_code == 403
    assert field in response.json()["detail"]
    assert database_state() == before


@pytest.mark.parametrize("persona", ["admin", "moderator"])
def test_a_moderator_changes_identity_fields_through_the_api(world, persona):
    client = api_client(world.personas[persona])
    url = f"/api/v1/libraries/{world.a.slug}/"

    response = client.patch(
        url,
        {"country": "NO", "wikidata_qid": "Q42", "reason": "data entry error"},
        content_type="application/json",
        headers={"If-Match": etag(client, url)},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["country"], response.json()["wikidata_qid"]) == ("NO", "Q42")
    assert (world.a.country_id, world.a.wikidata_qid) == ("NO", "Q42")


def test_an_api_edit_from_a_stale_version_is_refused_and_changes_nothing(world):
    client = api_client(world.personas["alice"])
    url = f"/api/v1/libraries/{world.a.slug}/"
    stale = etag(client, url)
    services.update_library(
        world.a, {"city": "Lyon"}, user=world.personas["moderator"], reason="x", expected_version=1
    )
    before = database_state()

    response = client.patch(
        url,
        {"city": "Paris 13e", "reason": "moved"},
        content_type="application/json",
        headers={"If-Match": stale},
    )

    assert response.status_code == 412
    assert database_state() == before


def test_an_api_edit_without_if_match_is_refused(world):
    client = api_client(world.personas["alice"])
    before = database_state()

    response = client.patch(
        f"/api/v1/libraries/{world.a.slug}/",
        {"city": "Paris 13e", "reason": "moved"},
        content_type="application/json",
    )

    assert response.status_code == 428
    assert database_state() == before
