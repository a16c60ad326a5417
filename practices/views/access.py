"""Fetching a practice and its revisions as this user may see them (404 otherwise), the sign-in
page for a write when signed out, and running a write with its message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from core.services import ConflictError

from .. import permissions
from ..choices import ProposalStatus
from ..models import Practice, Revision

PUBLIC = permissions.PUBLIC


def get_practice(request, code: str) -> Practice:
    """The practice if this user may see it (404 otherwise), with its authors read once."""
    practice = get_object_or_404(
        Practice.objects.select_related("kind", "current", "published").prefetch_related("authors"),
        code=code,
    )
    practice._author_ids = {a.pk for a in practice.authors.all()}
    if not permissions.can_view(request.user, practice):
        raise Http404
    return practice


def visible_revisions(user, practice: Practice):
    """The revisions this user may see: editors all of them; others the accepted ones up to the
    published one, and their own proposals."""
    revisions = practice.revisions.all()
    if permissions.can_edit(user, practice):
        return revisions
    shown = Q(status=ProposalStatus.ACCEPTED)
    if practice.published_id:
        shown &= Q(number__lte=practice.published.number)
    if permissions.is_member(user):
        shown |= Q(created_by=user)
    return revisions.filter(shown)


def shown_revision(practice: Practice) -> Revision:
    """What the practice page shows: the published revision, or the working copy of a draft."""
    if practice.published_id and practice.status in PUBLIC:
        return practice.published
    return practice.current


def sign_in(request, practice: Practice):
    return redirect_to_login(practice.get_absolute_url())


def run_action(request, action, success: str) -> bool:
    try:
        action()
    except ConflictError:
        messages.error(request, _("Someone changed this practice meanwhile; look again first."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
        return True
    return False
