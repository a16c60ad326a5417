"""Pages of the registry: list, one library, map, and the moderators' and contributors' edits."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from core.services import ConflictError, history_of, is_revertible, reverted_ids
from core.views import render_conflict

from . import maps, permissions, services
from .choices import RegionLevel
from .export import LIBRARY_COLUMNS, csv_response, json_response, library_row
from .filters import LibraryFilterSet
from .forms import LibraryForm, MembershipForm, NewLibraryForm, OrganisationForm, VerifyFactsForm
from .models import Library, Membership, Organisation, Region, fact_label

PER_PAGE = 50
DATA_LICENCE = "CC0 1.0"


def library_queryset():
    return Library.objects.select_related(
        "country__region", "country__subregion", "country__intermediate_region"
    ).prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("organisation"))
    )


def get_library(slug: str) -> Library:
    return get_object_or_404(library_queryset(), slug=slug)


def library_list(request):
    filterset = LibraryFilterSet(request.GET or None, queryset=library_queryset())
    if request.GET and not filterset.is_valid():
        messages.error(request, _("Some filters were not understood and are ignored."))
    libraries = filterset.qs
    page = Paginator(libraries, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "libraries/library_list.html",
        {
            "filter": filterset,
            "page": page,
            "total": page.paginator.count,
            "region_counts": _region_counts(libraries),
            "query": request.GET.copy(),
            "can_create": permissions.can_create_library(request.user),
        },
    )


def _region_counts(libraries) -> list[tuple[Region, int]]:
    counts = dict(
        libraries.order_by()
        .values_list("country__region")
        .annotate(n=Count("id"))
        .values_list("country__region", "n")
    )
    regions = Region.objects.filter(level=RegionLevel.REGION)
    return [(region, counts.get(region.code, 0)) for region in regions]


def library_export(request, fmt: str):
    if fmt not in ("csv", "json"):
        raise Http404
    filterset = LibraryFilterSet(request.GET or None, queryset=library_queryset())
    rows = [library_row(lib, settings.SITE_URL) for lib in filterset.qs]
    if fmt == "csv":
        return csv_response(rows, LIBRARY_COLUMNS, "national-libraries")
    meta = {
        "licence": DATA_LICENCE,
        "source": settings.SITE_URL,
        "filters": {k: v for k, v in request.GET.items() if k != "page"},
    }
    return json_response(rows, "national-libraries", meta)


def library_detail(request, slug: str):
    library = get_library(slug)
    facts = [
        {
            "key": fact,
            "label": fact_label(fact),
            "status": library.fact_status(fact),
            "source": library.fact_source(fact),
        }
        for fact in Library.FACTS
        if fact in library.facts
    ]
    user = request.user
    return render(
        request,
        "libraries/library_detail.html",
        {
            "library": library,
            "facts": facts,
            "facts_by_key": {f["key"]: f for f in facts},
            "place_map": maps.library_map(library),
            "recent_changes": history_of(library).select_related("content_type")[:5],
            "can_edit": permissions.can_edit_library(user, library),
            "can_verify": permissions.can_verify_facts(user, library),
            "can_manage_memberships": permissions.can_manage_memberships(user, library),
            "can_request": account_permissions.can_request_affiliation(user, library),
            **_functions_panel(user, library),
        },
    )


def _functions_panel(user, library: Library) -> dict:
    """The library's profiles and its nearest peers, from the functions app."""
    from functions.permissions import visible_profiles
    from functions.queries import latest_round
    from functions.views.profiles import peers_panel

    profiles = visible_profiles(user, library.profiles.select_related("round"))
    round_ = latest_round()
    return {
        "function_profiles": profiles,
        "latest_round": round_,
        "peers": peers_panel(library, round_),
    }


def library_map(request):
    colour = request.GET.get("colour", "region")
    organisation = None
    if colour == "organisation":
        organisation = Organisation.objects.filter(slug=request.GET.get("organisation")).first()
        if organisation is None:
            messages.error(request, _("Choose an organisation to colour the map by."))
            colour = "region"
    return render(
        request,
        "libraries/library_map.html",
        {
            "map_html": maps.libraries_map_html(request, colour, organisation),
            "colour": colour,
            "organisation": organisation,
            "organisations": Organisation.objects.all(),
        },
    )


