"""Profiles, answers and the framework through the service functions: rights, review, history."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from accounts.models import Notification
from core.choices import ChangeAction
from core.models import Change
from core.services import ConflictError, changes_for, history_of, revert_change
from functions import demo, services
from functions.choices import ProfileStatus, RoundStatus
from functions.models import Answer, Item, Profile, Round
from functions.queries import framework_areas

# A few answers of area F01, as a contributor types them.
F01_ANSWERS = {
    "F01.1": {"value": "NL", "note": "Legal deposit act, art. 3", "since": "1537"},
    "F01.2": {"value": "1992", "source_url": "https://www.legifrance.gouv.fr/"},
    "F01.3": {"value": "websites; Books"},
}


@pytest.fixture
def draft(framework, personas, registry):
    """Alice's draft profile of library A in the 2020 round, with three answers of F01."""
    profile = services.start_profile(registry["A"], framework, user=personas["alice"])
    return services.save_answers(
        profile, F01_ANSWERS, user=personas["alice"], reason="F01", expected_version=1
    )


def fresh(profile: Profile) -> Profile:
    return Profile.objects.get(pk=profile.pk)


def stored(profile: Profile) -> dict[str, str]:
    return dict(Answer.objects.filter(profile=profile).values_list("item__code", "value"))


def database_state() -> dict:
    return {
        "profiles": list(Profile.objects.order_by("pk").values()),
        "answers": list(Answer.objects.order_by("pk").values()),
        "items": list(Item.objects.order_by("pk").values()),
        "changes": Change.objects.count(),
    }


def submitted(profile: Profile, user) -> Profile:
    return services.submit_profile(profile, user=user, expected_version=profile.version)


def published(profile: Profile, moderator) -> Profile:
    return services.publish_profile(profile, user=moderator, expected_version=profile.version)


def close(round_: Round, moderator) -> Round:
    return services.update_round(
        round_,
        {"status": RoundStatus.CLOSED},
        user=moderator,
        reason="deadline",
        expected_version=round_.version,
    )


def second_round(moderator, year: int = 2021) -> Round:
    edition = services.publish_edition(f"{year}-edition", f"{year} edition", user=moderator)
    return services.create_round(
        {
            "slug": str(year),
            "name": f"Round {year}",
            "year": year,
            "edition": edition,
            "status": RoundStatus.OPEN,
        },
        user=moderator,
    )


# Starting a profile and answering -------------------------------------------------------------


def test_a_contributor_starts_her_librarys_profile_as_a_logged_draft(framework, personas, registry):
    profile = services.start_profile(registry["A"], framework, user=personas["alice"])

    assert (profile.library, profile.round, profile.status) == (
        registry["A"],
        framework,
        ProfileStatus.DRAFT,
    )
    assert not profile.is_demo
    assert profile.answered == 0
    change = changes_for(profile).get()
    assert (change.action, change.user) == (ChangeAction.CREATE, personas["alice"])


def test_starting_again_returns_the_same_profile_and_creates_nothing(framework, personas, registry):
    first = services.start_profile(registry["A"], framework, user=personas["alice"])
    before = database_state()

    again = services.start_profile(registry["A"], framework, user=personas["alice"])

    assert again.pk == first.pk
    assert database_state() == before


def test_saving_part_of_an_area_stores_canonical_answers_and_counts_them(draft, personas):
    assert stored(draft) == {"F01.1": "nl", "F01.2": "1992", "F01.3": "books;websites"}
    assert fresh(draft).answered == 3
    assert draft.answer_map()["F01.1"] == {
        "value": "nl",
        "note": "Legal deposit act, art. 3",
        "source_url": "",
        "since": "1537",
    }

    profile = services.save_answers(
        draft,
        {"F02.7": {"value": "yes"}, "F01.2": {"value": ""}},
        user=personas["alice"],
        reason="F02, and F01.2 was wrong",
        expected_version=draft.version,
    )

    assert stored(profile) == {"F01.1": "nl", "F01.3": "books;websites", "F02.7": "yes"}
    assert fresh(profile).answered == 3
    assert fresh(profile).status == ProfileStatus.DRAFT


def test_unknown_is_counted_as_answered(framework, personas, registry):
    profile = services.start_profile(registry["A"], framework, user=personas["alice"])

    profile = services.save_answers(
        profile,
        {"F01.1": {"value": "unknown"}, "F01.10": {"value": "Unknown"}},
        user=personas["alice"],
        expected_version=1,
    )

    assert stored(profile) == {"F01.1": "unknown", "F01.10": "unknown"}
    assert fresh(profile).answered == 2


