"""The list of practices with search and facets, its CSV and JSON downloads and the map by
country; all answer the same filters (the Atom feed, in `feeds`, too)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import numpy as np
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.cache import data_version
from libraries.export import csv_response, json_response
from libraries.models import Country, Region
from libraries.worldmap import has_shape, render_world_map

from .. import facets, permissions, search, views
from ..choices import PracticeStatus, ProjectStatus
from ..filters import PracticeFilterSet
from ..models import Kind, Practice
from .display import language_name, years_label

MAP_CLASSES = 5
NAMES_SECONDS = 3600
RESULTS_SECONDS = 600
FEW_MATCHES = 2000  # fewer matches than this: a sorted search is one query (list_ids)
CARD_SECONDS = 3600
EXCERPT = 300  # characters of the summary on a result card
STATUS_LABELS = dict(ProjectStatus.choices)
PRACTICE_STATUS_LABELS = dict(PracticeStatus.choices)
CARD_FIELDS = ("code", "status", "title", "summary", "start_year", "end_year", "project_status")
CODE_MARK = "p-code"
FACET_LIMIT = 10  # values shown per facet before "show all"
DATA_LICENCE = "CC0 1.0"
PUBLIC = permissions.PUBLIC
FILTER_KEYS = (
    *("q", "kind", "country", "region", "area", "item", "library", "period", "status"),
    *("language", "sort"),
)


def _filterset(request, queryset=None) -> PracticeFilterSet:
    base = Practice.objects.filter(status__in=PUBLIC).select_related("kind")
    return PracticeFilterSet(request.GET or None, queryset=base if queryset is None else queryset)


def practice_list(request):
    filterset = _filterset(request)
    if request.GET and not filterset.is_valid():
        messages.error(request, _("Some filters were not understood and are ignored."))
    # The ids of the whole result set in order (list_ids): its size, the page and the facet
    # counts all come from them.
    ids = _result_ids(request, filterset)
    page = Paginator(ids, views.RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _cards(page.object_list)
    return render(
        request,
        "practices/practice_list.html",
        {
            "filter": filterset,
            "page": page,
            "total": len(ids),
            "facets": _facets(request, facets.current().counts(ids)),
            "sort": _sort(filterset),
            "kept": _kept_filters(request, ("q", "sort", "page")),
            "can_start": permissions.can_start(request.user),
            "can_moderate": permissions.can_moderate(request.user),
        },
    )


def _cards(ids: list[int]) -> list[dict]:
    """The result cards of these practices, in this order. Each card is kept in the cache for
    the data version and language: the same practices come back on many lists."""
    prefix = f"practices:card:{data_version()}:{get_language()}:"
    cards = cache.get_many([f"{prefix}{pk}" for pk in ids])
    missing = [pk for pk in ids if f"{prefix}{pk}" not in cards]
    if missing:
        built = {f"{prefix}{card['id']}": card for card in _build_cards(missing)}
        cache.set_many(built, CARD_SECONDS)
        cards.update(built)
    return [cards[f"{prefix}{pk}"] for pk in ids if f"{prefix}{pk}" in cards]


def _build_cards(ids: list[int]) -> list[dict]:
    """Cards from plain rows (two queries), with the names every list already has."""
    known = names()
    countries: dict[int, list[str]] = {}
    links = Practice.countries.through.objects.filter(practice_id__in=ids)
    for practice_id, iso in links.order_by("country__name").values_list("practice_id", "country"):
        countries.setdefault(practice_id, []).append(known["country"].get(iso, iso))
    # One address reversed, the others by putting each code in its place.
    address = reverse("practices:detail", args=[CODE_MARK])
    rows = Practice.objects.filter(pk__in=ids).values("id", *CARD_FIELDS, "kind__slug")
    return [_card(row, known["kind"], countries.get(row["id"], []), address) for row in rows]


def result_key(query) -> str:
    """The cache key of a list's result ids: the data version and the filters (not the page)."""
    params = urlencode(sorted((k, v) for k, v in query.items() if k in FILTER_KEYS and v))
    digest = hashlib.sha256(params.encode()).hexdigest()
    return f"practices:results:{data_version()}:{digest}"


def _result_ids(request, filterset) -> list[int]:
    """The ordered ids of a list, kept in the cache for the present data version: paging
    through a search, drawing its map or coming back to it does not search again. (Orders by
    views may lag by up to RESULTS_SECONDS: counting a view changes no data version.)"""
    key = result_key(request.GET)
    ids = cache.get(key)
    if ids is None:
        ids = list_ids(filterset)
        cache.set(key, ids, RESULTS_SECONDS)
    return ids