@login_required
def library_create(request):
    if not permissions.can_create_library(request.user):
        raise PermissionDenied(_("Only moderators can add libraries."))
    form = NewLibraryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "reason")}
        try:
            library = services.create_library(
                data, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The library was added."))
            return redirect(library)
    return render(request, "libraries/library_form.html", {"form": form, "library": None})


@login_required
def library_edit(request, slug: str):
    library = get_library(slug)
    allowed = permissions.editable_fields(request.user, library)
    if not allowed:
        raise PermissionDenied(_("Only this library's contributors and moderators can edit it."))
    form = LibraryForm(
        request.POST or None,
        instance=library,
        allowed_fields=allowed,
        initial={"version": library.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_library(
                library,
                form.changed_values(),
                user=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as conflict:
            return render_conflict(
                request,
                conflict,
                form,
                lambda data, current: LibraryForm(data, instance=current, allowed_fields=allowed),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(library)
    return render(request, "libraries/library_form.html", {"form": form, "library": library})


@login_required
def library_verify(request, slug: str):
    library = get_library(slug)
    if not permissions.can_verify_facts(request.user, library):
        raise PermissionDenied(_("Only moderators can verify facts."))
    form = VerifyFactsForm(
        request.POST or None, library=library, initial={"version": library.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.verify_facts(
                library,
                form.cleaned_data["facts"],
                user=request.user,
                reason=form.cleaned_data["reason"],
                source=form.cleaned_data["source"],
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError:
            messages.error(request, _("Someone changed this library meanwhile; check again."))
            return redirect("libraries:verify", slug=slug)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The facts are marked verified."))
            return redirect(library)
    return render(request, "libraries/library_verify.html", {"form": form, "library": library})


def library_history(request, slug: str):
    library = get_library(slug)
    changes = history_of(library).select_related("content_type", "user")
    page = Paginator(changes, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "libraries/library_history.html",
        {
            "library": library,
            "page": page,
            "revertible": {c.pk for c in page if is_revertible(c)} - reverted_ids(page),
        },
    )


@login_required
def membership_add(request, slug: str):
    library = get_library(slug)
    if not permissions.can_manage_memberships(request.user, library):
        raise PermissionDenied(_("Only moderators can change memberships."))
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_membership(
                library,
                data["organisation"],
                user=request.user,
                status=data["status"],
                role=data["role"],
                note=data["note"],
                source=data["source"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The membership was added."))
            return redirect(library)
    return render(request, "libraries/membership_form.html", {"form": form, "library": library})


@login_required
def membership_edit(request, slug: str, pk: int):
    library = get_library(slug)
    membership = get_object_or_404(
        Membership.objects.select_related("organisation"), pk=pk, library=library
    )
    if not permissions.can_manage_memberships(request.user, library):
        raise PermissionDenied(_("Only moderators can change memberships."))
    form = MembershipForm(
        request.POST or None, instance=membership, initial={"version": membership.version}
    )
    if request.method == "POST" and "remove" in request.POST:
        return _membership_remove(request, membership, library)
    if request.method == "POST" and form.is_valid():
        values = {
            k: form.cleaned_data[k] for k in form.changed_data if k not in ("version", "reason")
        }
        try:
            services.update_membership(
                membership,
                values,
                user=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError:
            messages.error(request, _("Someone changed this membership meanwhile; check again."))
            return redirect("libraries:membership_edit", slug=slug, pk=pk)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The membership was updated."))
            return redirect(library)
    return render(
        request,
        "libraries/membership_form.html",
        {
            "form": form,
            "library": library,
            "membership": membership,
        },
    )


def _membership_remove(request, membership, library):
    try:
        services.remove_membership(
            membership, user=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("libraries:membership_edit", slug=library.slug, pk=membership.pk)
    messages.success(request, _("The membership was removed."))
    return redirect(library)


# Organisations -----------------------------------------------------------------------------


def organisation_list(request):
    organisations = Organisation.objects.annotate(n=Count("memberships"))
    return render(
        request,
        "libraries/organisation_list.html",
        {
            "organisations": organisations,
            "can_create": permissions.can_edit_organisation(request.user),
        },
    )


def organisation_detail(request, slug: str):
    organisation = get_object_or_404(Organisation, slug=slug)
    memberships = organisation.memberships.select_related("library__country").order_by(
        "library__name"
    )
    page = Paginator(memberships, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "libraries/organisation_detail.html",
        {
            "organisation": organisation,
            "memberships": page,
            "page": page,
            "can_edit": permissions.can_edit_organisation(request.user, organisation),
        },
    )


@login_required
def organisation_form(request, slug: str | None = None):
    organisation = get_object_or_404(Organisation, slug=slug) if slug else None
    if not permissions.can_edit_organisation(request.user, organisation):
        raise PermissionDenied(_("Only moderators can edit organisations."))
    initial = {"version": organisation.version} if organisation else {}
    form = OrganisationForm(request.POST or None, instance=organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if organisation:
                organisation = services.update_organisation(
                    organisation,
                    form.changed_values(),
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            else:
                data = {
                    k: v for k, v in form.cleaned_data.items() if k not in ("version", "reason")
                }
                organisation = services.create_organisation(
                    data, user=request.user, reason=form.cleaned_data["reason"]
                )
        except ConflictError as conflict:
            return render_conflict(
                request,
                conflict,
                form,
                lambda data, current: OrganisationForm(data, instance=current),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The organisation was saved."))
            return redirect(organisation)
    return render(
        request,
        "libraries/organisation_form.html",
        {
            "form": form,
            "organisation": organisation,
        },
    )
