"""CSV import of a profile or a whole round: checked in full, problems placed, all or nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Change
from functions import imports, services
from functions.choices import ProfileStatus
from functions.models import Answer, Profile
from functions.queries import round_answers
from libraries.export import csv_response


@pytest.fixture
def profile(framework, personas, registry):
    """Alice's draft profile of library A, with answers of several types and their evidence."""
    profile = services.start_profile(registry["A"], framework, user=personas["alice"])
    return services.save_answers(
        profile,
        {
            "F01.1": {"value": "nl", "note": "Code du patrimoine, L131-2", "since": "1537"},
            "F01.2": {"value": "1992", "source_url": "https://www.legifrance.gouv.fr/"},
            "F01.3": {"value": "books;e-books;websites", "note": 'Print, "born digital", web'},
            "F01.10": {"value": "84,500"},
            "F02.7": {"value": "unknown"},
            "F14.2": {"value": "Ministère de la Culture; direction du livre"},
            "F14.6": {"value": "https://www.bnf.fr/fr/rapport-activite"},
        },
        user=personas["alice"],
        reason="first answers",
        expected_version=1,
    )


def answers_of(profile: Profile) -> dict[str, dict]:
    return {
        a.item.code: a.as_dict()
        for a in Answer.objects.filter(profile_id=profile.pk).select_related("item")
    }


def exported(profile: Profile) -> bytes:
    """The profile's CSV, exactly as the download button serves it."""
    profile = Profile.objects.get(pk=profile.pk)
    return csv_response(imports.profile_rows(profile), imports.PROFILE_COLUMNS, "p").content


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def placed(caught: pytest.ExceptionInfo) -> list[tuple[int, str]]:
    return [(p.row, p.column) for p in caught.value.problems]


def database_state() -> dict:
    return {
        "profiles": list(Profile.objects.order_by("pk").values()),
        "answers": list(Answer.objects.order_by("pk").values()),
        "changes": Change.objects.count(),
    }


# One library's profile ------------------------------------------------------------------------


def test_a_profile_exported_and_imported_into_an_empty_profile_has_identical_answers(
    profile, personas, registry
):
    moderator = personas["moderator"]
    new_round = services.create_round(
        {
            "slug": "2021",
            "name": "Round 2021",
            "year": 2021,
            "edition": services.publish_edition("2021-edition", "2021", user=moderator),
            "status": "open",
        },
        user=moderator,
    )
    target = services.start_profile(registry["A"], new_round, user=personas["alice"])

    saved = imports.import_profile(
        target,
        SimpleUploadedFile("profile.csv", exported(profile), content_type="text/csv"),
        user=personas["alice"],
        expected_version=target.version,
    )

    assert saved == 7
    assert answers_of(target) == answers_of(profile)
    assert Profile.objects.get(pk=target.pk).answered == 7


def test_importing_a_profiles_own_export_changes_nothing(profile, personas):
    before = database_state()

    imports.import_profile(
        profile, exported(profile), user=personas["alice"], expected_version=profile.version
    )

    assert database_state() == before


def test_a_note_starting_with_a_dash_survives_the_export_import_round_trip(profile, personas):
    profile = services.save_answers(
        profile,
        {"F14.2": {"value": "- Ministry of Culture", "note": "+33 1 53 79 59 59"}},
        user=personas["alice"],
        expected_version=profile.version,
    )
    before = answers_of(profile)

    imports.import_profile(
        profile, exported(profile), user=personas["alice"], expected_version=profile.version
    )

    assert answers_of(profile) == before


def test_an_import_with_several_bad_rows_places_each_problem_and_saves_nothing(profile, personas):
    upload = csv_bytes(
        ["item", "value", "note", "source_url", "since"],
        [
            ["F01.1", "maybe", "", "", ""],  # row 2: not an option
            ["F01.2", "1992", "", "", "1200"],  # row 3: since too early
            ["F01.3", "books", "", "not-a-web-address", ""],  # row 4: bad source
            ["F99.1", "yes", "", "", ""],  # row 5: no such item
            ["F01.6", "yearly", "", "", ""],  # row 6: fine
            ["F01.10", "-3", "", "", ""],  # row 7: negative count
        ],
    )
    before = database_state()

    with pytest.raises(imports.ImportError_) as caught:
        imports.import_profile(
            profile, upload, user=personas["alice"], expected_version=profile.version
        )

    assert placed(caught) == [
        (2, "value"),
        (3, "since"),
        (4, "source_url"),
        (5, "item"),
        (7, "value"),
    ]
    messages = [str(p) for p in caught.value.problems]
    assert messages[0].startswith("Row 2, column value: F01.1: “maybe” is not one of the options")
    assert messages[3] == "Row 5, column item: F99.1: no such item in this round's framework."
    assert "cannot be negative" in messages[4]
    assert database_state() == before


def test_an_item_listed_twice_is_reported_on_its_second_row(profile, personas):
    upload = csv_bytes(
        ["item", "value"], [["F01.1", "nl"], ["F01.6", "yearly"], ["F01.1", "shared"]]
    )
    before = database_state()

    with pytest.raises(imports.ImportError_) as caught:
        imports.import_profile(profile, upload, user=personas["alice"], expected_version=None)

    assert placed(caught) == [(4, "item")]
    assert "F01.1 appears twice" in caught.value.problems[0].message
    assert database_state() == before


