"""A library's profile for a round: reading it, filling it in area by area, review, history,
CSV download and import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from core.services import ConflictError, history_of, is_revertible, reverted_ids
from libraries.export import csv_response, json_response
from libraries.models import Library

from .. import charts, imports, permissions, queries, services, similarity
from ..forms import ImportForm, ProfileAreaForm, ReviewForm
from ..models import Profile, Round

PER_PAGE = 50
CONFLICT_MESSAGE = _lazy(
    "Someone saved this profile while you were editing. Nothing you typed is lost: check what "
    "changed below, then save again."
)


def _library_and_round(slug: str, year: int) -> tuple[Library, Round]:
    library = get_object_or_404(Library.objects.select_related("country__region"), slug=slug)
    round_ = get_object_or_404(queries.rounds(), year=year)
    return library, round_


def _profile(request, library, round_) -> Profile | None:
    """The profile if this user may see it; None when there is none; 404 when hidden."""
    profile = (
        Profile.objects.select_related("round__edition", "library__country", "reviewed_by")
        .filter(library=library, round=round_)
        .first()
    )
    if profile is not None and not permissions.can_view_profile(request.user, profile):
        return None
    return profile


def _areas_with_answers(profile: Profile | None, round_: Round):
    answers = profile.answer_map() if profile else {}
    areas = []
    for area, items in queries.framework_areas(round_):
        rows = [(item, answers.get(item.code) or {}) for item in items]
        answered = sum(1 for _item, a in rows if a.get("value"))
        areas.append({"area": area, "rows": rows, "answered": answered, "total": len(rows)})
    return areas


def profile_detail(request, slug: str, year: int):
    library, round_ = _library_and_round(slug, year)
    profile = _profile(request, library, round_)
    areas = _areas_with_answers(profile, round_)
    user = request.user
    return render(
        request,
        "functions/profile_detail.html",
        {
            "library": library,
            "round": round_,
            "profile": profile,
            "areas": areas,
            "coverage": _coverage_chart(areas, library),
            "other_rounds": permissions.visible_profiles(
                user, Profile.objects.filter(library=library).exclude(round=round_)
            ).select_related("round"),
            "can_start": (profile is None or profile.is_demo)
            and permissions.can_start_profile(user, library, round_),
            "can_edit": bool(profile) and permissions.can_edit_profile(user, profile),
            "can_submit": bool(profile) and permissions.can_submit_profile(user, profile),
            "can_review": bool(profile) and permissions.can_review_profile(user, profile),
            "review_form": ReviewForm(initial={"version": profile.version if profile else None}),
            "import_form": ImportForm(initial={"version": profile.version if profile else None}),
        },
    )


def _coverage_chart(areas, library) -> str:
    rows = [
        (
            a["area"].code,
            a["area"].label,
            a["answered"] / a["total"] if a["total"] else 0,
            _("%(n)s of %(total)s answered") % {"n": a["answered"], "total": a["total"]},
        )
        for a in areas
    ]
    return charts.coverage_bars(
        rows,
        title=_("Answered items per area"),
        desc=_("Share of each area's items that %(library)s answered.") % {"library": library},
        empty=_("No data"),
    )


@login_required
@require_POST
def profile_start(request, slug: str, year: int):
    library, round_ = _library_and_round(slug, year)
    try:
        services.start_profile(library, round_, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("functions:profile", slug=slug, year=year)


def _editable_profile(request, slug, year) -> Profile:
    library, round_ = _library_and_round(slug, year)
    profile = _profile(request, library, round_)
    if profile is None:
        raise Http404
    if not permissions.can_edit_profile(request.user, profile):
        raise PermissionDenied(_("You may not edit this profile now."))
    return profile


@login_required
def profile_edit(request, slug: str, year: int, area: str):
    profile = _editable_profile(request, slug, year)
    areas = _areas_with_answers(profile, profile.round)
    current = next((a for a in areas if a["area"].code == area), None)
    if current is None:
        raise Http404
    items = [item for item, _answer in current["rows"]]
    form = ProfileAreaForm(
        request.POST or None,
        items=items,
        answers=profile.answer_map(),
        initial={"version": profile.version},
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.save_answers(
                profile,
                form.answers(),
                user=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as exc:
            conflict = exc.changes_since().select_related("content_type")
            form = _resubmit(request, items, form, exc)
            messages.error(request, CONFLICT_MESSAGE)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, _("The answers of %(area)s were saved.") % {"area": current["area"]}
            )
            return redirect(_next_area(profile, areas, area, request.POST.get("next")))
    return render(
        request,
        "functions/profile_edit.html",
        {
            "profile": profile,
            "library": profile.library,
            "round": profile.round,
            "areas": areas,
            "current": current,
            "form": form,
            "conflict": conflict,
        },
        status=409 if conflict is not None else 200,
    )


def _resubmit(request, items, typed: ProfileAreaForm, conflict: ConflictError) -> ProfileAreaForm:
    """The form again, on top of the current version: what this editor changed from the version
    they started from is kept; everything else takes the values saved meanwhile, so saving again
    does not undo the other person's work."""
    current = conflict.current
    current._answers = None
    now = current.snapshot()
    started = dict(now)
    for change in conflict.changes_since().order_by("-id"):  # newest first, back to the start
        started.update(change.before or {})
    mine = typed.answers()
    data = request.POST.copy()
    data["version"] = current.version
    for item in items:
        for part, key in _SNAPSHOT_PARTS:
            field = f"{item.code}-{part}"
            if _same(mine[item.code].get(part), started.get(f"{key}:{item.code}")):
                value = now.get(f"{key}:{item.code}") or ""
                values = (
                    value.split(";") if part == "value" and item.answer_type == "multi" else [value]
                )
                data.setlist(field, [v for v in values if v] or [""])
    form = ProfileAreaForm(data, items=items, answers=current.answer_map())
    form.is_valid()
    return form


