"""Home, health check, the site-wide change list and its feed, and error pages."""

import copy

from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from libraries import maps
from libraries.models import Country, Library, Organisation

from . import services
from .cache import data_version
from .filters import ChangeFilterSet
from .models import Change

CHANGES_PER_PAGE = 50


def home(request):
    recent = services.visible_changes(request.user).select_related("content_type")[:5]
    return render(
        request,
        "core/home.html",
        {
            "numbers": cache.get_or_set(f"home-numbers:{data_version(request)}", key_numbers, 3600),
            "recent": recent,
            "map_html": maps.libraries_map_html(request, colour="region"),
        },
    )


def key_numbers() -> dict[str, int]:
    return {
        "libraries": Library.objects.count(),
        "countries": Country.objects.filter(libraries__isnull=False).distinct().count(),
        "organisations": Organisation.objects.count(),
        "changes": Change.objects.filter(is_public=True).count(),
    }


def healthz(request):
    """200 when the database answers, 503 when it does not (for load balancers and monitors)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def change_queryset():
    return Change.objects.select_related("content_type", "user", "related_content_type")


def change_list(request):
    changes = services.visible_changes(request.user, change_queryset())
    filterset = ChangeFilterSet(request.GET or None, queryset=changes)
    page = Paginator(filterset.qs, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    counts = dict(
        filterset.qs.order_by()
        .values_list("action")
        .annotate(n=Count("id"))
        .values_list("action", "n")
    )
    return render(
        request,
        "core/change_list.html",
        {
            "filter": filterset,
            "page": page,
            "counts": counts,
            "total": page.paginator.count,
        },
    )


def change_detail(request, pk: int):
    change = get_object_or_404(services.visible_changes(request.user, change_queryset()), pk=pk)
    return render(
        request,
        "core/change_detail.html",
        {
            "change": change,
            "revertible": services.is_revertible(change) and not services.reverted_ids([change]),
        },
    )


@require_POST
def change_revert(request, pk: int):
    change = get_object_or_404(Change, pk=pk)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={change.get_absolute_url()}")
    try:
        services.revert_change(change, user=request.user, reason=request.POST.get("reason", ""))
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(change.get_absolute_url())
    messages.success(request, _("The change was reverted."))
    return redirect(_safe_next(request) or change.get_absolute_url())


def _safe_next(request) -> str:
    """The page to return to, if it is on this site (never an address on another host)."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


class ChangeFeed(Feed):
    """Atom feed of recent changes, with the same filters as the page."""

    feed_type = Atom1Feed
    title = gettext_lazy("NL Atlas: recent changes")
    subtitle = gettext_lazy("Changes to the registry of national libraries")

    def get_object(self, request):
        # The feed object is shared between requests: carry the filtered changes, not the request.
        public = change_queryset().filter(is_public=True)
        return ChangeFilterSet(request.GET or None, queryset=public).qs

    def link(self):
        return reverse("core:changes")

    def items(self, changes):
        return changes[:50]

    def item_title(self, item):
        return str(item)

    def item_description(self, item):
        lines = [f"{label}: {_shown(old)} → {_shown(new)}" for label, old, new in item.diff()]
        reason = _("Reason: %(reason)s") % {"reason": item.reason} if item.reason else ""
        return "\n".join(filter(None, [reason, *lines]))

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.created_at

    def item_author_name(self, item):
        return item.user_name


def _shown(value) -> str:
    return "—" if value is None or value == "" else str(value)


def render_conflict(request, conflict: services.ConflictError, form, rebuild):
    """Show what the other person saved beside what this editor typed; nothing is lost.

    `rebuild(data, current)` makes the same form bound to the editor's input on top of the current
    version, so saving again is one click once the editor has looked at the differences. Only the
    fields the editor changed from the version they started from are theirs: the other fields
    take the values saved meanwhile, so saving again does not undo the other person's work.
    """
    current = conflict.current
    started = rebuild(request.POST, _version_started_from(conflict))
    typed = [n for n in started.changed_data if n not in ("version", "reason")]
    rows = [
        {
            "label": form.fields[name].label,
            "yours": form.cleaned_data.get(name),
            "theirs": getattr(current, name, None),
        }
        for name in typed
    ]
    data = request.POST.copy()
    data["version"] = current.version
    saved = rebuild(None, current)
    for name in saved.fields:
        if name not in typed and name not in ("version", "reason"):
            value = saved[name].value()
            values = value if isinstance(value, (list, tuple)) else [value]
            data.setlist(name, ["" if v is None else str(v) for v in values])
    return render(
        request,
        "core/conflict.html",
        {
            "object": current,
            "rows": rows,
            "changes": conflict.changes_since(),
            "resubmit_form": rebuild(data, current),
        },
        status=409,
    )


def _version_started_from(conflict: services.ConflictError):
    """The object as it was at the editor's version: the current one with later changes undone."""
    base = copy.copy(conflict.current)
    for change in conflict.changes_since():  # newest first, so the oldest "before" wins
        base.restore(change.before or {})
    return base


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"message": message}, status=403)


def server_error(request):
    return render(request, "500.html", status=500)


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /admin/\n", content_type="text/plain")


def hello(request):
    """The smallest view on the full middleware stack: the benchmark's ceiling (bench only)."""
    return HttpResponse("hello", content_type="text/plain")
