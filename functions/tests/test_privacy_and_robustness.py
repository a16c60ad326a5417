"""Unpublished work stays with its editors; odd input and odd files never break a page or lose
answers. Each test here guards a way things went wrong once."""

import io

import pytest
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token

from core.actors import SEED
from core.models import Change
from core.services import changes_for, revert_change
from functions import demo, imports, services, values
from functions.choices import ProfileStatus
from functions.models import Item, Profile, Round
from libraries.models import Library

SECRET = "Internal note: figures not yet approved by the director"


@pytest.fixture
def draft(framework, registry, personas):
    """Alice's draft profile for library A with a note nobody else should read yet."""
    profile = services.start_profile(registry["A"], framework, user=personas["alice"])
    return services.save_answers(
        profile,
        {"F01.1": {"value": "nl", "note": SECRET}},
        user=personas["alice"],
        reason="first answers",
        expected_version=profile.version,
    )


def test_draft_work_is_not_in_the_public_change_log(draft, client_for, personas):
    change = changes_for(draft).get(reason="first answers")
    anonymous = Client()
    assert SECRET not in anonymous.get("/api/v1/changes/").content.decode()
    assert SECRET not in anonymous.get("/en/changes/").content.decode()
    assert SECRET not in anonymous.get("/en/changes/feed/").content.decode()
    assert anonymous.get(f"/en/changes/{change.pk}/").status_code == 404
    assert client_for(personas["bob"]).get(f"/en/changes/{change.pk}/").status_code == 404
    # Moderators see everything; Alice sees her draft's history on its own page.
    assert client_for(personas["moderator"]).get(f"/en/changes/{change.pk}/").status_code == 200
    history = client_for(personas["alice"]).get(draft.get_absolute_url() + "history/")
    assert SECRET in history.content.decode()


def test_once_published_later_edits_are_public(draft, personas):
    published = services.publish_profile(draft, user=personas["moderator"], expected_version=None)
    services.save_answers(
        published,
        {"F01.2": {"value": "1537"}},
        user=personas["alice"],
        reason="law year added",
        expected_version=published.version,
    )
    assert "law year added" in Client().get("/en/changes/").content.decode()


def test_a_send_back_comment_is_for_the_contributors_only(draft, client_for, personas):
    submitted = services.submit_profile(draft, user=personas["alice"], expected_version=None)
    services.return_profile(
        submitted,
        user=personas["moderator"],
        comment="Check F01.1 with the law",
        expected_version=None,
    )
    url = draft.get_absolute_url() + "history/"
    assert "Check F01.1" not in client_for(personas["bob"]).get(url).content.decode()
    assert "Check F01.1" in client_for(personas["alice"]).get(url).content.decode()


@override_settings(PUBLIC_PAGE_CACHE_SECONDS=600)
def test_an_answer_to_a_token_holder_is_never_served_to_a_visitor(draft, personas):
    token = Token.objects.create(user=personas["moderator"])
    moderator = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert SECRET in moderator.get("/api/v1/profiles/").content.decode()
    assert SECRET not in Client().get("/api/v1/profiles/").content.decode()


@pytest.mark.parametrize("text", ["1e309", "1e999999999", "1e2000", "NaN", "Infinity"])
def test_huge_or_non_finite_numbers_are_refused_with_a_message(text):
    with pytest.raises(Exception) as caught:
        values.clean("number", [], text)
    assert "too large" in str(caught.value) or "not a number" in str(caught.value)


def test_negative_zero_is_stored_as_zero():
    assert values.clean("number", [], "-0") == "0"


def test_reverting_a_publication_takes_the_profile_out_of_the_positions(draft, personas):
    published = services.publish_profile(draft, user=personas["moderator"], expected_version=None)
    before = Round.objects.get(pk=published.round_id).results_version
    publication = changes_for(published).get(reason="Published")

    revert_change(publication, user=personas["moderator"], reason="published by mistake")

    assert Profile.objects.get(pk=published.pk).status != ProfileStatus.PUBLISHED
    assert Round.objects.get(pk=published.round_id).results_version > before


def test_a_header_with_spaces_names_the_same_columns_and_loses_nothing(draft, personas):
    upload = io.BytesIO(b"item, value, note\nF01.2, 1537, law of 1537\n")

    imports.import_profile(draft, upload, user=personas["alice"], expected_version=draft.version)

    answers = Profile.objects.get(pk=draft.pk).answer_map()
    assert answers["F01.1"]["note"] == SECRET  # not in the file: untouched
    assert answers["F01.2"]["value"] == "1537" and answers["F01.2"]["note"] == "law of 1537"


def test_demo_rows_of_a_round_table_cannot_be_imported_as_real_answers(
    framework, registry, personas
):
    demo.generate(framework, [registry["B"]])
    table = f"library,demo,F01.1\n{registry['B'].slug},yes,nl\n"

    with pytest.raises(imports.ImportError_) as caught:
        imports.import_round(framework, io.BytesIO(table.encode()), user=personas["moderator"])

    assert "Row 2, column demo" in str(caught.value.problems[0])
    assert Profile.objects.get(library=registry["B"]).is_demo


def test_copying_last_round_never_brings_demo_answers(framework, registry, personas):
    demo.generate(framework, [registry["A"]])
    edition = services.publish_edition("2021", "2021 edition", user=SEED)
    later = services.create_round(
        {"slug": "2021", "name": "2021", "year": 2021, "edition": edition, "status": "open"},
        user=SEED,
    )
    profile = services.start_profile(registry["A"], later, user=personas["alice"])

    with pytest.raises(Exception, match="no earlier profile"):
        services.copy_previous_answers(profile, user=personas["alice"], expected_version=None)


def test_a_moderator_adds_a_choice_item_with_its_options_and_french_question(
    framework, client_for, personas
):
    area = Item.objects.get(code="F01.1").area
    response = client_for(personas["moderator"]).post(
        "/en/functions/new/",
        {
            "code": "F01.11",
            "area": area.pk,
            "position": 11,
            "text": "Deposit of research data",
            "answer_type": "choice",
            "options": "mandatory\nvoluntary\nnone",
            "text_fr": "Dépôt des données de la recherche",
            "reason": "asked by the section",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Item.objects.get(code="F01.11")
    assert item.options == ["mandatory", "voluntary", "none"]
    assert item.translations == {"fr": "Dépôt des données de la recherche"}
    assert Change.objects.filter(object_repr__startswith="F01.11", reason="asked by the section")


def test_a_renamed_library_shows_its_new_name_in_the_cached_positions(
    framework, registry, personas, client
):
    for key in ("A", "B", "C"):
        profile = services.start_profile(registry[key], framework, user=SEED)
        profile = services.save_answers(
            profile, {"F01.1": {"value": "nl"}}, user=SEED, reason="x", expected_version=None
        )
        services.publish_profile(profile, user=SEED, expected_version=None)
    client.get("/en/positions/")  # computes and caches
    library = Library.objects.get(pk=registry["C"].pk)
    library.name = "Bibliothèque nationale du Sénégal (renamed)"
    library.save()

    assert "(renamed)" in client.get("/en/positions/").content.decode()
