"""The member's own practices and proposals, the moderators' review queue, and importing
practices from a JSON or CSV file (moderators)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import permissions, services
from ..choices import PracticeStatus, ProposalStatus, RevisionKind
from ..forms import ImportForm, KindForm
from ..models import Kind, Practice, Revision

PUBLIC = permissions.PUBLIC


@login_required
def my_practices(request):
    user = request.user
    mine = Practice.objects.filter(authors=user).select_related("kind", "current")
    return render(
        request,
        "practices/mine.html",
        {
            "drafts": mine.filter(status=PracticeStatus.DRAFT),
            "submitted": mine.filter(status=PracticeStatus.SUBMITTED),
            "published": mine.filter(status__in=PUBLIC),
            "proposals": Revision.objects.filter(created_by=user, kind=RevisionKind.PROPOSAL)
            .select_related("practice")
            .order_by("-created_at"),
        },
    )


@login_required
def review_queue(request):
    if not permissions.can_moderate(request.user):
        raise PermissionDenied(_("Only moderators review practices."))
    return render(
        request,
        "practices/review.html",
        {
            "submitted": Practice.objects.filter(status=PracticeStatus.SUBMITTED)
            .select_related("kind", "current")
            .order_by("submitted_at", "pk"),
            "proposals": Revision.objects.filter(
                kind=RevisionKind.PROPOSAL, status=ProposalStatus.PENDING
            )
            .select_related("practice")
            .order_by("created_at"),
        },
    )


@login_required
def practice_import(request):
    from .. import exchange

    if not permissions.can_moderate(request.user):
        raise PermissionDenied(_("Only moderators import practices."))
    form = ImportForm(request.POST or None, request.FILES or None)
    problems, imported = [], []
    if request.method == "POST" and form.is_valid():
        try:
            records = exchange.read_upload(form.cleaned_data["file"], form.cleaned_data["fmt"])
            imported = exchange.import_records(records, user=request.user)
        except ValidationError as exc:
            problems = _problems(exc)
        else:
            messages.success(request, _("%(n)s practices were imported.") % {"n": len(imported)})
    return render(
        request,
        "practices/import.html",
        {"form": form, "problems": problems, "imported": imported},
        status=400 if problems or form.errors else 200,
    )


def _problems(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return exc.messages
    return [
        message if key == "__all__" else f"{key}: {message}"
        for key, messages_ in exc.message_dict.items()
        for message in messages_
    ]


@login_required
def kinds(request):
    """The kinds of practice; moderators add new ones."""
    if not permissions.can_moderate(request.user):
        raise PermissionDenied(_("Only moderators manage the kinds of practice."))
    form = KindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_kind(
                data["slug"],
                data["name"],
                user=request.user,
                translations={"fr": data["name_fr"]} if data["name_fr"] else {},
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The kind of practice was added."))
            return redirect("practices:kinds")
    return render(
        request,
        "practices/kinds.html",
        {"form": form, "kinds": Kind.objects.annotate(n=Count("practices"))},
    )