def test_one_bad_answer_in_a_batch_names_its_item_and_nothing_is_saved(draft, personas):
    before = database_state()

    with pytest.raises(ValidationError) as caught:
        services.save_answers(
            draft,
            {
                "F01.1": {"value": "shared"},
                "F01.2": {"value": "nineteen ninety-two"},
                "F01.6": {"value": "weekly"},
                "F02.7": {"value": "no"},
            },
            user=personas["alice"],
            reason="typing",
            expected_version=draft.version,
        )

    errors = caught.value.message_dict
    assert set(errors) == {"F01.2", "F01.6"}
    assert errors["F01.2"][0].startswith("F01.2: A year is written with digits")
    assert errors["F01.6"][0].startswith("F01.6: “weekly” is not one of the options")
    assert database_state() == before


@pytest.mark.parametrize(
    ("answer", "key", "words"),
    [
        ({"value": "yes", "since": "1300"}, "F02.7", "F02.7 since: The year must be between"),
        ({"value": "yes", "source_url": "bnf"}, "F02.7", "F02.7 source: Enter a valid URL"),
        ({"value": "yes", "note": "x" * 4001}, "F02.7", "F02.7 evidence: At most 4000"),
    ],
    ids=["since before 1400", "source not an address", "evidence too long"],
)
def test_bad_evidence_of_an_answer_names_the_item_and_the_field(
    draft, personas, answer, key, words
):
    before = database_state()

    with pytest.raises(ValidationError) as caught:
        services.save_answers(
            draft, {key: answer}, user=personas["alice"], expected_version=draft.version
        )

    assert words in " ".join(caught.value.message_dict[key])
    assert database_state() == before


def test_an_item_the_round_does_not_ask_is_refused(draft, personas):
    with pytest.raises(ValidationError) as caught:
        services.save_answers(
            draft,
            {"F99.1": {"value": "yes"}},
            user=personas["alice"],
            expected_version=draft.version,
        )

    assert "no such item in this round's framework" in caught.value.message_dict["F99.1"][0]


def test_a_contributor_cannot_edit_another_librarys_profile(draft, personas):
    before = database_state()

    with pytest.raises(PermissionDenied):
        services.save_answers(
            draft, {"F01.1": {"value": "none"}}, user=personas["bob"], expected_version=None
        )

    assert database_state() == before


@pytest.mark.parametrize("persona", ["member", "bob", "anonymous"])
def test_only_the_librarys_contributors_or_moderators_start_its_profile(
    framework, personas, registry, persona
):
    with pytest.raises(PermissionDenied):
        services.start_profile(registry["A"], framework, user=personas[persona])

    assert not Profile.objects.exists()


def test_a_contributor_cannot_start_a_profile_in_a_closed_round_but_a_moderator_can(
    framework, personas, registry
):
    close(framework, personas["moderator"])
    round_ = Round.objects.get(pk=framework.pk)

    with pytest.raises(PermissionDenied):
        services.start_profile(registry["A"], round_, user=personas["alice"])
    profile = services.start_profile(registry["A"], round_, user=personas["moderator"])

    assert profile.status == ProfileStatus.DRAFT


def test_while_submitted_only_a_moderator_edits_the_answers(draft, personas):
    profile = submitted(draft, personas["alice"])
    before = database_state()

    with pytest.raises(PermissionDenied):
        services.save_answers(
            profile, {"F01.1": {"value": "other"}}, user=personas["alice"], expected_version=None
        )
    assert database_state() == before

    profile = services.save_answers(
        profile,
        {"F01.1": {"value": "other"}},
        user=personas["moderator"],
        reason="the ministry's own service does it",
        expected_version=profile.version,
    )
    assert stored(profile)["F01.1"] == "other"
    assert fresh(profile).status == ProfileStatus.SUBMITTED


def test_when_the_round_is_closed_only_a_moderator_edits_the_answers(draft, personas):
    close(draft.round, personas["moderator"])
    profile = fresh(draft)
    before = database_state()

    with pytest.raises(PermissionDenied):
        services.save_answers(
            profile, {"F01.1": {"value": "other"}}, user=personas["alice"], expected_version=None
        )
    with pytest.raises(PermissionDenied):
        submitted(profile, personas["alice"])
    assert database_state() == before

    profile = services.save_answers(
        profile,
        {"F01.1": {"value": "other"}},
        user=personas["moderator"],
        reason="late correction",
        expected_version=profile.version,
    )
    assert stored(profile)["F01.1"] == "other"


