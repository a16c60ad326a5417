"""The change log, optimistic locking and revert, through the library services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.choices import ChangeAction
from core.services import ConflictError, history_of, revert_change
from libraries import services


@pytest.fixture
def library(personas, registry):
    return registry["A"]


def test_an_edit_is_logged_with_reason_diff_and_request_user(personas, library):
    alice = personas["alice"]
    services.update_library(
        library,
        {"city": "Paris 13e"},
        user=alice,
        reason="new site",
        expected_version=library.version,
    )
    change = history_of(library).first()
    assert change.action == ChangeAction.UPDATE
    assert change.user == alice and change.user_name == "Alice"
    assert change.reason == "new site"
    assert ("city", "Paris", "Paris 13e") in change.diff()
    library.refresh_from_db()
    assert library.version == 2
    assert library.fact_status("city") == "unverified"


def test_a_stale_edit_raises_a_conflict_and_saves_nothing(personas, library):
    services.update_library(
        library, {"city": "Paris A"}, user=personas["alice"], reason="one", expected_version=1
    )
    with pytest.raises(ConflictError) as caught:
        services.update_library(
            library,
            {"city": "Paris B"},
            user=personas["moderator"],
            reason="two",
            expected_version=1,
        )
    assert [c.after["city"] for c in caught.value.changes_since()] == ["Paris A"]
    library.refresh_from_db()
    assert library.city == "Paris A"


def test_a_moderator_reverts_a_change_and_the_revert_is_logged(personas, library):
    services.update_library(
        library, {"city": "Lyon"}, user=personas["alice"], reason="oops", expected_version=1
    )
    change = history_of(library).first()
    revert_change(change, user=personas["moderator"], reason="wrong city")
    library.refresh_from_db()
    assert library.city == "Paris"
    revert = history_of(library).first()
    assert revert.action == ChangeAction.REVERT and revert.reverts == change


def test_a_contributor_cannot_revert(personas, library):
    services.update_library(
        library, {"city": "Lyon"}, user=personas["alice"], reason="x", expected_version=1
    )
    with pytest.raises(PermissionDenied):
        revert_change(history_of(library).first(), user=personas["alice"], reason="")


def test_a_revert_overtaken_by_a_later_change_is_refused(personas, library):
    services.update_library(
        library, {"city": "Lyon"}, user=personas["alice"], reason="1", expected_version=1
    )
    first = history_of(library).first()
    services.update_library(
        library, {"city": "Nice"}, user=personas["alice"], reason="2", expected_version=2
    )
    with pytest.raises(ValidationError, match="city"):
        revert_change(first, user=personas["moderator"], reason="")
    library.refresh_from_db()
    assert library.city == "Nice"
