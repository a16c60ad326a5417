"""Moderators' pages: edit the framework, publish editions, run rounds, review profiles,
download and import a whole round."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.services import ConflictError
from core.views import render_conflict
from libraries.export import csv_response, json_response

from .. import imports, permissions, queries, services
from ..choices import ProfileStatus
from ..forms import EditionForm, ImportForm, ItemForm, RoundForm
from ..models import Item, Profile


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


@login_required
def item_form(request, code: str | None = None):
    _require(
        permissions.can_edit_framework(request.user), _("Only moderators can edit the framework.")
    )
    item = get_object_or_404(Item, code=code) if code else None
    form = ItemForm(
        request.POST or None, instance=item, initial={"version": item.version} if item else {}
    )
    if request.method == "POST" and form.is_valid():
        try:
            if item:
                item = services.update_item(
                    item,
                    form.values(),
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            else:
                item = services.create_item(
                    {"code": form.cleaned_data["code"], **form.values()},
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
        except ConflictError as conflict:
            return render_conflict(
                request, conflict, form, lambda data, current: ItemForm(data, instance=current)
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, _("The item was saved. It is asked from the next published edition on.")
            )
            return redirect(item)
    return render(request, "functions/item_form.html", {"form": form, "item": item})


@login_required
def edition_publish(request):
    _require(
        permissions.can_edit_framework(request.user), _("Only moderators can publish editions.")
    )
    form = EditionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            edition = services.publish_edition(
                data["code"], data["title"], user=request.user, notes=data["notes"]
            )
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request,
                _("Edition %(code)s is published; create a round that asks it.")
                % {"code": edition.code},
            )
            return redirect("functions:round_create")
    content = services.framework_content()
    count = sum(len(a["items"]) for a in content["areas"])
    return render(request, "functions/edition_form.html", {"form": form, "count": count})


@login_required
def round_form(request, year: int | None = None):
    _require(permissions.can_manage_rounds(request.user), _("Only moderators can manage rounds."))
    round_ = get_object_or_404(queries.rounds(), year=year) if year else None
    form = RoundForm(
        request.POST or None, instance=round_, initial={"version": round_.version} if round_ else {}
    )
    if request.method == "POST" and form.is_valid():
        try:
            if round_:
                round_ = services.update_round(
                    round_,
                    {k: v for k, v in form.values().items() if k in form.changed_data},
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            else:
                round_ = services.create_round(
                    form.values(), user=request.user, reason=form.cleaned_data["reason"]
                )
        except ConflictError as conflict:
            return render_conflict(
                request, conflict, form, lambda data, current: RoundForm(data, instance=current)
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The round was saved."))
            return redirect("functions:review")
    return render(request, "functions/round_form.html", {"form": form, "round": round_})


@login_required
def review(request):
    """The moderators' queue: profiles waiting for review, and every round's state."""
    _require(permissions.can_manage_rounds(request.user), _("Only moderators review profiles."))
    waiting = (
        Profile.objects.filter(status=ProfileStatus.SUBMITTED)
        .select_related("library__country", "round")
        .order_by("submitted_at")
    )
    return render(
        request,
        "functions/review.html",
        {"waiting": waiting, "rounds": queries.rounds()},
    )


def round_export(request, year: int, fmt: str):
    """Every published profile of a round, one row per library (moderators: every profile)."""
    round_ = get_object_or_404(queries.rounds(), year=year)
    everything = permissions.can_manage_rounds(request.user) and request.GET.get("all") == "1"
    data = queries.round_answers(round_, published_only=not everything)
    rows = imports.round_rows(data)
    name = f"round-{round_.year}"
    if fmt == "csv":
        return csv_response(rows, imports.round_columns(round_), name)
    if fmt == "json":
        return json_response(
            rows, name, {"licence": "CC0 1.0", "round": round_.name, "demo_data": data.has_demo}
        )
    raise Http404


@login_required
def round_import(request, year: int):
    _require(
        permissions.can_manage_rounds(request.user), _("Only moderators can import a whole round.")
    )
    round_ = get_object_or_404(queries.rounds(), year=year)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            count = imports.import_round(round_, form.cleaned_data["file"], user=request.user)
        except imports.ImportError_ as exc:
            problems = [str(p) for p in exc.problems]
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(
                request, _("%(n)s profiles imported; publish them when checked.") % {"n": count}
            )
            return redirect("functions:review")
    return render(
        request,
        "functions/round_import.html",
        {"round": round_, "form": form, "problems": problems},
        status=400 if problems else 200,
    )
