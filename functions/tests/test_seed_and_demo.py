"""Loading the framework from its YAML file, and the generated demo profiles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.models import Change
from core.services import changes_for
from functions import demo, services
from functions.choices import AnswerType, EditionStatus, ProfileStatus, RoundStatus
from functions.models import Answer, Area, FrameworkEdition, Item, Profile, Round
from functions.seed import FRAMEWORK_FILE, FrameworkFileError, load_framework, read_framework


def framework_state() -> dict:
    return {
        "areas": list(Area.objects.order_by("pk").values()),
        "items": list(Item.objects.order_by("pk").values()),
        "editions": list(FrameworkEdition.objects.order_by("pk").values()),
        "rounds": list(Round.objects.order_by("pk").values()),
        "changes": Change.objects.count(),
    }


def write_framework(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "functions.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def small_framework(*items: dict) -> dict:
    return {
        "edition": "2030-test",
        "areas": [
            {"code": "F01", "name": "Legal deposit", "weight": "core", "items": list(items)},
        ],
    }


GOOD_ITEM = {"code": "F01.1", "type": "performance", "text": "Legal deposit of print"}


# Loading the framework ----------------------------------------------------------------------


def test_loading_the_seed_file_creates_its_areas_items_edition_and_an_open_round(db):
    data = read_framework()
    item_count = sum(len(area["items"]) for area in data["areas"])

    report = load_framework()

    assert (report.areas, report.items, report.editions, report.rounds) == (
        len(data["areas"]),
        item_count,
        1,
        1,
    )
    assert Item.objects.count() == item_count
    round_ = Round.objects.get()
    assert (round_.year, round_.status, round_.is_beta) == (2020, RoundStatus.OPEN, True)
    assert round_.edition.status == EditionStatus.PUBLISHED
    assert len(round_.edition.item_codes()) == item_count
    assert Item.objects.get(code="F01.10").per_capita  # a count of items
    assert not Item.objects.get(code="F01.2").per_capita  # a year
    assert changes_for(Item.objects.get(code="F01.1")).get().user_name == "seed data"


def test_loading_twice_creates_nothing_more(framework):
    before = framework_state()

    report = load_framework()

    assert (report.areas, report.items, report.editions, report.rounds) == (0, 0, 0, 0)
    assert framework_state() == before


def test_loading_again_keeps_a_moderators_rewording_and_retirement(framework, personas):
    moderator = personas["moderator"]
    item = Item.objects.get(code="F01.1")
    services.update_item(
        item,
        {"text": "Legal deposit of print"},
        user=moderator,
        reason="shorter",
        expected_version=item.version,
    )
    area = Area.objects.get(code="F02")
    services.update_area(
        area, {"name": "Bibliographic control"}, user=moderator, reason="x", expected_version=1
    )
    retired = Item.objects.get(code="F01.10")
    services.retire_item(retired, user=moderator, reason="hard to count", expected_version=1)

    load_framework()

    assert Item.objects.get(code="F01.1").text == "Legal deposit of print"
    assert Area.objects.get(code="F02").name == "Bibliographic control"
    assert Item.objects.get(code="F01.10").retired


def test_an_item_added_to_the_file_later_is_added_alone(framework, tmp_path):
    data = read_framework()
    data["areas"][0]["items"].append(
        {"code": "F01.11", "type": "yesno", "text": "Legal deposit of audiovisual works"}
    )
    items_before = Item.objects.count()

    report = load_framework(write_framework(tmp_path, data))

    assert (report.areas, report.items, report.editions, report.rounds) == (0, 1, 0, 0)
    assert Item.objects.count() == items_before + 1
    assert Item.objects.get(code="F01.11").answer_type == AnswerType.YESNO


def test_a_duplicate_code_is_refused_with_its_place_and_nothing_is_loaded(db, tmp_path):
    path = write_framework(
        tmp_path,
        small_framework(GOOD_ITEM, {"code": "F01.1", "type": "yesno", "text": "Another meaning"}),
    )

    with pytest.raises(FrameworkFileError) as caught:
        load_framework(path)

    assert "functions.yaml: area 1 (F01), item 2: code F01.1 is used twice" in str(caught.value)
    assert framework_state() == {
        "areas": [],
        "items": [],
        "editions": [],
        "rounds": [],
        "changes": 0,
    }


def test_an_unknown_answer_type_is_refused_with_its_place_and_nothing_is_loaded(db, tmp_path):
    path = write_framework(
        tmp_path, small_framework(GOOD_ITEM, {"code": "F01.2", "type": "colour", "text": "Hue"})
    )

    with pytest.raises(FrameworkFileError) as caught:
        load_framework(path)

    assert "area 1 (F01), item 2 (F01.2): unknown type 'colour'" in str(caught.value)
    assert not Area.objects.exists()
    assert not Item.objects.exists()


def test_every_problem_of_the_file_is_reported_at_once(db, tmp_path):
    data = small_framework(
        GOOD_ITEM,
        {"code": "F02.1", "type": "choice", "text": "Wrong area, no options"},
        {"code": "F01.3", "type": "yesno"},
    )
    data["areas"][0]["weight"] = "huge"

    with pytest.raises(FrameworkFileError) as caught:
        load_framework(write_framework(tmp_path, data))

    lines = str(caught.value).splitlines()
    assert lines == [
        "functions.yaml: area 1 (F01): weight must be one of core, extended, context",
        "functions.yaml: area 1 (F01), item 2: code 'F02.1' must start with F01.",
        "functions.yaml: area 1 (F01), item 2 (F02.1): a choice item needs options",
        "functions.yaml: area 1 (F01), item 3 (F01.3): text is missing",
    ]
    assert not Area.objects.exists()


def test_a_file_that_is_not_yaml_is_refused_naming_the_file(db, tmp_path):
    path = tmp_path / "functions.yaml"
    path.write_text("edition: [unclosed\n", encoding="utf-8")

    with pytest.raises(FrameworkFileError, match=r"^functions\.yaml: "):
        load_framework(path)

    assert not Area.objects.exists()


def test_an_area_without_a_name_is_refused_with_its_place(db, tmp_path):
    data = small_framework(GOOD_ITEM)
    del data["areas"][0]["name"]

    with pytest.raises(FrameworkFileError, match=r"area 1 \(F01\)"):
        load_framework(write_framework(tmp_path, data))

    assert not Area.objects.exists()


def test_a_malformed_item_code_is_refused_with_its_place(db, tmp_path):
    data = small_framework(GOOD_ITEM, {"code": "F01.x", "type": "yesno", "text": "Bad code"})

    with pytest.raises(FrameworkFileError, match=r"area 1 \(F01\), item 2"):
        load_framework(write_framework(tmp_path, data))

    assert not Area.objects.exists()


def test_the_seed_file_shipped_with_the_project_is_valid():
    data = read_framework(FRAMEWORK_FILE)
    codes = [item["code"] for area in data["areas"] for item in area["items"]]
    assert len(codes) == len(set(codes))


# Demo profiles ------------------------------------------------------------------------------


def test_demo_profiles_are_published_marked_as_demo_and_logged(framework, registry):
    libraries = [registry["A"], registry["B"], registry["C"]]
    results_version = framework.results_version

    made = demo.generate(framework, libraries)

    assert made == 3
    profiles = Profile.objects.filter(round=framework)
    assert profiles.count() == 3
    for profile in profiles:
        assert profile.is_demo
        assert profile.status == ProfileStatus.PUBLISHED
        assert profile.published_at is not None
        assert profile.answered == profile.answers.count() > 0
        change = changes_for(profile).get()
        assert change.after["demo"] is True
    assert Round.objects.get(pk=framework.pk).results_version == results_version + 1


def test_every_demo_answer_is_a_valid_answer_of_its_items_type(framework, registry):
    demo.generate(framework, [registry["A"], registry["B"], registry["C"]])

    answers = Answer.objects.select_related("item")
    assert answers.exists()
    for answer in answers:
        assert answer.value, answer
        assert answer.item.clean_value(answer.value) == answer.value, answer
        assert answer.note == demo.DEMO_NOTE
    types = {a.item.answer_type for a in answers}
    assert not types & {AnswerType.TEXT, AnswerType.URL}  # invented facts would mislead
    assert {AnswerType.PERFORMANCE, AnswerType.YESNO, AnswerType.NUMBER} <= types


def test_demo_answers_are_the_same_for_the_same_seed(framework, registry, personas):
    libraries = [registry["A"], registry["B"]]

    def answers() -> set:
        return set(Answer.objects.values_list("profile__library__slug", "item__code", "value"))

    demo.generate(framework, libraries, seed=7)
    first = answers()
    services.remove_demo_data(user=personas["moderator"])
    demo.generate(framework, libraries, seed=7)

    assert answers() == first
    services.remove_demo_data(user=personas["moderator"])
    demo.generate(framework, libraries, seed=8)
    assert answers() != first


def test_demo_data_never_touches_a_librarys_own_profile(framework, registry, personas):
    profile = services.start_profile(registry["A"], framework, user=personas["alice"])
    profile = services.save_answers(
        profile, {"F01.1": {"value": "nl"}}, user=personas["alice"], expected_version=1
    )

    made = demo.generate(framework, [registry["A"], registry["B"]])

    assert made == 1
    own = Profile.objects.get(library=registry["A"])
    assert (own.pk, own.is_demo, own.status) == (profile.pk, False, ProfileStatus.DRAFT)
    assert list(own.answers.values_list("item__code", "value")) == [("F01.1", "nl")]


def test_demo_profiles_can_be_drafts_when_asked(framework, registry):
    demo.generate(framework, [registry["C"]], status=ProfileStatus.DRAFT)

    profile = Profile.objects.get(library=registry["C"])
    assert (profile.is_demo, profile.status, profile.published_at) == (True, "draft", None)


def test_generating_demo_profiles_always_raises_the_stored_results_version(
    framework, registry, personas
):
    stale = Round.objects.get(pk=framework.pk)
    profile = services.start_profile(registry["A"], framework, user=personas["moderator"])
    profile = services.save_answers(
        profile, {"F01.1": {"value": "nl"}}, user=personas["moderator"], expected_version=1
    )
    services.publish_profile(profile, user=personas["moderator"], expected_version=None)
    published_version = Round.objects.get(pk=framework.pk).results_version

    demo.generate(stale, [registry["B"]])

    assert Round.objects.get(pk=framework.pk).results_version > published_version


# Translations of the framework ---------------------------------------------------------------


def test_the_framework_is_loaded_with_its_french_questions_shown_on_french_pages(framework, client):
    item = Item.objects.get(code="F01.1")
    assert item.translations["fr"].startswith("Dépôt légal")
    french = client.get("/fr/functions/F01.1/")
    english = client.get("/en/functions/F01.1/")
    assert item.translations["fr"] in french.content.decode()
    assert "Legal deposit of printed publications" in english.content.decode()
    assert (
        Area.objects.get(code="F02").translations["fr"]
        in client.get("/fr/functions/").content.decode()
    )


def test_loading_again_keeps_a_moderators_translation_and_fills_a_missing_one(framework, personas):
    moderator = personas["moderator"]
    item = Item.objects.get(code="F01.1")
    services.update_item(
        item,
        {"translations": {"fr": "Dépôt légal de l'imprimé"}},
        user=moderator,
        reason="plus court",
        expected_version=item.version,
    )
    other = Item.objects.get(code="F01.2")
    services.update_item(
        other, {"translations": {}}, user=moderator, reason="x", expected_version=other.version
    )

    report = load_framework()

    assert report.translations == 2  # the languages the moderator's edit left out, and F01.2
    kept = Item.objects.get(code="F01.1").translations
    assert kept["fr"] == "Dépôt légal de l'imprimé"
    assert set(kept) == {"fr", "ar", "zh-hans", "de", "ru", "es"}
    assert Item.objects.get(code="F01.2").translations["fr"].startswith("Année")


def test_a_translation_of_an_unknown_code_is_refused_and_nothing_is_loaded(db, tmp_path):
    path = write_framework(tmp_path, small_framework(GOOD_ITEM))
    (tmp_path / "functions_translations.yaml").write_text(
        'fr:\n  F01.1: "Dépôt légal"\n  F09.9: "Inconnu"\n', encoding="utf-8"
    )

    with pytest.raises(FrameworkFileError, match="F09.9"):
        load_framework(path)

    assert not Item.objects.exists()
