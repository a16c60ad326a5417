"""A practice's history: the revisions, one revision, comparing two, and the decisions on a
revision (accepting or declining a proposed edit, reverting to an earlier revision)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import permissions, services, views
from ..choices import ProposalStatus, RevisionKind
from ..forms import ActionForm
from ..models import Practice, Revision
from .access import get_practice, run_action, sign_in, visible_revisions
from .display import content_view, field_changes


def practice_history(request, code: str):
    practice = get_practice(request, code)
    user = request.user
    revisions = visible_revisions(user, practice).select_related("based_on")
    page = Paginator(revisions, views.PER_PAGE).get_page(request.GET.get("page"))
    can_edit = permissions.can_edit(user, practice)
    return render(
        request,
        "practices/practice_history.html",
        {
            "practice": practice,
            "page": page,
            "revertible": {r.pk for r in page if can_edit and _revertible(practice, r)},
            "draft_differs": can_edit
            and practice.published_id
            and practice.current_id != practice.published_id,
            "action_form": ActionForm(initial={"version": practice.version}),
        },
    )


def _revertible(practice: Practice, revision: Revision) -> bool:
    """Only a revision that was once the working copy can be gone back to (a proposal's own
    snapshot never was: what was applied is the merged revision after it)."""
    return (
        revision.status == ProposalStatus.ACCEPTED
        and revision.kind != RevisionKind.PROPOSAL
        and revision.pk != practice.current_id
    )


def revision_detail(request, code: str, number: int):
    practice = get_practice(request, code)
    user = request.user
    revision = get_object_or_404(
        visible_revisions(user, practice).select_related("based_on", "reviewed_by"), number=number
    )
    moderate = permissions.can_moderate(user, practice)
    pending = revision.status == ProposalStatus.PENDING
    return render(
        request,
        "practices/revision_detail.html",
        {
            "practice": practice,
            "revision": revision,
            "content": content_view(revision.content, practice.kind),
            "is_current": revision.pk == practice.current_id,
            "is_published": revision.pk == practice.published_id,
            "can_decide": moderate and pending,
            "can_revert": permissions.can_edit(user, practice) and _revertible(practice, revision),
            "changes": field_changes(
                revision.based_on.content if revision.based_on else {}, revision.content
            )
            if revision.kind == RevisionKind.PROPOSAL
            else None,
            "action_form": ActionForm(initial={"version": practice.version}),
        },
    )


@require_POST
def revision_action(request, code: str, number: int, action: str):
    practice = get_practice(request, code)
    if not request.user.is_authenticated:
        return sign_in(request, practice)
    revision = get_object_or_404(visible_revisions(request.user, practice), number=number)
    form = ActionForm(request.POST)
    form.is_valid()
    version = form.cleaned_data.get("version")
    comment = form.cleaned_data.get("comment", "")
    user = request.user
    actions = {
        "accept": lambda: services.accept_proposal(
            revision, user=user, comment=comment, expected_version=version
        ),
        "decline": lambda: services.decline_proposal(revision, user=user, comment=comment),
        "revert": lambda: services.revert_to(
            practice, revision, user=user, reason=comment, expected_version=version
        ),
    }
    if action not in actions:
        raise Http404
    done = {
        "accept": _("The proposed edit was applied. Its author has been told."),
        "decline": _("The proposed edit was declined. Its author has been told why."),
        "revert": _("Revision %(n)s is the working copy again (as a new revision).")
        % {"n": number},
    }
    if not run_action(request, actions[action], done[action]) or action == "decline":
        return redirect(revision.get_absolute_url())
    if action == "accept":
        return redirect(practice)
    return redirect("practices:history", code=code)


def revision_compare(request, code: str):
    practice = get_practice(request, code)
    revisions = visible_revisions(request.user, practice)
    b = _revision_number(request.GET.get("b")) or (
        practice.current.number if practice.current else 0
    )
    newer = get_object_or_404(revisions, number=b)
    a = _revision_number(request.GET.get("a"))
    if a is None:
        older = revisions.filter(number__lt=b).order_by("-number").first()
        if older is None:
            raise Http404
    else:
        older = get_object_or_404(revisions, number=a)
    return render(
        request,
        "practices/revision_compare.html",
        {
            "practice": practice,
            "a": older,
            "b": newer,
            "changes": field_changes(older.content, newer.content),
            "choices": revisions.only(
                "practice_id", "number", "kind", "status", "created_at", "author_name"
            ),
        },
    )


def _revision_number(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
