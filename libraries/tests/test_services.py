"""The registry's service functions, called directly: validation, provenance, history, locking."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.actors import SEED
from core.choices import ChangeAction, FactStatus
from core.models import Change
from core.services import ConflictError, changes_for, history_of
from libraries import services
from libraries.models import Country, Library, Membership, Organisation

NEXT_YEAR = timezone.now().year + 1

# (field, bad value, words of the message the user sees next to that field)
INVALID_VALUES = [
    ("wikidata_qid", "12345", "Q12345"),
    ("founded", NEXT_YEAR, "future"),
    ("founded", 999, "1000"),
    ("website", "not a url", "URL"),
    ("latitude", 95, "90"),
    ("longitude", -181, "-180"),
    ("isil", "not an isil!", "ISIL"),
]
INVALID_IDS = [
    "QID without Q",
    "founded next year",
    "founded before 1000",
    "malformed website",
    "latitude 95",
    "longitude -181",
    "invalid ISIL",
]


def database_state() -> dict:
    return {
        "libraries": list(Library.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "changes": Change.objects.count(),
    }


def field_errors(caught: pytest.ExceptionInfo) -> dict[str, str]:
    return {field: " ".join(messages) for field, messages in caught.value.message_dict.items()}


# Creating and editing libraries --------------------------------------------------------------


@pytest.mark.parametrize(("field", "value", "words"), INVALID_VALUES, ids=INVALID_IDS)
def test_creating_a_library_with_an_invalid_value_names_the_field_and_saves_nothing(
    personas, field, value, words
):
    before = database_state()
    data = {"name": "Bibliothèque nationale de Testland", "country_id": "SN", field: value}

    with pytest.raises(ValidationError) as caught:
        services.create_library(data, user=personas["moderator"], reason="new")

    errors = field_errors(caught)
    assert field in errors
    assert words in errors[field]
    assert database_state() == before


@pytest.mark.parametrize(("field", "value", "words"), INVALID_VALUES, ids=INVALID_IDS)
def test_editing_a_library_with_an_invalid_value_names_the_field_and_saves_nothing(
    personas, registry, field, value, words
):
    library = registry["A"]
    before = database_state()

    with pytest.raises(ValidationError) as caught:
        services.update_library(
            library,
            {field: value},
            user=personas["moderator"],
            reason="typo",
            expected_version=library.version,
        )

    errors = field_errors(caught)
    assert field in errors
    assert words in errors[field]
    assert database_state() == before


@pytest.mark.parametrize("action", ["create", "update"])
def test_a_qid_already_used_by_another_library_is_refused_and_nothing_is_saved(
    personas, registry, action
):
    before = database_state()

    with pytest.raises(ValidationError, match="Another library already has this Wikidata QID"):
        if action == "create":
            services.create_library(
                {"name": "Copy", "country_id": "SN", "wikidata_qid": "Q1515153"},
                user=personas["moderator"],
                reason="x",
            )
        else:
            services.update_library(
                registry["A"],
                {"wikidata_qid": "Q1515153"},
                user=personas["moderator"],
                reason="x",
                expected_version=1,
            )

    assert database_state() == before


def test_the_duplicate_qid_error_is_attached_to_the_qid_field(personas, registry):
    with pytest.raises(ValidationError) as caught:
        services.update_library(
            registry["A"],
            {"wikidata_qid": "Q1515153"},
            user=personas["moderator"],
            reason="x",
            expected_version=1,
        )

    assert "Another library" in field_errors(caught).get("wikidata_qid", "")


def test_a_new_library_gets_a_readable_slug_unverified_facts_and_a_create_entry(personas):
    library = services.create_library(
        {"name": "Bibliothèque nationale du Sénégal", "country_id": "FR", "city": "Dakar"},
        user=personas["moderator"],
        reason="new member",
    )

    assert library.slug == "bibliotheque-nationale-du-senegal-fr"  # plain slug already taken
    assert library.fact_status("city") == FactStatus.UNVERIFIED
    assert library.fact_source("city") == "Entered on NL Atlas by Moe Moderator"
    assert "founded" not in library.facts  # no value, no provenance
    change = changes_for(library).get()
    assert (change.action, change.user, change.reason) == (
        ChangeAction.CREATE,
        personas["moderator"],
        "new member",
    )
    assert change.after["city"] == "Dakar"


def test_a_contributor_cannot_create_a_library(personas):
    with pytest.raises(PermissionDenied):
        services.create_library(
            {"name": "Rogue library", "country_id": "FR"}, user=personas["alice"], reason="x"
        )
    assert not Library.objects.filter(name="Rogue library").exists()


def test_an_edit_marks_the_changed_facts_unverified_with_a_source_naming_the_editor(
    personas, registry
):
    library = services.verify_facts(
        registry["A"],
        ["city", "founded", "coordinates"],
        user=personas["moderator"],
        reason="checked",
        expected_version=1,
    )

    library = services.update_library(
        library,
        {"city": "Paris 13e", "latitude": 48.8337, "founded": 1368},
        user=personas["alice"],
        reason="the François-Mitterrand site",
        expected_version=library.version,
    )

    today = timezone.now().date().isoformat()
    assert library.fact_status("city") == FactStatus.UNVERIFIED
    assert library.fact_source("city") == f"Edited on NL Atlas by Alice, {today}"
    assert library.fact_status("coordinates") == FactStatus.UNVERIFIED
    assert library.fact_status("founded") == FactStatus.VERIFIED  # sent, but not changed
    library.refresh_from_db()
    assert (library.city, library.latitude) == ("Paris 13e", 48.8337)


def test_a_contributor_edits_their_own_library_but_not_another(personas, registry):
    alice = personas["alice"]
    services.update_library(
        registry["A"], {"city": "Paris 13e"}, user=alice, reason="move", expected_version=1
    )
    before = database_state()

    with pytest.raises(PermissionDenied):
        services.update_library(
            registry["B"], {"city": "Bergen"}, user=alice, reason="x", expected_version=1
        )

    assert database_state() == before
    assert Library.objects.get(pk=registry["A"].pk).city == "Paris 13e"


@pytest.mark.parametrize(
    ("field", "value"), [("country", "NO"), ("wikidata_qid", "Q42"), ("source_note", "x")]
)
def test_a_contributor_cannot_change_identity_fields_and_the_error_names_the_field(
    personas, registry, field, value
):
    if field == "country":
        value = Country.objects.get(pk=value)
    before = database_state()

    with pytest.raises(PermissionDenied, match=field):
        services.update_library(
            registry["A"],
            {field: value, "city": "Paris 13e"},
            user=personas["alice"],
            reason="x",
            expected_version=1,
        )

    assert database_state() == before


def test_a_moderator_may_change_the_country_and_the_qid(personas, registry):
    library = services.update_library(
        registry["A"],
        {"country": Country.objects.get(pk="NO"), "wikidata_qid": "Q42"},
        user=personas["moderator"],
        reason="data entry error",
        expected_version=1,
    )

    library.refresh_from_db()
    assert (library.country_id, library.wikidata_qid) == ("NO", "Q42")
    assert library.fact_status("wikidata_qid") == FactStatus.UNVERIFIED
    assert changes_for(library).first().after["country"] == "NO"


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_edit_without_a_reason_is_refused_and_saves_nothing(personas, registry, reason):
    before = database_state()

    with pytest.raises(ValidationError) as caught:
        services.update_library(
            registry["A"],
            {"city": "Lyon"},
            user=personas["alice"],
            reason=reason,
            expected_version=1,
        )

    assert "reason" in field_errors(caught)
    assert database_state() == before


def test_an_edit_that_changes_nothing_writes_no_change_and_keeps_the_version(personas, registry):
    before = database_state()

    library = services.update_library(
        registry["A"], {"city": "Paris"}, user=personas["alice"], reason="x", expected_version=1
    )

    assert library.version == 1
    assert database_state() == before


def test_a_stale_edit_raises_a_conflict_and_keeps_the_other_persons_work(personas, registry):
    services.update_library(
        registry["A"], {"city": "Lyon"}, user=personas["alice"], reason="a", expected_version=1
    )

    with pytest.raises(ConflictError) as caught:
        services.update_library(
            registry["A"],
            {"city": "Nice"},
            user=personas["moderator"],
            reason="b",
            expected_version=1,
        )

    assert caught.value.current.version == 2
    assert [c.after["city"] for c in caught.value.changes_since()] == ["Lyon"]
    assert Library.objects.get(pk=registry["A"].pk).city == "Lyon"


# Verifying facts ------------------------------------------------------------------------------


def test_verifying_facts_marks_them_verified_with_the_source_and_logs_a_verify_change(
    personas, registry
):
    library = services.verify_facts(
        registry["A"],
        ["city", "website"],
        user=personas["moderator"],
        reason="",
        source="https://www.bnf.fr/fr/contacts",
        expected_version=1,
    )

    assert library.fact_status("city") == FactStatus.VERIFIED
    assert library.fact_source("website") == "https://www.bnf.fr/fr/contacts"
    assert library.fact_status("founded") == FactStatus.UNVERIFIED
    assert library.version == 2
    change = history_of(library).first()
    assert change.action == ChangeAction.VERIFY
    assert change.reason == "Facts verified"
    assert change.before == {"status:city": "unverified", "status:website": "unverified"}
    assert change.after == {"status:city": "verified", "status:website": "verified"}


def test_verifying_without_a_source_records_who_checked_and_when(personas, registry):
    library = services.verify_facts(
        registry["A"], ["name"], user=personas["admin"], reason="ok", expected_version=1
    )

    today = timezone.now().date().isoformat()
    assert library.fact_source("name") == f"Checked by Ada Admin, {today}"


@pytest.mark.parametrize("persona", ["alice", "bob", "member", "anonymous"])
def test_only_moderators_verify_facts(personas, registry, persona):
    before = database_state()

    with pytest.raises(PermissionDenied):
        services.verify_facts(
            registry["A"], ["city"], user=personas[persona], reason="x", expected_version=1
        )

    assert database_state() == before


@pytest.mark.parametrize(("facts", "words"), [([], "at least one"), (["colour"], "colour")])
def test_verifying_no_fact_or_an_unknown_fact_is_refused(personas, registry, facts, words):
    before = database_state()

    with pytest.raises(ValidationError) as caught:
        services.verify_facts(
            registry["A"], facts, user=personas["moderator"], reason="x", expected_version=1
        )

    assert words in field_errors(caught)["facts"]
    assert database_state() == before


def test_verifying_a_stale_version_raises_a_conflict(personas, registry):
    services.update_library(
        registry["A"], {"city": "Lyon"}, user=personas["alice"], reason="x", expected_version=1
    )

    with pytest.raises(ConflictError):
        services.verify_facts(
            registry["A"], ["city"], user=personas["moderator"], reason="x", expected_version=1
        )

    assert Library.objects.get(pk=registry["A"].pk).fact_status("city") == FactStatus.UNVERIFIED


# Memberships ----------------------------------------------------------------------------------


def test_membership_changes_are_logged_in_the_librarys_history(personas, registry):
    moderator, library = personas["moderator"], registry["C"]

    membership = services.add_membership(
        library,
        registry["cdnl"],
        user=moderator,
        status="inferred",
        source="cdnl.info",
        reason="listed on the CDNL site",
    )
    membership = services.update_membership(
        membership,
        {"status": "confirmed"},
        user=moderator,
        reason="confirmed by the secretariat",
        expected_version=1,
    )
    services.remove_membership(membership, user=moderator, reason="left in 2024")

    history = list(history_of(library).order_by("pk"))
    assert [c.action for c in history] == [
        ChangeAction.CREATE,  # the library itself
        ChangeAction.CREATE,
        ChangeAction.UPDATE,
        ChangeAction.DELETE,
    ]
    membership_changes = history[1:]
    assert {c.content_type.model for c in membership_changes} == {"membership"}
    assert {c.related_repr for c in membership_changes} == {str(library)}
    assert membership_changes[0].after["organisation"] == "CDNL"
    assert membership_changes[1].before == {"status": "inferred"}
    assert membership_changes[1].after == {"status": "confirmed"}
    assert membership_changes[2].reason == "left in 2024"
    assert not Membership.objects.filter(library=library).exists()


def test_history_of_a_library_lists_its_membership_changes_and_not_other_libraries(registry):
    history = history_of(registry["A"])

    assert history.filter(content_type__model="membership").count() == 2  # CENL and CDNL
    assert history.filter(content_type__model="library").count() == 1
    assert not history.filter(object_repr__contains="Norway").exists()


def test_a_library_cannot_join_the_same_organisation_twice(personas, registry):
    before = database_state()

    with pytest.raises(ValidationError, match="already listed"):
        services.add_membership(
            registry["A"], registry["cenl"], user=personas["moderator"], status="confirmed"
        )

    assert database_state() == before


@pytest.mark.parametrize("persona", ["alice", "bob", "member", "anonymous"])
def test_only_moderators_change_memberships(personas, registry, persona):
    user, membership = personas[persona], registry["A"].memberships.get(organisation__code="CENL")
    before = database_state()

    with pytest.raises(PermissionDenied):
        services.add_membership(registry["C"], registry["cenl"], user=user, status="confirmed")
    with pytest.raises(PermissionDenied):
        services.update_membership(
            membership, {"role": "observer"}, user=user, reason="x", expected_version=1
        )
    with pytest.raises(PermissionDenied):
        services.remove_membership(membership, user=user, reason="x")

    assert database_state() == before


def test_removing_a_membership_needs_a_reason(personas, registry):
    membership = registry["A"].memberships.get(organisation__code="CENL")
    before = database_state()

    with pytest.raises(ValidationError) as caught:
        services.remove_membership(membership, user=personas["moderator"], reason=" ")

    assert "reason" in field_errors(caught)
    assert database_state() == before


def test_updating_a_membership_needs_a_reason(personas, registry):
    membership = registry["A"].memberships.get(organisation__code="CENL")
    before = database_state()

    with pytest.raises(ValidationError) as caught:
        services.update_membership(
            membership,
            {"status": "inferred"},
            user=personas["moderator"],
            reason="",
            expected_version=1,
        )

    assert "reason" in field_errors(caught)
    assert database_state() == before


def test_a_stale_membership_update_raises_a_conflict(personas, registry):
    membership = registry["A"].memberships.get(organisation__code="CENL")
    services.update_membership(
        membership, {"note": "chair"}, user=personas["admin"], reason="a", expected_version=1
    )

    with pytest.raises(ConflictError):
        services.update_membership(
            membership,
            {"note": "member"},
            user=personas["moderator"],
            reason="b",
            expected_version=1,
        )

    assert Membership.objects.get(pk=membership.pk).note == "chair"


# Organisations --------------------------------------------------------------------------------


def test_a_moderator_creates_and_updates_an_organisation_and_both_are_logged(personas):
    moderator = personas["moderator"]

    organisation = services.create_organisation(
        {"code": "CDNL-AO", "name": "Conference of Directors of National Libraries of Asia"},
        user=moderator,
        reason="regional conference",
    )
    assert organisation.slug == "cdnl-ao"
    assert organisation.get_absolute_url() == "/en/organisations/cdnl-ao/"

    organisation = services.update_organisation(
        organisation,
        {"name": "Conference of Directors of National Libraries of Asia and Oceania"},
        user=moderator,
        reason="full name",
        expected_version=1,
    )

    assert organisation.version == 2
    assert Organisation.objects.get(code="CDNL-AO").name.endswith("Asia and Oceania")
    changes = list(changes_for(organisation).order_by("pk"))
    assert [c.action for c in changes] == [ChangeAction.CREATE, ChangeAction.UPDATE]
    assert changes[1].before == {"name": "Conference of Directors of National Libraries of Asia"}
    assert changes[1].reason == "full name"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"code": "CENL", "name": "Second CENL"}, "code"),
        ({"code": "OLD", "name": "Too old", "founded": 1700}, "founded"),
        ({"code": "WEB", "name": "Bad site", "website": "not a url"}, "website"),
        ({"code": "", "name": "No code"}, "code"),
    ],
    ids=["duplicate code", "founded before 1800", "malformed website", "empty code"],
)
def test_an_invalid_organisation_names_the_field_and_saves_nothing(personas, registry, data, field):
    before = database_state()

    with pytest.raises(ValidationError) as caught:
        services.create_organisation(data, user=personas["moderator"], reason="x")

    assert field in field_errors(caught)
    assert database_state() == before


@pytest.mark.parametrize("persona", ["alice", "bob", "member", "anonymous"])
def test_only_moderators_create_or_edit_organisations(personas, registry, persona):
    before = database_state()

    with pytest.raises(PermissionDenied):
        services.create_organisation({"code": "X", "name": "X"}, user=personas[persona])
    with pytest.raises(PermissionDenied):
        services.update_organisation(
            registry["cenl"], {"name": "Y"}, user=personas[persona], reason="x", expected_version=1
        )

    assert database_state() == before


def test_an_organisation_update_needs_a_reason_and_a_current_version(personas, registry):
    moderator, cenl = personas["moderator"], registry["cenl"]
    before = database_state()

    with pytest.raises(ValidationError) as caught:
        services.update_organisation(
            cenl, {"name": "Y"}, user=moderator, reason="", expected_version=1
        )
    assert "reason" in field_errors(caught)
    with pytest.raises(ConflictError):
        services.update_organisation(
            cenl, {"name": "Y"}, user=moderator, reason="x", expected_version=0
        )

    assert database_state() == before


def test_changes_by_the_seed_loader_are_logged_under_its_name(registry):
    change = changes_for(registry["cenl"]).get()
    assert (change.user, change.user_name, change.action) == (None, SEED.name, "create")