def test_a_stale_version_raises_a_conflict_and_loses_neither_persons_work(draft, personas):
    version = draft.version
    services.save_answers(
        draft, {"F01.6": {"value": "yearly"}}, user=personas["alice"], expected_version=version
    )

    with pytest.raises(ConflictError) as caught:
        services.save_answers(
            draft,
            {"F01.1": {"value": "shared"}},
            user=personas["moderator"],
            reason="x",
            expected_version=version,
        )

    assert caught.value.current.version == version + 1
    assert stored(draft)["F01.6"] == "yearly"
    assert stored(draft)["F01.1"] == "nl"
    assert [c.after for c in caught.value.changes_since()] == [{"answer:F01.6": "yearly"}]


# Review -------------------------------------------------------------------------------------


def test_submitting_without_any_answer_is_refused(framework, personas, registry):
    profile = services.start_profile(registry["A"], framework, user=personas["alice"])

    with pytest.raises(ValidationError, match="Answer at least one item"):
        submitted(profile, personas["alice"])

    assert fresh(profile).status == ProfileStatus.DRAFT
    assert not Notification.objects.exists()


def test_submitting_notifies_every_moderator_and_not_the_contributor(draft, personas):
    profile = submitted(draft, personas["alice"])

    assert fresh(profile).status == ProfileStatus.SUBMITTED
    assert fresh(profile).submitted_at is not None
    notified = set(Notification.objects.values_list("user__email", flat=True))
    assert notified == {"moderator@example.org", "admin@example.org"}
    text = Notification.objects.filter(user=personas["moderator"]).get().text
    assert "Bibliothèque nationale de France" in text
    assert "submitted for review" in text


def test_a_contributor_cannot_publish_her_own_profile(draft, personas):
    profile = submitted(draft, personas["alice"])

    with pytest.raises(PermissionDenied):
        published(profile, personas["alice"])

    assert fresh(profile).status == ProfileStatus.SUBMITTED


def test_publishing_notifies_the_contributors_and_raises_the_rounds_results_version(
    draft, personas
):
    profile = submitted(draft, personas["alice"])
    results_version = Round.objects.get(pk=profile.round_id).results_version
    Notification.objects.all().delete()

    profile = published(profile, personas["moderator"])

    profile = fresh(profile)
    assert profile.status == ProfileStatus.PUBLISHED
    assert (profile.reviewed_by, profile.published_at is not None) == (personas["moderator"], True)
    assert Round.objects.get(pk=profile.round_id).results_version == results_version + 1
    notification = Notification.objects.get()
    assert notification.user == personas["alice"]
    assert "was published" in notification.text
    assert notification.url == profile.get_absolute_url()


def test_sending_back_needs_a_comment(draft, personas):
    profile = submitted(draft, personas["alice"])
    before = database_state()

    with pytest.raises(ValidationError) as caught:
        services.return_profile(
            profile, user=personas["moderator"], comment="   ", expected_version=profile.version
        )

    assert "comment" in caught.value.message_dict
    assert database_state() == before


def test_sending_back_tells_the_contributor_why_and_lets_her_edit_and_submit_again(draft, personas):
    profile = submitted(draft, personas["alice"])
    Notification.objects.all().delete()

    profile = services.return_profile(
        profile,
        user=personas["moderator"],
        comment="F01.2: please give the year of the 2006 law.",
        expected_version=profile.version,
    )

    assert fresh(profile).status == ProfileStatus.RETURNED
    assert fresh(profile).review_comment == "F01.2: please give the year of the 2006 law."
    notification = Notification.objects.get()
    assert notification.user == personas["alice"]
    assert "please give the year of the 2006 law" in notification.text
    profile = services.save_answers(
        profile, {"F01.2": {"value": "2006"}}, user=personas["alice"], expected_version=None
    )
    assert submitted(profile, personas["alice"]).status == ProfileStatus.SUBMITTED


def test_sending_back_a_published_profile_raises_the_results_version(draft, personas):
    profile = published(submitted(draft, personas["alice"]), personas["moderator"])
    results_version = Round.objects.get(pk=profile.round_id).results_version

    services.return_profile(
        profile, user=personas["moderator"], comment="wrong library", expected_version=None
    )

    assert Round.objects.get(pk=profile.round_id).results_version == results_version + 1


# History and revert -------------------------------------------------------------------------


