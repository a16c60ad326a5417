"""Who may do what with the framework, rounds and profiles. Views, API and services ask here.

A library's contributors fill in its profile while the round is open and the profile is not
waiting for review; moderators may correct any profile at any time (the change is logged).
Unpublished profiles are seen only by the library's contributors and moderators.
"""

from core.permissions import is_moderator
from libraries.permissions import is_contributor_for

from .choices import ProfileStatus, RoundStatus

CONTRIBUTOR_EDITABLE = (ProfileStatus.DRAFT, ProfileStatus.RETURNED, ProfileStatus.PUBLISHED)


def can_edit_framework(user) -> bool:
    return is_moderator(user)


def can_manage_rounds(user) -> bool:
    return is_moderator(user)


def can_view_profile(user, profile) -> bool:
    return (
        profile.status == ProfileStatus.PUBLISHED
        or is_moderator(user)
        or is_contributor_for(user, profile.library)
    )


def can_see_unpublished(user, profile) -> bool:
    """Drafts, send-back comments and the log of unpublished work: editors and moderators."""
    return is_moderator(user) or is_contributor_for(user, profile.library)


def can_start_profile(user, library, round_) -> bool:
    if is_moderator(user):
        return True
    return round_.status == RoundStatus.OPEN and is_contributor_for(user, library)


def can_edit_profile(user, profile) -> bool:
    if is_moderator(user):
        return True
    return (
        not profile.is_demo  # demo answers are replaced by starting the real profile, not edited
        and profile.round.status == RoundStatus.OPEN
        and profile.status in CONTRIBUTOR_EDITABLE
        and is_contributor_for(user, profile.library)
    )


def can_submit_profile(user, profile) -> bool:
    return can_edit_profile(user, profile) and profile.status in (
        ProfileStatus.DRAFT,
        ProfileStatus.RETURNED,
    )


def can_review_profile(user, profile) -> bool:
    return is_moderator(user)


def can_delete_profile(user, profile) -> bool:
    return is_moderator(user)


def visible_profiles(user, queryset):
    """The profiles of `queryset` this user may see."""
    from django.db.models import Q

    if is_moderator(user):
        return queryset
    published = Q(status=ProfileStatus.PUBLISHED)
    if not getattr(user, "is_authenticated", False):
        return queryset.filter(published)
    own = Q(library__affiliations__user=user, library__affiliations__status="approved")
    return queryset.filter(published | own).distinct()