_SNAPSHOT_PARTS = (
    ("value", "answer"),
    ("note", "note"),
    ("source_url", "source"),
    ("since", "since"),
)


def _same(typed, stored) -> bool:
    return str(typed or "").strip() == str(stored or "").strip()


def _next_area(profile, areas, code, wanted) -> str:
    codes = [a["area"].code for a in areas]
    if wanted == "next" and code in codes and codes.index(code) + 1 < len(codes):
        following = codes[codes.index(code) + 1]
        return f"{profile.get_absolute_url()}edit/{following}/"
    return profile.get_absolute_url()


@login_required
@require_POST
def profile_action(request, slug: str, year: int, action: str):
    library, round_ = _library_and_round(slug, year)
    profile = _profile(request, library, round_)
    if profile is None:
        raise Http404
    form = ReviewForm(request.POST)
    form.is_valid()
    version = form.cleaned_data.get("version")
    comment = form.cleaned_data.get("comment", "")
    actions = {
        "submit": lambda: services.submit_profile(
            profile, user=request.user, expected_version=version
        ),
        "publish": lambda: services.publish_profile(
            profile, user=request.user, expected_version=version, comment=comment
        ),
        "return": lambda: services.return_profile(
            profile, user=request.user, comment=comment, expected_version=version
        ),
        "copy": lambda: services.copy_previous_answers(
            profile, user=request.user, expected_version=version
        ),
    }
    if action not in actions:
        raise Http404
    try:
        done = actions[action]()
    except ConflictError:
        messages.error(
            request, _("Someone changed this profile meanwhile; look again before you act.")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _action_message(action, done))
    return redirect("functions:profile", slug=slug, year=year)


def _action_message(action: str, done) -> str:
    if action == "copy":
        return _("%(n)s answers were copied from the previous round; check them and save.") % {
            "n": done
        }
    return {
        "submit": _("The profile was submitted for review. Moderators have been told."),
        "publish": _("The profile is published."),
        "return": _("The profile was sent back to its contributors."),
    }[action]


def profile_history(request, slug: str, year: int):
    library, round_ = _library_and_round(slug, year)
    profile = _profile(request, library, round_)
    if profile is None:
        raise Http404
    changes = history_of(profile).select_related("content_type", "user")
    if not permissions.can_see_unpublished(request.user, profile):
        changes = changes.filter(is_public=True)
    page = Paginator(changes, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "functions/profile_history.html",
        {
            "profile": profile,
            "library": library,
            "round": round_,
            "page": page,
            "revertible": {c.pk for c in page if is_revertible(c)} - reverted_ids(page),
        },
    )


def profile_export(request, slug: str, year: int, fmt: str):
    library, round_ = _library_and_round(slug, year)
    profile = _profile(request, library, round_)
    if profile is None or fmt not in ("csv", "json"):
        raise Http404
    rows = imports.profile_rows(profile)
    name = f"profile-{library.slug}-{round_.year}"
    if fmt == "csv":
        return csv_response(rows, imports.PROFILE_COLUMNS, name)
    meta = {"licence": "CC0 1.0", "status": profile.status, "demo_data": profile.is_demo}
    return json_response(rows, name, meta)


@login_required
def profile_import(request, slug: str, year: int):
    profile = _editable_profile(request, slug, year)
    form = ImportForm(
        request.POST or None, request.FILES or None, initial={"version": profile.version}
    )
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            saved = imports.import_profile(
                profile,
                form.cleaned_data["file"],
                user=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError:
            problems = [_("Someone saved this profile meanwhile; nothing was imported. Try again.")]
        except imports.ImportError_ as exc:
            problems = [str(p) for p in exc.problems]
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(request, _("%(n)s answers imported.") % {"n": saved})
            return redirect(profile)
    return render(
        request,
        "functions/profile_import.html",
        {
            "profile": profile,
            "library": profile.library,
            "round": profile.round,
            "form": form,
            "problems": problems,
        },
        status=400 if problems else 200,
    )


def peers_panel(library: Library, round_: Round | None) -> dict | None:
    """For the library page: nearest peers and cluster in the round."""
    found = similarity.peers_of(library, round_)
    if found is None:
        return None
    result, peers, cluster = found
    return {"round": round_, "peers": peers, "cluster": cluster, "demo": result.has_demo}