def list_ids(filterset) -> list[int]:
    """The ordered ids the list shows for this filter (uncached). A search with nothing else
    comes from the search table alone; a search in another order than relevance, when its
    words are found in many practices, from two lists that each read one table (see
    _matches_in_order); any other list from one query."""
    words = _words_alone(filterset)
    if words:
        return search.ranked(words)
    ordered_search = _matches_in_order(filterset)
    return ordered_search if ordered_search is not None else search.ids(filterset.qs)


def _matches_in_order(filterset) -> list[int] | None:
    """A search sorted by title, start year, views or date, as the practices it matches
    (search table, no ranks) kept in the order of the practices the other filters list
    (practices table and its indexes). In one query the database joins the two tables for
    every match and sorts them: for a word in most of 20,000 practices, half again as long.
    None when the words are few enough for that query to be cheap, or for relevance."""
    if not (filterset.is_bound and filterset.is_valid()):
        return None
    data = filterset.form.cleaned_data
    words = data.get("q") or ""
    if not search.terms(words) or _sort(filterset) == "relevance":
        return None
    matched = search.matching_ids(words)
    if len(matched) < FEW_MATCHES:
        return None
    others = {k: v for k, v in filterset.data.items() if k != "q"}
    ordered = np.array(search.ids(PracticeFilterSet(others, queryset=filterset.queryset).qs))
    return ordered[np.isin(ordered, matched)].tolist()


def _words_alone(filterset) -> str:
    """The search words when nothing else narrows the list and it is in order of relevance:
    then the search table alone answers (see search.ranked)."""
    if not (filterset.is_bound and filterset.is_valid()):
        return ""
    data = filterset.form.cleaned_data
    narrowed = any(v not in (None, "") for k, v in data.items() if k not in ("q", "sort"))
    words = data.get("q") or ""
    if narrowed or not search.terms(words) or _sort(filterset) != "relevance":
        return ""
    return words


def _card(row: dict, kinds: dict, countries: list[str], address: str) -> dict:
    """One result as plain values: its address, title, status, line of facts and excerpt, put
    together here rather than in the template, which took longer for a page of them than the
    search."""
    facts = [kinds.get(row["kind__slug"], row["kind__slug"])]
    if row["start_year"]:
        facts.append(years_label(row["start_year"], row["end_year"]))
    if row["project_status"]:
        facts.append(str(STATUS_LABELS.get(row["project_status"], row["project_status"])))
    if countries:
        facts.append(", ".join(countries))
    summary = row["summary"]
    if len(summary) > EXCERPT:
        summary = Truncator(summary).chars(EXCERPT)
    return {
        "id": row["id"],
        "url": address.replace(CODE_MARK, row["code"]),
        "title": row["title"],
        "status": row["status"],
        "status_label": str(PRACTICE_STATUS_LABELS.get(row["status"], row["status"])),
        "facts": " · ".join(facts),
        "excerpt": summary,
    }


def _sort(filterset) -> str:
    """The order the list is in: the chosen one, or by relevance for a search, else newest."""
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    return data.get("sort") or ("relevance" if data.get("q") else "recent")


def names() -> dict[str, dict]:
    """The names of kinds, countries, regions and function areas in the active language, kept
    in the cache until the data changes: every list shows them."""
    from functions.models import Area

    def read() -> dict[str, dict]:
        return {
            "kind": {k.slug: str(k) for k in Kind.objects.all()},
            "country": dict(Country.objects.values_list("pk", "name")),
            "region": dict(Region.objects.values_list("pk", "name")),
            "area": {a.code: str(a) for a in Area.objects.all()},
        }

    key = f"practices:facet-names:{data_version()}:{get_language()}"
    return cache.get_or_set(key, read, NAMES_SECONDS)


