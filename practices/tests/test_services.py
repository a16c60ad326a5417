"""The life of a practice through the services: drafts, review, publication, direct edits,
proposed edits and their merge, reverts, the change log, comments, endorsements and views."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Notification
from core.choices import ChangeAction
from core.models import Change
from core.services import ConflictError, changes_for, history_of, visible_changes
from practices import permissions, search, services
from practices.choices import (
    EndorsementKind,
    PracticeStatus,
    ProposalStatus,
    RevisionKind,
)
from practices.content import FIELDS
from practices.models import Comment, Endorsement, Practice, PracticeView, Revision


def fresh(practice: Practice) -> Practice:
    return Practice.objects.get(pk=practice.pk)


def content_of(practice: Practice, **changes) -> dict:
    """The working copy's content with some fields changed: what an edit form posts."""
    return {**fresh(practice).current.content, **changes}


def edit(practice, user, **changes) -> Practice:
    practice = fresh(practice)
    return services.edit_practice(
        practice,
        content_of(practice, **changes),
        user=user,
        reason="test edit",
        expected_version=practice.version,
    )


def propose(practice, user, **changes) -> Revision:
    return services.propose_edit(
        practice, content_of(practice, **changes), user=user, reason="a better summary"
    )


def found(query: str) -> list[str]:
    return list(search.matching(Practice.objects.all(), query).values_list("code", flat=True))


