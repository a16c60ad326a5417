"""Who may do what with practices. Views, API and services all ask here.

Drafts are seen by their authors and moderators only; published and archived practices by
everyone. Authors and moderators edit directly; other members propose edits.
"""

from core.permissions import is_moderator
from libraries.permissions import is_contributor_for

from .choices import PracticeStatus

PUBLIC = (PracticeStatus.PUBLISHED, PracticeStatus.ARCHIVED)


def is_member(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def is_author(user, practice) -> bool:
    if not is_member(user):
        return False
    ids = getattr(practice, "_author_ids", None)
    if ids is None:
        ids = set(practice.authors.values_list("pk", flat=True))
        practice._author_ids = ids
    return user.pk in ids


def can_view(user, practice) -> bool:
    return practice.status in PUBLIC or is_moderator(user) or is_author(user, practice)


def can_start(user) -> bool:
    return is_moderator(user) or is_member(user)


def can_edit(user, practice) -> bool:
    return is_moderator(user) or is_author(user, practice)


def can_submit(user, practice) -> bool:
    return can_edit(user, practice)


def can_moderate(user, practice=None) -> bool:
    return is_moderator(user)


def can_propose(user, practice) -> bool:
    return is_member(user) and practice.status in PUBLIC and not can_edit(user, practice)


def can_comment(user, practice) -> bool:
    return is_member(user) and can_view(user, practice)


def can_endorse(user, practice) -> bool:
    return is_member(user) and practice.status == PracticeStatus.PUBLISHED


def works_at(user, library) -> bool:
    return is_contributor_for(user, library)


def visible_practices(user, queryset):
    if is_moderator(user):
        return queryset
    from django.db.models import Q

    public = Q(status__in=PUBLIC)
    if not is_member(user):
        return queryset.filter(public)
    return queryset.filter(public | Q(authors=user)).distinct()
