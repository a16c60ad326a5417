"""One practice: its page (content, related practices, discussion), the moderation actions
(submit, approve, reject, archive), comments and endorsements."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from libraries.models import Library

from .. import facets, permissions, services
from ..choices import EndorsementKind, PracticeStatus
from ..forms import ActionForm, CommentForm, EndorseForm, HideCommentForm
from ..models import Comment, Practice
from .access import get_practice, run_action, shown_revision, sign_in
from .display import content_view

RELATED = 5


def practice_detail(request, code: str):
    practice = get_practice(request, code)
    user = request.user
    counted = (
        practice.status == PracticeStatus.PUBLISHED
        and request.method == "GET"
        and services.record_view(practice, request)
    )
    revision = shown_revision(practice)
    can_edit = permissions.can_edit(user, practice)
    response = render(
        request,
        "practices/practice_detail.html",
        {
            "practice": practice,
            "revision": revision,
            "content": content_view(revision.content, practice.kind),
            "authors": practice.authors.all(),
            "unpublished_changes": can_edit
            and practice.published_id
            and practice.current_id != practice.published_id,
            "views": practice.view_count + int(counted),
            "related": _related(practice),
            **_permissions(user, practice),
            **_discussion(user, practice),
            "action_form": ActionForm(initial={"version": practice.version}),
        },
    )
    response.counts_views = True  # never served from the public page cache: views are counted
    return response


def _permissions(user, practice: Practice) -> dict:
    can_edit = permissions.can_edit(user, practice)
    moderate = permissions.can_moderate(user, practice)
    status = practice.status
    return {
        "can_edit": can_edit,
        "can_propose": permissions.can_propose(user, practice),
        "can_submit": permissions.can_submit(user, practice) and status == PracticeStatus.DRAFT,
        "can_approve": moderate and status in (PracticeStatus.SUBMITTED, PracticeStatus.ARCHIVED),
        "can_reject": moderate and status == PracticeStatus.SUBMITTED,
        "can_archive": moderate and status == PracticeStatus.PUBLISHED,
        "can_moderate": moderate,
    }


def _discussion(user, practice: Practice) -> dict:
    """Comments, endorsement counts, who did it too, and what this member already said."""
    counts = dict(
        practice.endorsements.order_by()
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    can_endorse = permissions.can_endorse(user, practice)
    said, libraries = set(), []
    if can_endorse:
        said = set(practice.endorsements.filter(user=user).values_list("kind", flat=True))
        libraries = Library.objects.filter(
            affiliations__user=user, affiliations__status="approved"
        ).only("slug", "name")
    return {
        "comments": practice.comments.all(),
        "comment_form": CommentForm() if permissions.can_comment(user, practice) else None,
        "endorsements": [
            {"kind": kind, "label": label, "count": counts.get(kind, 0), "said": kind in said}
            for kind, label in EndorsementKind.choices
        ],
        "did_too": practice.endorsements.filter(
            kind=EndorsementKind.DID_TOO, library__isnull=False
        ).select_related("library"),
        "can_endorse": can_endorse,
        "my_libraries": libraries,
    }


def _related(practice: Practice) -> list[Practice]:
    """Up to five published practices sharing function items, libraries or countries: shared
    items weigh most, then libraries, then countries (see facets.FacetIndex.related)."""
    if not practice.published_id:
        return []
    ids = facets.current().related(practice.pk, RELATED)
    found = Practice.objects.select_related("kind").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


@require_POST
def practice_action(request, code: str, action: str):
    practice = get_practice(request, code)
    if not request.user.is_authenticated:
        return sign_in(request, practice)
    form = ActionForm(request.POST)
    form.is_valid()
    version = form.cleaned_data.get("version")
    comment = form.cleaned_data.get("comment", "")
    user = request.user
    actions = {
        "submit": lambda: services.submit_practice(practice, user=user, expected_version=version),
        "approve": lambda: services.approve_practice(
            practice, user=user, comment=comment, expected_version=version
        ),
        "reject": lambda: services.reject_practice(
            practice, user=user, comment=comment, expected_version=version
        ),
        "archive": lambda: services.archive_practice(
            practice, user=user, reason=comment, expected_version=version
        ),
    }
    if action not in actions:
        raise Http404
    done = {
        "submit": _("The practice was submitted for review. Moderators have been told."),
        "approve": _("The practice is published. Its authors have been told."),
        "reject": _("The practice was sent back to its authors with your comment."),
        "archive": _("The practice is archived."),
    }
    run_action(request, actions[action], done[action])
    return redirect(practice)


@require_POST
def comment_add(request, code: str):
    practice = get_practice(request, code)
    if not request.user.is_authenticated:
        return sign_in(request, practice)
    if not permissions.can_comment(request.user, practice):
        raise PermissionDenied(_("You cannot comment on this practice."))
    body = request.POST.get("body", "")
    run_action(
        request,
        lambda: services.add_comment(practice, body, user=request.user),
        _("Your comment was added."),
    )
    return redirect(f"{practice.get_absolute_url()}#comments")


@require_POST
def comment_hide(request, code: str, pk: int):
    practice = get_practice(request, code)
    if not request.user.is_authenticated:
        return sign_in(request, practice)
    comment = get_object_or_404(Comment, pk=pk, practice=practice)
    comment.practice = practice
    form = HideCommentForm(request.POST)
    reason = form.data.get("reason", "")
    run_action(
        request,
        lambda: services.hide_comment(comment, user=request.user, reason=reason),
        _("The comment is hidden."),
    )
    return redirect(f"{practice.get_absolute_url()}#comment-{comment.pk}")


@require_POST
def endorse(request, code: str):
    practice = get_practice(request, code)
    if not request.user.is_authenticated:
        return sign_in(request, practice)
    form = EndorseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what you want to say."))
        return redirect(practice)
    slug = form.cleaned_data["library"]
    library = get_object_or_404(Library, slug=slug) if slug else None
    run_action(
        request,
        lambda: services.endorse(
            practice, form.cleaned_data["kind"], user=request.user, library=library
        ),
        _("Thank you for saying so."),
    )
    return redirect(f"{practice.get_absolute_url()}#endorsements")
