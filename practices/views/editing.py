"""Starting a practice, editing it directly (authors and moderators) or proposing an edit
(other members), previewing before saving, and the conflict page when someone saved meanwhile."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.services import ConflictError

from .. import permissions, services
from ..choices import ProposalStatus, RevisionKind
from ..content import FIELDS, clean_content, empty_content
from ..forms import PracticeForm, as_text
from ..models import Kind, Practice
from .access import get_practice, shown_revision, visible_revisions
from .display import content_view, display, field_changes, language_choices


@login_required
def practice_create(request):
    if not permissions.can_start(request.user):
        raise PermissionDenied(_("Sign in with a confirmed e-mail address to start a practice."))
    return _content_form(request, None, direct=True)


@login_required
def practice_edit(request, code: str):
    practice = get_practice(request, code)
    direct = permissions.can_edit(request.user, practice)
    if not direct and not permissions.can_propose(request.user, practice):
        raise PermissionDenied(_("This practice cannot be edited now."))
    return _content_form(request, practice, direct=direct)


def _form(request, data, initial) -> PracticeForm:
    kinds = [(k.slug, str(k)) for k in Kind.objects.all()]
    return PracticeForm(data, initial=initial, kinds=kinds, languages=language_choices())


def _content_form(request, practice: Practice | None, *, direct: bool):
    # A proposal starts from what its author can read: the published copy, never the authors'
    # unpublished working copy.
    current = None
    if practice is not None:
        current = practice.current if direct else shown_revision(practice)
    content = current.content if current else {**empty_content(), "language": "en"}
    initial = PracticeForm.initial_for(
        content,
        version=practice.version if practice else None,
        base=current.number if current else None,
    )
    form = _form(request, request.POST or None, initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = _preview(form, practice)
        else:
            try:
                return _save(request, practice, form, direct)
            except ConflictError as conflict:
                return _conflict(request, practice, form, conflict)
            except ValidationError as exc:
                form.add_service_errors(exc)
    return render(
        request,
        "practices/practice_form.html",
        {"practice": practice, "form": form, "direct": direct, "preview": preview},
        status=400 if form.errors and preview is None else 200,
    )


def _preview(form: PracticeForm, practice: Practice | None) -> dict:
    """The page as it would look, without saving; the checks run so errors show now too."""
    typed = form.content()
    try:
        content = clean_content(typed, services.references())
    except ValidationError as exc:
        form.add_service_errors(exc)
        # Show what was typed, as far as it can be shown unchecked.
        unshown = ("scale_items", "scale_holders", "iiif")
        content = {**empty_content(), **{k: v for k, v in typed.items() if k not in unshown}}
    return content_view(content, practice.kind if practice else None)


def _save(request, practice: Practice | None, form: PracticeForm, direct: bool):
    user, data = request.user, form.content()
    reason = form.cleaned_data["reason"]
    version = form.cleaned_data["version"]
    if practice is None:
        saved = services.start_practice(data, user=user, reason=reason)
        messages.success(
            request,
            _("Your draft is saved. Only you and the moderators see it until it is published."),
        )
        return redirect(saved)
    if direct:
        services.edit_practice(practice, data, user=user, reason=reason, expected_version=version)
        messages.success(request, _("Your changes were saved."))
        return redirect(practice)
    # Only what the member changed from the revision they started from is their proposal, so
    # accepting it does not undo what was saved meanwhile.
    base = form.cleaned_data.get("base")
    started = visible_revisions(user, practice).filter(number=base).first() if base else None
    proposal = services.propose_edit(practice, data, user=user, reason=reason, based_on=started)
    messages.success(
        request,
        _("Thank you: your edit was sent to the moderators, who will review it before it appears."),
    )
    return redirect(proposal)


def _conflict(request, practice: Practice, form: PracticeForm, conflict: ConflictError):
    """Someone saved meanwhile: show what changed and the form again on top of the current
    copy. The fields this editor changed from the revision they started from keep what they
    typed; the other fields take the values saved meanwhile, so saving again does not undo the
    other person's work."""
    current = Practice.objects.select_related("current", "kind").get(pk=practice.pk)
    now = current.current.content
    base = form.cleaned_data.get("base")
    started_from = practice.revisions.filter(number=base).first() if base else None
    started = started_from.content if started_from else {}
    data = request.POST.copy()
    data["version"], data["base"] = current.version, current.current.number
    data.pop("preview", None)
    rows = []
    for name in FIELDS:
        typed = form.cleaned_data.get(name) or ""
        if _same(typed, as_text(name, started.get(name))):
            data[name] = as_text(name, now.get(name))
        elif not _same(typed, as_text(name, now.get(name))):
            rows.append(
                {"label": FIELDS[name], "yours": typed, "theirs": display(name, now.get(name))}
            )
    resubmit = _form(request, data, None)
    resubmit.is_valid()
    return render(
        request,
        "practices/conflict.html",
        {
            "practice": current,
            "rows": rows,
            "changes": field_changes(started, now) if started else [],
            "revisions": current.revisions.filter(
                number__gt=base or 0, status=ProposalStatus.ACCEPTED
            ).exclude(kind=RevisionKind.PROPOSAL),
            "form": resubmit,
            "direct": permissions.can_edit(request.user, current),
        },
        status=409,
    )


def _same(typed: str, stored: str) -> bool:
    def norm(text):
        return "\n".join(line.strip() for line in str(text).strip().splitlines() if line.strip())

    return norm(typed) == norm(stored)