def test_an_edit_after_publication_is_in_the_history_and_a_moderator_reverts_it(draft, personas):
    profile = published(submitted(draft, personas["alice"]), personas["moderator"])
    results_version = Round.objects.get(pk=profile.round_id).results_version

    profile = services.save_answers(
        profile,
        {"F01.1": {**F01_ANSWERS["F01.1"], "value": "shared"}, "F01.6": {"value": "yearly"}},
        user=personas["alice"],
        reason="BnF and the INA share it",
        expected_version=profile.version,
    )

    assert Round.objects.get(pk=profile.round_id).results_version == results_version + 1
    change = history_of(profile).order_by("pk").last()
    assert (change.action, change.user, change.reason) == (
        ChangeAction.UPDATE,
        personas["alice"],
        "BnF and the INA share it",
    )
    assert change.before == {"answer:F01.1": "nl", "answer:F01.6": None}
    assert change.after == {"answer:F01.1": "shared", "answer:F01.6": "yearly"}

    reverted = revert_change(change, user=personas["moderator"], reason="not what the law says")

    assert stored(reverted)["F01.1"] == "nl"
    assert "F01.6" not in stored(reverted)
    assert fresh(reverted).answered == 3
    assert Answer.objects.get(profile=reverted, item__code="F01.1").note == (
        "Legal deposit act, art. 3"
    )
    last = history_of(profile).order_by("pk").last()
    assert (last.action, last.reverts) == (ChangeAction.REVERT, change)


def test_reverting_an_answer_of_a_published_profile_raises_the_results_version(draft, personas):
    profile = published(submitted(draft, personas["alice"]), personas["moderator"])
    services.save_answers(
        profile, {"F01.1": {"value": "shared"}}, user=personas["alice"], expected_version=None
    )
    change = history_of(profile).order_by("pk").last()
    results_version = Round.objects.get(pk=profile.round_id).results_version

    revert_change(change, user=personas["moderator"], reason="not what the law says")

    assert Round.objects.get(pk=profile.round_id).results_version == results_version + 1


def test_a_contributor_cannot_revert_a_change(draft, personas):
    change = history_of(draft).order_by("pk").last()

    with pytest.raises(PermissionDenied):
        revert_change(change, user=personas["alice"], reason="undo")

    assert stored(draft)["F01.1"] == "nl"


# Copying the previous round -----------------------------------------------------------------


def test_copying_the_previous_round_fills_only_unanswered_items(draft, personas, registry):
    new_round = second_round(personas["moderator"])
    profile = services.start_profile(registry["A"], new_round, user=personas["alice"])
    profile = services.save_answers(
        profile, {"F01.1": {"value": "shared"}}, user=personas["alice"], expected_version=1
    )

    copied = services.copy_previous_answers(
        profile, user=personas["alice"], expected_version=profile.version
    )

    assert copied == 2
    assert stored(profile) == {"F01.1": "shared", "F01.2": "1992", "F01.3": "books;websites"}
    assert Answer.objects.get(profile=profile, item__code="F01.2").source_url == (
        "https://www.legifrance.gouv.fr/"
    )
    assert fresh(profile).answered == 3
    assert stored(draft) == {"F01.1": "nl", "F01.2": "1992", "F01.3": "books;websites"}
    assert history_of(profile).order_by("pk").last().reason == "Copied from 2020 beta"


def test_copying_skips_items_the_new_round_no_longer_asks(draft, personas, registry):
    moderator = personas["moderator"]
    item = Item.objects.get(code="F01.2")
    services.retire_item(item, user=moderator, reason="merged", expected_version=item.version)
    new_round = second_round(moderator)
    profile = services.start_profile(registry["A"], new_round, user=personas["alice"])

    copied = services.copy_previous_answers(profile, user=personas["alice"], expected_version=1)

    assert copied == 2
    assert set(stored(profile)) == {"F01.1", "F01.3"}


def test_copying_without_an_earlier_profile_is_refused(draft, personas):
    with pytest.raises(ValidationError, match="no earlier profile"):
        services.copy_previous_answers(draft, user=personas["alice"], expected_version=None)


# The framework ------------------------------------------------------------------------------


def new_item(**extra) -> dict:
    return {
        "code": "F01.11",
        "area": Item.objects.get(code="F01.1").area,
        "position": 11,
        "text": "Legal deposit of audiovisual works",
        "answer_type": "performance",
        **extra,
    }