def _facets(request, counts: dict[str, dict]) -> list[dict]:
    """Each facet with its values, counts and the address that adds or removes the filter."""
    labels = {
        **names(),
        "period": {
            d: _("%(start)s–%(end)s") % {"start": d, "end": d + 9} for d in counts["period"]
        },
        "status": dict(ProjectStatus.choices),
        "language": {code: language_name(code) for code in counts["language"]},
    }
    titles = {
        "kind": _("Kind"),
        "country": _("Country"),
        "region": _("Region"),
        "area": _("Function area"),
        "period": _("Period (start year)"),
        "status": _("Project status"),
        "language": _("Language"),
    }
    expanded = request.GET.get("more", "")
    facets = []
    for key, values in counts.items():
        chosen = request.GET.get(key, "")
        entries = [
            {"value": value, "label": labels[key].get(value, value), "count": n}
            for value, n in values.items()
        ]
        for entry in entries:
            entry["active"] = str(entry["value"]) == chosen
        entries.sort(key=lambda e: (not e["active"], -e["count"], str(e["label"])))
        # The most frequent values only, unless the visitor asked for all of this facet: a
        # list of 200 countries helps nobody and costs every page.
        hidden = len(entries) - FACET_LIMIT if key != expanded else 0
        if hidden > 0:
            entries = entries[:FACET_LIMIT]
        for entry in entries:
            value = None if entry["active"] else entry["value"]
            entry["url"] = _query_url(request, **{key: value})
        facets.append(
            {
                "key": key,
                "title": titles[key],
                "entries": entries,
                "chosen": chosen,
                "clear": _query_url(request, **{key: None}) if chosen else "",
                "hidden": max(hidden, 0),
                "more": _query_url(request, more=key) + f"#facet-{key}" if hidden > 0 else "",
                "fewer": _query_url(request, more=None) + f"#facet-{key}"
                if key == expanded and len(entries) > FACET_LIMIT
                else "",
            }
        )
    return facets


def _query_url(request, **changes) -> str:
    """The current query with some parameters replaced (None removes one), back to page 1."""
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def _kept_filters(request, skip) -> list[tuple[str, str]]:
    """The filters to carry as hidden fields when the search box is submitted."""
    return [(k, v) for k, v in request.GET.items() if k in FILTER_KEYS and k not in skip and v]


def practice_export(request, fmt: str):
    """CSV or JSON of exactly the practices the list shows for the same query (every page)."""
    from .. import exchange

    if fmt not in ("csv", "json"):
        raise Http404
    filterset = _filterset(request)
    records = exchange.export_records(filterset.qs)
    if fmt == "csv":
        return csv_response(exchange.csv_rows(records), exchange.csv_columns(), "practices")
    meta = {
        "licence": DATA_LICENCE,
        "licence_note": _(
            "The records are CC0 1.0; each practice's text is under the licence named in its "
            "“licence” field."
        ),
        "source": settings.SITE_URL + request.path,
        "filters": {k: v for k, v in request.GET.items() if k != "page"},
    }
    return json_response(records, "practices", meta)


def practice_map(request):
    filterset = _filterset(request)
    ids = _result_ids(request, filterset)
    counts = facets.current().counts(ids)["country"]
    country_names = names()["country"]
    classes, legend = _map_classes(counts)
    titles = {
        iso: _("%(country)s: %(n)s practices") % {"country": country_names.get(iso, iso), "n": n}
        for iso, n in counts.items()
    }
    title = _("Practices by country")
    svg = render_world_map(
        fills=classes,
        titles=titles,
        svg_title=title,
        svg_desc=_("%(n)s countries have at least one practice.") % {"n": len(counts)},
        id_prefix="practice-map",
    )
    rows = sorted(
        (
            {
                "iso2": iso,
                "name": country_names.get(iso, iso),
                "count": n,
                "css_class": classes[iso],
                "url": _query_url(request, country=iso),
                "drawn": has_shape(iso),
            }
            for iso, n in counts.items()
        ),
        key=lambda r: (-r["count"], r["name"]),
    )
    return render(
        request,
        "practices/practice_map.html",
        {
            "filter": filterset,
            "map_svg": mark_safe(svg),  # noqa: S308 - built from escaped parts by worldmap
            "map_title": title,
            "legend": legend,
            "rows": rows,
            "total": len(ids),
            "kept": _kept_filters(request, ("q", "sort", "page")),
            "query": _query_url(request),
        },
    )


def _map_classes(counts: dict[str, int]) -> tuple[dict[str, str], list[dict]]:
    """Classes q-1…q-5 by geometric steps up to the largest count (counts of practices are
    skewed: many countries have one or two), and the legend of the classes in use. The
    largest count is always the darkest class."""
    top = max(counts.values(), default=0)
    if not top:
        return {}, []
    uppers = sorted({max(1, round(top ** (k / MAP_CLASSES))) for k in range(1, MAP_CLASSES + 1)})
    classes, legend, low = {}, [], 1
    for n, upper in enumerate(uppers, start=1 + MAP_CLASSES - len(uppers)):
        css = f"q-{n}"
        members = [iso for iso, c in counts.items() if low <= c <= upper]
        classes.update(dict.fromkeys(members, css))
        label = str(low) if low == upper else _("%(low)s to %(high)s") % {"low": low, "high": upper}
        legend.append({"css_class": css, "label": label, "count": len(members)})
        low = upper + 1
    return classes, legend