def test_a_bad_row_after_a_duplicate_is_reported_on_its_own_row(profile, personas):
    upload = csv_bytes(["item", "value"], [["F01.1", "nl"], ["F01.1", "shared"], ["F01.2", "soon"]])

    with pytest.raises(imports.ImportError_) as caught:
        imports.import_profile(profile, upload, user=personas["alice"], expected_version=None)

    assert placed(caught) == [(3, "item"), (4, "value")]


def test_a_file_without_the_value_column_is_refused(profile, personas):
    with pytest.raises(imports.ImportError_) as caught:
        imports.import_profile(
            profile,
            csv_bytes(["item", "answer"], [["F01.1", "nl"]]),
            user=personas["alice"],
            expected_version=None,
        )

    assert placed(caught) == [(1, "value")]


def test_a_file_that_is_not_utf8_is_refused_with_a_message(profile, personas):
    with pytest.raises(imports.ImportError_) as caught:
        imports.import_profile(
            profile,
            "item,value\nF14.2,Ministère\n".encode("latin-1"),
            user=personas["alice"],
            expected_version=None,
        )

    assert "not UTF-8" in caught.value.problems[0].message


def test_a_spreadsheets_byte_order_mark_does_not_hide_the_first_column(profile, personas):
    upload = "\ufeffitem,value\nF01.6,Yearly\n".encode()

    imports.import_profile(profile, upload, user=personas["alice"], expected_version=None)

    assert answers_of(profile)["F01.6"]["value"] == "yearly"


def test_a_contributor_cannot_import_into_another_librarys_profile(profile, personas):
    before = database_state()

    with pytest.raises(PermissionDenied):
        imports.import_profile(
            profile, exported(profile), user=personas["bob"], expected_version=None
        )

    assert database_state() == before


# A whole round --------------------------------------------------------------------------------


def test_a_moderator_imports_a_round_as_draft_profiles_for_the_listed_libraries(
    framework, personas, registry
):
    upload = csv_bytes(
        ["library", "library_name", "F01.1", "F01.2", "F01.3", "F02.7"],
        [
            [registry["A"].slug, "BnF", "NL", "1992", "websites;books", "yes"],
            [registry["B"].slug, "NB", "shared", "", "none", "unknown"],
        ],
    )

    count = imports.import_round(framework, upload, user=personas["moderator"])

    assert count == 2
    a = Profile.objects.get(library=registry["A"], round=framework)
    b = Profile.objects.get(library=registry["B"], round=framework)
    assert (a.status, b.status) == (ProfileStatus.DRAFT, ProfileStatus.DRAFT)
    assert not a.is_demo
    assert {c: v["value"] for c, v in answers_of(a).items()} == {
        "F01.1": "nl",
        "F01.2": "1992",
        "F01.3": "books;websites",
        "F02.7": "yes",
    }
    assert {c: v["value"] for c, v in answers_of(b).items()} == {
        "F01.1": "shared",
        "F01.3": "none",
        "F02.7": "unknown",
    }
    assert (a.answered, b.answered) == (4, 3)
    assert not Profile.objects.filter(library=registry["C"]).exists()


def test_a_round_import_with_problems_places_each_one_and_saves_nothing(
    framework, personas, registry
):
    upload = csv_bytes(
        ["library", "F01.1", "F01.2", "F99.9"],
        [
            [registry["A"].slug, "nl", "1992", ""],  # row 2: fine
            ["bibliotheque-de-nulle-part", "nl", "", ""],  # row 3: unknown library
            [registry["B"].slug, "ours", "soon", ""],  # row 4: two bad cells
            [registry["A"].slug, "nl", "", ""],  # row 5: library twice
        ],
    )
    before = database_state()

    with pytest.raises(imports.ImportError_) as caught:
        imports.import_round(framework, upload, user=personas["moderator"])

    assert sorted(placed(caught)) == [
        (1, "F99.9"),
        (3, "library"),
        (4, "F01.1"),
        (4, "F01.2"),
        (5, "library"),
    ]
    messages = {(p.row, p.column): p.message for p in caught.value.problems}
    assert "“bibliotheque-de-nulle-part”" in messages[(3, "library")]
    assert "“ours” is not one of the options" in messages[(4, "F01.1")]
    assert "A year is written with digits" in messages[(4, "F01.2")]
    assert database_state() == before


@pytest.mark.parametrize("persona", ["alice", "member"])
def test_only_moderators_import_a_whole_round(framework, personas, registry, persona):
    upload = csv_bytes(["library", "F01.1"], [[registry["A"].slug, "nl"]])

    with pytest.raises(PermissionDenied):
        imports.import_round(framework, upload, user=personas[persona])

    assert not Profile.objects.exists()


def test_reimporting_a_round_export_keeps_the_evidence_of_the_answers(profile, personas):
    moderator = personas["moderator"]
    profile = services.publish_profile(profile, user=moderator, expected_version=None)
    round_ = profile.round
    before = answers_of(profile)
    upload = csv_response(
        imports.round_rows(round_answers(round_)), imports.round_columns(round_), "r"
    ).content

    imports.import_round(round_, upload, user=moderator)

    assert answers_of(profile) == before