def notes(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


def counts() -> dict:
    return {
        "revisions": Revision.objects.count(),
        "changes": Change.objects.count(),
        "notifications": Notification.objects.count(),
        "comments": Comment.objects.count(),
    }


# Drafts --------------------------------------------------------------------------------------


def test_a_member_starts_a_draft_as_its_only_author(personas, practice_content):
    practice = services.start_practice(practice_content(), user=personas["member"], reason="")

    assert practice.status == PracticeStatus.DRAFT
    assert list(practice.authors.all()) == [personas["member"]]
    assert practice.created_by == personas["member"]
    assert practice.published is None
    assert practice.current.number == 1
    assert practice.current.content["title"] == practice_content()["title"]
    assert practice.code.startswith("p-") and len(practice.code) == 8


def test_a_draft_is_seen_only_by_its_authors_and_moderators(personas, draft_practice):
    everyone = Practice.objects.all()

    for name in ("alice", "moderator", "admin"):
        assert permissions.can_view(personas[name], draft_practice), name
        assert draft_practice in permissions.visible_practices(personas[name], everyone), name
    for name in ("bob", "member", "anonymous"):
        assert not permissions.can_view(personas[name], draft_practice), name
        assert draft_practice not in permissions.visible_practices(personas[name], everyone), name


def test_an_anonymous_visitor_cannot_start_a_practice(personas, practice_content):
    with pytest.raises(PermissionDenied):
        services.start_practice(practice_content(), user=None)

    assert not Practice.objects.exists()


def test_invalid_content_starts_nothing(personas, practice_content):
    with pytest.raises(ValidationError) as caught:
        services.start_practice(practice_content(title="", countries=["XX"]), user=personas["bob"])

    assert set(caught.value.message_dict) == {"title", "countries"}
    assert not Practice.objects.exists() and not Revision.objects.exists()


def test_a_drafts_search_words_are_not_found(draft_practice):
    assert found("Saint-Martial") == []


# Review and publication ------------------------------------------------------------------------


def test_submitting_tells_every_moderator(personas, draft_practice):
    practice = services.submit_practice(
        draft_practice, user=personas["alice"], expected_version=draft_practice.version
    )

    assert practice.status == PracticeStatus.SUBMITTED
    assert practice.submitted_at is not None
    for name in ("moderator", "admin"):
        assert notes(personas[name]) == [
            "“Gallica reunites the manuscripts of Saint-Martial” was submitted for review."
        ]
    assert notes(personas["alice"]) == [] and notes(personas["bob"]) == []
    assert Notification.objects.get(user=personas["moderator"]).url == practice.get_absolute_url()


def test_only_an_author_or_moderator_submits_and_only_a_draft(personas, draft_practice):
    with pytest.raises(PermissionDenied):
        services.submit_practice(draft_practice, user=personas["bob"], expected_version=None)
    submitted = services.submit_practice(
        draft_practice, user=personas["alice"], expected_version=None
    )
    with pytest.raises(ValidationError):
        services.submit_practice(submitted, user=personas["alice"], expected_version=None)


def test_approving_publishes_the_working_copy_and_tells_the_authors(personas, draft_practice):
    submitted = services.submit_practice(
        draft_practice, user=personas["alice"], expected_version=None
    )
    practice = services.approve_practice(
        submitted, user=personas["moderator"], comment="Thank you!", expected_version=None
    )

    assert practice.status == PracticeStatus.PUBLISHED
    assert practice.published_id == practice.current_id
    assert practice.published_at is not None
    assert practice.review_comment == "Thank you!"
    assert practice.title == "Gallica reunites the manuscripts of Saint-Martial"
    assert practice.language == "en" and practice.project_status == "completed"
    assert (practice.start_year, practice.end_year) == (2010, 2014)
    assert sorted(practice.countries.values_list("iso2", flat=True)) == ["FR", "NO"]
    assert notes(personas["alice"]) == [
        "Your practice “Gallica reunites the manuscripts of Saint-Martial” is published. Thank you!"
    ]
    for name in ("bob", "member", "anonymous"):
        assert permissions.can_view(personas[name], practice)


def test_a_published_practice_is_found_by_search(published_practice):
    assert found("Saint-Martial manuscripts") == [published_practice.code]


def test_only_moderators_approve_not_even_the_author(personas, draft_practice):
    submitted = services.submit_practice(
        draft_practice, user=personas["alice"], expected_version=None
    )

    for name in ("alice", "bob", "member"):
        with pytest.raises(PermissionDenied):
            services.approve_practice(submitted, user=personas[name], expected_version=None)
    assert fresh(submitted).status == PracticeStatus.SUBMITTED


def test_a_draft_cannot_be_published_without_being_submitted(personas, draft_practice):
    with pytest.raises(ValidationError):
        services.approve_practice(draft_practice, user=personas["moderator"], expected_version=None)


def test_sending_back_needs_a_comment_which_the_authors_receive(personas, draft_practice):
    submitted = services.submit_practice(
        draft_practice, user=personas["alice"], expected_version=None
    )
    with pytest.raises(ValidationError) as caught:
        services.reject_practice(
            submitted, user=personas["moderator"], comment="   ", expected_version=None
        )
    assert list(caught.value.message_dict) == ["comment"]

    practice = services.reject_practice(
        submitted,
        user=personas["moderator"],
        comment="Please add a source for the dates.",
        expected_version=None,
    )

    assert practice.status == PracticeStatus.DRAFT
    assert practice.review_comment == "Please add a source for the dates."
    assert practice.published is None
    assert notes(personas["alice"]) == [
        "Your practice “Gallica reunites the manuscripts of Saint-Martial” was sent back. "
        "Please add a source for the dates."
    ]


def test_only_moderators_send_back(personas, draft_practice):
    submitted = services.submit_practice(
        draft_practice, user=personas["alice"], expected_version=None
    )

    with pytest.raises(PermissionDenied):
        services.reject_practice(
            submitted, user=personas["alice"], comment="x", expected_version=None
        )


def test_archiving_keeps_the_practice_readable_and_it_can_be_published_again(
    personas, published_practice
):
    with pytest.raises(PermissionDenied):
        services.archive_practice(
            published_practice, user=personas["alice"], reason="old", expected_version=None
        )
    archived = services.archive_practice(
        published_practice,
        user=personas["moderator"],
        reason="Project ended",
        expected_version=None,
    )

    assert archived.status == PracticeStatus.ARCHIVED
    assert archived.published_id == published_practice.published_id
    assert permissions.can_view(personas["anonymous"], archived)
    assert not permissions.can_endorse(personas["bob"], archived)
    with pytest.raises(ValidationError):
        services.archive_practice(
            archived, user=personas["moderator"], reason="again", expected_version=None
        )

    again = services.approve_practice(archived, user=personas["moderator"], expected_version=None)
    assert again.status == PracticeStatus.PUBLISHED
    assert again.published_at == published_practice.published_at


# Direct edits ----------------------------------------------------------------------------------


def test_an_author_edits_a_draft_without_publishing_it(personas, draft_practice):
    practice = edit(draft_practice, personas["alice"], title="Saint-Martial manuscripts online")

    assert practice.current.number == 2
    assert practice.current.content["title"] == "Saint-Martial manuscripts online"
    assert practice.current.based_on.number == 1
    assert practice.published is None
    assert found("online") == []


def test_an_edit_of_a_published_practice_is_live_at_once(personas, published_practice):
    first = published_practice.published_id
    practice = edit(
        published_practice,
        personas["alice"],
        title="Saint-Martial manuscripts online",
        countries=["SN"],
    )

    assert practice.published_id == practice.current_id != first
    assert practice.title == "Saint-Martial manuscripts online"
    assert list(practice.countries.values_list("iso2", flat=True)) == ["SN"]
    assert fresh(practice).published.content["title"] == "Saint-Martial manuscripts online"


def test_a_moderator_edits_anyones_practice_directly(personas, published_practice):
    practice = edit(published_practice, personas["moderator"], summary="Checked by a moderator.")

    assert practice.summary == "Checked by a moderator."
    assert practice.current.created_by == personas["moderator"]
    assert practice.current.author_name == "Moe Moderator"


@pytest.mark.parametrize("name", ["bob", "member", "anonymous"])
def test_others_cannot_edit_directly(personas, published_practice, name):
    with pytest.raises(PermissionDenied):
        edit(published_practice, personas[name], title="Vandalised")

    assert fresh(published_practice).title != "Vandalised"


def test_saving_the_same_content_again_writes_no_revision(personas, published_practice):
    before = counts()
    practice = edit(published_practice, personas["alice"])

    assert counts() == before
    assert practice.version == published_practice.version


def test_invalid_edits_are_refused_and_nothing_is_written(personas, published_practice):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        edit(published_practice, personas["alice"], start_year=2020, end_year=2001)

    assert list(caught.value.message_dict) == ["end_year"]
    assert counts() == before


def test_every_revision_is_a_complete_snapshot(personas, published_practice):
    edit(published_practice, personas["alice"], title="Second title")
    edit(published_practice, personas["moderator"], tags=["maps"])
    proposal = propose(published_practice, personas["bob"], summary="A proposed summary.")
    services.accept_proposal(proposal, user=personas["moderator"], expected_version=None)
    services.revert_to(
        published_practice,
        Revision.objects.get(practice=published_practice, number=1),
        user=personas["alice"],
        reason="",
        expected_version=None,
    )

    revisions = Revision.objects.filter(practice=published_practice).order_by("number")
    assert [r.number for r in revisions] == [1, 2, 3, 4, 5, 6]
    for revision in revisions:
        assert set(revision.content) == set(FIELDS), revision.number
    assert revisions[2].content["title"] == "Second title"  # kept when the tags changed
    assert revisions[2].content["tags"] == ["maps"]


# Proposed edits --------------------------------------------------------------------------------


def test_a_member_who_is_not_an_author_proposes_an_edit(personas, published_practice):
    proposal = propose(published_practice, personas["bob"], summary="A clearer summary.")

    assert proposal.status == ProposalStatus.PENDING
    assert proposal.kind == RevisionKind.PROPOSAL
    assert proposal.based_on_id == published_practice.current_id
    practice = fresh(published_practice)
    assert practice.current_id == published_practice.current_id
    assert practice.summary != "A clearer summary."
    for name in ("moderator", "admin", "alice"):
        assert (
            "An edit of “Gallica reunites the manuscripts of Saint-Martial” was proposed."
            in notes(personas[name])
        )
    assert notes(personas["bob"]) == []


def test_authors_edit_rather_than_propose_and_drafts_take_no_proposals(
    personas, published_practice, practice_content
):
    with pytest.raises(PermissionDenied):
        propose(published_practice, personas["alice"], summary="x")
    with pytest.raises(PermissionDenied):
        propose(published_practice, personas["anonymous"], summary="x")
    draft = services.start_practice(practice_content(), user=personas["member"])
    with pytest.raises(PermissionDenied):
        propose(draft, personas["bob"], summary="x")


def test_accepting_merges_the_proposal_on_top_of_later_edits(personas, published_practice):
    proposal = propose(
        published_practice, personas["bob"], summary="A clearer summary.", tags=["maps"]
    )
    edit(published_practice, personas["alice"], title="A later title", licence="CC BY 4.0")

    practice = services.accept_proposal(
        proposal, user=personas["moderator"], comment="Thanks", expected_version=None
    )

    content = practice.current.content
    assert content["title"] == "A later title"  # the author's later edit is kept
    assert content["licence"] == "CC BY 4.0"
    assert content["summary"] == "A clearer summary."  # the proposal is applied on top
    assert content["tags"] == ["maps"]
    assert practice.published_id == practice.current_id
    assert practice.summary == "A clearer summary."
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert proposal.reviewed_by == personas["moderator"]
    assert proposal.review_comment == "Thanks"
    assert notes(personas["bob"]) == ["Your edit of “A later title” was accepted."]


def test_the_same_change_made_meanwhile_is_not_a_conflict(personas, published_practice):
    proposal = propose(published_practice, personas["bob"], summary="Same words.")
    edit(published_practice, personas["alice"], summary="Same words.")

    practice = services.accept_proposal(proposal, user=personas["moderator"], expected_version=None)

    assert practice.current.content["summary"] == "Same words."


def test_a_true_conflict_is_refused_naming_the_fields_and_nothing_is_applied(
    personas, published_practice
):
    proposal = propose(
        published_practice, personas["bob"], summary="Bob's summary.", start_year=2009
    )
    practice = edit(
        published_practice, personas["alice"], summary="Alice's summary.", start_year=2011
    )
    before = counts()

    with pytest.raises(ValidationError) as caught:
        services.accept_proposal(proposal, user=personas["moderator"], expected_version=None)

    message = " ".join(caught.value.messages)
    assert "summary" in message and "start year" in message
    assert counts() == before
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
    assert fresh(practice).current.content["summary"] == "Alice's summary."


def test_only_moderators_accept_and_only_once(personas, published_practice):
    proposal = propose(published_practice, personas["bob"], summary="x y z")
    with pytest.raises(PermissionDenied):
        services.accept_proposal(proposal, user=personas["alice"], expected_version=None)
    services.accept_proposal(proposal, user=personas["moderator"], expected_version=None)
    with pytest.raises(ValidationError):
        services.accept_proposal(proposal, user=personas["moderator"], expected_version=None)


def test_declining_needs_a_comment_which_the_proposer_receives(personas, published_practice):
    proposal = propose(published_practice, personas["bob"], summary="Not better.")
    with pytest.raises(ValidationError) as caught:
        services.decline_proposal(proposal, user=personas["moderator"], comment="")
    assert list(caught.value.message_dict) == ["comment"]
    with pytest.raises(PermissionDenied):
        services.decline_proposal(proposal, user=personas["alice"], comment="No")

    declined = services.decline_proposal(
        proposal, user=personas["moderator"], comment="The old summary was accurate."
    )

    assert declined.status == ProposalStatus.DECLINED
    assert declined.review_comment == "The old summary was accurate."
    assert fresh(published_practice).current_id == published_practice.current_id
    assert notes(personas["bob"]) == [
        "Your edit of “Gallica reunites the manuscripts of Saint-Martial” was declined: "
        "The old summary was accurate."
    ]
    with pytest.raises(ValidationError):
        services.decline_proposal(proposal, user=personas["moderator"], comment="again")


def test_proposing_and_declining_an_edit_are_in_the_change_log(personas, published_practice):
    before = history_of(published_practice).count()
    proposal = propose(published_practice, personas["bob"], summary="Not better.")
    assert history_of(published_practice).count() == before + 1

    services.decline_proposal(proposal, user=personas["moderator"], comment="No")
    assert history_of(published_practice).count() == before + 2


# Reverts ---------------------------------------------------------------------------------------


def test_reverting_writes_a_new_revision_with_the_old_content(personas, published_practice):
    edit(published_practice, personas["alice"], title="A worse title", tags=[])
    first = Revision.objects.get(practice=published_practice, number=1)

    practice = services.revert_to(
        published_practice, first, user=personas["moderator"], reason="", expected_version=None
    )

    assert practice.current.number == 3
    assert practice.current.kind == RevisionKind.REVERT
    assert practice.current.content == first.content
    assert practice.current.message == "Back to revision 1"
    assert practice.title == first.content["title"]  # live again
    assert practice.published_id == practice.current_id
    assert Revision.objects.filter(practice=practice).count() == 3  # nothing deleted
    logged = changes_for(practice).latest("pk")
    assert logged.action == ChangeAction.REVERT
    assert logged.before["title"] == "A worse title"
    assert logged.after["title"] == first.content["title"]
    assert found("worse") == []
    assert found("Saint-Martial") == [practice.code]


def test_only_authors_and_moderators_revert_and_only_to_accepted_revisions(
    personas, published_practice, practice_content
):
    first = Revision.objects.get(practice=published_practice, number=1)
    with pytest.raises(PermissionDenied):
        services.revert_to(
            published_practice, first, user=personas["bob"], reason="", expected_version=None
        )
    proposal = propose(published_practice, personas["bob"], summary="Pending.")
    with pytest.raises(ValidationError):
        services.revert_to(
            published_practice, proposal, user=personas["alice"], reason="", expected_version=None
        )
    other = services.start_practice(practice_content(), user=personas["alice"])
    with pytest.raises(ValidationError):
        services.revert_to(other, first, user=personas["alice"], reason="", expected_version=None)


@pytest.mark.parametrize("field", ["title", "kind"])
def test_reverting_a_practice_edit_from_the_change_log_restores_it_or_is_not_offered(
    personas, published_practice, field
):
    from core.services import is_revertible, revert_change

    old = published_practice.current.content[field]
    new = {"title": "A worse title", "kind": "best-practice"}[field]
    practice = edit(published_practice, personas["alice"], **{field: new})
    change = changes_for(practice).latest("pk")
    if not is_revertible(change):
        return  # not offered on /changes/: the history page's revert_to is the way

    revert_change(change, user=personas["moderator"], reason="Undo")

    assert fresh(practice).current.content[field] == old


# Stale edits -----------------------------------------------------------------------------------


def _stale_cases(personas, practice, draft):
    moderator, alice = personas["moderator"], personas["alice"]
    first = Revision.objects.get(practice=practice, number=1)
    proposal = propose(practice, personas["bob"], summary="Proposed.")
    submitted_draft = services.submit_practice(draft, user=alice, expected_version=None)
    return {
        "edit": lambda v: services.edit_practice(
            practice, content_of(practice, title="Stale"), user=alice, reason="", expected_version=v
        ),
        "approve": lambda v: services.approve_practice(
            submitted_draft, user=moderator, expected_version=v
        ),
        "reject": lambda v: services.reject_practice(
            submitted_draft, user=moderator, comment="No", expected_version=v
        ),
        "archive": lambda v: services.archive_practice(
            practice, user=moderator, reason="", expected_version=v
        ),
        "accept": lambda v: services.accept_proposal(proposal, user=moderator, expected_version=v),
        "revert": lambda v: services.revert_to(
            practice, first, user=alice, reason="", expected_version=v
        ),
    }


@pytest.mark.parametrize("action", ["edit", "approve", "reject", "archive", "accept", "revert"])
def test_a_stale_version_is_a_conflict_and_writes_nothing(
    personas, published_practice, practice_content, action
):
    edit(published_practice, personas["alice"], title="Someone else's edit")
    draft = services.start_practice(practice_content(title="Another"), user=personas["alice"])
    run = _stale_cases(personas, published_practice, draft)[action]
    before = counts()
    versions = dict(Practice.objects.values_list("pk", "version"))

    with pytest.raises(ConflictError):
        run(1)

    assert counts() == before
    assert dict(Practice.objects.values_list("pk", "version")) == versions
    assert fresh(published_practice).title == "Someone else's edit"


def test_a_stale_submit_is_a_conflict_and_tells_nobody(personas, draft_practice):
    edit(draft_practice, personas["alice"], title="Edited meanwhile")
    before = counts()

    with pytest.raises(ConflictError):
        services.submit_practice(draft_practice, user=personas["alice"], expected_version=1)

    assert counts() == before
    assert fresh(draft_practice).status == PracticeStatus.DRAFT


# The change log --------------------------------------------------------------------------------


def test_each_step_is_logged_and_a_drafts_changes_are_not_public(personas, draft_practice):
    alice, moderator = personas["alice"], personas["moderator"]
    practice = edit(draft_practice, alice, title="Draft title")
    practice = services.submit_practice(practice, user=alice, expected_version=None)
    practice = services.reject_practice(
        practice, user=moderator, comment="Sources?", expected_version=None
    )
    practice = services.submit_practice(practice, user=alice, expected_version=None)
    practice = services.approve_practice(practice, user=moderator, expected_version=None)
    practice = edit(practice, alice, title="Published title")
    services.archive_practice(practice, user=moderator, reason="Ended", expected_version=None)

    log = list(changes_for(draft_practice).order_by("pk"))
    steps = [(c.action, c.after.get("status"), c.is_public) for c in log]
    assert steps == [
        (ChangeAction.CREATE, "draft", False),
        (ChangeAction.UPDATE, None, False),
        (ChangeAction.UPDATE, "submitted", False),
        (ChangeAction.UPDATE, "draft", False),
        (ChangeAction.UPDATE, "submitted", False),
        (ChangeAction.UPDATE, "published", True),
        (ChangeAction.UPDATE, None, True),
        (ChangeAction.UPDATE, "archived", True),
    ]
    assert log[1].before == {"title": "Gallica reunites the manuscripts of Saint-Martial"}
    assert log[1].after == {"title": "Draft title"}
    assert log[3].reason == "Sources?"
    assert [c.user for c in log] == [
        alice,
        alice,
        alice,
        moderator,
        alice,
        moderator,
        alice,
        moderator,
    ]
    assert [c.object_version for c in log] == list(range(1, 9))
    public = visible_changes(personas["bob"], changes_for(draft_practice))
    assert list(public.order_by("pk")) == log[5:]


# Comments --------------------------------------------------------------------------------------


def test_a_comment_tells_the_authors_but_not_the_commenter(personas, published_practice):
    comment = services.add_comment(
        published_practice, "  We did this in Oslo too.  ", user=personas["bob"]
    )

    assert comment.body == "We did this in Oslo too."
    assert comment.author_name == "Bob"
    assert notes(personas["alice"])[0] == (
        "Bob commented on “Gallica reunites the manuscripts of Saint-Martial”."
    )
    assert (
        Notification.objects.filter(user=personas["alice"])
        .first()
        .url.endswith(f"#comment-{comment.pk}")
    )
    services.add_comment(published_practice, "Thanks, Bob.", user=personas["alice"])
    assert len(notes(personas["alice"])) == 2  # no notification of her own comment


@pytest.mark.parametrize("body", ["", "   \n ", "x" * (services.MAX_COMMENT + 1)])
def test_an_empty_or_oversized_comment_is_refused(personas, published_practice, body):
    with pytest.raises(ValidationError) as caught:
        services.add_comment(published_practice, body, user=personas["bob"])

    assert list(caught.value.message_dict) == ["body"]
    assert not Comment.objects.exists()


def test_a_comment_of_the_maximum_length_is_accepted(personas, published_practice):
    comment = services.add_comment(
        published_practice, "x" * services.MAX_COMMENT, user=personas["bob"]
    )

    assert len(comment.body) == services.MAX_COMMENT


def test_visitors_and_outsiders_to_a_draft_cannot_comment(personas, draft_practice):
    with pytest.raises(PermissionDenied):
        services.add_comment(draft_practice, "Hello", user=None)
    with pytest.raises(PermissionDenied):
        services.add_comment(draft_practice, "Hello", user=personas["bob"])
    services.add_comment(draft_practice, "Note to self", user=personas["alice"])


def test_hiding_a_comment_needs_a_reason_and_is_logged_for_moderators_only(
    personas, published_practice
):
    comment = services.add_comment(published_practice, "Buy cheap watches", user=personas["bob"])
    with pytest.raises(ValidationError) as caught:
        services.hide_comment(comment, user=personas["moderator"], reason=" ")
    assert list(caught.value.message_dict) == ["reason"]
    with pytest.raises(PermissionDenied):
        services.hide_comment(comment, user=personas["alice"], reason="Spam")

    services.hide_comment(comment, user=personas["moderator"], reason="Spam")

    comment.refresh_from_db()
    assert comment.hidden and comment.hidden_reason == "Spam"
    assert comment.body == "Buy cheap watches"  # kept, only hidden
    logged = changes_for(comment).get()
    assert logged.reason == "Spam" and logged.user == personas["moderator"]
    assert logged.is_public is False
    assert logged in history_of(published_practice)
    assert logged not in visible_changes(personas["bob"], history_of(published_practice))
    assert logged in visible_changes(personas["moderator"], history_of(published_practice))


# Endorsements ----------------------------------------------------------------------------------


def test_a_member_endorses_once_per_kind(personas, published_practice):
    services.endorse(published_practice, EndorsementKind.USEFUL, user=personas["bob"])
    with pytest.raises(ValidationError) as caught:
        services.endorse(published_practice, EndorsementKind.USEFUL, user=personas["bob"])
    assert "You already said so." in caught.value.messages

    services.endorse(published_practice, EndorsementKind.DID_TOO, user=personas["bob"])
    services.endorse(published_practice, EndorsementKind.USEFUL, user=personas["member"])
    assert Endorsement.objects.filter(practice=published_practice).count() == 3


def test_a_member_speaks_only_for_a_library_they_contribute_for(
    personas, registry, published_practice
):
    with pytest.raises(ValidationError) as caught:
        services.endorse(
            published_practice,
            EndorsementKind.DID_TOO,
            user=personas["alice"],
            library=registry["B"],
        )
    assert list(caught.value.message_dict) == ["library"]
    with pytest.raises(ValidationError):
        services.endorse(
            published_practice,
            EndorsementKind.DID_TOO,
            user=personas["member"],
            library=registry["A"],
        )

    endorsement = services.endorse(
        published_practice, EndorsementKind.DID_TOO, user=personas["bob"], library=registry["B"]
    )
    assert endorsement.library == registry["B"]


def test_an_unknown_kind_of_endorsement_is_refused(personas, published_practice):
    with pytest.raises(ValidationError) as caught:
        services.endorse(published_practice, "love", user=personas["bob"])

    assert list(caught.value.message_dict) == ["kind"]


def test_only_members_endorse_and_only_published_practices(personas, draft_practice):
    with pytest.raises(PermissionDenied):
        services.endorse(draft_practice, EndorsementKind.USEFUL, user=personas["alice"])
    submitted = services.submit_practice(
        draft_practice, user=personas["alice"], expected_version=None
    )
    published = services.approve_practice(
        submitted, user=personas["moderator"], expected_version=None
    )
    with pytest.raises(PermissionDenied):
        services.endorse(published, EndorsementKind.USEFUL, user=None)


# Views -----------------------------------------------------------------------------------------

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def visit(practice, agent=BROWSER, address="192.0.2.10", method="get") -> bool:
    factory = RequestFactory()
    headers = {"HTTP_USER_AGENT": agent} if agent is not None else {}
    request = getattr(factory, method)("/", REMOTE_ADDR=address, **headers)
    return services.record_view(practice, request)


def test_a_view_is_counted_once_per_visitor_and_day(published_practice, monkeypatch):
    assert visit(published_practice) is True
    assert visit(published_practice) is False
    assert visit(published_practice, address="192.0.2.11") is True
    assert visit(published_practice, agent=BROWSER.replace("128", "129")) is True
    assert fresh(published_practice).view_count == 3

    tomorrow = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(services.timezone, "now", lambda: tomorrow)
    assert visit(published_practice) is True
    assert fresh(published_practice).view_count == 4


def test_the_visitor_is_stored_as_a_hash_not_an_address(published_practice):
    visit(published_practice, address="192.0.2.10")

    view = PracticeView.objects.get()
    assert "192.0.2.10" not in view.visitor and len(view.visitor) == 32


@pytest.mark.parametrize(
    "agent",
    [
        None,
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "curl/8.5.0",
        "python-requests/2.32",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php) Spider",
    ],
)
def test_bots_and_empty_user_agents_are_not_counted(published_practice, agent):
    assert visit(published_practice, agent=agent) is False
    assert fresh(published_practice).view_count == 0
    assert not PracticeView.objects.exists()


def test_a_post_is_not_a_view(published_practice):
    assert visit(published_practice, method="post") is False
    assert fresh(published_practice).view_count == 0