@pytest.mark.parametrize("code", ["F01.1", "F01.10"])
def test_an_item_code_already_used_is_refused_even_when_retired(framework, personas, code):
    moderator = personas["moderator"]
    item = Item.objects.get(code="F01.10")
    services.retire_item(item, user=moderator, reason="dropped", expected_version=item.version)
    before = database_state()

    with pytest.raises(ValidationError) as caught:
        services.create_item(new_item(code=code), user=moderator, reason="new")

    assert f"The code {code} is already used" in " ".join(caught.value.message_dict["code"])
    assert database_state() == before


def test_a_contributor_cannot_add_an_item(framework, personas):
    with pytest.raises(PermissionDenied):
        services.create_item(new_item(), user=personas["alice"], reason="new")

    assert not Item.objects.filter(code="F01.11").exists()


def test_the_answer_type_of_an_answered_item_cannot_change(draft, personas):
    item = Item.objects.get(code="F01.2")
    before = database_state()

    with pytest.raises(ValidationError) as caught:
        services.update_item(
            item,
            {"answer_type": "text"},
            user=personas["moderator"],
            reason="free text",
            expected_version=item.version,
        )

    assert "retire it and add a new item" in " ".join(caught.value.message_dict["answer_type"])
    assert database_state() == before


def test_the_answer_type_of_an_unanswered_item_may_change(draft, personas):
    item = Item.objects.get(code="F13.2")

    item = services.update_item(
        item,
        {"answer_type": "text"},
        user=personas["moderator"],
        reason="free text",
        expected_version=item.version,
    )

    assert Item.objects.get(code="F13.2").answer_type == "text"


def test_an_option_still_used_in_answers_cannot_be_removed_but_an_unused_one_can(draft, personas):
    moderator, item = personas["moderator"], Item.objects.get(code="F01.3")
    options = list(item.options)

    with pytest.raises(ValidationError) as caught:
        services.update_item(
            item,
            {"options": [o for o in options if o not in ("websites", "maps")]},
            user=moderator,
            reason="tidy",
            expected_version=item.version,
        )
    assert "Options still used in answers: websites." in caught.value.message_dict["options"]
    assert Item.objects.get(code="F01.3").options == options

    item = services.update_item(
        item,
        {"options": [o for o in options if o != "maps"]},
        user=moderator,
        reason="maps are printed material",
        expected_version=item.version,
    )
    assert "maps" not in Item.objects.get(code="F01.3").options


def test_rewording_keeps_the_code_and_is_logged(framework, personas):
    item = Item.objects.get(code="F01.1")

    services.update_item(
        item,
        {"text": "Legal deposit of print"},
        user=personas["moderator"],
        reason="shorter",
        expected_version=item.version,
    )

    item = Item.objects.get(code="F01.1")
    assert item.text == "Legal deposit of print"
    change = changes_for(item).order_by("pk").last()
    assert change.before == {"text": "Legal deposit of printed publications"}


def test_an_items_code_never_changes(framework, personas):
    item = Item.objects.get(code="F01.1")

    with pytest.raises(ValidationError) as caught:
        services.update_item(
            item,
            {"code": "F01.20"},
            user=personas["moderator"],
            reason="renumber",
            expected_version=item.version,
        )

    assert "code" in caught.value.message_dict
    assert Item.objects.filter(code="F01.1").exists()


def test_retiring_keeps_the_item_and_its_answers_under_the_same_code(draft, personas):
    item = Item.objects.get(code="F01.2")

    services.retire_item(item, user=personas["moderator"], reason="x", expected_version=1)

    item = Item.objects.get(code="F01.2")
    assert item.retired
    assert stored(draft)["F01.2"] == "1992"


def test_a_new_edition_freezes_the_current_items_and_the_older_round_keeps_its_own(draft, personas):
    moderator, old_round = personas["moderator"], draft.round
    retired = Item.objects.get(code="F01.2")
    services.retire_item(retired, user=moderator, reason="merged", expected_version=1)
    services.create_item(new_item(), user=moderator, reason="audiovisual")

    new_round = second_round(moderator)
    services.create_item(new_item(code="F01.12", position=12), user=moderator, reason="later")

    new_codes = new_round.edition.item_codes()
    assert "F01.11" in new_codes
    assert "F01.2" not in new_codes
    assert "F01.12" not in new_codes  # added after the edition was published
    old_codes = old_round.edition.item_codes()
    assert "F01.2" in old_codes
    assert "F01.11" not in old_codes
    old_listed = [item.code for _area, items in framework_areas(old_round) for item in items]
    assert "F01.2" in old_listed
    assert "F01.11" not in old_listed
    # The old round still takes answers to its own items, the new round refuses them.
    services.save_answers(
        draft, {"F01.2": {"value": "2006"}}, user=personas["alice"], expected_version=None
    )
    profile = services.start_profile(draft.library, new_round, user=personas["alice"])
    with pytest.raises(ValidationError):
        services.save_answers(
            profile, {"F01.2": {"value": "2006"}}, user=personas["alice"], expected_version=None
        )


def test_an_edition_keeps_the_wording_a_round_asked(framework, personas):
    item = Item.objects.get(code="F01.1")

    services.update_item(
        item,
        {"text": "Legal deposit of print"},
        user=personas["moderator"],
        reason="x",
        expected_version=item.version,
    )

    assert framework.edition.item_text()["F01.1"] == "Legal deposit of printed publications"


def test_only_moderators_publish_editions_and_create_rounds(framework, personas):
    with pytest.raises(PermissionDenied):
        services.publish_edition("2021-edition", "2021", user=personas["alice"])
    with pytest.raises(PermissionDenied):
        services.create_round(
            {"slug": "2021", "name": "2021", "year": 2021, "edition": framework.edition},
            user=personas["alice"],
        )

    assert Round.objects.count() == 1


def test_a_round_cannot_change_edition_once_it_has_profiles(draft, personas):
    moderator = personas["moderator"]
    edition = services.publish_edition("2021-edition", "2021 edition", user=moderator)

    with pytest.raises(ValidationError) as caught:
        services.update_round(
            draft.round, {"edition": edition}, user=moderator, reason="x", expected_version=None
        )

    assert "edition" in caught.value.message_dict


# Demo data ----------------------------------------------------------------------------------


def test_starting_a_profile_replaces_the_librarys_demo_profile_and_logs_the_deletion(
    framework, personas, registry
):
    demo.generate(framework, [registry["A"], registry["B"]])
    demo_profile = Profile.objects.get(library=registry["A"], round=framework)
    results_version = Round.objects.get(pk=framework.pk).results_version

    profile = services.start_profile(registry["A"], framework, user=personas["alice"])

    assert profile.pk != demo_profile.pk
    assert not Profile.objects.filter(pk=demo_profile.pk).exists()
    assert not Answer.objects.filter(profile_id=demo_profile.pk).exists()
    assert (profile.is_demo, profile.status, profile.answered) == (False, "draft", 0)
    assert stored(profile) == {}
    deletion = changes_for(demo_profile).get(action=ChangeAction.DELETE)
    assert (deletion.user, deletion.reason) == (personas["alice"], "Demo answers replaced")
    assert Round.objects.get(pk=framework.pk).results_version == results_version + 1
    assert Profile.objects.get(library=registry["B"]).is_demo  # other demo profiles stay


def test_a_member_cannot_replace_a_demo_profile(framework, personas, registry):
    demo.generate(framework, [registry["A"]])

    with pytest.raises(PermissionDenied):
        services.start_profile(registry["A"], framework, user=personas["member"])

    assert Profile.objects.get(library=registry["A"]).is_demo


def test_removing_demo_data_deletes_only_demo_profiles_and_they_do_not_come_back(
    draft, personas, registry
):
    demo.generate(draft.round, [registry["A"], registry["B"], registry["C"]])
    assert Profile.objects.filter(is_demo=True).count() == 2  # A has a real profile
    real = stored(draft)

    removed = services.remove_demo_data(user=personas["moderator"])

    assert removed == 2
    assert list(Profile.objects.values_list("pk", flat=True)) == [draft.pk]
    assert stored(draft) == real
    deletions = Change.objects.filter(action=ChangeAction.DELETE, reason=demo.REMOVED_REASON)
    assert deletions.count() == 2

    call_command("load_demo_profiles", stdout=(out := io.StringIO()))
    assert "not generated" in out.getvalue()
    assert Profile.objects.count() == 1

    call_command("load_demo_profiles", "--again", stdout=(out := io.StringIO()))
    assert "2 created" in out.getvalue()
    assert Profile.objects.filter(is_demo=True).count() == 2
    assert stored(draft) == real


def test_only_moderators_remove_demo_data(framework, personas, registry):
    demo.generate(framework, [registry["B"]])

    with pytest.raises(PermissionDenied):
        services.remove_demo_data(user=personas["alice"])

    assert Profile.objects.filter(is_demo=True).count() == 1
